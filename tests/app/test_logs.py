"""specscope.app.logs: where the log goes, what a bug leaves in it, and the one-line texts."""

import logging

import pytest

from specscope.app import logs


@pytest.fixture
def clean_logger():
    """Leave the `specscope` logger as it was: remove and close the handlers the test added."""
    before = list(logs.log.handlers)
    yield logs.log
    for h in list(logs.log.handlers):
        if h not in before:
            logs.log.removeHandler(h)
            h.close()


def test_the_log_follows_the_log_dir(tmp_path, monkeypatch, clean_logger):
    # Before: the first configure() fixed the file for good, so log_bug named a path that stayed empty.
    monkeypatch.setenv("SPECSCOPE_LOG_DIR", str(tmp_path / "a"))
    assert logs.configure() == tmp_path / "a" / "specscope.log"
    logs.log.info("first")
    monkeypatch.setenv("SPECSCOPE_LOG_DIR", str(tmp_path / "b"))
    assert logs.configure() == tmp_path / "b" / "specscope.log"
    logs.log.info("second")
    assert "first" in (tmp_path / "a" / "specscope.log").read_text()
    text_b = (tmp_path / "b" / "specscope.log").read_text()
    assert "second" in text_b and "first" not in text_b
    assert sum(isinstance(h, logging.FileHandler) for h in logs.log.handlers) == 1


def test_log_bug_keeps_the_traceback_and_returns_one_line(tmp_path, monkeypatch, clean_logger):
    monkeypatch.setenv("SPECSCOPE_LOG_DIR", str(tmp_path))
    logs.configure()

    def faulty():
        raise ValueError("no\nsuch key")

    try:
        faulty()
    except ValueError as err:
        line = logs.log_bug("reading the table", err)
    log_file = tmp_path / "specscope.log"
    assert line == f"internal error while reading the table: ValueError: no such key (details in {log_file})"
    text = (tmp_path / "specscope.log").read_text()
    assert "ERROR" in text and "Traceback (most recent call last)" in text and "in faulty" in text


def test_verbose_adds_stderr_and_quiet_removes_it(tmp_path, monkeypatch, clean_logger, capsys):
    monkeypatch.setenv("SPECSCOPE_LOG_DIR", str(tmp_path))
    logs.configure(verbose=True)
    logs.log.debug("detail %d", 42)
    assert capsys.readouterr().err == "specscope DEBUG: detail 42\n"
    logs.configure(verbose=False)
    logs.log.debug("hidden")
    logs.log.info("to the file only")
    assert capsys.readouterr().err == ""
    text = (tmp_path / "specscope.log").read_text()
    assert "detail 42" in text and "hidden" not in text and "to the file only" in text


def test_one_line():
    assert logs.one_line(ValueError("a\n  b\tc ")) == "a b c"
    assert logs.one_line(RuntimeError()) == "RuntimeError"
