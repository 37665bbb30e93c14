"""The sixth held-out members (written 2026-11-29): run once on 2026-11-29 (at commit 480bb0c,
the method as of 7863be0), they are now TUNING members.

They were kept from a method's author until the method was final; their results were run and
read on 2026-11-29, so they are no longer unseen: :data:`.members.TUNING_MEMBERS` includes them
and ``python benchmarks/family_benchmark.py`` runs them by default. (The method's author had read
this module's docstring and the first member's description, not the other members' definitions,
already final.) The module and its names stay as they were; the held-out members now are
:data:`.heldout_12.HELDOUT_12_MEMBERS` (``--heldout``).

The original description of the set:

They differ in character from every tuning member (:data:`.members.TUNING_MEMBERS`, which
since 2026-11-29 includes the first, the second, the third, the fourth and the fifth held-out
sets of :mod:`.heldout`, :mod:`.heldout_2`, :mod:`.heldout_3`, :mod:`.heldout_4` and
:mod:`.heldout_5`), not only in their seeds: a flake on the cold finger of a vibrating cryostat,
whose own strong etalon ripple jumps in phase from shot to shot; a continuum with its driving
laser's line left in, a narrow spike far brighter than the continuum, so that the photon level
refers to the spike and the continuum itself is dim; a probe whose intensity, centre and width
oscillate with a period of only tens of shots (a beat with the repetition rate), so that the
references either side of an X-ray shot differ; a peaked probe spectrum with long, nearly
exponential wings and edges reaching far into them, whose width jitters by a third from shot
to shot with the soft X-ray FEL's pulse duration, under small stray fluorescence hits; and a
signal ROI opened far taller than the band, so that many dark rows' read noise is summed with a
dim probe, over sharp bleaching edges that ring with a coherent phonon. Run them with
``python benchmarks/family_benchmark.py --heldout`` once the method is final; report their
results apart, and once they have been run, move them to the tuning side and write a new set.
"""

from __future__ import annotations

from .spec import CameraSpec, CountSpan, EdgeSpec, FringeSpec, Member, SourceSpec, Span

__all__ = ["HELDOUT_6_MEMBERS"]

CRYOSTAT_FLAKE_VIBRATION = Member(
    name="cryostat_flake_vibration",
    description=(
        "The sample, a 20-40 um exfoliated flake of a layered crystal on a thin sapphire "
        "disc, sits on the cold finger of a pulse-tube cryostat at 10-30 K whose cooler shakes "
        "it by tens of microns: the probe spot wanders over the flake's thickness steps, so the "
        "flake's own etalon ripple (60-110 px, 4-7 %) changes its phase by 0.8-1.6 rad rms and "
        "its amplitude by 10-20 % from shot to shot, the edge's depth jitters by 10-18 % (another "
        "spot on every shot) and the band moves by 0.3-0.6 rows rms on the camera. The "
        "cryostat's windows add a weak 200-300 px ripple. A 1340 x 400 scientific CCD with "
        "20-um pixels read at its fast rate (read noise 6-9 counts). Rising absorption edges "
        "(reversed chirp), erf, 8-14 px."
    ),
    camera=CameraSpec(
        width=1340,
        height=400,
        signal_columns=(30, 1280),
        signal_rows=(184, 32),
        background_rows=(20, 16),
        light_row=Span(198.0, 202.0),
        light_sigma=Span(3.0, 4.0),
        smile=Span(0.3, 1.0),
        pointing_jitter=Span(0.3, 0.6),
        gain=Span(1.0, 1.3),
        pedestal=Span(120.0, 160.0),
        pedestal_columns=Span(0.5, 1.5),
        pedestal_jitter=Span(0.5, 1.5),
        read_noise=Span(6.0, 9.0),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(0, 3),
        hot_level=Span(5000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(640.0, 700.0),
        half_width=Span(380.0, 440.0),
        order=Span(2.5, 3.5),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.4, 0.8),
        pixel_response=Span(0.003, 0.008),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(60.0, 110.0), Span(0.04, 0.07), Span(0.8, 1.6), Span(0.1, 0.2)),
            FringeSpec(Span(200.0, 300.0), Span(0.01, 0.02), Span(0.05, 0.2), Span(0.02, 0.05)),
        ),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 6.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 15.0),
        width_drift=Span(0.005, 0.01),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="rising",
        shapes=("erf",),
        width=Span(8.0, 14.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.1, 0.18),
        floor=Span(0.15, 0.2),
    ),
)

