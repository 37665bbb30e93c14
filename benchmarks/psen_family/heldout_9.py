"""The ninth held-out members (written 2026-11-29 by someone who had not read the method): run
once on 2026-11-30 (at commit 33f02a4), they are now TUNING members.

They were kept from a method's author until the method was final (who saw only the writer's
one-line summary of each member); their results were run and read on 2026-11-30, so they are no
longer unseen: :data:`.members.TUNING_MEMBERS` includes them. The module and its names stay as
they were; the held-out members now are :data:`.heldout_12.HELDOUT_12_MEMBERS` (``--heldout``).

The original description of the set: they were written to differ in character from every
tuning member of the time (:data:`.members.TUNING_MEMBERS`, which held the first eight held-out
sets), not only in their seeds:

- ``crossed_polariser_channelled``: a birefringent window between crossed polarisers channels
  the spectrum into a deep, slow cosine modulation whose phase and depth wander from shot to
  shot;
- ``grating_off_centre_flank``: a spectrometer set to the wrong central wavelength, so that the
  spectrum's peak lies beyond the end of the camera and the ROI holds one long flank;
- ``twin_window_flow_cell``: a liquid flow cell whose two nearly identical windows make two
  ripples of close periods that beat, over the solvent's broad absorption bands;
- ``nopa_walking_spectrum``: a non-collinear parametric amplifier whose spectrum walks across
  the camera by a large part of its own width over a run;
- ``regen_period_doubling``: a regenerative amplifier near its period-doubling threshold, so
  that consecutive probe pulses alternate in energy and in spectrum.
"""

from __future__ import annotations

from .spec import CameraSpec, CountSpan, EdgeSpec, FringeSpec, Member, SourceSpec, Span

__all__ = ["HELDOUT_9_MEMBERS"]

