"""IIR filtering of long blocks as matrix products: :func:`scipy.signal.sosfilt`'s
result, to float32 rounding, in a little more than half its time.

Thread: any, one filter per thread.  :class:`BlockSosFilter` runs where the
samples are read (a file-analysis job, ``specscope levels``); it keeps its
state between calls and allocates in proportion to the block.

Why
---
``sosfilt`` runs each channel's recurrence one sample at a time, and every
sample waits for the previous one (about 1.7 ns per sample, channel and
section in float32 here): K-weighting and A-weighting were most of the cost of
``specscope levels``.  A linear recurrence can be cut into chunks whose
outputs come from matrix products, which the BLAS runs many samples at a time.

Method
------
The cascade of sections in sosfilt's direct form II transposed is one
state-space system ``s[t+1] = A s[t] + B x[t]``, ``y[t] = C s[t] + D x[t]``
whose state vector is sosfilt's ``zi`` (two values per section, in order), so
both paths hand each other their state exactly.  For chunks of M samples
(``CHUNK``) with state s at their start::

    y = T x + O s          T[i, k] = h[i - k] (the impulse response), O[i] = C A^i
    s_next = P s + G x     P = A^M, G[:, k] = A^(M-1-k) B

One float32 product ``X @ [T^T | G^T]`` (X: one chunk per row) gives every
chunk's zero-state output and its state increment ``u = G x``.  The states
at the chunk starts follow from the increments by the recurrence
``s_{j+1} = P s_j + u_j``: within a group of L chunks (``GROUP``) as one
float64 product with the block-triangular matrix of powers of P, and from
group to group by a doubling scan (log2 of the number of groups products).
Last, ``y += O s`` for every chunk.  The samples after the last whole group
(fewer than M L) go through ``sosfilt`` (float64) from the carried state.

Cost per sample and channel: M + n multiply-adds in float32 for the first
product (n = 2 sections), about (L + 1) n^2 / M in float64 for the states within
a group and n in float32 for their term.  ``benchmarks/bench_block_sos.py``
(blocks of 2 x 131072 samples, M = 64, L = 16): A-weighting 1.64-1.87x and
K-weighting 1.67-1.84x as fast as ``sosfilt`` in float32.

Accuracy, against float64 ``sosfilt`` (tests/dsp/test_block_sos.py): the
largest sample error is 4e-6 to 6e-5 of the output's RMS for noise and tones
at 48 kHz (``sosfilt`` in float32: 6e-4 to 7e-4), and the output's energy is
within 2e-6 dB; the hardest case, a DC offset 34 dB above the output, stays
within 1.3e-3 of the RMS and 2e-4 dB (``sosfilt`` in float32: 8e-2 and
1.4e-2 dB).  The states are carried in float64.  Coefficients below 1e-30
are set to zero in the float32 matrix: subnormal numbers make the BLAS three
times slower, and they cannot change a float32 result.
"""

from __future__ import annotations

import numpy as np

CHUNK = 64
"""Samples per chunk (M): the first product's width."""
GROUP = 16
"""Chunks per group (L): the states within a group come from one product."""
TINY = 1e-30
"""Coefficients below this are zero in the float32 matrix (see the module docstring)."""


