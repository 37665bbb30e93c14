"""The tuning members: set-ups a method may be developed and tuned on.

:data:`TUNING_MEMBERS` holds the eight members below and, since 2026-11-29, the first, the
second, the third, the fourth, the fifth, the sixth, the seventh and the eighth held-out sets
(:mod:`.heldout`, :mod:`.heldout_2` to :mod:`.heldout_8`, each run once on 2026-11-29, the fourth
at 882a064, the fifth at be618c1, the sixth at 480bb0c, the seventh at fe15af3 and the eighth at
e4017a6, and each kept in its own module under its old names) and, since 2026-11-30, the ninth
(:mod:`.heldout_9`, run once at 33f02a4), the tenth (:mod:`.heldout_10`, run once at f7d7cec)
and the eleventh (:mod:`.heldout_11`, run once at e8d60da); the held-out members are now those
of :mod:`.heldout_12`.

Each member is a PSEN set-up described by ranges (see :mod:`.spec`); its ``description`` says
what it represents physically. Photon levels are fractions of :data:`.spec.PEAK_PHOTONS`
(25,000 photons per column at the spectrum's peak, summed over the light band's rows).
"""

from __future__ import annotations

from dataclasses import replace

from .cameras import CAMERA_1024, CAMERA_2048
from .heldout import HELDOUT_MEMBERS
from .heldout_2 import HELDOUT_2_MEMBERS
from .heldout_3 import HELDOUT_3_MEMBERS
from .heldout_4 import HELDOUT_4_MEMBERS
from .heldout_5 import HELDOUT_5_MEMBERS
from .heldout_6 import HELDOUT_6_MEMBERS
from .heldout_7 import HELDOUT_7_MEMBERS
from .heldout_8 import HELDOUT_8_MEMBERS
from .heldout_9 import HELDOUT_9_MEMBERS
from .heldout_10 import HELDOUT_10_MEMBERS
from .heldout_11 import HELDOUT_11_MEMBERS
from .spec import CountSpan, EdgeSpec, FringeSpec, Member, SourceSpec, Span, fixed

__all__ = ["CAMERA_1024", "CAMERA_2048", "FIRST_TUNING_MEMBERS", "TUNING_MEMBERS"]

WINDOW_RIPPLES = (
    FringeSpec(Span(60.0, 90.0), Span(0.005, 0.015), Span(0.1, 0.3), Span(0.05, 0.1)),
    FringeSpec(Span(150.0, 250.0), Span(0.01, 0.02), Span(0.05, 0.2), Span(0.02, 0.05)),
)

