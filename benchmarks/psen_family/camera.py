"""The camera: where the light band falls on the rows, and photons to uint16 pixel values.

Pure numpy; the random draws come from the generator passed in, in a fixed order, so one seed
gives one image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .noise import standard_normal

__all__ = [
    "EXACT_POISSON_BELOW",
    "CameraState",
    "RoiGeometry",
    "RoiPixels",
    "band_weights",
    "column_sums",
    "render",
    "stuck",
    "stuck_columns",
]

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
U16 = npt.NDArray[np.uint16]
B1 = npt.NDArray[np.bool_]

EXACT_POISSON_BELOW = 0.0
"""Default for :func:`render`'s ``exact_below``: pixels expecting fewer photons than this get an
exact Poisson draw (numpy's, about 70 ns a pixel); the others the Gaussian of the Poisson law's
mean and variance, folded into one normal draw with the read noise (a few ns a pixel). The
default 0 draws no pixel exactly: behind a gain of 1-2 counts per photon, 2-10 counts of read
noise and a sum over 16-32 rows, the profiles' statistics do not tell the two apart (a test
compares them), and a run is several times faster. ``math.inf`` draws every pixel exactly."""

BAND_CUT = 4.0
"""The light band's vertical Gaussian is cut to zero beyond this many sigma."""

TRUNCATION_VARIANCE = 1.0 / 12.0
"""Variance added per pixel by the ADC's integer truncation."""


@dataclass(frozen=True, slots=True)
class RoiGeometry:
    """The image size and both ROIs as the service takes them, ``[offset_x, size_x, offset_y,
    size_y]``; pixel ``x`` of a profile is the centre of camera column ``offset_x + x``."""

    width: int
    height: int
    signal: tuple[int, int, int, int]
    background: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True, eq=False)
class CameraState:
    """One run's camera: concrete values drawn from a member's :class:`CameraSpec`."""

    geometry: RoiGeometry
    light_row: float
    light_sigma: float
    smile: float
    pointing_jitter: float
    gain: float
    pedestal: F64
    """Dark level of every camera column (counts): level plus the fixed column pattern."""
    pedestal_jitter: float
    read_noise: float
    dead: I64
    """Camera columns reading 0."""
    hot: I64
    """Camera columns stuck high."""
    hot_values: F64
    full_scale: float = 65535.0
    """Highest pixel value (the ADC's saturation)."""
    excess_noise: float = 1.0
    """Excess noise factor of the photon noise."""
    lag: float = 0.0
    """Fraction of the previous frame's light in a frame."""

    def band_centre(self, columns: F64, pointing: float) -> F64:
        """Row of the band's centre at each camera column (smile: parabolic, ``smile`` rows
        higher at both ends of the camera than in its middle)."""
        middle = 0.5 * (self.geometry.width - 1)
        result: F64 = self.light_row + pointing + self.smile * ((columns - middle) / middle) ** 2
        return result


def band_weights(camera: CameraState, rows: I64, columns: F64, pointing: float) -> F64:
    """Fraction of a column's light falling on each of ``rows`` (shape rows x columns): the
    band's Gaussian sampled at the row centres, cut beyond :data:`BAND_CUT` sigma."""
    sigma = camera.light_sigma
    u = (rows[:, None] - camera.band_centre(columns, pointing)[None, :]) * (1.0 / sigma)
    weights: F64 = np.exp(-0.5 * u * u) * (1.0 / (sigma * math.sqrt(2.0 * math.pi)))
    weights[np.abs(u) > BAND_CUT] = 0.0
    return weights


def render(
    photons: F32 | None,
    pedestal: F32,
    *,
    gain: float,
    read_noise: float,
    rng: np.random.Generator,
    shape: tuple[int, int],
    exact_below: float = EXACT_POISSON_BELOW,
    full_scale: float = 65535.0,
    excess_noise: float = 1.0,
) -> U16:
    """Pixel values ``floor(pedestal + gain * n + read_noise * z)`` clipped to 0..``full_scale``
    (at most 65535), for ``n`` photons drawn per pixel around ``photons`` (rows x columns;
    ``None``: no light) and a ``pedestal`` per column; the Gaussian draws' photon variance is
    multiplied by ``excess_noise ** 2``.

    Draws, in this order: one standard normal per pixel (:func:`.noise.standard_normal`); then
    Poisson counts for the pixels expecting fewer than ``exact_below`` photons. Brighter pixels
    take ``gain * n`` from the Gaussian of the same mean and variance, folded into one normal
    with the read noise.
    """
    z = standard_normal(rng, shape)
    if photons is None:
        value = z * np.float32(read_noise)
        value += pedestal
    else:
        value = photons * np.float32(gain * gain * (excess_noise * excess_noise))
        value += np.float32(read_noise * read_noise)
        np.sqrt(value, out=value)
        value *= z
        value += pedestal
        value += photons * np.float32(gain)
        if exact_below > 0.0:
            small = photons < exact_below
            if small.any():
                expected = photons[small]
                counts = rng.poisson(expected).astype(np.float32)
                base = np.broadcast_to(pedestal, shape)[small]
                value[small] = base + np.float32(gain) * counts + np.float32(read_noise) * z[small]
    # clipped to 0..full scale, the conversion's truncation is the floor
    np.clip(value, np.float32(0.0), np.float32(min(full_scale, 65535.0)), out=value)
    return value.astype(np.uint16)


def stuck(camera: CameraState, first_column: int, width: int) -> tuple[B1, F64]:
    """Which of ``width`` columns from camera column ``first_column`` are dead or hot, and the
    value each such column's pixels read."""
    mask = np.zeros(width, dtype=bool)
    value = np.zeros(width)
    for columns, values in (
        (camera.dead, np.zeros(len(camera.dead))),
        (camera.hot, camera.hot_values),
    ):
        inside = (columns >= first_column) & (columns < first_column + width)
        mask[columns[inside] - first_column] = True
        value[columns[inside] - first_column] = values[inside]
    return mask, value


def stuck_columns(camera: CameraState, pixels: U16, first_column: int) -> None:
    """Set the dead and hot columns of ``pixels`` (whose column 0 is camera column
    ``first_column``) in place."""
    mask, value = stuck(camera, first_column, pixels.shape[1])
    pixels[:, mask] = value[mask].astype(np.uint16)


def column_sums(pixels: U16) -> F64:
    """A ROI's X profile as the service makes it: the sum over its rows, as float64 (exact)."""
    result: F64 = np.add.reduce(pixels, axis=0, dtype=np.uint32).astype(np.float64)
    return result


@dataclass(frozen=True, slots=True, eq=False)
class RoiPixels:
    """The pixels of one shot's two ROIs (uint16, rows x columns), as in the camera image."""

    signal: U16
    background: U16

    def signal_profile(self) -> F64:
        return column_sums(self.signal)

    def background_profile(self) -> F64:
        return column_sums(self.background)
