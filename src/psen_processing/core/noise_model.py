"""Edge finding against a noise model learned from reference shots (pure numpy, no state).

The quantity searched is the ratio ``x = log(signal / (alpha * reference))`` of a shot's
profile to the running reference (``alpha`` normalises the intensity). Without an edge ``x``
fluctuates as the reference shots show; the model of that fluctuation is

    Sigma = diag(d) + B P B^T

``d`` the per-pixel photon and read noise (``a / reference + b / reference**2``, fitted),
``B`` a basis of smooth modulations (cosines down to ``min_period`` pixels), of the leading
principal components of what is left (fringes and ripple whose phase and amplitude change
from shot to shot) and of fine modulations (cosines from ``min_period`` down to
``fine_period``), ``P`` the covariance of their coefficients (:func:`_smooth_prior`: for
the smooth cosines a full matrix, cross-validated over blocks of reference shots, since the
smooth variation of a real spectrum is neither stationary nor of one variance per cosine; for
the components their variance; for the fine cosines the variance each shows once the
components are taken out, where it is significant: :func:`_fine_variance`). An edge of width
``w`` at pixel ``p`` is the template ``t_p(i) = H_w(i - p)`` (``H_w`` an error-function step);
its generalised-least-squares signal-to-noise ratio is

    z_w(p) = t_p^T Sigma^-1 x / sqrt(t_p^T Sigma^-1 t_p)

and the edge is the ``(w, p)`` of the largest ``z``. ``Sigma^-1`` is applied by Woodbury's
identity; the numerators of every ``p`` and ``w`` are one FFT correlation of the reverse
cumulative sum of ``Sigma^-1 x`` with the widths' step derivatives, and the denominators,
which depend only on the model, are computed once per model the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_WIDTHS",
    "GlsEdge",
    "ModelParams",
    "NoiseModel",
    "brightness",
    "edge_numerators",
    "find_gls_edge",
    "learn_noise_model",
    "ratio_and_brightness",
    "reference_ratio",
    "relative_light",
    "step_kernels",
    "usable_pixels",
]

F64 = npt.NDArray[np.float64]

DEFAULT_WIDTHS = (2.0, 3.0, 5.0, 7.0, 10.0, 14.0, 20.0, 28.0, 40.0)
"""10-90 % widths (px) of the bank of edge templates."""

_SIGMAS_PER_10_90 = 2.0 * math.sqrt(2.0) * 0.9061938024368232
"""The 10-90 % width of a normal CDF in units of its sigma (2.563)."""

_LOG_FLOOR = 0.05
"""Ratios below this are taken as this before the logarithm (dead or saturated pixels)."""

_SHIFTS_PER_PX = 10
"""Steps of the fine search per pixel (0.1 px; the maximum between them by a parabola)."""

_SPIKE_SIGMAS = 6.0
"""A pixel this many noise sigmas away from the median of it and its neighbours is a spike."""

_PRIOR_FLOOR = 0.1
"""A modulation's variance is taken as at least this fraction of the noise along it."""

_FREE_VARIANCE = 100.0
"""Prior variance of the constant and the linear modulation: as good as unconstrained."""

_FOLDS = 8
"""Blocks of consecutive reference ratios over which the smooth prior is cross-validated."""

_FINE_SIGNIFICANCE = 3.0
"""A fine cosine's variance beyond the pixel noise counts where it is this many standard errors
of its estimate above 0 (else it is taken as :data:`_FINE_FLOOR` of the noise along it): most
fine cosines show nothing, and each one given a chance excess would discount every edge a
little."""

_FINE_RATIOS = 64
"""Reference ratios from which on the fine cosines are in the model: one variance per cosine,
estimated from fewer ratios, holds a coherent structure (a ripple that moves with the
spectrum) as spread over the whole profile, and early models placed edges on it."""

_FINE_FLOOR = 0.01
"""A fine cosine's variance where it shows nothing, in units of the noise along it."""

_FULL_PRIOR_RATIOS = _FOLDS
"""Reference ratios from which on the smooth prior is a full matrix (:func:`_smooth_prior`:
one ratio per block at least); with fewer, one variance per cosine. The cross-validation keeps
a prior from few ratios from being overconfident, and a variation localised in one place (a
spectrum's steep side, a laser leak beside it) is held there from the first models on: with
the diagonal up to 64 ratios, a third of cliff_spectrum_fine_modulation's first 100 X-ray
shots were off by more than 10 px at 10 % depth, with the full prior from 8 ratios a tenth."""


@dataclass(frozen=True, slots=True)
class StepKernels:
    """The widths' step derivatives, padded to one length, and their spectra."""

    widths: tuple[float, ...]
    half: int
    """Half-length of the longest kernel: every kernel has ``2 * half + 1`` taps."""
    phi: F64
    """Per width (rows): the step's derivative; sums to 1. ``H_w(e) = sum(phi[:half + e + 1])``."""
    phi_square: F64
    """Per width: the derivative of the squared step (for the denominators' diagonal term)."""
    steps: F64
    """Per width: the step, ``cumsum(phi)``."""
    taps: npt.NDArray[np.intp]
    """``0, 1, ..., 2 * half``."""
    shifts: F64
    """Sub-pixel shifts (px) at which the steps are also tabulated, for the fine search."""
    shifted: F64
    """Per width and shift: the step itself, ``H_w(e - shift)`` for ``e = -half..half``."""
    support: tuple[tuple[int, int], ...]
    """Per width: the taps ``[first, stop)`` of ``shifted`` that are neither 0 nor 1 at some
    shift (0 before them, 1 after them, at every shift)."""


