"""The command line's error types and exit statuses.

Thread: the main thread.

Bad input (a file, option, device or output path the user must change)
ends with one line ``specscope: ...`` on standard error and status 2; any
other exception is a bug: it is logged with its traceback
(:func:`specscope.app.logs.log_bug`) and ends with one line naming the log
and status 1.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BUG = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A one-line message for the user; the command exits with status 2."""


def bad_input_types() -> tuple[type[BaseException], ...]:
    """The exception types that mean bad input (status 2); everything else is a bug."""
    from specscope.app.cli.options import OptionError
    from specscope.app.io.audio_file import AudioFileError
    from specscope.app.model.settings import SettingsError

    types: tuple[type[BaseException], ...] = (CliError, OptionError, SettingsError, AudioFileError)
    try:
        from specscope.app.live.devices import DeviceError
    except ImportError:  # sounddevice or PortAudio missing: no live commands
        return types
    return (*types, DeviceError)
