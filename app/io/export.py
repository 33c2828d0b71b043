"""Writing spectrogram data to NPZ and CSV, the one format the command line
(`specscope export`) and the GUI's export both use.

Thread: the caller's (the CLI's main thread, or the GUI thread for small
views).

NPZ keys: ``db`` (float32, n_freqs x n_frames, dBFS), ``freqs_hz``,
``times_s``, ``fs_hz``, ``n_fft``, ``hop``, ``window``, ``zero_pad``.
CSV: one row per frame; the first column ``time_s``, then one column per bin
headed by its centre frequency in Hz.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from specscope.dsp.config import StftConfig

EXPORT_SUFFIXES = (".npz", ".csv")


def check_export_path(path: str | os.PathLike[str]) -> Path:
    """Return `path` as a Path if its suffix is .npz or .csv and its folder exists.

    Raises
    ------
    ValueError
        With a one-line message naming the path and the problem.
    """
    out = Path(path)
    if out.suffix.lower() not in EXPORT_SUFFIXES:
        raise ValueError(f"{out}: output must end in .npz or .csv")
    if not out.parent.exists() and str(out.parent) != "":
        raise ValueError(f"{out}: folder {out.parent} does not exist")
    if out.is_dir():
        raise ValueError(f"{out}: is a directory")
    return out


def write_spectrogram(path: str | os.PathLike[str], db: np.ndarray, times_s: np.ndarray, cfg: StftConfig) -> Path:
    """Write a spectrogram to NPZ or CSV, chosen by the file's suffix.

    Parameters
    ----------
    path : str or PathLike
        Ends in ``.npz`` or ``.csv``.
    db : numpy.ndarray
        dBFS, shape (cfg.n_freqs, n_frames).
    times_s : numpy.ndarray
        Centre time of each frame in seconds, shape (n_frames,).
    cfg : StftConfig
        The settings the data was computed with; gives ``freqs_hz``.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    out = check_export_path(path)
    if db.shape != (cfg.n_freqs, times_s.shape[0]):
        raise ValueError(f"db has shape {db.shape}, expected ({cfg.n_freqs}, {times_s.shape[0]})")
    if out.suffix.lower() == ".npz":
        np.savez(
            out,
            db=np.asarray(db, dtype=np.float32),
            freqs_hz=cfg.freqs_hz,
            times_s=np.asarray(times_s, dtype=np.float64),
            fs_hz=cfg.fs_hz,
            n_fft=cfg.n_fft,
            hop=cfg.hop,
            window=cfg.window,
            zero_pad=cfg.zero_pad,
        )
    else:
        _write_csv(out, db, times_s, cfg)
    return out


def _write_csv(out: Path, db: np.ndarray, times_s: np.ndarray, cfg: StftConfig) -> None:
    header = "time_s," + ",".join(f"{f:.6g}" for f in cfg.freqs_hz)
    rows_per_chunk = max(1, 2_000_000 // max(1, cfg.n_freqs))
    with open(out, "w", newline="") as fh:
        fh.write(header + "\n")
        for i0 in range(0, times_s.shape[0], rows_per_chunk):
            i1 = min(i0 + rows_per_chunk, times_s.shape[0])
            block = np.column_stack([times_s[i0:i1], db[:, i0:i1].T])
            np.savetxt(fh, block, delimiter=",", fmt="%.6g")
