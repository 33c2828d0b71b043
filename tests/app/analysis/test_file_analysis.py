"""The file view's analysis engine against the batch STFT and hand-computed frame spans."""

import numpy as np
import pytest
import soundfile as sf

from specscope.app.analysis.file_analysis import FileAnalysis
from specscope.app.analysis.jobs import BackgroundJob
from specscope.dsp.config import StftConfig
from specscope.dsp.stft import stft_db

FS_HZ = 8000


def _write(path, x, fs_hz=FS_HZ):
    sf.write(str(path), x.astype(np.float32), fs_hz, subtype="FLOAT")
    return str(path)


def _analysis(path, cfg, channel="mix"):
    from specscope.app.io.audio_file import open_audio

    with open_audio(path) as reader:
        info = reader.info
    return FileAnalysis(path, cfg, channel, info)


@pytest.fixture
def signal():
    rng = np.random.default_rng(3)
    n = 5 * FS_HZ
    t = np.arange(n) / FS_HZ
    x = 0.001 * rng.standard_normal(n)
    on = (t >= 1.0) & (t < 2.0)
    x[on] += 0.5 * np.sin(2 * np.pi * 1000.0 * t[on])
    x[int(3.5 * FS_HZ)] += 0.9  # a one-sample click: flat spectrum
    return x.astype(np.float32)


def test_overview_equals_max_of_batch_stft_frames(tmp_path, signal):
    path = _write(tmp_path / "s.wav", signal)
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=256, hop=64)
    a = _analysis(path, cfg)
    assert a.n_frames == cfg.n_frames(signal.shape[0])
    tile = a.empty_overview()
    a.preview(tile, lambda: False)
    a.overview(tile, lambda: False)
    assert tile.complete
    ref = stft_db(signal, cfg)
    fpc = tile.fpc
    expected = np.stack([ref[:, c * fpc : (c + 1) * fpc].max(axis=1) for c in range(tile.n_cols)], axis=1)
    np.testing.assert_allclose(tile.db, expected, atol=2e-3)


def test_overview_is_max_pooled_and_keeps_a_click(tmp_path, signal, monkeypatch):
    import specscope.app.analysis.file_analysis as fa

    monkeypatch.setattr(fa, "OVERVIEW_MAX_COLUMNS", 20)  # 1 + (40000 - 256) // 64 = 622 frames -> ceil(622/20) = 32
    path = _write(tmp_path / "s.wav", signal)
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=256, hop=64)
    a = _analysis(path, cfg)
    tile = a.overview(a.empty_overview(), lambda: False)
    assert tile.fpc == 32 and tile.n_cols == 20
    click_col = tile.column_at(3.5)
    hi = tile.db[cfg.n_freqs // 2 :]  # 2-4 kHz: only the click is there
    band = np.median(hi, axis=0)  # one frame of 622 carries the click; pooling must keep it
    others = [c for c in range(20) if c != click_col]
    assert band[click_col] > band[others].max() + 10  # a mean over the column would fall short
    k = round(1000.0 / cfg.delta_f_hz)
    tone_cols = [c for c in range(20) if tile.db[k, c] > -10]
    times = tile.column_times_s()[tone_cols]
    assert times.min() > 1.0 - tile.col_s and times.max() < 2.0 + tile.col_s


def test_preview_samples_one_frame_per_column(tmp_path, signal, monkeypatch):
    import specscope.app.analysis.file_analysis as fa

    # 622 frames at most 200 columns: 4 frames a column, 156 columns; at most 100 preview reads: every 2nd
    # column's group of 2 x 4 frames is read at its middle frame, 4 c + 4 for the group starting at column c.
    monkeypatch.setattr(fa, "OVERVIEW_MAX_COLUMNS", 200)
    monkeypatch.setattr(fa, "PREVIEW_MAX_COLUMNS", 100)
    path = _write(tmp_path / "s.wav", signal)
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=256, hop=64)
    a = _analysis(path, cfg)
    tile = a.empty_overview()
    assert (tile.fpc, tile.n_cols) == (4, 156)
    a.preview(tile, lambda: False)
    ref = stft_db(signal, cfg)
    assert tile.n_cols_done == 0
    for c, fi in ((0, 4), (1, 4), (2, 12), (77, 308), (154, 620), (155, 620)):
        np.testing.assert_allclose(tile.db[:, c], ref[:, fi], atol=2e-3)


