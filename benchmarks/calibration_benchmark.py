"""The calibration recovered from a simulated delay scan against the simulation's truth.

Run as ``.venv/bin/python benchmarks/calibration_benchmark.py`` (about a minute). For each edge
depth, the simulated camera (:class:`psen_processing.sim.camera.SimulatedCamera`, 1024 x 256 px,
X-rays on every other pulse) runs a delay scan of ``--steps`` steps of ``--shots`` X-ray shots,
its edge placed by a known quadratic px -> fs relation plus ``--jitter`` fs rms of X-ray arrival
jitter. Every frame goes through the service's own frame processing
(:class:`psen_processing.stream.pipeline.FrameProcessor`, edge detection with the default settings,
signal and background ROIs as ``--simulate`` sets them) and the calibration run
(:class:`psen_processing.stream.calibration_run.CalibrationRun`) as in the service, without sockets;
then the run is fitted (order ``--order``).

It prints, per depth: the points, the rejected fraction, the residual RMS of the shots and of
the step means (fs), each coefficient's error (fitted - true; in brackets in units of the fit's
own standard error of that coefficient, ``se``), and the error of the calibration
itself (fitted - true arrival time) as RMS and maximum over the covered pixels. The calibration
error is the figure that matters: the coefficients of a polynomial are correlated, so their
single errors look large where the curve is right.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from psen_processing.core.calibration_fit import fit_calibration
from psen_processing.core.channels import ChannelNames
from psen_processing.core.edge_tracking import EdgeDetectionSettings
from psen_processing.core.profiles import ProcessingSettings
from psen_processing.core.roi import Roi
from psen_processing.sim.camera import CameraConfig, SimulatedCamera
from psen_processing.stream.calibration_run import CalibrationRun, RunSettings
from psen_processing.stream.pipeline import FrameProcessor


def run_scan(depth: float, args: argparse.Namespace) -> dict[str, object]:
    width, height = args.width, args.height
    config = CameraConfig(
        width=width,
        height=height,
        edge_depth=depth,
        seed=args.seed,
        scan_steps=args.steps,
        scan_shots=args.shots,
        scan_jitter_fs=args.jitter,
    )
    camera = SimulatedCamera(config)
    settings = ProcessingSettings(
        roi_signal=Roi(0, width, height * 3 // 8, height // 4),
        roi_background=Roi(0, width, 0, max(1, height // 8)),
        edge_detection=EdgeDetectionSettings(enabled=True),
    )
    processor = FrameProcessor(ChannelNames(config.prefix))
    run = CalibrationRun()
    run.start(RunSettings(config.delay_channel, unit="ps", order=args.order), width)
    pulses = args.steps * args.shots * config.xray_period
    warm_up = 2 * 16  # the reference fills first (as a scan starts with the service running)
    for pulse_id in range(config.start_pulse_id - warm_up, config.start_pulse_id + pulses):
        outcome = processor.process(camera.message(pulse_id), settings)
        if pulse_id >= config.start_pulse_id:
            run.observe(outcome)
    run.stop()
    snapshot = run.snapshot()
    fit = fit_calibration(
        snapshot.delay_fs, snapshot.position, snapshot.amplitude, args.order, width
    )
    truth = np.array(config.truth_calibration)
    fitted = np.array(fit.coefficients)
    padded = np.zeros(max(truth.size, fitted.size))
    padded[: truth.size] = truth
    low, high = fit.covered_px
    grid = np.linspace(low, high, 500)
    curve_error = fit.delay_at(grid) - np.polynomial.polynomial.polyval(grid, truth)
    return {
        "depth": depth,
        "points": fit.points,
        "shots": snapshot.counters["xray_shots"],
        "rejected": fit.rejected_fraction,
        "rms": fit.residual_rms_fs,
        "step_rms": fit.step_residual_rms_fs,
        "coefficient_errors": fitted - padded[: fitted.size],
        "standard_errors": np.array(fit.coefficient_errors),
        "truth": truth,
        "fitted": fitted,
        "curve_rms": float(np.sqrt(np.mean(curve_error**2))),
        "curve_max": float(np.abs(curve_error).max()),
        "covered": (low, high),
        "warnings": fit.warnings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", default="0.10,0.05", help="edge depths, e.g. 0.10,0.05")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--shots", type=int, default=50, help="X-ray shots per step")
    parser.add_argument("--jitter", type=float, default=20.0, help="X-ray jitter, fs rms")
    parser.add_argument("--order", type=int, default=2)
    parser.add_argument("--width", type=int, default=1024)
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.monotonic()
    results = [run_scan(float(d), args) for d in args.depths.split(",")]
    truth = results[0]["truth"]
    print(
        f"delay scan: {args.steps} steps x {args.shots} X-ray shots, jitter {args.jitter:g} fs "
        f"rms, {args.width} x {args.height} px, order {args.order}, matched filter (default)"
    )
    print(f"truth (fs, lowest order first): {[float(f'{c:.6g}') for c in truth]}")
    print()
    head = (
        "| depth | points used / X-ray shots | rejected | residual RMS (fs) | step-mean RMS (fs) "
        "| c0 error (fs) | c1 error (fs/px) | c2 error (fs/px^2) | calibration error RMS / max "
        "over covered px (fs) |"
    )
    print(head)
    print("|" + "---|" * head.count(" |"))
    for r in results:
        errors = r["coefficient_errors"]
        assert isinstance(errors, np.ndarray)
        sigmas = r["standard_errors"]
        assert isinstance(sigmas, np.ndarray)
        cells = [f"{e:+.3g} ({e / s:+.1f} se)" for e, s in zip(errors[:3], sigmas, strict=False)]
        cells += ["-"] * (3 - len(cells))
        print(
            f"| {r['depth']:.0%} | {r['points']} / {r['shots']} | {r['rejected']:.1%} "
            f"| {r['rms']:.1f} | {r['step_rms']:.2f} | {' | '.join(cells)} "
            f"| {r['curve_rms']:.2f} / {r['curve_max']:.2f} |"
        )
    for r in results:
        covered = r["covered"]
        assert isinstance(covered, tuple)
        print(
            f"{r['depth']:.0%}: fitted {[float(f'{c:.6g}') for c in r['fitted']]}, covered "
            f"{covered[0]:.0f}-{covered[1]:.0f} px, warnings: {list(r['warnings']) or 'none'}"
        )
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
