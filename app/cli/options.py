"""The analysis options every subcommand shares, declared once.

Thread: the main thread.

``add_analysis_options(parser)`` adds ``--n-fft``, ``--hop``, ``--overlap``,
``--window``, ``--zero-pad`` and ``--channel``; :func:`analysis_settings`
turns the parsed namespace into the one settings model,
:class:`~specscope.app.model.settings.AnalysisSettings`, whose defaults are
the only defaults (N 2048, overlap 0.75 so hop N/4, Hann, no zero padding,
the channel mix).  ``add_slice_options`` adds ``--start``/``--duration`` for
the file commands; argparse refuses a negative, infinite or NaN time in one
line.  :func:`check_channel` and :func:`stft_config` check the settings
against the file or device they are applied to, in the option's words.
"""

from __future__ import annotations

import argparse
import math

from specscope.app.model.settings import AnalysisSettings, SettingsError
from specscope.dsp.config import FS_HZ_MAX, StftConfig

DEFAULTS = AnalysisSettings()

# User-facing spelling of each setting, for error messages about options.
_OPTION_WORDS = {
    "FFT size": "--n-fft",
    "hop": "--hop",
    "overlap": "--overlap",
    "zero padding": "--zero-pad",
    "channel": "--channel",
    "window": "--window",
}


class OptionError(ValueError):
    """An option value the user must change; one line, exit status 2."""


def add_analysis_options(p: argparse.ArgumentParser) -> None:
    """Add the STFT and channel options (defaults from :class:`AnalysisSettings`)."""
    g = p.add_argument_group("analysis")
    g.add_argument("--n-fft", type=int, default=DEFAULTS.n_fft,
                   help=f"frame length in samples, even, 16..131072 (default {DEFAULTS.n_fft})")
    g.add_argument("--hop", type=int, default=None,
                   help="frame advance in samples (default: from --overlap, i.e. n_fft/4)")
    g.add_argument("--overlap", type=float, default=DEFAULTS.overlap,
                   help=f"fraction of a frame shared with the next, 0..1 (default {DEFAULTS.overlap:g}); "
                   "ignored when --hop is given")
    g.add_argument("--window", default=DEFAULTS.window,
                   help="hann, hamming, blackman, blackmanharris, flattop, rect, kaiser:BETA, "
                   f"gaussian:SIGMA (SIGMA a fraction of N) (default {DEFAULTS.window})")
    g.add_argument("--zero-pad", type=int, default=DEFAULTS.zero_pad,
                   help=f"FFT length factor 1, 2, 4 or 8 (default {DEFAULTS.zero_pad})")
    g.add_argument("--channel", default="mix",
                   help="'mix' (the channels' mean, default) or a 0-based channel index")


def add_slice_options(p: argparse.ArgumentParser) -> None:
    """Add ``--start`` and ``--duration`` (seconds) for the file commands."""
    g = p.add_argument_group("slice")
    g.add_argument("--start", type=start_seconds, default=0.0, help="start of the slice in seconds (default 0)")
    g.add_argument("--duration", type=duration_seconds, default=None,
                   help="length of the slice in seconds (default: to the end)")


def start_seconds(text: str) -> float:
    """argparse type of ``--start``: a finite number of seconds >= 0."""
    value = _finite_seconds(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, got {text!r}")
    return value


def duration_seconds(text: str) -> float:
    """argparse type of ``--duration``: a finite number of seconds > 0."""
    value = _finite_seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type of counts such as ``--top``: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def _finite_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds, got {text!r}")
    return value


def analysis_settings(args: argparse.Namespace) -> AnalysisSettings:
    """The :class:`AnalysisSettings` the options describe.

    Raises
    ------
    OptionError
        Naming the option (``--n-fft must be ...``).
    """
    try:
        return AnalysisSettings(n_fft=args.n_fft, overlap=args.overlap, hop=args.hop, window=args.window,
                                zero_pad=args.zero_pad, channel=args.channel)
    except SettingsError as err:
        raise OptionError(option_words(str(err))) from None


def check_channel(settings: AnalysisSettings, n_channels: int, source: str) -> None:
    """Refuse a ``--channel`` the file or device `source` does not have.

    Raises
    ------
    OptionError
        ``SOURCE: --channel 2 does not exist: the input has 2 channel(s) (0..1)``.
    """
    try:
        settings.check_channel(n_channels)
    except SettingsError as err:
        raise OptionError(f"{source}: {option_words(str(err))}") from None


def stft_config(settings: AnalysisSettings, fs_hz: float, source: str) -> StftConfig:
    """``settings.stft_config(fs_hz)``, with a sample rate out of range said in `source`'s words.

    Raises
    ------
    OptionError
        ``SOURCE: sample rate 8.4e+06 Hz cannot be analysed (it must be above 0 and at most 1.536e+06 Hz)``.
    """
    try:
        return settings.stft_config(fs_hz)
    except ValueError:
        raise OptionError(f"{source}: sample rate {fs_hz:g} Hz cannot be analysed "
                          f"(it must be above 0 and at most {FS_HZ_MAX:g} Hz)") from None


def option_words(message: str) -> str:
    """Rewrite a settings message in option names: ``FFT size must ...`` -> ``--n-fft must ...``."""
    for words, option in _OPTION_WORDS.items():
        if message.startswith(words + " "):
            return option + message[len(words):]
    return message
