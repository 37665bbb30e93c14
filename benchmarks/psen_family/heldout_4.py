"""The fourth held-out members (written 2026-11-29): run once on 2026-11-29 (at commit
882a064), they are now TUNING members.

They were kept from a method's author until the method was final; their results were run and
read on 2026-11-29, at 882a064, so they are no longer unseen: :data:`.members.TUNING_MEMBERS`
includes them and ``python benchmarks/family_benchmark.py`` runs them by default. The module and
its names stay as they were; the fifth held-out set (:mod:`.heldout_5`, run at be618c1) joined
the tuning members the same way on 2026-11-29, and the held-out members now are
:data:`.heldout_12.HELDOUT_12_MEMBERS` (``--heldout``).

They were written to differ in character from every tuning member of the time (the first ones
and the first, the second and the third held-out sets of :mod:`.heldout`, :mod:`.heldout_2` and
:mod:`.heldout_3`), not only in their seeds: a thin free-standing membrane as the sample, whose
own thin-film fringes are long and far stronger than any window's; a continuum with its driving
laser's line cut out by a notch filter, leaving a deep hole in the spectrum, behind a pulse
picker that lets through 1 % of partial shots; a near-infrared probe on a back-illuminated CCD
with the sensor's own strong etaloning and the sharp band-edge bleaching of a semiconductor; the
roles reversed, a chirped SASE X-ray pulse as the probe, with its spikes, its energy jitter and
no etalon at all; and a hollow-fibre source whose bandwidth breathes with its input energy.
"""

from __future__ import annotations

from .spec import CameraSpec, CountSpan, EdgeSpec, FringeSpec, Member, SourceSpec, Span

__all__ = ["HELDOUT_4_MEMBERS"]

MEMBRANE_THIN_FILM_FRINGES = Member(
    name="membrane_thin_film_fringes",
    description=(
        "The sample is a free-standing silicon nitride membrane 1.8-3 um thick (the usual "
        "timing-tool target), and its two faces make a thin-film etalon: the continuum's "
        "transmission ripples by 8-15 % with a period of 220-380 px, far stronger than any "
        "window's ripple, and the phase moves by 0.05-0.2 rad from shot to shot as the X-rays "
        "and the laser heat the membrane; a weak 55-75 px ripple of the chamber's window on "
        "top. A 2304-px back-illuminated sCMOS (a 160-row band of a 2304 x 2304 sensor, read "
        "noise 1-1.6 counts). Falling absorption edges, erf or logistic, 12-20 px, with a "
        "depth jitter of 10-20 % (the membrane's thickness varies from spot to spot)."
    ),
    camera=CameraSpec(
        width=2304,
        height=160,
        signal_columns=(72, 2160),
        signal_rows=(68, 24),
        background_rows=(6, 10),
        light_row=Span(78.0, 82.0),
        light_sigma=Span(3.5, 4.5),
        smile=Span(0.0, 1.0),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.0, 1.2),
        pedestal=Span(95.0, 105.0),
        pedestal_columns=Span(0.3, 0.8),
        pedestal_jitter=Span(0.0, 0.3),
        read_noise=Span(1.0, 1.6),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 3),
        hot_level=Span(1000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(1100.0, 1200.0),
        half_width=Span(640.0, 720.0),
        order=Span(2.5, 3.5),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.4, 0.8),
        pixel_response=Span(0.003, 0.008),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(220.0, 380.0), Span(0.08, 0.15), Span(0.05, 0.2), Span(0.03, 0.08)),
            FringeSpec(Span(55.0, 75.0), Span(0.005, 0.015), Span(0.1, 0.3), Span(0.05, 0.1)),
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
        width=Span(12.0, 20.0),
        width_jitter=Span(0.05, 0.1),
        depth_jitter=Span(0.1, 0.2),
        floor=Span(0.15, 0.2),
    ),
)

