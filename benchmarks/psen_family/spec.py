"""What a family member is: frozen dataclasses of RANGES from which a run's parameters are drawn.

A member is one kind of PSEN set-up (camera, white-light source, sample response). A run of a
member draws concrete values from each :class:`Span` once (per run), and draws the shot-to-shot
jitter from distributions whose sizes are those per-run values. Every per-shot value is kept
inside bounds that follow from the spans (normal draws are cut at 3 sigma), so a test can check
that nothing strays out of what the member declares.

Units: columns and rows are camera pixels; relative quantities are fractions (0.08 = 8 %);
photon levels are fractions of :data:`PEAK_PHOTONS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

__all__ = [
    "JITTER_CUT",
    "PEAK_PHOTONS",
    "CameraSpec",
    "Change",
    "CountSpan",
    "Direction",
    "EdgeShape",
    "EdgeSpec",
    "FringeSpec",
    "Member",
    "SourceSpec",
    "Span",
    "still",
]

PEAK_PHOTONS = 25000.0
"""Nominal full scale: photons per camera column at the spectrum's peak, summed over the light
band's rows (the signal ROI holds 95-99 % of them), at photon level 1 and before fringes and
modulations: 1,000-2,500 photons in the brightest pixel of a column, 2,000-5,000 counts at a
gain of 1-2 counts per photon, a quarter to half of a 12-bit camera's range. Photon levels of
0.1-1 span 2,500-25,000 photons per column: a real PSEN camera near its full well collects
10 to 100 times more than the dimmest level (first set at 2,500 for level 1, raised before any
method was tuned on the family, as far below what the cameras collect)."""

JITTER_CUT = 3.0
"""Every normal shot-to-shot draw is cut at this many standard deviations."""

Direction = Literal["rising", "falling"]
"""``falling``: the X-ray shot's profile drops, relative to the reference, towards higher
columns; ``rising``: it climbs (the service's ``direction`` setting)."""

Change = Literal["absorption", "bleaching"]
"""The X-rays lower (absorption) or raise (bleaching) the probe's transmission after arrival."""

EdgeShape = Literal["erf", "logistic"]


@dataclass(frozen=True, slots=True)
class Span:
    """A closed interval ``[low, high]``; a run draws one value uniformly from it."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low <= self.high):
            raise ValueError(f"invalid span [{self.low}, {self.high}]")

    def draw(self, rng: np.random.Generator) -> float:
        return self.low if self.low == self.high else float(rng.uniform(self.low, self.high))

    def holds(self, value: float, slack: float = 1e-9) -> bool:
        return self.low - slack <= value <= self.high + slack


def fixed(value: float) -> Span:
    """A span of one value."""
    return Span(value, value)


ZERO = fixed(0.0)


@dataclass(frozen=True, slots=True)
class CountSpan:
    """A closed interval of whole numbers; a run draws one uniformly."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high:
            raise ValueError(f"invalid count span [{self.low}, {self.high}]")

    def draw(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high + 1))

    def holds(self, value: int) -> bool:
        return self.low <= value <= self.high


NONE = CountSpan(0, 0)


@dataclass(frozen=True, slots=True)
class FringeSpec:
    """One etalon (a window, a filter, a beam splitter): a cosine ripple of the transmission,
    fixed in pixel space up to a phase that jitters from shot to shot (vibration, air)."""

    period: Span
    """Ripple period (px), 8-700 in the family."""
    amplitude: Span
    """Relative amplitude of the ripple (0.08 = +-8 %)."""
    phase_jitter: Span = ZERO
    """Shot-to-shot phase jitter, rms (rad)."""
    amplitude_jitter: Span = ZERO
    """Shot-to-shot relative jitter of the amplitude, rms (0.2 = 20 % of the amplitude)."""


