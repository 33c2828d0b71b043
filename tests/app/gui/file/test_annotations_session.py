"""Annotations as a document: the unsaved-changes prompt, autosave recovery, sidecar files, save and open."""

import json

import pytest
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication, QMessageBox

from specscope.app.gui.annotations.autosave import autosave_path, decode, encode
from specscope.app.gui.file_view import FileView
from specscope.app.model.annotations import AnnotationModel

from .conftest import make_wav


@pytest.fixture(autouse=True)
def private_autosave(tmp_path, monkeypatch):
    """Autosaves go to the test's folder, never to the user's data directory."""
    monkeypatch.setattr("specscope.app.gui.annotations.autosave.autosave_dir", lambda: tmp_path / "app-autosave")


class Answers:
    """Prompts answered by the test; records what was asked."""

    def __init__(self, unsaved="cancel", recover=True, sidecar=True, save_path=None):
        self.answers = {"unsaved": unsaved, "recover": recover, "sidecar": sidecar}
        self.save = save_path
        self.asked = []

    def unsaved(self, n, name):
        self.asked.append(("unsaved", n, name))
        return self.answers["unsaved"]

    def recover(self, n, name):
        self.asked.append(("recover", n, name))
        return self.answers["recover"]

    def sidecar(self, path):
        self.asked.append(("sidecar", path))
        return self.answers["sidecar"]

    def save_path(self, suggestion):
        self.asked.append(("save_path", suggestion))
        return self.save

    def open_path(self, folder):
        return None


@pytest.fixture
def make_view(qtbot, tmp_path):
    views = []

    def make():
        v = FileView(autosave_folder=tmp_path / "autosave")
        qtbot.addWidget(v)
        v.resize(1000, 600)
        v.show()
        views.append(v)
        return v

    yield make
    for v in views:
        v.shutdown()


def _open(qtbot, v, path):
    with qtbot.waitSignal(v.analysis_finished, timeout=20000):
        v.load(path)


def _two_annotations(v):
    v.set_selection(1.0, 2.0, 800.0, 1200.0)
    v.annotate_selection("low")
    v.set_selection(3.0, 3.5)
    v.annotate_selection("mid")


def test_opening_another_file_asks_and_cancel_keeps_everything(qtbot, make_view, tmp_path):
    a, b = make_wav(tmp_path / "a.wav"), make_wav(tmp_path / "b.wav")
    v = make_view()
    v.prompts = answers = Answers(unsaved="cancel")
    _open(qtbot, v, a)
    _two_annotations(v)
    v.load(b)
    assert answers.asked == [("unsaved", 2, "a.wav")]
    assert v.path == a and len(v.annotations) == 2
    answers.answers["unsaved"] = "discard"
    _open(qtbot, v, b)
    assert v.path == b and len(v.annotations) == 0
    assert not autosave_path(a, tmp_path / "autosave").exists()  # discarded: nothing to recover


def test_save_at_the_prompt_writes_a_raven_table(qtbot, make_view, tmp_path):
    a, b = make_wav(tmp_path / "a.wav"), make_wav(tmp_path / "b.wav")
    out = tmp_path / "a.Table.1.selections.txt"
    v = make_view()
    v.prompts = Answers(unsaved="save", save_path=(str(out), "raven"))
    _open(qtbot, v, a)
    _two_annotations(v)
    qtbot.waitUntil(lambda: len(v.measurements) == 2 and not v.measuring(), timeout=20000)
    _open(qtbot, v, b)
    lines = out.read_text().splitlines()
    header = lines[0].split("\t")
    assert header[:7] == ["Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)",
                          "High Freq (Hz)"]
    assert "Peak Freq (Hz)" in header and len(lines) == 3
    row = dict(zip(header, lines[1].split("\t"), strict=True))
    assert float(row["Begin Time (s)"]) == 1.0 and float(row["Peak Freq (Hz)"]) == pytest.approx(1000.0, abs=1)


