"""The probe spectrum's pieces as pure functions of camera column (float64 arrays in and out).

A shot's photons per column are the product ``level * envelope * fixed structure * fringes *
smooth modulation * transmission``; each factor is one function here. Columns are evaluated at
their centres: column ``c`` is the point ``x = c``.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import numpy.typing as npt

from .spec import Change, Direction, EdgeShape

__all__ = [
    "ERF_10_90",
    "LOGISTIC_10_90",
    "affected_side",
    "chirp_limited_fraction",
    "cosine",
    "edge_fraction",
    "envelope",
    "erf",
    "fresnel_integrals",
    "fringes",
    "smooth_modulation",
    "step",
    "transmission",
]

F64 = npt.NDArray[np.float64]

ERF_10_90 = 2.0 * 1.2815515655446004
"""10-90 % width of ``0.5 * (1 + erf(x / (sigma * sqrt 2)))`` in units of sigma."""
LOGISTIC_10_90 = 2.0 * math.log(9.0)
"""10-90 % width of ``1 / (1 + exp(-x / k))`` in units of k."""

_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erf(x: F64) -> F64:
    """The error function to within 1.5e-7 (Abramowitz and Stegun 7.1.26), exactly odd."""
    a = np.abs(x)
    t = 1.0 / (1.0 + _P * a)
    poly = t * (_A[0] + t * (_A[1] + t * (_A[2] + t * (_A[3] + t * _A[4]))))
    result: F64 = np.copysign(1.0 - poly * np.exp(-a * a), x)
    return result


def envelope(
    x: F64,
    centre: float,
    half_width: float,
    order: float,
    asymmetry: float,
    *,
    lobe: tuple[float, float, float] = (0.0, 0.0, 1.0),
) -> F64:
    """Asymmetric super-Gaussian plus a Gaussian side lobe ``(height, offset, rms width)``.

    The main lobe is 1 at ``centre`` and exp(-1/2) at ``centre - half_width * (1 - asymmetry)``
    and ``centre + half_width * (1 + asymmetry)``.
    """
    u = x - centre
    w = np.where(u < 0.0, half_width * (1.0 - asymmetry), half_width * (1.0 + asymmetry))
    result: F64 = np.exp(-0.5 * np.abs(u / w) ** order)
    height, offset, width = lobe
    if height:
        result += height * np.exp(-0.5 * ((u - offset) / width) ** 2)
    return result


def cosine(start: float, count: int, omega: float, phase: float) -> F64:
    """``cos(omega * x + phase)`` on the grid ``x = start, start + 1, ...`` (``count`` points),
    from the cosines and sines of a coarse and a fine grid (angle addition): exact to rounding
    and several times cheaper than ``np.cos`` on every point."""
    fine = _FINE
    coarse = -(-count // fine)
    outer = omega * (start + fine * np.arange(coarse)) + phase
    inner = omega * np.arange(fine, dtype=np.float64)
    result: F64 = (
        np.cos(outer)[:, None] * np.cos(inner)[None, :]
        - np.sin(outer)[:, None] * np.sin(inner)[None, :]
    ).ravel()[:count]
    return result


_FINE = 32


def fringes(start: float, count: int, periods: F64, amplitudes: F64, phases: F64) -> F64:
    """Product of etalon ripples ``1 + A_k cos(2 pi x / P_k + phi_k)`` on the grid ``x = start,
    start + 1, ...``."""
    result = np.ones(count)
    for period, amplitude, phase in zip(periods, amplitudes, phases, strict=True):
        if amplitude:
            ripple = cosine(start, count, 2.0 * np.pi / period, phase)
            ripple *= amplitude
            ripple += 1.0
            result *= ripple
    return result


def smooth_modulation(start: float, count: int, periods: F64, amplitudes: F64, phases: F64) -> F64:
    """``1 + sum_k a_k cos(2 pi x / L_k + theta_k)`` on the grid ``x = start, start + 1, ...``,
    kept above 0.2."""
    result = np.ones(count)
    for period, amplitude, phase in zip(periods, amplitudes, phases, strict=True):
        if amplitude:
            result += amplitude * cosine(start, count, 2.0 * np.pi / period, phase)
    return np.maximum(result, 0.2)


def step(u: F64, shape: EdgeShape, width: float) -> F64:
    """A unit step of 10-90 % width ``width`` centred at ``u = 0``: 0 -> 1 as u grows."""
    if shape == "erf":
        sigma = width / ERF_10_90
        result: F64 = 0.5 * (1.0 + erf(u * (1.0 / (sigma * math.sqrt(2.0)))))
        return result
    k = width / LOGISTIC_10_90
    return 0.5 * (1.0 + np.tanh(u * (0.5 / k)))  # = 1 / (1 + exp(-u / k)), without overflow


def affected_side(direction: Direction, change: Change) -> int:
    """+1 if the transmission change lies towards higher columns of the edge, else -1."""
    falling = direction == "falling"
    return 1 if falling == (change == "absorption") else -1


def edge_fraction(
    x: F64,
    position: float,
    shape: EdgeShape,
    width: float,
    side: int,
    *,
    overshoot: float = 0.0,
    ringing: float = 3.0,
) -> F64:
    """How much of the change has happened at each of the (ascending) ``x``: 0 far on the
    unaffected side, 1 far into the affected side, exactly 0.5 at ``position``.

    The overshoot is a damped ringing ``s^2 sin(2 pi u / L) exp(-u / (L / 2))`` (``u`` measured
    into the affected side, ``L = ringing * width``): zero at the edge, a bump of about
    ``0.5 * overshoot`` beyond the full change just after it, a small dip just before it.
    """
    reach = 20.0 * width + (15.0 * ringing * width if overshoot else 0.0)
    first = int(np.searchsorted(x, position - reach))
    stop = int(np.searchsorted(x, position + reach))
    # beyond the reach the change is complete (or absent) to within 1e-13
    beyond = x > position if side > 0 else x < position
    result: F64 = beyond.astype(np.float64)
    if first >= stop:
        return result
    u = (x[first:stop] - position) * float(side)
    s: F64 = step(u, shape, width)
    if overshoot:
        period = ringing * width
        decay = np.exp(-np.maximum(u, 0.0) * (2.0 / period))
        s += overshoot * (s * s) * np.sin((2.0 * np.pi / period) * u) * decay
    result[first:stop] = s
    return result


def transmission(fraction: F64, depth: float, change: Change) -> F64:
    """``1 - depth * fraction`` (absorption) or ``1 + depth * fraction`` (bleaching)."""
    sign = -1.0 if change == "absorption" else 1.0
    result: F64 = 1.0 + (sign * depth) * fraction
    return result


FRESNEL_REACH = 12.0
"""The chirp-limited edge's ringing is tapered to nothing between 8 and this many Fresnel
units from the edge (there its period is far below any edge width, and smoothing removes it)."""

_FRESNEL_STEP = 1e-4


@cache
def _fresnel_table() -> tuple[F64, F64, F64]:
    """``u`` from 0 to :data:`FRESNEL_REACH` and the Fresnel integrals ``C(u)``, ``S(u)`` there
    (cumulative trapezoids of ``cos`` and ``sin(pi t^2 / 2)`` on a fine grid; error below
    1e-8)."""
    u = np.arange(0.0, FRESNEL_REACH + _FRESNEL_STEP, _FRESNEL_STEP)
    angle = 0.5 * np.pi * u * u
    c, s = np.cos(angle), np.sin(angle)
    half = 0.5 * _FRESNEL_STEP
    big_c = np.concatenate([[0.0], np.cumsum((c[1:] + c[:-1]) * half)])
    big_s = np.concatenate([[0.0], np.cumsum((s[1:] + s[:-1]) * half)])
    for table in (u, big_c, big_s):
        table.flags.writeable = False
    return u, big_c, big_s


def fresnel_integrals(u: F64) -> tuple[F64, F64]:
    """``C(u)`` and ``S(u)`` (both odd) for ``|u| <=`` :data:`FRESNEL_REACH`; beyond, +-1/2."""
    grid, big_c, big_s = _fresnel_table()
    a = np.abs(u)
    c = np.interp(a, grid, big_c, right=0.5)
    s = np.interp(a, grid, big_s, right=0.5)
    sign = np.sign(u)
    result: tuple[F64, F64] = (sign * c, sign * s)
    return result


_CHIRP_GRID = 0.125
"""Grid step (px) of the chirp-limited edge's numerical smoothing."""


