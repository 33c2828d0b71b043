"""The Live tab: fault banner, scrolling spectrogram beside the spectrum panel, cursor readout.

Thread: the Qt GUI thread.  Frames arrive by queued signal from the live
session (:meth:`LiveTab.add_frames`): they are appended to the history and the
image ring.  The window's repaint timer calls :meth:`LiveTab.tick` at about
60 Hz: the newest frame wins for the spectrum, and only image tiles that
received columns are re-rendered.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSplitter, QVBoxLayout, QWidget

from specscope.app.io.export import write_spectrogram
from specscope.app.live.history import FrameHistory, history_capacity
from specscope.app.live.pause_buffer import PausedFrames
from specscope.app.model.settings import DisplaySettings
from specscope.dsp.config import StftConfig
from specscope.dsp.freq_scales import make_scale

from .spectrogram_view import SpectrogramView
from .spectrum_panel import SpectrumPanel

SPECTRUM_EVERY_N_TICKS = 3
"""The spectrum panel redraws on every third tick (about 21 Hz): a third of the cost."""
SPECTRUM_MIN_WIDTH_PX = 250
"""The spectrum panel's narrowest width (room for the peak label), small enough for an 800 px window."""


class FaultBanner(QFrame):
    """A message across the top of the live view, with an optional reconnect button."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("faultBanner")
        self.setStyleSheet("#faultBanner { background: #7a1f1f; border-radius: 4px; } QLabel { color: white; }")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.reconnect = QPushButton("Reconnect")
        self.dismiss = QPushButton("Dismiss")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.reconnect)
        lay.addWidget(self.dismiss)
        self.dismiss.clicked.connect(self.hide)
        self.hide()

    def show_message(self, text: str, reconnect: bool) -> None:
        self.text.setText(text)
        self.text.setToolTip(text)
        self.reconnect.setVisible(reconnect)
        self.show()


class LiveTab(QWidget):
    """The live view's widgets and the frames it shows."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.panel_filter = None
        """Optional ``(db, peak) -> (db, peak)`` applied to what the spectrum panel shows (the measurement dock)."""
        self.panel_frame_filter = None
        """Optional ``db -> db`` applied to a frame of the paused history before the panel shows it."""
        self.spectrogram = SpectrogramView()
        self.spectrum = SpectrumPanel()
        self.spectrum.setMinimumWidth(SPECTRUM_MIN_WIDTH_PX)
        self.banner = FaultBanner()
        self.readout = QLabel(" ")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.spectrogram.readout.connect(self._show_readout)
        # Paused: the spectrum panel shows the frame under the cursor (or at the pause position).
        self.spectrogram.frame_at_cursor.connect(self._show_history_frame)
        self.spectrum.readout.connect(self._show_readout)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.spectrogram)
        split.addWidget(self.spectrum)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 0)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)
        lay.addWidget(self.readout)
        self.display = DisplaySettings()
        self.cfg: StftConfig | None = None
        self.history: FrameHistory | None = None
        self.frames_received = 0
        self.frames_while_paused = 0
        self.paused_frames = PausedFrames()
        """Frames that arrived while paused (bounded by the history's capacity); they join the history on resume."""
        self.frames_wrong_config = 0
        self.rebase_time = False
        """Set when the input reopens: its clock restarts, new frames continue after the kept history."""
        self._latest = None
        self._latest_peak = None
        self._latest_dt_s = 0.0
        self._ticks = 0
        self._time_offset_s = 0.0

    # --- configuration ----------------------------------------------------------
    def set_cfg(self, cfg: StftConfig) -> bool:
        """Adopt a new STFT configuration (fresh history and axes); False if it is the one shown."""
        if self.cfg is not None and cfg == self.cfg and self.history is not None:
            return False
        self.cfg = cfg
        self.history = FrameHistory(cfg, history_capacity(cfg))
        self._latest = None
        self._latest_peak = None
        self.apply_view()
        return True

    def set_display(self, display: DisplaySettings, group: str | None = None) -> None:
        """Show with `display`; `group` (levels, colormap, span, decay, view) limits what is redone.

        Only a scale or frequency range change (``view``, or None for all) redraws the image from the
        history.
        """
        self.display = d = display
        if group in ("levels", None):
            self.spectrogram.set_levels(d.floor_db, d.ceiling_db)
        if group in ("colormap", None):
            self.spectrogram.set_colormap(d.colormap)
        if group in ("span", None):
            self.spectrogram.set_span(d.span_s)
        if group in ("decay", None):
            self.spectrum.set_decay(d.decay_db_per_s)
        if group in ("view", None):
            self.apply_view()

    def apply_view(self) -> None:
        """Place history and spectrum on the scale and frequency range of the display settings.

        Raises
        ------
        ValueError
            If the frequency range is empty on this scale.
        """
        if self.history is None:
            return
        d = self.display
        f_max = d.f_max_hz if d.f_max_hz > 0 else math.inf
        scale = make_scale(d.scale)
        self.spectrogram.set_view(self.history, scale, d.f_min_hz, f_max)
        self.spectrum.set_view(self.history.cfg, scale, d.f_min_hz, f_max, row_map=self.spectrogram.row_map)

    # --- frames ---------------------------------------------------------------------
    def add_frames(self, frames: list) -> None:
        """Append a batch of frames from the pipeline; while paused they wait and join the history on resume."""
        self.frames_received += len(frames)
        if self.spectrogram.paused:
            # Capture goes on while paused: the frames wait (bounded) and join the history on resume.
            self.frames_while_paused += len(frames)
            self.paused_frames.hold(frames, self.history.capacity if self.history is not None else 0)
            return
        self._append_frames(frames)

    def _append_frames(self, frames: list) -> None:
        if self.history is None:
            return
        good = [f for f in frames if f.cfg == self.cfg]
        self.frames_wrong_config += len(frames) - len(good)
        if not good:
            return
        if self.rebase_time:
            self.rebase_time = False
            last = self.spectrogram.last_time_s if len(self.history) else None
            self._time_offset_s = 0.0 if last is None else last + self.cfg.hop_s - good[0].t_s
        db = np.stack([f.db for f in good])
        times = np.fromiter((f.t_s for f in good), dtype=np.float64, count=len(good)) + self._time_offset_s
        seq0 = self.history.next_seq
        self.history.append(db, times)
        self.spectrogram.append(db, times, seq0)
        self._latest = good[-1]
        self._latest_dt_s += len(good) * self.cfg.hop_s

    def tick(self, now: float) -> None:
        """One repaint tick: scroll the image; every few ticks the spectrum and the peak."""
        if self.spectrogram.paused:
            return
        self.spectrogram.refresh(now)
        self._ticks += 1
        if self._latest is None or self._ticks % SPECTRUM_EVERY_N_TICKS:
            return
        # The worker fits the peak of a batch's newest frame about 10 times a second; others carry None.
        if self._latest.peak is not None:
            self._latest_peak = self._latest.peak
        t_rel_s = self._latest.t_s + self._time_offset_s - self.spectrogram.t_ref_s  # as the time axis shows it
        db, peak = self._latest.db, self._latest_peak
        if self.panel_filter is not None:  # the measurement dock's averaged, weighted spectrum (issue 13)
            db, peak = self.panel_filter(db, peak)
        self.spectrum.show_frame(db, peak, self._latest_dt_s, time_s=t_rel_s)
        self._latest = None
        self._latest_dt_s = 0.0

    def _show_history_frame(self, db: np.ndarray, t_s: float) -> None:
        """Paused: the frame under the cursor in the spectrum panel, weighted as the panel's axis says."""
        if self.panel_frame_filter is not None:
            db = self.panel_frame_filter(db)
        self.spectrum.show_frame(db, None, 0.0, time_s=t_s, hold=False)

    # --- pause and export -------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return bool(self.spectrogram.paused)

    def set_paused(self, paused: bool) -> None:
        """Freeze the display; frames keep arriving, and on resume the view shows them (no gap)."""
        if not paused:
            self._append_frames(self.paused_frames.release())
        self.spectrogram.set_paused(paused)
        if paused:
            self.spectrogram.setFocus()

    def export_to(self, path: str) -> Path:
        """Export the visible spectrogram: ``.png`` image (axes and colour bar) or ``.npz``/``.csv`` data.

        Raises
        ------
        ValueError
            For another suffix, nothing to export, or an image that cannot be written.
        OSError
            If the data file cannot be written.
        """
        out = Path(path)
        if out.suffix.lower() == ".png":
            if not self.spectrogram.grab().save(str(out), "PNG"):
                raise ValueError(f"{out}: could not write the image")
            return out
        if self.cfg is None:
            raise ValueError("nothing to export yet")
        db, times = self.spectrogram.visible_data()
        if times.shape[0] == 0:
            raise ValueError("nothing to export: no frames in the visible time range")
        return write_spectrogram(out, db, times, self.cfg)

    def _show_readout(self, text: str) -> None:
        self.readout.setText(text or " ")
