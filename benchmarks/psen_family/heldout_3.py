"""The third held-out members (written 2026-11-29): run once on 2026-11-29, they are now
TUNING members.

They were kept from a method's author until the method was final; their results were run and
read on 2026-11-29, so they are no longer unseen: :data:`.members.TUNING_MEMBERS` includes them
and ``python benchmarks/family_benchmark.py`` runs them by default. The module and its names
stay as they were; the fourth and the fifth held-out sets (:mod:`.heldout_4` and
:mod:`.heldout_5`, run at 882a064 and at be618c1) joined the tuning members the same way on
2026-11-29, and the held-out members now are :data:`.heldout_12.HELDOUT_12_MEMBERS`
(``--heldout``).

They were written to differ in character from every tuning member of the time (the first ones
and the first and the second held-out sets of :mod:`.heldout` and :mod:`.heldout_2`), not only
in their seeds: a small high-rate readout window that the spectrum barely fills, so that edges
lie close to the window's ends; a radiation-damaged 1024-px CCD with a high pedestal, much read
noise, many stuck columns and a dim probe; rising absorption edges with a strong ringing whose
period matches the sample's etalon; an OPA probe whose centre and width drift far more than any
tuning member's did, under two etalon ripples; and the laser's own narrow-band chirped pulse as
a probe, so that edges lie in a span of a few hundred pixels, with the depth jitter of a
monochromatised SASE pump.
"""

from __future__ import annotations

from .spec import CameraSpec, CountSpan, EdgeSpec, FringeSpec, Member, SourceSpec, Span

__all__ = ["HELDOUT_3_MEMBERS"]

FAST_WINDOW_EDGE_ENDS = Member(
    name="fast_window_edge_ends",
    description=(
        "A high-repetition-rate line (100 kHz-class readout): a 2048-px sCMOS reads only a "
        "512-column, 10-row window in its fast mode (read noise 4-6 counts, a column pattern "
        "of 1.5-3 counts). The flat-topped spectrum (super-Gaussian order 5-7, half width "
        "160-180 px) barely fills the window and drifts by 10-25 px against it, so edges lie "
        "as close as 40-80 px to the window's ends, on the flat top's steep shoulders, and a "
        "wide edge's plateau runs out of the window. The X-rays bleach and the edge falls "
        "(erf, 22-32 px) with a depth jitter of 10-20 %."
    ),
    camera=CameraSpec(
        width=2048,
        height=256,
        signal_columns=(768, 512),
        signal_rows=(122, 10),
        background_rows=(16, 8),
        light_row=Span(126.0, 128.0),
        light_sigma=Span(2.0, 2.6),
        pointing_jitter=Span(0.2, 0.4),
        gain=Span(1.6, 2.0),
        pedestal=Span(100.0, 110.0),
        pedestal_columns=Span(1.5, 3.0),
        pedestal_jitter=Span(0.5, 1.5),
        read_noise=Span(4.0, 6.0),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(1005.0, 1045.0),
        half_width=Span(160.0, 180.0),
        order=Span(5.0, 7.0),
        asymmetry=Span(-0.08, 0.08),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(110.0, 160.0), Span(0.01, 0.02), Span(0.1, 0.3), Span(0.05, 0.1)),
        ),
        smooth_scale=Span(150.0, 600.0),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 6.0),
        width_jitter=Span(0.005, 0.015),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(10.0, 25.0),
        width_drift=Span(0.01, 0.02),
        intensity_drift=Span(0.03, 0.06),
        drift_period=Span(3000.0, 8000.0),
    ),
    edge=EdgeSpec(
        direction="falling",
        change="bleaching",
        shapes=("erf",),
        width=Span(22.0, 32.0),
        width_jitter=Span(0.05, 0.1),
        depth_jitter=Span(0.1, 0.2),
        floor=Span(0.15, 0.2),
    ),
)

