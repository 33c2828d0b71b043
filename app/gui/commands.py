"""Every command of the window, declared once: id, title, shortcut, the tabs it acts on, where it appears.

Thread: any (plain frozen data, no Qt).

Menus, the toolbar, the views' context menus and the F1 list of shortcuts
are all built from :data:`COMMANDS` (by :mod:`specscope.app.gui.actions`), so
a shortcut cannot be documented wrongly or act on a tab it does not belong
to: a command acts on the tab in view, and is disabled (its key then goes to
the focused view) on a tab it does not act on.  Its title may differ per tab
(Space is "Pause" on the Live tab and "Play" on the File tab) and with its
state (``on_titles``: "Resume" while paused).

Entries with ``view_key=True`` are keys and gestures a view handles itself
(arrows while paused, the wheel, Shift+drag); the live view's are declared
here so that the help lists them, the file view's keys are also bound from
here (:func:`specscope.app.gui.file.input.key_table`: the view takes the
File tab's keys while it has the focus).
"""

from __future__ import annotations

from dataclasses import dataclass

LIVE = "live"
FILE = "file"
LTSA = "ltsa"
TABS = (LIVE, FILE, LTSA)
"""Every tab a command may act on; the LTSA tab (a batch's long-term spectral average) has only the
window's own commands (open, quit, panels, help): Space or Ctrl+E do nothing there."""
VIEWS = (LIVE, FILE)
"""The tabs a command acts on unless it says otherwise."""
TAB_TITLES = {LIVE: "Live", FILE: "File", LTSA: "LTSA"}
MENUS = ("File", "View", "Help")
"""Top-level menus, in order."""


