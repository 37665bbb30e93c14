"""The fifth held-out members (written 2026-11-29): run once on 2026-11-29 (at commit
be618c1), they are now TUNING members.

They were kept from a method's author until the method was final; their results were run and
read on 2026-11-29, at be618c1, so they are no longer unseen: :data:`.members.TUNING_MEMBERS`
includes them and ``python benchmarks/family_benchmark.py`` runs them by default. The module and
its names stay as they were; the held-out members now are :data:`.heldout_12.HELDOUT_12_MEMBERS`
(``--heldout``).

They were written to differ in character from every tuning member of the time (the first ones
and the first, the second, the third and the fourth held-out sets of :mod:`.heldout`,
:mod:`.heldout_2`, :mod:`.heldout_3` and :mod:`.heldout_4`), not only in their seeds: a
spectrometer on a vibrating mount whose band jumps by more rows than any tuning
member's, bent the other way (a frown) and read through a tight ROI on a 12-bit camera; polymer
foil windows whose fine etalon ripple flexes to a nearly random phase on every shot; a
near-infrared probe through humid air, its spectrum combed by narrow water-vapour lines as sharp
as the edges; a high-repetition-rate line whose short exposures leave a starved probe over a
strong fixed column pattern and a wandering bias; and a liquid sheet jet whose slowly wandering
thickness changes the probe's transmission by tens of per cent over a run, under long-scale
breathing of the continuum and slow, wide edges.
"""

from __future__ import annotations

from .spec import CameraSpec, CountSpan, EdgeSpec, FringeSpec, Member, SourceSpec, Span

__all__ = ["HELDOUT_5_MEMBERS"]

