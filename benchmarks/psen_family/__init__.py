"""A benchmark family of synthetic PSEN runs with known edges (pure numpy).

A PSEN camera images the spectrum of a chirped white-light probe, dispersed along X; on X-ray
shots (even pulse ids) the probe's transmission steps at a column that encodes the arrival
time. This package makes such runs for a set of *members* (set-ups described by ranges of
parameters) and judges edge finders on them against the truth and the Cramér-Rao bound.

Modules:

- :mod:`.spec`: what a member is (frozen dataclasses of ranges) and :data:`.spec.PEAK_PHOTONS`;
- :mod:`.members`: the tuning members (since 2026-11-29 including the first eight held-out
  sets, :mod:`.heldout`, :mod:`.heldout_2` to :mod:`.heldout_8`, each run once that day, the
  fourth at 882a064, the fifth at be618c1, the sixth at 480bb0c, the seventh at fe15af3 and the
  eighth at e4017a6, and since 2026-11-30 the ninth, :mod:`.heldout_9`, run at 33f02a4, and
  the tenth, :mod:`.heldout_10`, run at f7d7cec, and the eleventh, :mod:`.heldout_11`, run at
  e8d60da: no longer unseen); :mod:`.heldout_12`: the held-out members (the twelfth set, not to
  be read by a
  method's author before the method is final); :mod:`.cameras`: shared cameras;
- :mod:`.spectrum`, :mod:`.camera`, :mod:`.noise`: the probe spectrum, the camera and its
  noise, as pure functions;
- :mod:`.generator`: ``Run(member, depth, seed)``, a deterministic sequence of shots, each with
  its truth (:class:`.generator.ShotTruth`), its ROI pixels and its full camera image;
- :mod:`.cramer_rao`: the bound of the edge position per shot and per run;
- :mod:`.method`: the interface of an edge finder; :mod:`.baseline`: the step correlation;
- :mod:`.scoring`: the scores and the table of ``benchmarks/family_benchmark.py``.

Photon scale: 25,000 photons per column at the spectrum's peak summed over the light band's rows
at photon level 1 (members draw levels of 0.1-1), gain 1-2 counts per photon, pedestal 0-300
counts, read noise 1-10 counts per pixel, uint16 pixels; on some members stray X-ray photons hit
the sensor on X-ray shots.
"""

from .camera import RoiGeometry, RoiPixels
from .generator import Run, Shot, ShotTruth
from .members import TUNING_MEMBERS
from .method import EdgeMethod, MethodFactory, Result
from .spec import PEAK_PHOTONS, Member

__all__ = [
    "PEAK_PHOTONS",
    "TUNING_MEMBERS",
    "EdgeMethod",
    "Member",
    "MethodFactory",
    "Result",
    "RoiGeometry",
    "RoiPixels",
    "Run",
    "Shot",
    "ShotTruth",
]
