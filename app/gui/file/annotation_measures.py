"""The Raven measurements of the file view's annotations, computed by a background job.

Thread: the mixin's methods run in the Qt GUI thread; the job's ``run`` in its
own thread, with a reader of its own.  One read-only result per annotation
arrives by queued signal and is dropped if the annotation changed since.

The measurements of a box use the channel the view analyses (what the
spectrogram shows), each read from the file and measured by
:func:`~specscope.dsp.selection_measures.measure_samples`.  A box of more
than :data:`MAX_MEASURE_CELLS` cells (frames x bins of the whole spectrum) is
not measured (its row says so).
"""

from __future__ import annotations

import math

from specscope.app.model.annotations import Change

from .jobs import JobBoard

MAX_MEASURE_CELLS = 8 << 20
"""Largest box measured (frames x bins; about 64 MB of complex spectra)."""


class AnnotationMeasureMixin:
    """Measures the annotations in the background (a mixin of the file view, with the annotation layer)."""

    def _build_annotation_measures(self) -> None:
        self.measurements: dict[int, dict[str, float | None]] = {}
        """Raven measurement columns of each annotation (by selection number), as computed."""
        self.measure_problems: dict[int, str] = {}
        self._measure_pending: set[int] = set()
        self.annot_jobs = JobBoard(self)
        self.annot_jobs.result.connect(self._on_measure_result)
        self.annot_jobs.block.connect(self._on_measure_block)
        self.annot_jobs.failed.connect(self._on_measure_failed)

    def start_measuring(self, indices) -> None:
        """Measure these annotations in the background (the ones already waiting stay queued)."""
        a = self.analysis
        if a is None:
            return
        pending = self._measure_pending | set(indices)
        self._measure_pending = {i for i in pending if i in self.annotations}
        todo = [self.annotations.get(i) for i in sorted(self._measure_pending)]
        noise = self.annotations.noise
        cfg, channel, n_frames, path = a.cfg, a.channel, a.n_frames, a.path

        def run(cancelled, ch) -> None:
            from specscope.app.io.audio_file import open_audio
            from specscope.dsp.selection_measures import (
                MEASUREMENT_COLUMNS,
                measure_samples,
                noise_power,
                slice_spectra,
            )

            with open_audio(path) as reader:
                def box(b):
                    first, n = _box_frames(cfg, n_frames, b.begin_s, b.end_s)
                    if n * cfg.n_freqs > MAX_MEASURE_CELLS:
                        raise _TooBig(f"{n} frames: too long to measure (at most "
                                      f"{MAX_MEASURE_CELLS // cfg.n_freqs} at this FFT size)")
                    return first, reader.read(first * cfg.hop, (n - 1) * cfg.hop + cfg.n_fft, channel)

                noise_p = None
                if noise is not None:
                    try:
                        noise_p = noise_power(slice_spectra(box(noise)[1], cfg), cfg)
                    except _TooBig:
                        noise_p = None
                for ann in todo:
                    if cancelled():
                        return
                    try:
                        first, samples = box(ann)
                        m = measure_samples(samples, cfg, first, ann.begin_s, ann.end_s, ann.low_hz, ann.high_hz,
                                            noise_p).as_columns()
                        ch.block((ann, {c: _finite_or_none(m[c]) for c in MEASUREMENT_COLUMNS}, None))
                    except _TooBig as err:
                        ch.block((ann, None, str(err)))
            ch.result(None)

        self.annot_jobs.start("measure", run)

    def _on_measure_block(self, kind: str, job_id: int, value) -> None:
        if not self.annot_jobs.is_current(kind, job_id):
            return
        ann, columns, problem = value
        self._measure_pending.discard(ann.index)
        if ann.index not in self.annotations or self.annotations.get(ann.index) != ann:
            return  # changed since: its new value is being measured
        if columns is None:
            self.measurements.pop(ann.index, None)
            self.measure_problems[ann.index] = problem
        else:
            self.measurements[ann.index] = columns
            self.measure_problems.pop(ann.index, None)
        for listener in list(self.annotation_listeners):
            listener(Change("update", (ann.index,)))

    def _on_measure_result(self, kind: str, job_id: int, value) -> None:
        if self.annot_jobs.is_current(kind, job_id):
            self.annot_jobs.forget(kind, job_id)
            self._measure_pending = set()

    def _on_measure_failed(self, kind: str, job_id: int, message: str) -> None:
        if self.annot_jobs.is_current(kind, job_id):
            self.annot_jobs.forget(kind, job_id)
            self._measure_pending = set()
            self.error.emit(f"measuring the annotations: {message}")

    def measuring(self) -> bool:
        return self.annot_jobs.running("measure")


class _TooBig(Exception):
    pass


def _box_frames(cfg, n_frames: int, begin_s: float, end_s: float) -> tuple[int, int]:
    from specscope.dsp.selection_measures import box_frames

    return box_frames(cfg, n_frames, begin_s, end_s)


def _finite_or_none(value) -> float | None:
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None
