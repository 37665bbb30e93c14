"""Saving and loading the settings file: atomic writes, and a corrupt file never stops a start."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .core.calibration_record import CalibrationRecord
from .core.edge_tracking import EdgeDetectionSettings
from .core.profiles import ProcessingSettings
from .core.roi import EMPTY_ROI, parse_roi
from .errors import PsenError, SettingsFileError

__all__ = [
    "LoadResult",
    "SettingsStore",
    "default_settings_path",
    "salvage_settings",
    "settings_from_json",
]

FORMAT_VERSION = 1

MAX_FILE_BYTES = 1024 * 1024
"""A settings file is a few hundred bytes; a larger one is not one this service wrote."""


_KEYS = frozenset({"version", "roi_signal", "roi_background", "edge_detection", "calibration"})
"""The keys of a settings file; ``calibration`` (the calibration's provenance) since 2.2, and
optional: older files load without it."""


def default_settings_path(prefix: str) -> Path:
    """``$XDG_CONFIG_HOME/psen_processing/<prefix>.json`` (``~/.config`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in prefix) or "default"
    return Path(base) / "psen_processing" / f"{safe}.json"


def settings_from_json(data: object) -> ProcessingSettings:
    if not isinstance(data, dict):
        raise SettingsFileError("settings file does not hold a JSON object")
    unknown = set(data) - _KEYS
    if unknown:
        raise SettingsFileError(f"settings file has unknown keys {sorted(unknown)}")
    try:
        return ProcessingSettings(
            roi_signal=parse_roi(data.get("roi_signal"), "roi_signal"),
            roi_background=parse_roi(data.get("roi_background"), "roi_background"),
            edge_detection=EdgeDetectionSettings().updated(data.get("edge_detection") or {}),
            calibration_record=CalibrationRecord.from_json(data.get("calibration")),
        )
    except PsenError as exc:
        raise SettingsFileError(f"settings file holds an invalid value: {exc}") from exc


def salvage_settings(data: object) -> tuple[ProcessingSettings, tuple[str, ...]]:
    """The usable part of a settings file that :func:`settings_from_json` refuses.

    Each ROI and each edge detection setting that is valid on its own is kept; the others
    (a value beyond a bound this version tightened, say) are left at their defaults and named
    in the returned problems. Raises :class:`SettingsFileError` if nothing can be used: not a
    JSON object, or unknown keys (not a file this service wrote).
    """
    if not isinstance(data, dict):
        raise SettingsFileError("settings file does not hold a JSON object")
    unknown = set(data) - _KEYS
    if unknown:
        raise SettingsFileError(f"settings file has unknown keys {sorted(unknown)}")
    problems: list[str] = []
    rois = {}
    for name in ("roi_signal", "roi_background"):
        try:
            rois[name] = parse_roi(data.get(name), name)
        except PsenError as exc:
            rois[name] = EMPTY_ROI
            problems.append(f"{name}: {exc}")
    edge = EdgeDetectionSettings()
    stored = data.get("edge_detection") or {}
    if isinstance(stored, dict):
        for key, value in stored.items():
            try:
                edge = edge.updated({key: value})
            except PsenError as exc:
                problems.append(f"edge_detection.{key}: {exc}")
    else:
        problems.append("edge_detection: not a JSON object")
    record = CalibrationRecord()
    try:
        record = CalibrationRecord.from_json(data.get("calibration"))
    except PsenError as exc:
        problems.append(f"calibration: {exc}")
    settings = ProcessingSettings(rois["roi_signal"], rois["roi_background"], edge, record)
    return settings, tuple(problems)


@dataclass(frozen=True, slots=True)
class LoadResult:
    settings: ProcessingSettings
    problem: str | None = None
    """Why the file could not be used, or not all of it (then ``settings`` hold the defaults
    in place of what was not usable)."""
    moved_to: Path | None = None


class SettingsStore:
    """One settings file; ``save`` replaces it atomically (write, fsync, rename)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> LoadResult:
        """The saved settings; defaults if there is no file.

        A file that cannot be read as settings, for whatever reason (not JSON, JSON nested too
        deep or with an integer too long to parse, larger than :data:`MAX_FILE_BYTES`, a value
        out of its bounds), is renamed aside (``<name>.corrupt-<time>``) so that it is kept for
        inspection and not overwritten, and defaults are used. Of a file that is a settings
        file but holds values out of their bounds, the settings that are valid on their own
        are kept (the file is still renamed aside): one value a newer version bounds more
        tightly does not cost the ROIs.
        """
        self._remove_stale_temporaries()
        if not self.path.exists():
            return LoadResult(ProcessingSettings())
        try:
            data = self._read()
            try:
                return LoadResult(settings_from_json(data))
            except SettingsFileError as exc:
                settings, problems = salvage_settings(data)
                if not problems:  # pragma: no cover - the strict reading names a problem
                    raise
                problem = f"{exc}; kept the rest, at defaults: {'; '.join(problems)}"
                return LoadResult(settings, f"{self.path}: {problem}", self._move_aside())
        except Exception as exc:  # nothing in a file may stop a start
            if isinstance(exc, SettingsFileError | OSError | json.JSONDecodeError):
                problem = str(exc)
            else:  # RecursionError, ValueError (digit limit), MemoryError, ...
                problem = f"not usable as settings JSON ({type(exc).__name__}: {exc})"
            return LoadResult(ProcessingSettings(), f"{self.path}: {problem}", self._move_aside())

    def _read(self) -> Any:
        with self.path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise SettingsFileError(f"the file is larger than {MAX_FILE_BYTES} bytes")
        return json.loads(raw.decode("utf-8"))

    def _remove_stale_temporaries(self) -> None:
        """Delete half-written files a save killed before its rename left behind.

        They never held the settings (the rename is what makes a save count), so nothing is
        lost; only names ``save`` itself creates are touched.
        """
        with contextlib.suppress(OSError):
            for stale in self.path.parent.glob(f".{glob.escape(self.path.name)}.*"):
                with contextlib.suppress(OSError):
                    stale.unlink()

    def _move_aside(self) -> Path | None:
        """Rename the unusable file to a name no other file has; None if that fails."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for n in range(1000):
            aside = self.path.with_name(
                f"{self.path.name}.corrupt-{stamp}" + (f".{n}" if n else "")
            )
            try:
                # a hard link fails if the name is taken, so nothing is ever overwritten
                os.link(self.path, aside)
            except FileExistsError:
                continue
            except OSError:
                return None
            self.path.unlink()
            return aside
        return None

    def save(self, settings: ProcessingSettings) -> None:
        payload = json.dumps({"version": FORMAT_VERSION, **settings.to_json()}, indent=2) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(payload)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise SettingsFileError(f"cannot save settings to {self.path}: {exc}") from exc
