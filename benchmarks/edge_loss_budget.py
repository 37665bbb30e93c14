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
from dataclasses import dataclass

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


class TrueCovariance:
    """``Sigma_t`` of one shot's log profile: its photon and read noise per column plus the run's
    shot-to-shot variation (``factor``: the noise-free reference shots' log spectra, centred and
    scaled so that ``factor @ factor.T`` is their covariance)."""

    def __init__(self, shot: Shot, good: npt.NDArray[np.bool_], factor: F64) -> None:
        light, variance = shot.expected_light(), shot.profile_variance()
        self.used = good & (light > 0) & (variance > 0)
        safe = np.where(self.used, light, 1.0)
        self.precision = np.where(self.used, safe**2 / np.where(self.used, variance, 1.0), 0.0)
        self.nuisance = factor * self.used[:, None]
        self._core = np.eye(self.nuisance.shape[1]) + self.nuisance.T @ (
            self.nuisance * self.precision[:, None]
        )

    def inverse(self, v: F64) -> F64:
        """``Sigma_t^-1 v``."""
        w = self.precision * v
        out: F64 = w - self.precision * (
            self.nuisance @ np.linalg.solve(self._core, self.nuisance.T @ w)
        )
        return out

    def quadratic(self, y: F64) -> float:
        """``y^T Sigma_t y``."""
        pixel = np.divide(
            1.0, self.precision, out=np.zeros_like(self.precision), where=self.precision > 0
        )
        return float(pixel @ (y * y)) + float(np.sum((self.nuisance.T @ y) ** 2))


@dataclass(frozen=True)
class LearnedRun:
    """A run of a member after the service's learned model has seen :data:`REFERENCES`
    references: the model, the run's variation (see :class:`TrueCovariance`) and the X-ray shots
    that follow."""

    run: Run
    model: NoiseModel
    good: npt.NDArray[np.bool_]
    factor: F64
    xray: list[Shot]


def learned_run(name: str, depth: float, shots: int, seed: int) -> LearnedRun:
    member = {m.name: m for m in TUNING_MEMBERS}[name]
    run = Run(member, depth, seed)
    method = LearnedNoiseMethod(run.direction, run.geometry)
    method.reset()
    lights: list[F64] = []
    xray: list[Shot] = []
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
    return LearnedRun(run, model, good, factor, xray)


def _variances(shot: Shot, good: npt.NDArray[np.bool_], factor: F64, model: NoiseModel) -> F64:
    """(CRB, nuisance bound, learned model) variances of the shot's edge position."""
    cov = TrueCovariance(shot, good, factor)
    light = shot.expected_light()
    gradient = np.where(cov.used, shot.profile_derivative() / np.where(cov.used, light, 1.0), 0.0)
    crb = 1.0 / float(gradient @ (cov.precision * gradient))
    bound = 1.0 / float(gradient @ cov.inverse(gradient))
    g = gradient * model.usable
    y = model.whiten(g)
    learned = cov.quadratic(y) / float(g @ y) ** 2
    return np.array([crb, bound, learned])


def budget(name: str, depth: float, shots: int, seed: int) -> F64:
    """RMS (px) of CRB, nuisance bound, learned model, and that with the reference's noise."""
    learned = learned_run(name, depth, shots, seed)
    mean = np.mean(
        [_variances(s, learned.good, learned.factor, learned.model) for s in learned.xray], axis=0
    )
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