@dataclass(frozen=True, slots=True)
class CameraSpec:
    """The camera, the light band on it and the two ROIs.

    The light band is a Gaussian in the vertical direction (cut at 4 sigma), centred on
    ``light_row``, bent by a parabolic "smile" of ``smile`` rows at the camera's ends, moved by
    the beam's vertical pointing jitter from shot to shot. The background ROI's rows get no
    light at all (checked when the member is made). Pixel values: ``floor(pedestal + gain *
    photons + read noise)`` clipped to 0..65535; dead columns read 0, hot columns a fixed high
    value, in every row. On X-ray shots, stray X-ray photons may hit single pixels
    (``xray_hits``).
    """

    width: int
    height: int
    signal_columns: tuple[int, int]
    """``(offset_x, size_x)`` of both ROIs."""
    signal_rows: tuple[int, int]
    """``(offset_y, size_y)`` of the signal ROI."""
    background_rows: tuple[int, int]
    """``(offset_y, size_y)`` of the background ROI (dark rows)."""
    light_row: Span
    light_sigma: Span
    """Vertical rms of the light band (rows)."""
    smile: Span = ZERO
    pointing_jitter: Span = ZERO
    """Vertical pointing jitter of the band, rms (rows) per shot."""
    gain: Span = Span(1.5, 1.5)
    """Counts per photon."""
    pedestal: Span = Span(100.0, 100.0)
    """Dark level per pixel (counts)."""
    pedestal_columns: Span = ZERO
    """Rms of the fixed per-column pedestal pattern (counts, the same in every row)."""
    pedestal_jitter: Span = ZERO
    """Rms of the whole pedestal's shot-to-shot offset (counts)."""
    read_noise: Span = Span(3.0, 3.0)
    """Gaussian read noise per pixel, rms (counts)."""
    dead_columns: CountSpan = NONE
    hot_columns: CountSpan = NONE
    hot_level: Span = Span(60000.0, 60000.0)
    """Value of a hot (stuck high) column's pixels (counts)."""
    xray_hits: Span = ZERO
    """Mean number of stray X-ray photons hitting the sensor on an X-ray shot, per 10,000
    pixels (scatter from the sample or the beamline reaching a poorly shielded camera); none
    on reference shots. Each hit adds its counts to one pixel (dead and hot columns keep their
    values); hits are not in the expected profile nor in the Cramer-Rao bound."""
    hit_level: Span = Span(500.0, 4000.0)
    """Counts one stray X-ray photon deposits (drawn per hit, uniformly in the span)."""
    full_scale: float = 65535.0
    """Highest pixel value: the ADC saturates there (4095 for a 12-bit readout). Below 65535
    the expected profile and the bound take the saturation into account (the pixels' Gaussian
    law cut at this value); at 65535, the default, nothing changes."""
    excess_noise: Span = Span(1.0, 1.0)
    """Excess noise factor ``F`` of the photon noise (an intensifier's or an electron
    multiplier's gain statistics): the variance of the light's counts is ``F^2 * gain^2 *
    photons``; 1 (the default) is plain shot noise. Only the Gaussian rendering applies it (the
    exact Poisson draws, used on request for dim pixels, do not)."""
    lag: Span = ZERO
    """Fraction of the previous frame's light that a frame holds as well (a phosphor's
    afterglow, an incompletely reset sensor): shot ``k`` gets ``lag`` times the expected light of
    shot ``k - 1`` (with its edge, if it was an X-ray shot) on top of its own; shot 0 none.
    Requires no pointing jitter (the afterglow sits where the band was). Default off."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """The white-light probe spectrum on the camera and how it changes.

    The envelope is an asymmetric super-Gaussian ``exp(-|x - centre|^order / (2 w^order))``,
    ``w = half_width * (1 -+ asymmetry)`` left and right of the centre, plus an optional
    Gaussian side lobe; it is multiplied by a fixed fine structure (per-column response and
    narrow spectrometer/absorption lines, fixed in pixel space), the etalon ripples, and smooth
    modulations (cosines of periods ``smooth_scale``) drawn anew on every shot.
    """

    centre: Span
    """Envelope centre (camera column)."""
    half_width: Span
    """Where the main lobe has fallen to exp(-1/2) (px)."""
    order: Span = Span(2.0, 2.0)
    """Super-Gaussian power (2 is a Gaussian; larger is flatter on top and steeper)."""
    asymmetry: Span = ZERO
    lobe_height: Span = ZERO
    """Side lobe's height relative to the main lobe's."""
    lobe_offset: Span = ZERO
    """Side lobe's centre relative to the envelope centre (px)."""
    lobe_width: Span = Span(100.0, 100.0)
    """Side lobe's rms width (px)."""
    photon_level: Span = Span(1.0, 1.0)
    """Fraction of :data:`PEAK_PHOTONS` at the envelope's peak."""
    pixel_response: Span = ZERO
    """Rms of the fixed per-column response (0.01 = 1 %)."""
    lines: CountSpan = NONE
    """Number of fixed narrow dips (spectrometer features, absorption lines)."""
    line_depth: Span = Span(0.1, 0.1)
    line_width: Span = Span(3.0, 3.0)
    """Rms width of a line (px)."""
    fringes: tuple[FringeSpec, ...] = ()
    smooth_terms: int = 3
    smooth_scale: Span = Span(150.0, 1200.0)
    """Periods of the per-shot smooth modulations (px); each term draws its own per shot."""
    smooth_amplitude: Span = ZERO
    """Rms amplitude of each smooth modulation term."""
    centre_jitter: Span = ZERO
    """Shot-to-shot rms of the envelope centre (px)."""
    width_jitter: Span = ZERO
    """Shot-to-shot relative rms of the envelope width."""
    intensity_jitter: Span = ZERO
    """Shot-to-shot relative rms of the total intensity (at most 1/3)."""
    dark_probability: Span = ZERO
    """Probability of a near-dark shot (the probe nearly missing)."""
    dark_level: Span = Span(0.03, 0.2)
    """Intensity of a near-dark shot relative to its normal one."""
    centre_drift: Span = ZERO
    """Amplitude of the slow sinusoidal drift of the centre over the run (px)."""
    width_drift: Span = ZERO
    intensity_drift: Span = ZERO
    drift_period: Span = Span(10000.0, 10000.0)
    """Period of the slow drifts (shots)."""
    shift_jitter: Span = ZERO
    """Shot-to-shot rms (px) of a common horizontal shift of the whole spectral image (the
    probe's pointing at a slitless spectrometer's entrance moves the wavelength scale on the
    camera): the envelope, the fringes and the ``shifting_lines`` move with it on each shot; the
    per-column response and the fixed ``lines`` stay. Default off."""
    shifting_lines: CountSpan = NONE
    """Number of narrow dips fixed in wavelength (a filter's or a gas's absorption lines), which
    move with the shot's shift (drawn per run, anywhere on the camera)."""
    shifting_line_depth: Span = Span(0.1, 0.1)
    shifting_line_width: Span = Span(3.0, 3.0)
    """Rms width of a shifting line (px)."""


