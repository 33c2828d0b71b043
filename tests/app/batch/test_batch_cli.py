"""``specscope batch`` end to end on a real two-worker Dask cluster: outputs, manifest, resume.

Thread: pytest's main thread (the batch's tasks run in the cluster's worker processes).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from specscope.app.cli.main import main

from .conftest import make_archive, manifest, parts_left

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def archive(tmp_path_factory, dask_cluster):
    root = tmp_path_factory.mktemp("archive")
    files = make_archive(root / "in")
    out = root / "out"
    return root, files, out, dask_cluster.scheduler_address


def _batch(inputs, out, scheduler, *extra) -> int:
    return main(["batch", *map(str, inputs), "-o", str(out), "--recursive", "--scheduler", scheduler, *extra])


def test_first_run_writes_outputs_and_lists_failures(archive, capsys):
    root, files, out, scheduler = archive
    status = _batch([root / "in"], out, scheduler, "--what", "npz,png,peaks,levels", "--n-fft", "256")
    text = capsys.readouterr()
    assert status == 3
    entries = {e["rel"]: e for e in manifest(out)}
    assert len(entries) == 19  # notes.txt is not audio: not an input
    failed = {rel: e["reason"] for rel, e in entries.items() if e["status"] == "failed"}
    assert set(failed) == {"site1/cut.wav", "site2/day1/short.wav"}
    assert "header cut short" in failed["site1/cut.wav"]
    assert "shorter than one frame" in failed["site2/day1/short.wav"]
    assert all("\n" not in r for r in failed.values())
    assert "site1/cut.wav" in text.out and "2 failed" in text.out
    for f in files["good"]:
        rel = f.relative_to(root / "in").with_suffix("")
        e = entries[f.relative_to(root / "in").as_posix()]
        assert e["status"] == "done" and e["size"] == f.stat().st_size
        assert e["duration_s"] == pytest.approx(1.0)
        for suffix in (".npz", ".png", ".peaks.json", ".levels.json"):
            p = out / (str(rel) + suffix)
            assert p.is_file(), p
            assert p.relative_to(out).as_posix() in e["outputs"]
    assert (out / "site0" / "float.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not parts_left(out)
    levels = json.loads((out / "site0" / "day2" / "rec00.levels.json").read_text())
    assert levels["leq_z_db"] == pytest.approx(20 * np.log10(0.5), abs=0.05)  # a 0.5 sine: -6.02 dBFS
    assert levels["peak_dbfs"] == pytest.approx(20 * np.log10(0.5), abs=0.1)


@pytest.mark.parametrize("name", ["site0/day2/rec00.wav", "stereo.flac", "site0/float.wav"])
def test_npz_is_identical_to_export(archive, tmp_path, name):
    root, _files, out, _ = archive
    ref = tmp_path / "ref.npz"
    assert main(["export", str(root / "in" / name), "-o", str(ref), "--n-fft", "256"]) == 0
    got = out / (str(Path(name).with_suffix("")) + ".npz")
    with np.load(ref) as a, np.load(got) as b:
        assert sorted(a.files) == sorted(b.files)
        for k in a.files:
            assert np.array_equal(a[k], b[k]), k


def test_peaks_are_those_of_the_peaks_command(archive, capsys):
    root, _files, out, _ = archive
    capsys.readouterr()
    assert main(["peaks", str(root / "in" / "stereo.flac"), "--json", "--n-fft", "256"]) == 0
    ref = json.loads(capsys.readouterr().out)
    got = json.loads((out / "stereo.peaks.json").read_text())
    assert got == ref
    assert got[0]["freq_hz"] == pytest.approx(1234.5, abs=0.5)


def test_rerun_skips_everything_then_redoes_a_touched_file(archive):
    root, files, out, scheduler = archive
    npz = out / "site0" / "day2" / "rec00.npz"
    before = npz.stat().st_mtime_ns
    assert _batch([root / "in"], out, scheduler, "--what", "npz,png,peaks,levels", "--n-fft", "256") == 3
    entries = {e["rel"]: e for e in manifest(out)}
    assert {e["status"] for rel, e in entries.items() if "cut" not in rel and "short" not in rel} == {"skipped"}
    assert npz.stat().st_mtime_ns == before
    touched = files["good"][3]
    st = touched.stat()
    os.utime(touched, (st.st_atime, st.st_mtime + 10))
    assert _batch([root / "in"], out, scheduler, "--what", "npz,png,peaks,levels", "--n-fft", "256") == 3
    entries = {e["rel"]: e for e in manifest(out)}
    done = [rel for rel, e in entries.items() if e["status"] == "done"]
    assert done == [touched.relative_to(root / "in").as_posix()]
    assert npz.stat().st_mtime_ns == before
    # Other settings make other outputs: every file is done again.
    assert _batch([root / "in"], out, scheduler, "--what", "npz", "--n-fft", "512") == 3
    entries = manifest(out)
    assert sum(e["status"] == "done" for e in entries) == len(files["good"])
    with np.load(npz) as z:
        assert int(z["n_fft"]) == 512


def test_bad_arguments_exit_2(archive, capsys):
    root, _files, out, scheduler = archive
    assert _batch([root / "nowhere"], out, scheduler) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert _batch([root / "in"], out, scheduler, "--what", "npz,mp4") == 2
    assert "--what takes" in capsys.readouterr().err
    assert _batch([root / "in"], out, scheduler, "--n-fft", "1001") == 2
    assert "--n-fft" in capsys.readouterr().err
    assert _batch([root / "in"], out, scheduler, "--ltsa-interval", "soon") == 2
    assert "--ltsa-interval" in capsys.readouterr().err