NOTCHED_CONTINUUM_DROPOUTS = Member(
    name="notched_continuum_dropouts",
    description=(
        "A sapphire continuum whose strong 800-nm driver is taken out by a notch filter: a "
        "deep hole (down to 5-15 % of the light, rms 8-16 px, so 20-40 px wide) in the "
        "spectrum, fixed on the camera wherever the grating's angle puts it in the run (in "
        "most runs within the lit part, so that some edges fall into it). The probe arm's "
        "pulse picker (a Pockels cell) has drifted to the end of its timing window: 0.6-1.2 % "
        "of the shots, references and X-ray shots alike, carry only 25-60 % of their light. "
        "A 1200-px back-illuminated sCMOS with large pixels (a 120-row band of a 1200 x 1200 "
        "sensor), the dark rows below the band. Rising absorption edges (reversed chirp), "
        "logistic, 5-9 px."
    ),
    camera=CameraSpec(
        width=1200,
        height=120,
        signal_columns=(30, 1140),
        signal_rows=(52, 16),
        background_rows=(100, 12),
        light_row=Span(59.0, 61.0),
        light_sigma=Span(2.5, 3.2),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.2, 1.6),
        pedestal=Span(95.0, 105.0),
        pedestal_columns=Span(0.5, 1.5),
        pedestal_jitter=Span(0.2, 0.8),
        read_noise=Span(1.5, 2.5),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(560.0, 640.0),
        half_width=Span(340.0, 400.0),
        order=Span(2.5, 3.0),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(1, 1),
        line_depth=Span(0.85, 0.95),
        line_width=Span(8.0, 16.0),
        fringes=(FringeSpec(Span(45.0, 65.0), Span(0.01, 0.02), Span(0.1, 0.3), Span(0.05, 0.1)),),
        smooth_scale=Span(150.0, 800.0),
        smooth_amplitude=Span(0.01, 0.02),
        centre_jitter=Span(3.0, 6.0),
        width_jitter=Span(0.005, 0.015),
        intensity_jitter=Span(0.05, 0.1),
        dark_probability=Span(0.006, 0.012),
        dark_level=Span(0.25, 0.6),
        centre_drift=Span(5.0, 15.0),
        intensity_drift=Span(0.03, 0.06),
    ),
    edge=EdgeSpec(
        direction="rising",
        shapes=("logistic",),
        width=Span(5.0, 9.0),
        width_jitter=Span(0.03, 0.08),
        depth_jitter=Span(0.05, 0.12),
        floor=Span(0.15, 0.2),
    ),
)

NIR_CCD_BANDEDGE_BLEACH = Member(
    name="nir_ccd_bandedge_bleach",
    description=(
        "A near-infrared probe (a YAG continuum at 850-950 nm) through a thin GaAs film: the "
        "film's band-edge absorption cuts the spectrum steeply on its short-wavelength side "
        "(one side 1.7-2.3 times narrower than the other), and the carriers the X-rays make "
        "bleach that absorption within the pulse, so sharp rising bleaching edges (erf, "
        "2.5-5 px). A 2048-px back-illuminated CCD (a 200-row crop, pedestal 180-230, read "
        "noise 3.5-5 counts at its fast readout) whose thin silicon, nearly transparent in the "
        "near infrared, is itself an etalon: a fixed ripple of 90-140 px at 6-12 % that does "
        "not jitter. The silicon's low efficiency there leaves the probe at 15-30 % of full "
        "scale."
    ),
    camera=CameraSpec(
        width=2048,
        height=200,
        signal_columns=(24, 2000),
        signal_rows=(90, 20),
        background_rows=(160, 16),
        light_row=Span(98.0, 102.0),
        light_sigma=Span(3.0, 4.0),
        smile=Span(0.0, 0.5),
        pointing_jitter=Span(0.05, 0.2),
        gain=Span(1.0, 1.3),
        pedestal=Span(180.0, 230.0),
        pedestal_columns=Span(1.0, 2.5),
        pedestal_jitter=Span(0.5, 1.5),
        read_noise=Span(3.5, 5.0),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(1, 4),
        hot_level=Span(2000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(1000.0, 1080.0),
        half_width=Span(500.0, 560.0),
        order=Span(2.5, 3.5),
        asymmetry=Span(0.25, 0.4),
        photon_level=Span(0.15, 0.3),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(90.0, 140.0), Span(0.06, 0.12), Span(0.0, 0.02), Span(0.0, 0.02)),
            FringeSpec(Span(40.0, 60.0), Span(0.005, 0.01), Span(0.1, 0.3), Span(0.05, 0.1)),
        ),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 6.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.05, 0.1),
        dark_probability=Span(0.001, 0.002),
        centre_drift=Span(5.0, 15.0),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="rising",
        change="bleaching",
        shapes=("erf",),
        width=Span(2.5, 5.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.12),
        floor=Span(0.15, 0.2),
    ),
)