def test_range_tile_full_resolution_equals_batch_stft(tmp_path, signal):
    path = _write(tmp_path / "s.wav", signal)
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=512, hop=100, window="blackman", zero_pad=2)
    a = _analysis(path, cfg)
    tile = a.range_tile(40, 50, 1000, lambda: False)
    assert (tile.first_frame, tile.fpc, tile.n_cols) == (40, 1, 50)
    np.testing.assert_allclose(tile.db, stft_db(signal, cfg)[:, 40:90], atol=2e-3)
    # Placement: column 0 spans frame 40's centre -/+ hop/2.
    t40 = (40 * 100 + 256) / FS_HZ
    assert tile.t0_s == pytest.approx(t40 - 50 / FS_HZ)
    assert tile.column_times_s()[0] == pytest.approx(t40)


def test_range_tile_pooled_when_more_frames_than_columns(tmp_path, signal):
    path = _write(tmp_path / "s.wav", signal)
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=256, hop=64)
    a = _analysis(path, cfg)
    tile = a.range_tile(100, 300, 40, lambda: False)
    assert tile.fpc == 8 and tile.n_cols == 38
    ref = stft_db(signal, cfg)[:, 100:400]
    expected = np.stack([ref[:, c * 8 : (c + 1) * 8].max(axis=1) for c in range(38)], axis=1)
    np.testing.assert_allclose(tile.db, expected, atol=2e-3)


def test_selection_spectrum_mean_power_and_peak(tmp_path):
    fs = 48000
    f0, f1 = 1234.567, 4321.5
    n = 2 * fs
    t = np.arange(n) / fs
    x = (0.25 * np.sin(2 * np.pi * f0 * t) + 0.0025 * np.sin(2 * np.pi * f1 * t)).astype(np.float32)
    path = _write(tmp_path / "tone.wav", x, fs)
    cfg = StftConfig(fs_hz=fs, n_fft=2048, hop=512)
    a = _analysis(path, cfg)
    res = a.selection_spectrum(0.5, 1.5, None, None, lambda: False)
    first, count = a.frame_span(0.5, 1.5)
    assert (res.first_frame, res.n_frames) == (first, count)
    ref = stft_db(x, cfg)[:, first : first + count]
    mean_db = 10 * np.log10(np.mean(10 ** (ref.astype(np.float64) / 10), axis=1))
    strong = mean_db > mean_db.max() - 100  # float32 keeps 0.01 dB only within 100 dB of the peak
    np.testing.assert_allclose(res.db[strong], mean_db[strong], atol=0.01)
    assert abs(res.peak.freq_hz - f0) < 0.002 * cfg.delta_f_hz
    # A 3-6 kHz band finds the weak tone there (-52 dBFS), not the strong one outside it.
    res2 = a.selection_spectrum(0.5, 1.5, 3000.0, 6000.0, lambda: False)
    assert abs(res2.peak.freq_hz - f1) < 0.002 * cfg.delta_f_hz
    assert res2.peak.level_dbfs == pytest.approx(20 * np.log10(0.0025), abs=0.1)


def test_cancel_stops_the_overview_promptly(tmp_path):
    fs = 8000
    x = (0.1 * np.random.default_rng(0).standard_normal(20 * 60 * fs)).astype(np.float32)
    path = _write(tmp_path / "long.wav", x, fs)
    cfg = StftConfig(fs_hz=fs, n_fft=256, hop=16)  # 600k frames: several seconds of work
    a = _analysis(path, cfg)
    tile = a.empty_overview()
    started = []

    def run(cancelled):
        a.overview(tile, cancelled, progress=lambda done, total: started.append(done))

    job = BackgroundJob(run).start()
    for _ in range(1000):
        if started:
            break
        job.join(0.01)
    assert started, "the overview never reported progress"
    job.cancel()
    assert job.join(2.0), "the job was still running 2 s after cancel"
    assert tile.n_cols_done < tile.n_cols