@dataclass(frozen=True, slots=True)
class ModelParams:
    """How the noise model is learned and the edge searched."""

    widths: tuple[float, ...] = DEFAULT_WIDTHS
    min_period: float = 100.0
    """Shortest period (px) of the smooth modulations in the model's basis."""
    max_smooth: int = 64
    """Cosines of the smooth basis at most (up to 3,200 px of usable span: all down to
    ``min_period``): bounds a model's size on a wide ROI."""
    fine_period: float = 50.0
    """Shortest period (px) of the fine modulations: the cosines between this and ``min_period``,
    each given the variance the reference ratios show along it once the principal components
    are taken out (a spectrum whose shape changes on 50-150 px scales at random places on
    every shot, which no few components hold)."""
    max_fine: int = 64
    """Fine cosines at most (bounds a model's size on a wide ROI)."""
    components: int = 24
    """Principal components of the reference ratios kept (beyond the smooth basis; at most a
    quarter of the ratios' count). A spectrum whose fringes, lines and edges all move shows more
    than a dozen shapes of variation, and one left out passes for an edge."""
    usable_fraction: float = 0.03
    """Pixels where the reference is below this fraction of its peak are left out."""
    margin: int = 3
    """Pixels at each end of the usable span where no edge is placed."""
    separation: int = 10
    """Pixels a runner-up peak lies away from the best one at least."""
    kernels: StepKernels = field(init=False, repr=False, compare=False)
    """The templates of ``widths`` (made once, with the parameters)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kernels", step_kernels(self.widths))


def _normal_cdf(u: F64) -> F64:
    return np.asarray(0.5 * (1.0 + np.vectorize(math.erf)(u / math.sqrt(2.0))), dtype=np.float64)


def step_kernels(widths: tuple[float, ...]) -> StepKernels:
    """Error-function steps of the given 10-90 % widths, as kernels of a common length."""
    sigmas = [max(w, 0.3) / _SIGMAS_PER_10_90 for w in widths]
    half = max([1, *(math.ceil(4.0 * s) for s in sigmas)])
    k = np.arange(-half, half + 1, dtype=np.float64)
    phi = np.empty((len(widths), k.size))
    phi_square = np.empty_like(phi)
    shifts = np.linspace(-1.0, 1.0, 2 * _SHIFTS_PER_PX + 1)
    shifted = np.empty((len(widths), shifts.size, k.size))
    for row, sigma in enumerate(sigmas):
        d = _normal_cdf((k + 0.5) / sigma) - _normal_cdf((k - 0.5) / sigma)
        d /= d.sum()
        step = np.cumsum(d)
        phi[row] = d
        phi_square[row] = np.diff(step * step, prepend=0.0)
        low, high = _normal_cdf(np.array([-half - 0.5, half + 0.5]) / sigma)
        values = _normal_cdf((k[None, :] + 0.5 - shifts[:, None]) / sigma)
        table = np.clip((values - low) / (high - low), 0.0, 1.0)
        table[table < 1e-12] = 0.0  # exactly 0 or 1 far out: the fine search skips those taps
        table[table > 1.0 - 1e-12] = 1.0
        shifted[row] = table
    inside = np.asarray(((shifted > 0.0) & (shifted < 1.0)).any(axis=1))
    changing = [np.flatnonzero(taps) for taps in inside]
    support = tuple((int(t[0]), int(t[-1]) + 1) if t.size else (0, 1) for t in changing)
    steps = np.cumsum(phi, axis=1)
    taps = np.arange(k.size)
    return StepKernels(tuple(widths), half, phi, phi_square, steps, taps, shifts, shifted, support)


def _fft_size(length: int) -> int:
    """The smallest 2**a * 3**b * 5**c at least ``length`` (fast for pocketfft)."""
    best = 1 << (length - 1).bit_length()
    five = 1
    while five < best:
        three = five
        while three < best:
            size = three
            while size < length:
                size *= 2
            best = min(best, size)
            three *= 3
        five *= 5
    return best


def _kernel_spectrum(kernels: F64, size: int) -> npt.NDArray[np.complex128]:
    """The conjugate spectra of the kernels (rows), zero-padded to ``size``: for correlating."""
    taps = np.zeros((kernels.shape[0], size))
    taps[:, : kernels.shape[1]] = kernels
    return np.conj(np.fft.rfft(taps, axis=1))


def _correlate_steps(
    rows: F64, kernel_spectrum: npt.NDArray[np.complex128], half: int, size: int
) -> F64:
    """``out[r, w, p] = sum_i H_w(i - p) v_r(i)``, for the rows ``v_r`` whose reverse cumulative
    sums are ``rows`` (``rows[r, j] = sum_{i >= j} v_r(i)``): a correlation of each row with
    each kernel (:func:`_kernel_spectrum`, kernels of ``2 * half + 1`` taps), by FFT.
    Shapes: rows (R, n), out (R, W, n); ``size`` at least ``n + 2 * half``."""
    n = rows.shape[1]
    padded = np.zeros((rows.shape[0], size))
    padded[:, :half] = rows[:, :1]  # before the first pixel the sum is the whole row's
    padded[:, half : half + n] = rows
    product = np.fft.rfft(padded, axis=1)[:, None, :] * kernel_spectrum[None, :, :]
    return np.asarray(np.fft.irfft(product, n=size, axis=2)[:, :, :n], dtype=np.float64)


def _reverse_cumsum(values: F64) -> F64:
    return np.asarray(np.cumsum(values[..., ::-1], axis=-1)[..., ::-1], dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class NoiseModel:
    """What the reference shots taught: ``Sigma^-1`` in Woodbury form and the templates'
    denominators. Made by :func:`learn_noise_model`."""

    reference: F64
    """The reference (mean of the recent reference shots, pedestal removed) it belongs to."""
    usable: npt.NDArray[np.bool_]
    weight: F64
    """``1 / d`` on usable pixels, 0 elsewhere."""
    basis: F64
    """``B`` (n x k): the smooth modulations, then the principal components."""
    prior: F64
    """``P`` (k x k): the covariance of the coefficients of ``B``'s columns in the ratio."""
    weighted_basis: F64
    """``W B`` (n x k)."""
    factored_basis: F64
    """``W B L`` (n x k), ``L L^T`` the core inverse, so that
    ``t^T Sigma^-1 t = t^T W t - |t^T W B L|^2``."""
    cumulative: F64
    """Reverse cumulative sums of ``weight`` (row 0) and of ``factored_basis``'s columns."""
    core_inverse: F64
    """``(P^-1 + B^T W B)^-1`` (k x k)."""
    kernels: StepKernels
    denominators: F64
    """``t_p^T Sigma^-1 t_p`` per width (rows) and position."""
    inverse_scale: F64
    """``1 / sqrt(denominators)`` where an edge is searched, 0 elsewhere: ``z`` of numerators."""
    noise: F64
    """The per-pixel noise (``1 / sqrt(weight)``; inf where unusable): for spotting spikes."""
    photon_noise: float
    read_noise: float
    """``a`` and ``b`` of the per-pixel noise ``a / level + b / level**2`` (ratio units)."""
    level: F64
    """The reference on usable pixels, 1 elsewhere (the noise's ``level``)."""
    span: tuple[int, int]
    """The positions searched: ``[first, last)``."""
    references_used: int
    """Reference ratios it was learned from."""
    separation: int
    """Pixels a runner-up candidate lies away from the best one at least."""
    local_weights: F64
    """Per usable pixel, 1 over the number of usable pixels within :data:`_RELIT_HALF` of it
    (0 elsewhere): for a shot's local mean light (:func:`_collapsed_smoothed`)."""
    fft_size: int
    kernel_spectrum: npt.NDArray[np.complex128] = field(repr=False)

    def whiten(self, x: F64) -> F64:
        """``Sigma^-1 x``."""
        factored = self.factored_basis
        out = self.weight * x
        out -= factored @ (x @ factored)
        return out


def brightness(signal: F64, reference: F64, usable: npt.NDArray[np.bool_]) -> float:
    """``alpha``: the shot's light over the usable pixels relative to the reference's, over
    the pixels where the shot is finite (0 if either has no light there)."""
    mask = usable.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # inf * 0: handled just below
        light = float(np.dot(signal, mask))
        total = float(np.dot(reference, mask))
    if not math.isfinite(light):  # a pixel that is not finite says nothing
        where = usable & np.isfinite(signal)
        light, total = float(signal[where].sum()), float(reference[where].sum())
    if not (math.isfinite(total) and math.isfinite(light) and total > 0 and light > 0):
        return 0.0
    return light / total


