"""QActions, menus, toolbar, context menus and the shortcut help, built from :mod:`.commands`.

Thread: the Qt GUI thread.

One ``QAction`` per command of the registry (view keys excepted) carries its
shortcut; triggering it calls the handler the window registered for the tab
in view.  :meth:`CommandActions.refresh` updates every action for that tab:
title, tooltip, status tip, enabled state (a command without a handler on the
tab is disabled, so its key reaches the focused view) and check mark.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QObject, Qt
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from .commands import COMMANDS, LIVE, MENUS, TAB_TITLES, TABS, Command, check_registry, shortcut_rows

Handler = Callable[[], object]
Predicate = Callable[[], bool]


class CommandActions(QObject):
    """The registry's commands as QActions on `window`, dispatched to the tab in view.

    Parameters
    ----------
    window : QWidget
        Gets every action (so shortcuts work anywhere in it).
    current_tab : callable
        Returns the tab in view (:data:`~.commands.LIVE` or :data:`~.commands.FILE`).
    """

    def __init__(self, window: QWidget, current_tab: Callable[[], str]) -> None:
        super().__init__(window)
        check_registry()
        self.window = window
        self.current_tab = current_tab
        self._handlers: dict[tuple[str, str], Handler] = {}
        self._enabled: dict[tuple[str, str], Predicate] = {}
        self._state: dict[str, Callable[[str], bool]] = {}
        self.actions: dict[str, QAction] = {}
        self.context_menu: QMenu | None = None
        """The context menu last shown (kept for tests)."""
        for c in COMMANDS:
            if c.view_key:
                continue
            a = QAction(c.title, window)
            a.setObjectName(c.id)
            if c.shortcut:
                a.setShortcut(QKeySequence(c.shortcut))
                a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.setCheckable(c.checkable)
            a.triggered.connect(lambda _=False, cid=c.id: self.trigger(cid))
            window.addAction(a)
            self.actions[c.id] = a

    # --- registration -----------------------------------------------------------
    def on(self, command_id: str, handler: Handler, tabs: tuple[str, ...] | None = None,
           enabled: Predicate | None = None) -> None:
        """Call `handler` for `command_id` on `tabs` (default: every tab the command acts on).

        `enabled` (optional) says whether it can act now (a file is open, a selection exists).
        """
        cmd = self.command(command_id)
        for tab in tabs or cmd.tabs:
            if not cmd.acts_on(tab):
                raise ValueError(f"command {command_id!r} does not act on the {tab} tab")
            self._handlers[(command_id, tab)] = handler
            if enabled is not None:
                self._enabled[(command_id, tab)] = enabled

    def state(self, command_id: str, is_on: Callable[[str], bool]) -> None:
        """`is_on(tab)` gives the state of a toggle (paused, playing, panel shown) for its title and check mark."""
        self._state[command_id] = is_on

    @staticmethod
    def command(command_id: str) -> Command:
        return next(c for c in COMMANDS if c.id == command_id)

    # --- dispatch -------------------------------------------------------------------
    def can_act(self, command_id: str, tab: str | None = None) -> bool:
        """Whether `command_id` has a handler on `tab` (default: the tab in view) and may act now."""
        tab = tab or self.current_tab()
        if (command_id, tab) not in self._handlers:
            return False
        pred = self._enabled.get((command_id, tab))
        return pred() if pred is not None else True

    def trigger(self, command_id: str) -> bool:
        """Run `command_id` on the tab in view; returns False if it cannot act there now."""
        tab = self.current_tab()
        if not self.can_act(command_id, tab):
            return False
        self._handlers[(command_id, tab)]()
        self.refresh()
        return True

    def refresh(self) -> None:
        """Titles, tips, enabled state and check marks for the tab in view."""
        tab = self.current_tab()
        for cid, a in self.actions.items():
            c = self.command(cid)
            on = bool(self._state[cid](tab)) if cid in self._state else False
            title = c.title_for(tab, on)
            a.setText(title)
            a.setIconText(title.replace("&", "&&"))
            tip = c.tip_for(tab)
            a.setStatusTip(tip)
            a.setToolTip(f"{title} ({a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
                         if c.shortcut else title)
            a.setEnabled(self.can_act(cid, tab))
            if c.checkable:
                a.setChecked(on)

    # --- where the actions appear -------------------------------------------------------
    def build_menus(self, bar: QMenuBar) -> dict[str, QMenu]:
        """The top-level menus with their commands, in registry order (refreshed as they open)."""
        menus = {}
        for name in MENUS:
            menu = bar.addMenu(f"&{name}")
            menu.aboutToShow.connect(self.refresh)
            menus[name] = menu
        for c in COMMANDS:
            if c.menu and not c.view_key:
                menus[c.menu].addAction(self.actions[c.id])
        return menus

    def build_toolbar(self, toolbar: QToolBar) -> None:
        for c in COMMANDS:
            if c.toolbar:
                toolbar.addAction(self.actions[c.id])

    def make_context_menu(self, tab: str, parent: QWidget) -> QMenu:
        """The context menu of `tab`'s views: the registry's context commands acting there."""
        self.refresh()
        menu = QMenu(parent)
        for c in COMMANDS:
            if c.context and c.acts_on(tab):
                menu.addAction(self.actions[c.id])
        return menu

    def attach_context_menu(self, widget: QWidget, tab: str) -> None:
        """Right-click on `widget` (or a child that does not take the event) opens `tab`'s context menu."""
        widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        def show(pos) -> None:
            if self.current_tab() != tab:
                return
            self.context_menu = self.make_context_menu(tab, widget)
            self.context_menu.popup(widget.mapToGlobal(pos))

        widget.customContextMenuRequested.connect(show)


class ShortcutHelp(QDialog):
    """F1: every shortcut and gesture of the registry, per tab, in one table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("specscope — keyboard shortcuts")
        rows = shortcut_rows()
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Does", "On"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        for r, (keys, title, where) in enumerate(rows):
            native = " / ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) if _is_key(k)
                                else k for k in keys.split(" / "))
            for col, text in enumerate((native, title.rstrip("…"), where)):
                self.table.setItem(r, col, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        self.resize(600, min(760, screen.height() - 80) if screen is not None else 600)

    def rows(self) -> list[tuple[str, str, str]]:
        """The table's text, row by row."""
        t = self.table
        return [tuple(t.item(r, c).text() for c in range(3)) for r in range(t.rowCount())]


def _is_key(text: str) -> bool:
    """A key sequence Qt can parse (not a gesture such as ``Shift+Drag`` or ``Left / Right``)."""
    return "/" not in text and not QKeySequence(text).isEmpty() and \
        QKeySequence(text).toString(QKeySequence.SequenceFormat.PortableText).lower() == text.lower()


__all__ = ["LIVE", "TABS", "TAB_TITLES", "CommandActions", "ShortcutHelp"]