BROADBAND_FALLING = Member(
    name="broadband_falling",
    description=(
        "A well-aligned set-up: a broad, flat-topped (super-Gaussian order 3.5-4.5) white-light "
        "continuum filling a 2048-px camera, two weak etalon ripples from the chamber windows, "
        "modest shot-to-shot jitter and drift, nearly full photon level; the X-rays absorb "
        "and the edge falls (erf, 8-16 px)."
    ),
    camera=CAMERA_2048,
    source=SourceSpec(
        centre=Span(1000.0, 1050.0),
        half_width=Span(560.0, 620.0),
        order=Span(3.5, 4.5),
        asymmetry=Span(-0.05, 0.05),
        photon_level=Span(0.7, 1.0),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(2, 4),
        line_depth=Span(0.02, 0.08),
        line_width=Span(1.5, 4.0),
        fringes=WINDOW_RIPPLES,
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 8.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.03, 0.06),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 15.0),
        width_drift=Span(0.005, 0.01),
        intensity_drift=Span(0.02, 0.05),
        drift_period=Span(4000.0, 12000.0),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("erf",),
        width=Span(8.0, 16.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

THICK_ETALON_RISING = Member(
    name="thick_etalon_rising",
    description=(
        "The probe crosses a thick diamond window and a thin pellicle beam splitter: strong "
        "short-period ripples (15-45 px, up to 8 %) whose phases jitter by up to 0.8 rad from "
        "shot to shot with the window's vibration, plus a long weak ripple. The chirp is "
        "reversed, so the absorbed part lies at low columns and the edge rises (logistic)."
    ),
    camera=CAMERA_2048,
    source=SourceSpec(
        centre=Span(1010.0, 1040.0),
        half_width=Span(540.0, 600.0),
        order=Span(3.0, 4.0),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.6, 1.0),
        pixel_response=Span(0.003, 0.008),
        lines=CountSpan(1, 3),
        fringes=(
            FringeSpec(Span(15.0, 25.0), Span(0.04, 0.08), Span(0.4, 0.8), Span(0.1, 0.2)),
            FringeSpec(Span(30.0, 45.0), Span(0.02, 0.04), Span(0.3, 0.6), Span(0.05, 0.15)),
            FringeSpec(Span(180.0, 250.0), Span(0.01, 0.03), Span(0.1, 0.3), Span(0.02, 0.05)),
        ),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 8.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.03, 0.08),
        dark_probability=Span(0.001, 0.002),
        centre_drift=Span(5.0, 20.0),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="rising",
        shapes=("logistic",),
        width=Span(6.0, 14.0),
        width_jitter=Span(0.03, 0.08),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

DIM_WINGS = Member(
    name="dim_wings",
    description=(
        "A starved probe (10-30 % of full scale: an attenuated continuum) with a near-Gaussian "
        "spectrum, a low pedestal (10-40 counts, so the darkest pixels clip at 0) and 3-5 "
        "counts of read noise; edges anywhere out to where the envelope is 15 % of its peak; "
        "sharp falling erf edges (3-8 px)."
    ),
    camera=replace(CAMERA_2048, pedestal=Span(10.0, 40.0), read_noise=Span(3.0, 5.0)),
    source=SourceSpec(
        centre=Span(990.0, 1060.0),
        half_width=Span(480.0, 540.0),
        order=Span(2.0, 2.5),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.1, 0.3),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(1, 3),
        fringes=(FringeSpec(Span(90.0, 130.0), Span(0.01, 0.02), Span(0.1, 0.3), Span(0.05, 0.1)),),
        smooth_amplitude=Span(0.005, 0.02),
        centre_jitter=Span(5.0, 10.0),
        width_jitter=Span(0.005, 0.015),
        intensity_jitter=Span(0.05, 0.1),
        dark_probability=Span(0.001, 0.002),
        centre_drift=Span(5.0, 15.0),
        intensity_drift=Span(0.03, 0.08),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("erf",),
        width=Span(3.0, 8.0),
        width_jitter=Span(0.03, 0.08),
        depth_jitter=Span(0.05, 0.1),
        floor=fixed(0.15),
    ),
)

SLOW_EDGE_OVERSHOOT = Member(
    name="slow_edge_overshoot",
    description=(
        "A thick sample and a long X-ray pulse: wide logistic edges (20-40 px) followed by a "
        "ringing overshoot of 10-30 % of the depth (a coherent phonon response), falling; "
        "otherwise a clean broad spectrum at half to full photon level."
    ),
    camera=CAMERA_2048,
    source=SourceSpec(
        centre=Span(1000.0, 1050.0),
        half_width=Span(580.0, 650.0),
        order=Span(3.0, 4.0),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.5, 1.0),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(1, 3),
        fringes=WINDOW_RIPPLES,
        smooth_amplitude=Span(0.01, 0.02),
        centre_jitter=Span(3.0, 8.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.03, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 15.0),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("logistic",),
        width=Span(20.0, 40.0),
        width_jitter=Span(0.05, 0.1),
        depth_jitter=Span(0.05, 0.15),
        overshoot=Span(0.1, 0.3),
        ringing=Span(1.5, 3.0),
        floor=Span(0.2, 0.3),
    ),
)

