"""How much memory a command may still allocate: the system's available memory and the process's limits.

Thread: any (reads /proc and resource limits; no state).

``specscope export`` holds the whole spectrogram in memory; it checks the
size against :func:`available_memory_bytes` before allocating, so that a
spectrogram that does not fit is refused with one line naming its size
instead of failing with a MemoryError (or the kernel's OOM killer) later.
"""

from __future__ import annotations

import os


def available_memory_bytes() -> int | None:
    """Bytes this process can still allocate, or None if unknown.

    The least of: the system's available memory (``MemAvailable`` in
    /proc/meminfo, else ``os.sysconf`` free pages) and the headroom under
    the soft address-space and data-segment limits (``ulimit -v``/``-d``,
    minus what the process already maps).
    """
    candidates = [n for n in (_system_available(), _limit_headroom()) if n is not None]
    return min(candidates) if candidates else None


def format_bytes(n: float) -> str:
    """``1.5 GiB``, ``740 MiB``: sizes for one-line messages."""
    if n >= 1 << 30:
        return f"{n / 2**30:.1f} GiB"
    return f"{n / 2**20:.0f} MiB"


def _system_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _limit_headroom() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    status = _proc_status_kib()
    headroom = None
    for limit, used_key in ((resource.RLIMIT_AS, "VmSize"), (getattr(resource, "RLIMIT_DATA", None), "VmData")):
        if limit is None:
            continue
        soft, _hard = resource.getrlimit(limit)
        if soft == resource.RLIM_INFINITY or soft < 0:
            continue
        used = status.get(used_key, 0) * 1024
        room = max(0, soft - used)
        headroom = room if headroom is None else min(headroom, room)
    return headroom


def _proc_status_kib() -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                parts = rest.split()
                if len(parts) == 2 and parts[1] == "kB":
                    out[key] = int(parts[0])
    except (OSError, ValueError):
        pass
    return out
