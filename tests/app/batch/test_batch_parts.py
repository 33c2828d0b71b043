"""The batch's Qt-free parts without a cluster: discovery, start times, the manifest, atomic writes, the PNG.

Thread: pytest's main thread.
"""

from __future__ import annotations

import struct
import zlib
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from specscope.app.batch.atomic import PART_MARK, atomic_output, sweep_parts
from specscope.app.batch.discover import DiscoveryError, discover
from specscope.app.batch.manifest import Entry, ManifestWriter, is_current, read_manifest
from specscope.app.batch.png import encode_png, render_spectrogram_png
from specscope.app.batch.timeline import TimelineError, parse_duration_s, plan, read_start_csv, start_from_name


def _touch(p: Path, data: bytes = b"x") -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def test_discover_folders_globs_and_files(tmp_path):
    for rel in ("a/x.wav", "a/b/y.FLAC", "a/b/notes.txt", "a/.hidden.wav", "c/z.mp3"):
        _touch(tmp_path / rel)
    flat = discover([str(tmp_path / "a")])
    assert [i.rel for i in flat] == ["x.wav"]
    deep = discover([str(tmp_path / "a")], recursive=True)
    assert [i.rel for i in deep] == ["b/y.FLAC", "x.wav"]
    assert all(Path(i.path).is_absolute() for i in deep)
    assert [i.rel for i in discover([str(tmp_path / "a")], recursive=True, pattern="*.txt")] == ["b/notes.txt"]
    assert [i.rel for i in discover([str(tmp_path / "c" / "*.mp3")])] == ["z.mp3"]
    assert [i.rel for i in discover([str(tmp_path / "a" / "b" / "notes.txt")])] == ["notes.txt"]  # named: taken
    with pytest.raises(DiscoveryError, match="no such file"):
        discover([str(tmp_path / "missing")])
    with pytest.raises(DiscoveryError, match="matches no file"):
        discover([str(tmp_path / "*.ogg")])
    _touch(tmp_path / "d" / "x.wav")
    with pytest.raises(DiscoveryError, match="would write the same outputs"):
        discover([str(tmp_path / "a" / "x.wav"), str(tmp_path / "d" / "x.wav")])
    _touch(tmp_path / "a" / "x.flac")
    with pytest.raises(DiscoveryError, match="would write the same outputs"):
        discover([str(tmp_path / "a")])


def test_start_times_from_names_and_csv(tmp_path):
    assert start_from_name("AM01_20240501_063000.WAV") == datetime(2024, 5, 1, 6, 30, 0)
    assert start_from_name("SMM_20231231T235959.flac") == datetime(2023, 12, 31, 23, 59, 59)
    assert start_from_name("x_2024-05-01_06-30-15.wav") == datetime(2024, 5, 1, 6, 30, 15)
    assert start_from_name("take_20241399_000000.wav") is None  # month 13
    assert start_from_name("take7.wav") is None
    csv = tmp_path / "starts.csv"
    csv.write_text("file,start\nx.wav,2024-05-01T06:00:00\n")
    assert read_start_csv(str(csv)) == {"x.wav": datetime(2024, 5, 1, 6)}
    csv.write_text("file,start\nx.wav,yesterday\n")
    with pytest.raises(TimelineError, match="not an ISO time"):
        read_start_csv(str(csv))


def test_plan_orders_by_time_and_aligns_the_grid():
    paths = ["/r/b_20240501_063005.wav", "/r/a_20240501_063125.wav"]
    tl = plan(paths, {p: 30.0 for p in paths}, 60.0)
    assert tl.order == paths and tl.origin == datetime(2024, 5, 1, 6, 30)
    assert tl.start_s == {paths[0]: 5.0, paths[1]: 85.0}
    assert tl.n_intervals == 2  # 06:30 .. 06:32 (the last file ends at 06:31:55)
    csv = {"a_20240501_063125.wav": datetime(2024, 5, 1, 6, 0)}
    assert plan(paths, {p: 30.0 for p in paths}, 60.0, csv).order == paths[::-1]
    untimed = plan(["/r/2.wav", "/r/1.wav"], {"/r/2.wav": 10.0, "/r/1.wav": 5.0}, 4.0)
    assert untimed.origin is None and untimed.start_s == {"/r/1.wav": 0.0, "/r/2.wav": 5.0}
    assert untimed.n_intervals == 4
    with pytest.raises(TimelineError, match="longer interval"):
        plan(paths, {p: 30.0 for p in paths}, 1e-6)
    assert parse_duration_s("90") == 90 and parse_duration_s("10min") == 600 and parse_duration_s("0.5h") == 1800
    with pytest.raises(ValueError, match="--ltsa-interval"):
        parse_duration_s("-3s")


