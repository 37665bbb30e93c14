"""Every reason a frame is skipped or sent without a profile is a documented snake_case name."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import psen_processing
from psen_processing.stream.reasons import PROFILE_PROBLEMS as DECLARED_PROBLEMS
from psen_processing.stream.reasons import SKIP_REASONS

ROOT = Path(psen_processing.__file__).parent
README = ROOT.parents[1] / "README.md"

PROFILE_PROBLEMS = {
    "image_missing", "image_empty", "image_unusable_type", "image_not_2d",
    "roi_signal_outside_image", "roi_background_outside_image",
    "edge_reference_channel_missing", "edge_reference_channel_unreadable",
    "edge_no_signal_profile", "edge_no_reference", "profile_sum_inexact",
    "profile_processing_error", "edge_processing_error",
}  # fmt: skip


def _skip_reasons() -> set[str]:
    """The first argument of every ``ProtocolError(...)`` in the package, and the worker's own."""
    reasons = {"processing_error"}
    for source in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "ProtocolError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                reasons.add(str(node.args[0].value))
    return reasons


def _documented() -> set[str]:
    """Every `name` on a README table row that starts with one."""
    rows = [
        line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("| `")
    ]
    return set(re.findall(r"`([a-z0-9_]+)`", "\n".join(rows)))


def test_skip_reasons_are_snake_case_and_documented() -> None:
    reasons = _skip_reasons()
    assert len(reasons) >= 10, reasons
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", reason) for reason in reasons)
    assert reasons - _documented() == set()


def test_profile_problem_reasons_are_documented_and_raised_in_the_code() -> None:
    assert PROFILE_PROBLEMS - _documented() == set()
    text = "\n".join(p.read_text(encoding="utf-8") for p in ROOT.rglob("*.py"))
    for reason in PROFILE_PROBLEMS - {"roi_signal_outside_image", "roi_background_outside_image"}:
        assert f'"{reason}"' in text, reason
    assert 'f"{name}_outside_image"' in text


def test_the_declared_reasons_are_every_reason_in_the_code() -> None:
    """The metrics export every declared reason at 0 from the start: none may be missing."""
    assert set(SKIP_REASONS) == _skip_reasons()
    assert set(DECLARED_PROBLEMS) == PROFILE_PROBLEMS