UNSTABLE_SOURCE = Member(
    name="unstable_source",
    description=(
        "An unstable white-light generation (filamentation in the crystal): from shot to shot "
        "the envelope's centre moves by 15-30 px rms, its width by 2-4 % and its intensity by "
        "15-25 %, and its shape changes by smooth modulations of 3-6 % on 150-1200 px; 0.15-0.2 "
        "% near-dark shots. Falling edges, erf or logistic (one per run), 8-20 px."
    ),
    camera=CAMERA_2048,
    source=SourceSpec(
        centre=Span(1000.0, 1050.0),
        half_width=Span(520.0, 600.0),
        order=Span(2.5, 3.5),
        asymmetry=Span(-0.15, 0.15),
        photon_level=Span(0.4, 0.9),
        pixel_response=Span(0.003, 0.008),
        lines=CountSpan(1, 3),
        fringes=WINDOW_RIPPLES,
        smooth_amplitude=Span(0.03, 0.06),
        centre_jitter=Span(15.0, 30.0),
        width_jitter=Span(0.02, 0.04),
        intensity_jitter=Span(0.15, 0.25),
        dark_probability=Span(0.0015, 0.002),
        centre_drift=Span(10.0, 30.0),
        width_drift=Span(0.01, 0.02),
        intensity_drift=Span(0.05, 0.1),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("erf", "logistic"),
        width=Span(8.0, 20.0),
        width_jitter=Span(0.05, 0.1),
        depth_jitter=Span(0.1, 0.2),
        floor=Span(0.15, 0.25),
    ),
)

