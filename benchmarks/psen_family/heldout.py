"""The first held-out members: run once on 2026-11-29, they are now TUNING members.

They were written to differ in character from the first tuning members (not only in their
seeds) and kept from a method's author until the method was final. Their results were run and
read on 2026-11-29, so they are no longer unseen: :data:`.members.TUNING_MEMBERS` includes
them and ``python benchmarks/family_benchmark.py`` runs them by default. The module and its
names stay as they were; the second, the third, the fourth and the fifth held-out sets
(:mod:`.heldout_2`, :mod:`.heldout_3`, :mod:`.heldout_4` and :mod:`.heldout_5`, the fourth run
at 882a064 and the fifth at be618c1) joined the tuning members the same way on 2026-11-29, and
the held-out members now are :data:`.heldout_12.HELDOUT_12_MEMBERS` (``--heldout``).
"""

from __future__ import annotations

from dataclasses import replace

from .cameras import CAMERA_1024, CAMERA_2048
from .spec import CameraSpec, CountSpan, EdgeSpec, FringeSpec, Member, SourceSpec, Span, fixed

__all__ = ["HELDOUT_MEMBERS"]

TILTED_SMILE_POINTING = Member(
    name="tilted_smile_pointing",
    description=(
        "A spectrometer whose image of the slit is bent (a smile of 2-4 rows at the camera's "
        "ends) on a 1280-px camera read through a narrow 14-row ROI, with a vertical beam "
        "pointing jitter of 0.8-1.5 rows rms: the share of each column's light inside the ROI "
        "changes along the spectrum and from shot to shot. A flat-topped (order 6-8) spectrum; "
        "falling logistic edges of 6-12 px."
    ),
    camera=CameraSpec(
        width=1280,
        height=96,
        signal_columns=(40, 1200),
        signal_rows=(43, 14),
        background_rows=(2, 8),
        light_row=Span(49.0, 51.0),
        light_sigma=Span(3.0, 4.0),
        smile=Span(2.0, 4.0),
        pointing_jitter=Span(0.8, 1.5),
        gain=Span(1.4, 1.8),
        pedestal=Span(90.0, 110.0),
        pedestal_columns=Span(0.5, 1.0),
        pedestal_jitter=Span(0.0, 0.5),
        read_noise=Span(2.0, 3.0),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(5000.0, 30000.0),
    ),
    source=SourceSpec(
        centre=Span(620.0, 660.0),
        half_width=Span(470.0, 520.0),
        order=Span(6.0, 8.0),
        asymmetry=Span(-0.05, 0.05),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(1, 3),
        fringes=(FringeSpec(Span(70.0, 110.0), Span(0.01, 0.03), Span(0.1, 0.3), Span(0.05, 0.1)),),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 6.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 15.0),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("logistic",),
        width=Span(6.0, 12.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

PHOTON_STARVED_COLD = Member(
    name="photon_starved_cold",
    description=(
        "A cooled, low-noise camera with no pedestal to speak of (0-5 counts, so half the "
        "dark pixels clip at 0 and the profile's response to light is not linear near zero), "
        "gain 1, read noise 1-1.5 counts, and a probe at 10-15 % of full scale; a Gaussian "
        "spectrum; sharp rising erf edges of 2-4 px (absorption, reversed chirp)."
    ),
    camera=replace(
        CAMERA_2048,
        gain=Span(1.0, 1.1),
        pedestal=Span(0.0, 5.0),
        pedestal_columns=Span(0.0, 0.3),
        pedestal_jitter=fixed(0.0),
        read_noise=Span(1.0, 1.5),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 0),
    ),
    source=SourceSpec(
        centre=Span(990.0, 1060.0),
        half_width=Span(470.0, 520.0),
        order=fixed(2.0),
        asymmetry=Span(-0.05, 0.05),
        photon_level=Span(0.1, 0.15),
        pixel_response=Span(0.003, 0.006),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(200.0, 250.0), Span(0.005, 0.01), Span(0.05, 0.2), Span(0.02, 0.05)),
        ),
        smooth_amplitude=Span(0.005, 0.01),
        centre_jitter=Span(3.0, 6.0),
        width_jitter=Span(0.003, 0.008),
        intensity_jitter=Span(0.05, 0.1),
        dark_probability=Span(0.001, 0.002),
        centre_drift=Span(5.0, 10.0),
        intensity_drift=Span(0.03, 0.06),
    ),
    edge=EdgeSpec(
        direction="rising",
        shapes=("erf",),
        width=Span(2.0, 4.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=fixed(0.15),
    ),
)

