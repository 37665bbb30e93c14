"""What a run draws once: concrete values from a member's ranges (camera, source, edge).

Pure functions of a member and a random generator (their draws in a fixed order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from . import spectrum
from .camera import CameraState, RoiGeometry
from .spec import JITTER_CUT, Direction, EdgeShape, Member, Span

__all__ = [
    "EDGE_MARGIN",
    "EdgeState",
    "ExtraState",
    "ShiftState",
    "SourceState",
    "camera_extras",
    "camera_state",
    "cut_normal",
    "edge_state",
    "extra_state",
    "shift_state",
    "source_state",
]

F64 = npt.NDArray[np.float64]

EDGE_MARGIN = 40
"""Edges lie at least this many columns inside the signal profile."""


def cut_normal(rng: np.random.Generator, size: int) -> F64:
    """``size`` standard normal draws cut at :data:`.spec.JITTER_CUT`."""
    return np.clip(rng.standard_normal(size), -JITTER_CUT, JITTER_CUT)


@dataclass(frozen=True, slots=True, eq=False)
class SourceState:
    """One run's probe spectrum: concrete values drawn from a member's SourceSpec."""

    centre: float
    half_width: float
    order: float
    asymmetry: float
    lobe: tuple[float, float, float]
    level: float
    peak: float
    """Maximum of the run's nominal envelope (the photon level refers to it)."""
    response: F64
    """Fixed fine structure per camera column (pixel response times lines)."""
    fringe_periods: F64
    fringe_amplitudes: F64
    fringe_phases: F64
    fringe_phase_jitter: F64
    fringe_amplitude_jitter: F64
    smooth_terms: int
    smooth_scale: Span
    smooth_amplitude: float
    centre_jitter: float
    width_jitter: float
    intensity_jitter: float
    dark_probability: float
    dark_level: Span
    drift: tuple[float, float, float]
    """Amplitudes of the centre (px), width and intensity (relative) drifts."""
    drift_period: float
    drift_phases: tuple[float, float, float]


@dataclass(frozen=True, slots=True, eq=False)
class EdgeState:
    direction: Direction
    side: int
    shape: EdgeShape
    width: float
    width_span: Span
    width_jitter: float
    depth_jitter: float
    overshoot: float
    ringing: float
    floor: float
    positions: tuple[float, float]
    """Range of edge positions (profile coordinates)."""


def camera_state(member: Member, rng: np.random.Generator) -> CameraState:
    spec = member.camera
    geometry = RoiGeometry(spec.width, spec.height, member.signal_roi, member.background_roi)
    pedestal = spec.pedestal.draw(rng) + spec.pedestal_columns.draw(rng) * rng.standard_normal(
        spec.width
    )
    n_dead, n_hot = spec.dead_columns.draw(rng), spec.hot_columns.draw(rng)
    chosen = rng.choice(spec.width, size=n_dead + n_hot, replace=False).astype(np.int64)
    hot_values = np.floor(rng.uniform(spec.hot_level.low, spec.hot_level.high, n_hot))
    return CameraState(
        geometry=geometry,
        light_row=spec.light_row.draw(rng),
        light_sigma=spec.light_sigma.draw(rng),
        smile=spec.smile.draw(rng),
        pointing_jitter=spec.pointing_jitter.draw(rng),
        gain=spec.gain.draw(rng),
        pedestal=pedestal,
        pedestal_jitter=spec.pedestal_jitter.draw(rng),
        read_noise=spec.read_noise.draw(rng),
        dead=np.sort(chosen[:n_dead]),
        hot=chosen[n_dead:],
        hot_values=hot_values,
    )


def _response(member: Member, rng: np.random.Generator) -> F64:
    src, width = member.source, member.camera.width
    columns = np.arange(width, dtype=np.float64)
    response = 1.0 + src.pixel_response.draw(rng) * cut_normal(rng, width)
    for _ in range(src.lines.draw(rng)):
        where, depth, sigma = (
            rng.uniform(0, width),
            src.line_depth.draw(rng),
            src.line_width.draw(rng),
        )
        response *= 1.0 - depth * np.exp(-0.5 * ((columns - where) / sigma) ** 2)
    result: F64 = np.maximum(response, 0.05)
    return result


def source_state(member: Member, rng: np.random.Generator) -> SourceState:
    src = member.source
    centre, half_width = src.centre.draw(rng), src.half_width.draw(rng)
    order, asymmetry = src.order.draw(rng), src.asymmetry.draw(rng)
    lobe = (src.lobe_height.draw(rng), src.lobe_offset.draw(rng), src.lobe_width.draw(rng))
    level = src.photon_level.draw(rng)
    columns = np.arange(member.camera.width, dtype=np.float64)
    peak = float(spectrum.envelope(columns, centre, half_width, order, asymmetry, lobe=lobe).max())
    response = _response(member, rng)
    fringes = src.fringes
    fringe = np.array(
        [
            (
                f.period.draw(rng),
                f.amplitude.draw(rng),
                rng.uniform(0, 2 * math.pi),
                f.phase_jitter.draw(rng),
                f.amplitude_jitter.draw(rng),
            )
            for f in fringes
        ]
    ).reshape(len(fringes), 5)
    return SourceState(
        centre=centre,
        half_width=half_width,
        order=order,
        asymmetry=asymmetry,
        lobe=lobe,
        level=level,
        peak=peak,
        response=response,
        fringe_periods=fringe[:, 0].copy(),
        fringe_amplitudes=fringe[:, 1].copy(),
        fringe_phases=fringe[:, 2].copy(),
        fringe_phase_jitter=fringe[:, 3].copy(),
        fringe_amplitude_jitter=fringe[:, 4].copy(),
        smooth_terms=src.smooth_terms,
        smooth_scale=src.smooth_scale,
        smooth_amplitude=src.smooth_amplitude.draw(rng),
        centre_jitter=src.centre_jitter.draw(rng),
        width_jitter=src.width_jitter.draw(rng),
        intensity_jitter=src.intensity_jitter.draw(rng),
        dark_probability=src.dark_probability.draw(rng),
        dark_level=src.dark_level,
        drift=(
            src.centre_drift.draw(rng),
            src.width_drift.draw(rng),
            src.intensity_drift.draw(rng),
        ),
        drift_period=src.drift_period.draw(rng),
        drift_phases=(
            rng.uniform(0, 2 * math.pi),
            rng.uniform(0, 2 * math.pi),
            rng.uniform(0, 2 * math.pi),
        ),
    )


