"""The file view's playback controls: play/pause, position readout, loop, speed, volume and output device.

Thread: the Qt GUI thread.  :class:`TransportBar` is the row of widgets;
:class:`PlaybackMixin` (of :class:`~specscope.app.gui.file.view.FileView`)
connects it to the :class:`~specscope.app.gui.playback.Player`.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from specscope.app.output.research_playback import SPEED_LABELS, SPEEDS

from ..playback import output_devices
from .clock import format_time


class TransportBar(QWidget):
    """Play button, ``position / duration`` readout, Loop, Speed, Volume and Output device: one row."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.play_button = QPushButton("Play")
        self.position_label = QLabel("")
        self.position_label.setToolTip("Play position / duration")
        self.fit_position_text("0.000 / 0.000 s")
        self.loop_box = QCheckBox("Loop")
        self.loop_box.setToolTip("Play the selection (or the file) again and again (L)")
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(100)
        self.volume.setMaximumWidth(80)
        self.volume.setMinimumWidth(40)
        self.volume.setToolTip("Playback volume")  # no "Vol" label: the row must fit 800 px with a long readout
        self.speed_combo = QComboBox()
        self.speed_combo.setToolTip("Playback speed: below 1x the pitch drops with it (time expansion, for "
                                    "ultrasound); the play line stays on the file's time")
        for speed, label in zip(SPEEDS, SPEED_LABELS, strict=True):
            self.speed_combo.addItem(label, speed)
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        self.device_combo = QComboBox()
        self.device_combo.setToolTip("Output device for playback")
        self.device_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.device_combo.setMinimumContentsLength(6)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.play_button)
        lay.addWidget(self.position_label)
        lay.addWidget(self.loop_box)
        lay.addWidget(self.speed_combo)
        lay.addWidget(self.volume)
        self.device_combo.setMaximumWidth(260)  # its whole name where there is room, cut on a small window
        lay.addWidget(self.device_combo, 1)
        lay.addStretch(0)  # beyond the combo's 260 px the row ends: the other controls keep their size

    def fit_position_text(self, longest: str) -> None:
        """Keep the readout as wide as its longest text for this file (not an hour's width for a short file)."""
        self.position_label.setMinimumWidth(self.position_label.fontMetrics().horizontalAdvance(longest) + 4)

    def fill_devices(self) -> None:
        """List the output devices (the default first, as "default output")."""
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        self.device_combo.addItem("default output", None)
        for dev in output_devices():
            self.device_combo.addItem(dev.name + (" (default)" if dev.is_default else ""), dev.index)
        self.device_combo.blockSignals(False)


class PlaybackMixin:
    """Play, pause, seek, loop, volume, device; the play line and the position readout."""

    def _connect_transport(self) -> None:
        t = self.transport
        self._position_total = ""
        self.speed_combo = t.speed_combo
        t.speed_combo.activated.connect(lambda _: self.player.set_speed(t.speed_combo.currentData()))
        t.play_button.clicked.connect(self.toggle_play)
        t.loop_box.toggled.connect(self.set_loop)
        t.volume.valueChanged.connect(lambda v: self.player.set_volume(v / 100.0))
        t.device_combo.currentIndexChanged.connect(lambda _: self.player.set_device(t.device_combo.currentData()))
        if self.player.available:
            t.fill_devices()
        else:
            t.device_combo.addItem("no output device", None)

    def _sync_play_button(self) -> None:
        ok, why = self.player.available, self.player.unavailable_reason
        has_file = self.path is not None
        for w in (self.play_button, self.transport.loop_box, self.transport.volume, self.transport.device_combo):
            w.setEnabled(ok and has_file)
        if not ok:
            self.play_button.setToolTip(f"Playback disabled: {why}")
        else:
            self.play_button.setToolTip("Play / pause (Space); P plays the selection; click the spectrogram to seek")
        self._show_position(self.player.position_s)

    def toggle_play(self) -> None:
        if self.path is None or not self.player.available:
            return
        self.player.toggle()

    def play_selection(self) -> None:
        if self.selection is None or self.path is None or not self.player.available:
            return
        t0, t1, _, _ = self.selection
        self.player.play(t0, t1)

    def set_loop(self, loop: bool) -> None:
        """Loop playback on or off (the box and L)."""
        if self.transport.loop_box.isChecked() != bool(loop):
            self.transport.loop_box.setChecked(bool(loop))  # comes back here through toggled
            return
        self.player.set_loop(bool(loop))

    def seek(self, t_s: float) -> None:
        """Move the play position to `t_s` (keeps playing if it was)."""
        if self.path is None:
            return
        self.player.seek(t_s)
        self._on_play_position(self.player.position_s)

    def _show_position(self, t_s: float) -> None:
        clock = self.time_axis.clock
        if self.path is None:
            self.transport.position_label.setText("")
            return
        total = format_time(self.player.duration_s, clock)
        if total != getattr(self, "_position_total", ""):  # a new file or clock: width for its longest text
            self._position_total = total
            self.transport.fit_position_text(f"{total.removesuffix(' s')} / {total}")
        self.transport.position_label.setText(f"{format_time(t_s, clock).removesuffix(' s')} / {total}")

    def _on_play_position(self, t_s: float) -> None:
        self.playhead.setPos(t_s)
        self.playhead.show()
        self._show_position(t_s)
        if self.selection is None:  # without a selection the panel shows the spectrum under the play line
            db = self.spectrum_at(t_s)
            if db is not None:
                self.spectrum.show_frame(db, None, 0.0)

    def _on_play_state(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
