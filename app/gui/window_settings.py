"""How the window applies settings: the Settings dock's groups, a whole new set, the FFT-size key, the defaults.

Thread: the Qt GUI thread.

:class:`WindowSettingsMixin` is mixed into :class:`~.main_window.MainWindow`
(it uses the window's ``settings``, ``controls``, ``live``, ``session``,
``file_tab``, ``store``, ``banner``, ``start`` and ``_set_cfg``).  A refused
setting keeps the previous ones in force and on the form; the reason is in
the banner, and a bug is logged with its traceback.  Every applied change is
forwarded to the File tab and saved as values.
"""

from __future__ import annotations

from specscope.app.logs import log_bug, one_line
from specscope.app.model.settings import FFT_SIZES, SettingsError

from .live_session import SessionRefused
from .settings import WindowSettings, clear_settings, save_settings


class WindowSettingsMixin:
    """The settings half of the main window (see the module docstring)."""

    def apply_controls(self, group: str) -> None:
        """Apply what the Settings dock shows for one group (see :class:`Controls`); a refusal keeps the old.

        A refused setting (a device that will not open, an invalid analysis or range) leaves the
        previous settings in force and on the form, and the reason appears in the banner.
        """
        old = self.settings
        try:
            new = self.controls.settings()
            if group == "source":
                self.settings = new
                if not self.start():
                    raise SessionRefused(self.banner.text.text())
            elif group == "stft":
                self.apply_stft(new)
            else:
                self.live.set_display(new.display, group)
                self.settings = new
        except (SettingsError, SessionRefused, ValueError) as err:
            self._restore(old, group, f"Setting refused, previous settings kept: {one_line(err)}")
            return
        except Exception as err:  # a bug: logged with its traceback; the previous settings stay
            self._restore(old, group, log_bug(f"applying the {group} settings", err))
            return
        self.controls.set_settings(self.settings)  # derived fields (the hop) show what is in effect
        self.file_tab.forward(self.settings, group)
        save_settings(self.store, self.settings)

    def _restore(self, old: WindowSettings, group: str, message: str) -> None:
        self.settings = old
        self.controls.set_settings(old)
        if group == "source":
            self.start()
        elif group != "stft":
            self.live.set_display(old.display, group)
        self.banner.show_message(message, reconnect=False)

    def apply_stft(self, new: WindowSettings) -> None:
        """Apply FFT size, window, hop and zero padding to the running pipeline (no device reopen).

        Raises
        ------
        ValueError
            If the settings are invalid at the input's rate; nothing is changed then.
        """
        fs_hz = self.cfg.fs_hz if self.cfg is not None else (new.input.fs_hz or 48000.0)
        cfg = new.analysis.stft_config(fs_hz)
        self.session.set_config(cfg)
        self.settings = new
        self._set_cfg(cfg)

    def set_settings(self, settings: WindowSettings) -> None:
        """Use `settings` everywhere: the form, the live view, the file view, the running input (reopened
        if the input or channel changed), and the store."""
        old, self.settings = self.settings, settings
        self.controls.set_settings(settings)
        self.live.set_display(settings.display)
        if self.session.running:
            if (settings.input, settings.analysis.channel) != (old.input, old.analysis.channel):
                self.start()
            else:
                self.apply_stft(settings)
        self.file_tab.forward(settings, None)
        save_settings(self.store, settings)

    def cycle_fft_size(self) -> None:
        """Switch to the next FFT size (wrapping 65536 -> 256), keeping the overlap."""
        n = self.settings.analysis.n_fft
        nxt = FFT_SIZES[(FFT_SIZES.index(n) + 1) % len(FFT_SIZES)] if n in FFT_SIZES else 2048
        s = self.settings
        self.controls.set_settings(s.replace(analysis=s.analysis.replace(n_fft=nxt)))
        self.apply_controls("stft")

    def reset_to_defaults(self) -> None:
        """Forget saved settings and use the defaults (the input is reopened)."""
        clear_settings(self.store)
        self.settings = WindowSettings()
        self.controls.set_settings(self.settings)
        self.start()
        self.live.set_display(self.settings.display)
        self.file_tab.forward(self.settings, None)
        save_settings(self.store, self.settings)
