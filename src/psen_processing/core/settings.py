"""The kinds of setting value, each with its bounds stated once (pure, pydantic).

A settings model (the ROI, :class:`~.roi.Roi`; edge detection's
:class:`~.matched_filter.EdgeParams`, the classifiers and
:class:`~.edge_tracking.EdgeDetectionSettings`; the calibration run's ``RunSettings``; the
calibration record; the processing loop's ``StreamConfig``, from the command line) is a
frozen pydantic dataclass whose fields are annotated with one of the kinds below (a kind holds
its bounds: ``Integer(1, MAX_REFERENCE_LENGTH)``).
From that one annotation come

* the validation, when the model is made (from a request, the settings file or code);
* the message of a refused value: ``Invalid edge setting NAME=VALUE: must be ...`` naming the
  setting and its bound (:func:`refusing` turns pydantic's error into the concern's
  :class:`~psen_processing.errors.PsenError`);
* the OpenAPI request schemas of the REST endpoints (:func:`request_schema`);
* the settings file, which each model reads and writes in its own part.

Rules between settings (``signal_offset`` below ``period``, ``filter_width`` at most
``filter_length``) are checked by the model's ``__post_init__``.

The models stay dataclasses with slots: the per-frame path reads their attributes plainly, and
nothing is validated or copied after they are made.

**Integers**, everywhere: an integer, or a JSON number with no fractional part (``4.0`` is 4);
``4.5``, ``true``/``false`` and strings such as ``"4"`` are refused with a message naming the
setting.
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import numpy as np
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, TypeAdapter, ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from ..errors import PsenError
from .limits import shown

__all__ = [
    "Flag",
    "Integer",
    "Number",
    "Numbers",
    "Span",
    "Text",
    "first_problem",
    "refusing",
    "request_schema",
]

T = TypeVar("T")

_REFUSED = "setting"
"""The pydantic error type of a value one of the kinds below refused."""


def _refuse(problem: str, **where: object) -> PydanticCustomError:
    """``where``: ``index`` and ``item`` of a refused item of a list."""
    # the problem is the message itself, not a template: braces in it stay as they are
    return PydanticCustomError(_REFUSED, "{problem}", {"problem": problem, **where})


class _Kind(ABC):
    """A kind of setting value: validates it (plain, no coercion by pydantic) and says what
    JSON Schema it has. A refusal is pydantic's protocol (:class:`PydanticCustomError`): the
    model's validation collects it, and :func:`refusing` makes it the concern's PsenError."""

    @abstractmethod
    def check(self, value: Any) -> Any:
        """``value`` as the setting holds it, or a refusal saying the bounds."""

    @abstractmethod
    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of the values :meth:`check` takes."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(self.check)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return self.json_schema()


@dataclass(frozen=True, slots=True)
class Integer(_Kind):
    """An integer in ``[low, high]`` (see the module's rule for integers)."""

    low: int
    high: int

    @staticmethod
    def whole(value: object) -> int | None:
        """``value`` as an int if it is one by the rule for integers (see the module); None
        otherwise."""
        if isinstance(value, bool | np.bool_):
            return None
        if isinstance(value, int | np.integer):
            return int(value)
        if isinstance(value, float | np.floating) and math.isfinite(value) and value.is_integer():
            return int(value)
        return None

    def check(self, value: Any) -> int:
        number = self.whole(value)
        if number is None or not self.low <= number <= self.high:
            raise _refuse(f"must be an integer between {self.low} and {self.high}")
        return number

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "integer",
            "minimum": self.low,
            "maximum": self.high,
            "description": "an integer; a number with no fractional part (4.0) is taken as one",
        }


