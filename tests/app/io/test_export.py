"""write_spectrogram and check_export_path: the NPZ/CSV contents, the suffix in any case, the output
checks, and the atomic replacement of an existing output.  Write errors and Ctrl-C mid-write are
produced for real in tests/app/cli/test_export_cli.py (a file-size limit, SIGINT to a child)."""

import numpy as np
import pytest

from specscope.app.io.export import ExportPathError, check_export_path, write_spectrogram
from specscope.dsp.config import StftConfig

CFG = StftConfig(fs_hz=8000, n_fft=64, hop=16, window="hann", zero_pad=2)


def data(n_frames=5):
    db = (-np.arange(CFG.n_freqs * n_frames, dtype=np.float32) / 7).reshape(CFG.n_freqs, n_frames)
    return db, CFG.frame_times_s(n_frames)


@pytest.mark.parametrize("name", ["out.npz", "out.NPZ", "out.NpZ"])
def test_npz_holds_the_data_under_its_exact_name(tmp_path, name):
    db, times = data()
    out = write_spectrogram(tmp_path / name, db, times, CFG)
    assert out == tmp_path / name
    assert [p.name for p in tmp_path.iterdir()] == [name]
    z = np.load(out)
    np.testing.assert_array_equal(z["db"], db)
    np.testing.assert_allclose(z["freqs_hz"], np.arange(65) * 8000 / 128)
    np.testing.assert_allclose(z["times_s"], (np.arange(5) * 16 + 32) / 8000)
    assert (float(z["fs_hz"]), int(z["n_fft"]), int(z["hop"]), str(z["window"]), int(z["zero_pad"])) == (
        8000.0, 64, 16, "hann", 2)


def test_csv_rows_are_frames(tmp_path):
    db, times = data(3)
    out = write_spectrogram(tmp_path / "t.CSV", db, times, CFG)
    rows = np.loadtxt(out, delimiter=",", skiprows=1)
    np.testing.assert_allclose(rows[:, 0], times, rtol=1e-5)
    np.testing.assert_allclose(rows[:, 1:], db.T, rtol=1e-5)


def test_an_existing_output_is_replaced_atomically(tmp_path):
    out = tmp_path / "o.csv"
    out.write_text("old\n")
    with open(out) as reader_of_the_old_file:
        write_spectrogram(out, *data(), CFG)
        # A rename, not a rewrite in place: whoever had the old file open still reads it whole.
        assert reader_of_the_old_file.read() == "old\n"
    assert out.read_text().startswith("time_s,0,62.5,")
    assert [p.name for p in tmp_path.iterdir()] == ["o.csv"]


def test_check_export_path_refusals(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("audio, really\n")
    (tmp_path / "link.csv").symlink_to(src)
    with pytest.raises(ExportPathError, match=r"must end in \.npz or \.csv"):
        check_export_path(tmp_path / "o.wav")
    with pytest.raises(ExportPathError, match=r"folder .* does not exist"):
        check_export_path(tmp_path / "no" / "o.npz")
    (tmp_path / "d.npz").mkdir()
    with pytest.raises(ExportPathError, match="is a directory"):
        check_export_path(tmp_path / "d.npz")
    for spelling in (src, tmp_path / "link.csv", tmp_path / "." / "in.csv"):
        with pytest.raises(ExportPathError, match="is the input file"):
            check_export_path(spelling, inputs=[src])
        with pytest.raises(ExportPathError, match="is the input file"):
            write_spectrogram(spelling, *data(), CFG, inputs=[str(src)])
    assert src.read_text() == "audio, really\n"
    with pytest.raises(ExportPathError, match="already exists; use --force"):
        check_export_path(src, overwrite=False)
    assert check_export_path(src) == src  # overwrite allowed by default (the GUI asks first)
    assert check_export_path(tmp_path / "new.npz", overwrite=False, inputs=[src]) == tmp_path / "new.npz"
    assert issubclass(ExportPathError, ValueError)
