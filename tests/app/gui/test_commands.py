"""The command registry (Qt-free) and its QActions on a bare window (offscreen)."""

import pytest
from PyQt6.QtWidgets import QMainWindow

from specscope.app.gui.actions import CommandActions
from specscope.app.gui.commands import COMMANDS, FILE, LIVE, Command, check_registry, command, shortcut_rows


def test_registry_is_consistent_and_lists_every_shortcut_once_per_tab():
    check_registry()
    rows = shortcut_rows()
    assert ("Ctrl+E", "Export…", "Live, File") in rows
    assert ("Space", "Pause / Play", "Live, File") in rows
    assert ("F1", "Keyboard shortcuts", "Live, File, LTSA") in rows and ("Ctrl+Q", "Quit", "Live, File, LTSA") in rows
    assert [r for r in shortcut_rows(FILE) if r[0] == "Space"] == [("Space", "Play", "Live, File")]
    assert all(c.shortcut for c in COMMANDS if c.view_key)


def test_check_registry_refuses_a_shortcut_twice_on_one_tab():
    dup = (*COMMANDS, Command("x.y", "Other", "Ctrl+E", (FILE,)))
    with pytest.raises(ValueError, match="Ctrl\\+E on the file tab"):
        check_registry(dup)
    check_registry((*COMMANDS, Command("x.y", "Other", "Home", (LIVE,))))  # Home is the File tab's only


def test_titles_follow_the_tab_and_the_state():
    c = command("view.play_pause")
    assert (c.title_for(LIVE), c.title_for(LIVE, on=True)) == ("Pause", "Resume")
    assert (c.title_for(FILE), c.title_for(FILE, on=True)) == ("Play", "Pause")


def test_actions_dispatch_to_the_tab_in_view_and_are_disabled_elsewhere(qtbot):
    win = QMainWindow()
    qtbot.addWidget(win)
    tab = [LIVE]
    acts = CommandActions(win, lambda: tab[0])
    calls = []
    acts.on("view.export", lambda: calls.append("live export"), (LIVE,))
    acts.on("view.export", lambda: calls.append("file export"), (FILE,))
    acts.on("file.show_all", lambda: calls.append("show all"))
    acts.refresh()
    assert not acts.actions["file.show_all"].isEnabled()  # Home goes to the live view's own keys
    acts.actions["view.export"].trigger()
    tab[0] = FILE
    acts.refresh()
    acts.actions["view.export"].trigger()
    acts.actions["file.show_all"].trigger()
    assert calls == ["live export", "file export", "show all"]
    with pytest.raises(ValueError, match="does not act on the live tab"):
        acts.on("file.show_all", lambda: None, (LIVE,))
