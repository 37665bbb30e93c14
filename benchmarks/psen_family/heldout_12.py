"""The twelfth held-out members, written on 2026-11-30 by someone who had not read the method.

Not to be read by a method's author until the method is final. They differ in character from
every member of the time (the tuning members of :mod:`.members`, which hold the first ten
held-out sets, and the eleventh set of :mod:`.heldout_11`), not only in their seeds; three use a
feature the generator learnt for this set (all of them off by default), two use the eleventh
set's features in new ways:

- ``chirp_limited_fresnel_edge``: a weakly chirped probe for the finest time step, where the
  mapping of time to wavelength breaks down near the edge: the spectrum shows the Fresnel
  pattern of a sudden change, a ringing of falling period on both sides of the edge
  (``EdgeSpec.fresnel_scale``, ``EdgeSpec.fresnel_ratio``);
- ``slitless_holmium_shift``: a spectrometer without an entrance slit, whose wavelength scale
  moves on the camera with the probe's pointing, with a holmium-oxide calibration filter left in
  the beam, whose sharp lines move with it (``SourceSpec.shift_jitter``,
  ``SourceSpec.shifting_lines``);
- ``ruby_r_line_emission``: a sapphire target with traces of chromium, whose narrow R-line
  emission, excited by the X-rays, lights a few columns on X-ray shots only
  (``EdgeSpec.luminescence``, narrow);
- ``drude_lambda_squared_change``: a change by free-carrier absorption, which grows with the
  wavelength across the spectrum, so that the edge's local depth varies by more than two along
  the camera and the changed side is no plateau (``EdgeSpec.feature``, broad and off the camera);
- ``delay_scan_stepped_stage``: a random-order delay scan: the laser's delay stage jumps to a
  new delay every 20-60 shots and the edge stays there, up to the FEL's arrival-time jitter
  (``EdgeSpec.scan_dwell``).
"""

from __future__ import annotations

from .spec import CameraSpec, CountSpan, EdgeSpec, FringeSpec, Member, SourceSpec, Span

__all__ = ["HELDOUT_12_MEMBERS"]

CHIRP_LIMITED_FRESNEL_EDGE = Member(
    name="chirp_limited_fresnel_edge",
    description=(
        "For the finest time step per pixel the users shortened the probe's chirp (less glass "
        "after the white-light plate, a window of a few hundred femtoseconds over the camera), "
        "and came close to the chirp-limited resolution: the time-to-wavelength mapping of "
        "spectral encoding holds only to within the square root of the chirped and the "
        "transform-limited durations, and a change of transmission faster than that shows in the "
        "spectrum as the Fresnel pattern of a sudden step, as behind a knife edge: the step plus "
        "a ringing whose period falls away from the edge, on both sides of it and point-symmetric "
        "about it, a dip before the edge as large as the bump after it (the Fresnel scale 7-13 "
        "px per run, the first turn 7-18 px from the edge). The X-rays change both the "
        "absorption and the refractive index of the target (a thin YAG or silicon nitride), so a "
        "dispersive term of up to 0.8 times the absorptive one (either sign, per run) changes the "
        "ringing's size and phase. The X-ray pulse and the spectrometer's resolution smooth it "
        "(erf or logistic, one per run, 3-7 px), leaving 4-23 % of the change at the first turn. "
        "A 2048-px sCMOS (a 100-row window, dark rows below the band), a broad continuum (order "
        "2.3-3, half width 520-620 px) at 35-70 % of full scale, a weak window ripple. The X-rays "
        "absorb and the edge falls."
    ),
    camera=CameraSpec(
        width=2048,
        height=100,
        signal_columns=(28, 1992),
        signal_rows=(44, 20),
        background_rows=(80, 14),
        light_row=Span(53.0, 56.0),
        light_sigma=Span(2.8, 3.6),
        smile=Span(0.0, 0.5),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.2, 1.6),
        pedestal=Span(90.0, 130.0),
        pedestal_columns=Span(0.5, 1.2),
        pedestal_jitter=Span(0.1, 0.5),
        read_noise=Span(1.6, 2.6),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(950.0, 1100.0),
        half_width=Span(520.0, 620.0),
        order=Span(2.3, 3.0),
        asymmetry=Span(-0.08, 0.08),
        photon_level=Span(0.35, 0.7),
        pixel_response=Span(0.003, 0.006),
        fringes=(
            FringeSpec(Span(90.0, 140.0), Span(0.01, 0.02), Span(0.05, 0.2), Span(0.02, 0.05)),
        ),
        smooth_amplitude=Span(0.01, 0.02),
        centre_jitter=Span(3.0, 7.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 20.0),
        intensity_drift=Span(0.02, 0.06),
        drift_period=Span(3000.0, 8000.0),
    ),
    edge=EdgeSpec(
        direction="falling",
        change="absorption",
        shapes=("erf", "logistic"),
        width=Span(3.0, 7.0),
        width_jitter=Span(0.02, 0.05),
        depth_jitter=Span(0.08, 0.15),
        floor=Span(0.12, 0.16),
        fresnel_scale=Span(7.0, 13.0),
        fresnel_ratio=Span(-0.8, 0.8),
    ),
)

