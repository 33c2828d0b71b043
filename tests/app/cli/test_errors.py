"""Exit statuses and error lines of the `specscope` command: bad input is one line and 2, a bug is one
line naming the log (which holds the traceback) and 1, a usage error is one line with a hint."""

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from specscope.app.cli.main import main
from specscope.app.logs import LOG_FILE_NAME

CMD = [sys.executable, "-m", "specscope.app.cli"]


def specscope(*args, timeout=60):
    return subprocess.run([*CMD, *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def wav(tmp_path):
    path = tmp_path / "tone.wav"
    sf.write(path, 0.5 * np.sin(2 * np.pi * 1000 * np.arange(48000) / 48000), 48000, subtype="FLOAT")
    return path


def test_a_bug_is_one_line_naming_the_log_and_exit_1(wav, log_dir, monkeypatch, capsys):
    # A fault that cannot be produced for real: the reader raising an unexpected exception.
    import specscope.app.io.audio_file as audio_file

    def broken(path):
        raise RuntimeError("simulated defect\nover two lines")

    monkeypatch.setattr(audio_file, "probe", broken)
    assert main(["info", str(wav)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    log_file = log_dir / LOG_FILE_NAME
    assert lines[0] == (f"specscope: internal error while running specscope info: RuntimeError: simulated defect "
                        f"over two lines (details in {log_file})")
    assert "Traceback" not in err
    text = log_file.read_text()
    assert "Traceback (most recent call last)" in text
    assert "in broken" in text and "RuntimeError: simulated defect" in text


def test_a_value_error_from_a_defect_is_a_bug_not_bad_input(wav, log_dir, monkeypatch, capsys):
    # Before: every ValueError was reported as bad input (exit 2) and its traceback lost.
    import specscope.dsp.block_peaks as block_peaks

    def broken(*args, **kwargs):
        raise ValueError("operands could not be broadcast together")

    monkeypatch.setattr(block_peaks, "accumulate_peaks", broken)
    assert main(["peaks", str(wav)]) == 1
    err = capsys.readouterr().err
    assert "internal error while running specscope peaks: ValueError" in err
    assert "Traceback" in (log_dir / LOG_FILE_NAME).read_text()


def test_bad_input_is_logged_at_info_and_exit_2(tmp_path, log_dir, capsys):
    assert main(["info", str(tmp_path / "missing.wav")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("specscope: ") and len(err.strip().splitlines()) == 1
    assert "missing.wav" in (log_dir / LOG_FILE_NAME).read_text()


def test_verbose_logs_debug_detail_to_stderr(wav, tmp_path):
    res = specscope("--verbose", "export", wav, "-o", tmp_path / "o.npz", "--n-fft", 512)
    assert res.returncode == 0, res.stderr
    debug = [line for line in res.stderr.splitlines() if line.startswith("specscope DEBUG: export")]
    assert len(debug) == 1 and "257 bins" in debug[0]
    res = specscope("export", wav, "-o", tmp_path / "p.npz", "--n-fft", 512, "-v")
    assert res.returncode == 0 and "DEBUG" in res.stderr
    res = specscope("export", wav, "-o", tmp_path / "q.npz", "--n-fft", 512)
    assert res.returncode == 0 and res.stderr == ""


def test_argparse_errors_are_one_line_with_a_hint(wav):
    res = specscope("export", wav)
    assert res.returncode == 2
    assert res.stderr == ("specscope export: error: the following arguments are required: -o/--output "
                          "(see specscope export --help)\n")
    res = specscope("peaks", wav, "--n-fft", "many")
    assert res.returncode == 2
    assert res.stderr.strip() == ("specscope peaks: error: argument --n-fft: invalid int value: 'many' "
                                  "(see specscope peaks --help)")
    res = specscope("--no-such-flag")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1
    assert "(see specscope --help)" in res.stderr


def test_help_still_prints_the_usage():
    res = specscope("export", "--help")
    assert res.returncode == 0
    assert "--force" in res.stdout and "--n-fft" in res.stdout and "--overlap" in res.stdout


def test_an_unknown_word_is_neither_a_command_nor_a_file(tmp_path):
    res = specscope("bogus-command")
    assert res.returncode == 2
    first, _, commands = res.stderr.partition("(commands: ")
    assert first == "specscope: no such command or file: 'bogus-command' "
    assert commands.endswith(")\n") and res.stderr.count("\n") == 1
    assert {"info", "export", "peaks", "devices", "listen", "bands"} <= set(commands[:-2].split(", "))
    res = specscope(tmp_path / "nowhere.wav")
    assert res.returncode == 2 and "no such command or file" in res.stderr


def test_an_existing_file_still_opens_the_window(wav, monkeypatch):
    import specscope.app.gui.launch as launch

    opened = []
    monkeypatch.setattr(launch, "launch", lambda path=None: opened.append(path) or 0)
    assert main([str(wav)]) == 0
    assert opened == [str(wav)]
    assert main([]) == 0
    assert opened == [str(wav), None]


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--start", "1e308", "--start 1e+308 s is outside the file (0 to 1 s)"),
        ("--start", "-1", "argument --start: must be a number of seconds >= 0, got '-1'"),
        ("--start", "nan", "argument --start: must be a finite number of seconds, got 'nan'"),
        ("--duration", "inf", "argument --duration: must be a finite number of seconds, got 'inf'"),
        ("--duration", "-0.5", "argument --duration: must be a number of seconds > 0, got '-0.5'"),
        ("--duration", "0", "argument --duration: must be a number of seconds > 0, got '0'"),
        ("--duration", "1e-9", "shorter than one sample"),
    ],
)
@pytest.mark.parametrize("command", ["export", "peaks"])
def test_impossible_slices_are_one_line_and_exit_2(wav, tmp_path, command, option, value, words):
    out = ["-o", tmp_path / "o.npz"] if command == "export" else []
    res = specscope(command, wav, *out, option, value)
    assert res.returncode == 2, res.stderr
    assert words in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


@pytest.mark.parametrize("command", ["export", "peaks"])
def test_a_huge_duration_means_to_the_end(wav, tmp_path, command):
    # Before: OverflowError (round(1e308 * fs)) and a traceback.
    out = ["-o", tmp_path / "o.npz"] if command == "export" else []
    res = specscope(command, wav, *out, "--start", "0.5", "--duration", "1e308", "--n-fft", 1024)
    assert res.returncode == 0, res.stderr
    if command == "export":
        times = np.load(tmp_path / "o.npz")["times_s"]
        assert times.shape == (1 + (24000 - 1024) // 256,)


def test_a_closed_output_pipe_is_not_a_bug(wav, log_dir):
    # `specscope peaks F | head -0`: the reader went away; before, a BrokenPipeError traceback.
    proc = subprocess.Popen([*CMD, "peaks", str(wav), "--top", "50"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 1
    assert err == b""
    assert not (log_dir / LOG_FILE_NAME).exists() or "internal error" not in (log_dir / LOG_FILE_NAME).read_text()
