"""The file view's settings: analysis (:class:`AnalysisSettings`) and display (:class:`DisplaySettings`).

Thread: the Qt GUI thread (a mixin of :class:`~specscope.app.gui.file.view.FileView`).

:meth:`SettingsMixin.set_config` takes new settings or field changes, checks
them against the open file (``settings.stft_config(fs)`` and
``settings.check_channel(n_channels)``) and recomputes; an invalid value is
one line on :attr:`error` and changes nothing.  The channel choice lists the
open file's channels (:meth:`SettingsMixin.channel_choices`).
"""

from __future__ import annotations

import os

from specscope.app.analysis.file_analysis import FileAnalysis, one_line_error
from specscope.app.model.settings import AnalysisSettings, DisplaySettings
from specscope.dsp.freq_scales import make_scale

from ..colormaps import colormap, lookup_table


class SettingsMixin:
    """Analysis and display settings of the file view."""

    # --- settings -------------------------------------------------------------
    def settings(self) -> dict:
        """The analysis settings as plain values: ``n_fft``, ``hop`` (samples), ``window`` (spec), ``zero_pad``,
        ``channel``; :attr:`analysis_settings` is the model."""
        s = self.analysis_settings
        return {"n_fft": s.n_fft, "hop": s.effective_hop, "window": s.window_spec, "zero_pad": s.zero_pad,
                "channel": s.channel}

    def channel_choices(self) -> list[tuple[str | int, str]]:
        """``("mix", "mix")`` then ``(k, "channel k")`` for each channel of the open file (0-based)."""
        n = self.analysis.info.channels if self.analysis is not None else 1
        return [("mix", "mix" if n == 1 else f"mix of {n}")] + [(k, f"channel {k}") for k in range(n)]

    def load(self, path: str) -> None:
        """Open `path` and start analysing it in the background.

        On a file that cannot be read, emits :attr:`error` with a one-line
        message and keeps showing the previous file.  A channel the file does
        not have falls back to the mix.
        """
        settings = self.analysis_settings
        try:
            try:
                analysis = self._make_analysis(os.fspath(path), settings)
            except ValueError as err:
                if settings.channel == "mix" or "channel" not in str(err):
                    raise
                settings = settings.replace(channel="mix")
                analysis = self._make_analysis(os.fspath(path), settings)
        except Exception as err:  # a bad file or setting: one line, previous view kept
            self.error.emit(one_line_error(err))
            return
        self.analysis_settings = settings
        self._start(analysis, keep_view=False)

    def set_config(self, changes: AnalysisSettings | dict) -> None:
        """New analysis settings, or changes to fields of :class:`AnalysisSettings` (``n_fft``, ``hop``,
        ``window``, ``zero_pad``, ``channel``...); recomputes.  Invalid values emit :attr:`error` and
        change nothing."""
        try:
            new = changes if isinstance(changes, AnalysisSettings) else self.analysis_settings.replace(**changes)
            if self.path is not None:
                analysis = self._make_analysis(self.path, new)
            else:
                new.stft_config(48000.0)
        except TypeError as err:  # an unknown field name
            self.error.emit(f"unknown file-view setting: {one_line_error(err)}")
            return
        except Exception as err:
            self.error.emit(one_line_error(err))
            return
        self.analysis_settings = new
        if self.path is not None:
            self._start(analysis, keep_view=True)

    def set_display(self, display: DisplaySettings | None = None, *, scale: str | None = None,
                    floor_db: float | None = None, ceiling_db: float | None = None,
                    colormap_name: str | None = None) -> None:
        """New display settings, or some of them: frequency scale, level range in dBFS, colour map; redraws."""
        changes = {k: v for k, v in (("scale", scale), ("floor_db", floor_db), ("ceiling_db", ceiling_db),
                                     ("colormap", colormap_name)) if v is not None}
        old = self.display
        try:
            new = (display or old).replace(**changes)
        except ValueError as err:
            self.error.emit(one_line_error(err))
            return
        self.display = new
        if new.colormap != old.colormap:
            self._lut = lookup_table(new.colormap)
            self.image.setLookupTable(self._lut)
            self.colorbar.setColorMap(colormap(new.colormap))
        if (new.floor_db, new.ceiling_db) != (old.floor_db, old.ceiling_db):
            self.colorbar.setLevels((new.floor_db, new.ceiling_db))
            self.image.setLevels((new.floor_db, new.ceiling_db))
            self.spectrum.set_levels(new.floor_db, new.ceiling_db)
        if new.scale != self.scale.name:
            f_lo, f_hi = self.visible_freq_range_hz()
            self.scale = make_scale(new.scale)
            self.freq_axis.set_scale(self.scale)
            if self.cfg is not None:
                self._set_limits()
                nyq = float(self.cfg.freqs_hz[-1])
                f_lo, f_hi = self.scale.clamp_range(f_lo, f_hi, nyq)
                self.vb.setYRange(float(self.scale.transform(f_lo)), float(self.scale.transform(f_hi)), padding=0)
                self._update_spectrum_panel_view()
        self.refresh()

    @property
    def colormap_name(self) -> str:
        return self.display.colormap

    @property
    def floor_db(self) -> float:
        return self.display.floor_db

    @property
    def ceiling_db(self) -> float:
        return self.display.ceiling_db

    def _make_analysis(self, path: str, settings: AnalysisSettings) -> FileAnalysis:
        from specscope.app.io.audio_file import open_audio

        with open_audio(path) as reader:
            info = reader.info
        cfg = settings.stft_config(info.fs_hz)
        try:
            settings.check_channel(info.channels)
        except ValueError as err:
            raise ValueError(f"{os.path.basename(path)}: {err}") from None
        analysis = FileAnalysis(path, cfg, settings.channel, info)
        if analysis.n_frames < 1:
            raise ValueError(f"{path}: {info.frames} samples is shorter than one frame (n_fft {cfg.n_fft})")
        return analysis

    def _fill_channels(self) -> None:
        choices = self.channel_choices()
        self.channel_combo.clear()
        for value, label in choices:
            self.channel_combo.addItem(label, value)
        self.channel_combo.setCurrentIndex([v for v, _ in choices].index(self.analysis_settings.channel))
        self.channels_changed.emit(choices)