RESIDUAL_DRIVER_SPIKE = Member(
    name="residual_driver_spike",
    description=(
        "A sapphire continuum whose 800-nm driver is only partly taken out (a worn dichroic "
        "instead of a notch filter): the driver's line stays in the spectrum as a narrow spike "
        "(rms 12-25 px) 1.5-3 times as high as the continuum under it, 150-320 px to the red of "
        "the continuum's centre and moving with it. The photon level (0.6-1) refers to the "
        "spike's top, so the continuum itself gets only a quarter to two fifths of it, and edges "
        "lie anywhere the light is at least 6-10 % of the spike's height, across the spike too. "
        "A 1600 x 200 back-illuminated CCD with 16-um pixels in its conventional mode. The "
        "X-rays bleach and the edge falls, logistic, 6-12 px."
    ),
    camera=CameraSpec(
        width=1600,
        height=200,
        signal_columns=(36, 1528),
        signal_rows=(104, 32),
        background_rows=(20, 12),
        light_row=Span(118.0, 122.0),
        light_sigma=Span(3.5, 4.5),
        smile=Span(0.0, 0.8),
        pointing_jitter=Span(0.05, 0.2),
        gain=Span(1.0, 1.4),
        pedestal=Span(140.0, 170.0),
        pedestal_columns=Span(0.3, 0.8),
        pedestal_jitter=Span(0.2, 0.6),
        read_noise=Span(2.5, 4.0),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(760.0, 840.0),
        half_width=Span(420.0, 480.0),
        order=Span(2.2, 3.0),
        asymmetry=Span(-0.1, 0.1),
        lobe_height=Span(1.5, 3.0),
        lobe_offset=Span(150.0, 320.0),
        lobe_width=Span(12.0, 25.0),
        photon_level=Span(0.6, 1.0),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(80.0, 120.0), Span(0.01, 0.025), Span(0.1, 0.3), Span(0.05, 0.1)),
        ),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(2.0, 5.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 15.0),
        width_drift=Span(0.005, 0.01),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="falling",
        change="bleaching",
        shapes=("logistic",),
        width=Span(6.0, 12.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.06, 0.1),
    ),
)

BEATING_PROBE_OSCILLATION = Member(
    name="beating_probe_oscillation",
    description=(
        "The probe laser's amplifier is pumped by a laser whose supply ripple beats with the "
        "repetition rate: the probe's intensity swings by 8-15 %, its centre by 6-15 px and its "
        "width by 1-3 % in a sine with a period of only 12-40 shots, so the references just "
        "before and just after an X-ray shot differ by up to several per cent, on top of a "
        "small shot-to-shot jitter (3-6 %). A near-infrared continuum on a 1024 x 255 "
        "deep-depletion CCD (thick silicon, so only a weak 50-80 px ripple; pedestal 140-160, "
        "read noise 3-5 counts). Falling absorption edges, erf or logistic (one per run), "
        "10-18 px."
    ),
    camera=CameraSpec(
        width=1024,
        height=255,
        signal_columns=(20, 984),
        signal_rows=(112, 32),
        background_rows=(200, 16),
        light_row=Span(126.0, 130.0),
        light_sigma=Span(3.0, 4.0),
        smile=Span(0.2, 0.8),
        pointing_jitter=Span(0.05, 0.2),
        gain=Span(1.2, 1.6),
        pedestal=Span(140.0, 160.0),
        pedestal_columns=Span(0.5, 1.0),
        pedestal_jitter=Span(0.3, 0.8),
        read_noise=Span(3.0, 5.0),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(2000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(490.0, 540.0),
        half_width=Span(300.0, 350.0),
        order=Span(2.5, 3.5),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.3, 0.7),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(50.0, 80.0), Span(0.005, 0.015), Span(0.1, 0.3), Span(0.05, 0.1)),
        ),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(2.0, 4.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.03, 0.06),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(6.0, 15.0),
        width_drift=Span(0.01, 0.03),
        intensity_drift=Span(0.08, 0.15),
        drift_period=Span(12.0, 40.0),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("erf", "logistic"),
        width=Span(10.0, 18.0),
        width_jitter=Span(0.03, 0.08),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

