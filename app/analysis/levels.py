"""A file's (or slice's) levels, streamed in blocks: what ``specscope levels`` prints and the File tab's
"Levels" summary shows.

Thread: whoever calls :func:`measure_file`: the main thread for the command
line, the levels job's own thread (:class:`~specscope.app.analysis.jobs.BackgroundJob`)
for the File tab, which polls ``cancelled`` between blocks.  The result,
:class:`~specscope.app.model.levels.FileLevels`, is immutable.
"""

from __future__ import annotations

from collections.abc import Callable

from specscope.app.analysis.jobs import AnalysisCancelled

BLOCK_FRAMES = 1 << 17
"""Frames read per block (2.7 s at 48 kHz; 1 MiB of float32 per channel)."""


def measure_file(path: str, start_s: float = 0.0, duration_s: float | None = None,
                 calibration_offset_db: float | None = None, block_frames: int = BLOCK_FRAMES,
                 cancelled: Callable[[], bool] | None = None, progress: Callable[[int, int], object] | None = None):
    """The :class:`~specscope.app.model.levels.FileLevels` of a file's slice.

    Parameters
    ----------
    path : str
        Audio file.
    start_s, duration_s : float
        The slice in seconds (None: to the end).
    calibration_offset_db : float, optional
        dB SPL = dBFS + offset for ``leq_a_db``.
    block_frames : int
        Frames per block read.
    cancelled : callable, optional
        Polled before each block; when it returns True the measurement stops.
    progress : callable, optional
        ``progress(done_frames, total_frames)`` after each block.

    Raises
    ------
    AudioFileError, ValueError
        Bad input (the message is one line).
    AnalysisCancelled
        `cancelled` returned True.
    """
    from specscope.app.io.audio_file import open_audio
    from specscope.app.model.levels import LevelsSummary

    with open_audio(path) as reader:
        first, n = reader.frame_range(start_s, duration_s)
        summary = LevelsSummary(reader.info.fs_hz, reader.info.channels, calibration_offset_db)
        done = 0
        try:
            for block in reader.frame_blocks(first, n, block_frames=block_frames):
                if cancelled is not None and cancelled():
                    raise AnalysisCancelled
                summary.process(block)
                done += block.shape[0]
                if progress is not None:
                    progress(done, n)
        except BaseException:
            summary.result()  # ends its helper thread
            raise
    return summary.result()