def test_the_real_message_box_answered_by_a_timer(qtbot, make_view, tmp_path):
    a, b = make_wav(tmp_path / "a.wav"), make_wav(tmp_path / "b.wav")
    v = make_view()
    _open(qtbot, v, a)
    _two_annotations(v)
    seen = []

    def press_cancel():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, press_cancel)
            return
        seen.append(box.text())
        box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(50, press_cancel)
    v.load(b)
    assert seen == ["2 annotations of a.wav are not saved."]
    assert v.path == a and len(v.annotations) == 2


def test_autosave_recovers_after_a_crash(qtbot, make_view, tmp_path):
    a = make_wav(tmp_path / "a.wav")
    v = make_view()
    v.prompts = Answers()
    _open(qtbot, v, a)
    _two_annotations(v)
    v.set_selection(0.1, 0.5, 2000, 3000)
    v.set_noise_from_selection()
    v.annotations.set_label(2, "renamed")
    v.autosaver.write_now()  # what the timer does a second after the last change
    saved = autosave_path(a, tmp_path / "autosave")
    assert json.loads(saved.read_text())["audio"].endswith("a.wav")
    # A crash: the view goes without asking or cleaning up; a new one opens the same recording.
    v.autosaver.watch(None, None)
    w = make_view()
    w.prompts = answers = Answers(recover=True)
    _open(qtbot, w, a)
    assert answers.asked[0] == ("recover", 2, "a.wav")
    got = [(x.index, x.label, x.begin_s, x.end_s, x.low_hz, x.high_hz) for x in w.annotations]
    assert got == [(1, "low", 1.0, 2.0, 800.0, 1200.0), (2, "renamed", 3.0, 3.5, None, None)]
    assert w.annotations.noise is not None and w.annotations.noise.low_hz == 2000
    assert w.annotations.dirty  # recovered, not saved: the prompt still protects them
    assert w.annotation_rects().keys() == {1, 2}


def test_autosave_codec_round_trip_and_refuses_junk():
    m = AnnotationModel()
    m.add(1.5, 2.5, 100.0, 900.0, label="a\u00e9b", notes="n")
    m.add(3.0, 4.0)
    rows, noise = decode(encode("/x/rec.wav", m))
    assert rows == list(m.annotations) and noise is None
    with pytest.raises(ValueError, match="autosave"):
        decode('{"format": 1, "annotations": [{"index": 1}]}')


def test_a_sidecar_table_beside_the_file_is_offered(qtbot, make_view, tmp_path):
    a = make_wav(tmp_path / "rec.wav")
    # Written by hand from Raven's format description: tab-separated, a header, one row per selection.
    (tmp_path / "rec.Table.1.selections.txt").write_text(
        "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\n"
        "1\tSpectrogram 1\t1\t1.0\t2.0\t800\t1200\tlow\n"
        "4\tSpectrogram 1\t1\t4.0\t5.5\t11000\t13000\thigh\n")
    v = make_view()
    v.prompts = answers = Answers(sidecar=True)
    _open(qtbot, v, a)
    assert answers.asked[0][0] == "sidecar" and answers.asked[0][1].endswith("rec.Table.1.selections.txt")
    assert [(x.index, x.label) for x in v.annotations] == [(1, "low"), (4, "high")]
    assert not v.annotations.dirty
    qtbot.waitUntil(lambda: 4 in v.measurements, timeout=20000)
    assert v.measurements[4]["Peak Freq (Hz)"] == pytest.approx(12000.0, abs=1.0)


def test_closing_the_window_asks(qtbot, make_window, tmp_path):
    a = make_wav(tmp_path / "a.wav")
    w = make_window()
    assert w.open_file(a)
    v = w.file_view
    qtbot.waitUntil(lambda: not v.background_jobs(), timeout=20000)
    v.prompts = answers = Answers(unsaved="cancel")
    _two_annotations(v)
    assert w.annotation_dock.model.rowCount() == 2
    w.close()
    assert w.isVisible() and answers.asked == [("unsaved", 2, "a.wav")]
    answers.answers["unsaved"] = "discard"
    w.close()
    assert not w.isVisible()
