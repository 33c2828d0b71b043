"""Finding the inputs of a batch: files, folders and globs, each with the path its outputs mirror.

Thread: the main thread (the batch driver).

A file named on the command line is an input whatever its name (if it is not
audio its task fails with the reader's reason).  A folder contributes the
files whose extension is one the reader decodes (or that match ``--pattern``),
at its top level or, with ``--recursive``, below it; a glob contributes what
it matches.  Each input gets a *relative path* under OUTDIR: its path below
the folder (or the glob's fixed part) it was found in; a file named directly
gets its own name.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

AUDIO_SUFFIXES = frozenset({f".{ext.lower()}" for ext in sf.available_formats()} | {
    ".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".aifc", ".au", ".caf", ".w64",
    ".rf64", ".bwf"})
"""File name extensions a folder walk takes as audio (libsndfile's formats and their usual spellings)."""


class DiscoveryError(ValueError):
    """An input that names nothing, or two inputs whose outputs would collide; one line."""


@dataclass(frozen=True)
class Input:
    """One input file.

    Attributes
    ----------
    path : str
        Absolute path (what the workers open, so they must see the same file system).
    rel : str
        Path relative to OUTDIR that its outputs mirror, with '/' separators.
    """

    path: str
    rel: str


def discover(specs: list[str], recursive: bool = False, pattern: str | None = None) -> list[Input]:
    """Expand the command line's INPUTs into files, sorted by relative path.

    Raises
    ------
    DiscoveryError
        For an input that is neither a file, a folder nor a glob that matches,
        or when two inputs would write the same outputs.
    """
    found: dict[str, Input] = {}

    def take(path: Path, rel: str) -> None:
        key = Path(rel).with_suffix("").as_posix().casefold()  # a.wav and a.flac would both write a.npz
        prev = found.get(key)
        absolute = str(path.resolve())
        if prev is not None and prev.path != absolute:
            raise DiscoveryError(f"{path} and {prev.path} would write the same outputs ({Path(rel).stem}.*) "
                                 "under OUTDIR; give them as separate batches")
        found[key] = Input(absolute, rel)

    for spec in specs:
        p = Path(spec)
        if p.is_dir():
            for f in _walk(p, recursive, pattern):
                take(f, f.relative_to(p).as_posix())
        elif p.is_file():
            take(p, p.name)
        elif glob.has_magic(spec):
            base = _fixed_part(spec)
            hits = [Path(h) for h in sorted(glob.glob(spec, recursive=recursive)) if Path(h).is_file()]
            if not hits:
                raise DiscoveryError(f"{spec}: matches no file")
            for h in hits:
                take(h, os.path.relpath(h, base).replace(os.sep, "/"))
        else:
            raise DiscoveryError(f"{spec}: no such file or folder")
    return sorted(found.values(), key=lambda i: i.rel)


def _walk(folder: Path, recursive: bool, pattern: str | None) -> list[Path]:
    out = []
    if recursive:
        walker = os.walk(folder)
    else:
        walker = [(str(folder), [], [e.name for e in os.scandir(folder) if e.is_file()])]
    for root, dirs, files in walker:
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            if pattern is not None:
                if not fnmatch.fnmatch(name, pattern):
                    continue
            elif Path(name).suffix.lower() not in AUDIO_SUFFIXES:
                continue
            out.append(Path(root) / name)
    return out


def _fixed_part(spec: str) -> str:
    """The folder before the first glob character: what a glob's matches are relative to."""
    parts = Path(spec).parts
    fixed = []
    for part in parts:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return str(Path(*fixed)) if fixed else "."