EDGE_LIKE_RIPPLE = Member(
    name="edge_like_ripple",
    description=(
        "Structure at the scale of the edge itself: an etalon ripple of period 45-60 px "
        "(about a step filter's length) at 3-5 % whose phase jitters by 0.3-0.6 rad and whose "
        "amplitude by 20-30 %, a short 15-20 px ripple, and strong per-shot modulations of "
        "short length scales (150-300 px, 3-6 %); wide falling erf edges (25-35 px) with a "
        "ringing overshoot of 15-30 % of the depth."
    ),
    camera=CAMERA_2048,
    source=SourceSpec(
        centre=Span(1000.0, 1050.0),
        half_width=Span(560.0, 620.0),
        order=Span(3.0, 4.0),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.6, 1.0),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(1, 3),
        fringes=(
            FringeSpec(Span(45.0, 60.0), Span(0.03, 0.05), Span(0.3, 0.6), Span(0.2, 0.3)),
            FringeSpec(Span(15.0, 20.0), Span(0.02, 0.03), Span(0.2, 0.5), Span(0.05, 0.1)),
        ),
        smooth_scale=Span(150.0, 300.0),
        smooth_amplitude=Span(0.03, 0.06),
        centre_jitter=Span(5.0, 10.0),
        width_jitter=Span(0.005, 0.015),
        intensity_jitter=Span(0.05, 0.1),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 15.0),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("erf",),
        width=Span(25.0, 35.0),
        width_jitter=Span(0.05, 0.1),
        depth_jitter=Span(0.05, 0.15),
        overshoot=Span(0.15, 0.3),
        ringing=Span(1.5, 2.5),
        floor=Span(0.2, 0.25),
    ),
)

SKEWED_BLEACH_FALLING = Member(
    name="skewed_bleach_falling",
    description=(
        "A strongly skewed spectrum (one side twice as wide as the other) on a 1024-px camera "
        "with a high pedestal (250-300 counts) and gain 2: the X-rays bleach the part of the "
        "probe that, with this chirp, lies at low columns, so the edge falls; logistic edges "
        "of 12-25 px; a fast intensity drift (20-35 % over 800-2,000 shots) and 0.2 % "
        "near-dark shots."
    ),
    camera=replace(
        CAMERA_1024,
        gain=Span(1.9, 2.1),
        pedestal=Span(250.0, 300.0),
        pedestal_columns=Span(1.0, 2.0),
        pedestal_jitter=Span(0.5, 1.5),
        read_noise=Span(3.0, 5.0),
        dead_columns=CountSpan(1, 3),
        hot_columns=CountSpan(1, 3),
    ),
    source=SourceSpec(
        centre=Span(420.0, 460.0),
        half_width=Span(280.0, 310.0),
        order=Span(2.5, 3.0),
        asymmetry=Span(0.3, 0.4),
        photon_level=Span(0.3, 0.6),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(1, 3),
        fringes=(FringeSpec(Span(25.0, 35.0), Span(0.01, 0.02), Span(0.2, 0.4), Span(0.05, 0.1)),),
        smooth_scale=Span(200.0, 800.0),
        smooth_amplitude=Span(0.01, 0.02),
        centre_jitter=Span(4.0, 8.0),
        width_jitter=Span(0.01, 0.02),
        intensity_jitter=Span(0.08, 0.15),
        dark_probability=Span(0.0018, 0.002),
        centre_drift=Span(10.0, 25.0),
        width_drift=Span(0.02, 0.04),
        intensity_drift=Span(0.2, 0.35),
        drift_period=Span(800.0, 2000.0),
    ),
    edge=EdgeSpec(
        direction="falling",
        change="bleaching",
        shapes=("logistic",),
        width=Span(12.0, 25.0),
        width_jitter=Span(0.05, 0.1),
        depth_jitter=Span(0.1, 0.15),
        floor=Span(0.15, 0.2),
    ),
)

HELDOUT_MEMBERS: tuple[Member, ...] = (
    TILTED_SMILE_POINTING,
    PHOTON_STARVED_COLD,
    EDGE_LIKE_RIPPLE,
    SKEWED_BLEACH_FALLING,
)
"""The first held-out set, part of the tuning members since 2026-11-29 (see the module's
docstring)."""
