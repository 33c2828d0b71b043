"""Raven selection tables, Audacity label files and CSV: files written by hand from the formats' descriptions."""

import os

import pytest

from specscope.app.io.annotation_files import (
    AnnotationFileError,
    detect_format,
    find_sidecar,
    merge_views,
    read_annotations,
    sidecar_paths,
    write_table,
)
from specscope.app.model.annotations import Annotation

# A Raven Pro selection table as Raven writes it: one row per view, measurement columns, a user column,
# Windows line ends.
RAVEN = (
    "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\t"
    "Delta Time (s)\tPeak Freq (Hz)\tAnnotation\tBegin File\r\n"
    "1\tWaveform 1\t1\t1.234567890\t2.500000000\t0.000\t24000.000\t1.2654\t\tsong A\trec.wav\r\n"
    "1\tSpectrogram 1\t1\t1.234567890\t2.500000000\t1500.000\t4200.500\t1.2654\t2906.250\tsong A\trec.wav\r\n"
    "2\tWaveform 1\t2\t3.000000000\t3.125000000\t0.000\t24000.000\t0.1250\t\tcall, short\trec.wav\r\n"
    "2\tSpectrogram 1\t2\t3.000000000\t3.125000000\t6000.000\t9000.000\t0.1250\t7312.500\tcall, short\trec.wav\r\n"
)

# The Audacity manual's example of labels with frequency ranges ("Importing and Exporting Labels").
AUDACITY = (
    "1.000000\t1.000000\tThis point was clicked at 6928.456055 Hz\n"
    "\\\t6928.456055\t6928.456055\n"
    "2.000000\t2.500000\tLow frequency undefined, High frequency 6334.588867 Hz\n"
    "\\\t-1.000000\t6334.588867\n"
    "3.000000\t3.500000\tLow frequency 8908.015625, High frequency undefined\n"
    "\\\t8908.015625\t-1.000000\n"
    "4.000000\t4.500000\tLow frequency 1484.669312 Hz, High frequency 2969.338523 Hz\n"
    "\\\t1484.669312\t2969.338523\n"
    "5.000000\t6.000000\ttime only\n"
)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    return p


def rows_of(text, sep="\t"):
    return [line.split(sep) for line in text.replace("\r\n", "\n").splitlines()]


def test_raven_table_read_as_raven_describes_it(tmp_path):
    table = read_annotations(write(tmp_path, "rec.Table.1.selections.txt", RAVEN))
    assert table.format == "raven" and table.lines == (2, 3, 4, 5)
    assert [a.index for a in table.annotations] == [1, 1, 2, 2]
    a = table.annotations[1]
    assert (a.begin_s, a.end_s, a.low_hz, a.high_hz, a.channel, a.label) == (
        1.23456789, 2.5, 1500.0, 4200.5, 1, "song A")
    assert a.extra_dict == {"Delta Time (s)": "1.2654", "Peak Freq (Hz)": "2906.250",
                            "Begin File": "rec.wav"}
    merged = merge_views(table.annotations)
    assert [(m.index, m.low_hz) for m in merged] == [(1, 1500.0), (2, 6000.0)]
    assert table.annotations[0].extra_dict["View"] == "Waveform 1"


def test_raven_round_trip_keeps_every_row_and_value(tmp_path):
    src = write(tmp_path, "in.txt", RAVEN)
    table = read_annotations(src)
    out = tmp_path / "out.txt"
    write_table(out, table.annotations, "raven", columns=table.columns, label_column=table.label_column)
    before, after = rows_of(RAVEN), rows_of(out.read_text())
    assert after[0] == before[0]  # the same columns in the same order
    assert len(after) == len(before)
    for b, c in zip(before[1:], after[1:], strict=True):
        for column, x, y in zip(before[0], b, c, strict=True):
            try:
                assert float(x) == float(y), column
            except ValueError:
                assert x == y, column
    assert read_annotations(out).annotations == table.annotations