FROWN_POINTING_VIBRATING_MOUNT = Member(
    name="frown_pointing_vibrating_mount",
    description=(
        "A compact spectrometer on a breadboard shared with the chamber's turbo pumps and a "
        "chiller: the light band jumps vertically by 1-1.6 rows rms from shot to shot, and the "
        "slit's image is bent the other way round from a smile (a frown: the band's ends 2.5-4 "
        "rows above its middle). A 1456-px global-shutter CMOS in its 12-bit mode (a 96-row "
        "band of a 1456 x 1088 sensor, black level 50-70, hot pixels stuck at up to 4095) read "
        "through a tight 14-row ROI centred on the band's middle, so that the share of each "
        "column's light inside the ROI changes along the spectrum and with every jump (by a "
        "few per cent in the middle, at the ends by up to half on the worst shots). The X-rays "
        "bleach and the edge rises, logistic, 6-10 px."
    ),
    camera=CameraSpec(
        width=1456,
        height=96,
        signal_columns=(28, 1400),
        signal_rows=(42, 14),
        background_rows=(82, 10),
        light_row=Span(48.0, 50.0),
        light_sigma=Span(2.5, 3.2),
        smile=Span(-4.0, -2.5),
        pointing_jitter=Span(1.0, 1.6),
        gain=Span(1.0, 1.3),
        pedestal=Span(50.0, 70.0),
        pedestal_columns=Span(0.3, 0.8),
        pedestal_jitter=Span(0.0, 0.5),
        read_noise=Span(2.0, 3.0),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(1000.0, 4095.0),
    ),
    source=SourceSpec(
        centre=Span(680.0, 780.0),
        half_width=Span(430.0, 520.0),
        order=Span(2.0, 2.6),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.3, 0.6),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(0, 2),
        fringes=(FringeSpec(Span(70.0, 110.0), Span(0.01, 0.02), Span(0.1, 0.3), Span(0.05, 0.1)),),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 6.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.0005, 0.001),
        centre_drift=Span(5.0, 15.0),
        width_drift=Span(0.005, 0.01),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="rising",
        change="bleaching",
        shapes=("logistic",),
        width=Span(6.0, 10.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

FLEXING_FOIL_WINDOWS = Member(
    name="flexing_foil_windows",
    description=(
        "The probe enters and leaves the vacuum chamber through polyimide (Kapton) foil windows "
        "of 25-50 um instead of glass. Each foil is a low-finesse etalon: a fine ripple of "
        "18-32 px at 2-4 % and a second one of 40-60 px at 1-2 %; the foils flex with the "
        "roughing pumps' vibration and the chamber's pressure, so the fine ripple's phase is "
        "nearly random from shot to shot (1.2-2.5 rad rms, the other's 0.8-1.5 rad) and its "
        "amplitude jitters by 15-30 %. The amber polyimide absorbs the blue, so the continuum "
        "is cut more steeply on that side (asymmetry 15-30 %). A 2048-px sCMOS (a 128-row "
        "band). Falling absorption edges, erf or logistic (one per run), 10-16 px."
    ),
    camera=CameraSpec(
        width=2048,
        height=128,
        signal_columns=(40, 1968),
        signal_rows=(56, 20),
        background_rows=(100, 12),
        light_row=Span(64.0, 67.0),
        light_sigma=Span(3.5, 4.5),
        smile=Span(0.0, 0.8),
        pointing_jitter=Span(0.05, 0.2),
        gain=Span(1.4, 1.8),
        pedestal=Span(90.0, 110.0),
        pedestal_columns=Span(0.5, 1.2),
        pedestal_jitter=Span(0.0, 0.5),
        read_noise=Span(1.8, 2.6),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(1000.0, 1100.0),
        half_width=Span(560.0, 640.0),
        order=Span(2.5, 3.5),
        asymmetry=Span(0.15, 0.3),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(1, 3),
        fringes=(
            FringeSpec(Span(18.0, 32.0), Span(0.02, 0.04), Span(1.2, 2.5), Span(0.15, 0.3)),
            FringeSpec(Span(40.0, 60.0), Span(0.01, 0.02), Span(0.8, 1.5), Span(0.1, 0.2)),
        ),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 8.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 15.0),
        width_drift=Span(0.005, 0.01),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("erf", "logistic"),
        width=Span(10.0, 16.0),
        width_jitter=Span(0.03, 0.08),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

HUMID_AIR_WATER_LINES = Member(
    name="humid_air_water_lines",
    description=(
        "A near-infrared continuum (880-1000 nm, from a YAG plate) crosses 2-3 m of humid air "
        "in the laser hutch: the water-vapour band near 940 nm leaves 12-24 narrow absorption "
        "lines (rms 1-2.5 px, 10-45 % deep) fixed on the camera, a comb of dips as narrow as "
        "the edges, and the spectrum slides under them (centre jitter 6-12 px, drift 10-25 px). "
        "The silicon's low efficiency there leaves the probe at 20-45 % of full scale on a "
        "2064-px CMOS (a 160-row band of a 2064 x 1544 sensor). Sharp rising absorption edges "
        "(reversed chirp), erf, 3-6 px, out to where the envelope is 15-20 % of its peak."
    ),
    camera=CameraSpec(
        width=2064,
        height=160,
        signal_columns=(32, 2000),
        signal_rows=(72, 16),
        background_rows=(8, 12),
        light_row=Span(78.0, 81.0),
        light_sigma=Span(2.8, 3.6),
        smile=Span(0.0, 0.6),
        pointing_jitter=Span(0.05, 0.2),
        gain=Span(1.0, 1.4),
        pedestal=Span(40.0, 60.0),
        pedestal_columns=Span(0.5, 1.0),
        pedestal_jitter=Span(0.0, 0.5),
        read_noise=Span(2.0, 3.0),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(2000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(980.0, 1080.0),
        half_width=Span(540.0, 620.0),
        order=Span(2.0, 2.8),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.2, 0.45),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(12, 24),
        line_depth=Span(0.1, 0.45),
        line_width=Span(1.0, 2.5),
        fringes=(
            FringeSpec(Span(150.0, 220.0), Span(0.005, 0.015), Span(0.05, 0.2), Span(0.02, 0.05)),
        ),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(6.0, 12.0),
        width_jitter=Span(0.005, 0.015),
        intensity_jitter=Span(0.05, 0.1),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(10.0, 25.0),
        width_drift=Span(0.005, 0.015),
        intensity_drift=Span(0.03, 0.06),
        drift_period=Span(4000.0, 9000.0),
    ),
    edge=EdgeSpec(
        direction="rising",
        shapes=("erf",),
        width=Span(3.0, 6.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

HIGHRATE_STARVED_COLUMN_PATTERN = Member(
    name="highrate_starved_column_pattern",
    description=(
        "A high-repetition-rate line (a superconducting linac, 100 kHz-class): the probe "
        "laser's pulses are weak and each exposure lasts a few microseconds, so the probe "
        "reaches only 10-14 % of full scale. A fast CMOS reads a 2048 x 40-row window through "
        "per-column ADCs whose offsets make a strong fixed column pattern (6-10 counts rms, "
        "above the read noise of 2.5-4 counts) and whose bias wanders by 1-2.5 counts from "
        "frame to frame. A tight band (rms 1.6-2.2 rows) in a 10-row ROI with the dark rows "
        "just below it; the fibre laser's intensity jitters by 6-10 % and 0.2-0.4 % of its "
        "pulses drop out. The X-rays bleach and the edge falls, erf, 4-8 px."
    ),
    camera=CameraSpec(
        width=2048,
        height=40,
        signal_columns=(24, 2000),
        signal_rows=(15, 10),
        background_rows=(32, 6),
        light_row=Span(19.5, 20.5),
        light_sigma=Span(1.6, 2.2),
        smile=Span(0.0, 0.5),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.0, 1.3),
        pedestal=Span(100.0, 140.0),
        pedestal_columns=Span(6.0, 10.0),
        pedestal_jitter=Span(1.0, 2.5),
        read_noise=Span(2.5, 4.0),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(0, 3),
        hot_level=Span(2000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(990.0, 1060.0),
        half_width=Span(520.0, 600.0),
        order=Span(2.0, 3.0),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.1, 0.14),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(0, 2),
        fringes=(FringeSpec(Span(60.0, 90.0), Span(0.01, 0.02), Span(0.1, 0.3), Span(0.05, 0.1)),),
        smooth_amplitude=Span(0.01, 0.02),
        centre_jitter=Span(4.0, 8.0),
        width_jitter=Span(0.005, 0.015),
        intensity_jitter=Span(0.06, 0.1),
        dark_probability=Span(0.002, 0.004),
        centre_drift=Span(5.0, 15.0),
        width_drift=Span(0.005, 0.01),
        intensity_drift=Span(0.03, 0.06),
    ),
    edge=EdgeSpec(
        direction="falling",
        change="bleaching",
        shapes=("erf",),
        width=Span(4.0, 8.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

LIQUID_SHEET_SLOW_EDGES = Member(
    name="liquid_sheet_slow_edges",
    description=(
        "The sample is a liquid sheet jet (1-3 um) whose thickness wanders with the HPLC "
        "pump's pressure and the nozzle's temperature: over 5,000-10,000 shots the probe's "
        "transmission swings by 20-35 % either way and the spectrum's centre by 20-40 px (a "
        "thicker sheet absorbs more of the blue), and the edge's depth jitters by 10-20 % with "
        "the thickness. The continuum, made in a thick YAG plate, breathes on long scales only: "
        "two smooth modulations of 600-1200 px at 4-7 % rms each, new on every shot. The "
        "solvent responds more slowly than the X-ray pulse, so the edges are wide and slow: "
        "rising absorption (reversed chirp), logistic, 30-40 px. A 2048-px sCMOS."
    ),
    camera=CameraSpec(
        width=2048,
        height=128,
        signal_columns=(48, 1952),
        signal_rows=(52, 20),
        background_rows=(104, 10),
        light_row=Span(60.0, 63.0),
        light_sigma=Span(3.5, 4.5),
        smile=Span(0.0, 1.0),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.5, 1.9),
        pedestal=Span(60.0, 90.0),
        pedestal_columns=Span(0.5, 1.2),
        pedestal_jitter=Span(0.0, 0.5),
        read_noise=Span(2.0, 3.0),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(4000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(980.0, 1080.0),
        half_width=Span(520.0, 620.0),
        order=Span(2.2, 3.0),
        asymmetry=Span(-0.2, -0.05),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(1, 3),
        fringes=(
            FringeSpec(Span(150.0, 250.0), Span(0.01, 0.02), Span(0.05, 0.2), Span(0.02, 0.05)),
        ),
        smooth_terms=2,
        smooth_scale=Span(600.0, 1200.0),
        smooth_amplitude=Span(0.04, 0.07),
        centre_jitter=Span(4.0, 8.0),
        width_jitter=Span(0.01, 0.02),
        intensity_jitter=Span(0.05, 0.1),
        dark_probability=Span(0.0005, 0.001),
        centre_drift=Span(20.0, 40.0),
        width_drift=Span(0.02, 0.05),
        intensity_drift=Span(0.2, 0.35),
        drift_period=Span(5000.0, 10000.0),
    ),
    edge=EdgeSpec(
        direction="rising",
        shapes=("logistic",),
        width=Span(30.0, 40.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.1, 0.2),
        floor=Span(0.2, 0.3),
    ),
)

HELDOUT_5_MEMBERS: tuple[Member, ...] = (
    FROWN_POINTING_VIBRATING_MOUNT,
    FLEXING_FOIL_WINDOWS,
    HUMID_AIR_WATER_LINES,
    HIGHRATE_STARVED_COLUMN_PATTERN,
    LIQUID_SHEET_SLOW_EDGES,
)
"""The fifth held-out set, part of the tuning members since 2026-11-29 (see the module's
docstring)."""