def cascade_state_space(sos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The state-space form (A, B, C, D) of a cascade of sections, with sosfilt's state.

    Each section in direct form II transposed, with its input u and output
    ``y = b0 u + z1``, updates ``z1 <- b1 u - a1 y + z2`` and ``z2 <- b2 u - a2 y``;
    section i's input is section i-1's output.  The state vector is
    ``[z1_0, z2_0, z1_1, z2_1, ...]``: ``zi[i, c, :]`` of :func:`scipy.signal.sosfilt`.

    Parameters
    ----------
    sos : numpy.ndarray
        Shape (n_sections, 6), rows ``[b0, b1, b2, a0, a1, a2]``.

    Returns
    -------
    A : numpy.ndarray
        (2 n_sections, 2 n_sections).
    B, C : numpy.ndarray
        (2 n_sections,).
    D : float
    """
    sos = np.asarray(sos, dtype=np.float64)
    n = 2 * sos.shape[0]
    a_mat, b_vec = np.zeros((n, n)), np.zeros(n)
    c_in, d_in = np.zeros(n), 1.0  # the section's input as C s + D x
    for i, (b0, b1, b2, a0, a1, a2) in enumerate(sos):
        b0, b1, b2, a1, a2 = b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0
        j = 2 * i
        c_out = b0 * c_in
        c_out[j] += 1.0
        d_out = b0 * d_in
        a_mat[j] = b1 * c_in - a1 * c_out
        a_mat[j, j + 1] += 1.0
        b_vec[j] = b1 * d_in - a1 * d_out
        a_mat[j + 1] = b2 * c_in - a2 * c_out
        b_vec[j + 1] = b2 * d_in - a2 * d_out
        c_in, d_in = c_out, d_out
    return a_mat, b_vec, c_in, float(d_in)


class BlockSosFilter:
    """A cascade of second-order sections applied to channel-major blocks, state kept between calls.

    Parameters
    ----------
    sos : numpy.ndarray
        Shape (n_sections, 6), as for :func:`scipy.signal.sosfilt`; a stable filter.
    n_channels : int
        Rows of every block, >= 1.
    chunk, group : int
        Samples per chunk (M) and chunks per group (L); the defaults were fastest here.

    Notes
    -----
    Feeding a signal in any partition gives the output of one call to float32
    rounding (the chunk grid starts anew in each call).  Blocks shorter than
    one group (``chunk * group`` samples) go through ``sosfilt`` alone.
    """

    def __init__(self, sos: np.ndarray, n_channels: int, chunk: int = CHUNK, group: int = GROUP) -> None:
        sos = np.asarray(sos, dtype=np.float64)
        if sos.ndim != 2 or sos.shape[1] != 6 or sos.shape[0] < 1 or not np.all(np.isfinite(sos)):
            raise ValueError(f"sos must be a finite array of shape (n_sections, 6), got shape {sos.shape}")
        if isinstance(n_channels, bool) or not isinstance(n_channels, (int, np.integer)) or n_channels < 1:
            raise ValueError(f"n_channels must be an integer >= 1, got {n_channels!r}")
        import scipy.signal  # deferred: slow import

        self._sosfilt = scipy.signal.sosfilt
        self.sos = sos
        self.n_channels = int(n_channels)
        a_mat, b_vec, c_vec, d = cascade_state_space(sos)
        self.n_states = n = a_mat.shape[0]
        for name, value in (("chunk", chunk), ("group", group)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value <= 4096:
                raise ValueError(f"{name} must be an integer from 1 to 4096, got {value!r}")
        self.chunk, self.group = m, g = int(chunk), int(group)
        powers = [np.eye(n)]
        for _ in range(m):
            powers.append(a_mat @ powers[-1])
        h = np.array([d] + [c_vec @ powers[i] @ b_vec for i in range(m - 1)])
        toeplitz = np.zeros((m, m))
        for i in range(m):
            toeplitz[i, : i + 1] = h[i::-1]
        gain = np.array([powers[m - 1 - k] @ b_vec for k in range(m)]).T  # (n, M)
        width = -(-(m + n) // 8) * 8  # a multiple of 8 columns: the BLAS's fast kernels
        first = np.zeros((m, width))
        first[:, :m] = toeplitz.T
        first[:, m : m + n] = gain.T
        first[np.abs(first) < TINY] = 0.0
        self._first = first.astype(np.float32)
        """``X @ _first``: each chunk's zero-state output (columns :M) and state increment (M:M+n)."""
        self._observe = np.array([c_vec @ powers[i] for i in range(m)]).T.astype(np.float32)  # (n, M)
        p = powers[m]
        p_pow = [np.eye(n)]
        for _ in range(g):
            p_pow.append(p @ p_pow[-1])
        # Chunk i's start state within a group: sum_{l<i} P^(i-1-l) u_l + P^i s_group.
        within = np.zeros(((g + 1) * n, g * n))
        for i in range(g):
            for k in range(i):
                within[k * n : (k + 1) * n, i * n : (i + 1) * n] = p_pow[i - 1 - k].T
            within[g * n :, i * n : (i + 1) * n] = p_pow[i].T
        self._within = within
        self._group_end = np.concatenate([p_pow[g - 1 - k].T for k in range(g)], axis=0)  # (L n, n)
        self._group_step = p_pow[g]
        self.reset()

    def reset(self) -> None:
        """Zero the state."""
        self._state = np.zeros((self.n_channels, self.n_states))

    @property
    def zi(self) -> np.ndarray:
        """The state as :func:`scipy.signal.sosfilt`'s ``zi``: shape (n_sections, n_channels, 2), float64."""
        return self._state.reshape(self.n_channels, -1, 2).transpose(1, 0, 2).copy()

    def filter(self, x: np.ndarray) -> np.ndarray:
        """Filter the next block.

        Parameters
        ----------
        x : numpy.ndarray
            Shape (n_channels, n), float32, each row contiguous; not kept.

        Returns
        -------
        numpy.ndarray
            float32 of shape (n_channels, n), a new array.
        """
        c, n_samples = x.shape
        if c != self.n_channels:
            raise ValueError(f"x must have {self.n_channels} rows, got {c}")
        m, g, n = self.chunk, self.group, self.n_states
        n_groups = n_samples // (m * g)
        done = n_groups * m * g
        y = np.empty((c, n_samples), np.float32)
        if n_groups:
            chunks = x[:, :done].reshape(c, n_groups * g, m)
            first = np.matmul(chunks, self._first)  # (c, chunks, width)
            u = first[:, :, m : m + n].reshape(c * n_groups, g * n).astype(np.float64)
            starts = np.empty((c, n_groups + 1, n))
            starts[:, 0] = self._state
            starts[:, 1:] = (u @ self._group_end).reshape(c, n_groups, n)
            step, d = self._group_step, 1
            while d <= n_groups:  # doubling scan: starts[j] = sum_{i<=j} P_L^(j-i) starts[i]
                starts[:, d:] += starts[:, :-d] @ step.T
                step, d = step @ step, 2 * d
            self._state = starts[:, -1].copy()
            both = np.concatenate([u, starts[:, :-1].reshape(c * n_groups, n)], axis=1)
            chunk_states = (both @ self._within).astype(np.float32).reshape(c, n_groups * g, n)
            np.add(first[:, :, :m], chunk_states @ self._observe, out=y[:, :done].reshape(c, n_groups * g, m))
        if done < n_samples:
            tail, zi = self._sosfilt(self.sos, x[:, done:].astype(np.float64), axis=-1, zi=self.zi)
            y[:, done:] = tail
            self._state = zi.transpose(1, 0, 2).reshape(c, n)
        return y


__all__ = ["CHUNK", "GROUP", "BlockSosFilter", "cascade_state_space"]