def test_measurements_replace_their_columns_and_others_stay(tmp_path):
    table = read_annotations(write(tmp_path, "in.txt", RAVEN))
    values = [{"Peak Freq (Hz)": 1000.25 + i, "Dur 90% (s)": 0.5, "SNR (dB)": None} for i in range(4)]
    out = tmp_path / "out.txt"
    write_table(out, table.annotations, columns=table.columns, measurements=values)
    rows = rows_of(out.read_text())
    header = rows[0]
    assert header[: len(table.columns)] == list(table.columns)
    assert header[len(table.columns) :] == ["Dur 90% (s)", "SNR (dB)"]
    peak, dur, snr, file_col = (header.index(c) for c in ("Peak Freq (Hz)", "Dur 90% (s)", "SNR (dB)",
                                                          "Begin File"))
    assert [r[peak] for r in rows[1:]] == ["1000.25", "1001.25", "1002.25", "1003.25"]
    assert {r[dur] for r in rows[1:]} == {"0.5"} and {r[snr] for r in rows[1:]} == {""}
    assert {r[file_col] for r in rows[1:]} == {"rec.wav"}


def test_audacity_labels_with_spectral_lines(tmp_path):
    table = read_annotations(write(tmp_path, "rec.txt", AUDACITY))
    assert table.format == "audacity"
    got = [(a.index, a.begin_s, a.end_s, a.low_hz, a.high_hz) for a in table.annotations]
    assert got == [
        (1, 1.0, 1.0, 6928.456055, 6928.456055),
        (2, 2.0, 2.5, None, 6334.588867),
        (3, 3.0, 3.5, 8908.015625, None),
        (4, 4.0, 4.5, 1484.669312, 2969.338523),
        (5, 5.0, 6.0, None, None),
    ]
    assert table.annotations[1].label == "Low frequency undefined, High frequency 6334.588867 Hz"
    out = tmp_path / "out.txt"
    write_table(out, table.annotations, "audacity")
    assert out.read_text() == AUDACITY  # Audacity's own text, byte for byte
    # And labels from the model through Audacity's format come back the same.
    mine = [Annotation(1, "a", 0.1234567891, 0.5, 100.0, 200.0), Annotation(2, "b", 1.0, 2.0)]
    write_table(out, mine, "audacity")
    assert read_annotations(out).annotations == tuple(mine)


def test_legacy_audacity_point_labels(tmp_path):
    table = read_annotations(write(tmp_path, "old.txt", "1.5\tclick\n2.25\tclack\n"))
    assert [(a.begin_s, a.end_s, a.label) for a in table.annotations] == [(1.5, 1.5, "click"), (2.25, 2.25, "clack")]


def test_csv_with_the_raven_columns(tmp_path):
    text = ('Selection,Begin Time (s),End Time (s),Low Freq (Hz),High Freq (Hz),Label,Site\n'
            '3,0.5,1.5,200,800,"owl, distant",north\n'
            '7,2,2.75,,,,south\n')
    table = read_annotations(write(tmp_path, "rec.csv", text))
    assert table.format == "csv" and table.label_column == "Label"
    a, b = table.annotations
    assert (a.index, a.label, a.low_hz, a.extra_dict) == (3, "owl, distant", 200.0, {"Site": "north"})
    assert (b.index, b.begin_s, b.end_s, b.low_hz, b.high_hz, b.label) == (7, 2.0, 2.75, None, None, "")
    out = tmp_path / "out.csv"
    write_table(out, table.annotations, columns=table.columns, label_column=table.label_column)
    assert read_annotations(out).annotations == table.annotations
    assert out.read_text().splitlines()[1].startswith('3,0.5,1.5,200.0,800.0,"owl, distant",north')


def test_time_only_rows_get_zero_and_nyquist_when_asked(tmp_path):
    out = tmp_path / "t.txt"
    write_table(out, [Annotation(1, "x", 0.0, 1.0)], nyquist_hz=24000.0)
    row = rows_of(out.read_text())[1]
    assert row[:7] == ["1", "Spectrogram 1", "1", "0.0", "1.0", "0.0", "24000.0"]


def test_format_detection(tmp_path):
    assert detect_format("x", RAVEN) == "raven"
    assert detect_format("x", AUDACITY) == "audacity"
    assert detect_format("x", "Begin Time (s),End Time (s)\n1,2\n") == "csv"
    with pytest.raises(AnnotationFileError, match=r"^x: line 1: not a Raven selection table, Audacity label"):
        detect_format("x", "hello world\n")
    with pytest.raises(AnnotationFileError, match="empty file"):
        detect_format("x", "\n\n")


