"""Edge finders against the PSEN benchmark family (synthetic runs with known edges).

    python benchmarks/family_benchmark.py [--members a,b] [--depths 0.03,0.05,0.1,0.2]
        [--shots 2000] [--heldout] [--methods baseline] [--seed 1] [--warmup 16]
        [--exact-poisson]

For every member and nominal edge depth, a run of ``2 * (warmup + shots)`` shots (references
and X-ray shots alternating, a reference first) is made by :class:`psen_family.generator.Run`;
every method sees every shot's signal and background profiles in order, and its answers on the
last ``shots`` X-ray shots are scored (the first ``warmup`` let it gather references). Printed
per member, depth and method: the RMS error of the shots within 10 px, the median absolute
error, the % of shots off by more than 10 px (no edge reported counts as off), the % flagged
confident and the % of those that are off, the Cramér-Rao bound (sqrt of the mean per-shot
variance bound) and RMS/CRB, the same bound over the shots the RMS counts (``CRBw``: the
method's shots within 10 px; over all shots a few edges with next to no light make the bound
larger than any RMS) and RMS/CRBw, the method's µs per shot and the wall time of the member and
depth (generation, methods and bounds).

The tuning members run by default: since 2026-11-29 they include the first, the second, the
third, the fourth, the fifth, the sixth, the seventh and the eighth held-out sets
(``psen_family/heldout.py``, ``psen_family/heldout_2.py`` to ``psen_family/heldout_8.py``, each
run once that day, the fourth at 882a064, the fifth at be618c1, the sixth at 480bb0c, the seventh
at fe15af3 and the eighth at e4017a6) and since 2026-11-30 the ninth (``heldout_9.py``, run at
33f02a4), the tenth (``heldout_10.py``, run at f7d7cec) and the eleventh (``heldout_11.py``, run
at e8d60da), no longer unseen. ``--heldout`` runs the held-out members instead, now the twelfth
set (``psen_family/heldout_12.py``): their
results are to be reported apart, and their definitions not read by a method's author before
the method is final; naming one of them in ``--members`` needs ``--heldout``. A method is added
to :data:`METHODS` in one line: a name and a factory ``(direction, geometry) -> method`` (see
``psen_family/method.py``).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Mapping, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from family_methods import CurrentMethod, CurrentWithBackground, LearnedNoiseMethod
from family_prototype import LearnedNoise
from psen_family.baseline import StepCorrelation
from psen_family.camera import EXACT_POISSON_BELOW
from psen_family.cramer_rao import position_variance_bound
from psen_family.generator import Run
from psen_family.heldout_12 import HELDOUT_12_MEMBERS
from psen_family.members import TUNING_MEMBERS
from psen_family.method import MethodFactory
from psen_family.scoring import Row, format_table, score
from psen_family.spec import PEAK_PHOTONS, Member

METHODS: dict[str, MethodFactory] = {
    "baseline": StepCorrelation,
    "current": CurrentMethod,
    "current_bg": CurrentWithBackground,
    "prototype": LearnedNoise,
    "learned": LearnedNoiseMethod,
}
"""The methods by name (one line each)."""

DEPTHS = (0.03, 0.05, 0.1, 0.2)


def evaluate(
    member: Member,
    depth: float,
    methods: Mapping[str, MethodFactory],
    *,
    shots: int = 2000,
    seed: int = 1,
    warmup: int = 16,
    exact_below: float = EXACT_POISSON_BELOW,
) -> list[Row]:
    """Every method on one run of ``member`` at nominal ``depth``: one row per method."""
    started = time.perf_counter()
    run = Run(member, depth, seed, exact_below=exact_below)
    finders = {name: factory(run.direction, run.geometry) for name, factory in methods.items()}
    for finder in finders.values():
        finder.reset()
    truth: list[float] = []
    bounds: list[float] = []
    positions: dict[str, list[float]] = {name: [] for name in finders}
    confident: dict[str, list[bool]] = {name: [] for name in finders}
    spent = dict.fromkeys(finders, 0.0)
    xray_shots = 0
    total = 2 * (warmup + shots)
    for shot in run.shots(total):
        pixels = shot.roi_pixels()
        signal, background = pixels.signal_profile(), pixels.background_profile()
        if not shot.is_xray:
            for name, finder in finders.items():
                tick = time.perf_counter()
                finder.reference(signal, background)
                spent[name] += time.perf_counter() - tick
            continue
        scored = xray_shots >= warmup
        xray_shots += 1
        for name, finder in finders.items():
            tick = time.perf_counter()
            result = finder.xray(signal, background)
            spent[name] += time.perf_counter() - tick
            if scored:
                positions[name].append(result.position)
                confident[name].append(result.confident)
        if scored:
            truth.append(shot.truth.position)
            bounds.append(position_variance_bound(shot))
    seconds = time.perf_counter() - started
    true_positions = np.array(truth)
    return [
        Row(
            member=member.name,
            depth=depth,
            method=name,
            score=score(
                true_positions,
                np.array(positions[name], dtype=np.float64),
                np.array(confident[name], dtype=bool),
                np.array(bounds, dtype=np.float64),
            ),
            seconds=seconds,
            method_us=1e6 * spent[name] / total,
        )
        for name in finders
    ]


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _select(members: Sequence[Member], names: list[str] | None, heldout: bool) -> list[Member]:
    if not names:
        return list(members)
    known = {m.name: m for m in (*TUNING_MEMBERS, *HELDOUT_12_MEMBERS)}
    missing = [name for name in names if name not in known]
    if missing:
        raise SystemExit(f"unknown members: {', '.join(missing)}")
    chosen = [known[name] for name in names]
    held = {m.name for m in HELDOUT_12_MEMBERS}
    if not heldout and any(m.name in held for m in chosen):
        raise SystemExit("held-out members need --heldout")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--members", type=_names, default=None, help="comma-separated names")
    parser.add_argument(
        "--depths",
        type=lambda t: [float(v) for v in _names(t)],
        default=list(DEPTHS),
        help="nominal edge depths (0.05 = 5 %%)",
    )
    parser.add_argument("--shots", type=int, default=2000, help="scored X-ray shots per run")
    parser.add_argument("--warmup", type=int, default=16, help="X-ray shots not scored first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--heldout", action="store_true", help="run the held-out members (the twelfth set)"
    )
    parser.add_argument("--methods", type=_names, default=list(METHODS))
    parser.add_argument(
        "--exact-poisson",
        action="store_true",
        help="draw every pixel's photons from the exact Poisson law (slower)",
    )
    args = parser.parse_args(argv)
    # one shot's work is small: BLAS threads only add overhead (and ruin the timing on a busy
    # machine), as in the service, whose processing thread runs with the same limit
    threadpool_limits(limits=1)
    unknown = [name for name in args.methods if name not in METHODS]
    if unknown:
        raise SystemExit(f"unknown methods: {', '.join(unknown)} (known: {', '.join(METHODS)})")
    methods = {name: METHODS[name] for name in args.methods}
    pool = HELDOUT_12_MEMBERS if args.heldout else TUNING_MEMBERS
    members = _select(pool, args.members, args.heldout)
    exact_below = math.inf if args.exact_poisson else EXACT_POISSON_BELOW
    kind = "HELD-OUT" if args.heldout else "tuning"
    print(
        f"PSEN family, {kind} members; {args.shots} X-ray shots per run after {args.warmup}; "
        f"seed {args.seed}; full scale {PEAK_PHOTONS:.0f} photons per column at the peak; "
        f"photons {'exact Poisson' if args.exact_poisson else 'Gaussian-approximated'}"
    )
    rows: list[Row] = []
    header_shown = False
    for member in members:
        for depth in args.depths:
            new = evaluate(
                member,
                depth,
                methods,
                shots=args.shots,
                seed=args.seed,
                warmup=args.warmup,
                exact_below=exact_below,
            )
            rows.extend(new)
            table = format_table(new).splitlines()
            if not header_shown:
                print("\n".join(table[:2]))
                header_shown = True
            print("\n".join(table[2:]), flush=True)
    if len(methods) > 1:
        print()
        print(format_table(sorted(rows, key=lambda r: (r.method, r.member, r.depth))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
