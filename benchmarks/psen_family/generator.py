"""A seeded, deterministic run of shots for (member, nominal depth, seed).

``Run(member, depth, seed)`` draws the run's parameters once; ``run.shot(k)`` is shot ``k``
(random access, the same whatever else was asked before) and ``run.shots(n)`` the first ``n``.
The first shot is a reference; X-ray and reference shots alternate (an X-ray shot has an even
pulse id). Every shot has its own seeds, derived from (seed, member name, k): the shot's
parameters, its ROI pixels' noise and the noise of the image's other pixels are separate
streams, so ``shot.roi_pixels()`` and the same rows of ``shot.image()`` are equal. Stray X-ray
hits (``CameraSpec.xray_hits``) come from streams of their own (the run's rate, the ROIs' hits
and the other pixels' hits), so a member without them makes the same run as before they
existed. So do the later features (a camera's saturation, excess noise and lag; a trailing
step, a feature of the change and X-ray luminescence, see :class:`.spec.CameraSpec` and
:class:`.spec.EdgeSpec`): their per-run values and the trailing step's per-shot jitter come
from streams 7 to 9, and they are off unless a member sets them. The features of the twelfth
held-out set (a shift of the spectral image with lines that move with it, a chirp-limited edge
and a delay scan) draw from streams 10 to 13, or from stream 8 after everything else.

The nominal depth enters only as a scale: one seed gives the same spectra, edge positions and
noise draws at every depth.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import spectrum
from .camera import (
    EXACT_POISSON_BELOW,
    TRUNCATION_VARIANCE,
    RoiGeometry,
    RoiPixels,
    band_weights,
    render,
    stuck,
    stuck_columns,
)
from .run_state import (
    EDGE_MARGIN,
    camera_extras,
    camera_state,
    cut_normal,
    edge_state,
    extra_state,
    shift_state,
    source_state,
)
from .spec import PEAK_PHOTONS, Direction, EdgeShape, Member

__all__ = ["EDGE_MARGIN", "Run", "Shot", "ShotTruth"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U16 = npt.NDArray[np.uint16]

MAX_DEPTH = 0.95

Hits = tuple[I64, I64, I64]
"""Stray X-ray hits on a block of pixels: their rows, columns and counts."""

_NO_HITS: Hits = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


def _add_hits(pixels: U16, hits: Hits, limit: int = 65535) -> None:
    """Add the hits' counts to ``pixels`` in place (clipped at ``limit``)."""
    rows, columns, counts = hits
    if counts.size:
        total = pixels.astype(np.int64)
        np.add.at(total, (rows, columns), counts)
        np.minimum(total, limit, out=total)
        pixels[...] = total


@dataclass(frozen=True, slots=True)
class ShotTruth:
    """What is known about a shot; ``position`` is the sub-pixel index into the signal profile
    where the transmission has changed by half the depth (NaN, like depth and width, on a
    reference shot)."""

    index: int
    pulse_id: int
    is_xray: bool
    position: float
    depth: float
    width: float
    shape: EdgeShape | None
    intensity: float
    """Total intensity relative to the member's nominal (photon level, drift, jitter)."""
    envelope_at_edge: float
    """The shot's envelope at the edge relative to the run's nominal peak (NaN on references)."""
    near_dark: bool
    hits: int = 0
    """Stray X-ray photons on the signal ROI (0 on references and members without hits)."""

    @property
    def flags(self) -> frozenset[str]:
        return frozenset({"near_dark"} if self.near_dark else ())


@dataclass(frozen=True, slots=True, eq=False)
class ShotDraw:
    """The random values of one shot."""

    centre: float
    half_width: float
    intensity: float
    dark: bool
    """A near-dark shot (the probe nearly missing)."""
    fringe_amplitudes: F64
    fringe_phases: F64
    smooth_periods: F64
    smooth_amplitudes: F64
    smooth_phases: F64
    pointing: float
    pedestal_offset: float
    position: float
    depth: float
    width: float


def _entropy(member: Member, seed: int) -> list[int]:
    return [seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF, zlib.crc32(member.name.encode())]


def _rng(entropy: list[int], *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=key)))


