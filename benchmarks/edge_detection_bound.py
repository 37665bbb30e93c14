"""How strong an edge is against the spectrum's own variation: a bound on detection, member by
member, and how far the learned model's z-scores are from unit spread.

    python benchmarks/edge_detection_bound.py [--members a,b] [--depths 0.05,0.1] [--shots 60]

For a run of each tuning member of the family and each depth, per X-ray shot:

* ``z_opt``: the signal-to-noise ratio of the shot's true edge (its exact shape, width and
  depth: ``d = log(transmission)`` from the generator) for an ideal detector that knows the
  shot's noise and the spectrum's variation as Gaussian nuisance of known covariance
  ``Sigma_t`` (photon and read noise per column plus the run's noise-free reference shots'
  log-spectrum variation, as ``edge_loss_budget.py``): ``sqrt(d^T Sigma_t^-1 d)``. No method
  that does not know each shot's spectrum sees the edge stronger; an edge whose ``z_opt`` is
  below the largest z that noise alone reaches over the search (about 4 here) is lost to any
  method.
* ``z_model``: the z the learned model gives that exact edge on average,
  ``d^T Sigma_l^-1 d / sqrt(d^T Sigma_l^-1 d)`` (the model learned from 400 references).
* ``spread``: the true standard deviation of the learned model's z for an erf template of the
  widths it searches (2 to 40 px), placed every 50 px over the usable span, when the model's
  own scale says 1: ``sqrt(t^T Sigma_l^-1 Sigma_t Sigma_l^-1 t / t^T Sigma_l^-1 t)``; the median
  and the largest over positions, per width. Above 1 the model underrates that fluctuation and
  noise alone reaches high z there.

Printed per member and depth: median and 10th percentile of ``z_opt``, the share of shots with
``z_opt`` below 5, the median ``z_model``, and the spread for the narrowest and the widest
template.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from edge_loss_budget import TrueCovariance, learned_run
from psen_family.members import TUNING_MEMBERS
from psen_processing.core.noise_model import NoiseModel

F64 = npt.NDArray[np.float64]


def _template(n: int, position: int, width: float) -> F64:
    sigma = max(width, 0.3) / 2.5631031310892007
    x = (np.arange(n) - position) / (sigma * math.sqrt(2.0))
    return np.asarray(0.5 * (1.0 + np.vectorize(math.erf)(x)), dtype=np.float64)


def _spreads(cov: TrueCovariance, model: NoiseModel) -> dict[float, tuple[float, float]]:
    first, stop = model.span
    out = {}
    for width in model.kernels.widths:
        values = []
        for p in range(first + int(2 * width) + 5, stop - int(2 * width) - 5, 50):
            t = _template(model.usable.size, p, width) * model.usable * cov.used
            t -= np.mean(t[cov.used]) * cov.used  # level is free in the model
            y = model.whiten(t)
            nominal = float(t @ y)
            if nominal > 0:
                values.append(math.sqrt(cov.quadratic(y) / nominal))
        out[width] = (float(np.median(values)), float(np.max(values)))
    return out


def bound(name: str, depth: float, shots: int, seed: int) -> dict[str, float]:
    learned = learned_run(name, depth, shots, seed)
    model, good, factor = learned.model, learned.good, learned.factor
    z_opt, z_model = [], []
    for shot in learned.xray:
        cov = TrueCovariance(shot, good, factor)
        d = np.log(shot.transmission(learned.run.columns)) * cov.used * model.usable
        z_opt.append(math.sqrt(max(float(d @ cov.inverse(d)), 0.0)))
        z_model.append(math.sqrt(max(float(d @ model.whiten(d)), 0.0)))
    spreads = _spreads(TrueCovariance(learned.xray[0], good, factor), model)
    widths = model.kernels.widths
    return {
        "z_opt": float(np.median(z_opt)),
        "z_opt_10": float(np.percentile(z_opt, 10)),
        "below_5": 100.0 * float(np.mean(np.array(z_opt) < 5.0)),
        "z_model": float(np.median(z_model)),
        "narrow": spreads[widths[0]][0],
        "narrow_max": spreads[widths[0]][1],
        "wide": spreads[widths[-1]][0],
        "wide_max": spreads[widths[-1]][1],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--members", default=",".join(m.name for m in TUNING_MEMBERS))
    parser.add_argument("--depths", default="0.05,0.1")
    parser.add_argument("--shots", type=int, default=60, help="X-ray shots per member")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    threadpool_limits(limits=1)
    print(f"{args.shots} X-ray shots per member and depth; spread of the model's z per template")
    print(
        f"{'member':<24}{'depth':>6}{'z_opt':>7}{'10%':>7}{'<5':>7}{'z_model':>9}"
        f"{'spread 2px':>12}{'(max)':>7}{'spread 40px':>13}{'(max)':>7}"
    )
    for name in args.members.split(","):
        for depth in (float(d) for d in args.depths.split(",")):
            r = bound(name, depth, args.shots, args.seed)
            print(
                f"{name:<24}{depth:>6.0%}{r['z_opt']:>7.1f}{r['z_opt_10']:>7.1f}"
                f"{r['below_5']:>6.0f}%{r['z_model']:>9.1f}{r['narrow']:>12.2f}"
                f"{r['narrow_max']:>7.2f}{r['wide']:>13.2f}{r['wide_max']:>7.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
