"""The batch manifest, ``OUTDIR/manifest.jsonl``: one JSON line per input, and resume.

Thread: the main thread (the batch driver).

Each line holds ``path`` (absolute), ``rel`` (under OUTDIR), ``size``
(bytes), ``mtime`` (seconds since the epoch), ``duration_s``, ``status``
(``done``, ``failed`` or ``skipped``), ``reason`` (one line, for failures),
``outputs`` (paths relative to OUTDIR), ``seconds`` (task time), ``fs_hz`` and ``what``
(the outputs and settings asked for).  While a run goes, a line is appended as each input
finishes (so an interrupted run keeps what it finished); at the end the file
is rewritten atomically with exactly one line per input.  When it is read,
the last line of a path wins and unreadable lines are ignored.

Resume: an input is skipped when its entry is ``done`` (or ``skipped``,
i.e. done before), its size and modification time are those recorded, the
outputs asked for are a subset of those recorded and all exist.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .atomic import atomic_output

MANIFEST_NAME = "manifest.jsonl"
DONE, FAILED, SKIPPED = "done", "failed", "skipped"


@dataclass(frozen=True)
class Entry:
    """One input's line in the manifest (see the module docstring)."""

    path: str
    rel: str
    size: int
    mtime: float
    status: str
    duration_s: float | None = None
    reason: str | None = None
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    what: list[str] = field(default_factory=list)
    fs_hz: float | None = None

    def as_line(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    def replace(self, **changes) -> Entry:
        return replace(self, **changes)


def read_manifest(outdir: str | os.PathLike[str]) -> dict[str, Entry]:
    """Entries by path from ``OUTDIR/manifest.jsonl`` (empty if there is none)."""
    path = Path(outdir) / MANIFEST_NAME
    entries: dict[str, Entry] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return entries
    names = set(Entry.__dataclass_fields__)
    for line in text.splitlines():
        try:
            values = json.loads(line)
            entry = Entry(**{k: v for k, v in values.items() if k in names})
        except (ValueError, TypeError):
            continue
        entries[entry.path] = entry
    return entries


def is_current(entry: Entry | None, size: int, mtime: float, what: list[str], outdir: Path) -> bool:
    """True when `entry` says the input (of this size and mtime) is done for `what` and its outputs exist."""
    if entry is None or entry.status not in (DONE, SKIPPED):
        return False
    if entry.size != size or abs(entry.mtime - mtime) > 1e-6:
        return False
    if not set(what) <= set(entry.what):
        return False
    return all((outdir / o).is_file() for o in entry.outputs)


class ManifestWriter:
    """Appends entries as inputs finish; :meth:`finish` rewrites the manifest with one line per input."""

    def __init__(self, outdir: str | os.PathLike[str], previous: dict[str, Entry]) -> None:
        self.path = Path(outdir) / MANIFEST_NAME
        self.entries: dict[str, Entry] = dict(previous)
        self._fh = open(self.path, "a", encoding="utf-8")  # closed in finish()

    def add(self, entry: Entry) -> None:
        """Record `entry` (the newest for its path) and append its line at once."""
        self.entries[entry.path] = entry
        self._fh.write(entry.as_line() + "\n")
        self._fh.flush()

    def finish(self, paths: list[str]) -> None:
        """Rewrite the manifest atomically: the entries of `paths` (in order), then any older ones."""
        self._fh.close()
        order = [p for p in paths if p in self.entries] + [p for p in self.entries if p not in set(paths)]
        with atomic_output(self.path) as tmp:
            tmp.write_text("".join(self.entries[p].as_line() + "\n" for p in order), encoding="utf-8")