SOFT_FEL_DURATION_PEAKED_PROBE = Member(
    name="soft_fel_duration_peaked_probe",
    description=(
        "A soft X-ray SASE pump whose pulse duration changes from shot to shot: the edge's "
        "width jitters by 25-35 % rms around a run's value of 6-24 px (a bleaching, rising, "
        "erf), its depth by 10-20 % with the pulse energy. The probe is a fibre laser's pulse "
        "broadened in a short fibre: a peaked spectrum with long, nearly exponential wings (a "
        "super-Gaussian of order 1.3-1.7), and edges reach out to where it is 8-12 % of its "
        "peak. The sample's soft X-ray fluorescence reaches the camera: on X-ray shots 1-3 hits "
        "per 10,000 pixels of only 150-600 counts each, as much as a lit pixel holds. A 1936 x "
        "120 CMOS window, the dark rows below the band."
    ),
    camera=CameraSpec(
        width=1936,
        height=120,
        signal_columns=(36, 1864),
        signal_rows=(50, 20),
        background_rows=(100, 12),
        light_row=Span(58.0, 62.0),
        light_sigma=Span(2.5, 3.2),
        smile=Span(0.3, 1.0),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.2, 1.6),
        pedestal=Span(30.0, 45.0),
        pedestal_columns=Span(0.3, 0.8),
        pedestal_jitter=Span(0.2, 0.6),
        read_noise=Span(2.0, 3.0),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(4000.0, 65535.0),
        xray_hits=Span(1.0, 3.0),
        hit_level=Span(150.0, 600.0),
    ),
    source=SourceSpec(
        centre=Span(930.0, 1010.0),
        half_width=Span(380.0, 460.0),
        order=Span(1.3, 1.7),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(100.0, 150.0), Span(0.01, 0.02), Span(0.1, 0.3), Span(0.05, 0.1)),
        ),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 8.0),
        width_jitter=Span(0.005, 0.015),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 15.0),
        width_drift=Span(0.005, 0.01),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="rising",
        change="bleaching",
        shapes=("erf",),
        width=Span(6.0, 24.0),
        width_jitter=Span(0.25, 0.35),
        depth_jitter=Span(0.1, 0.2),
        floor=Span(0.08, 0.12),
    ),
)

TALL_ROI_PHONON_BLEACH = Member(
    name="tall_roi_phonon_bleach",
    description=(
        "The band's row moves from run to run (250-262) on a 2048 x 512 back-illuminated CCD, "
        "so the users opened the signal ROI to 64 rows over a band of rms 2-2.8 rows: three "
        "quarters of the ROI's rows hold no light and add only read noise (3-4.5 counts each, "
        "about 30 per column), under a dim probe (15-35 % of full scale) cut more steeply on "
        "its red side by a short-pass filter. The sample is a thin bismuth film: the X-rays "
        "bleach it and launch its coherent A1g phonon, so sharp falling logistic edges of 3-6 "
        "px ring at 15-30 % of the depth with a period of 2-3.5 edge widths."
    ),
    camera=CameraSpec(
        width=2048,
        height=512,
        signal_columns=(40, 1968),
        signal_rows=(224, 64),
        background_rows=(400, 24),
        light_row=Span(250.0, 262.0),
        light_sigma=Span(2.0, 2.8),
        smile=Span(0.5, 1.5),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.0, 1.3),
        pedestal=Span(200.0, 240.0),
        pedestal_columns=Span(0.5, 1.0),
        pedestal_jitter=Span(0.3, 0.8),
        read_noise=Span(3.0, 4.5),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(1, 4),
        hot_level=Span(8000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(990.0, 1060.0),
        half_width=Span(560.0, 640.0),
        order=Span(2.5, 3.5),
        asymmetry=Span(-0.3, -0.15),
        photon_level=Span(0.15, 0.35),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(120.0, 180.0), Span(0.01, 0.02), Span(0.1, 0.3), Span(0.05, 0.1)),
        ),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 6.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.05, 0.1),
        dark_probability=Span(0.001, 0.002),
        centre_drift=Span(5.0, 15.0),
        width_drift=Span(0.005, 0.01),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="falling",
        change="bleaching",
        shapes=("logistic",),
        width=Span(3.0, 6.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        overshoot=Span(0.15, 0.3),
        ringing=Span(2.0, 3.5),
        floor=Span(0.15, 0.2),
    ),
)

HELDOUT_6_MEMBERS: tuple[Member, ...] = (
    CRYOSTAT_FLAKE_VIBRATION,
    RESIDUAL_DRIVER_SPIKE,
    BEATING_PROBE_OSCILLATION,
    SOFT_FEL_DURATION_PEAKED_PROBE,
    TALL_ROI_PHONON_BLEACH,
)
"""Members kept out of a method's tuning (see the module's docstring)."""
