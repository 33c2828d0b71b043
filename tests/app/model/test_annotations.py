"""The annotation model without a window: stable numbers, undo/redo of every change, dirty flag, sorting."""

import math

import pytest

from specscope.app.model.annotations import Annotation, AnnotationError, AnnotationModel, Change, NoiseBox


@pytest.fixture
def model():
    m = AnnotationModel()
    m.add(1.0, 2.0, 500.0, 1500.0, label="Chirp")
    m.add(0.5, 0.7, label="click")
    m.add(3.0, 4.5, 5000.0, 8000.0, label="noise burst")
    return m


def snapshot(m):
    return (m.annotations, m.noise)


def test_numbers_are_given_once_and_never_renumbered(model):
    assert model.indices == (1, 2, 3)
    model.delete(2)
    assert model.indices == (1, 3)
    assert model.get(3).label == "noise burst"
    a = model.add(6.0, 7.0)
    assert a.index == 4  # 2 is not reused
    model.undo()  # the add
    model.undo()  # the delete: 2 comes back with its own number
    assert model.indices == (1, 2, 3)
    assert model.add(8.0, 9.0).index == 5  # nor is 4, given before


def test_every_kind_of_change_undoes_and_redoes():
    m = AnnotationModel()
    states = [snapshot(m)]
    steps = [
        lambda: m.add(1.0, 2.0, 100.0, 200.0, label="a"),
        lambda: m.add(3.0, 4.0, label="b"),
        lambda: m.set_bounds(1, 1.1, 2.2, 150.0, 250.0),
        lambda: m.set_label(2, "bee"),
        lambda: m.update(2, notes="faint", channel=2),
        lambda: m.set_noise(NoiseBox(5.0, 6.0, 100.0, 300.0)),
        lambda: m.delete([1, 2]),
        lambda: m.load([Annotation(7, "loaded", 0.0, 1.0), Annotation(9, "x", 2.0, 3.0, 10.0, 20.0)]),
        lambda: m.set_noise(None),
        lambda: m.clear(),
    ]
    texts = []
    for step in steps:
        step()
        states.append(snapshot(m))
        texts.append(m.undo_text)
    assert texts == [
        "add selection 1", "add selection 2", "edit bounds of selection 1", "edit label of selection 2",
        "edit selection 2", "set noise box", "delete 2 selections", "load selections", "clear noise box",
        "clear selections",
    ]
    for expected in reversed(states[:-1]):
        assert m.undo()
        assert snapshot(m) == expected
    assert not m.undo() and not m.can_undo
    for expected in states[1:]:
        assert m.redo()
        assert snapshot(m) == expected
    assert not m.redo()
    assert m.indices == () and m.noise is None


def test_load_keeps_the_file_numbers_and_continues_after_them():
    m = AnnotationModel()
    m.load([Annotation(12, "a", 0.0, 1.0), Annotation(3, "b", 1.0, 2.0)])
    assert m.indices == (3, 12)
    assert m.add(4.0, 5.0).index == 13
    with pytest.raises(AnnotationError, match="selection 3 appears twice"):
        m.load([Annotation(3, "a", 0.0, 1.0), Annotation(3, "b", 1.0, 2.0)])
    with pytest.raises(AnnotationError, match=r"selection 5: begin 2\.0 s is after end 1\.0 s"):
        m.load([Annotation(5, "a", 2.0, 1.0)])
    assert m.indices == (3, 12, 13)  # a refused load changes nothing


def test_dirty_follows_the_saved_state(model):
    assert model.dirty  # three adds since the start
    model.mark_saved()
    assert not model.dirty
    model.set_label(1, "chirp")
    assert model.dirty
    model.undo()
    assert not model.dirty  # back to what was saved
    model.redo()
    assert model.dirty
    model.undo()
    model.add(9.0, 10.0)  # the saved state's branch is still the current one
    assert model.dirty
    model.undo()
    assert not model.dirty
    # Saving, undoing past it, then making a new change: the saved state is unreachable.
    model.set_label(1, "x")
    model.mark_saved()
    model.undo()
    model.set_label(1, "y")
    model.undo()
    assert model.dirty
    assert not AnnotationModel([Annotation(1, "a", 0.0, 1.0)]).dirty  # a starting set is not a change


def test_an_edit_that_changes_nothing_is_not_recorded(model):
    depth = model.undo_text
    model.set_label(1, "Chirp")
    assert model.undo_text == depth
    model.set_noise(None)
    assert model.undo_text == depth


