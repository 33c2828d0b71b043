"""Moving the file view: zoom, pan, show all, undo (Backspace) and a typed range (G, "Go to…").

Thread: the Qt GUI thread (a mixin of :class:`~specscope.app.gui.file.view.FileView`).

Every command pushes the view it leaves onto a :class:`~specscope.app.gui.file.history.ViewHistory`
(quick successions, such as wheel notches or a drag, make one step);
:meth:`NavigationMixin.undo_view` goes back one step.
"""

from __future__ import annotations

from PyQt6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit

from .clock import format_time, parse_clock


class GoToDialog(QDialog):
    """Two fields, start and end, in seconds or h:mm:ss(.mmm)."""

    def __init__(self, parent, t0_s: float, t1_s: float, clock: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle("Go to time range")
        self.start_edit = QLineEdit(format_time(t0_s, clock).removesuffix(" s"))
        self.end_edit = QLineEdit(format_time(t1_s, clock).removesuffix(" s"))
        self.message = QLabel("seconds (12.5) or h:mm:ss (1:02:03.5)")
        form = QFormLayout(self)
        form.addRow("Start", self.start_edit)
        form.addRow("End", self.end_edit)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.range_s: tuple[float, float] | None = None

    def _check(self) -> None:
        try:
            t0, t1 = parse_clock(self.start_edit.text()), parse_clock(self.end_edit.text())
            if not t1 > t0:
                raise ValueError("the end must be after the start")
        except ValueError as err:
            self.message.setText(str(err))
            return
        self.range_s = (t0, t1)
        self.accept()


class NavigationMixin:
    """View ranges and the commands that change them."""

    def visible_time_range_s(self) -> tuple[float, float]:
        (x0, x1), _ = self.vb.viewRange()
        return float(x0), float(x1)

    def visible_freq_range_hz(self) -> tuple[float, float]:
        _, (u0, u1) = self.vb.viewRange()
        return float(self.scale.inverse(u0)), float(self.scale.inverse(u1))

    def _view_state(self) -> tuple[float, float, float, float]:
        (x0, x1), (u0, u1) = self.vb.viewRange()
        return float(x0), float(x1), float(u0), float(u1)

    def remember_view(self, coalesce: bool = True) -> None:
        """Push the current view onto the undo history (before changing it)."""
        if self.cfg is not None:
            self.view_history.push(self._view_state(), coalesce)

    def undo_view(self) -> bool:
        """Go back to the view before the last zoom or pan; False if there is none."""
        state = self.view_history.pop()
        if state is None:
            return False
        x0, x1, u0, u1 = state
        self.vb.setRange(xRange=(x0, x1), yRange=(u0, u1), padding=0)
        return True

    def set_time_range(self, t0_s: float, t1_s: float) -> None:
        self.remember_view(coalesce=False)
        self.vb.setXRange(t0_s, t1_s, padding=0)

    def set_freq_range(self, f_lo_hz: float, f_hi_hz: float) -> None:
        self.remember_view(coalesce=False)
        self.vb.setYRange(float(self.scale.transform(f_lo_hz)), float(self.scale.transform(f_hi_hz)), padding=0)

    def go_to(self, t0_s: float, t1_s: float) -> None:
        """Show the time range ``t0_s .. t1_s`` (clipped to the file)."""
        if self.overview_tile is not None:
            lo, hi = self.overview_tile.time_extent_s
            t0_s, t1_s = max(lo, t0_s), min(hi, t1_s)
        if t1_s > t0_s:
            self.set_time_range(t0_s, t1_s)

    def ask_go_to(self) -> None:
        """The "Go to…" dialog: type a start and an end."""
        if self.cfg is None:
            return
        t0, t1 = self.visible_time_range_s()
        dialog = GoToDialog(self, t0, t1, self.time_axis.clock)
        if dialog.exec() and dialog.range_s is not None:
            self.go_to(*dialog.range_s)

    def show_all(self) -> None:
        if self.overview_tile is None:
            return
        self.remember_view(coalesce=False)
        x0, x1 = self.overview_tile.time_extent_s
        self.vb.setRange(xRange=(x0, x1), yRange=self._u_limits(), padding=0)

    def zoom_time(self, factor: float, centre_s: float | None = None) -> None:
        self.remember_view()
        x0, x1 = self.visible_time_range_s()
        c = 0.5 * (x0 + x1) if centre_s is None else centre_s
        self.vb.setXRange(c + (x0 - c) * factor, c + (x1 - c) * factor, padding=0)

    def zoom_freq(self, factor: float, centre_u: float | None = None) -> None:
        self.remember_view()
        _, (u0, u1) = self.vb.viewRange()
        c = 0.5 * (u0 + u1) if centre_u is None else centre_u
        self.vb.setYRange(c + (u0 - c) * factor, c + (u1 - c) * factor, padding=0)

    def pan_time(self, fraction: float) -> None:
        self.remember_view()
        x0, x1 = self.visible_time_range_s()
        d = fraction * (x1 - x0)
        self.vb.setXRange(x0 + d, x1 + d, padding=0)

    def pan_freq(self, fraction: float) -> None:
        self.remember_view()
        _, (u0, u1) = self.vb.viewRange()
        d = fraction * (u1 - u0)
        self.vb.setYRange(u0 + d, u1 + d, padding=0)

    def zoom_to_selection(self) -> None:
        """Show exactly the selected time range (and frequency band, if one was selected)."""
        if self.selection is None:
            return
        self.remember_view(coalesce=False)
        t0, t1, f_lo, f_hi = self.selection
        if t1 - t0 > 0:
            self.vb.setXRange(t0, t1, padding=0)
        if f_lo is not None and f_hi is not None and f_hi > f_lo:
            self.vb.setYRange(float(self.scale.transform(f_lo)), float(self.scale.transform(f_hi)), padding=0)