DAMAGED_CCD_1024 = Member(
    name="damaged_ccd_1024",
    description=(
        "An old 1024-px CCD mounted close to the beam, radiation-damaged: a high pedestal "
        "(260-300 counts) with a strong column pattern (4-8 counts) and a shot-to-shot offset "
        "(2-4 counts), read noise 7-10 counts, gain 1-1.2, 12-20 dead and 10-20 hot columns "
        "(some saturated, some a few thousand counts), a 1-2 % pixel response and a few stray "
        "X-ray hits on X-ray shots (0.1-0.3 per 10,000 pixels). The probe is dim (10-18 % of "
        "full scale) and read through a 12-row ROI over a band below the chip's middle, the "
        "dark rows beneath it. Sharp falling absorption edges, erf or logistic, 3-6 px."
    ),
    camera=CameraSpec(
        width=1024,
        height=128,
        signal_columns=(24, 976),
        signal_rows=(56, 12),
        background_rows=(100, 12),
        light_row=Span(61.0, 63.0),
        light_sigma=Span(1.8, 2.5),
        smile=Span(0.0, 0.5),
        pointing_jitter=Span(0.2, 0.5),
        gain=Span(1.0, 1.2),
        pedestal=Span(260.0, 300.0),
        pedestal_columns=Span(4.0, 8.0),
        pedestal_jitter=Span(2.0, 4.0),
        read_noise=Span(7.0, 10.0),
        dead_columns=CountSpan(12, 20),
        hot_columns=CountSpan(10, 20),
        hot_level=Span(2000.0, 65535.0),
        xray_hits=Span(0.1, 0.3),
        hit_level=Span(500.0, 5000.0),
    ),
    source=SourceSpec(
        centre=Span(490.0, 535.0),
        half_width=Span(250.0, 290.0),
        order=Span(2.0, 2.5),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.1, 0.18),
        pixel_response=Span(0.01, 0.02),
        lines=CountSpan(2, 5),
        line_depth=Span(0.03, 0.12),
        line_width=Span(1.5, 3.0),
        fringes=(FringeSpec(Span(70.0, 100.0), Span(0.01, 0.02), Span(0.1, 0.3), Span(0.05, 0.1)),),
        smooth_scale=Span(200.0, 800.0),
        smooth_amplitude=Span(0.01, 0.02),
        centre_jitter=Span(4.0, 8.0),
        width_jitter=Span(0.005, 0.015),
        intensity_jitter=Span(0.06, 0.12),
        dark_probability=Span(0.001, 0.002),
        centre_drift=Span(5.0, 15.0),
        intensity_drift=Span(0.03, 0.08),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("erf", "logistic"),
        width=Span(3.0, 6.0),
        width_jitter=Span(0.05, 0.1),
        depth_jitter=Span(0.08, 0.15),
        floor=Span(0.15, 0.2),
    ),
)

PHONON_RINGING_ETALON = Member(
    name="phonon_ringing_etalon",
    description=(
        "A thin crystal whose X-ray excitation launches a coherent optical phonon: the "
        "absorption rises (reversed chirp) in 7-11 px and then rings strongly (25-40 % of the "
        "depth, period 2.5-3.5 edge widths, so 18-38 px), and the crystal's 100-um substrate "
        "adds an etalon ripple of 22-34 px at 2-4 % whose phase and amplitude jitter with the "
        "heat load, so the ripple and the ringing look alike; a long weak ripple from a "
        "coated window. A 2448-px CMOS (a 200-row band of a 2448 x 2048 sensor, slight smile)."
    ),
    camera=CameraSpec(
        width=2448,
        height=200,
        signal_columns=(64, 2320),
        signal_rows=(88, 20),
        background_rows=(8, 10),
        light_row=Span(96.0, 99.0),
        light_sigma=Span(3.0, 4.0),
        smile=Span(0.5, 1.5),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.0, 1.3),
        pedestal=Span(60.0, 70.0),
        pedestal_columns=Span(0.3, 0.8),
        pedestal_jitter=Span(0.0, 0.5),
        read_noise=Span(2.0, 3.0),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(1, 4),
        hot_level=Span(1500.0, 4095.0),
    ),
    source=SourceSpec(
        centre=Span(1180.0, 1260.0),
        half_width=Span(680.0, 760.0),
        order=Span(2.5, 3.5),
        asymmetry=Span(-0.08, 0.08),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(1, 3),
        fringes=(
            FringeSpec(Span(22.0, 34.0), Span(0.02, 0.04), Span(0.2, 0.5), Span(0.1, 0.2)),
            FringeSpec(Span(500.0, 650.0), Span(0.01, 0.03), Span(0.05, 0.15), Span(0.02, 0.05)),
        ),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 8.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 20.0),
        width_drift=Span(0.005, 0.01),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="rising",
        shapes=("erf",),
        width=Span(7.0, 11.0),
        width_jitter=Span(0.05, 0.1),
        depth_jitter=Span(0.08, 0.15),
        overshoot=Span(0.25, 0.4),
        ringing=Span(2.5, 3.5),
        floor=Span(0.12, 0.18),
    ),
)

