"""How specscope's own processes set up the BLAS and the memory allocator.

Thread: the main thread, before the work starts (the ``specscope`` command,
and each Dask worker on its first task).

* **BLAS threads.**  specscope runs its measures on threads of its own (the
  levels summary filters, measures the true peak and reads the file side by
  side) and its batch on one Dask worker per core.  A BLAS that also starts a
  thread per core for every matrix product makes them compete for the same
  cores: ``specscope levels`` used 2.4 s of CPU instead of 1.2 s for the same
  result.  :func:`single_threaded_blas` asks for one BLAS thread; it must run
  before NumPy is first imported (the variables are read when the library
  loads), so ``specscope.app.cli`` calls it first.  A value the user set wins.
* **Freed memory.**  glibc returns freed memory to the system when more than
  a threshold is free at the top of the heap, and its threshold adapts only to
  large blocks; the streaming commands free a few MB per block, so each block's
  temporaries came back as fresh pages (240 000 page faults, 0.45 s of system
  time for ``specscope levels`` on a 10-minute stereo file).  Dask's nanny also
  starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``.  :func:`keep_freed_memory`
  lets the process keep up to 512 MiB of freed heap for its next blocks and
  maps only blocks of 32 MiB and more apart.  Peak memory is unchanged: what is
  kept is what the process already used.  Only glibc has ``mallopt``; elsewhere
  nothing is done.
"""

from __future__ import annotations

import ctypes
import os

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""glibc's ``mallopt`` parameters (malloc.h)."""
KEEP_FREED_BYTES, MMAP_FROM_BYTES = 512 << 20, 32 << 20
"""Freed heap the process keeps (512 MiB) and the size from which blocks are mapped apart (32 MiB, glibc's ceiling)."""
_kept = False


def single_threaded_blas() -> None:
    """One BLAS thread, unless the environment already says how many (call before importing NumPy)."""
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def keep_freed_memory() -> None:
    """Once per process: let glibc keep freed memory for the next blocks (see the module docstring)."""
    global _kept
    if _kept:
        return
    _kept = True
    try:
        libc = ctypes.CDLL(None)  # the process's own symbols: glibc's on Linux
        libc.mallopt(M_TRIM_THRESHOLD, KEEP_FREED_BYTES)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_FROM_BYTES)
    except (OSError, AttributeError, TypeError):  # not glibc (macOS, Windows, musl without mallopt)
        pass