@dataclass(frozen=True, slots=True)
class Number(_Kind):
    """A finite number, within the bounds given: ``low``/``high`` (exclusive if ``open_low``/
    ``open_high``), or ``magnitude`` (absolute value at most). ``problem`` replaces the words
    saying the bounds, where they depend on another setting."""

    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    magnitude: float | None = None
    problem: str | None = None
    description: str | None = None

    def _bounds(self) -> str:
        if self.problem is not None:
            return f"must be {self.problem}"
        if self.magnitude is not None:
            return f"must be a finite number of absolute value at most {self.magnitude:g}"
        low, high = self.low, self.high
        if low is not None and high is not None:
            if self.open_low and self.open_high:
                return f"must be between {low:g} and {high:g} (exclusive)"
            if self.open_low or self.open_high:
                left, right = "(" if self.open_low else "[", ")" if self.open_high else "]"
                return f"must be in {left}{low:g}, {high:g}{right}"
            return f"must be between {low:g} and {high:g}"
        if low is not None:
            return f"must be {'above' if self.open_low else 'at least'} {low:g}"
        if high is not None:
            return f"must be {'below' if self.open_high else 'at most'} {high:g}"
        return "must be a finite number"

    def check(self, value: Any) -> float:
        if isinstance(value, bool | np.bool_) or not isinstance(
            value, int | float | np.integer | np.floating
        ):
            raise _refuse("must be a finite number")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond float's range
            raise _refuse(self._bounds()) from None
        if not math.isfinite(number):
            raise _refuse("must be a finite number")
        low, high, magnitude = self.low, self.high, self.magnitude
        if (
            (magnitude is not None and not abs(number) <= magnitude)
            or (low is not None and (number <= low if self.open_low else number < low))
            or (high is not None and (number >= high if self.open_high else number > high))
        ):
            raise _refuse(self._bounds())
        return number

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "number"}
        if self.magnitude is not None:
            schema.update(minimum=-self.magnitude, maximum=self.magnitude)
        if self.low is not None:
            schema["exclusiveMinimum" if self.open_low else "minimum"] = self.low
        if self.high is not None:
            schema["exclusiveMaximum" if self.open_high else "maximum"] = self.high
        if self.description is not None:
            schema["description"] = self.description
        return schema


@dataclass(frozen=True, slots=True)
class Flag(_Kind):
    """``true`` or ``false``, nothing else (not 0 or 1)."""

    def check(self, value: Any) -> bool:
        if not isinstance(value, bool | np.bool_):
            raise _refuse("must be true or false")
        return bool(value)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass(frozen=True, slots=True)
class Text(_Kind):
    """A text of ``1`` to ``longest`` characters; ``what`` says what it names."""

    longest: int
    what: str = "text"

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or not 0 < len(value) <= self.longest:
            raise _refuse(f"must be a {self.what} of 1 to {self.longest} characters")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": self.longest}


@dataclass(frozen=True, slots=True)
class Numbers(_Kind):
    """A list of at most ``longest`` numbers of the ``number`` kind (as a tuple), or null if
    ``optional``; an empty list is null if ``empty_is_null``, else refused. ``what`` says what
    the list is."""

    number: Number
    longest: int
    what: str
    empty_is_null: bool = True
    optional: bool = True

    def _problem(self) -> str:
        count = f"at most {self.longest}" if self.empty_is_null else f"1 to {self.longest}"
        return f"must be a list of {count} {self.what}{', or null' if self.optional else ''}"

    def check(self, value: Any) -> tuple[float, ...] | None:
        if self.optional and (
            value is None or (self.empty_is_null and isinstance(value, list | tuple) and not value)
        ):
            return None
        if not isinstance(value, list | tuple) or not 0 < len(value) <= self.longest:
            raise _refuse(self._problem())
        numbers = []
        for index, item in enumerate(value):
            try:
                numbers.append(self.number.check(item))
            except PydanticCustomError as exc:
                raise _refuse(exc.message(), index=index, item=item) from None
        return tuple(numbers)

    def json_schema(self) -> dict[str, Any]:
        numbers = {
            "type": "array",
            "minItems": 0 if self.empty_is_null else 1,
            "maxItems": self.longest,
            "items": self.number.json_schema(),
        }
        if not self.optional:
            return {**numbers, "description": self.what}
        return {"oneOf": [{"type": "null"}, numbers], "description": self.what}


