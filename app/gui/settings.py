"""The window's settings persisted in QSettings, as values, one section per model.

Thread: the Qt GUI thread.

The settings themselves are the Qt-free models of
:mod:`specscope.app.model.settings`; this module only stores and reads them.
Each model has its own section (``analysis/``, ``display/``, ``input/``) and
its fields are stored as plain values: numbers and names, never the labels
the controls show (overlap ``0.875``, not ``"87.5 %"``).  A field that is
``None`` (no explicit hop, no window parameter) is not stored.  When a
section holds an invalid value, that section falls back to its defaults and
the other sections are kept.  Keys of earlier versions (``live/...``) are
ignored.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from PyQt6.QtCore import QSettings

from specscope.app.logs import log
from specscope.app.model.settings import AnalysisSettings, DisplaySettings, InputSettings, SettingsError

ORGANIZATION = "specscope"
APPLICATION = "specscope"
SECTIONS = {"analysis": AnalysisSettings, "display": DisplaySettings, "input": InputSettings}
"""QSettings section -> the model stored there."""


@dataclass(frozen=True)
class WindowSettings:
    """The three models the window edits, together (frozen; each part is validated on construction)."""

    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)
    input: InputSettings = field(default_factory=InputSettings)

    def replace(self, **changes: Any) -> WindowSettings:
        """A copy with whole parts replaced (``analysis=...``, ``display=...``, ``input=...``)."""
        return dataclasses.replace(self, **changes)


def qsettings() -> QSettings:
    """The user's specscope settings store."""
    return QSettings(ORGANIZATION, APPLICATION)


def load_section(store: QSettings, section: str):
    """The model of `section` from `store`; its defaults if the section is missing or holds an invalid value."""
    cls = SECTIONS[section]
    store.beginGroup(section)
    try:
        values = {k: store.value(k) for k in store.childKeys()}
    finally:
        store.endGroup()
    try:
        return cls.from_values(values)
    except (SettingsError, TypeError) as err:
        log.info("stored %s settings are invalid (%s): using the defaults", section, err)
        return cls()


def load_settings(store: QSettings) -> WindowSettings:
    """Read what :func:`save_settings` wrote; each section falls back to its defaults on its own."""
    return WindowSettings(**{name: load_section(store, name) for name in SECTIONS})


def save_settings(store: QSettings, settings: WindowSettings) -> None:
    """Store every field of the three models as a value under its section."""
    for name in SECTIONS:
        store.beginGroup(name)
        try:
            store.remove("")  # a field now None must not keep its old value
            for key, value in getattr(settings, name).as_values().items():
                if value is not None:
                    store.setValue(key, value)
        finally:
            store.endGroup()


def clear_settings(store: QSettings) -> None:
    """Forget the stored models (Reset to defaults)."""
    for name in SECTIONS:
        store.remove(name)