def ratio_and_brightness(
    signal: F64, reference: F64, usable: npt.NDArray[np.bool_]
) -> tuple[F64, float]:
    """:func:`reference_ratio` and :func:`brightness` of one shot, made together."""
    mask = usable.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):  # both checked below
        light, total = float(np.dot(signal, mask)), float(np.dot(reference, mask))
        if not (math.isfinite(light) and math.isfinite(total)):  # a pixel that is not finite
            return _ratio_of_a_shot_with_gaps(signal, reference, usable)
        if not (total > 0 and light > 0):
            return np.zeros(signal.shape, dtype=np.float64), 0.0
        alpha = light / total
        where = usable & (reference > 0)
        x = np.zeros(signal.shape, dtype=np.float64)
        np.divide(signal, reference, out=x, where=where)
        x *= 1.0 / alpha
    x = np.log(np.maximum(x, _LOG_FLOOR, out=x), out=x)
    x *= where
    if not np.isfinite(x).all():  # a huge value over a small one
        x[~np.isfinite(x)] = 0.0
    return x, alpha


def _ratio_of_a_shot_with_gaps(
    signal: F64, reference: F64, usable: npt.NDArray[np.bool_]
) -> tuple[F64, float]:
    """:func:`ratio_and_brightness` of a shot (or reference) with a value that is not finite."""
    alpha = brightness(signal, reference, usable)
    if not alpha > 0:
        return np.zeros(signal.shape, dtype=np.float64), alpha
    where = usable & (reference > 0)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        x = signal / np.where(where, alpha * reference, np.inf)
        x = np.log(np.maximum(x, _LOG_FLOOR, out=x), out=x)
    x[~where] = 0.0
    if not np.isfinite(x).all():  # a NaN shot pixel (an inf one is capped above)
        x[~np.isfinite(x)] = 0.0
    return x, alpha


def reference_ratio(signal: F64, reference: F64, usable: npt.NDArray[np.bool_]) -> F64:
    """``log(signal / (alpha * reference))`` on usable pixels where the reference is positive
    (0 elsewhere), ``alpha`` (:func:`brightness`) making the two equally bright over them; all
    0 if the shot has no light there. A pixel whose ratio is not finite counts as 0."""
    return ratio_and_brightness(signal, reference, usable)[0]


def _cosines(n: int, first: int, stop: int, count: int) -> F64:
    """The first ``count`` cosines over pixels ``[first, stop)`` (0 outside), normalised."""
    length = stop - first
    i = (np.arange(length) + 0.5) / length
    basis = np.zeros((n, count))
    basis[first:stop] = np.cos(np.pi * np.arange(count)[None, :] * i[:, None])
    return np.asarray(basis / np.linalg.norm(basis, axis=0), dtype=np.float64)


def _noise_fit(per_pixel: F64, level: F64) -> tuple[float, float] | None:
    """``(a, b)`` of ``per_pixel ~ a / level + b / level**2``, both non-negative, least squares
    weighted by the prediction (one reweighting); None if nothing positive fits."""
    design = np.stack([1.0 / level, 1.0 / level**2], axis=1)
    weights = np.ones_like(level)
    coefficients = (0.0, 0.0)
    for _ in range(2):
        scaled = design * weights[:, None]
        (a, b), *_ = np.linalg.lstsq(scaled, per_pixel * weights, rcond=None)
        if a < 0 or b < 0:  # one term alone, refitted
            only = 0 if a >= b else 1
            column = scaled[:, only]
            value = max(float(column @ (per_pixel * weights)) / float(column @ column), 0.0)
            a, b = (value, 0.0) if only == 0 else (0.0, value)
        coefficients = (float(a), float(b))
        prediction = design @ np.array(coefficients)
        if not (prediction > 0).all():
            return None
        weights = 1.0 / prediction
    return coefficients


_NOISE_EDGE_MARGIN = 1.2
"""A component counts as structure when its eigenvalue is this much above the largest that
noise alone reaches (:func:`_significant`)."""


def _significant(eigenvalues: F64, count: int, pixels: int) -> int:
    """How many of ``eigenvalues`` (descending; of ``U U^T``, ``U`` the ``count`` ratios in
    units of their noise over ``pixels`` free pixels) stand out from noise. Noise alone spreads
    the nonzero eigenvalues by the Marchenko-Pastur law, up to about
    ``s^2 (sqrt(count) + sqrt(pixels))^2``, its median near ``s^2 max(count, pixels)``: ``s``,
    the noise in those units (below 1 where the first estimate of the noise took in structure),
    is read off the median, which the few components of structure do not move."""
    nonzero = eigenvalues[: max(min(count, pixels), 1)]
    if not nonzero.size:
        return 0
    bulk = float(np.median(nonzero))
    edge = bulk * (math.sqrt(count) + math.sqrt(max(pixels, 1))) ** 2 / max(count, pixels, 1)
    return int(np.count_nonzero(eigenvalues > _NOISE_EDGE_MARGIN * edge))


def _smooth_prior(coefficients: F64, smooth: F64, pixel_variance: F64) -> tuple[F64, F64]:
    """The covariance of the smooth modulations' coefficients and its inverse (rows of
    ``coefficients``: the reference ratios' coefficients along the orthonormal columns of
    ``smooth``, oldest first), less the pixel noise along them, which the model holds already
    (``pixel_variance``: per pixel, 0 where unusable).

    A sample covariance is overconfident: its small eigenvalues are too small (the directions
    are fitted to the same ratios), so a direction seen quiet by chance would make its
    variation look like an edge. Cross-validated instead: the ratios are cut into
    :data:`_FOLDS` blocks of consecutive shots; the eigenvectors of the other blocks'
    covariance are kept, and each one's variance is measured on the block left out (so a
    variation that comes and goes over the run is not missed), less the noise along it and
    at least 0; the blocks' matrices are averaged, and every direction's variance is then at
    least :data:`_PRIOR_FLOOR` of the noise ``N`` along it (``P >= floor * N``: the eigenvalues
    of ``N^-1/2 P N^-1/2`` clipped, which also keeps ``P`` invertible however large its largest
    variance). Clipped at 0 per block, a direction without variation keeps some of its
    blocks' chance excess: on references with pixel noise only ``P`` is about a fifth of ``N``
    (the diagonal prior: a tenth), which costs a faint 40 px edge about 4 % of its ``z`` there
    (averaged unclipped and clipped once at the end, the excess would be larger: about a
    third)."""
    count, m = coefficients.shape
    noise = smooth.T @ (smooth * pixel_variance[:, None])
    block = np.arange(count) * _FOLDS // count
    excess = np.zeros((m, m))
    for fold in range(_FOLDS):
        kept, left_out = coefficients[block != fold], coefficients[block == fold]
        _, vectors = np.linalg.eigh(kept.T @ kept / kept.shape[0] - noise)
        along = left_out @ vectors
        noise_along = np.einsum("ij,jk,ki->i", vectors.T, noise, vectors)
        variance = np.maximum(np.mean(along * along, axis=0) - noise_along, 0.0)
        excess += (vectors * variance) @ vectors.T
    excess /= _FOLDS
    # in units of the noise: N = root root^T
    levels, axes = np.linalg.eigh(noise)
    levels = np.maximum(levels, 1e-12 * max(float(levels.max(initial=0.0)), 1e-300))
    root = axes * np.sqrt(levels)
    unroot = axes / np.sqrt(levels)  # root^-T
    relative = unroot.T @ excess @ unroot
    variances, directions = np.linalg.eigh(0.5 * (relative + relative.T))
    variances = np.maximum(variances, _PRIOR_FLOOR)
    outer = root @ directions  # P = outer diag(variances) outer^T
    inner = unroot @ directions  # P^-1 = inner diag(1 / variances) inner^T
    return (outer * variances) @ outer.T, (inner / variances) @ inner.T