SLITLESS_HOLMIUM_SHIFT = Member(
    name="slitless_holmium_shift",
    description=(
        "A compact spectrometer without an entrance slit (the probe's focus is the slit, for "
        "throughput) images the probe onto a 1440-px CMOS (a 110-row window): the probe's "
        "horizontal pointing at its entrance moves the whole spectral image along the camera, by "
        "0.6-1.4 px rms from shot to shot, the envelope, the window ripple and every spectral "
        "feature alike, while the camera's own pixel response stays. After a wavelength "
        "calibration a holmium-oxide glass filter was left in the probe beam: its 6-10 sharp "
        "absorption lines (15-40 % deep, rms 2.5-6 px) are fixed in wavelength, so they move with "
        "the image, and a reference taken a shot earlier has them a pixel or two off: dividing by "
        "it leaves a sharp derivative-shaped wiggle at every line, as narrow as the edge. The "
        "probe at 40-80 % of full scale (a near-Gaussian continuum, half width 380-460 px). The "
        "chirp is reversed, the X-rays absorb and the edge rises (erf, 5-10 px)."
    ),
    camera=CameraSpec(
        width=1440,
        height=110,
        signal_columns=(20, 1400),
        signal_rows=(60, 18),
        background_rows=(6, 16),
        light_row=Span(68.0, 71.0),
        light_sigma=Span(2.4, 3.0),
        smile=Span(0.0, 0.5),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.3, 1.8),
        pedestal=Span(60.0, 90.0),
        pedestal_columns=Span(0.5, 1.0),
        pedestal_jitter=Span(0.1, 0.4),
        read_noise=Span(2.0, 3.0),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(660.0, 780.0),
        half_width=Span(380.0, 460.0),
        order=Span(2.0, 2.6),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.4, 0.8),
        pixel_response=Span(0.003, 0.006),
        fringes=(
            FringeSpec(Span(60.0, 90.0), Span(0.01, 0.02), Span(0.05, 0.2), Span(0.02, 0.05)),
        ),
        smooth_amplitude=Span(0.01, 0.02),
        centre_jitter=Span(1.0, 3.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 15.0),
        intensity_drift=Span(0.02, 0.06),
        drift_period=Span(3000.0, 8000.0),
        shift_jitter=Span(0.6, 1.4),
        shifting_lines=CountSpan(6, 10),
        shifting_line_depth=Span(0.15, 0.4),
        shifting_line_width=Span(2.5, 6.0),
    ),
    edge=EdgeSpec(
        direction="rising",
        change="absorption",
        shapes=("erf",),
        width=Span(5.0, 10.0),
        width_jitter=Span(0.02, 0.05),
        depth_jitter=Span(0.05, 0.12),
        floor=Span(0.12, 0.16),
    ),
)