OPA_DRIFT_FRINGES = Member(
    name="opa_drift_fringes",
    description=(
        "An optical parametric amplifier as the probe source: its near-Gaussian spectrum "
        "(half width 380-450 px, skewed by up to 20 %) follows the OPA's pump energy and "
        "phase matching, so over 2,000-6,000 shots its centre drifts by 100-160 px, its width "
        "by 12-20 % and its intensity by 15-30 %, and from shot to shot its centre moves by "
        "8-15 px and its shape by 2-4 % on 100-500 px. It crosses two windows (ripples of "
        "35-50 px and 250-400 px at 2-4 %) that stay put while the spectrum moves under them. "
        "The X-rays bleach and the edge rises, erf or logistic (one per run), 14-24 px."
    ),
    camera=CameraSpec(
        width=2048,
        height=256,
        signal_columns=(40, 1968),
        signal_rows=(112, 32),
        background_rows=(220, 16),
        light_row=Span(126.0, 130.0),
        light_sigma=Span(5.0, 6.5),
        smile=Span(0.0, 1.0),
        pointing_jitter=Span(0.2, 0.5),
        gain=Span(1.4, 1.8),
        pedestal=Span(140.0, 180.0),
        pedestal_columns=Span(0.5, 1.5),
        pedestal_jitter=Span(0.3, 1.0),
        read_noise=Span(2.5, 3.5),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(0, 3),
        hot_level=Span(5000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(980.0, 1080.0),
        half_width=Span(380.0, 450.0),
        order=Span(2.0, 2.4),
        asymmetry=Span(-0.2, 0.2),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.005, 0.01),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(35.0, 50.0), Span(0.02, 0.04), Span(0.2, 0.5), Span(0.05, 0.15)),
            FringeSpec(Span(250.0, 400.0), Span(0.02, 0.04), Span(0.05, 0.15), Span(0.02, 0.05)),
        ),
        smooth_scale=Span(100.0, 500.0),
        smooth_amplitude=Span(0.02, 0.04),
        centre_jitter=Span(8.0, 15.0),
        width_jitter=Span(0.02, 0.04),
        intensity_jitter=Span(0.08, 0.15),
        dark_probability=Span(0.001, 0.002),
        centre_drift=Span(100.0, 160.0),
        width_drift=Span(0.12, 0.2),
        intensity_drift=Span(0.15, 0.3),
        drift_period=Span(2000.0, 6000.0),
    ),
    edge=EdgeSpec(
        direction="rising",
        change="bleaching",
        shapes=("erf", "logistic"),
        width=Span(14.0, 24.0),
        width_jitter=Span(0.05, 0.1),
        depth_jitter=Span(0.05, 0.12),
        floor=Span(0.2, 0.25),
    ),
)

NARROW_PROBE_MONO_SASE = Member(
    name="narrow_probe_mono_sase",
    description=(
        "No continuum: the laser's own chirped 800-nm pulse (30-40 nm wide) on a spectrometer "
        "made for white light, so its Gaussian spectrum (rms 70-95 px) lights only a few "
        "hundred of a 1440-px CMOS's columns, wherever the run puts it (centre 640-800), and "
        "edges lie within where it is at least 25-35 % of its peak. A stable laser (2-4 % "
        "intensity jitter). The hard X-ray pump passes a crystal monochromator, so its pulse "
        "energy, hence the edge's depth, fluctuates by 30-40 % rms (some shots barely show an "
        "edge). Falling absorption edges, erf or logistic (one per run), 10-16 px."
    ),
    camera=CameraSpec(
        width=1440,
        height=120,
        signal_columns=(40, 1360),
        signal_rows=(50, 16),
        background_rows=(4, 10),
        light_row=Span(57.0, 59.0),
        light_sigma=Span(2.5, 3.2),
        pointing_jitter=Span(0.05, 0.2),
        gain=Span(1.1, 1.4),
        pedestal=Span(30.0, 50.0),
        pedestal_columns=Span(0.3, 0.8),
        pedestal_jitter=Span(0.0, 0.3),
        read_noise=Span(1.5, 2.5),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(2000.0, 30000.0),
    ),
    source=SourceSpec(
        centre=Span(640.0, 800.0),
        half_width=Span(70.0, 95.0),
        order=Span(2.0, 2.2),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.6, 1.0),
        pixel_response=Span(0.003, 0.008),
        lines=CountSpan(0, 1),
        fringes=(
            FringeSpec(Span(40.0, 60.0), Span(0.005, 0.015), Span(0.1, 0.3), Span(0.05, 0.1)),
        ),
        smooth_scale=Span(150.0, 400.0),
        smooth_amplitude=Span(0.003, 0.008),
        centre_jitter=Span(1.0, 3.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.02, 0.04),
        dark_probability=Span(0.0005, 0.001),
        centre_drift=Span(5.0, 15.0),
        width_drift=Span(0.01, 0.03),
        intensity_drift=Span(0.01, 0.03),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("erf", "logistic"),
        width=Span(10.0, 16.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.3, 0.4),
        floor=Span(0.25, 0.35),
    ),
)

HELDOUT_3_MEMBERS: tuple[Member, ...] = (
    FAST_WINDOW_EDGE_ENDS,
    DAMAGED_CCD_1024,
    PHONON_RINGING_ETALON,
    OPA_DRIFT_FRINGES,
    NARROW_PROBE_MONO_SASE,
)
"""The third held-out set, part of the tuning members since 2026-11-29 (see the module's
docstring)."""