DRIFTING_1024 = Member(
    name="drifting_1024",
    description=(
        "A 1024-px camera over a long run with slow drifts (laser warm-up, beam pointing): the "
        "spectrum's centre wanders by 30-80 px, its width by 3-8 % and its intensity by 10-30 "
        "% over 1,500-5,000 shots, so a reference must follow; moderate jitter; rising erf "
        "edges of 5-12 px."
    ),
    camera=CAMERA_1024,
    source=SourceSpec(
        centre=Span(495.0, 530.0),
        half_width=Span(280.0, 320.0),
        order=Span(3.0, 4.0),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.5, 1.0),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(1, 2),
        line_width=Span(1.0, 2.5),
        fringes=(FringeSpec(Span(40.0, 70.0), Span(0.01, 0.03), Span(0.1, 0.4), Span(0.05, 0.1)),),
        smooth_scale=Span(150.0, 600.0),
        smooth_amplitude=Span(0.01, 0.02),
        centre_jitter=Span(3.0, 6.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.03, 0.06),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(30.0, 80.0),
        width_drift=Span(0.03, 0.08),
        intensity_drift=Span(0.1, 0.3),
        drift_period=Span(1500.0, 5000.0),
    ),
    edge=EdgeSpec(
        direction="rising",
        shapes=("erf",),
        width=Span(5.0, 12.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

NOISY_CAMERA = Member(
    name="noisy_camera",
    description=(
        "A warm, ageing sCMOS: pedestal 200-300 counts with a column pattern and a shot-to-shot "
        "offset, read noise 6-10 counts, 5-12 dead and 3-8 hot columns, a strong fixed fine "
        "structure (1-2 % pixel response, 6-12 spectrometer lines of 5-30 %), gain near 1; a "
        "clean source; sharp falling erf edges (2-5 px)."
    ),
    camera=replace(
        CAMERA_2048,
        gain=Span(1.0, 1.3),
        pedestal=Span(200.0, 300.0),
        pedestal_columns=Span(2.0, 5.0),
        pedestal_jitter=Span(1.0, 3.0),
        read_noise=Span(6.0, 10.0),
        dead_columns=CountSpan(5, 12),
        hot_columns=CountSpan(3, 8),
    ),
    source=SourceSpec(
        centre=Span(1000.0, 1050.0),
        half_width=Span(560.0, 620.0),
        order=Span(3.0, 4.0),
        asymmetry=Span(-0.05, 0.05),
        photon_level=Span(0.4, 0.8),
        pixel_response=Span(0.01, 0.02),
        lines=CountSpan(6, 12),
        line_depth=Span(0.05, 0.3),
        line_width=Span(1.0, 4.0),
        fringes=WINDOW_RIPPLES,
        smooth_amplitude=Span(0.005, 0.01),
        centre_jitter=Span(2.0, 5.0),
        width_jitter=Span(0.003, 0.008),
        intensity_jitter=Span(0.03, 0.05),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(3.0, 10.0),
        intensity_drift=Span(0.02, 0.04),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("erf",),
        width=Span(2.0, 5.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

DOUBLE_LOBE_BLEACH = Member(
    name="double_lobe_bleach",
    description=(
        "A continuum with an asymmetric, double-lobed spectrum (a residual peak of the driving "
        "laser on the blue side of a broad skewed pedestal), gain 1.7-2: the X-rays bleach "
        "(raise the transmission) the part of the probe after arrival, so the edge rises; erf "
        "or logistic of 10-20 px with a weak ringing."
    ),
    camera=replace(CAMERA_2048, gain=Span(1.7, 2.0)),
    source=SourceSpec(
        centre=Span(1080.0, 1140.0),
        half_width=Span(480.0, 540.0),
        order=Span(2.5, 3.0),
        asymmetry=Span(0.15, 0.3),
        lobe_height=Span(0.4, 0.7),
        lobe_offset=Span(-620.0, -540.0),
        lobe_width=Span(50.0, 80.0),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(2, 4),
        fringes=(
            FringeSpec(Span(100.0, 160.0), Span(0.01, 0.03), Span(0.1, 0.3), Span(0.05, 0.1)),
        ),
        smooth_amplitude=Span(0.01, 0.025),
        centre_jitter=Span(4.0, 10.0),
        width_jitter=Span(0.005, 0.015),
        intensity_jitter=Span(0.05, 0.1),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 20.0),
        width_drift=Span(0.005, 0.02),
        intensity_drift=Span(0.03, 0.06),
    ),
    edge=EdgeSpec(
        direction="rising",
        change="bleaching",
        shapes=("erf", "logistic"),
        width=Span(10.0, 20.0),
        width_jitter=Span(0.03, 0.08),
        depth_jitter=Span(0.05, 0.1),
        overshoot=Span(0.03, 0.1),
        ringing=Span(2.0, 4.0),
        floor=Span(0.15, 0.2),
    ),
)

FIRST_TUNING_MEMBERS: tuple[Member, ...] = (
    BROADBAND_FALLING,
    THICK_ETALON_RISING,
    DIM_WINGS,
    SLOW_EDGE_OVERSHOOT,
    UNSTABLE_SOURCE,
    DRIFTING_1024,
    NOISY_CAMERA,
    DOUBLE_LOBE_BLEACH,
)
"""The members a method was tuned on from the start."""

TUNING_MEMBERS: tuple[Member, ...] = (
    *FIRST_TUNING_MEMBERS,
    *HELDOUT_MEMBERS,
    *HELDOUT_2_MEMBERS,
    *HELDOUT_3_MEMBERS,
    *HELDOUT_4_MEMBERS,
    *HELDOUT_5_MEMBERS,
    *HELDOUT_6_MEMBERS,
    *HELDOUT_7_MEMBERS,
    *HELDOUT_8_MEMBERS,
    *HELDOUT_9_MEMBERS,
    *HELDOUT_10_MEMBERS,
    *HELDOUT_11_MEMBERS,
)
"""The members a method may be tuned on: the first ones, the first held-out set
(:data:`.heldout.HELDOUT_MEMBERS`), the second one (:data:`.heldout_2.HELDOUT_2_MEMBERS`), the
third one (:data:`.heldout_3.HELDOUT_3_MEMBERS`), the fourth one
(:data:`.heldout_4.HELDOUT_4_MEMBERS`, run as held out at 882a064), the fifth one
(:data:`.heldout_5.HELDOUT_5_MEMBERS`, run as held out at be618c1), the sixth one
(:data:`.heldout_6.HELDOUT_6_MEMBERS`, run as held out at 480bb0c), the seventh one
(:data:`.heldout_7.HELDOUT_7_MEMBERS`, run as held out at fe15af3), the eighth one
(:data:`.heldout_8.HELDOUT_8_MEMBERS`, run as held out at e4017a6), each run once on 2026-11-29,
the ninth one (:data:`.heldout_9.HELDOUT_9_MEMBERS`, run as held out at 33f02a4 on
2026-11-30), the tenth one (:data:`.heldout_10.HELDOUT_10_MEMBERS`, run as held out at
f7d7cec on 2026-11-30) and the eleventh one (:data:`.heldout_11.HELDOUT_11_MEMBERS`, run as held
out at e8d60da on 2026-11-30), no longer unseen. The held-out members now are
:data:`.heldout_12.HELDOUT_12_MEMBERS`."""