@dataclass(frozen=True, slots=True)
class EdgeSpec:
    """The X-ray-induced step of the probe's transmission.

    Transmission ``1 -+ depth * a(x)``: ``a`` goes from 0 to 1 across the edge (erf or logistic
    with a 10-90 % width ``width``), on the side the X-rays reached first in the chirped probe;
    an overshoot adds a damped ringing that is zero at the edge, so the transmission has changed
    by exactly half the depth at the true position.
    """

    direction: Direction
    change: Change = "absorption"
    shapes: tuple[EdgeShape, ...] = ("erf",)
    """A run uses one of these (drawn)."""
    width: Span = Span(10.0, 10.0)
    """10-90 % width (px)."""
    width_jitter: Span = ZERO
    """Shot-to-shot relative rms of the width (kept inside ``width``)."""
    depth_jitter: Span = ZERO
    """Shot-to-shot relative rms of the depth around the benchmark's nominal depth."""
    overshoot: Span = ZERO
    """Amplitude of the ringing relative to the depth."""
    ringing: Span = Span(3.0, 3.0)
    """Period of the ringing in units of the edge width."""
    floor: Span = Span(0.15, 0.15)
    """Edges lie where the run's nominal envelope is at least this fraction of its peak."""
    satellite: Span = ZERO
    """Depth of a second, trailing step relative to the edge's (a second X-ray pulse, as in a
    two-bunch mode): the change grows by ``satellite * depth`` once more, ``satellite_offset``
    px further into the affected side. The true position stays the leading edge's. Default
    off."""
    satellite_offset: Span = Span(60.0, 60.0)
    """Distance of the trailing step from the edge (px, per run)."""
    satellite_jitter: Span = ZERO
    """Shot-to-shot relative rms of the trailing step's depth (its own pulse energy)."""
    feature: Span = ZERO
    """Strength ``b`` of a narrow spectral feature of the X-ray-induced change, fixed on the
    camera: the local change is ``depth * (1 - b * exp(-(x - c)^2 / (2 w^2)))`` (``b > 1``: the
    change reverses sign inside the feature), ``c`` = ``feature_column``, ``w`` =
    ``feature_width``. At the true position the change is half of its local size. Default
    off."""
    feature_column: Span = Span(0.0, 0.0)
    """Camera column of the feature's centre (per run)."""
    feature_width: Span = Span(10.0, 10.0)
    """Rms width of the feature (px)."""
    luminescence: Span = ZERO
    """X-ray-excited luminescence of the sample reaching the spectrometer on X-ray shots only:
    a Gaussian band of light whose peak is this fraction of the run's nominal probe peak
    (photons per column), scaled on each shot by that shot's X-ray pulse energy (the depth's
    jitter) and not by the probe's intensity; not attenuated by the edge. Default off."""
    luminescence_centre: Span = Span(0.0, 0.0)
    """Camera column of the luminescence band's peak (per run)."""
    luminescence_width: Span = Span(200.0, 200.0)
    """Rms width of the luminescence band (px)."""
    fresnel_scale: Span = ZERO
    """Chirp-limited edge (default off): the scale ``s`` (px) of the Fresnel pattern that a
    sudden change of a linearly chirped probe's transmission leaves in its spectrum, the
    stationary-phase mapping of time to wavelength being only approximate. The fraction of the
    change is ``(1 + C(u) + S(u)) / 2 - r (S(u) - C(u)) / 2`` (``u = x / s`` measured into the
    affected side, ``C`` and ``S`` the Fresnel integrals, ``r`` = ``fresnel_ratio``): a step
    with a ringing of falling period on both sides of the edge (about 17 % of the change at its
    first turn), smoothed by the run's edge shape of the drawn width (the X-ray pulse's duration
    and the spectrometer's resolution). Exactly half of the change at the true position. Not
    combined with an overshoot."""
    fresnel_ratio: Span = ZERO
    """Ratio ``r`` of the refractive (phase) to the absorptive part of the X-ray-induced change
    (per run): an odd, dispersive term that changes the ringing's size and phase (the pattern
    stays point-symmetric about the edge)."""
    scan_dwell: Span = ZERO
    """Delay scan (default off): the laser's delay stage moves to a new, random delay every
    this many shots (per run); the edge then sits at that delay's column plus the arrival-time
    jitter ``scan_jitter`` (rms px, cut at 3 sigma, kept within the run's edge range) instead of
    anywhere in the range on every shot."""
    scan_jitter: Span = Span(10.0, 10.0)
    """Rms arrival-time jitter (px) around a scan step's column."""


