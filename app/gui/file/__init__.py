"""The File tab: a whole recording as one navigable spectrogram (:class:`FileView`)."""

from .clock import ClockTimeAxis, format_clock, format_time, parse_clock
from .view import FileView

__all__ = ["ClockTimeAxis", "FileView", "format_clock", "format_time", "parse_clock"]