def test_handed_over_blocks_are_read_only_and_never_change(tmp_path, signal, monkeypatch):
    import specscope.app.analysis.file_analysis as fa
    import specscope.dsp.overview as ov

    monkeypatch.setattr(fa, "UPDATE_INTERVAL_S", 0.0)  # one block per chunk
    monkeypatch.setattr(ov, "FRAMES_PER_CHUNK_SAMPLES", 256 * 40)  # 40 frames a chunk: many chunks
    monkeypatch.setattr(fa, "OVERVIEW_MAX_COLUMNS", 100)  # 622 frames -> 7 per column: columns cut by chunks
    path = _write(tmp_path / "s.wav", signal)
    cfg = StftConfig(fs_hz=FS_HZ, n_fft=256, hop=64)
    a = _analysis(path, cfg)
    got, copies = [], []

    def keep(block):
        got.append(block)
        copies.append(block.db.copy())

    keep(a.preview(None, lambda: False))
    a.overview(None, lambda: False, on_block=keep)
    assert len(got) > 5
    for block, copy in zip(got, copies, strict=True):
        assert not block.db.flags.writeable
        np.testing.assert_array_equal(block.db, copy)  # unchanged after all the later work
    # Stitched together in order, the final blocks are the whole overview, each column once.
    final = [b for b in got if b.final]
    assert [b.first_column for b in final] == list(np.cumsum([0] + [b.db.shape[1] for b in final[:-1]]))
    stitched = np.concatenate([b.db for b in final], axis=1)
    ref = stft_db(signal, cfg)
    fpc = a.overview_fpc
    expected = np.stack([ref[:, c * fpc : (c + 1) * fpc].max(axis=1) for c in range(a.overview_cols)], axis=1)
    np.testing.assert_allclose(stitched, expected, atol=2e-3)


def test_selection_max_and_min_spectra_against_scipy_stft(tmp_path):
    # A 1.5 kHz tone at a bin centre, 0 dBFS (full scale) for the first second, -40 dBFS after, in noise.
    import scipy.signal

    fs = 48000
    cfg = StftConfig(fs_hz=fs, n_fft=2048, hop=512)
    f0 = 64 * cfg.delta_f_hz  # 1500 Hz
    t = np.arange(2 * fs) / fs
    amp = np.where(t < 1.0, 1.0, 0.01)
    x = (0.999 * amp * np.sin(2 * np.pi * f0 * t) + 3e-3 * np.random.default_rng(2).standard_normal(t.size))
    x = x.astype(np.float32)
    path = _write(tmp_path / "step.wav", x, fs)
    a = _analysis(path, cfg)
    res = a.selection_spectrum(0.5, 1.5, None, None, lambda: False)
    first, count = res.first_frame, res.n_frames
    seg = x[first * cfg.hop : (first + count - 1) * cfg.hop + cfg.n_fft].astype(np.float64)
    # scipy's STFT of the same slice, scaled so that a full-scale sine reads 0 dB: |X| / sum(w), times 2
    # for every bin but DC and Nyquist (one-sided).
    _, _, z = scipy.signal.stft(seg, fs, window="hann", nperseg=cfg.n_fft, noverlap=cfg.n_fft - cfg.hop,
                                boundary=None, padded=False, scaling="spectrum")
    assert z.shape[1] == count
    power = np.abs(z) ** 2
    power[1:-1] *= 4.0
    for stat, ref in (("mean", power.mean(axis=1)), ("max", power.max(axis=1)), ("min", power.min(axis=1))):
        db, _ = res.spectrum(stat)
        ref_db = 10 * np.log10(ref)
        strong = ref_db > -100.0  # the float32 FFT keeps 0.01 dB within 100 dB of the full-scale tone
        assert strong.sum() > 200, stat
        np.testing.assert_allclose(db[strong], ref_db[strong], atol=0.01, err_msg=stat)
    # The tone's bin: full scale while on (max 0 dB), -40 dB after (min), the power mean between.
    assert res.spectrum("max")[0][64] == pytest.approx(20 * np.log10(0.999), abs=0.01)
    assert res.spectrum("min")[0][64] == pytest.approx(20 * np.log10(0.00999), abs=0.2)  # noise 35 dB below
    on = np.mean(t[(first + np.arange(count)) * cfg.hop + cfg.n_fft // 2] < 1.0)
    mean_ref = 10 * np.log10(on * 0.999**2 + (1 - on) * 0.00999**2)
    assert res.spectrum("mean")[0][64] == pytest.approx(mean_ref, abs=0.1)
    for stat in ("max", "min"):
        assert res.spectrum(stat)[1].freq_hz == pytest.approx(f0, abs=0.01 * cfg.delta_f_hz)
    assert res.spectrum("max")[1].level_dbfs == pytest.approx(20 * np.log10(0.999), abs=0.05)
    with pytest.raises(ValueError, match="statistic"):
        res.spectrum("median")