class Run:
    """One run of ``member`` at nominal edge depth ``depth`` (0.05 = 5 %) with ``seed``."""

    def __init__(
        self,
        member: Member,
        depth: float,
        seed: int = 0,
        *,
        exact_below: float = EXACT_POISSON_BELOW,
    ) -> None:
        if not 0.0 < depth <= MAX_DEPTH:
            raise ValueError(f"nominal depth {depth} outside (0, {MAX_DEPTH}]")
        self.member = member
        self.depth = depth
        self.seed = seed
        self.exact_below = exact_below
        self._entropy = _entropy(member, seed)
        rng = _rng(self._entropy, 0)
        self.camera = camera_extras(member, camera_state(member, rng), _rng(self._entropy, 7))
        self.extras = extra_state(member, _rng(self._entropy, 8))
        """The additive features of the X-ray response (satellite, feature, luminescence)."""
        self.source = source_state(member, rng)
        self.edge = edge_state(member, self.source, rng)
        self.shift = shift_state(member, _rng(self._entropy, 10))
        """The shift of the spectral image per shot and the lines that move with it."""
        self.first_pulse_id = 2 * int(rng.integers(5_000_000, 50_000_000)) + 1
        offset_x, size_x, offset_y, size_y = member.signal_roi
        self.columns = np.arange(offset_x, offset_x + size_x, dtype=np.float64)
        self.rows = np.arange(offset_y, offset_y + size_y, dtype=np.int64)
        self._still_weights = band_weights(self.camera, self.rows, self.columns, 0.0)
        self._still_weights32 = self._still_weights.astype(np.float32)
        self._still_fraction: F64 = self._still_weights.sum(axis=0)
        mask, value = stuck(self.camera, offset_x, size_x)
        self.dead_or_hot = (mask, value[mask].astype(np.uint16))
        """Which signal-profile columns are dead or hot, and what their pixels read."""
        hit_rng = _rng(self._entropy, 4)
        self.hit_rate = member.camera.xray_hits.draw(hit_rng) * 1e-4
        """Mean stray X-ray hits per pixel on an X-ray shot."""
        self.hit_level = member.camera.hit_level
        src = self.source
        angles = (2 * np.pi / src.fringe_periods)[:, None] * self.columns[None, :]
        angles += src.fringe_phases[:, None]
        self._fringe_cos, self._fringe_sin = np.cos(angles), np.sin(angles)

    @property
    def geometry(self) -> RoiGeometry:
        return self.camera.geometry

    @property
    def direction(self) -> Direction:
        return self.edge.direction

    def shot(self, index: int) -> Shot:
        return Shot(self, index)

    def shots(self, count: int, start: int = 0) -> Iterator[Shot]:
        for index in range(start, start + count):
            yield Shot(self, index)

    def draw(self, index: int) -> ShotDraw:
        """The random values of shot ``index`` (from its own seed, in a fixed order: one vector
        of normals cut at :data:`JITTER_CUT`, then one of uniforms)."""
        rng = _rng(self._entropy, 1, index)
        src, edge = self.source, self.edge
        n_fringes, n_smooth = src.fringe_periods.size, src.smooth_terms
        normal = cut_normal(rng, 7 + 2 * n_fringes + n_smooth)
        uniform = rng.random(3 + 2 * n_smooth)
        z = normal[:7].tolist()
        angle = 2 * math.pi * index / src.drift_period
        drift = [
            amplitude * math.sin(angle + phase)
            for amplitude, phase in zip(src.drift, src.drift_phases, strict=True)
        ]
        intensity = src.level * (1.0 + drift[2]) * (1.0 + src.intensity_jitter * z[2])
        dark = bool(uniform[0] < src.dark_probability)
        if dark:
            level = src.dark_level
            intensity *= level.low + (level.high - level.low) * float(uniform[1])
        low, high = edge.positions
        depth = self.depth * (1.0 + edge.depth_jitter * z[5])
        width = edge.width * (1.0 + edge.width_jitter * z[6])
        fringe = normal[7 : 7 + 2 * n_fringes].reshape(2, n_fringes)
        scale = src.smooth_scale
        return ShotDraw(
            centre=src.centre + drift[0] + src.centre_jitter * z[0],
            half_width=src.half_width * (1.0 + drift[1]) * (1.0 + src.width_jitter * z[1]),
            intensity=intensity,
            dark=dark,
            fringe_amplitudes=src.fringe_amplitudes
            * (1.0 + src.fringe_amplitude_jitter * fringe[0]),
            fringe_phases=src.fringe_phases + src.fringe_phase_jitter * fringe[1],
            smooth_periods=scale.low + (scale.high - scale.low) * uniform[3 : 3 + n_smooth],
            smooth_amplitudes=src.smooth_amplitude * normal[7 + 2 * n_fringes :],
            smooth_phases=(2 * math.pi) * uniform[3 + n_smooth :],
            pointing=self.camera.pointing_jitter * z[3],
            pedestal_offset=self.camera.pedestal_jitter * z[4],
            position=low + (high - low) * float(uniform[2]),
            depth=min(MAX_DEPTH, max(1e-4, depth)),
            width=min(edge.width_span.high, max(edge.width_span.low, width)),
        )


