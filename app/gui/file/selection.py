"""Selection, cursor readout and the spectrum panel of the file view.

Thread: the Qt GUI thread (a mixin of :class:`~specscope.app.gui.file.view.FileView`);
the selection's averaged spectrum is computed by a background job.

Without a selection the spectrum panel follows the pointer, or the play line
while playing; with one it shows the selection's spectrum over its frames,
the mean (default), max or min of their power as the combo box
(:attr:`SelectionMixin.stat_combo`) chooses, and its interpolated peak; the
panel's level axis names the choice ("Selection max (dBFS)").  The hover readout is recomputed whenever the image is
redrawn, so it stays true when the view changes under a still pointer.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPointF, QRectF
from PyQt6.QtWidgets import QComboBox

from specscope.app.analysis.file_analysis import SelectionSpectrum
from specscope.app.analysis.selection import SELECTION_STATS
from specscope.app.model.readouts import cursor_readout, peak_label

from .clock import format_time


class SelectionMixin:
    """Selection rectangle and job, cursor readout, spectrum at a time."""

    selection_stat = "mean"

    def _build_selection_stat(self) -> QComboBox:
        """The combo box choosing the selection spectrum's statistic over frames (:attr:`stat_combo`)."""
        self.stat_combo = QComboBox()
        self.stat_combo.setToolTip("Selection spectrum: the mean, maximum or minimum power over its frames")
        for stat, word in SELECTION_STATS.items():
            self.stat_combo.addItem(f"Selection: {word.lower()}", stat)
        self.stat_combo.activated.connect(lambda _: self.set_selection_stat(self.stat_combo.currentData()))
        return self.stat_combo

    def set_selection_stat(self, stat: str) -> None:
        """Show the selection's `stat` spectrum (``mean``, ``max`` or ``min`` over its frames' power)."""
        if stat not in SELECTION_STATS:
            raise ValueError(f"selection statistic must be one of {', '.join(SELECTION_STATS)}, got {stat!r}")
        self.selection_stat = stat
        self.stat_combo.setCurrentIndex(self.stat_combo.findData(stat))
        if self.selection_result is not None:
            self._on_selection(self.selection_result)

    # --- cursor readout ------------------------------------------------------------------
    def spectrum_at(self, t_s: float) -> np.ndarray | None:
        """dBFS per bin of the data column drawn at time `t_s`: one frame, or the maximum of the frames it covers."""
        tile = self.shown_tile
        if tile is None:
            return None
        c = tile.column_at(t_s)
        if c is None or (tile is not self.overview_tile and c >= tile.n_cols_done):
            return None
        return tile.db[:, c]

    def readout_at(self, t_s: float, u: float) -> str:
        """Cursor readout at time `t_s` and display coordinate `u`."""
        cfg = self.cfg
        if cfg is None:
            return ""
        f_hz = float(self.scale.inverse(u))
        text = cursor_readout(f_hz, cfg, self.spectrum_at(t_s), t_s)
        if self.time_axis.clock:
            text = text.replace(f"t {t_s:.3f} s", f"t {format_time(t_s, True)}", 1)
        return text

    def _on_mouse_moved(self, pos: QPointF) -> None:
        self._mouse_scene_pos = QPointF(pos)
        self._refresh_readout()

    def _refresh_readout(self) -> None:
        """Readout (and, without a selection, the panel) for the pointer's last position over the image."""
        pos = self._mouse_scene_pos
        if pos is None or self.cfg is None or not self.vb.sceneBoundingRect().contains(pos):
            return
        p = self.vb.mapSceneToView(pos)
        text = self.readout_at(p.x(), p.y())
        if text != self.readout_label.text():
            self.readout_label.setText(text)
            self.readout.emit(text)
        if self.selection is None and not self.player.playing:  # the panel follows the pointer
            db = self.spectrum_at(p.x())
            if db is not None:
                self.spectrum.show_frame(db, None, 0.0)

    # --- selection ---------------------------------------------------------------------------
    def drag_selection(self, t_a: float, t_b: float, u_pair: tuple[float, float] | None, finished: bool) -> None:
        f_pair = None
        if u_pair is not None:
            f_pair = tuple(sorted(float(self.scale.inverse(u)) for u in u_pair))
        self._draw_selection(min(t_a, t_b), max(t_a, t_b), f_pair)
        if finished:
            lo, hi = f_pair if f_pair is not None else (None, None)
            self.set_selection(min(t_a, t_b), max(t_a, t_b), lo, hi)

    def _draw_selection(self, t0: float, t1: float, f_pair: tuple[float, float] | None) -> None:
        if f_pair is None:
            u0, u1 = self._u_limits() if self.cfg is not None else (0.0, 1.0)
        else:
            u0, u1 = (float(self.scale.transform(f)) for f in f_pair)
        self.sel_rect.setRect(QRectF(t0, u0, t1 - t0, u1 - u0))
        self.sel_rect.show()

    def set_selection(self, t0_s: float, t1_s: float, f_lo_hz: float | None = None,
                      f_hi_hz: float | None = None) -> None:
        """Select a time range (and optionally a frequency band) and compute its averaged spectrum."""
        t0_s, t1_s = sorted((float(t0_s), float(t1_s)))
        self.selection = (t0_s, t1_s, f_lo_hz, f_hi_hz)
        self.selection_result = None
        self._draw_selection(t0_s, t1_s, None if f_lo_hz is None else (f_lo_hz, f_hi_hz))
        self._start_selection_job()

    def clear_selection(self) -> None:
        self.selection = None
        self.selection_result = None
        self.sel_rect.hide()
        self.spectrum.set_level_title()
        self.spectrum.curve.clear()
        self.spectrum.reset_hold()
        self.spectrum.show_peak(None)
        self.jobs.cancel("selection")
        self._set_status("")
        self.selection_changed.emit("")

    def _start_selection_job(self) -> None:
        a = self.analysis
        if a is None or self.selection is None:
            return
        t0, t1, f_lo, f_hi = self.selection

        def run(cancelled, ch) -> None:
            shown = [-1]

            def progress(done: int, total: int) -> None:
                pct = 100 * done // max(1, total)
                if pct != shown[0]:
                    shown[0] = pct
                    ch.progress(pct, 100)

            ch.result(a.selection_spectrum(t0, t1, f_lo, f_hi, cancelled, progress))

        self._set_status("selection: computing…")
        self.jobs.start("selection", run)

    def _on_selection_progress(self, pct: int) -> None:
        if self.selection_result is None:
            self._set_status(f"selection: computing… {pct} %")

    def _on_selection(self, result: SelectionSpectrum) -> None:
        self.selection_result = result
        self._show_selection_spectrum(result)
        parts = [f"selection {self._fmt_t(result.t0_s)} – {self._fmt_t(result.t1_s)} "
                 f"({result.t1_s - result.t0_s:.3f} s, {self.selection_stat} of {result.n_frames} frames)",
                 f"{result.f_lo_hz:.1f} – {result.f_hi_hz:.1f} Hz"]
        _, p = result.spectrum(self.selection_stat)
        if p is not None:
            parts.append("peak " + peak_label(p.freq_hz, p.level_dbfs, p.bin, self.spectrum.level_display))
        text = " | ".join(parts)
        self._set_status(text)
        self.selection_changed.emit(text)

    def _show_selection_spectrum(self, result: SelectionSpectrum) -> None:
        if self.cfg is None or result.db.shape[0] != self.cfg.n_freqs:
            return
        db, peak = result.spectrum(self.selection_stat)
        self.spectrum.set_level_title(f"Selection {self.selection_stat}")
        self.spectrum.reset_hold()
        self.spectrum.show_frame(db, peak, 0.0)
        self.spectrum.reset_hold()

    def _fmt_t(self, t_s: float) -> str:
        return format_time(t_s, self.time_axis.clock)

    def _set_status(self, text: str) -> None:
        self.status_text = text
        self.status.setText(text)
