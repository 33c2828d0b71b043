"""Writing outputs atomically: a temporary name in the same folder, then one rename.

Thread: any (each batch task writes its own files).

A killed worker or an interrupted run leaves at most a temporary file, never
a file under the final name that looks finished but is cut short.  The
temporary names are hidden and carry :data:`PART_MARK`, so
:func:`sweep_parts` can remove the leftovers of killed tasks at the end of a
run.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

PART_MARK = ".specscope-part-"
"""Marks the temporary names: ``.NAME.specscope-part-TOKEN.SUFFIX``."""


@contextlib.contextmanager
def atomic_output(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to `final` (same suffix); on success rename it to `final`.

    On any exception the temporary file is removed and the exception propagates;
    `final` is untouched.
    """
    final = Path(final)
    tmp = final.with_name(f".{final.stem}{PART_MARK}{uuid.uuid4().hex[:12]}{final.suffix}")
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes_atomic(final: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `final` atomically; return the path."""
    with atomic_output(final) as tmp:
        tmp.write_bytes(data)
    return Path(final)


def sweep_parts(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files left below `folder` by killed tasks; return what was removed."""
    removed = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name.startswith(".") and PART_MARK in name:
                p = Path(root) / name
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed.append(p)
    return removed