@dataclass(frozen=True, slots=True)
class Member:
    """One member of the family: a name, what it represents, and its ranges."""

    name: str
    description: str
    camera: CameraSpec
    source: SourceSpec
    edge: EdgeSpec
    tags: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        check_member(self)

    @property
    def signal_roi(self) -> tuple[int, int, int, int]:
        """``[offset_x, size_x, offset_y, size_y]`` of the signal ROI."""
        return (*self.camera.signal_columns, *self.camera.signal_rows)

    @property
    def background_roi(self) -> tuple[int, int, int, int]:
        return (*self.camera.signal_columns, *self.camera.background_rows)


def _band_reach(camera: CameraSpec) -> tuple[float, float]:
    """Lowest and highest row the light band can reach (4 sigma, smile and pointing jitter)."""
    spread = 4.0 * camera.light_sigma.high + JITTER_CUT * camera.pointing_jitter.high
    low = camera.light_row.low + min(0.0, camera.smile.low) - spread
    high = camera.light_row.high + max(0.0, camera.smile.high) + spread
    return low, high


def check_member(member: Member) -> None:
    """Raise ValueError for a member whose geometry or ranges cannot work."""
    cam, src, edge = member.camera, member.source, member.edge
    ox, sx = cam.signal_columns
    if ox < 0 or sx < 128 or ox + sx > cam.width:
        raise ValueError(f"{member.name}: signal columns {cam.signal_columns} do not fit")
    for rows in (cam.signal_rows, cam.background_rows):
        if rows[0] < 0 or rows[1] < 1 or rows[0] + rows[1] > cam.height:
            raise ValueError(f"{member.name}: rows {rows} do not fit {cam.height}")
    low, high = _band_reach(cam)
    if low < 0 or high > cam.height - 1:
        raise ValueError(f"{member.name}: the light band leaves the image")
    b0, bs = cam.background_rows
    if not (b0 + bs - 1 < low or b0 > high):
        raise ValueError(f"{member.name}: the background rows are not dark")
    if (
        src.intensity_jitter.high > 1.0 / JITTER_CUT
        or src.width_jitter.high > 0.25
        or src.intensity_drift.high >= 0.5
        or src.width_drift.high >= 0.5
    ):
        raise ValueError(f"{member.name}: jitter too large")
    if edge.width.low < 1.0 or edge.ringing.low < 1.5 or edge.overshoot.high > 0.4:
        raise ValueError(f"{member.name}: edge width below 1 px or too strong a ringing")
    if any(
        f.amplitude.high * (1 + JITTER_CUT * f.amplitude_jitter.high) >= 0.5 for f in src.fringes
    ):
        raise ValueError(f"{member.name}: a fringe amplitude reaches 50 %")
    if not 0.0 < edge.floor.low <= edge.floor.high < 1.0:
        raise ValueError(f"{member.name}: edge floor out of (0, 1)")
    if cam.hot_level.high > 65535 or cam.gain.low <= 0 or src.photon_level.low <= 0:
        raise ValueError(f"{member.name}: invalid camera levels")
    if cam.xray_hits.low < 0 or cam.hit_level.low < 0 or cam.hit_level.high > 65535:
        raise ValueError(f"{member.name}: invalid camera levels")
    if not 0 < cam.full_scale <= 65535 or cam.hot_level.high > cam.full_scale:
        raise ValueError(f"{member.name}: invalid full scale")
    if cam.excess_noise.low < 1.0 or cam.lag.low < 0.0 or cam.lag.high >= 0.5:
        raise ValueError(f"{member.name}: invalid excess noise or lag")
    if cam.lag.high > 0.0 and cam.pointing_jitter.high > 0.0:
        raise ValueError(f"{member.name}: a lag needs a band without pointing jitter")
    if (
        edge.satellite.low < 0.0
        or edge.satellite.high * (1 + JITTER_CUT * edge.satellite_jitter.high) > 1.5
        or (edge.satellite.high > 0.0 and edge.satellite_offset.low < edge.width.high)
        or edge.feature.low < 0.0
        or edge.feature.high > 3.0
        or edge.feature_width.low < 1.0
        or edge.luminescence.low < 0.0
        or edge.luminescence_width.low < 1.0
    ):
        raise ValueError(f"{member.name}: invalid satellite, feature or luminescence")
    if (
        edge.fresnel_scale.low < 0.0
        or (edge.fresnel_scale.high > 0.0 and edge.fresnel_scale.low < 1.0)
        or (edge.fresnel_scale.high > 0.0 and edge.overshoot.high > 0.0)
        or abs(edge.fresnel_ratio.low) > 2.0
        or abs(edge.fresnel_ratio.high) > 2.0
        or edge.scan_dwell.low < 0.0
        or (edge.scan_dwell.high > 0.0 and edge.scan_dwell.low < 1.0)
        or edge.scan_jitter.low < 0.0
    ):
        raise ValueError(f"{member.name}: invalid chirp-limited edge or delay scan")
    if (
        src.shift_jitter.low < 0.0
        or src.shifting_line_width.low < 0.5
        or not 0.0 <= src.shifting_line_depth.low <= src.shifting_line_depth.high < 1.0
    ):
        raise ValueError(f"{member.name}: invalid spectral shift or shifting lines")


def still(member: Member) -> Member:
    """The member with every shot-to-shot change and drift switched off (the fixed structure,
    fringes at their run phase and the camera noise stay, stray X-ray hits, a lag, an X-ray
    luminescence and the spectral image's shift go; a delay scan stays): X-ray and reference
    shots differ only by the edge."""
    fringes = tuple(
        replace(f, phase_jitter=ZERO, amplitude_jitter=ZERO) for f in member.source.fringes
    )
    source = replace(
        member.source,
        fringes=fringes,
        smooth_amplitude=ZERO,
        centre_jitter=ZERO,
        width_jitter=ZERO,
        intensity_jitter=ZERO,
        dark_probability=ZERO,
        centre_drift=ZERO,
        width_drift=ZERO,
        intensity_drift=ZERO,
        shift_jitter=ZERO,
    )
    camera = replace(
        member.camera, pointing_jitter=ZERO, pedestal_jitter=ZERO, xray_hits=ZERO, lag=ZERO
    )
    edge = replace(
        member.edge, width_jitter=ZERO, depth_jitter=ZERO, satellite_jitter=ZERO, luminescence=ZERO
    )
    return replace(member, name=f"{member.name}-still", camera=camera, source=source, edge=edge)