RUBY_R_LINE_EMISSION = Member(
    name="ruby_r_line_emission",
    description=(
        "The timing target is a thin sapphire wafer, chosen for its radiation hardness, that "
        "holds traces of chromium: the X-rays excite the Cr3+ ions, whose R-line emission at "
        "694 nm (the R1 and R2 lines, unresolved) lies inside the probe's band, and the part of "
        "it that the collection optics take in reaches the spectrometer within the exposure of "
        "the X-ray shots only: a narrow peak (rms 3-6 px, fixed on the camera wherever the run's "
        "grating angle puts it in the lit part) of 3-7 % of the probe's peak, scaled by the X-ray "
        "pulse energy (jitter 15-25 %, as the edge's depth) and not by the probe. Its flanks are "
        "as steep as the edge; in the spectrum's wings (edges reach to where the probe is 12-16 % "
        "of its peak) it is several times the edge. A 1792-px CMOS (a 150-row window, the dark "
        "rows below the band), a broad continuum (order 2.4-3, half width 500-580 px) at 30-60 % "
        "of full scale, a weak window ripple. The X-rays bleach and the edge rises (erf or "
        "logistic, one per run, 6-12 px)."
    ),
    camera=CameraSpec(
        width=1792,
        height=150,
        signal_columns=(36, 1720),
        signal_rows=(66, 22),
        background_rows=(120, 20),
        light_row=Span(75.0, 78.0),
        light_sigma=Span(3.2, 4.0),
        smile=Span(0.0, 0.5),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.1, 1.5),
        pedestal=Span(40.0, 70.0),
        pedestal_columns=Span(0.5, 1.0),
        pedestal_jitter=Span(0.1, 0.5),
        read_noise=Span(1.8, 2.8),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(0, 1),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(820.0, 940.0),
        half_width=Span(500.0, 580.0),
        order=Span(2.4, 3.0),
        asymmetry=Span(-0.08, 0.08),
        photon_level=Span(0.3, 0.6),
        pixel_response=Span(0.003, 0.006),
        fringes=(
            FringeSpec(Span(150.0, 220.0), Span(0.01, 0.02), Span(0.05, 0.2), Span(0.02, 0.05)),
        ),
        smooth_amplitude=Span(0.01, 0.02),
        centre_jitter=Span(3.0, 6.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.002),
        centre_drift=Span(5.0, 20.0),
        intensity_drift=Span(0.02, 0.06),
        drift_period=Span(3000.0, 8000.0),
    ),
    edge=EdgeSpec(
        direction="rising",
        change="bleaching",
        shapes=("erf", "logistic"),
        width=Span(6.0, 12.0),
        width_jitter=Span(0.02, 0.05),
        depth_jitter=Span(0.15, 0.25),
        floor=Span(0.12, 0.16),
        luminescence=Span(0.03, 0.07),
        luminescence_centre=Span(450.0, 1300.0),
        luminescence_width=Span(3.0, 6.0),
    ),
)

