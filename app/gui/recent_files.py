"""Recently opened files: a Qt-free list model and the menu that shows it.

Thread: the Qt GUI thread (the model itself is plain Python, usable anywhere).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt6.QtWidgets import QMenu

RECENT_FILES_KEY = "files/recent"
N_RECENT_FILES = 8


class RecentFiles:
    """Newest-first list of at most `limit` absolute paths, kept in a key-value store.

    Parameters
    ----------
    load : callable
        Returns what was stored (a list of paths, one path, or None).
    save : callable
        Stores a list of paths.
    limit : int
        Longest list kept.
    """

    def __init__(self, load: Callable[[], object], save: Callable[[list[str]], None],
                 limit: int = N_RECENT_FILES) -> None:
        self._load, self._save, self.limit = load, save, int(limit)

    def paths(self) -> list[str]:
        """The stored paths, newest first."""
        raw = self._load()
        if isinstance(raw, str):  # QSettings returns a one-item list as the item
            raw = [raw]
        return [str(p) for p in (raw or []) if p][: self.limit]

    def remember(self, path: str) -> list[str]:
        """Put `path` (made absolute) first, without duplicates; returns the new list."""
        path = str(Path(path).absolute())
        paths = ([path] + [p for p in self.paths() if p != path])[: self.limit]
        self._save(paths)
        return paths

    def existing(self) -> list[str]:
        """The paths that still are files; the others are dropped from the store."""
        paths = self.paths()
        kept = [p for p in paths if Path(p).is_file()]
        if kept != paths:
            self._save(kept)
        return kept


def fill_menu(menu: QMenu, paths: list[str], open_path: Callable[[str], object]) -> None:
    """Replace `menu`'s entries with `paths` (``&1 name``, the full path as tooltip and data)."""
    menu.clear()
    for i, p in enumerate(paths):
        a = menu.addAction(f"&{i + 1} {Path(p).name}")
        a.setToolTip(p)
        a.setStatusTip(p)
        a.setData(p)
        a.triggered.connect(lambda _=False, p=p: open_path(p))
    if not paths:
        menu.addAction("(none)").setEnabled(False)
    menu.setToolTipsVisible(True)
