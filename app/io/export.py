"""Writing spectrogram data to NPZ and CSV, the one format the command line
(`specscope export`) and the GUI's export both use.

Thread: the caller's (the CLI's main thread, or a GUI export job's thread).

NPZ keys: ``db`` (float32, n_freqs x n_frames, dBFS), ``freqs_hz``,
``times_s``, ``fs_hz``, ``n_fft``, ``hop``, ``window``, ``zero_pad``.
CSV: one row per frame; the first column ``time_s``, then one column per bin
headed by its centre frequency in Hz.

Output safety
-------------
The data goes to a hidden temporary file in the output's folder
(``.NAME.XXXXXXXX.part``), which is renamed over the output only once it is
complete: an interrupt (Ctrl-C) or a write error (disk full, file-size limit)
leaves the previous output, if any, untouched and no temporary file behind.
:func:`check_export_path` refuses an output that is one of the inputs (by
:func:`os.path.samefile`, so through symlinks and other spellings too) and,
unless asked to overwrite, one that exists.  An output that is a symlink is
replaced by the new file (the link's target is left alone).  The suffix is
matched without regard to case (``out.NPZ`` is written as ``out.NPZ``).
The temporary file is not fsynced: the rename protects against interrupts
and write errors, not against a power cut.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from specscope.dsp.config import StftConfig

EXPORT_SUFFIXES = (".npz", ".csv")
TEMP_SUFFIX = ".part"


class ExportPathError(ValueError):
    """An output path that cannot be used; the one-line message names it."""


def check_export_path(
    path: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    overwrite: bool = True,
) -> Path:
    """Return `path` as a Path if it can be written as an export.

    Parameters
    ----------
    path : str or PathLike
        Must end in .npz or .csv (any case) in an existing folder.
    inputs : iterable of str or PathLike
        Files the output must not be (the analysed audio file).
    overwrite : bool
        Whether an existing output may be replaced.

    Raises
    ------
    ExportPathError
        With a one-line message naming the path and the problem.
    """
    out = Path(path)
    if out.suffix.lower() not in EXPORT_SUFFIXES:
        raise ExportPathError(f"{out}: output must end in .npz or .csv")
    if not out.parent.exists() and str(out.parent) != "":
        raise ExportPathError(f"{out}: folder {out.parent} does not exist")
    if out.is_dir():
        raise ExportPathError(f"{out}: is a directory")
    if out.exists():
        for source in inputs:
            try:
                same = os.path.samefile(out, source)
            except OSError:
                same = False
            if same:
                raise ExportPathError(f"{out}: is the input file {source}; choose another output")
        if not overwrite:
            raise ExportPathError(f"{out}: already exists; use --force to overwrite it")
    return out


def write_spectrogram(
    path: str | os.PathLike[str],
    db: np.ndarray,
    times_s: np.ndarray,
    cfg: StftConfig,
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write a spectrogram to NPZ or CSV, chosen by the file's suffix, atomically.

    Parameters
    ----------
    path : str or PathLike
        Ends in ``.npz`` or ``.csv`` (any case); replaced if it exists.
    db : numpy.ndarray
        dBFS, shape (cfg.n_freqs, n_frames).
    times_s : numpy.ndarray
        Centre time of each frame in seconds, shape (n_frames,).
    cfg : StftConfig
        The settings the data was computed with; gives ``freqs_hz``.
    inputs : iterable of str or PathLike
        Files `path` must not be (see :func:`check_export_path`).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ExportPathError
        For an unusable path.
    ValueError
        If `db` and `times_s` do not match `cfg`.
    OSError
        If writing fails; nothing is left behind.
    """
    out = check_export_path(path, inputs=inputs)
    if db.shape != (cfg.n_freqs, times_s.shape[0]):
        raise ValueError(f"db has shape {db.shape}, expected ({cfg.n_freqs}, {times_s.shape[0]})")
    tmp, fd = _create_temp(out)
    try:
        with os.fdopen(fd, "wb") as fh:
            if out.suffix.lower() == ".npz":
                np.savez(
                    fh,
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
                _write_csv(fh, db, times_s, cfg)
        os.replace(tmp, out)
    except BaseException:
        _remove(tmp)
        raise
    return out


def _create_temp(out: Path) -> tuple[Path, int]:
    """A new file beside `out`, created exclusively with the usual permissions (0666 less the umask)."""
    while True:
        tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _write_csv(fh, db: np.ndarray, times_s: np.ndarray, cfg: StftConfig) -> None:
    header = "time_s," + ",".join(f"{f:.6g}" for f in cfg.freqs_hz)
    rows_per_chunk = max(1, 2_000_000 // max(1, cfg.n_freqs))
    fh.write((header + "\n").encode())
    for i0 in range(0, times_s.shape[0], rows_per_chunk):
        i1 = min(i0 + rows_per_chunk, times_s.shape[0])
        block = np.column_stack([times_s[i0:i1], db[:, i0:i1].T])
        np.savetxt(fh, block, delimiter=",", fmt="%.6g")