DRUDE_LAMBDA_SQUARED_CHANGE = Member(
    name="drude_lambda_squared_change",
    description=(
        "The X-rays make free carriers in a thin semiconductor target, and the probe sees their "
        "Drude absorption, which grows about as the square of the wavelength: over a probe band "
        "of 500-800 nm the change at the camera's blue (low-column) end is only 40-46 % of that "
        "at its red end, rising smoothly along the camera (the X-ray-induced change, not the "
        "probe, carries this slope, so the references do not show it). An edge in the blue half "
        "is less than two thirds as deep as one in the red, and the changed side of every edge "
        "is no plateau but a slope that goes on growing away from the edge. A 2048-px sCMOS (a "
        "140-row window, the dark rows above the band), a broad continuum (order 2.6-3.4, half "
        "width 640-720 px) at 40-80 % of full scale, two weak window ripples. The X-rays absorb "
        "and the edge falls (erf, 8-14 px), out to where the light is 12-16 % of its peak."
    ),
    camera=CameraSpec(
        width=2048,
        height=140,
        signal_columns=(24, 2000),
        signal_rows=(90, 26),
        background_rows=(10, 16),
        light_row=Span(100.0, 104.0),
        light_sigma=Span(4.0, 5.0),
        smile=Span(0.0, 0.6),
        pointing_jitter=Span(0.1, 0.4),
        gain=Span(1.2, 1.6),
        pedestal=Span(100.0, 140.0),
        pedestal_columns=Span(0.5, 1.2),
        pedestal_jitter=Span(0.1, 0.5),
        read_noise=Span(2.0, 3.0),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(960.0, 1080.0),
        half_width=Span(640.0, 720.0),
        order=Span(2.6, 3.4),
        asymmetry=Span(-0.06, 0.06),
        photon_level=Span(0.4, 0.8),
        pixel_response=Span(0.003, 0.006),
        fringes=(
            FringeSpec(Span(40.0, 60.0), Span(0.005, 0.012), Span(0.1, 0.3), Span(0.02, 0.05)),
            FringeSpec(Span(180.0, 240.0), Span(0.01, 0.02), Span(0.05, 0.15), Span(0.02, 0.05)),
        ),
        smooth_amplitude=Span(0.01, 0.02),
        centre_jitter=Span(3.0, 8.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(10.0, 25.0),
        intensity_drift=Span(0.02, 0.06),
        drift_period=Span(3000.0, 8000.0),
    ),
    edge=EdgeSpec(
        direction="falling",
        change="absorption",
        shapes=("erf",),
        width=Span(8.0, 14.0),
        width_jitter=Span(0.02, 0.05),
        depth_jitter=Span(0.08, 0.15),
        floor=Span(0.12, 0.16),
        feature=Span(0.56, 0.62),
        feature_column=Span(-500.0, -250.0),
        feature_width=Span(750.0, 950.0),
    ),
)

DELAY_SCAN_STEPPED_STAGE = Member(
    name="delay_scan_stepped_stage",
    description=(
        "A pump-probe delay scan in random order (so that slow drifts do not map onto the "
        "delay): the laser's delay stage jumps to a new delay every 20-60 shots (a fraction of a "
        "second at 100 Hz) and stays there, so the edge sits at one column for a step, spread "
        "only by the FEL's arrival-time jitter (8-20 px rms, some tens of femtoseconds), then "
        "jumps anywhere in the window; each step's delay is new, and nothing but the data tells "
        "where the next one lies. The stage sits in the pump arm, so the probe does not move. A "
        "1920-px CMOS (a 96-row window, dark rows below the band), a broad continuum (order "
        "2.2-3, half width 560-660 px) kept at 12-30 % of full scale (attenuated to spare the "
        "target over the scan's hours, so that a single shot's edge is noisy and a method is "
        "tempted to lean on the shots before it), a weak window ripple. The X-rays bleach and the "
        "edge falls (erf or logistic, one per run, 6-12 px); the pulse energy jitters by 10-20 %."
    ),
    camera=CameraSpec(
        width=1920,
        height=96,
        signal_columns=(16, 1888),
        signal_rows=(30, 20),
        background_rows=(74, 14),
        light_row=Span(38.0, 41.0),
        light_sigma=Span(2.6, 3.4),
        smile=Span(0.0, 0.5),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.1, 1.5),
        pedestal=Span(50.0, 80.0),
        pedestal_columns=Span(0.5, 1.0),
        pedestal_jitter=Span(0.1, 0.4),
        read_noise=Span(1.8, 2.8),
        dead_columns=CountSpan(0, 2),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(900.0, 1020.0),
        half_width=Span(560.0, 660.0),
        order=Span(2.2, 3.0),
        asymmetry=Span(-0.08, 0.08),
        photon_level=Span(0.12, 0.3),
        pixel_response=Span(0.003, 0.006),
        fringes=(
            FringeSpec(Span(110.0, 170.0), Span(0.01, 0.02), Span(0.05, 0.2), Span(0.02, 0.05)),
        ),
        smooth_amplitude=Span(0.01, 0.02),
        centre_jitter=Span(3.0, 7.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 20.0),
        intensity_drift=Span(0.02, 0.06),
        drift_period=Span(3000.0, 8000.0),
    ),
    edge=EdgeSpec(
        direction="falling",
        change="bleaching",
        shapes=("erf", "logistic"),
        width=Span(6.0, 12.0),
        width_jitter=Span(0.02, 0.05),
        depth_jitter=Span(0.1, 0.2),
        floor=Span(0.12, 0.16),
        scan_dwell=Span(20.0, 60.0),
        scan_jitter=Span(8.0, 20.0),
    ),
)

HELDOUT_12_MEMBERS: tuple[Member, ...] = (
    CHIRP_LIMITED_FRESNEL_EDGE,
    SLITLESS_HOLMIUM_SHIFT,
    RUBY_R_LINE_EMISSION,
    DRUDE_LAMBDA_SQUARED_CHANGE,
    DELAY_SCAN_STEPPED_STAGE,
)
"""The twelfth held-out set."""