def chirp_limited_fraction(
    x: F64,
    position: float,
    shape: EdgeShape,
    width: float,
    side: int,
    *,
    scale: float,
    ratio: float,
) -> F64:
    """How much of the change has happened at ``x`` for a chirp-limited edge: the Fresnel
    pattern ``(1 + C(u) + S(u)) / 2 - ratio * (S(u) - C(u)) / 2`` (``u`` in units of ``scale``
    px, measured into the affected side; its ringing tapered off between 8 and
    :data:`FRESNEL_REACH` units) smoothed by the derivative of :func:`step` of ``shape`` and
    ``width``; exactly 0.5 at ``position``, 0 far on the unaffected side, 1 far on the other."""
    reach = FRESNEL_REACH * scale
    half_kernel = 8.0 * width
    n_kernel = math.ceil(half_kernel / _CHIRP_GRID)
    n_pattern = math.ceil(reach / _CHIRP_GRID)
    v = _CHIRP_GRID * np.arange(-n_kernel, n_kernel + 1, dtype=np.float64)
    kernel = step(v + 0.5 * _CHIRP_GRID, shape, width) - step(v - 0.5 * _CHIRP_GRID, shape, width)
    kernel *= 1.0 / float(kernel.sum())
    n_total = n_pattern + n_kernel
    grid = _CHIRP_GRID * np.arange(-n_total, n_total + 1, dtype=np.float64)
    u = grid * (1.0 / scale)
    big_c, big_s = fresnel_integrals(u)
    pattern = 0.5 * (1.0 + big_c + big_s) - (0.5 * ratio) * (big_s - big_c)
    heaviside = (u > 0.0).astype(np.float64) + 0.5 * (u == 0.0)
    a = np.abs(u)
    taper = np.where(
        a <= 8.0,
        1.0,
        np.where(
            a >= FRESNEL_REACH, 0.0, 0.5 + 0.5 * np.cos(np.pi * (a - 8.0) / (FRESNEL_REACH - 8.0))
        ),
    )
    pattern = heaviside + taper * (pattern - heaviside)
    padded = np.concatenate([np.zeros(n_kernel), pattern, np.ones(n_kernel)])
    smoothed = np.convolve(padded, kernel[::-1], mode="valid")
    u_x = (x - position) * float(side)
    result: F64 = np.interp(u_x, grid, smoothed, left=0.0, right=1.0)
    return result
