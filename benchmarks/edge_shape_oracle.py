"""How much of the learned method's error is the shape of its templates.

    python benchmarks/edge_shape_oracle.py [--member slow_edge_overshoot] [--depth 0.2]
        [--shots 150]

For each X-ray shot of a run of a family member (tuning members only), the service's learned
method finds the edge (:class:`family_methods.LearnedNoiseMethod`); then, with the same noise
model and the same ratio, the generalised-least-squares signal-to-noise ratio of *oracle*
templates is maximised over positions within 2 px of the method's answer (0.05 px steps):

* ``true shape``: the generator's own edge (its shape, overshoot and ringing, and the shot's
  own width), ``log`` of the transmission;
* ``no overshoot``: the same without the overshoot;
* ``erf``: an error-function edge of the shot's own width.

Printed: mean and RMS of the position error (shots within 10 px) of the method and of each
oracle. If the true shape does much better than the method, the loss is in the templates; if
not, it is in the noise model or the data.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from family_methods import LearnedNoiseMethod
from psen_family import spectrum
from psen_family.generator import Run, Shot
from psen_family.members import TUNING_MEMBERS
from psen_processing.core.noise_model import NoiseModel, ratio_and_brightness

F64 = npt.NDArray[np.float64]


def _best_position(
    model: NoiseModel, whitened: F64, positions: F64, template: Callable[[float], F64]
) -> float:
    best, where = -math.inf, math.nan
    for p in positions:
        t = template(float(p)) * model.usable
        z = float(t @ whitened) / math.sqrt(float(t @ model.whiten(t)))
        if z > best:
            best, where = z, float(p)
    return where


def _template(run: Run, shot: Shot, shape: str, overshoot: float) -> Callable[[float], F64]:
    def log_transmission(position: float) -> F64:
        fraction = spectrum.edge_fraction(
            run.columns,
            run.member.signal_roi[0] + position,
            shape,  # type: ignore[arg-type]
            shot.draw.width,
            run.edge.side,
            overshoot=overshoot,
            ringing=run.edge.ringing,
        )
        return np.log(spectrum.transmission(fraction, shot.draw.depth, run.member.edge.change))

    return log_transmission


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--member", default="slow_edge_overshoot")
    parser.add_argument("--depth", type=float, default=0.2)
    parser.add_argument("--shots", type=int, default=150)
    parser.add_argument("--warmup", type=int, default=16)
    args = parser.parse_args(argv)
    threadpool_limits(limits=1)
    member = {m.name: m for m in TUNING_MEMBERS}[args.member]
    run = Run(member, args.depth, 1)
    method = LearnedNoiseMethod(run.direction, run.geometry)
    method.reset()
    finder = method.finder
    errors: dict[str, list[float]] = {"method": [], "true shape": [], "no overshoot": [], "erf": []}
    xray = 0
    for shot in run.shots(2 * (args.shots + args.warmup)):
        pixels = shot.roi_pixels()
        signal, background = pixels.signal_profile(), pixels.background_profile()
        if not shot.is_xray:
            method.reference(signal, background)
            continue
        xray += 1
        edge = finder.find(signal, background * method.scale, method.sign, 4.0)
        model, reference, pedestal = finder.model, finder.reference, finder.pedestal
        if xray <= args.warmup or edge is None or not edge.found or model is None:
            continue
        if reference is None or pedestal is None:
            continue
        ratio, _ = ratio_and_brightness(signal - pedestal, reference, model.usable)
        whitened = model.whiten(ratio)
        near = edge.position + np.arange(-2.0, 2.0001, 0.05)
        truth = shot.truth.position
        errors["method"].append(edge.position - truth)
        for name, shape, overshoot in (
            ("true shape", run.edge.shape, run.edge.overshoot),
            ("no overshoot", run.edge.shape, 0.0),
            ("erf", "erf", 0.0),
        ):
            template = _template(run, shot, shape, overshoot)
            errors[name].append(_best_position(model, whitened, near, template) - truth)
    print(f"{member.name} at {args.depth:.0%} depth, {len(errors['method'])} X-ray shots")
    print(f"{'templates':<14}{'mean px':>9}{'RMS px':>9}")
    for name, values in errors.items():
        e = np.array(values)
        e = e[np.abs(e) <= 10]
        print(f"{name:<14}{e.mean():>+9.3f}{math.sqrt(float(np.mean(e * e))):>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