@dataclass(frozen=True)
class Command:
    """One command.

    Parameters
    ----------
    id : str
        Unique name, ``area.verb`` (``view.export``).
    title : str
        What menus and buttons say (no shortcut in it: menus show that themselves).
    shortcut : str
        Portable key sequence text (``"Ctrl+E"``, ``"Space"``), ``""`` for none.
    tabs : tuple of str
        Tabs the command acts on (:data:`LIVE`, :data:`FILE`).
    tip : str
        Status tip (one line).
    menu : str
        Top-level menu it appears in (one of :data:`MENUS`), ``""`` for none.
    toolbar, context : bool
        On the toolbar; in the spectrogram views' context menu (on the tabs it acts on).
    titles, tips : tuple of (tab, text)
        Per-tab title and status tip overriding `title` and `tip`.
    on_titles : tuple of (tab, text)
        Title while the command's state is on (paused, playing).
    checkable : bool
        The action shows a check mark for its state.
    view_key : bool
        Handled by the view itself (no window action); listed in the help.
    alt_shortcuts : tuple of str
        Further keys doing the same (``"="`` beside ``"+"``, ``"0"`` beside ``"Home"``).
    """

    id: str
    title: str
    shortcut: str = ""
    tabs: tuple[str, ...] = VIEWS
    tip: str = ""
    menu: str = ""
    toolbar: bool = False
    context: bool = False
    titles: tuple[tuple[str, str], ...] = ()
    tips: tuple[tuple[str, str], ...] = ()
    on_titles: tuple[tuple[str, str], ...] = ()
    checkable: bool = False
    view_key: bool = False
    alt_shortcuts: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key sequence of the command: its shortcut, then the alternatives."""
        return ((self.shortcut,) if self.shortcut else ()) + self.alt_shortcuts

    def acts_on(self, tab: str) -> bool:
        """Whether the command does something on `tab`."""
        return tab in self.tabs

    def title_for(self, tab: str, on: bool = False) -> str:
        """The title on `tab` (in state `on`)."""
        if on and tab in dict(self.on_titles):
            return dict(self.on_titles)[tab]
        return dict(self.titles).get(tab, self.title)

    def tip_for(self, tab: str) -> str:
        """The status tip on `tab`."""
        return dict(self.tips).get(tab, self.tip)


def _view_key(id_: str, keys: str, title: str, tab: str, *alt: str) -> Command:
    return Command(id_, title, keys, (tab,), view_key=True, alt_shortcuts=alt)


COMMANDS: tuple[Command, ...] = (
    # --- File menu
    Command("file.open", "Open file…", "Ctrl+O", TABS, tip="Open an audio file in the File tab", menu="File",
            toolbar=True),
    Command("file.watch", "Watch as live…", "", TABS, tip="Play an audio file through the live view (looping)",
            menu="File"),
    Command("file.device", "Live input from the device", "", TABS,
            tip="Go back from a watched file to the input device", menu="File"),
    Command("file.open_annotations", "Open annotations…", "", (FILE,),
            "Read a Raven selection table, Audacity labels or CSV as the file's annotations", menu="File"),
    Command("file.save_annotations", "Save annotations…", "Ctrl+S", (FILE,),
            "Write the annotations and their measurements: Raven selection table, Audacity labels or CSV",
            menu="File"),
    Command("view.export", "Export…", "Ctrl+E", menu="File", toolbar=True, context=True,
            tips=((LIVE, "Export the visible live spectrogram: PNG with axes and colour bar, or NPZ/CSV data"),
                  (FILE, "Export the file view: PNG as shown, or the selection (else the visible range) as "
                         "NPZ/CSV data"))),
    Command("app.quit", "Quit", "Ctrl+Q", TABS, tip="Close the window", menu="File"),
    # --- View menu
    Command("view.play_pause", "Pause", "Space", menu="View", toolbar=True, context=True, checkable=True,
            titles=((FILE, "Play"),), on_titles=((LIVE, "Resume"), (FILE, "Pause")),
            tips=((LIVE, "Freeze the live display (capture keeps counting); while paused, scroll back"),
                  (FILE, "Play or pause the file from the play line"))),
    Command("file.play_selection", "Play the selection", "P", (FILE,), "Play the selected time range",
            menu="View", context=True),
    Command("file.zoom_selection", "Zoom to the selection", "Z", (FILE,), "Show exactly the selected range",
            menu="View", context=True),
    Command("file.show_all", "Show everything", "Home", (FILE,), "Show the whole file and every frequency",
            menu="View", context=True, alt_shortcuts=("0",)),
    Command("file.clear_selection", "Clear the selection", "Esc", (FILE,), "Forget the selection",
            menu="View", context=True),
    Command("file.play_band", "Play the box band-limited", "Shift+P", (FILE,),
            "Play the selected box through a zero-phase band-pass of its frequencies", menu="View", context=True),
    Command("file.annotate", "Annotate the selection", "Return", (FILE,),
            "Keep the selection as a numbered annotation (label it in place or in the table)", menu="View",
            context=True),
    Command("file.delete_annotation", "Delete the annotation", "Delete", (FILE,),
            "Delete the selected annotation", menu="View", context=True),
    Command("file.undo_annotation", "Undo annotation change", "Ctrl+Z", (FILE,),
            "Undo the last added, deleted, moved or renamed annotation (or noise box)", menu="View"),
    Command("file.redo_annotation", "Redo annotation change", "Ctrl+Shift+Z", (FILE,),
            "Redo the last undone annotation change", menu="View"),
    Command("file.label_annotation", "Label the annotation…", "F2", (FILE,), "Type the selected annotation's label",
            menu="View", context=True),
    Command("file.noise_box", "Use the selection as noise box", "", (FILE,),
            "The selection becomes the noise reference of the SNR column", menu="View", context=True),
    Command("file.annotations_dock", "Annotations panel", "Ctrl+T", (FILE,), "Show or hide the annotation table",
            menu="View", checkable=True),
    Command("file.wave_db", "Waveform in dBFS", "", (FILE,), "The waveform's amplitude axis in dBFS, else linear",
            menu="View", checkable=True),
    Command("file.loop", "Loop playback", "L", (FILE,), "Play the selection (or the file) over and over",
            menu="View", context=True),
    Command("file.undo_view", "Undo zoom", "Backspace", (FILE,), "Go back to the previous zoom or pan",
            menu="View", context=True),
    Command("file.go_to", "Go to…", "G", (FILE,), "Show a typed time range (seconds or h:mm:ss.mmm)",
            menu="View", context=True),
    Command("file.levels", "Levels of the file…", "Ctrl+Shift+L", (FILE,),
            "Loudness (LUFS, LRA), true peak, sample peak, RMS and Leq(A) of the whole file, per channel",
            menu="View"),
    Command("file.cancel", "Cancel the analysis", "", (FILE,),
            "Stop analysing the file (what is computed stays on screen)", menu="View"),
    Command("analysis.next_fft", "Next FFT size", "F", tip="Step the FFT size (256 … 65536, then back to 256)",
            menu="View", toolbar=True, context=True),
    Command("settings.dock", "Settings panel", "", TABS, tip="Show or hide the Settings panel", menu="View",
            toolbar=True, checkable=True),
    Command("measure.dock", "Measurement", "Ctrl+M", TABS,
            tip="Show or hide the Measurement panel: averaging, weighting, octave bands and calibration",
            menu="View", toolbar=True, checkable=True),
    Command("meters.levels_dock", "Levels panel", "Ctrl+L", TABS,
            tip="Show or hide the level meters: peak, true peak, RMS, Leq and loudness of the live input",
            menu="View", checkable=True),
    Command("meters.generator_dock", "Signal generator panel", "Ctrl+G", TABS,
            tip="Show or hide the signal generator: sine, square, noise, sweep to an output device",
            menu="View", checkable=True),
    Command("settings.reset", "Reset to defaults", "", TABS, tip="Forget the saved settings and use the defaults",
            menu="View", toolbar=True),
    # --- Help menu
    Command("help.shortcuts", "Keyboard shortcuts", "F1", TABS, tip="List every shortcut and mouse gesture",
            menu="Help"),
    # --- keys and gestures the views handle themselves (listed in the help)
    _view_key("live.scroll", "Left / Right", "Scroll back / forward (paused)", LIVE),
    _view_key("live.ends", "Home / End", "Oldest / newest frame (paused)", LIVE),
    _view_key("live.drag", "Drag", "Scroll the time axis (paused)", LIVE),
    _view_key("live.wheel", "Wheel", "Scroll the time axis (paused)", LIVE),
    _view_key("live.ctrl_wheel", "Ctrl+Wheel", "Zoom the time axis (paused)", LIVE),
    _view_key("measure.reset", "R", "Reset the averages and holds (Measurement dock)", LIVE),
    _view_key("file.wheel", "Wheel", "Zoom time", FILE),
    _view_key("file.ctrl_wheel", "Ctrl+Wheel", "Zoom frequency", FILE),
    _view_key("file.drag", "Drag", "Pan", FILE),
    _view_key("file.select", "Shift+Drag", "Select a time range", FILE),
    _view_key("file.box", "Ctrl+Shift+Drag", "Select a time and frequency box", FILE),
    _view_key("file.click", "Click", "Move the play line (in a box: select the annotation)", FILE),
    _view_key("file.edge_drag", "Drag a box edge", "Move the annotation's edge (one undo step)", FILE),
    _view_key("file.box_dclick", "Double-click a box", "Edit its label", FILE),
    _view_key("file.zoom_in_time", "+", "Zoom time in", FILE, "="),
    _view_key("file.zoom_out_time", "-", "Zoom time out", FILE),
    _view_key("file.zoom_in_freq", "Ctrl++", "Zoom frequency in", FILE, "Ctrl+="),
    _view_key("file.zoom_out_freq", "Ctrl+-", "Zoom frequency out", FILE),
    _view_key("file.pan_left", "Left", "Pan earlier", FILE),
    _view_key("file.pan_right", "Right", "Pan later", FILE),
    _view_key("file.pan_up", "Up", "Pan up in frequency", FILE),
    _view_key("file.pan_down", "Down", "Pan down in frequency", FILE),
)
"""The registry: every command and key of the window."""

BY_ID = {c.id: c for c in COMMANDS}


def command(id_: str) -> Command:
    """The command called `id_` (KeyError for an unknown one)."""
    return BY_ID[id_]


def shortcut_rows(tab: str | None = None) -> list[tuple[str, str, str]]:
    """``(keys, title, tabs)`` for every command with a shortcut or key, in registry order.

    `keys` is the shortcut, alternatives after ``" / "``; `tabs` is ``"Live, File"`` style text; with
    `tab`, only the commands acting there.
    """
    rows = []
    for c in COMMANDS:
        if not c.shortcut or (tab is not None and not c.acts_on(tab)):
            continue
        where = ", ".join(TAB_TITLES[t] for t in c.tabs)
        titles = [c.title_for(t) for t in c.tabs if tab is None or t == tab]
        title = " / ".join(dict.fromkeys(titles))
        rows.append((" / ".join(c.keys), title, where))
    return rows


def check_registry(commands: tuple[Command, ...] = COMMANDS) -> None:
    """Raise ValueError if two commands share an id, or a shortcut on a tab, or name an unknown tab or menu."""
    seen: dict[tuple[str, str], str] = {}
    ids = set()
    for c in commands:
        if c.id in ids:
            raise ValueError(f"command id {c.id!r} is declared twice")
        ids.add(c.id)
        if c.menu and c.menu not in MENUS:
            raise ValueError(f"command {c.id!r}: unknown menu {c.menu!r}")
        for t in c.tabs:
            if t not in TABS:
                raise ValueError(f"command {c.id!r}: unknown tab {t!r}")
            for k in c.keys:
                key = (k.lower(), t)
                if key in seen:
                    raise ValueError(f"shortcut {k} on the {t} tab is both {seen[key]!r} and {c.id!r}")
                seen[key] = c.id