HEAD = "Selection\tBegin Time (s)\tEnd Time (s)\n"


@pytest.mark.parametrize(("text", "message"), [
    (HEAD + "1\t0.5\tabc\n", r"bad.txt: line 2: End Time \(s\) 'abc' is not a number"),
    (HEAD + "1\t0.5\t1\n2\t0.1\t0.2\t9\n", "bad.txt: line 3: 4 fields, the header has 3"),
    (HEAD + "1.5\t0.5\t1\n", r"line 2: Selection '1.5' is not a whole number"),
    ("Selection\tBegin Time (s)\n1\t0.5\n", r"line 1: the header has no 'End Time \(s\)' column"),
    ("1.0\t2.0\tx\n\\\tlow\t3\n", "bad.txt: line 2: frequency 'low' is not a number"),
    ("\\\t1\t3\n", "bad.txt: line 1: not a Raven"),
    ("1.0\t2.0\tx\nfoo\t3\t4\n", "bad.txt: line 2: start 'foo' is not a number"),
])
def test_bad_files_get_one_line_naming_file_and_line(tmp_path, text, message):
    p = write(tmp_path, "bad.txt", text)
    with pytest.raises(AnnotationFileError, match=message) as info:
        read_annotations(p)
    assert "\n" not in str(info.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(AnnotationFileError, match=r"nope\.txt: no such file"):
        read_annotations(tmp_path / "nope.txt")
    with pytest.raises(AnnotationFileError, match="is a directory"):
        read_annotations(tmp_path)
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02RIFF")
    with pytest.raises(AnnotationFileError, match="binary file"):
        read_annotations(tmp_path / "bin.txt")


def test_inverted_rows_are_read_for_the_caller_to_report(tmp_path):
    table = read_annotations(write(tmp_path, "inv.txt", "Selection\tBegin Time (s)\tEnd Time (s)\n4\t3.0\t2.0\n"))
    assert table.annotations[0].bounds_problem() == "begin 3.0 s is after end 2.0 s"


def test_writes_are_atomic(tmp_path):
    out = tmp_path / "keep.txt"
    out.write_text("old content\n")
    with pytest.raises(AnnotationFileError, match="cannot write"):
        write_table(tmp_path / "missing" / "x.txt", [Annotation(1, "a", 0.0, 1.0)])
    bad = [Annotation(1, "a", 0.0, 1.0)]
    with pytest.raises(ValueError, match="rows of measurements"):
        write_table(out, bad, measurements=[{}, {}])
    assert out.read_text() == "old content\n"
    write_table(out, bad)
    assert read_annotations(out).annotations == (Annotation(1, "a", 0.0, 1.0, extra=()),)
    assert sorted(os.listdir(tmp_path)) == ["keep.txt"]  # no temporary file left
    os.chmod(out, 0o640)
    write_table(out, bad)
    assert os.stat(out).st_mode & 0o777 == 0o640  # a replaced file keeps its permissions
    fresh = tmp_path / "fresh.txt"
    write_table(fresh, bad)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(fresh).st_mode & 0o777 == 0o666 & ~umask  # a new one gets the usual ones, not 0600


def test_sidecars_beside_a_recording(tmp_path):
    audio = tmp_path / "rec.wav"
    names = [p.name for p in sidecar_paths(audio)]
    assert names[0] == "rec.Table.1.selections.txt"
    assert names[-2:] == ["rec.txt", "rec.csv"]
    assert find_sidecar(audio) is None
    write(tmp_path, "rec.csv", "Begin Time (s),End Time (s)\n1,2\n")
    assert find_sidecar(audio) == tmp_path / "rec.csv"
    write(tmp_path, "rec.txt", AUDACITY)
    assert find_sidecar(audio) == tmp_path / "rec.txt"
    write(tmp_path, "rec.Table.1.selections.txt", RAVEN)
    assert find_sidecar(audio) == tmp_path / "rec.Table.1.selections.txt"
