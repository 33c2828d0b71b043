"""The File tab's levels (pytest-qt, offscreen): the background job started per file, the status line,
the "Levels of the file…" command's summary dialog (Ctrl+Shift+L), and the cancellation of a file's job
when another opens.

Expected numbers come from the definitions, not from specscope: a 1 kHz sine of amplitude A on both
channels has BS.1770 loudness ``-0.691 + 10 log10(2 G_K A^2 / 2)`` with the K-weighting's gain at 1 kHz
``G_K = +0.691 dB``, i.e. ``20 log10(A)`` LUFS (EBU Tech 3341's stereo sine case); its true and sample
peaks are A (the 4x grid misses at most ``-20 log10(cos(pi 1000 / 192000))`` = 1e-4 dB, the
samples ``-20 log10(cos(pi 1000 / 48000))`` = 2e-3 dB); RMS by the AES17 convention and Leq(A)
(A-weighting is 0.0 dB at 1 kHz, IEC 61672-1 table 3) read ``20 log10(A)`` too.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
import soundfile as sf

FS_HZ = 48000
LEVEL_DBFS = -18.0


def make_sine(path, seconds=10.0, fs_hz=FS_HZ):
    t = np.arange(round(seconds * fs_hz)) / fs_hz
    x = 10 ** (LEVEL_DBFS / 20) * np.sin(2 * np.pi * 1000.0 * t)
    sf.write(str(path), np.stack([x, x], axis=1).astype(np.float32), fs_hz, subtype="FLOAT")
    return str(path)


def number(text: str) -> float:
    return float(re.match(r"\s*(-?\d+\.\d+)", text).group(1))


def test_a_minus_18_dbfs_stereo_sine_reads_its_levels_in_the_status_line_and_the_summary(qtbot, window, tmp_path):
    w = window
    view = w.ensure_file_view()
    assert w.open_file(make_sine(tmp_path / "sine.wav"))
    qtbot.waitUntil(lambda: view.file_levels.result is not None, timeout=20000)
    r = view.file_levels.result
    assert r.integrated_lufs == pytest.approx(LEVEL_DBFS, abs=0.1)
    assert r.loudness_range_lu == pytest.approx(0.0, abs=0.1)
    assert r.true_peak_dbtp == pytest.approx(LEVEL_DBFS, abs=0.01)
    assert r.sample_peak_dbfs == pytest.approx(LEVEL_DBFS, abs=0.01)
    assert r.rms_dbfs == pytest.approx(LEVEL_DBFS, abs=0.01)
    assert r.leq_a_db == pytest.approx(LEVEL_DBFS, abs=0.05)

    w.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: "LUFS" in w.config_label.text(), timeout=2000)
    text = w.config_label.text()
    assert number(text.split("integrated ")[1]) == pytest.approx(LEVEL_DBFS, abs=0.1)
    assert number(text.split("TP ")[1]) == pytest.approx(LEVEL_DBFS, abs=0.01) and "dBTP" in text

    action = w.commands.actions["file.levels"]
    w.commands.refresh()
    assert action.isEnabled() and action.shortcut().toString() == "Ctrl+Shift+L"
    action.trigger()
    dialog = w.levels_dialog
    qtbot.waitExposed(dialog)
    assert dialog.table.columnCount() == 3  # all, channel 0, channel 1
    titles = [dialog.table.verticalHeaderItem(i).text() for i in range(dialog.table.rowCount())]
    assert titles == ["Integrated loudness", "Loudness range", "True peak", "Sample peak", "RMS", "Leq(A)"]
    assert dialog.cell(0, 0).endswith("LUFS") and number(dialog.cell(0, 0)) == pytest.approx(LEVEL_DBFS, abs=0.1)
    assert dialog.cell(0, 1) == ""  # loudness is over all channels
    for row, unit in ((2, "dBTP"), (3, "dBFS"), (4, "dBFS"), (5, "dBFS")):
        for col in (0, 1, 2):
            assert dialog.cell(row, col).endswith(unit)
            assert number(dialog.cell(row, col)) == pytest.approx(LEVEL_DBFS, abs=0.05), (row, col)
    if os.environ.get("SPECSCOPE_SHOT_DIR"):
        dialog.grab().save(os.path.join(os.environ["SPECSCOPE_SHOT_DIR"], "levels_dialog.png"))
        w.grab().save(os.path.join(os.environ["SPECSCOPE_SHOT_DIR"], "levels_window.png"))


def test_opening_another_file_cancels_the_first_files_levels_job(qtbot, window, tmp_path):
    w = window
    view = w.ensure_file_view()
    long_path = make_sine(tmp_path / "long.wav", seconds=600.0, fs_hz=8000)
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):  # the levels job follows the overview
        assert w.open_file(long_path)
    assert view.jobs.running("levels")
    first = view.jobs._jobs["levels"]
    assert w.open_file(make_sine(tmp_path / "sine.wav", seconds=4.0))
    assert first.cancelled()
    assert first.join(5.0)  # it stops at its next block
    qtbot.waitUntil(lambda: view.file_levels.result is not None, timeout=20000)
    assert view.file_levels.path.endswith("sine.wav")
    assert view.file_levels.result.n_samples == 4 * FS_HZ


def test_new_analysis_settings_keep_the_measured_levels(qtbot, window, tmp_path):
    w = window
    view = w.ensure_file_view()
    assert w.open_file(make_sine(tmp_path / "sine.wav", seconds=4.0))
    qtbot.waitUntil(lambda: view.file_levels.result is not None, timeout=20000)
    before = view.file_levels.result
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.set_config({"n_fft": 4096})
    assert view.file_levels.result is before and not view.jobs.running("levels")
