"""Raven measurements of boxes around known events: tones, a chirp, a flat noise burst in 5-8 kHz."""

import math

import numpy as np
import pytest

from specscope.dsp.config import StftConfig
from specscope.dsp.peaks import PeakAccumulator, estimate_peak_frames
from specscope.dsp.selection_measures import (
    COLUMNS,
    box_bins,
    box_frames,
    measure_samples,
    noise_power,
    slice_spectra,
)

FS_HZ = 48000
CFG = StftConfig(fs_hz=FS_HZ, n_fft=2048, hop=512, window="hann")
DF = CFG.delta_f_hz  # 23.4375 Hz
HOP_S = CFG.hop_s
TONE_HZ, TONE_S = 1234.5, (1.0, 2.0)
TONE2_HZ, TONE2_S = 3456.7, (2.5, 3.0)
CHIRP_HZ, CHIRP_S = (2000.0, 4000.0), (4.0, 5.0)
BAND_HZ, BAND_S = (5000.0, 8000.0), (6.0, 8.0)
NOISE_RMS = 1e-4


def band_noise(n, lo_hz, hi_hz, rng):
    """Noise with a flat spectrum exactly within [lo_hz, hi_hz]: equal magnitudes, random phases; rms 0.1.

    (Gaussian magnitudes would move the energy's quantiles by about a bin from one draw to the next:
    the half of 6000 exponential powers differs from half the sum by ~1 %, 27 Hz of 3 kHz.)
    """
    f = np.fft.rfftfreq(n, 1 / FS_HZ)
    spec = np.exp(2j * np.pi * rng.random(f.size))
    spec[(f < lo_hz) | (f > hi_hz)] = 0
    x = np.fft.irfft(spec, n)
    return 0.1 * x / x.std()


@pytest.fixture(scope="module")
def recording():
    rng = np.random.default_rng(15)
    n = 10 * FS_HZ
    t = np.arange(n) / FS_HZ
    x = NOISE_RMS * rng.standard_normal(n)
    on = (t >= TONE_S[0]) & (t < TONE_S[1])
    x[on] += 0.5 * np.sin(2 * np.pi * TONE_HZ * t[on] + 0.3)
    on = (t >= TONE2_S[0]) & (t < TONE2_S[1])
    x[on] += 0.25 * np.sin(2 * np.pi * TONE2_HZ * t[on])
    on = (t >= CHIRP_S[0]) & (t < CHIRP_S[1])
    tc = t[on] - CHIRP_S[0]
    rate = (CHIRP_HZ[1] - CHIRP_HZ[0]) / (CHIRP_S[1] - CHIRP_S[0])
    x[on] += 0.3 * np.sin(2 * np.pi * (CHIRP_HZ[0] * tc + 0.5 * rate * tc**2))
    i0, i1 = int(BAND_S[0] * FS_HZ), int(BAND_S[1] * FS_HZ)
    x[i0:i1] += band_noise(i1 - i0, *BAND_HZ, rng)
    return x.astype(np.float32)


def measure(x, begin_s, end_s, low_hz=None, high_hz=None, noise=None, cfg=CFG):
    """Read the box's frames as the command line does: only the slice under them."""
    first, n = box_frames(cfg, cfg.n_frames(len(x)), begin_s, end_s)
    samples = x[first * cfg.hop : first * cfg.hop + (n - 1) * cfg.hop + cfg.n_fft]
    return measure_samples(samples, cfg, first, begin_s, end_s, low_hz, high_hz, noise)


