"""Autosave of unsaved annotations beside the settings, and their recovery after a crash.

Thread: the Qt GUI thread (:class:`Autosaver`); :func:`encode`, :func:`decode`,
:func:`autosave_path` are plain functions.

Every change to a dirty model is written, :data:`DELAY_MS` after the last one,
to ``<AppDataLocation>/autosave/<sha1 of the audio path>.json`` (atomically:
a temporary file renamed over the old one).  Saving the annotations, or
discarding them at the unsaved-changes prompt, removes the file; so a file
that is still there when a recording is opened again holds what a crash (or
a kill) lost, and the view offers to recover it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from PyQt6.QtCore import QObject, QStandardPaths, QTimer

from specscope.app.logs import log
from specscope.app.model.annotations import Annotation, AnnotationModel, NoiseBox

DELAY_MS = 1000
"""Autosave this long after the last change."""
FORMAT = 1
MAX_AUTOSAVE_BYTES = 64 << 20
"""A larger autosave file is not read (not ours, or broken)."""


def autosave_dir() -> Path:
    """``<AppDataLocation>/autosave`` (on Linux ``~/.local/share/specscope/autosave``)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or os.path.expanduser("~/.specscope")) / "autosave"


def autosave_path(audio_path: str, folder: Path | None = None) -> Path:
    """The autosave file of the annotations of `audio_path`."""
    key = hashlib.sha1(os.path.realpath(audio_path).encode("utf-8", "surrogateescape")).hexdigest()
    return (folder or autosave_dir()) / f"{key}.json"


def encode(audio_path: str, model: AnnotationModel) -> str:
    """JSON text of the model's annotations and noise box."""
    rows = [{"index": a.index, "label": a.label, "begin_s": a.begin_s, "end_s": a.end_s, "low_hz": a.low_hz,
             "high_hz": a.high_hz, "channel": a.channel, "notes": a.notes, "extra": [list(kv) for kv in a.extra]}
            for a in model]
    n = model.noise
    noise = None if n is None else {"begin_s": n.begin_s, "end_s": n.end_s, "low_hz": n.low_hz,
                                    "high_hz": n.high_hz, "channel": n.channel}
    return json.dumps({"format": FORMAT, "audio": os.path.realpath(audio_path), "annotations": rows,
                       "noise": noise}, indent=1)


def decode(text: str) -> tuple[list[Annotation], NoiseBox | None]:
    """Annotations and noise box of an autosave (ValueError, one line, for anything else)."""
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown autosave format {data.get('format')!r}")
        rows = [Annotation(int(r["index"]), str(r["label"]), r["begin_s"], r["end_s"], r["low_hz"], r["high_hz"],
                           int(r["channel"]), str(r["notes"]), tuple((str(k), str(v)) for k, v in r["extra"]))
                for r in data["annotations"]]
        n = data.get("noise")
        noise = None if n is None else NoiseBox(n["begin_s"], n["end_s"], n["low_hz"], n["high_hz"],
                                                int(n["channel"]))
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as err:
        raise ValueError(f"broken autosave: {err}") from None
    return rows, noise


def read_autosave(audio_path: str, folder: Path | None = None) -> tuple[list[Annotation], NoiseBox | None] | None:
    """What the autosave of `audio_path` holds, or None (no file, empty, or unreadable: logged)."""
    path = autosave_path(audio_path, folder)
    try:
        if not path.is_file() or path.stat().st_size > MAX_AUTOSAVE_BYTES:
            return None
        rows, noise = decode(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        log.warning("autosave %s not recovered: %s", path, err)
        return None
    return (rows, noise) if rows or noise is not None else None


def remove_autosave(audio_path: str, folder: Path | None = None) -> None:
    with contextlib.suppress(OSError):
        autosave_path(audio_path, folder).unlink()


class Autosaver(QObject):
    """Writes the model of the open file :data:`DELAY_MS` after its last change while it is dirty."""

    def __init__(self, parent=None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.audio_path: str | None = None
        self.model: AnnotationModel | None = None
        self.writes = 0
        self._timer = QTimer(self, singleShot=True, interval=DELAY_MS)
        self._timer.timeout.connect(self.write_now)

    def watch(self, audio_path: str | None, model: AnnotationModel | None) -> None:
        """Autosave `model` as the annotations of `audio_path` from now on (None: nothing)."""
        self._timer.stop()
        self.audio_path, self.model = audio_path, model

    def changed(self, *_args) -> None:
        if self.model is not None and self.audio_path is not None:
            self._timer.start()

    def write_now(self) -> None:
        """Write (dirty) or remove (clean) the autosave at once."""
        self._timer.stop()
        if self.model is None or self.audio_path is None:
            return
        if not self.model.dirty:
            remove_autosave(self.audio_path, self.folder)
            return
        path = autosave_path(self.audio_path, self.folder)
        tmp = path.with_suffix(".tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(encode(self.audio_path, self.model), encoding="utf-8")
            os.replace(tmp, path)
            self.writes += 1
        except OSError as err:  # a full or read-only disk: the annotations are still in memory
            log.warning("autosave %s failed: %s", path, err)

    def discard(self) -> None:
        """Forget the autosave (the user saved or discarded the annotations)."""
        self._timer.stop()
        if self.audio_path is not None:
            remove_autosave(self.audio_path, self.folder)
