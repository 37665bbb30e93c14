"""Time per frame of the service's edge detection, as the processing loop calls it.

    python benchmarks/edge_speed_benchmark.py [--frames 4000] [--member drifting_1024]
        [--depth 0.1] [--repeat 3] [--profile]

Profiles of a run of the benchmark family (``psen_family``; the default member has a 1024-px
camera: 976-px signal profiles) are made first; then :meth:`EdgeTracker.update` -- the call
the pipeline makes per frame, with the settings' defaults and the background profile scaled to
the signal rows -- is timed over them, references and X-ray shots alternating as in the family.
Printed per method: the loop's time per frame (CPU time of the calling thread, mean over all
frames, best of ``--repeat`` runs: other jobs on the machine disturb it less than wall time),
the model builds' time per frame (they run on another thread in the service; here they run at
once and are timed apart), the sum, and each as a ratio to the matched filter's loop
time measured in the same run. One BLAS thread, as in the service's loop.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Future

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from psen_family.generator import Run
from psen_family.members import TUNING_MEMBERS
from psen_processing.core.edge_tracking import EdgeDetectionSettings, EdgeTracker
from psen_processing.core.learned_edge import ModelJob
from psen_processing.core.matched_filter import EdgeParams
from psen_processing.core.noise_model import NoiseModel
from psen_processing.core.roi import Roi

F64 = npt.NDArray[np.float64]


class TimedBuilds:
    """Runs model builds at once (as the service's results are) and adds up their time."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, job: ModelJob) -> Future[NoiseModel | None]:
        future: Future[NoiseModel | None] = Future()
        tick = time.thread_time()
        future.set_result(job())
        self.seconds += time.thread_time() - tick
        self.count += 1
        return future


def profiles(member: str, depth: float, frames: int) -> list[tuple[int, F64, F64]]:
    """(pulse id, signal, background scaled to the signal rows) of the run's first frames."""
    chosen = {m.name: m for m in TUNING_MEMBERS}[member]
    run = Run(chosen, depth, 1)
    scale = run.geometry.signal[3] / run.geometry.background[3]
    out = []
    for shot in run.shots(frames):
        pixels = shot.roi_pixels()
        out.append(
            (
                shot.truth.pulse_id,
                pixels.signal_profile(),
                pixels.background_profile() * scale,
            )
        )
    return out


def time_method(
    method: str, frames: list[tuple[int, F64, F64]], profile: bool
) -> tuple[float, float, int]:
    """(loop seconds per frame, build seconds per frame, builds) of one pass over the frames."""
    builds = TimedBuilds()
    tracker = EdgeTracker(builds)
    settings = EdgeDetectionSettings(enabled=True, params=EdgeParams(method=method))  # type: ignore[arg-type]
    roi = Roi(0, frames[0][1].size, 0, 1)

    def run() -> float:
        tick = time.thread_time()
        for pulse_id, signal, background in frames:
            tracker.update(
                settings,
                roi_signal=roi,
                pulse_id=pulse_id,
                lookup=lambda _: None,
                signal=signal,
                background=background,
            )
        return time.thread_time() - tick

    if profile:
        profiler = cProfile.Profile()
        total = profiler.runcall(run)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
    else:
        total = run()
    return (total - builds.seconds) / len(frames), builds.seconds / len(frames), builds.count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--frames", type=int, default=4000)
    parser.add_argument("--member", default="drifting_1024")
    parser.add_argument("--depth", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one learned run")
    args = parser.parse_args(argv)
    threadpool_limits(limits=1)
    frames = profiles(args.member, args.depth, args.frames)
    print(
        f"{args.frames} frames of {args.member} at {args.depth:.0%} depth, "
        f"{frames[0][1].size}-px signal profiles, references and X-ray shots alternating"
    )
    if args.profile:
        time_method("learned", frames, profile=True)
    results: dict[str, tuple[float, float, int]] = {}
    for method in ("matched_filter", "learned"):
        runs = [time_method(method, frames, profile=False) for _ in range(args.repeat)]
        results[method] = min(runs, key=lambda r: r[0] + r[1])
    base = results["matched_filter"][0]
    print(f"{'method':<16}{'loop ms':>9}{'builds ms':>11}{'total ms':>10}{'builds':>8}"
          f"{'loop/mf':>9}{'total/mf':>10}")  # fmt: skip
    for method, (loop, build, count) in results.items():
        print(
            f"{method:<16}{1e3 * loop:>9.3f}{1e3 * build:>11.3f}{1e3 * (loop + build):>10.3f}"
            f"{count:>8}{loop / base:>9.2f}{(loop + build) / base:>10.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
