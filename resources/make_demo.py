"""Make resources/demo.wav, the demo recording specscope opens when a machine
has no input device.

Thread: main (a script).

Eight seconds at 44.1 kHz, 16-bit mono (about 700 kB): a 440 Hz tone with
its octave, a 100 Hz tone (the bin-reading example of the README), a
logarithmic sweep 200 Hz -> 12 kHz, a burst of white noise, and a 1 kHz /
1.05 kHz pair that shows the resolution of the FFT size.  Deterministic:
the same bytes every run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile as sf

FS_HZ = 44100
DURATION_S = 8.0


def make_demo(fs_hz: int = FS_HZ, duration_s: float = DURATION_S) -> np.ndarray:
    """Return the demo signal, float64 in [-1, 1]."""
    n = int(fs_hz * duration_s)
    t_s = np.arange(n) / fs_hz
    x = np.zeros(n)

    def gate(t0_s: float, t1_s: float) -> np.ndarray:
        # Raised-cosine edges of 20 ms keep the spectrogram free of clicks.
        ramp_s = 0.02
        up = np.clip((t_s - t0_s) / ramp_s, 0, 1)
        down = np.clip((t1_s - t_s) / ramp_s, 0, 1)
        return 0.5 - 0.5 * np.cos(np.pi * np.minimum(up, down))

    x += 0.25 * np.sin(2 * np.pi * 440 * t_s) * gate(0.0, 3.0)
    x += 0.08 * np.sin(2 * np.pi * 880 * t_s) * gate(0.0, 3.0)
    x += 0.2 * np.sin(2 * np.pi * 100 * t_s) * gate(0.5, 8.0)
    sweep_t0_s, sweep_t1_s, f0_hz, f1_hz = 3.0, 6.0, 200.0, 12000.0
    k = np.log(f1_hz / f0_hz) / (sweep_t1_s - sweep_t0_s)
    tau = np.clip(t_s - sweep_t0_s, 0, sweep_t1_s - sweep_t0_s)
    x += 0.25 * np.sin(2 * np.pi * f0_hz * (np.exp(k * tau) - 1) / k) * gate(sweep_t0_s, sweep_t1_s)
    rng = np.random.default_rng(20261128)
    x += 0.05 * rng.standard_normal(n) * gate(6.0, 6.8)
    x += 0.15 * (np.sin(2 * np.pi * 1000 * t_s) + np.sin(2 * np.pi * 1050 * t_s)) * gate(6.5, 8.0)
    return x


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("demo.wav")
    sf.write(out, make_demo(), FS_HZ, subtype="PCM_16")
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
