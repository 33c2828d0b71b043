"""Export from the file view: the view as a PNG, the data of a range as NPZ or CSV.

Thread: the Qt GUI thread (a mixin of :class:`~specscope.app.gui.file.view.FileView`);
the data export computes and writes in a background job.

"Export PNG…" saves the spectrogram exactly as shown, with its axes, colour
bar and selection box: it changes neither the view nor the selection.
"""

from __future__ import annotations

import os

from PyQt6.QtWidgets import QFileDialog

from specscope.app.analysis.file_analysis import MAX_EXPORT_BYTES


class ExportMixin:
    """PNG and data export."""

    def export_png(self, path: str) -> None:
        """Save the spectrogram as shown (with its axes and colour bar) as a PNG; :attr:`exported` follows."""
        path = os.fspath(path)
        self.refresh()
        if self.plot.grab().save(path, "PNG"):
            self._set_status(f"exported {path}")
            self.exported.emit(path)
        else:
            self.error.emit(f"{path}: cannot write the PNG")

    def export_range_s(self) -> tuple[float, float]:
        """What :meth:`export_data` writes: the selection's time range, else the visible one."""
        if self.selection is not None:
            return self.selection[0], self.selection[1]
        return self.visible_time_range_s()

    def export_data(self, path: str) -> None:
        """Write the selection (or the visible time range) at full STFT resolution as NPZ or CSV.

        The format is ``specscope export``'s; the work runs in the background
        and :attr:`exported` is emitted with the path when written.
        """
        from specscope.app.io.export import check_export_path, write_spectrogram

        a = self.analysis
        if a is None:
            self.error.emit("no file is open")
            return
        try:
            out = check_export_path(path)
        except ValueError as err:
            self.error.emit(str(err))
            return
        t0, t1 = self.export_range_s()
        first, n = a.frame_span(t0, t1)
        if 4 * n * a.cfg.n_freqs > MAX_EXPORT_BYTES:
            self.error.emit(f"{out}: the range would take {4 * n * a.cfg.n_freqs / 2**30:.1f} GiB; "
                            "select a shorter time range")
            return

        def run(cancelled, ch) -> None:
            tile = a.range_tile(first, n, n, cancelled)
            times_s = a.cfg.frame_times_s(tile.n_frames, first_frame=tile.first_frame)
            try:
                write_spectrogram(out, tile.db, times_s, a.cfg)
            except OSError as err:
                raise OSError(f"{out}: cannot write: {err.strerror or err}") from None
            ch.result(str(out))

        self.jobs.start("export", run)

    def _on_exported(self, path: str) -> None:
        self._set_status(f"exported {path}")
        self.exported.emit(path)

    def _ask_export_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the view as PNG", "", "PNG image (*.png)")
        if path:
            self.export_png(path if path.lower().endswith(".png") else path + ".png")

    def _ask_export_data(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export spectrogram data", "",
                                              "NumPy archive (*.npz);;CSV table (*.csv)")
        if path:
            self.export_data(path)
