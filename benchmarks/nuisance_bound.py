"""The Cramér-Rao bound of the edge position with the spectrum's shot-to-shot variation.

    python benchmarks/nuisance_bound.py [--members a,b] [--depth 0.1] [--shots 300]

The family's bound (``psen_family.cramer_rao``) counts photon and read noise only: every shot's
spectrum is taken as known. A method that learns the variation from reference shots cannot
know it; this bound takes it as Gaussian nuisance of known covariance instead: the covariance
of ``log`` of the noise-free light of the run's reference shots (fringes, smooth modulations,
jitter and drift, intensity), added to the photon and read noise of the log profile. Printed
per member: both bounds (``sqrt`` of the mean per-shot variance over ``--shots`` X-ray shots) and
their ratio. Tuning members only.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from psen_family.cramer_rao import position_variance_bound
from psen_family.generator import Run, Shot
from psen_family.members import TUNING_MEMBERS


def _nuisance_variance(shot: Shot, good: np.ndarray, factor: np.ndarray) -> float:
    """``1 / (g^T (D + U U^T)^-1 g)`` for the log profile (Woodbury)."""
    light = shot.expected_light()[good]
    variance = shot.profile_variance()[good]
    derivative = shot.profile_derivative()[good]
    used = (light > 0) & (variance > 0)
    inverse = np.where(used, light**2 / np.where(used, variance, 1.0), 0.0)
    gradient = np.where(used, derivative / np.where(used, light, 1.0), 0.0)
    weighted = inverse * gradient
    core = np.eye(factor.shape[1]) + factor.T @ (factor * inverse[:, None])
    projected = factor.T @ weighted
    information = float(gradient @ weighted - projected @ np.linalg.solve(core, projected))
    return 1.0 / information if information > 0 else math.inf


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--members", default=",".join(m.name for m in TUNING_MEMBERS))
    parser.add_argument("--depth", type=float, default=0.1)
    parser.add_argument("--shots", type=int, default=300, help="X-ray shots per member")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    threadpool_limits(limits=1)
    known = {m.name: m for m in TUNING_MEMBERS}
    print(f"{'member':<24}{'depth':>6}{'CRB':>8}{'with variation':>16}{'ratio':>7}")
    for name in args.members.split(","):
        if name not in known:
            raise SystemExit(f"unknown tuning member: {name}")
        run = Run(known[name], args.depth, args.seed)
        references, xray = [], []
        for shot in run.shots(2 * (2 * args.shots + 32)):
            if not shot.is_xray:
                references.append(shot.expected_light())
            elif shot.index > 32 and len(xray) < args.shots:
                xray.append(shot)
        lights = np.array(references)
        good = (lights > 0).all(axis=0)
        logs = np.log(lights[:, good])
        factor = (logs - logs.mean(axis=0)).T / math.sqrt(len(references) - 1)
        plain = math.sqrt(float(np.mean([position_variance_bound(s) for s in xray])))
        with_variation = math.sqrt(
            float(np.mean([_nuisance_variance(s, good, factor) for s in xray]))
        )
        print(
            f"{name:<24}{args.depth * 100:>5.0f}%{plain:>8.3f}{with_variation:>16.3f}"
            f"{with_variation / plain:>7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
