"""Where the learned method's edge-position error comes from, member by member.

    python benchmarks/edge_loss_budget.py [--members a,b] [--depth 0.1] [--shots 60]

For a run of each tuning member of the family, three lower bounds of the RMS position error
of an X-ray shot, each from the linearised estimator (the edge's gradient ``g`` of the log
profile, per shot, from the generator):

* ``CRB``: photon and read noise only, the spectrum known (the family's Cramér-Rao bound);
* ``nuisance``: with the spectrum's shot-to-shot variation as Gaussian nuisance of known
  covariance ``Sigma_t`` (as ``nuisance_bound.py``: the run's noise-free reference shots);
* ``model``: the generalised-least-squares estimator with the service's *learned* covariance
  ``Sigma_l`` (the model the service holds after 400 references), when the truth is
  ``Sigma_t``: ``g^T S g / (g^T Sigma_l^-1 g)^2`` with ``S = Sigma_l^-1 Sigma_t Sigma_l^-1``;
* ``+ reference``: that, with the noise of the reference the ratio is taken to (the mean of 16
  references: ``sqrt(17 / 16)``).

What is left between the last column and the method's RMS (``family_benchmark.py``) is the
templates (shape and width: ``edge_shape_oracle.py``) and the search. All in px.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from family_methods import LearnedNoiseMethod
from psen_family.generator import Run, Shot
from psen_family.members import TUNING_MEMBERS
from psen_processing.core.noise_model import NoiseModel

F64 = npt.NDArray[np.float64]

REFERENCES = 400
"""References the service has learned from when the model is taken."""


def _variances(shot: Shot, good: npt.NDArray[np.bool_], factor: F64, model: NoiseModel) -> F64:
    """(CRB, nuisance bound, learned model) variances of the shot's edge position."""
    light, variance = shot.expected_light(), shot.profile_variance()
    derivative = shot.profile_derivative()
    used = good & (light > 0) & (variance > 0)
    safe_light = np.where(used, light, 1.0)
    precision = np.where(used, safe_light**2 / np.where(used, variance, 1.0), 0.0)
    gradient = np.where(used, derivative / safe_light, 0.0)
    nuisance = factor * used[:, None]
    core = np.eye(nuisance.shape[1]) + nuisance.T @ (nuisance * precision[:, None])

    def true_inverse(v: F64) -> F64:
        w = precision * v
        out: F64 = w - precision * (nuisance @ np.linalg.solve(core, nuisance.T @ w))
        return out

    crb = 1.0 / float(gradient @ (precision * gradient))
    bound = 1.0 / float(gradient @ true_inverse(gradient))
    g = gradient * model.usable
    y = model.whiten(g)
    pixel = np.divide(1.0, precision, out=np.zeros_like(precision), where=precision > 0)
    spread = float(pixel @ (y * y)) + float(np.sum((nuisance.T @ y) ** 2))
    learned = spread / float(g @ y) ** 2
    return np.array([crb, bound, learned])


def budget(name: str, depth: float, shots: int, seed: int) -> F64:
    """RMS (px) of CRB, nuisance bound, learned model, and that with the reference's noise."""
    member = {m.name: m for m in TUNING_MEMBERS}[name]
    run = Run(member, depth, seed)
    method = LearnedNoiseMethod(run.direction, run.geometry)
    method.reset()
    lights, xray = [], []
    for shot in run.shots(2 * (REFERENCES + shots + 1)):
        if not shot.is_xray:
            lights.append(shot.expected_light())
            if len(lights) <= REFERENCES:
                pixels = shot.roi_pixels()
                method.reference(pixels.signal_profile(), pixels.background_profile())
        elif len(lights) > REFERENCES and len(xray) < shots:
            xray.append(shot)
    model = method.finder.model
    if model is None:
        raise SystemExit(f"{name}: no model learned")
    light = np.array(lights)
    good = (light > 0).all(axis=0)
    factor = np.zeros((light.shape[1], light.shape[0]))
    logs = np.log(light[:, good])
    factor[good] = (logs - logs.mean(axis=0)).T / math.sqrt(light.shape[0] - 1)
    mean = np.mean([_variances(s, good, factor, model) for s in xray], axis=0)
    rms = np.sqrt(mean)
    return np.append(rms, rms[2] * math.sqrt(17.0 / 16.0))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--members", default=",".join(m.name for m in TUNING_MEMBERS))
    parser.add_argument("--depth", type=float, default=0.1)
    parser.add_argument("--shots", type=int, default=60, help="X-ray shots per member")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    threadpool_limits(limits=1)
    print(f"depth {args.depth:.0%}, {args.shots} X-ray shots per member; RMS in px (x CRB)")
    print(f"{'member':<24}{'CRB':>7}{'nuisance':>15}{'model':>15}{'+ reference':>15}")
    for name in args.members.split(","):
        crb, bound, model, with_reference = budget(name, args.depth, args.shots, args.seed)
        print(
            f"{name:<24}{crb:>7.3f}{bound:>8.3f} ({bound / crb:.2f}){model:>8.3f} "
            f"({model / crb:.2f}){with_reference:>8.3f} ({with_reference / crb:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