def test_manifest_resume_rules(tmp_path):
    out = tmp_path
    _touch(out / "x.npz")
    w = ManifestWriter(out, {})
    e = Entry("/in/x.wav", "x.wav", 10, 5.0, "done", 1.0, None, ["x.npz"], 0.1, ["npz", "settings=a"], 8000.0)
    w.add(Entry("/in/x.wav", "x.wav", 10, 5.0, "failed", reason="bad"))
    w.add(e)
    (out / "manifest.jsonl").open("a").write("{not json\n")  # a line cut by a crash is ignored
    assert read_manifest(out)["/in/x.wav"] == e  # the newest line wins
    w.finish(["/in/x.wav"])
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 1
    assert is_current(e, 10, 5.0, ["npz", "settings=a"], out)
    assert not is_current(e, 11, 5.0, ["npz", "settings=a"], out)  # size changed
    assert not is_current(e, 10, 6.0, ["npz", "settings=a"], out)  # touched
    assert not is_current(e, 10, 5.0, ["npz", "settings=b"], out)  # other settings
    assert not is_current(e.replace(status="failed"), 10, 5.0, ["npz", "settings=a"], out)
    (out / "x.npz").unlink()
    assert not is_current(e, 10, 5.0, ["npz", "settings=a"], out)  # an output went missing


def test_atomic_output_leaves_nothing_on_failure(tmp_path):
    final = tmp_path / "a.npz"
    with pytest.raises(RuntimeError), atomic_output(final) as tmp:
        tmp.write_bytes(b"half")
        assert PART_MARK in tmp.name and tmp.parent == tmp_path
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []
    with atomic_output(final) as tmp:
        np.savez(tmp, x=np.arange(3))
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]
    left = _touch(tmp_path / "sub" / f".b{PART_MARK}1234.png")
    assert sweep_parts(tmp_path) == [left] and not left.exists()


def _decode_png(data: bytes) -> np.ndarray:
    """Independent minimal decoder for filter-0 8-bit RGB PNGs."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 2)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, 1 + 3 * w)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, 3)


def test_png_encodes_pixels_exactly_and_draws_axes():
    rgb = np.random.default_rng(1).integers(0, 256, (7, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(_decode_png(encode_png(rgb)), rgb)
    lut = np.stack([np.arange(256, dtype=np.uint8)] * 3, axis=1)  # grey: level -> value
    db = np.full((101, 50), -120.0, dtype=np.float32)
    db[80, :] = 0.0  # one loud bin; ceiling colour
    db[:, 40:45] = np.nan  # a gap
    img = _decode_png(render_spectrogram_png(db, np.linspace(0, 4000, 101), np.arange(50) * 0.1, lut))
    plot = img[10:10 + 101, 56:56 + 50]  # TOP_PX, LEFT_PX: one pixel per bin and frame here
    assert (plot[100 - 80, :40] == 255).all()  # bin 80 is drawn 80 rows above the bottom, at full scale
    assert (plot[100 - 79, :40] == 0).all()
    assert (plot[:, 40:45] == 255).all()  # the gap shows the background
    assert img.shape[0] == 10 + 101 + 28 and img.shape[1] == 56 + 50 + 70
    assert (img[10 + 101 + 6:10 + 101 + 13, 56:106] == 0).any()  # time labels under the axis


class _Tty:
    def __init__(self, tty: bool) -> None:
        self.text, self.tty = "", tty

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.tty


def test_progress_bar_on_a_terminal_and_lines_when_piped():
    from specscope.app.batch.progress import BatchProgress

    done = Entry("/in/a.wav", "a.wav", 1, 1.0, "done", 1800.0, seconds=2.5)
    bad = Entry("/in/b.wav", "b.wav", 1, 1.0, "failed", 1800.0, reason="/in/b.wav: header cut short")
    piped = _Tty(False)
    p = BatchProgress(4, 4 * 1800.0, piped)
    p.finished(done)
    p.finished(bad)
    assert piped.text == "done    a.wav  (2.50 s)\nfailed  /in/b.wav: header cut short\n"
    term = _Tty(True)
    p = BatchProgress(4, 4 * 1800.0, term)
    p.finished(done)
    line = p.line()
    assert "1/4 files" in line and "0.50/2.00 h audio" in line and "h/min" in line and "ETA" in line
    assert "[" + "#" * 6 + "." * 18 + "]" in line  # a quarter of the audio
    assert term.text.startswith("\rbatch [")
