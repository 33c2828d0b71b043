"""Sub-bin spectral peaks: the frequency and level of stationary tones, corrected
for the window's scalloping, from the complex spectrum of one frame or many.

Thread: any (the live path calls :func:`estimate_peak` in the DSP worker).  The
functions keep no state between calls except a memo of window models
(:func:`window_model`, an ``lru_cache`` of 4, each with its own bounded memo of
whitening matrices; both only ever add entries computed from immutable inputs);
a :class:`PeakAccumulator` belongs to one thread.

This module is the public face of three that each do one thing, and
re-exports their public names:

* :mod:`specscope.dsp.peak_model`: the window's transform ``W(nu)`` and the
  whitening of its bins (:class:`WindowModel`, :func:`window_model`);
* :mod:`specscope.dsp.peak_fit`: the sub-bin fit of one tone (:class:`Peak`,
  :func:`estimate_peak`, :func:`estimate_peak_frames`);
* :mod:`specscope.dsp.peak_search`: several tones, strongest first
  (:func:`find_peaks`, :class:`PeakAccumulator`);

and :mod:`specscope.dsp.peak_fit_batch` runs the many-frame fit of many boxes
together (a selection table's Peak Freq).

Method
------
A real tone ``x[n] = A cos(2 pi f n / fs + phi)`` is ``a e^{j w n} + conj(a) e^{-j w n}``
with ``a = (A / 2) e^{j phi}``.  Its windowed, zero-padded FFT is exactly::

    X[k] = a W(k - kappa) + conj(a) W(k + kappa)

where ``W(nu) = sum_n w[n] exp(-j 2 pi nu n / M)`` is the window's transform at
``nu`` bins (``M = n_fft * zero_pad``) and ``kappa = f / delta_f`` is the tone's
fractional bin.  The second term, the tone's mirror at ``-f``, matters near DC
and (as W is M-periodic) near Nyquist.  For a fixed kappa the model is linear in
``(Re a, Im a)``: a two-parameter real least-squares fit to the complex bins of
the main lobe around the peak, one per bin of fs/n_fft (``k0 + zero_pad * j``),
whitened with the exact covariance of windowed white noise so that it is the
maximum-likelihood fit (this is what keeps tones 0.3 bins from DC within
target: there a bin's real and imaginary parts are correlated through the
mirror).  The fitted energy is maximised over kappa on a grid: for one frame away
from DC and Nyquist (the live case) a grid of 1/64 bin around the
log-parabola estimate and the maximum of the quartic through its best five
points (one evaluation of the model in all, on a grid sized at start-up from the
window's log-parabola bias; bias below 2e-6 bins); otherwise
a coarse then a fine grid, a parabola, and a second parabola through three
points 5e-4 bins apart.  The level is
``20 log10(2 |a|)`` dBFS, so a full-scale sine reads 0 dBFS with every window,
as in :mod:`specscope.dsp.config`.

``W`` has a closed form for the cosine-sum windows (a sum of shifted Dirichlet
kernels); for Kaiser and Gaussian it is interpolated (cubic Lagrange, 16 points
per bin) from one zero-padded FFT of the window.

Nothing here relies on a second frame: one frame is enough.  Several tones are
handled one after the other, strongest first, each fitted after subtracting the
fitted models of the stronger ones ("CLEAN"), so the side lobes of a strong tone
are not reported as peaks and do not bias the fit of a weaker neighbour.
"""


from .peak_fit import Peak, estimate_peak, estimate_peak_frames
from .peak_model import LEAKAGE_FLOOR_DB, TABLE_POINTS_PER_BIN, WindowModel, window_model
from .peak_search import FIT_STORE_BUDGET_BYTES, SUBTRACT_WORK_ELEMENTS, PeakAccumulator, find_peaks

__all__ = [
    "FIT_STORE_BUDGET_BYTES",
    "LEAKAGE_FLOOR_DB",
    "SUBTRACT_WORK_ELEMENTS",
    "TABLE_POINTS_PER_BIN",
    "Peak",
    "PeakAccumulator",
    "WindowModel",
    "estimate_peak",
    "estimate_peak_frames",
    "find_peaks",
    "window_model",
]