def edge_state(member: Member, source: SourceState, rng: np.random.Generator) -> EdgeState:
    spec = member.edge
    shape = spec.shapes[int(rng.integers(len(spec.shapes)))]
    floor = spec.floor.draw(rng)
    offset_x, size_x = member.camera.signal_columns
    columns = offset_x + np.arange(size_x, dtype=np.float64)
    nominal = spectrum.envelope(
        columns,
        source.centre,
        source.half_width,
        source.order,
        source.asymmetry,
        lobe=source.lobe,
    )
    bright = np.flatnonzero(nominal >= floor * source.peak)
    if bright.size == 0:
        raise ValueError(f"{member.name}: no column of the signal ROI reaches the edge floor")
    low = max(float(bright[0]), float(EDGE_MARGIN))
    high = min(float(bright[-1]), float(size_x - 1 - EDGE_MARGIN))
    return EdgeState(
        direction=spec.direction,
        side=spectrum.affected_side(spec.direction, spec.change),
        shape=shape,
        width=spec.width.draw(rng),
        width_span=spec.width,
        width_jitter=spec.width_jitter.draw(rng),
        depth_jitter=spec.depth_jitter.draw(rng),
        overshoot=spec.overshoot.draw(rng),
        ringing=spec.ringing.draw(rng),
        floor=floor,
        positions=(low, max(low, high)),
    )


@dataclass(frozen=True, slots=True, eq=False)
class ExtraState:
    """One run's values of the later, additive features of the X-ray response (drawn from a
    stream of their own, so that a member without them makes the same run as before)."""

    satellite: float
    satellite_offset: float
    satellite_jitter: float
    feature: float
    feature_column: float
    feature_width: float
    luminescence: float
    luminescence_centre: float
    luminescence_width: float
    fresnel_scale: float = 0.0
    fresnel_ratio: float = 0.0
    scan_dwell: float = 0.0
    scan_jitter: float = 0.0


def camera_extras(member: Member, camera: CameraState, rng: np.random.Generator) -> CameraState:
    """``camera`` with its saturation, excess noise and lag (drawn from their own stream)."""
    spec = member.camera
    return replace(
        camera,
        full_scale=spec.full_scale,
        excess_noise=spec.excess_noise.draw(rng),
        lag=spec.lag.draw(rng),
    )


def extra_state(member: Member, rng: np.random.Generator) -> ExtraState:
    spec = member.edge
    return ExtraState(
        satellite=spec.satellite.draw(rng),
        satellite_offset=spec.satellite_offset.draw(rng),
        satellite_jitter=spec.satellite_jitter.draw(rng),
        feature=spec.feature.draw(rng),
        feature_column=spec.feature_column.draw(rng),
        feature_width=spec.feature_width.draw(rng),
        luminescence=spec.luminescence.draw(rng),
        luminescence_centre=spec.luminescence_centre.draw(rng),
        luminescence_width=spec.luminescence_width.draw(rng),
        fresnel_scale=spec.fresnel_scale.draw(rng),
        fresnel_ratio=spec.fresnel_ratio.draw(rng),
        scan_dwell=spec.scan_dwell.draw(rng),
        scan_jitter=spec.scan_jitter.draw(rng),
    )


@dataclass(frozen=True, slots=True, eq=False)
class ShiftState:
    """One run's shift of the spectral image: its rms per shot and the lines that move with it
    (drawn from a stream of their own)."""

    jitter: float
    line_centres: F64
    line_depths: F64
    line_widths: F64

    def lines(self, columns: F64, shift: float) -> F64 | None:
        """Transmission of the shifting lines at ``columns`` for a shift of ``shift`` px (None
        without lines)."""
        if self.line_centres.size == 0:
            return None
        result = np.ones(columns.size)
        for centre, depth, width in zip(
            self.line_centres.tolist(),
            self.line_depths.tolist(),
            self.line_widths.tolist(),
            strict=True,
        ):
            u = (columns - (centre + shift)) * (1.0 / width)
            result *= 1.0 - depth * np.exp(-0.5 * u * u)
        out: F64 = np.maximum(result, 0.05)
        return out


def shift_state(member: Member, rng: np.random.Generator) -> ShiftState:
    src = member.source
    jitter = src.shift_jitter.draw(rng)
    count = src.shifting_lines.draw(rng)
    centres = rng.uniform(0.0, member.camera.width, count)
    depths = np.array([src.shifting_line_depth.draw(rng) for _ in range(count)])
    widths = np.array([src.shifting_line_width.draw(rng) for _ in range(count)])
    return ShiftState(
        jitter=jitter,
        line_centres=centres.astype(np.float64),
        line_depths=depths.astype(np.float64).reshape(count),
        line_widths=widths.astype(np.float64).reshape(count),
    )