def reference_cells(x, begin_s, end_s, low_hz, high_hz):
    """float64 numpy recomputation of the box's cells: times, freqs and p = (2 |X| / sum w)^2."""
    n_fft, hop = CFG.n_fft, CFG.hop
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    n_frames = 1 + (len(x) - n_fft) // hop
    centres = (np.arange(n_frames) * hop + n_fft / 2) / FS_HZ
    rows = np.flatnonzero((centres >= begin_s) & (centres <= end_s))
    f = np.arange(n_fft // 2 + 1) * FS_HZ / n_fft
    cols = np.flatnonzero((f >= low_hz) & (f <= high_hz))
    frames = np.stack([x[i * hop : i * hop + n_fft].astype(np.float64) for i in rows])
    p = (2 * np.abs(np.fft.rfft(frames * w, axis=1)[:, cols]) / w.sum()) ** 2
    return centres[rows], f[cols], p


def test_peak_freq_of_tones_within_a_fifth_of_a_percent_of_a_bin(recording):
    m = measure(recording, *TONE_S, 1000.0, 1500.0)
    assert abs(m.peak_freq_hz - TONE_HZ) < 0.002 * DF
    m2 = measure(recording, *TONE2_S, 3000.0, 4000.0)
    assert abs(m2.peak_freq_hz - TONE2_HZ) < 0.002 * DF
    # The box's band decides: a box over both tones' times but only the weaker one's band finds it.
    both = measure(recording, 0.9, 3.1, 3000.0, 4000.0)
    assert abs(both.peak_freq_hz - TONE2_HZ) < 0.002 * DF
    assert 2.5 <= both.peak_time_s <= 3.0


def test_bounds_and_frames_within_one_hop(recording):
    m = measure(recording, *TONE_S, 1000.0, 1500.0)
    assert (m.begin_time_s, m.end_time_s, m.low_freq_hz, m.high_freq_hz) == (1.0, 2.0, 1000.0, 1500.0)
    assert m.delta_time_s == pytest.approx(1.0) and m.delta_freq_hz == pytest.approx(500.0)
    first, n = box_frames(CFG, CFG.n_frames(len(recording)), *TONE_S)
    t_first, t_last = CFG.frame_times_s(1, first)[0], CFG.frame_times_s(1, first + n - 1)[0]
    assert 0 <= t_first - TONE_S[0] < HOP_S and 0 <= TONE_S[1] - t_last < HOP_S
    assert m.n_frames == n and m.n_bins == box_bins(CFG, 1000.0, 1500.0)[1] == 22  # bins 43 .. 64
    # Where the tone's energy starts and stops, seen from a larger box.
    big = measure(recording, 0.5, 2.5, 1000.0, 1500.0)
    duration = TONE_S[1] - TONE_S[0]
    assert abs(big.time_5_s - (TONE_S[0] + 0.05 * duration)) < HOP_S
    assert abs(big.time_95_s - (TONE_S[0] + 0.95 * duration)) < HOP_S
    assert TONE_S[0] <= big.peak_time_s <= TONE_S[1]


def test_dur_90_of_a_constant_tone_inside_a_larger_box(recording):
    m = measure(recording, 0.5, 2.5, 1000.0, 1500.0)
    assert abs(m.dur_90_s - 0.9 * (TONE_S[1] - TONE_S[0])) < HOP_S
    time_only = measure(recording, 0.5, 2.4)  # no band: 0 Hz .. Nyquist, the tone still dominates
    assert abs(time_only.dur_90_s - 0.9) < HOP_S
    assert time_only.low_freq_hz == 0.0 and time_only.high_freq_hz == FS_HZ / 2


def test_flat_noise_band_quantiles(recording):
    m = measure(recording, *BAND_S, *BAND_HZ)
    lo, hi = BAND_HZ
    assert abs(m.freq_5_hz - (lo + 0.05 * (hi - lo))) < DF  # 5150 Hz
    assert abs(m.freq_95_hz - (lo + 0.95 * (hi - lo))) < DF  # 7850 Hz
    assert abs(m.center_freq_hz - 0.5 * (lo + hi)) < DF  # 6500 Hz
    # A box wider than the band measures the same energy points.
    wide = measure(recording, *BAND_S, 4000.0, 9000.0)
    assert abs(wide.freq_5_hz - 5150.0) < DF and abs(wide.freq_95_hz - 7850.0) < DF


def test_chirp_spreads_its_energy_evenly_over_its_sweep(recording):
    m = measure(recording, *CHIRP_S, 1500.0, 4500.0)
    assert abs(m.center_freq_hz - 3000.0) < 2 * DF
    assert abs(m.freq_5_hz - 2100.0) < 2 * DF and abs(m.freq_95_hz - 3900.0) < 2 * DF
    assert abs(m.dur_90_s - 0.9) < 2 * HOP_S


def test_powers_match_a_float64_recomputation(recording):
    box = (0.9, 2.1, 1000.0, 1500.0)
    m = measure(recording, *box)
    times, freqs, p = reference_cells(recording, *box)
    i, _ = np.unravel_index(np.argmax(p), p.shape)
    assert m.max_power_db == pytest.approx(10 * np.log10(p.max()), abs=0.01)
    assert m.peak_time_s == pytest.approx(times[i])
    assert m.avg_power_db == pytest.approx(10 * np.log10(p.mean()), abs=0.01)
    # A half-amplitude sine's cell reads -6.02 dB less the Hann window's scalloping at 0.67 bin.
    assert -6.02 - 1.5 < m.max_power_db <= -6.02 + 0.01
    # Center Freq from the reference cells' cumulative energy (brute force on a fine grid).
    e = p.sum(axis=0)
    fine = np.linspace(freqs[0] - DF / 2, freqs[-1] + DF / 2, 200001)
    edges = np.concatenate([[freqs[0] - DF / 2], freqs + DF / 2])
    density = e[np.clip(np.searchsorted(edges, fine[:-1], side="right") - 1, 0, len(e) - 1)] / DF
    cum = np.concatenate([[0], np.cumsum(density * np.diff(fine))])
    assert m.center_freq_hz == pytest.approx(np.interp(0.5 * cum[-1], cum, fine), abs=0.05)


def test_snr_against_a_noise_box(recording):
    quiet = (8.5, 9.5)
    first, n = box_frames(CFG, CFG.n_frames(len(recording)), *quiet)
    spectra = slice_spectra(recording[first * CFG.hop : first * CFG.hop + (n - 1) * CFG.hop + CFG.n_fft], CFG)
    noise = noise_power(spectra, CFG)
    m = measure(recording, *TONE_S, 1000.0, 1500.0, noise=noise)
    _, _, p = reference_cells(recording, *TONE_S, 1000.0, 1500.0)
    _, _, pn = reference_cells(recording, *quiet, 1000.0, 1500.0)
    assert m.snr_db == pytest.approx(10 * np.log10(p.mean() / pn.mean()), abs=0.05)
    assert m.snr_db > 50
    noise_only = measure(recording, 8.6, 9.4, 1000.0, 1500.0, noise=noise)
    assert abs(noise_only.snr_db) < 0.5  # noise against itself: about 0 dB
    assert measure(recording, *TONE_S, 1000.0, 1500.0).snr_db is None


def test_silence_reads_the_floor_and_no_frequencies():
    x = np.zeros(FS_HZ, dtype=np.float32)
    m = measure(x, 0.1, 0.9, 100.0, 2000.0)
    assert m.max_power_db == m.avg_power_db == -200.0
    assert all(math.isnan(v) for v in (m.peak_freq_hz, m.center_freq_hz, m.freq_5_hz, m.dur_90_s))


def test_a_box_narrower_than_a_bin_and_a_frame_still_measures_the_nearest(recording):
    m = measure(recording, 1.5, 1.5001, 1234.0, 1235.0)
    assert m.n_frames == 1 and m.n_bins == 1
    assert abs(m.peak_freq_hz - TONE_HZ) < 0.002 * DF


def test_columns_are_the_raven_names(recording):
    cols = measure(recording, *TONE_S, 1000.0, 1500.0).as_columns()
    assert tuple(cols) == COLUMNS
    assert cols["Begin Time (s)"] == 1.0 and cols["Peak Freq (Hz)"] == pytest.approx(TONE_HZ, abs=0.05)
    assert "Freq 5% (Hz)" in cols and "Dur 90% (s)" in cols and cols["SNR (dB)"] is None


def test_estimate_peak_frames_is_the_accumulators_joint_fit(recording):
    first, n = box_frames(CFG, CFG.n_frames(len(recording)), 1.1, 1.9)  # frames wholly inside the tone
    spectra = slice_spectra(recording[first * CFG.hop : first * CFG.hop + (n - 1) * CFG.hop + CFG.n_fft], CFG)
    acc = PeakAccumulator(CFG, n, max_fit_frames=n)
    acc.add(spectra)
    expected = acc.peaks(1)[0]
    got = estimate_peak_frames(spectra, CFG, k0=int(TONE_HZ / DF))  # not the maximum bin: climbs to it
    assert got.freq_hz == pytest.approx(expected.freq_hz, abs=1e-6)
    assert got.level_dbfs == pytest.approx(expected.level_dbfs, abs=1e-4)
    assert got.level_dbfs == pytest.approx(20 * np.log10(0.5), abs=0.05)
    with pytest.raises(ValueError, match="k0 must be a bin index"):
        estimate_peak_frames(spectra, CFG, k0=CFG.n_freqs)
    with pytest.raises(ValueError, match="spectra must have shape"):
        estimate_peak_frames(spectra[0], CFG)
