"""Every command-line test logs into its own temporary folder, never into the user's state folder."""

import pytest


@pytest.fixture(autouse=True)
def log_dir(tmp_path_factory, monkeypatch):
    """``SPECSCOPE_LOG_DIR`` for this test (inherited by the `specscope` child processes it starts)."""
    path = tmp_path_factory.mktemp("log")
    monkeypatch.setenv("SPECSCOPE_LOG_DIR", str(path))
    return path
