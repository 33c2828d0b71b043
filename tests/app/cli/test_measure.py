"""``specscope measure`` run as a user runs it, on a recording with known events and tables written by hand."""

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from specscope.dsp.config import StftConfig
from specscope.dsp.selection_measures import MEASUREMENT_COLUMNS, box_frames, measure_samples

FS_HZ = 48000
CFG = StftConfig(fs_hz=FS_HZ, n_fft=2048, hop=512, window="hann")
DF = CFG.delta_f_hz
TONE_HZ = 1234.5
TONE2_HZ = 5432.1  # only in the right channel

HEADER = ("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\t"
          "Annotation\tObserver\n")


def specscope(*args):
    return subprocess.run([sys.executable, "-m", "specscope.app.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    folder = tmp_path_factory.mktemp("measure")
    rng = np.random.default_rng(3)
    t = np.arange(10 * FS_HZ) / FS_HZ
    left = 1e-4 * rng.standard_normal(t.size)
    right = 1e-4 * rng.standard_normal(t.size)
    on = (t >= 1.0) & (t < 2.0)
    left[on] += 0.5 * np.sin(2 * np.pi * TONE_HZ * t[on])
    right[on] += 0.5 * np.sin(2 * np.pi * TONE_HZ * t[on])
    on = (t >= 4.0) & (t < 5.0)
    right[on] += 0.25 * np.sin(2 * np.pi * TONE2_HZ * t[on])
    path = folder / "rec.wav"
    sf.write(path, np.column_stack([left, right]), FS_HZ, subtype="FLOAT")
    return path, np.column_stack([left, right]).astype(np.float32)


def table(tmp_path, rows, name="rec.Table.1.selections.txt"):
    p = tmp_path / name
    p.write_text(HEADER + "".join("\t".join(map(str, r)) + "\n" for r in rows))
    return p


def parse(text):
    lines = [line.split("\t") for line in text.splitlines()]
    return lines[0], [dict(zip(lines[0], r, strict=True)) for r in lines[1:]]


def direct(x, begin, end, low, high):
    first, n = box_frames(CFG, CFG.n_frames(len(x)), begin, end)
    m = measure_samples(x[first * 512 : first * 512 + (n - 1) * 512 + 2048], CFG, first, begin, end, low, high)
    return m.as_columns()


def test_raven_table_in_raven_table_out(recording, tmp_path):
    wav, x = recording
    rows = [
        (1, "Waveform 1", 1, "1.000000", "2.000000", "0.000", "24000.000", "tone", "JB"),
        (1, "Spectrogram 1", 1, "1.000000", "2.000000", "1000.000", "1500.000", "tone", "JB"),
        (2, "Spectrogram 1", 2, "3.9", "5.1", "5000", "6000", "right only", "AK"),
    ]
    src = table(tmp_path, rows)
    out = tmp_path / "out.txt"
    result = specscope("measure", wav, "--selections", src, "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""
    header, got = parse(out.read_text())
    assert header == HEADER.rstrip("\n").split("\t") + list(MEASUREMENT_COLUMNS)
    assert len(got) == 3
    for row, original in zip(got, rows, strict=True):  # every value of the input kept
        for column, value in zip(HEADER.rstrip("\n").split("\t"), original, strict=True):
            try:
                assert float(row[column]) == float(value)
            except ValueError:
                assert row[column] == value
    tone = got[1]
    assert abs(float(tone["Peak Freq (Hz)"]) - TONE_HZ) < 0.002 * DF
    # The same numbers as the measurement function on the same frames (rounded to mHz, µs, mdB).
    expected = direct(x[:, 0], 1.0, 2.0, 1000.0, 1500.0)
    for column in ("Peak Freq (Hz)", "Center Freq (Hz)", "Freq 5% (Hz)", "Freq 95% (Hz)", "Max Power (dB)"):
        assert float(tone[column]) == pytest.approx(expected[column], abs=0.001)
    assert float(tone["Dur 90% (s)"]) == pytest.approx(expected["Dur 90% (s)"], abs=1e-6)
    # Selection 2 is on channel 2, where the second tone is.
    assert abs(float(got[2]["Peak Freq (Hz)"]) - TONE2_HZ) < 0.002 * DF
    assert got[2]["SNR (dB)"] == ""  # no noise box


def test_bad_rows_are_reported_by_number_and_the_others_measured(recording, tmp_path):
    wav, _ = recording
    src = table(tmp_path, [
        (1, "Spectrogram 1", 1, 1.0, 2.0, 1000, 1500, "ok", ""),
        (2, "Spectrogram 1", 1, 3.0, 2.0, 1000, 1500, "inverted", ""),
        (3, "Spectrogram 1", 1, 12.0, 13.0, 1000, 1500, "past the end", ""),
        (4, "Spectrogram 1", 3, 1.0, 2.0, 1000, 1500, "no channel 3", ""),
        (5, "Spectrogram 1", 1, 1.0, 2.0, 1000, 30000, "above Nyquist", ""),
        (6, "Spectrogram 1", 1, 1.0, 2.0, 2000, 1000, "inverted band", ""),
    ])
    result = specscope("measure", wav, "--selections", src)
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        "selection 2: begin 3.0 s is after end 2.0 s",
        "selection 3: begin 12.0 s is past the end of the file (10.0 s)",
        "selection 4: channel 3 does not exist (the file has 2)",
        "selection 5: high frequency 30000.0 Hz is above Nyquist (24000.0 Hz)",
        "selection 6: low frequency 2000.0 Hz is above high frequency 1000.0 Hz",
    ]
    _, got = parse(result.stdout)
    assert [r["Selection"] for r in got] == ["1", "2", "3", "4", "5", "6"]  # every row written
    assert abs(float(got[0]["Peak Freq (Hz)"]) - TONE_HZ) < 0.002 * DF
    assert all(r["Peak Freq (Hz)"] == "" for r in got[1:])


def test_audacity_labels_to_json_with_a_noise_box(recording, tmp_path):
    wav, _ = recording
    labels = tmp_path / "rec.txt"
    labels.write_text("1.000000\t2.000000\ttone\n\\\t1000.000000\t1500.000000\n"
                      "7.000000\t8.000000\tquiet\n\\\t1000.000000\t1500.000000\n"
                      "8.500000\t9.000000\ttime only\n")
    result = specscope("measure", wav, "--selections", labels, "--json", "--noise", 2, "--channel", 0)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert [r["Selection"] for r in got] == [1, 2, 3]
    assert got[0]["Annotation"] == "tone" and got[0]["Low Freq (Hz)"] == 1000.0
    assert abs(got[0]["Peak Freq (Hz)"] - TONE_HZ) < 0.002 * DF
    assert got[0]["SNR (dB)"] > 60  # a -6 dBFS tone over noise at -80 dB rms
    assert abs(got[1]["SNR (dB)"]) < 0.01  # the noise box against itself
    assert got[2]["Low Freq (Hz)"] is None and got[2]["Delta Freq (Hz)"] == 24000.0
    assert set(MEASUREMENT_COLUMNS) <= set(got[0])


def test_csv_output_by_name(recording, tmp_path):
    wav, _ = recording
    src = table(tmp_path, [(1, "Spectrogram 1", 1, 1.0, 2.0, 1000, 1500, "tone", "")])
    out = tmp_path / "out.csv"
    assert specscope("measure", wav, "--selections", src, "-o", out).returncode == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("Selection,View,Channel,Begin Time (s)") and "Peak Freq (Hz)" in lines[0]


@pytest.mark.parametrize(("extra", "message"), [
    (["--selections", "missing.txt"], "missing.txt: no such file"),
    (["--n-fft", "7"], "--n-fft must be"),
    (["--noise", "9"], "--noise 9: "),
    (["--channel", "5"], "channel 5 does not exist"),
    (["--window", "nonsense"], "window"),
])
def test_bad_arguments_exit_2_with_one_line(recording, tmp_path, extra, message):
    wav, _ = recording
    src = table(tmp_path, [(1, "Spectrogram 1", 1, 1.0, 2.0, 1000, 1500, "tone", "")])
    args = ["measure", wav, *(extra if extra[0] == "--selections" else ["--selections", src, *extra])]
    result = specscope(*[a if a != "missing.txt" else tmp_path / a for a in args])
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_selections_option_is_a_usage_error(recording):
    wav, _ = recording
    result = specscope("measure", wav)
    assert result.returncode == 2 and "--selections" in result.stderr
