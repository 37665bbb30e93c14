"""The settings file: round trips, atomic saves, and a corrupt file that never stops a start."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from psen_processing import settings_file as settings_module
from psen_processing.core.edge_tracking import EdgeDetectionSettings
from psen_processing.core.profiles import ProcessingSettings
from psen_processing.core.roi import EMPTY_ROI, Roi, parse_roi
from psen_processing.errors import SettingsFileError
from psen_processing.settings_file import SettingsStore, default_settings_path, settings_from_json


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "CAM.json"


@pytest.mark.parametrize(
    ("signal", "background"),
    [
        (None, None),
        ([], []),
        ([], None),
        (None, []),
        ([1, 2, 3, 4], [0, 640, 0, 480]),
        ([10, 300, 20, 40], None),
    ],
)
def test_save_load_round_trip(path: Path, signal: object, background: object) -> None:
    saved = ProcessingSettings(parse_roi(signal), parse_roi(background))
    store = SettingsStore(path)
    store.save(saved)
    result = store.load()
    assert result.problem is None
    assert result.moved_to is None
    assert result.settings == saved
    saved = result.settings.to_json()
    # a ROI that is off is [] (as 1.x showed it), whether None or [] was set
    assert (saved["roi_signal"], saved["roi_background"]) == (signal or [], background or [])
    assert saved["edge_detection"] == ProcessingSettings().edge_detection.to_json()
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk["roi_signal"] == (signal or [])
    assert on_disk["roi_background"] == (background or [])
    assert on_disk["version"] == settings_module.FORMAT_VERSION


def test_a_file_of_an_earlier_version_with_null_rois_loads_them_as_off(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 1, "roi_signal": None, "roi_background": []}))
    result = SettingsStore(path).load()
    assert result.problem is None
    assert result.settings.roi_signal == result.settings.roi_background == EMPTY_ROI
    assert result.settings == ProcessingSettings()


def test_save_replaces_and_leaves_no_temp_files(path: Path) -> None:
    store = SettingsStore(path)
    for i in range(5):
        store.save(ProcessingSettings(Roi(i, 1, 0, 1), None))
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    assert store.load().settings.roi_signal == Roi(4, 1, 0, 1)


def test_failed_save_keeps_old_file_and_removes_temp(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SettingsStore(path)
    store.save(ProcessingSettings(Roi(1, 2, 3, 4), None))
    before = path.read_bytes()

    def failing_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(settings_module.os, "replace", failing_replace)
    with pytest.raises(SettingsFileError, match="disk full"):
        store.save(ProcessingSettings(None, None))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_missing_file_gives_defaults(path: Path) -> None:
    result = SettingsStore(path).load()
    assert result.settings == ProcessingSettings()
    assert result.problem is None
    assert result.moved_to is None
    assert not path.parent.exists()  # loading creates nothing


CORRUPT = {
    "bad json": b'{"roi_signal": [1, 2, 3, 4]',
    "not utf-8": b'{"roi_signal": "\xff\xfe"}',
    "empty file": b"",
    "a list": b"[1, 2, 3, 4]",
    "roi a string": b'{"roi_signal": "1,2,3,4"}',
    "roi of 3": b'{"roi_signal": [1, 2, 3]}',
    "negative offset": b'{"roi_background": [-1, 2, 3, 4]}',
    "zero size": b'{"roi_signal": [1, 0, 3, 4]}',
    "float size": b'{"roi_signal": [1, 2.5, 3, 4]}',
    "bool value": b'{"roi_signal": [true, 2, 3, 4]}',
    "unknown key": b'{"roi_signal": null, "roi_sigal": [1, 2, 3, 4]}',
    "nested too deep": b'{"roi_signal": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "integer too long": b'{"roi_signal": [' + b"1" * 5000 + b", 1, 1, 1]}",
    "roi out of bounds": b'{"roi_signal": [0, 1000000, 0, 1]}',
    "reference_length out of bounds": b'{"edge_detection": {"reference_length": 1001}}',
    "over 1 MiB": b'{"roi_signal": null' + b" " * (1024 * 1024) + b"}",
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_file_gives_defaults_and_is_moved_aside(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    result = SettingsStore(path).load()
    assert result.settings == ProcessingSettings()
    assert result.problem is not None
    assert str(path) in result.problem
    assert result.moved_to is not None
    assert result.moved_to.parent == path.parent
    assert result.moved_to.name.startswith(f"{path.name}.corrupt-")
    assert result.moved_to.read_bytes() == content
    assert not path.exists()
    # the next start finds no file and uses the defaults quietly
    again = SettingsStore(path).load()
    assert (again.settings, again.problem) == (ProcessingSettings(), None)


def test_problem_text_says_what_is_wrong(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text('{"roi_signal": [1, 2, 3]}', encoding="utf-8")
    problem = SettingsStore(path).load().problem
    assert problem is not None
    assert "roi_signal" in problem
    assert "exactly 4" in problem


def test_two_corrupt_files_in_the_same_second_are_both_kept(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_module.time, "strftime", lambda fmt, *a: "20240101T000000")
    path.parent.mkdir(parents=True)
    store = SettingsStore(path)
    path.write_bytes(b"first {")
    first = store.load().moved_to
    path.write_bytes(b"second {")
    second = store.load().moved_to
    assert first is not None and second is not None
    assert first.read_bytes() == b"first {"
    assert second.read_bytes() == b"second {"


def test_unknown_keys_rejected() -> None:
    with pytest.raises(SettingsFileError, match="unknown keys"):
        settings_from_json({"roi_signal": None, "edge": 1})
    assert settings_from_json({"version": 1}) == ProcessingSettings()


def test_settings_from_json_wraps_invalid_roi() -> None:
    with pytest.raises(SettingsFileError, match="negative") as info:
        settings_from_json({"roi_signal": [0, 1, -1, 1]})
    assert info.value.__cause__ is not None


def test_default_path_honours_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_settings_path("SLAAR21-LCAM-C561") == (
        tmp_path / "xdg" / "psen_processing" / "SLAAR21-LCAM-C561.json"
    )


@pytest.mark.parametrize("xdg", [None, ""])
def test_default_path_falls_back_to_home_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdg: str | None
) -> None:
    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_settings_path("CAM") == tmp_path / ".config" / "psen_processing" / "CAM.json"


@pytest.mark.parametrize(
    ("prefix", "name"),
    [("a/b:c", "a_b_c.json"), ("../etc/x", ".._etc_x.json"), ("", "default.json")],
)
def test_default_path_stays_in_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: str, name: str
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    result = default_settings_path(prefix)
    assert result.name == name
    assert result.parent == tmp_path / "psen_processing"
    assert os.sep not in result.name


def test_a_file_with_values_out_of_bounds_keeps_the_valid_settings(path: Path) -> None:
    # e.g. written by an earlier version with looser bounds: the ROIs and the other edge
    # settings survive, the values out of bounds fall back to their defaults and are named
    content = {
        "version": 1,
        "roi_signal": [10, 200, 20, 30],
        "roi_background": [10, 200, 60, 2**40],
        "edge_detection": {
            "enabled": True,
            "reference_length": 2**62,
            "filter_length": 10**9,
            "calibration": [0.5, 2.0],
        },
    }
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(content), encoding="utf-8")
    result = SettingsStore(path).load()
    assert result.settings.roi_signal == Roi(10, 200, 20, 30)
    assert result.settings.roi_background == EMPTY_ROI
    edge = result.settings.edge_detection
    defaults = EdgeDetectionSettings()
    assert edge.enabled is True
    assert edge.calibration == (0.5, 2.0)
    assert edge.reference_length == defaults.reference_length
    assert edge.params == defaults.params
    assert result.problem is not None
    for named in ("roi_background", "edge_detection.reference_length", "filter_length"):
        assert named in result.problem
    assert result.moved_to is not None and json.loads(result.moved_to.read_text()) == content
