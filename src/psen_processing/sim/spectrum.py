"""Seeded generators of realistic PSEN data with known truth (pure numpy, no I/O).

A PSEN camera images the spectrum of a chirped probe pulse. Each shot the spectrum has a broad
envelope (a super-Gaussian), a fine structure fixed in pixel space (spectrometer response,
etalon fringes) and shot-to-shot jitter: the envelope's centre and width move, a few smooth
random modulation terms come and go, and the total intensity changes. On an X-ray shot the
transmission of the probe drops (or rises) across a smooth step, the *edge*, whose position
encodes the X-ray arrival time.

All randomness comes from the :class:`numpy.random.Generator` the caller passes in, so a
seeded generator gives the same data every time. Pixel ``x`` (an index) is the centre of pixel
``x``; an edge at ``edge_position`` has half its depth there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..errors import InvalidSpectrumModel

__all__ = [
    "InvalidSpectrumModel",
    "SpectrumModel",
    "expected_spectrum",
    "image",
    "spectrum",
    "transmission",
    "useful_range",
]

_LOGISTIC_10_90 = 2.0 * math.log(9.0)
"""10-90 % width of the logistic function 1 / (1 + exp(-u)), in units of u."""


@dataclass(frozen=True, slots=True)
class SpectrumModel:
    """Parameters of a synthetic PSEN spectrum and camera; all lengths in pixels.

    The 1-D profile (as the sum over the spectrum band's rows) is, per shot::

        photon_scale * intensity * envelope(x) * structure(x) * (1 + modulation(x)) * T(x)

    with ``envelope`` a super-Gaussian ``exp(-ln2 * |2 (x - c) / w| ** envelope_power)`` of
    full width at half maximum ``w`` (``envelope_power`` 2 is a Gaussian, larger is flatter),
    ``c`` and ``w`` jittered each shot by ``centre_jitter`` (px, rms) and ``width_jitter``
    (relative, rms); ``intensity`` log-normal with relative rms ``intensity_jitter``;
    ``modulation`` a sum of ``modulation_terms`` cosines with random phases, periods uniform in
    ``[modulation_min_period, modulation_max_period]`` and normal amplitudes of rms
    ``modulation_amplitude``, new each shot; ``structure`` a fixed fine ripple of relative rms
    ``structure_amplitude`` drawn once from ``structure_seed``; ``T`` the transmission step
    (:func:`transmission`). ``photon_scale`` is the expected number of counts at the envelope's
    peak in the profile. ``offset`` and ``read_noise`` (counts per pixel) only apply to
    :func:`image`, whose spectrum lies in a horizontal band: a Gaussian in y centred at
    ``band_centre`` (fraction of the height) with ``band_sigma`` rows.
    """

    width: int = 1024
    envelope_centre: float = 512.0
    envelope_fwhm: float = 560.0
    envelope_power: float = 2.5
    centre_jitter: float = 6.0
    width_jitter: float = 0.03
    modulation_terms: int = 4
    modulation_amplitude: float = 0.012
    modulation_min_period: float = 150.0
    modulation_max_period: float = 1200.0
    structure_amplitude: float = 0.08
    structure_seed: int = 0
    intensity_jitter: float = 0.1
    photon_scale: float = 2.0e4
    offset: float = 100.0
    read_noise: float = 3.0
    band_centre: float = 0.5
    band_sigma: float = 12.0
    edge_depth: float = 0.1
    edge_width: float = 20.0
    edge_direction: Literal["falling", "rising"] = "falling"

    def __post_init__(self) -> None:
        checks: list[tuple[str, bool, str]] = [
            ("width", self.width >= 2, "must be at least 2"),
            ("envelope_fwhm", self.envelope_fwhm > 0, "must be positive"),
            ("envelope_power", self.envelope_power > 0, "must be positive"),
            ("centre_jitter", self.centre_jitter >= 0, "must not be negative"),
            ("width_jitter", 0 <= self.width_jitter < 0.5, "must be in [0, 0.5)"),
            ("modulation_terms", self.modulation_terms >= 0, "must not be negative"),
            ("modulation_amplitude", self.modulation_amplitude >= 0, "must not be negative"),
            ("modulation_min_period", self.modulation_min_period > 0, "must be positive"),
            (
                "modulation_max_period",
                self.modulation_max_period >= self.modulation_min_period,
                "must not be below modulation_min_period",
            ),
            ("structure_amplitude", 0 <= self.structure_amplitude < 0.5, "must be in [0, 0.5)"),
            ("intensity_jitter", self.intensity_jitter >= 0, "must not be negative"),
            ("photon_scale", self.photon_scale >= 0, "must not be negative"),
            ("read_noise", self.read_noise >= 0, "must not be negative"),
            ("band_sigma", self.band_sigma > 0, "must be positive"),
            ("edge_depth", 0 <= self.edge_depth <= 1, "must be in [0, 1]"),
            ("edge_width", self.edge_width >= 0, "must not be negative"),
            (
                "edge_direction",
                self.edge_direction in ("falling", "rising"),
                "must be 'falling' or 'rising'",
            ),
        ]
        for name, ok, problem in checks:
            if not ok:
                raise InvalidSpectrumModel(
                    f"Invalid spectrum model: {name}={getattr(self, name)!r} {problem}."
                )


def transmission(model: SpectrumModel, edge_position: float | None) -> npt.NDArray[np.float64]:
    """Probe transmission per pixel: 1 without an edge, else a logistic step of the model's
    depth whose 10-90 % width is ``edge_width`` (a sharp step if 0), centred at
    ``edge_position``. Falling: 1 on the low-pixel side, ``1 - edge_depth`` on the high side;
    rising: the other way round."""
    x = np.arange(model.width, dtype=np.float64)
    if edge_position is None:
        return np.ones(model.width)
    u = x - edge_position
    if model.edge_direction == "rising":
        u = -u
    if model.edge_width > 0:
        after = 0.5 * (1.0 + np.tanh(u * (0.5 * _LOGISTIC_10_90 / model.edge_width)))
    else:
        after = np.where(u > 0, 1.0, np.where(u == 0, 0.5, 0.0))
    return 1.0 - model.edge_depth * after


def _envelope(
    x: npt.NDArray[np.float64], centre: float, fwhm: float, power: float
) -> npt.NDArray[np.float64]:
    return np.exp(-math.log(2.0) * np.abs((x - centre) * (2.0 / fwhm)) ** power)


def _structure(model: SpectrumModel) -> npt.NDArray[np.float64]:
    """Fixed fine ripple (relative rms ``structure_amplitude``): a few cosines of 15-80 px."""
    if model.structure_amplitude == 0:
        return np.ones(model.width)
    fixed = np.random.default_rng(model.structure_seed)
    x = np.arange(model.width, dtype=np.float64)
    periods = fixed.uniform(15.0, 80.0, size=6)
    phases = fixed.uniform(0.0, 2.0 * math.pi, size=6)
    ripple = np.cos(2.0 * math.pi * x[:, None] / periods + phases).sum(axis=1)
    ripple *= model.structure_amplitude / math.sqrt(3.0)  # rms of a sum of 6 unit cosines
    structure: npt.NDArray[np.float64] = 1.0 + ripple
    return structure


def useful_range(model: SpectrumModel, fraction: float = 0.3) -> tuple[float, float]:
    """Pixel range where the nominal envelope is above ``fraction`` of its peak, inside the chip."""
    if not 0 < fraction < 1:
        raise InvalidSpectrumModel(f"fraction={fraction!r} must be in (0, 1).")
    half = (
        0.5
        * model.envelope_fwhm
        * (math.log(1.0 / fraction) / math.log(2.0)) ** (1.0 / model.envelope_power)
    )
    low = max(0.0, model.envelope_centre - half)
    high = min(float(model.width - 1), model.envelope_centre + half)
    return low, high


def expected_spectrum(
    model: SpectrumModel, rng: np.random.Generator, edge_position: float | None
) -> npt.NDArray[np.float64]:
    """Expected counts per pixel of one shot (its jitter drawn from ``rng``), without noise."""
    x = np.arange(model.width, dtype=np.float64)
    centre = model.envelope_centre + model.centre_jitter * rng.standard_normal()
    fwhm = model.envelope_fwhm * max(0.1, 1.0 + model.width_jitter * rng.standard_normal())
    sigma_log = math.sqrt(math.log1p(model.intensity_jitter**2))
    intensity = math.exp(sigma_log * rng.standard_normal() - 0.5 * sigma_log**2)
    profile = _envelope(x, centre, fwhm, model.envelope_power)
    n = model.modulation_terms
    if n > 0 and model.modulation_amplitude > 0:
        periods = rng.uniform(model.modulation_min_period, model.modulation_max_period, size=n)
        phases = rng.uniform(0.0, 2.0 * math.pi, size=n)
        amplitudes = model.modulation_amplitude * rng.standard_normal(n)
        modulation = np.cos(2.0 * math.pi * x[:, None] / periods + phases) @ amplitudes
        profile *= np.maximum(1.0 + modulation, 0.0)
    profile *= _structure(model)
    profile *= transmission(model, edge_position)
    profile *= model.photon_scale * intensity
    return profile


def spectrum(
    model: SpectrumModel, rng: np.random.Generator, edge_position: float | None
) -> npt.NDArray[np.float64]:
    """One shot's 1-D profile (float64 counts, Poisson noise, no offset); ``None``: no X-rays."""
    return rng.poisson(expected_spectrum(model, rng, edge_position)).astype(np.float64)


def image(
    model: SpectrumModel,
    rng: np.random.Generator,
    height: int,
    edge_position: float | None,
    dtype: npt.DTypeLike = np.uint16,
) -> npt.NDArray[np.generic]:
    """One shot's camera image of numpy shape (height, model.width).

    Its rows share one shot's spectrum, weighted by the band's vertical Gaussian (normalised so
    that the rows sum to the 1-D profile of :func:`spectrum`); Poisson noise, then the camera
    offset and Gaussian read noise are added. Integer types are rounded and clipped to their
    range.
    """
    if height < 1:
        raise InvalidSpectrumModel(f"height={height!r} must be at least 1.")
    out_type = np.dtype(dtype)
    expected = expected_spectrum(model, rng, edge_position)
    rows = np.arange(height, dtype=np.float64)
    band = np.exp(-0.5 * ((rows - model.band_centre * (height - 1)) / model.band_sigma) ** 2)
    band /= model.band_sigma * math.sqrt(2.0 * math.pi)
    # float32 is enough (and faster) for up to 16-bit output; wider types need float64.
    work = np.float32 if out_type.itemsize <= 2 else np.float64
    frame = np.empty((height, model.width), dtype=work)
    # Rows far outside the band get (statistically) no photons: only offset and read noise.
    lit = band * (expected.max(initial=0.0)) > 1e-3
    frame[~lit] = 0.0
    if lit.any():
        frame[lit] = rng.poisson(np.outer(band[lit], expected))
    if model.read_noise > 0:
        frame += rng.standard_normal(frame.shape, dtype=work) * work(model.read_noise)
    frame += work(model.offset)
    if np.issubdtype(out_type, np.integer):
        info = np.iinfo(out_type)
        np.rint(frame, out=frame)
        np.clip(frame, info.min, info.max, out=frame)
    return frame.astype(out_type)
