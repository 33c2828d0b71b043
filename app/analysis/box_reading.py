"""The samples under many time-frequency boxes, read in one pass over the file in time order.

Thread: the caller's (the ``specscope measure`` command, the file view's
measurement job); a reader belongs to one thread.

Each box needs the frames whose centres lie in its time range
(:func:`specscope.dsp.selection_measures.box_frames`): samples
``first hop .. (first + n - 1) hop + N``.  :func:`read_boxes` takes the boxes in
order of their first sample, so the reader only ever moves forward, and a box
that overlaps the one before it reuses the overlap instead of decoding it
again (per channel).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import numpy as np

from specscope.dsp.config import StftConfig
from specscope.dsp.selection_measures import box_frames

B = TypeVar("B")


def read_boxes(
    reader,
    cfg: StftConfig,
    n_frames_total: int,
    boxes: Sequence[B],
    channel_of: Callable[[B], str | int],
) -> Iterator[tuple[int, B, int, np.ndarray]]:
    """Yield ``(position in boxes, box, first frame, samples)`` in time order.

    Parameters
    ----------
    reader : AudioReader
        The open file (:func:`specscope.app.io.audio_file.open_audio`).
    cfg : StftConfig
        The transform the boxes are measured with.
    n_frames_total : int
        Frames of the whole file, ``cfg.n_frames(info.frames)``.
    boxes : sequence
        Objects with ``begin_s`` and ``end_s`` (seconds).
    channel_of : callable
        The reader channel (``'mix'`` or a 0-based index) of a box.

    Yields
    ------
    tuple
        The samples are float32, ``(n - 1) hop + N`` long (shorter at the end
        of the file), a new array or a slice of the previous box's.
    """
    spans = []
    for i, b in enumerate(boxes):
        first, n = box_frames(cfg, n_frames_total, b.begin_s, b.end_s)
        spans.append((first * cfg.hop, (n - 1) * cfg.hop + cfg.n_fft, first, i))
    kept: dict[str | int, tuple[int, np.ndarray]] = {}
    for start, length, first, i in sorted(spans):
        box = boxes[i]
        channel = channel_of(box)
        have = kept.get(channel)
        if have is not None and have[0] <= start < have[0] + have[1].shape[0]:
            have_start, have_samples = have
            have_end = have_start + have_samples.shape[0]
            head = have_samples[start - have_start : start - have_start + length]
            if start + length <= have_end:
                samples = head
            else:
                samples = np.concatenate([head, reader.read(have_end, start + length - have_end, channel)])
        else:
            samples = reader.read(start, length, channel)
        kept[channel] = (start, samples)
        yield i, box, first, samples
