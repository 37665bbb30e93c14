"""One exception tree: every exception class the package defines, and every exception a ``raise``
in the package can let out to its callers, derives from :class:`PsenError`, lives in
``errors.py`` and is drawn in that module's docstring as it really is."""

from __future__ import annotations

import ast
import builtins
import importlib
import re
import typing
from pathlib import Path

import psen_processing
from psen_processing import errors
from psen_processing.errors import PsenError

ROOT = Path(psen_processing.__file__).parent

ALLOWED = {
    ("psen_processing.cli", "ArgumentTypeError"): "argparse's protocol: a usage error",
    ("psen_processing.cli_options", "ArgumentTypeError"): "argparse's protocol: a usage error",
    ("psen_processing.codec.headers", "ValueError"): "json's hooks; _json makes ProtocolError",
    ("psen_processing.client", "TypeError"): "json's default hook; json raises TypeError too",
    ("psen_processing.sim.socket_thread", "NotImplementedError"): "an abstract method",
}
"""Raises of exceptions outside the tree, each caught inside the package or a protocol's own."""


def _module_names() -> list[str]:
    names = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _defined_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in _module_names():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__ == name
            ):
                found[f"{name}.{value.__qualname__}"] = value
    return found


def test_every_exception_class_of_the_package_is_in_the_tree_in_errors_py() -> None:
    found = _defined_exceptions()
    assert found, "no exception class found at all"
    outside = {name for name, cls in found.items() if not issubclass(cls, PsenError)}
    assert outside == set(), f"not derived from PsenError: {sorted(outside)}"
    elsewhere = {name for name, cls in found.items() if cls.__module__ != errors.__name__}
    assert elsewhere == set(), f"defined outside errors.py: {sorted(elsewhere)}"
    public = {cls.__name__ for cls in found.values()}
    assert public == set(errors.__all__)
    assert public <= set(psen_processing.__all__), "the package exports the whole tree"


def _raised(node: ast.Raise) -> ast.expr | None:
    exc = node.exc
    return exc.func if isinstance(exc, ast.Call) else exc


def _resolve(module: object, expr: ast.expr) -> object:
    """What a raise's name or dotted name is in its module's namespace or the builtins (None:
    a local name)."""
    if isinstance(expr, ast.Name):
        return getattr(module, expr.id, getattr(builtins, expr.id, None))
    if isinstance(expr, ast.Attribute):
        owner = _resolve(module, expr.value)
        return None if owner is None else getattr(owner, expr.attr, None)
    return None


def test_every_raise_in_the_package_raises_a_package_error() -> None:
    """A ``raise`` names an exception class or a module-level function returning one (e.g.
    ``raise _corrupt(...)``); a re-raise of a caught exception (``raise``, ``raise exc``) passes
    on what came in."""
    stray: list[str] = []
    used: set[tuple[str, str]] = set()
    checked = 0
    for name in _module_names():
        module = importlib.import_module(name)
        source = Path(typing.cast(str, module.__file__)).read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            expr = _raised(node)
            assert expr is not None
            target = _resolve(module, expr)
            if target is None:
                continue  # a local: an exception caught here and raised again
            if not isinstance(target, type):
                hints = typing.get_type_hints(target)
                target = hints.get("return")
            assert isinstance(target, type), f"{name}:{node.lineno} raises {ast.unparse(expr)}"
            checked += 1
            if issubclass(target, PsenError):
                continue
            key = (name, target.__name__)
            if key in ALLOWED:
                used.add(key)
            else:
                stray.append(f"{name}:{node.lineno} raise {target.__name__}")
    assert checked > 100
    assert stray == [], "raises outside the tree:\n" + "\n".join(stray)
    assert used == set(ALLOWED), f"stale entries: {set(ALLOWED) - used}"


_DRAWN = re.compile(
    r"^(?P<indent> *)(?P<name>[A-Z][A-Za-z]+)(?: \((?P<also>[A-Za-z, ]+)\))?(?:\s|$)"
)


def test_the_docstring_draws_the_tree_as_it_is() -> None:
    """Each drawn class sits under its first base; other bases follow its name in brackets."""
    doc = errors.__doc__ or ""
    assert "::" in doc
    block = doc.split("::", 1)[1]
    drawn: dict[str, tuple[str | None, list[str]]] = {}
    stack: list[tuple[int, str]] = []
    for line in block.splitlines():
        if not line.strip():
            continue
        match = _DRAWN.match(line)
        if match is None:
            break  # the end of the drawing
        depth = len(match["indent"])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1] if stack else None
        also = [b.strip() for b in (match["also"] or "").split(",") if b.strip()]
        assert match["name"] not in drawn, f"{match['name']} drawn twice"
        drawn[match["name"]] = (parent, also)
        stack.append((depth, match["name"]))
    assert set(drawn) == set(errors.__all__)
    for name, (parent, also) in drawn.items():
        cls = getattr(errors, name)
        bases = [base.__name__ for base in cls.__bases__]
        expected = ["Exception"] if parent is None else [parent]
        assert sorted(bases) == sorted(expected + also), (
            f"{name}: drawn {parent} {also}, is {bases}"
        )