CHIRPED_SASE_PROBE = Member(
    name="chirped_sase_probe",
    description=(
        "The roles reversed: the probe is the FEL's own SASE pulse, given an energy chirp by "
        "the linac and dispersed by a bent-crystal spectrometer onto a YAG screen that a "
        "1936-px CMOS images (a 216-row band of a 1936 x 1216 sensor); the optical laser pumps "
        "a thin film whose X-ray transmission it raises, so the edge is a bleaching one and "
        "falls (erf or logistic, 20-34 px; the laser-pumped shots play the X-ray shots' part "
        "and the unpumped ones the references'). No etalon at all, but the screen's grain (1.5-3 % "
        "per column) and 2-5 glitches of the crystal; the SASE spikes change the spectrum's "
        "shape on every shot (six modulations of 50-150 px at 1.5-3 % each), the electron "
        "energy jitter moves its centre by 20-40 px rms, its width by 3-6 % and its intensity "
        "by 12-25 %, and 0.2-0.5 % of the shots barely lase. The X-ray beam's vertical "
        "pointing moves the band by 0.3-0.8 rows rms on the screen, and the camera in the hutch "
        "picks up 3-6 counts of pedestal jitter."
    ),
    camera=CameraSpec(
        width=1936,
        height=216,
        signal_columns=(48, 1840),
        signal_rows=(96, 24),
        background_rows=(8, 12),
        light_row=Span(106.0, 110.0),
        light_sigma=Span(4.0, 5.5),
        pointing_jitter=Span(0.3, 0.8),
        gain=Span(1.3, 1.8),
        pedestal=Span(40.0, 60.0),
        pedestal_columns=Span(0.5, 1.2),
        pedestal_jitter=Span(3.0, 6.0),
        read_noise=Span(2.0, 3.5),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(1, 4),
        hot_level=Span(2000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(900.0, 1020.0),
        half_width=Span(260.0, 340.0),
        order=Span(2.0, 2.2),
        asymmetry=Span(-0.15, 0.15),
        photon_level=Span(0.3, 0.7),
        pixel_response=Span(0.015, 0.03),
        lines=CountSpan(2, 5),
        line_depth=Span(0.05, 0.2),
        line_width=Span(1.5, 4.0),
        fringes=(),
        smooth_terms=6,
        smooth_scale=Span(50.0, 150.0),
        smooth_amplitude=Span(0.015, 0.03),
        centre_jitter=Span(20.0, 40.0),
        width_jitter=Span(0.03, 0.06),
        intensity_jitter=Span(0.12, 0.25),
        dark_probability=Span(0.002, 0.005),
        centre_drift=Span(15.0, 40.0),
        width_drift=Span(0.02, 0.05),
        intensity_drift=Span(0.05, 0.15),
        drift_period=Span(1000.0, 4000.0),
    ),
    edge=EdgeSpec(
        direction="falling",
        change="bleaching",
        shapes=("erf", "logistic"),
        width=Span(20.0, 34.0),
        width_jitter=Span(0.05, 0.1),
        depth_jitter=Span(0.03, 0.08),
        floor=Span(0.2, 0.3),
    ),
)

HOLLOW_FIBRE_BREATHING = Member(
    name="hollow_fibre_breathing",
    description=(
        "A probe broadened by self-phase modulation in a gas-filled hollow-core fibre: a "
        "flat-topped spectrum with steep sides (super-Gaussian order 5-8) filling most of a "
        "2048-px camera, with the band near the top of the chip and the dark rows at its "
        "bottom. The broadening grows with the pulse energy the fibre takes in, so from shot "
        "to shot the spectrum's width breathes by 5-9 % rms (its steep sides move by 30-75 "
        "px) and over 3,000-9,000 shots by 5-10 % more with the gas pressure and the coupling; "
        "the SPM oscillations change with the energy too (modulations of 80-250 px, 1-2.5 % each). "
        "Rising absorption edges, logistic, 8-14 px."
    ),
    camera=CameraSpec(
        width=2048,
        height=256,
        signal_columns=(40, 1968),
        signal_rows=(30, 20),
        background_rows=(200, 20),
        light_row=Span(38.0, 41.0),
        light_sigma=Span(3.0, 4.0),
        smile=Span(0.0, 1.0),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.5, 2.0),
        pedestal=Span(60.0, 80.0),
        pedestal_columns=Span(0.5, 1.5),
        pedestal_jitter=Span(0.0, 0.5),
        read_noise=Span(2.0, 3.0),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(4000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(980.0, 1070.0),
        half_width=Span(600.0, 680.0),
        order=Span(5.0, 8.0),
        asymmetry=Span(-0.15, 0.0),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(160.0, 240.0), Span(0.01, 0.02), Span(0.05, 0.2), Span(0.02, 0.05)),
        ),
        smooth_terms=5,
        smooth_scale=Span(80.0, 250.0),
        smooth_amplitude=Span(0.01, 0.025),
        centre_jitter=Span(4.0, 10.0),
        width_jitter=Span(0.05, 0.09),
        intensity_jitter=Span(0.06, 0.12),
        dark_probability=Span(0.001, 0.002),
        centre_drift=Span(10.0, 25.0),
        width_drift=Span(0.05, 0.1),
        intensity_drift=Span(0.05, 0.12),
        drift_period=Span(3000.0, 9000.0),
    ),
    edge=EdgeSpec(
        direction="rising",
        shapes=("logistic",),
        width=Span(8.0, 14.0),
        width_jitter=Span(0.03, 0.08),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

HELDOUT_4_MEMBERS: tuple[Member, ...] = (
    MEMBRANE_THIN_FILM_FRINGES,
    NOTCHED_CONTINUUM_DROPOUTS,
    NIR_CCD_BANDEDGE_BLEACH,
    CHIRPED_SASE_PROBE,
    HOLLOW_FIBRE_BREATHING,
)
"""The fourth held-out set, part of the tuning members since 2026-11-29 (see the module's
docstring)."""