def test_observers_hear_every_change_and_its_undo(model):
    heard = []
    unsubscribe = model.subscribe(heard.append)
    model.set_bounds(1, 1.0, 2.5, 500.0, 1500.0)
    model.delete(2)
    model.undo()
    model.set_noise(NoiseBox(0.0, 0.4))
    model.undo()
    model.redo()
    model.load([Annotation(5, "z", 0.0, 1.0)])
    assert heard == [
        Change("update", (1,)),
        Change("delete", (2,)),
        Change("add", (2,), undo=True),
        Change("noise"),
        Change("noise", undo=True),
        Change("noise", undo=True),
        Change("load", (1, 2, 3, 5)),
    ]
    unsubscribe()
    model.undo()
    assert len(heard) == 7


def test_impossible_annotations_are_refused_with_one_line(model):
    with pytest.raises(AnnotationError, match=r"begin 3\.0 s is after end 2\.0 s"):
        model.add(3.0, 2.0)
    with pytest.raises(AnnotationError, match=r"low frequency 900\.0 Hz is above high frequency 100\.0 Hz"):
        model.add(0.0, 1.0, 900.0, 100.0)
    with pytest.raises(AnnotationError, match="must be finite"):
        model.add(0.0, math.inf)
    with pytest.raises(AnnotationError, match="low frequency must be >= 0 Hz"):
        model.add(0.0, 1.0, -5.0, 100.0)
    with pytest.raises(AnnotationError, match="channel must be an integer >= 1"):
        model.add(0.0, 1.0, channel=0)
    with pytest.raises(AnnotationError, match="there is no selection 42"):
        model.set_label(42, "x")
    with pytest.raises(AnnotationError, match="cannot be changed"):
        model.update(1, index=7)
    with pytest.raises(AnnotationError, match=r"noise box: begin 2\.0 s is after end 1\.0 s"):
        NoiseBox(2.0, 1.0)
    assert model.indices == (1, 2, 3)
    # Read from a file, an inverted annotation exists and says what is wrong.
    assert Annotation(3, "", 12.0, 10.0).bounds_problem() == "begin 12.0 s is after end 10.0 s"


def test_labels_stay_on_one_line():
    a = Annotation(1, "two\nlines\tand a tab", 0.0, 1.0)
    assert a.label == "two lines and a tab"


def test_sort_by_any_column(model):
    model.add(2.0, 2.1, 100.0, 120.0, label="alpha")
    model.update(4, extra=(("Quality", "10"), ("Site", "B")))
    model.update(1, extra=(("Quality", "9"), ("Site", "a")))
    assert model.sorted_indices("Begin Time (s)") == [2, 1, 4, 3]
    assert model.sorted_indices("begin_s", descending=True) == [3, 4, 1, 2]
    assert model.sorted_indices("Label") == [4, 1, 2, 3]  # case-insensitive: alpha, Chirp, click, noise burst
    assert model.sorted_indices("Selection", descending=True) == [4, 3, 2, 1]
    # A time-only selection has no band: it sorts last, both ways.
    assert model.sorted_indices("Low Freq (Hz)") == [4, 1, 3, 2]
    assert model.sorted_indices("Low Freq (Hz)", descending=True) == [3, 1, 4, 2]
    # Extra columns: numbers sort as numbers (9 before 10), missing last.
    assert model.sorted_indices("Quality") == [1, 4, 2, 3]
    assert model.sorted_indices("Site") == [1, 4, 2, 3]
    # Measurement columns come from the caller; ties keep number order.
    peaks = {1: {"Peak Freq (Hz)": 1000.0}, 2: {"Peak Freq (Hz)": 250.0}, 3: {"Peak Freq (Hz)": 1000.0},
             4: {"Peak Freq (Hz)": float("nan")}}
    assert model.sorted_indices("Peak Freq (Hz)", measurements=peaks) == [2, 1, 3, 4]
    assert model.sorted_indices("Peak Freq (Hz)", descending=True, measurements=peaks) == [1, 3, 2, 4]


def test_values_are_frozen(model):
    a = model.get(1)
    with pytest.raises(AttributeError):
        a.label = "x"  # type: ignore[misc]
    assert a.duration_s == pytest.approx(1.0) and a.has_band
    assert not model.get(2).has_band
