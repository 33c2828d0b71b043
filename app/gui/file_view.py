"""The file view's public names, kept where the main window and the benchmarks import them.

Thread: the Qt GUI thread.  The view itself is the package :mod:`specscope.app.gui.file`.
"""

from .file import ClockTimeAxis, FileView, format_clock, format_time, parse_clock

__all__ = ["ClockTimeAxis", "FileView", "format_clock", "format_time", "parse_clock"]