def _cosine_bases(
    usable: npt.NDArray[np.bool_], indices: npt.NDArray[np.intp], params: ModelParams, fine: bool
) -> tuple[F64, F64]:
    """The smooth cosines (periods down to ``min_period``, at most ``max_smooth``: a wider span
    gets longer shortest periods) and, if ``fine``, the fine ones past them (down to
    ``fine_period``, at most ``max_fine``; else none), orthonormal over the usable pixels: one
    QR of all, whose first columns are those of the smooth cosines alone."""
    first, stop = int(indices[0]), int(indices[-1]) + 1
    length = stop - first
    m = min(int(2 * length / params.min_period) + 1, params.max_smooth)
    count = m
    if fine:
        count = max(m, min(int(2 * length / params.fine_period) + 1, m + params.max_fine))
    both, _ = np.linalg.qr(_cosines(usable.size, first, stop, count) * usable[:, None])
    return np.asarray(both[:, :m], dtype=np.float64), np.asarray(both[:, m:], dtype=np.float64)


def _fine_variance(along: F64, fine: F64, pixel_variance: F64, dof: int) -> F64:
    """The variance of each fine cosine's coefficient (``along``: the reference ratios'
    coefficients, the principal components taken out, ``dof`` degrees of freedom per pixel
    left) beyond the pixel noise along it, where it is significant
    (:data:`_FINE_SIGNIFICANCE`), else :data:`_FINE_FLOOR` of that noise."""
    if not fine.shape[1]:
        return np.zeros(0)
    dof = max(dof - 1, 1)
    noise = np.sum(fine * fine * pixel_variance[:, None], axis=0)
    excess = np.sum(along * along, axis=0) / dof - noise
    significant = excess > _FINE_SIGNIFICANCE * math.sqrt(2.0 / dof) * noise
    return np.asarray(np.where(significant, excess, _FINE_FLOOR * noise), dtype=np.float64)


_PEAK_RANK = 9
"""The reference's peak, for which pixels are usable, is its this-largest value: a few columns
stuck high (hot columns left in when no background of the same width is subtracted) are not
the spectrum's peak."""

_STUCK_ABOVE = 4.0
"""A pixel of the reference above this many times its peak (:data:`_PEAK_RANK`) is a column
stuck high, not light: not usable."""


