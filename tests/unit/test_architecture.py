"""README's architecture table lists every module of the package once, under the layer the
import-linter contract in pyproject.toml puts it in (the contract itself is checked by
``lint-imports``, part of the test command)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "psen_processing"


def _modules() -> set[str]:
    """Every module as ``sub/name`` (no ``__init__``), and ``api/web/`` for the page's files."""
    found = {
        path.relative_to(PACKAGE).with_suffix("").as_posix()
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py"
    }
    return found | {"api/web/"}


def _table() -> list[tuple[str, list[str]]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]  # no header
    table = []
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        names = re.findall(r"`([a-z0-9_/]+)`(?=:|,)", cells[1])
        table.append((cells[0], names))
    return table


def _layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    return [
        [
            name.strip().removeprefix("psen_processing.").replace(".", "/")
            for name in re.split(r"[|:]", layer)
        ]
        for layer in layers
    ]


def test_every_module_is_listed_once() -> None:
    listed = [name for _, names in _table() for name in names]
    assert sorted(set(listed)) == sorted(listed), "listed twice"
    assert set(listed) == _modules()


def test_the_rows_follow_the_contract_s_layers() -> None:
    table = _table()
    layers = _layers()
    assert len(table) == len(layers) + 1, "one row per layer, and one for the rest"
    for (label, names), layer in zip(table, layers, strict=False):
        inside = {n for n in names if any(n == m or n.startswith(m + "/") for m in layer)}
        assert inside == set(names), f"row {label!r} lists modules of other layers"
    beside = table[-1][1]
    in_layers = [m for layer in layers for m in layer]
    assert not [n for n in beside if any(n == m or n.startswith(m + "/") for m in in_layers)]