@dataclass(frozen=True, slots=True)
class Span(_Kind):
    """``[low, high]``: two numbers of the ``number`` kind, ``low`` below ``high`` if
    ``ordered``; or null (``None``) if ``optional``."""

    number: Number
    optional: bool = True
    what: str = "[low, high]"
    ordered: bool = True
    """Whether ``low`` must be below ``high``."""

    def check(self, value: Any) -> tuple[float, float] | None:
        if value is None and self.optional:
            return None
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise _refuse(f"must be {self.what}{', or null' if self.optional else ''}")
        low, high = (self.number.check(v) for v in value)
        if self.ordered and not low < high:
            raise _refuse("low must be below high")
        return low, high

    def json_schema(self) -> dict[str, Any]:
        pair = {"type": "array", "items": self.number.json_schema(), "minItems": 2, "maxItems": 2}
        return {"oneOf": [{"type": "null"}, pair]} if self.optional else pair


def request_schema(model: type) -> dict[str, Any]:
    """The JSON Schema of a settings model as a request body gives it: an object of its fields
    (those with a default may be left out), no other keys; without pydantic's titles."""
    schema: dict[str, Any] = _untitled(TypeAdapter(model).json_schema())
    schema["additionalProperties"] = False
    return schema


def _untitled(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {key: _untitled(value) for key, value in schema.items() if key != "title"}
    if isinstance(schema, list):
        return [_untitled(value) for value in schema]
    return schema


def _name(location: tuple[int | str, ...], prefix: str) -> str:
    name = prefix
    for part in location:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name and not name.endswith(".") else part
    return name


def first_problem(
    error: ValidationError, prefix: str = "", positional: Sequence[str] = ()
) -> tuple[str, object, str]:
    """The setting (dotted, ``prefix`` first), the value and what is wrong with it, of the first
    of the problems pydantic found; ``positional``: the names of the arguments given by
    position (pydantic locates them by their index)."""
    detail = error.errors(include_url=False)[0]
    kind = detail["type"]
    context = detail.get("ctx") or {}
    location = tuple(detail["loc"])
    if location and isinstance(location[0], int) and location[0] < len(positional):
        location = (positional[location[0]], *location[1:])
    value = detail.get("input")
    if kind == _REFUSED:
        problem = str(context["problem"])
        if "index" in context:  # an item of a list
            location, value = (*location, int(context["index"])), context["item"]
    elif kind == "literal_error":
        problem = f"must be {context['expected']}"
    elif kind == "missing_argument":
        problem = "must be given"
    elif kind == "unexpected_keyword_argument":
        problem = "is not a setting"
    else:  # pragma: no cover - the kinds above are all the models use
        problem = str(detail["msg"])
    return _name(location, prefix), value, problem


def refusing(error: type[PsenError], what: str, prefix: str = "") -> Callable[[type[T]], type[T]]:
    """Make a pydantic dataclass raise ``error`` (``Invalid <what> NAME=VALUE: problem.``) for
    a value it refuses, instead of pydantic's :class:`ValidationError`; a ``PsenError`` raised
    by its ``__post_init__`` (a rule between settings) goes through as it is."""

    def wrap(cls: type[T]) -> type[T]:
        validated_init = cls.__init__
        names = [f.name for f in fields(cls) if f.init]  # type: ignore[arg-type]

        @functools.wraps(validated_init)
        def init(self: T, *args: Any, **kwargs: Any) -> None:
            try:
                validated_init(self, *args, **kwargs)
            except ValidationError as exc:
                raised = _raised_inside(exc)
                if raised is not None:
                    raise raised from None
                name, value, problem = first_problem(exc, prefix, names)
                raise error(f"Invalid {what} {name}={shown(value)}: {problem}.") from None

        cls.__init__ = init  # type: ignore[method-assign,assignment]
        return cls

    return wrap


def _raised_inside(error: ValidationError) -> PsenError | None:
    for detail in error.errors(include_url=False):
        raised = (detail.get("ctx") or {}).get("error")
        if isinstance(raised, PsenError):
            return raised
    return None