def usable_pixels(
    reference: F64, fraction: float, peak: float | None = None
) -> tuple[npt.NDArray[np.bool_], float]:
    """The pixels where ``reference`` is above ``fraction`` of its peak and not stuck high, and
    the peak: the :data:`_PEAK_RANK`-largest value (one hot column, left in the profile, made
    the spectrum itself fall below 3 % of its maximum: no model was ever learned), or ``peak``
    if given (one found a little earlier: the partition costs about 8 us at 1,000 px)."""
    if peak is None:
        n = reference.size
        rank = max(1, min(_PEAK_RANK, n // 8))
        peak = float(np.partition(reference, n - rank)[n - rank]) if n else 0.0
    usable = reference > fraction * peak
    usable &= reference <= _STUCK_ABOVE * peak
    return usable, peak


def learn_noise_model(
    reference: F64, ratios: F64, params: ModelParams = ModelParams()
) -> NoiseModel | None:
    """The noise model of ``reference`` from the ratios of recent reference shots to it
    (rows, each from :func:`reference_ratio`); None with fewer than four or no usable pixel."""
    reference = np.asarray(reference, dtype=np.float64)
    n = reference.size
    if not n or not np.isfinite(reference).all():
        return None
    ratios = ratios[np.isfinite(ratios).all(axis=1)]
    usable, peak = usable_pixels(reference, params.usable_fraction)
    indices = np.flatnonzero(usable)
    if ratios.shape[0] < 4 or peak <= 0 or indices.size < 2 * params.margin + 4:
        return None
    q = ratios * usable[None, :]
    count = q.shape[0]
    smooth, fine = _cosine_bases(usable, indices, params, fine=count >= _FINE_RATIOS)
    m = smooth.shape[1]
    coefficients = q @ smooth
    rest = q - coefficients @ smooth.T
    # The components are taken of the ratios in units of their noise, so that they follow
    # structure (fringes, ripple) rather than the noisiest pixels (the dim wings, where read
    # noise dominates): a first estimate of the noise from everything that is left.
    level = np.where(usable, reference, 1.0)
    first = _noise_fit(np.sum(rest * rest, axis=0)[usable] / max(count - 1, 1), level[usable])
    if first is None:  # identical references, say: no noise to learn
        return None
    spread = np.sqrt(first[0] / level + first[1] / level**2) * usable
    unit = np.divide(rest, spread, out=np.zeros_like(rest), where=spread > 0)
    eigenvalues, vectors = np.linalg.eigh(unit @ unit.T)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, vectors = eigenvalues[order], vectors[:, order]
    # few ratios: few components (each one fitted to them takes a degree of freedom); and only
    # those that stand out from the noise: a component of noise alone takes the largest noise
    # there is, and the pixel noise left would be underestimated
    most = min(params.components, count // 4, _significant(eigenvalues, count, indices.size - m))
    eigenvalues, vectors = eigenvalues[:most], vectors[:, :most]
    keep = eigenvalues > 1e-12 * max(float(eigenvalues.max(initial=0.0)), 1e-300)
    eigenvalues, vectors = eigenvalues[keep], vectors[:, keep]
    directions = (unit.T @ vectors) / np.sqrt(eigenvalues)  # orthonormal, in noise units
    components = directions * spread[:, None]
    residual = rest - (unit @ directions) @ components.T
    # the rows lost a degree of freedom to the reference (their mean) and one per component
    per_pixel = np.sum(residual * residual, axis=0) / max(count - 1 - eigenvalues.size, 1)
    # photon and read noise of a ratio: a / reference + b / reference**2, fitted where usable
    fitted = _noise_fit(per_pixel[usable], level[usable])
    if fitted is None:  # identical references, say: no noise to learn
        return None
    a, b = fitted
    variance = a / level + b / level**2
    weight = np.where(usable, 1.0 / variance, 0.0)
    # A cosine's coefficients in the ratios vary by the modulation and by the pixel noise along
    # it, which the model holds already: only the excess is the modulation's (counting the
    # noise twice would down-weight the low frequencies, where a wide edge lies).
    pixel_variance = np.where(usable, variance, 0.0)
    noise_along = np.sum(smooth * smooth * pixel_variance[:, None], axis=0)
    smooth_variance = np.maximum(
        np.mean(coefficients * coefficients, axis=0) - noise_along, _PRIOR_FLOOR * noise_along
    )
    smooth_variance[:2] = _FREE_VARIANCE  # level and tilt: normalisation, not noise
    fine_variance = _fine_variance(residual @ fine, fine, pixel_variance, count - eigenvalues.size)
    basis = np.concatenate([smooth, components, fine], axis=1)
    variances = np.concatenate(
        [smooth_variance, np.maximum(eigenvalues / count, 1e-10), fine_variance]
    )
    prior, precision = np.diag(variances), np.diag(1.0 / variances)  # P and P^-1
    if count >= _FULL_PRIOR_RATIOS and m > 2:  # the cosines past level and tilt: a full block
        prior[2:m, 2:m], precision[2:m, 2:m] = _smooth_prior(
            coefficients[:, 2:], smooth[:, 2:], pixel_variance
        )
    weighted_basis = basis * weight[:, None]
    core_inverse = np.linalg.inv(precision + basis.T @ weighted_basis)
    kernels = params.kernels
    size = _fft_size(n + 2 * kernels.half)
    spectrum = _kernel_spectrum(kernels.phi, size)
    # denominators: t^T W t - |L^T B^T W t|^2 with core_inverse = L L^T
    factored = weighted_basis @ np.linalg.cholesky(core_inverse)
    rows = _reverse_cumsum(np.concatenate([weight[None, :], factored.T]))
    square = _kernel_spectrum(kernels.phi_square, size)
    diagonal = _correlate_steps(rows[:1], square, kernels.half, size)[0, :, :]
    projections = _correlate_steps(rows[1:], spectrum, kernels.half, size)
    denominators = diagonal - np.sum(projections * projections, axis=0)
    # cancellation can leave nothing of a template (all inside the basis): never an edge there
    denominators = np.where(denominators > 1e-9 * diagonal, denominators, np.inf)
    span = (int(indices[0]) + params.margin, int(indices[-1]) - params.margin + 1)
    inverse_scale = np.zeros_like(denominators)
    inverse_scale[:, span[0] : span[1]] = 1.0 / np.sqrt(denominators[:, span[0] : span[1]])
    with np.errstate(divide="ignore"):
        noise = np.where(usable, np.sqrt(1.0 / np.where(usable, weight, 1.0)), np.inf)
    nearby = _window_sums(usable.astype(np.float64))
    local_weights = np.divide(1.0, nearby, where=usable, out=np.zeros(n))
    return NoiseModel(
        reference=reference,
        usable=usable,
        weight=weight,
        basis=basis,
        prior=prior,
        weighted_basis=weighted_basis,
        factored_basis=factored,
        cumulative=rows,
        core_inverse=core_inverse,
        kernels=kernels,
        denominators=denominators,
        inverse_scale=inverse_scale,
        noise=noise,
        photon_noise=a,
        read_noise=b,
        level=level,
        span=span,
        references_used=count,
        separation=params.separation,
        local_weights=local_weights,
        fft_size=size,
        kernel_spectrum=spectrum,
    )


@dataclass(frozen=True, slots=True)
class GlsEdge:
    """The best edge of one shot under a :class:`NoiseModel`."""

    position: float
    """Pixel of the edge's half point (sub-pixel); NaN if nothing rises above zero."""
    width: float
    """10-90 % width (px) of the template that fitted best."""
    z: float
    """Its signal-to-noise ratio against the learned noise (scaled down for a dim shot)."""
    runner_up_ratio: float
    """``z`` over that of the best separate candidate (inf if there is none above zero)."""
    amplitude: float
    """The step's height in the ratio, signed (GLS estimate; in log units, close to the
    relative change: about -0.105 for a 10 % deep falling edge)."""
    localisation: float = math.nan
    """How much better the edge fits where it was found than anywhere more than
    ``separation`` px away, as a ``z``: ``sqrt(max(0, z**2 - z_far**2))``, ``z_far`` the best ``z``
    (any width, 0 if none is positive) there, the found edge not taken out (the square root of
    the generalised-least-squares chi-square gained by the found position over the best one
    that far away; ``z`` if nowhere else). Low where the edge's position is not pinned to
    within ``separation`` px: a wide or misshapen edge whose neighbours fit almost as well, or
    a faint one that other places match."""


def edge_numerators(model: NoiseModel, ratio: F64) -> F64:
    """``t_p^T Sigma^-1 x`` per width (rows) and position ``p``."""
    return _numerators(model, model.whiten(ratio))


def _numerators(model: NoiseModel, whitened: F64) -> F64:
    n, half, size = whitened.size, model.kernels.half, model.fft_size
    padded = _padded_reverse_cumsum(whitened, half, size)
    product = np.fft.rfft(padded) * model.kernel_spectrum
    out: F64 = np.fft.irfft(product, n=size, axis=1)[:, :n]
    return out


def _padded_reverse_cumsum(values: F64, half: int, size: int) -> F64:
    """The reverse cumulative sum of ``values`` (``sum(values[j:])`` at ``half + j``) with
    ``half`` copies of the whole sum before it and zeros after it, ``size`` long in all: a row
    for :func:`_correlate_steps`, made in place."""
    n = values.size
    padded = np.empty(size)
    np.cumsum(values[::-1], out=padded[half + n - 1 : half - 1 : -1])
    padded[:half] = padded[half]
    padded[half + n :] = 0.0
    return padded


def _fine_offset(model: NoiseModel, whitened: F64, row: int, p: int, sign: float) -> float:
    """The sub-pixel shift of the step of width ``row`` near ``p`` that maximises ``z``: the
    template evaluated at fine shifts (window sums, the tails from cumulative sums)."""
    n = whitened.size
    kernels = model.kernels
    lo, hi = kernels.support[row]
    start = p - kernels.half  # pixel of tap 0
    first, stop = min(n, max(0, start + lo)), max(0, min(n, start + hi))
    taps = kernels.shifted[row][:, first - start : stop - start]
    tail = max(stop, first)  # pixels from here on are past the step at every shift: H = 1
    tail_y = float(whitened[tail:].sum())
    cumulative = model.cumulative
    tail_w = float(cumulative[0, tail]) if tail < n else 0.0
    tail_g = cumulative[1:, tail] if tail < n else np.zeros(cumulative.shape[0] - 1)
    numerator = taps @ whitened[first:stop] + tail_y
    projection = taps @ model.factored_basis[first:stop] + tail_g
    denominator = (taps * taps) @ model.weight[first:stop] + tail_w
    denominator = np.maximum(denominator - np.sum(projection * projection, axis=1), 1e-300)
    z = sign * numerator / np.sqrt(denominator)
    j = int(np.argmax(z))
    step = float(kernels.shifts[1] - kernels.shifts[0])
    offset = float(kernels.shifts[j])
    if 0 < j < z.size - 1:
        curvature = z[j - 1] - 2.0 * z[j] + z[j + 1]
        if curvature < 0:
            offset += step * 0.5 * (z[j - 1] - z[j + 1]) / curvature
    return offset


_PARABOLA_WIDTH = 5.0
"""From this width (px) on, the sub-pixel position is the vertex of the parabola through ``z``
at the best pixel and its neighbours: ``z`` is smooth on the pixel scale there, and the vertex
is within 0.01 px (RMS, family members) of :func:`_fine_offset`'s explicit search, which the
narrower templates keep."""


def _parabola_offset(around: F64) -> float:
    """The vertex (within 1 px) of the parabola through ``z`` at ``p - 1, p, p + 1``."""
    left, middle, right = float(around[0]), float(around[1]), float(around[2])
    curvature = left - 2.0 * middle + right
    if not curvature < 0:
        return 0.0
    return min(1.0, max(-1.0, 0.5 * (left - right) / curvature))


def _step(model: NoiseModel, row: int, p: int, n: int) -> F64:
    """The template ``t_p`` of width ``row``: ``H_w(i - p)``."""
    half = model.kernels.half
    t = np.zeros(n)
    t[min(n, p + half + 1) :] = 1.0
    first, stop = max(0, p - half), min(n, p + half + 1)
    t[first:stop] = model.kernels.steps[row, first - (p - half) : stop - (p - half)]
    return t


def _without_spikes(ratio: F64, noise: F64) -> F64:
    """``ratio`` with each pixel that stands out from both neighbours by more than
    :data:`_SPIKE_SIGMAS` of its ``noise`` replaced by the median of the three: a single hot or
    dead pixel in one shot (a cosmic ray, a bad readout) is no step, while a step, however
    sharp, is monotonic and left as it is. A usable pixel between two unusable ones is left as
    it is (``noise`` is inf where unusable). The profile's first and last pixels are compared
    with their one neighbour and replaced by it (a step between them lies in the margin, where
    no edge is searched)."""
    n = ratio.size
    if n < 3:
        return ratio
    left, middle, right = ratio[:-2], ratio[1:-1], ratio[2:]
    median = np.maximum(np.minimum(left, middle), np.minimum(np.maximum(left, middle), right))
    spikes = np.abs(middle - median) > _SPIKE_SIGMAS * noise[1:-1]
    # a usable pixel between two unusable ones (their ratio 0: no measurement) has nothing to
    # be compared with; beside one unusable pixel the median can only move it towards the other
    spikes &= np.isfinite(noise[:-2]) | np.isfinite(noise[2:])
    cleaned = ratio
    if spikes.any():
        cleaned = ratio.copy()
        cleaned[1:-1][spikes] = median[spikes]
    for end, inner in ((0, 1), (n - 1, n - 2)):  # against the neighbour as cleaned
        if math.isfinite(noise[inner]) and abs(
            float(cleaned[end] - cleaned[inner])
        ) > _SPIKE_SIGMAS * float(noise[end]):
            if cleaned is ratio:
                cleaned = ratio.copy()
            cleaned[end] = cleaned[inner]
    return cleaned


_CANDIDATES = 16
"""Local maxima of ``z`` (the best ones, beyond the best edge's surroundings) among which the
runner-up is looked for."""


def _runner_up(
    model: NoiseModel,
    profile: F64,
    numerators: F64,
    factor: F64 | None,
    scale: F64,
    *,
    row: int,
    p: int,
    amplitude: float,
    sign: float,
    remainder: _Remainder | None = None,
) -> float:
    """The best ``z`` more than ``separation`` pixels from ``p`` once the best edge (width
    ``row``, amplitude ``amplitude``) is taken out of the ratio, among the best
    :data:`_CANDIDATES` local maxima of ``z`` there (every width at each; ``profile``: the
    best ``z`` of every width per position)."""
    n = profile.size
    inner = profile[1:-1]
    peaks = np.flatnonzero((inner >= profile[:-2]) & (inner > profile[2:]) & (inner > 0)) + 1
    peaks = peaks[np.abs(peaks - p) > model.separation]
    if not peaks.size:
        return 0.0
    if peaks.size > _CANDIDATES:
        peaks = peaks[np.argpartition(profile[peaks], -_CANDIDATES)[-_CANDIDATES:]]
    # t_q^T Sigma^-1 t_p for each candidate q and width: windows of the reverse cumulative sum
    # of Sigma^-1 t_p against the widths' step derivatives (as the numerators are made)
    kernels = model.kernels
    template = model.whiten(_step(model, row, p, n))
    if remainder is not None:  # both fitted together with the steps taken out
        template = remainder.given_steps(template, row, p)
    padded = _padded_reverse_cumsum(template, kernels.half, n + 2 * kernels.half)
    windows = padded[peaks[:, None] + kernels.taps[None, :]]
    cross = kernels.phi @ windows.T  # (widths, candidates)
    rest = sign * (numerators[:, peaks] - amplitude * cross) * scale[:, peaks]
    if factor is not None:
        rest *= factor[peaks]
    return float(rest.max())


_UNLIT_NOISE = 0.25
"""A dim shot's pixel whose expected noise is above this fraction of its expected light is
left out (its ratio taken as 0, no change): there the logarithm of the ratio is no longer
close to Gaussian (a light level near 0 gives ratios near the floor)."""


_RELIT_HALF = 7
"""The light of the reference relative to the model's is averaged over the usable pixels
within this many pixels of each (15 at most)."""

_RELIT = 0.8
"""Where the reference a shot is divided by has less than this fraction of the light of the
model's reference (the spectrum has moved since the model was learned), the noise is taken
per pixel at the light there (:func:`_dim_shot`)."""


def _dim_shot(model: NoiseModel, ratio: F64, alpha: float | F64) -> tuple[F64, F64]:
    """A shot ``alpha`` (0 < ``alpha`` <= 1, a number or per pixel) times as bright as the
    model's reference: its ratio with 0
    where it has too little light for the ratio to mean anything (:data:`_UNLIT_NOISE`), and
    per pixel the factor by which ``z`` shrinks: its photon noise grows as ``1 / alpha``, its
    read noise as ``1 / alpha**2`` (``sqrt`` of the model's noise over the shot's, both at the
    reference's level and times ``level**2``)."""
    a, b, level = model.photon_noise, model.read_noise, model.level
    shot_noise = level * (a * alpha)
    shot_noise += b  # > 0: the level is, and a and b are not both 0
    factor = level * a
    factor += b
    factor /= shot_noise
    factor = np.sqrt(factor, out=factor)
    factor *= alpha
    unlit = shot_noise > (level * level) * (_UNLIT_NOISE * alpha) ** 2
    if unlit.any():
        ratio = np.where(unlit, 0.0, ratio)
    return ratio, factor


def _local_light(model: NoiseModel, ratio: F64) -> F64:
    """Per pixel, the mean of ``exp(ratio)`` over the usable pixels within :data:`_RELIT_HALF`
    of it (the shot's light relative to what the reference leads one to expect); 1 where
    unusable."""
    usable = model.usable
    lit = np.exp(ratio)
    lit *= usable
    local = _window_sums(lit)
    local *= model.local_weights
    local += ~usable  # unusable: lit as expected (not looked at)
    return np.asarray(local, dtype=np.float64)


def _collapsed_smoothed(model: NoiseModel, ratio: F64, alpha: float, light: F64 | None) -> F64:
    """``ratio`` with its level averaged over the usable pixels within :data:`_RELIT_HALF` px
    (the log of the mean of ``exp(ratio)``) wherever the shot's own light there is too little
    for the logarithm to be close to Gaussian (:data:`_UNLIT_NOISE`, as :func:`_dim_shot` for
    a shot dim as a whole): a part of the spectrum that collapsed in this shot (a narrower or
    shifted spectrum's wing at a tenth of the reference's light) holds only noise, whose
    logarithm passed for 2 px edges of z 10-20. The model's noise is that of the reference's
    light (times ``alpha`` and ``light``); the shot's is that of its own. About 10-25 us per
    shot at 1,000 px (a local mean of the light); more where the shot has, over 15 px, less
    than :data:`_RELIT` of the light the reference leads one to expect."""
    local = _local_light(model, ratio)
    if not float(local.min()) < _RELIT:
        return ratio
    # a one-pixel hit (a stray photon, a cosmic ray) inside a collapsed part would make a
    # 15 px box of the local mean whose sides passed for edges: the level without spikes
    local = _local_light(model, _without_spikes(ratio, model.noise))
    shot = local * alpha if light is None else local * (light * alpha)
    a, b, level = model.photon_noise, model.read_noise, model.level
    unlit = level * (a * shot) + b > (level * level) * (_UNLIT_NOISE * shot) ** 2
    unlit &= model.usable
    if not unlit.any():
        return ratio
    return np.where(unlit, np.log(np.maximum(local, _LOG_FLOOR)), ratio)


def _window_sums(values: F64) -> F64:
    """Per pixel, the sum of ``values`` over the pixels within :data:`_RELIT_HALF` of it."""
    half = _RELIT_HALF
    sums = np.zeros(values.size + 2 * half + 1)
    np.cumsum(values, out=sums[half + 1 : half + 1 + values.size])
    sums[half + 1 + values.size :] = sums[half + values.size]
    return np.asarray(sums[2 * half + 1 :] - sums[: values.size], dtype=np.float64)


def relative_light(model: NoiseModel, reference: F64) -> F64 | None:
    """Per pixel, the light of ``reference`` (the reference a shot's ratio is taken to) over
    that of the model's reference, averaged over the usable pixels within :data:`_RELIT_HALF`
    of it (the light's ratio is smooth, the pixels' own noise in it is not the shot's); None
    if it is nowhere below :data:`_RELIT` (the model's noise holds). For
    :func:`find_gls_edge`."""
    usable = model.usable
    relit = np.divide(reference, model.level, where=usable, out=np.ones(reference.size))
    window = _window_sums(relit * usable)
    np.divide(window, _window_sums(usable.astype(np.float64)), out=relit, where=usable)
    if not float(relit.min()) < _RELIT:
        return None
    return relit


_TAKEN_OUT = 3
"""Steps too large for an X-ray edge taken out of one shot's ratio at most."""


@dataclass(frozen=True, slots=True)
class _Remainder:
    """A shot's ratio once steps too large for an X-ray edge are taken out (the GLS fit of
    each candidate edge together with them): its whitened ratio, numerators, the templates'
    denominators and ``inverse_scale`` given the steps, and where the steps lie."""

    whitened: F64
    numerators: F64
    denominators: F64
    inverse_scale: F64
    reaches: tuple[tuple[int, int], ...]
    """Per step taken out, the positions ``[first, stop)`` of the templates that are part of
    it (within its width and ``separation`` of it)."""
    steps: F64
    """The steps' whitened templates ``Sigma^-1 t_j`` (rows)."""
    crosses: F64
    """``t_(w,p)^T Sigma^-1 t_j`` per step ``j`` (first axis), width and position."""
    gram_inverse: F64
    """The (pseudo-)inverse of the steps' ``t_i^T Sigma^-1 t_j``."""

    def given_steps(self, whitened_template: F64, row: int, p: int) -> F64:
        """``Sigma^-1 t`` of the template of width ``row`` at ``p`` less what the steps
        explain of it, so that ``t_q^T`` of it is ``t_q^T Sigma^-1 t - c_q^T G^-1 c_p``: the
        cross term of two candidates fitted together with the steps."""
        weights = self.gram_inverse @ self.crosses[:, row, p]
        return np.asarray(whitened_template - weights @ self.steps, dtype=np.float64)


def _too_large(numerators: F64, denominators: F64, max_step: float) -> npt.NDArray[np.bool_]:
    """Where the step fitted (``numerators / denominators``) is larger than ``max_step``."""
    return np.asarray(np.abs(numerators) > max_step * denominators)


def _is_too_large(numerators: F64, denominators: F64, at: int, max_step: float) -> bool:
    """:func:`_too_large` of the one template at flat index ``at`` (on every shot: no array)."""
    return abs(float(numerators.flat[at])) > max_step * float(denominators.flat[at])


def _unsigned_z(numerators: F64, scale: F64, factor: F64 | None) -> F64:
    """``z`` of the rising sign, the dim-shot ``factor`` (if any) applied."""
    z = numerators * scale
    if factor is not None:
        z *= factor
    return z


def _large_steps_out(
    model: NoiseModel, whitened: F64, numerators: F64, factor: F64 | None, max_step: float
) -> _Remainder:
    """Takes the steps larger than ``max_step`` (of either sign: a side that moved shows
    both) out of the ratio, the one of the largest ``|z|`` (the dim-shot ``factor`` applied)
    first, :data:`_TAKEN_OUT` at most (the caller has seen one). Each time all of them are
    fitted again together, and the numerators and denominators are those of a candidate edge
    fitted together with them (generalised least squares: ``t^T Sigma^-1 t`` less what the
    steps' templates explain of it)."""
    n = numerators.shape[1]
    base = model.denominators
    steps: list[tuple[int, int]] = []
    crosses: list[F64] = []
    whitened_steps: list[F64] = []
    current, denominators, scale = numerators, base, model.inverse_scale
    amplitudes, inverse, stack = np.zeros(0), np.zeros((0, 0)), np.zeros((0, *numerators.shape))
    unsigned = _unsigned_z(numerators, scale, factor)
    for _ in range(_TAKEN_OUT):
        too_large = _too_large(current, denominators, max_step)
        if not too_large.any():
            break
        r, q = divmod(int(np.argmax(np.where(too_large, np.abs(unsigned), -1.0))), n)
        whitened_steps.append(model.whiten(_step(model, r, q, n)))
        crosses.append(_numerators(model, whitened_steps[-1]))
        steps.append((r, q))
        stack = np.stack(crosses)  # t_(w,p)^T Sigma^-1 t_j per step j
        gram = np.array([[float(c[ri, qi]) for c in crosses] for ri, qi in steps])
        inverse = np.linalg.pinv(gram)
        amplitudes = inverse @ np.array([float(numerators[ri, qi]) for ri, qi in steps])
        current = numerators - np.tensordot(amplitudes, stack, axes=1)
        explained = np.einsum("iwp,ij,jwp->wp", stack, inverse, stack)
        denominators = np.where(base - explained > 1e-9 * base, base - explained, np.inf)
        scale = np.where(model.inverse_scale > 0, 1.0 / np.sqrt(denominators), 0.0)
        unsigned = _unsigned_z(current, scale, factor)
    templates = np.array(whitened_steps).reshape(len(steps), n)
    out = whitened - amplitudes @ templates
    widths = model.kernels.widths
    reaches = tuple(
        (max(0, q - reach), q + reach + 1)
        for r, q in steps
        for reach in [model.separation + math.ceil(widths[r])]
    )
    return _Remainder(out, current, denominators, scale, reaches, templates, stack, inverse)


def _unscaled_best(
    model: NoiseModel,
    numerators: F64,
    scale: F64,
    sign: float,
    *,
    at: tuple[int, int],
    max_step: float,
    denominators: F64,
) -> tuple[int, int]:
    """The width and position of the best edge by the model's own ``z`` within one template
    width of ``(row, p)``, the best by the scaled ``z``: the dim-shot scaling decides whether
    and roughly where there is an edge, but where it changes along the profile (a spectrum
    that moved) it would pull the position and the width towards the brighter side. No step
    larger than ``max_step`` (``denominators``: those the numerators are fitted with)."""
    row, p = at
    first, stop = model.span
    reach = math.ceil(model.kernels.widths[row])
    low, high = max(first, p - reach), min(stop, p + reach + 1)
    around = numerators[:, low:high] * scale[:, low:high] * sign
    # no step too large for an edge (the best by the scaled z is not)
    around[_too_large(numerators[:, low:high], denominators[:, low:high], max_step)] = -np.inf
    best = int(np.argmax(around))
    better_row, offset = divmod(best, high - low)
    return better_row, low + offset


def find_gls_edge(
    model: NoiseModel,
    ratio: F64,
    sign: float = 1.0,
    shot_brightness: float = 1.0,
    light: F64 | None = None,
    *,
    max_step: float = math.log(2.0),
) -> GlsEdge:
    """The edge in ``ratio`` (from :func:`reference_ratio` with the model's reference);
    ``sign`` -1 looks for a falling edge (the signal lower after it than before).

    On a shot dimmer than the references (``shot_brightness`` below 1, from
    :func:`brightness`) the noise is larger than the model's, the more so where read noise
    dominates (the spectrum's dim wings): ``z`` is scaled down per position accordingly
    (:func:`_dim_shot`) before the best is chosen, so that a near-dark shot's noisy wings do
    not pass for an edge. A brighter shot is taken at the model's noise (a lower bound of its
    signal-to-noise). Likewise per pixel where the reference ``ratio`` was taken to has less
    light than the model's (``light``, from :func:`relative_light`: the spectrum has moved
    since the model was learned). The runner-up is the best candidate more than
    ``separation`` pixels away once the best edge is taken out of the ratio, so that the best
    edge's own shoulders do not count as candidates.

    A step larger than ``max_step`` (in the ratio's logarithm; ``log 2`` by default: the light
    halving or doubling), at the best edge or at the largest ``|z|`` of either sign, is no
    X-ray edge but the spectrum itself (a steep side that moved against the mean reference, a
    model learned from a handful of references): such steps are taken out of the ratio
    (:func:`_large_steps_out`), every candidate is scored fitted together with them, the
    templates within their reach are no candidates, and a best step still too large is no
    edge. Taking out rather than passing over: around a large step the templates beside it fit
    a step just under any bound with a z almost as large."""
    n = ratio.size
    kernels = model.kernels
    alpha = min(1.0, max(shot_brightness, 0.0)) if math.isfinite(shot_brightness) else 0.0
    if not alpha > 0:  # no light: no edge
        return GlsEdge(math.nan, float(kernels.widths[0]), 0.0, math.nan, math.nan)
    factor: F64 | None = None
    ratio = _collapsed_smoothed(model, ratio, alpha, light)
    if light is not None:
        shot_light = np.clip(light * alpha, 1e-6, 1.0)  # no light: all noise (left out)
        ratio, factor = _dim_shot(model, ratio, shot_light)
    elif alpha < 1.0:
        ratio, factor = _dim_shot(model, ratio, alpha)
    whitened = model.whiten(_without_spikes(ratio, model.noise))
    numerators = _numerators(model, whitened)
    denominators, scale = model.denominators, model.inverse_scale
    z = _unsigned_z(numerators, scale, factor)
    # the best edge, and the largest step of either sign
    highest, lowest = int(np.argmax(z)), int(np.argmin(z))
    best = highest if sign > 0 else lowest
    largest = highest if float(z.flat[highest]) >= -float(z.flat[lowest]) else lowest
    if sign < 0:
        z = np.negative(z, out=z)
    left: _Remainder | None = None
    if _is_too_large(numerators, denominators, best, max_step) or (
        largest != best and _is_too_large(numerators, denominators, largest, max_step)
    ):
        # steps too large for an X-ray edge: the spectrum's own, taken out; the templates
        # beside them are part of them
        left = _large_steps_out(model, whitened, numerators, factor, max_step)
        whitened, numerators = left.whitened, left.numerators
        denominators, scale = left.denominators, left.inverse_scale
        for first, stop in left.reaches:
            numerators[:, first:stop] = 0.0
        z = _unsigned_z(numerators, scale, factor)
        if sign < 0:
            z = np.negative(z, out=z)
        best = int(np.argmax(z))
        if _is_too_large(numerators, denominators, best, max_step):
            return GlsEdge(math.nan, float(kernels.widths[0]), 0.0, math.nan, math.nan)
    row, p = divmod(best, n)
    top = float(z[row, p])
    if not top > 0:
        return GlsEdge(math.nan, float(kernels.widths[row]), top, math.nan, math.nan)
    if factor is not None:
        row, p = _unscaled_best(
            model,
            numerators,
            scale,
            sign,
            at=(row, p),
            max_step=max_step,
            denominators=denominators,
        )
        top = float(z[row, p])
    amplitude = float(numerators[row, p]) / float(denominators[row, p])
    profile = z.max(axis=0)
    second = _runner_up(
        model,
        profile,
        numerators,
        factor,
        scale,
        row=row,
        p=p,
        amplitude=amplitude,
        sign=sign,
        remainder=left,
    )
    span = model.span
    if kernels.widths[row] >= _PARABOLA_WIDTH and span[0] < p < span[1] - 1:
        # the model's own z (the dim-shot factor, smooth as it is, would tilt the parabola)
        around = numerators[row, p - 1 : p + 2] * scale[row, p - 1 : p + 2]
        offset = _parabola_offset(around * sign)
    else:
        offset = _fine_offset(model, whitened, row, p, sign)
    # The step is fitted to the logarithm of the ratio, whose half-way point is not the edge's:
    # between linear levels 1 and exp(A) the log crosses its middle where the edge has gone
    # 1 / (1 + exp(A / 2)) of the way, which is this many pixels from the edge's middle.
    sigma = max(kernels.widths[row], 0.3) / _SIGMAS_PER_10_90
    log_shift = -sigma * math.sqrt(2.0 * math.pi) * 0.5 * math.tanh(amplitude / 4)
    # H_w(i - p) is 0.5 at i - p = -0.5: the template's half point
    return GlsEdge(
        position=float(p + offset - 0.5 - log_shift),
        width=float(kernels.widths[row]),
        z=top,
        runner_up_ratio=float(top / second) if second > 0 else math.inf,
        amplitude=float(amplitude),
        localisation=_localisation(profile, p, top, model.separation),
    )


def _localisation(profile: F64, p: int, top: float, separation: int) -> float:
    """:attr:`GlsEdge.localisation` of the edge at ``p`` of ``z`` ``top`` (``profile``: the
    best ``z`` per position)."""
    far = max(
        float(profile[: max(0, p - separation)].max(initial=0.0)),
        float(profile[p + separation + 1 :].max(initial=0.0)),
    )
    return math.sqrt(max(0.0, top * top - far * far))