CROSSED_POLARISER_CHANNELLED = Member(
    name="crossed_polariser_channelled",
    description=(
        "A polarisation-filtered probe line: a polariser before the sample and an analyser "
        "before the spectrometer (set to clean up the probe's polarisation), with a slightly "
        "tilted c-cut sapphire vacuum window between them. The window's birefringence channels "
        "the spectrum: a deep cosine modulation of period 180-320 px at 28-38 % (the light "
        "swings between about 0.65 and 1.35 of the envelope), whose phase moves by 0.1-0.25 "
        "rad rms and whose depth by 3-8 % from shot to shot as the window's stress and "
        "temperature change with the pump and the vacuum; a weak window ripple (60-90 px) "
        "under it. A 2048-px sCMOS (a 144-row band, gain 1.2-1.6), a broad continuum (order "
        "2.5-3.5, half width 580-660 px) at half to nearly full scale. The X-rays absorb and "
        "the edge falls (erf, 6-12 px), on the channels' crests, flanks and troughs alike."
    ),
    camera=CameraSpec(
        width=2048,
        height=144,
        signal_columns=(40, 1968),
        signal_rows=(60, 20),
        background_rows=(116, 16),
        light_row=Span(68.0, 71.0),
        light_sigma=Span(2.8, 3.5),
        smile=Span(0.0, 0.8),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.2, 1.6),
        pedestal=Span(90.0, 110.0),
        pedestal_columns=Span(0.5, 1.2),
        pedestal_jitter=Span(0.2, 0.6),
        read_noise=Span(2.0, 3.0),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(980.0, 1060.0),
        half_width=Span(580.0, 660.0),
        order=Span(2.5, 3.5),
        asymmetry=Span(-0.08, 0.08),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(0, 2),
        fringes=(
            FringeSpec(Span(180.0, 320.0), Span(0.28, 0.38), Span(0.1, 0.25), Span(0.03, 0.08)),
            FringeSpec(Span(60.0, 90.0), Span(0.005, 0.015), Span(0.1, 0.3), Span(0.05, 0.1)),
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
        direction="falling",
        shapes=("erf",),
        width=Span(6.0, 12.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

GRATING_OFF_CENTRE_FLANK = Member(
    name="grating_off_centre_flank",
    description=(
        "The spectrometer's grating was left at the central wavelength of another experiment: "
        "the probe's peak falls 60-160 px beyond the high-column end of a 1280-px CMOS (a "
        "112-row band of a 1280 x 1024 sensor), and the signal ROI, which spans nearly the "
        "whole sensor, holds only the spectrum's long blue flank, climbing steadily from 3-8 % "
        "of the peak at its low end to nearly the peak at its high end, with no maximum and "
        "no far wing to be seen. The spectrum's centre jitters by 4-8 px and drifts by 10-25 "
        "px, which moves the flank under fixed columns; the dark rows lie above the band. "
        "Edges anywhere from where the light is 10-14 % of the peak to the ROI's bright end. "
        "The X-rays bleach and the edge rises, logistic, 10-16 px."
    ),
    camera=CameraSpec(
        width=1280,
        height=112,
        signal_columns=(16, 1248),
        signal_rows=(46, 18),
        background_rows=(6, 12),
        light_row=Span(54.0, 57.0),
        light_sigma=Span(2.5, 3.2),
        smile=Span(0.0, 0.6),
        pointing_jitter=Span(0.1, 0.25),
        gain=Span(1.3, 1.8),
        pedestal=Span(60.0, 90.0),
        pedestal_columns=Span(0.5, 1.0),
        pedestal_jitter=Span(0.0, 0.5),
        read_noise=Span(2.0, 3.5),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(1325.0, 1420.0),
        half_width=Span(560.0, 640.0),
        order=Span(2.0, 2.4),
        asymmetry=Span(-0.05, 0.05),
        photon_level=Span(0.6, 1.0),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(0, 2),
        fringes=(FringeSpec(Span(90.0, 140.0), Span(0.01, 0.02), Span(0.1, 0.3), Span(0.05, 0.1)),),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(4.0, 8.0),
        width_jitter=Span(0.005, 0.012),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(10.0, 25.0),
        width_drift=Span(0.005, 0.015),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="rising",
        change="bleaching",
        shapes=("logistic",),
        width=Span(10.0, 16.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.1, 0.14),
    ),
)

TWIN_WINDOW_FLOW_CELL = Member(
    name="twin_window_flow_cell",
    description=(
        "The sample flows through a cell between two fused-silica windows of nominally equal "
        "thickness: each window is a weak etalon, and their ripples, of close periods (36-40 "
        "and 41-46 px, 3.5-6 % each), beat: their sum waxes to 7-12 % and wanes to 0-2.5 % "
        "along the spectrum, with a beat period of 170-1,600 px (some hundreds typically); the "
        "flow's pulsation flexes the two windows independently, so each ripple's phase moves "
        "by 0.2-0.4 rad rms from shot to shot and "
        "the beat's nodes move with them. The solvent's overtone bands leave 2-4 broad dips "
        "(rms 5-9 px, 15-35 % deep) fixed on the camera. A 1024-px back-illuminated CCD read "
        "slowly (gain 1.8-2, pedestal 180-220, a 128-row frame), a continuum at 40-80 % of "
        "full scale. The X-rays absorb and the edge rises (reversed chirp), erf, 4-8 px."
    ),
    camera=CameraSpec(
        width=1024,
        height=128,
        signal_columns=(8, 1008),
        signal_rows=(54, 16),
        background_rows=(100, 14),
        light_row=Span(60.0, 63.0),
        light_sigma=Span(2.2, 2.8),
        smile=Span(0.0, 0.5),
        pointing_jitter=Span(0.05, 0.2),
        gain=Span(1.8, 2.0),
        pedestal=Span(180.0, 220.0),
        pedestal_columns=Span(0.3, 0.8),
        pedestal_jitter=Span(0.0, 0.4),
        read_noise=Span(2.5, 4.0),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 1),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(490.0, 530.0),
        half_width=Span(270.0, 310.0),
        order=Span(2.5, 3.2),
        asymmetry=Span(-0.08, 0.08),
        photon_level=Span(0.4, 0.8),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(2, 4),
        line_depth=Span(0.15, 0.35),
        line_width=Span(5.0, 9.0),
        fringes=(
            FringeSpec(Span(36.0, 40.0), Span(0.035, 0.06), Span(0.2, 0.4), Span(0.05, 0.1)),
            FringeSpec(Span(41.0, 46.0), Span(0.035, 0.06), Span(0.2, 0.4), Span(0.05, 0.1)),
        ),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(2.0, 5.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.04, 0.08),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(5.0, 12.0),
        width_drift=Span(0.005, 0.01),
        intensity_drift=Span(0.02, 0.05),
    ),
    edge=EdgeSpec(
        direction="rising",
        shapes=("erf",),
        width=Span(4.0, 8.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

NOPA_WALKING_SPECTRUM = Member(
    name="nopa_walking_spectrum",
    description=(
        "The probe comes from a non-collinear optical parametric amplifier whose pump-seed "
        "delay is not stabilised: as the delay creeps with the lab's temperature, the "
        "amplified band tunes, and over a run (one to three slow cycles of 1,300-3,000 shots) "
        "the spectrum (half width 380-440 px) walks by 120-200 px either way, its width "
        "changes by 10-20 % and its intensity by 20-35 %, dragging its side peak (30-50 % "
        "high, 240-320 px to the red) with it, while from shot to shot it is fairly steady "
        "(centre 3-6 px, intensity 3-6 %). Edges are spread where the spectrum is at least a "
        "fifth to a quarter of its peak at the run's middle position, so at times the "
        "spectrum has walked away from them. A 2304-px sCMOS (a 160-row band of a 2304 x 2304 "
        "sensor, a 2000-px ROI). The X-rays bleach and the edge falls, erf or logistic, 5-9 px."
    ),
    camera=CameraSpec(
        width=2304,
        height=160,
        signal_columns=(152, 2000),
        signal_rows=(68, 22),
        background_rows=(130, 16),
        light_row=Span(77.0, 80.0),
        light_sigma=Span(3.0, 3.8),
        smile=Span(0.0, 0.8),
        pointing_jitter=Span(0.1, 0.3),
        gain=Span(1.0, 1.4),
        pedestal=Span(95.0, 105.0),
        pedestal_columns=Span(0.5, 1.0),
        pedestal_jitter=Span(0.1, 0.5),
        read_noise=Span(1.5, 2.5),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(1000.0, 1080.0),
        half_width=Span(380.0, 440.0),
        order=Span(2.2, 2.8),
        asymmetry=Span(-0.1, 0.1),
        lobe_height=Span(0.3, 0.5),
        lobe_offset=Span(240.0, 320.0),
        lobe_width=Span(70.0, 110.0),
        photon_level=Span(0.5, 0.9),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(0, 2),
        fringes=(FringeSpec(Span(70.0, 110.0), Span(0.01, 0.02), Span(0.1, 0.3), Span(0.05, 0.1)),),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(3.0, 6.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.03, 0.06),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(120.0, 200.0),
        width_drift=Span(0.1, 0.2),
        intensity_drift=Span(0.2, 0.35),
        drift_period=Span(1300.0, 3000.0),
    ),
    edge=EdgeSpec(
        direction="falling",
        change="bleaching",
        shapes=("erf", "logistic"),
        width=Span(5.0, 9.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.2, 0.28),
    ),
)

REGEN_PERIOD_DOUBLING = Member(
    name="regen_period_doubling",
    description=(
        "The probe laser's regenerative amplifier is pumped just past its period-doubling "
        "threshold: consecutive pulses alternate between more and less energy (by 15-30 % "
        "either way), "
        "and the continuum they make alternates with them, its centre by 6-15 px and its "
        "width by 2-5 %, so every X-ray shot's spectrum differs in the same way from both "
        "references next to it. The alternation is not locked: its strength fades and comes "
        "back with the other parity every few hundred to a thousand shots. On top, ordinary "
        "jitter (intensity 3-6 %, centre 2-5 px). A 1936-px CMOS (a 120-row band of a 1936 x "
        "1216 sensor, gain 1-1.3, black level 40-60), a continuum (order 2.5-3.2) at 40-80 % "
        "of full scale. The X-rays absorb and the edge falls, logistic, 8-14 px."
    ),
    camera=CameraSpec(
        width=1936,
        height=120,
        signal_columns=(24, 1888),
        signal_rows=(50, 20),
        background_rows=(98, 14),
        light_row=Span(58.0, 61.0),
        light_sigma=Span(2.6, 3.3),
        smile=Span(0.0, 0.7),
        pointing_jitter=Span(0.1, 0.25),
        gain=Span(1.0, 1.3),
        pedestal=Span(40.0, 60.0),
        pedestal_columns=Span(0.5, 1.2),
        pedestal_jitter=Span(0.1, 0.5),
        read_noise=Span(2.0, 3.0),
        dead_columns=CountSpan(0, 1),
        hot_columns=CountSpan(0, 2),
        hot_level=Span(3000.0, 65535.0),
    ),
    source=SourceSpec(
        centre=Span(910.0, 990.0),
        half_width=Span(500.0, 580.0),
        order=Span(2.5, 3.2),
        asymmetry=Span(-0.1, 0.1),
        photon_level=Span(0.4, 0.8),
        pixel_response=Span(0.004, 0.008),
        lines=CountSpan(0, 2),
        fringes=(FringeSpec(Span(80.0, 130.0), Span(0.01, 0.02), Span(0.1, 0.3), Span(0.05, 0.1)),),
        smooth_amplitude=Span(0.005, 0.015),
        centre_jitter=Span(2.0, 5.0),
        width_jitter=Span(0.005, 0.01),
        intensity_jitter=Span(0.03, 0.06),
        dark_probability=Span(0.001, 0.0015),
        centre_drift=Span(6.0, 15.0),
        width_drift=Span(0.02, 0.05),
        intensity_drift=Span(0.15, 0.3),
        drift_period=Span(2.002, 2.008),
    ),
    edge=EdgeSpec(
        direction="falling",
        shapes=("logistic",),
        width=Span(8.0, 14.0),
        width_jitter=Span(0.03, 0.06),
        depth_jitter=Span(0.05, 0.1),
        floor=Span(0.15, 0.2),
    ),
)

HELDOUT_9_MEMBERS: tuple[Member, ...] = (
    CROSSED_POLARISER_CHANNELLED,
    GRATING_OFF_CENTRE_FLANK,
    TWIN_WINDOW_FLOW_CELL,
    NOPA_WALKING_SPECTRUM,
    REGEN_PERIOD_DOUBLING,
)
"""The ninth held-out set (see the module's docstring)."""