class Shot:
    """One shot of a run: its truth, its expected photons and its pixels (made on demand)."""

    def __init__(self, run: Run, index: int, *, afterglow: bool = True) -> None:
        """``afterglow=False``: without the previous frame's lag (the shot before a lagging
        shot is made so, to stop there)."""
        self.run = run
        self.index = index
        self.pulse_id = run.first_pulse_id + index
        self.is_xray = self.pulse_id % 2 == 0
        self.draw = draw = run.draw(index)
        self.shift = 0.0
        """Horizontal shift (px) of this shot's spectral image."""
        if run.shift.jitter:
            z = float(cut_normal(_rng(run._entropy, 11, index), 1)[0])
            self.shift = run.shift.jitter * z
        self._envelope = self._spectrum_without_edge(run.columns)
        extras = run.extras
        self.satellite = extras.satellite
        """Depth of the trailing step relative to the edge's on this shot."""
        if extras.satellite_jitter and self.is_xray:
            z = float(cut_normal(_rng(run._entropy, 9, index), 1)[0])
            self.satellite = max(0.0, extras.satellite * (1.0 + extras.satellite_jitter * z))
        lagging = afterglow and run.camera.lag and index > 0
        self._previous = Shot(run, index - 1, afterglow=False) if lagging else None
        """The shot before (for the lag), or None."""
        position = draw.position if self.is_xray else math.nan
        if self.is_xray and run.extras.scan_dwell:
            position = self._scan_position()
        envelope_at_edge = math.nan
        _, size_x, _, size_y = run.member.signal_roi
        self._roi_hits = self._draw_hits(
            5, ((size_y, size_x), (run.member.background_roi[3], size_x))
        )
        on_signal = self._roi_hits[0][1]
        hits = int(np.count_nonzero(~run.dead_or_hot[0][on_signal]))
        if self.is_xray:
            at = np.array([run.member.signal_roi[0] + position])
            envelope_at_edge = float(self._shape(at)[0])
        self.truth = ShotTruth(
            index=index,
            pulse_id=self.pulse_id,
            is_xray=self.is_xray,
            position=position,
            depth=draw.depth if self.is_xray else math.nan,
            width=draw.width if self.is_xray else math.nan,
            shape=run.edge.shape if self.is_xray else None,
            intensity=draw.intensity,
            envelope_at_edge=envelope_at_edge,
            near_dark=draw.dark,
            hits=hits,
        )

    def _scan_position(self) -> float:
        """The edge's position in a delay scan: the column of the scan step holding this shot
        (a new random delay every ``scan_dwell`` shots, from stream 12) plus the arrival-time
        jitter (stream 13), within the run's range of positions."""
        run = self.run
        low, high = run.edge.positions
        dwell = max(1, round(run.extras.scan_dwell))
        offset = int(_rng(run._entropy, 12).integers(dwell))
        level = low + (high - low) * float(
            _rng(run._entropy, 12, (self.index + offset) // dwell).random()
        )
        z = float(cut_normal(_rng(run._entropy, 13, self.index), 1)[0])
        return min(high, max(low, level + run.extras.scan_jitter * z))

    def _draw_hits(self, stream: int, shapes: tuple[tuple[int, int], ...]) -> list[Hits]:
        """Stray X-ray hits on blocks of pixels of these ``(rows, columns)`` shapes, from the
        shot's stream ``stream``: each block's hit rows, columns and counts (none on a reference
        shot or for a member without hits)."""
        run = self.run
        if not self.is_xray or run.hit_rate == 0.0:
            return [_NO_HITS for _ in shapes]
        rng = _rng(run._entropy, stream, self.index)
        level = run.hit_level
        result = []
        for rows, columns in shapes:
            count = int(rng.poisson(run.hit_rate * rows * columns))
            result.append(
                (
                    rng.integers(0, rows, count),
                    rng.integers(0, columns, count),
                    np.floor(rng.uniform(level.low, level.high, count)).astype(np.int64),
                )
            )
        return result

    def _shape(self, columns: F64) -> F64:
        """The shot's envelope relative to the run's nominal peak."""
        src, draw = self.run.source, self.draw
        stretch = draw.half_width / src.half_width
        height, offset, width = src.lobe
        result: F64 = spectrum.envelope(
            columns,
            draw.centre + self.shift if self.shift else draw.centre,
            draw.half_width,
            src.order,
            src.asymmetry,
            lobe=(height, offset * stretch, width * stretch),
        ) * (1.0 / src.peak)
        return result

    def _spectrum_without_edge(self, columns: F64) -> F64:
        """Photons per column over the whole light band, before the edge, at ``columns`` (a
        run of consecutive camera columns)."""
        src, draw = self.run.source, self.draw
        first, count = int(columns[0]), columns.size
        result = self._shape(columns)
        result *= src.response[first : first + count]
        result *= PEAK_PHOTONS * draw.intensity
        moved = (2.0 * math.pi * self.shift) / src.fringe_periods if self.shift else None
        if columns is self.run.columns:  # the run's fringes at the shot's phase jitter
            jitter = draw.fringe_phases - src.fringe_phases
            if moved is not None:
                jitter = jitter - moved
            for k, amplitude in enumerate(draw.fringe_amplitudes.tolist()):
                if amplitude:
                    ripple = self.run._fringe_cos[k] * (amplitude * math.cos(jitter[k]))
                    ripple -= self.run._fringe_sin[k] * (amplitude * math.sin(jitter[k]))
                    ripple += 1.0
                    result *= ripple
        else:
            phases = draw.fringe_phases if moved is None else draw.fringe_phases - moved
            result *= spectrum.fringes(
                first, count, src.fringe_periods, draw.fringe_amplitudes, phases
            )
        lines = self.run.shift.lines(columns, self.shift)
        if lines is not None:
            result *= lines
        result *= spectrum.smooth_modulation(
            first, count, draw.smooth_periods, draw.smooth_amplitudes, draw.smooth_phases
        )
        return result

    def transmission(self, columns: F64, position: float | None = None) -> F64:
        """The sample's transmission at camera ``columns`` for an edge at profile position
        ``position`` (default: the truth; a reference shot has none unless one is given)."""
        if position is None:
            position = self.truth.position
        if math.isnan(position):
            return np.ones_like(columns)
        edge, extras = self.run.edge, self.run.extras
        if extras.fresnel_scale:
            fraction = spectrum.chirp_limited_fraction(
                columns,
                self.run.member.signal_roi[0] + position,
                edge.shape,
                self.draw.width,
                edge.side,
                scale=extras.fresnel_scale,
                ratio=extras.fresnel_ratio,
            )
        else:
            fraction = spectrum.edge_fraction(
                columns,
                self.run.member.signal_roi[0] + position,
                edge.shape,
                self.draw.width,
                edge.side,
                overshoot=edge.overshoot,
                ringing=edge.ringing,
            )
        if not (self.satellite or extras.feature):
            return spectrum.transmission(fraction, self.draw.depth, self.run.member.edge.change)
        if self.satellite:
            trailing = self.run.member.signal_roi[0] + position
            trailing += edge.side * extras.satellite_offset
            fraction += self.satellite * spectrum.edge_fraction(
                columns, trailing, edge.shape, self.draw.width, edge.side
            )
        if extras.feature:
            u = (columns - extras.feature_column) * (1.0 / extras.feature_width)
            fraction *= 1.0 - extras.feature * np.exp(-0.5 * u * u)
        result = spectrum.transmission(fraction, self.draw.depth, self.run.member.edge.change)
        return np.maximum(result, 0.02)

    def band_photons(self, position: float | None = None) -> F64:
        """Expected photons per signal-profile column over the whole light band."""
        result: F64 = self._envelope * self.transmission(self.run.columns, position)
        added = self._added_photons(self.run.columns)
        if added is not None:
            result += added
        return result

    def _added_photons(self, columns: F64) -> F64 | None:
        """Light that does not pass the sample's edge, at ``columns``: an X-ray shot's
        luminescence and the previous frame's afterglow (None if there is neither)."""
        run, extras = self.run, self.run.extras
        result: F64 | None = None
        if extras.luminescence and self.is_xray:
            u = (columns - extras.luminescence_centre) * (1.0 / extras.luminescence_width)
            first = int(columns[0])
            energy = self.draw.depth / run.depth
            scale = extras.luminescence * run.source.level * PEAK_PHOTONS * energy
            response = run.source.response[first : first + columns.size]
            result = np.exp(-0.5 * u * u) * scale * response
        previous = self._previous
        if previous is not None:
            if columns is run.columns:
                before = previous._envelope * previous.transmission(columns)
            else:
                before = previous._spectrum_without_edge(columns) * previous.transmission(columns)
            before *= run.camera.lag
            result = before if result is None else result + before
        return result

    def _weights(self, rows: I64, columns: F64) -> F64:
        run = self.run
        if self.draw.pointing == 0.0 and rows is run.rows and columns is run.columns:
            return run._still_weights
        return band_weights(run.camera, rows, columns, self.draw.pointing)

    def roi_fraction(self) -> F64:
        """Fraction of each column's light on the signal ROI's rows."""
        if self.draw.pointing == 0.0:
            return self.run._still_fraction
        result: F64 = self._weights(self.run.rows, self.run.columns).sum(axis=0)
        return result

    def roi_photons(self) -> F64:
        """Expected photons per pixel of the signal ROI (rows x columns)."""
        result: F64 = self._weights(self.run.rows, self.run.columns) * self.band_photons()
        return result

    def expected_light(self, position: float | None = None) -> F64:
        """Mean counts from light in each signal-profile column (summed over the ROI's rows),
        for an edge at ``position`` (default: the truth); 0 in dead and hot columns."""
        if self.run.camera.full_scale < 65535.0:
            return self._saturated(position)[0]
        light = self.band_photons(position) * self.roi_fraction()
        light *= self.run.camera.gain
        light[self.run.dead_or_hot[0]] = 0.0
        return light

    def _saturated(self, position: float | None = None) -> tuple[F64, F64]:
        """:meth:`expected_light` and :meth:`profile_variance` of a camera that saturates below
        65535: each pixel's value taken as a Gaussian (mean ``pedestal + gain * photons - 0.5``,
        the variance of photon, read and truncation noise) cut at the full scale."""
        run, camera = self.run, self.run.camera
        offset_x, size_x, _, size_y = run.member.signal_roi
        pedestal = camera.pedestal[offset_x : offset_x + size_x] + self.draw.pedestal_offset
        photons = self._weights(run.rows, run.columns) * self.band_photons(position)
        mean = photons * camera.gain + (pedestal - 0.5)
        spread = np.sqrt(
            photons * (camera.gain * camera.excess_noise) ** 2
            + (camera.read_noise**2 + TRUNCATION_VARIANCE)
        )
        t = (camera.full_scale - mean) / spread
        density = np.exp(-0.5 * t * t) * (1.0 / math.sqrt(2.0 * math.pi))
        below = 0.5 * (1.0 + spectrum.erf(t * (1.0 / math.sqrt(2.0))))
        shift = t * (1.0 - below) - density
        light: F64 = (mean + spread * shift).sum(axis=0) - size_y * (pedestal - 0.5)
        second = below - t * density + t * t * (1.0 - below)
        variance: F64 = (spread * spread * (second - shift * shift)).sum(axis=0)
        light[run.dead_or_hot[0]] = 0.0
        variance[run.dead_or_hot[0]] = 0.0
        return light, variance

    def expected_profile(self, position: float | None = None) -> F64:
        """Mean of the signal profile (counts per column): :meth:`expected_light` plus the dark
        level, the truncation's -0.5 per pixel included, clipping at 0 neglected."""
        camera, run = self.run.camera, self.run
        offset_x, size_x, _, size_y = run.member.signal_roi
        pedestal = camera.pedestal[offset_x : offset_x + size_x] + self.draw.pedestal_offset
        profile: F64 = self.expected_light(position) + size_y * (pedestal - 0.5)
        mask, value = run.dead_or_hot
        profile[mask] = size_y * value.astype(np.float64)
        return profile

    def profile_derivative(self, step: float = 0.05) -> F64:
        """Derivative of the expected signal profile with respect to the edge position (counts
        per px), by central differences of half-step ``step``; zeros on a reference shot."""
        if not self.is_xray:
            return np.zeros(self.run.columns.size)
        position = self.truth.position
        upper = self.expected_light(position + step)
        upper -= self.expected_light(position - step)
        upper *= 0.5 / step
        return upper

    def profile_variance(self) -> F64:
        """Variance of each signal-profile column (photon, read and truncation noise); 0 for
        dead and hot columns."""
        camera, run = self.run.camera, self.run
        if camera.full_scale < 65535.0:
            return self._saturated()[1]
        size_y = run.member.signal_roi[3]
        variance = self.expected_light() * camera.gain
        if camera.excess_noise != 1.0:
            variance *= camera.excess_noise**2
        variance += size_y * (camera.read_noise**2 + TRUNCATION_VARIANCE)
        variance[run.dead_or_hot[0]] = 0.0
        return variance

    def roi_pixels(self) -> RoiPixels:
        """The signal and background ROIs' pixels, exactly as they are in :meth:`image`."""
        run, camera = self.run, self.run.camera
        offset_x, size_x, _, size_y = run.member.signal_roi
        background_rows = run.member.background_roi[3]
        pedestal = camera.pedestal[offset_x : offset_x + size_x] + self.draw.pedestal_offset
        rng = _rng(run._entropy, 2, self.index)
        photons = self.band_photons().astype(np.float32)
        if self.draw.pointing == 0.0:
            photons = run._still_weights32 * photons
        else:
            photons = self._weights(run.rows, run.columns).astype(np.float32) * photons
        pedestal32 = pedestal.astype(np.float32)
        gain, read_noise = camera.gain, camera.read_noise
        signal = render(
            photons,
            pedestal32,
            gain=gain,
            read_noise=read_noise,
            rng=rng,
            shape=(size_y, size_x),
            exact_below=run.exact_below,
            full_scale=camera.full_scale,
            excess_noise=camera.excess_noise,
        )
        background = render(
            None,
            pedestal32,
            gain=gain,
            read_noise=read_noise,
            rng=rng,
            shape=(background_rows, size_x),
            full_scale=camera.full_scale,
        )
        limit = int(min(camera.full_scale, 65535.0))
        _add_hits(signal, self._roi_hits[0], limit)
        _add_hits(background, self._roi_hits[1], limit)
        mask, value = run.dead_or_hot
        signal[:, mask] = value
        background[:, mask] = value
        return RoiPixels(signal, background)

    def image(self) -> U16:
        """The whole camera image (height x width, uint16): the band spread over the rows, the
        ROIs' pixels those of :meth:`roi_pixels`, the other pixels from a separate stream."""
        run, camera = self.run, self.run.camera
        geometry = camera.geometry
        columns = np.arange(geometry.width, dtype=np.float64)
        rows = np.arange(geometry.height, dtype=np.int64)
        band = self._spectrum_without_edge(columns) * self.transmission(columns)
        added = self._added_photons(columns)
        if added is not None:
            band += added
        photons = (self._weights(rows, columns) * band).astype(np.float32)
        rng = _rng(run._entropy, 3, self.index)
        pedestal = (camera.pedestal + self.draw.pedestal_offset).astype(np.float32)
        shape = (geometry.height, geometry.width)
        image = render(
            photons,
            pedestal,
            gain=camera.gain,
            read_noise=camera.read_noise,
            rng=rng,
            shape=shape,
            exact_below=run.exact_below,
            full_scale=camera.full_scale,
            excess_noise=camera.excess_noise,
        )
        _add_hits(image, self._draw_hits(6, (shape,))[0], int(min(camera.full_scale, 65535.0)))
        stuck_columns(camera, image, 0)
        roi = self.roi_pixels()
        for block, (ox, sx, oy, sy) in (
            (roi.signal, geometry.signal),
            (roi.background, geometry.background),
        ):
            image[oy : oy + sy, ox : ox + sx] = block
        return image
