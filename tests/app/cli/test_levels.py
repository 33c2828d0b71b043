"""specscope levels: JSON numbers against hand values and pyloudnorm, slices, streaming memory, bad input."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from specscope.app.cli.levels import measure_file
from specscope.app.cli.main import main

FS = 48000
KEYS = {"integrated_lufs", "loudness_range_lu", "true_peak_dbtp", "sample_peak_dbfs", "rms_dbfs", "leq_a_db", "unit",
        "channels"}


def sine(freq_hz, level_dbfs, seconds, phase_rad=0.0):
    n = np.arange(round(seconds * FS))
    return (10 ** (level_dbfs / 20) * np.sin(2 * np.pi * freq_hz * n / FS + phase_rad)).astype(np.float32)


def run_json(capsys, *argv):
    assert main(["levels", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_minus_20_dbfs_stereo_sine_reads_its_hand_computed_levels(tmp_path, capsys):
    x = sine(1000.0, -20.0, 5.0)
    path = tmp_path / "sine.wav"
    sf.write(path, np.stack([x, x], axis=1), FS, subtype="FLOAT")
    out = run_json(capsys, str(path))
    assert KEYS <= set(out)
    assert out["rms_dbfs"] == pytest.approx(-20.0, abs=0.01)
    assert out["sample_peak_dbfs"] == pytest.approx(-20.0, abs=0.01)
    assert out["true_peak_dbtp"] == pytest.approx(-20.0, abs=0.05)
    assert out["leq_a_db"] == pytest.approx(-20.0, abs=0.02)  # A is 0 dB at 1 kHz
    assert out["integrated_lufs"] == pytest.approx(-20.0, abs=0.1)  # BS.1770 stereo 1 kHz case
    assert out["loudness_range_lu"] == pytest.approx(0.0, abs=0.1)
    assert out["unit"] == "dBFS"
    assert len(out["channels"]) == 2
    assert out["channels"][1]["rms_dbfs"] == pytest.approx(-20.0, abs=0.01)


def test_true_peak_case_fs_over_4_at_45_degrees(tmp_path, capsys):
    path = tmp_path / "tp.wav"
    sf.write(path, sine(FS / 4, 0.0, 2.0, phase_rad=np.pi / 4), FS, subtype="FLOAT")
    out = run_json(capsys, str(path))
    assert out["sample_peak_dbfs"] == pytest.approx(-3.01, abs=0.01)
    assert out["true_peak_dbtp"] == pytest.approx(0.0, abs=0.5)


def test_integrated_loudness_agrees_with_pyloudnorm_and_the_slice_and_calibration_apply(tmp_path, capsys):
    pyloudnorm = pytest.importorskip("pyloudnorm")
    rng = np.random.default_rng(5)
    loud = (0.1 * rng.standard_normal((10 * FS, 2))).astype(np.float32)
    quiet = (0.01 * rng.standard_normal((10 * FS, 2))).astype(np.float32)
    x = np.concatenate([loud, quiet])
    path = tmp_path / "prog.wav"
    sf.write(path, x, FS, subtype="FLOAT")
    whole = run_json(capsys, str(path))
    assert whole["integrated_lufs"] == pytest.approx(pyloudnorm.Meter(FS).integrated_loudness(x), abs=0.1)
    part = run_json(capsys, str(path), "--start", "10", "--duration", "10", "--calibration-offset", "94")
    assert part["integrated_lufs"] == pytest.approx(pyloudnorm.Meter(FS).integrated_loudness(quiet), abs=0.1)
    assert part["rms_dbfs"] == pytest.approx(10 * np.log10(2 * np.mean(quiet.astype(np.float64) ** 2)), abs=0.01)
    assert part["unit"] == "dB SPL"
    plain = run_json(capsys, str(path), "--start", "10", "--duration", "10")
    assert part["leq_a_db"] == pytest.approx(plain["leq_a_db"] + 94.0, abs=1e-3)


def test_text_output_names_the_units(tmp_path, capsys):
    path = tmp_path / "s.wav"
    sf.write(path, sine(440.0, -12.0, 1.0), FS)
    assert main(["levels", str(path)]) == 0
    text = capsys.readouterr().out
    assert "LUFS" in text and "dBTP" in text and "Leq(A)" in text


def test_memory_does_not_grow_with_the_file(tmp_path):
    path = tmp_path / "long.wav"
    block = (0.1 * np.random.default_rng(0).standard_normal((10 * FS, 2))).astype(np.float32)
    with sf.SoundFile(path, "w", FS, 2, subtype="FLOAT") as f:
        for _ in range(12):  # 2 minutes, 44 MiB of samples
            f.write(block)
    tracemalloc.start()
    try:
        measure_file(str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["/no/such/file.wav"], "no such file"),
        (["{bad}"], "not"),
        (["{ok}", "--start", "99"], "outside the file"),
        (["{ok}", "--duration", "-1"], "duration"),
        (["{ok}", "--calibration-offset", "nan"], "--calibration-offset"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, words):
    ok = tmp_path / "ok.wav"
    sf.write(ok, sine(440.0, -12.0, 1.0), FS)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"this is not audio at all" * 10)
    argv = [a.replace("{ok}", str(ok)).replace("{bad}", str(bad)) for a in argv]
    assert main(["levels", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("specscope") and words in err


def test_listen_levels_adds_momentary_short_term_loudness_and_true_peak(tmp_path, capsys):
    from specscope.app.cli.listen import main as listen_main

    path = tmp_path / "tone.wav"
    sf.write(path, sine(1000.0, -18.0, 4.0), FS, subtype="FLOAT")
    assert listen_main(["listen", "--file", str(path), "--levels", "--json", "--seconds", "3.5"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    last = [r for r in lines if "momentary_lufs" in r][-1]
    # Mono 1 kHz at -18 dBFS: -18 - 3.01 LUFS (BS.1770's -0.691 offset and the 1 kHz K-gain cancel).
    assert last["momentary_lufs"] == pytest.approx(-21.0, abs=0.1)
    assert last["short_term_lufs"] == pytest.approx(-21.0, abs=0.1)  # 3 s of tone by the last line
    assert last["true_peak_dbtp"] == pytest.approx(-18.0, abs=0.05)
