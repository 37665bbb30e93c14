"""Settings files of the formats in use load as they did, and are written back byte for byte.

``data/settings_2.3*.json`` are ``data/settings_2.2*.json`` written back by the code that added
the learned method's ``max_depth`` (the first with a non-default ``max_depth``);
``data/settings_2.2*.json`` were written by the settings file code of before the settings
models (commit 8d3c9bc, ``SettingsStore.save``); ``settings_2.1_hand_made.json`` is the first
of them with what 2.1 did not write left out (the calibration record, and the learned method's
settings), ``settings_1.x_hand_made.json`` holds only ROIs, as files before edge detection.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from psen_processing.core.calibration_record import CalibrationRecord
from psen_processing.core.edge_tracking import ChannelClassifier, PulseIdClassifier
from psen_processing.core.matched_filter import DEFAULT_MAX_DEPTH
from psen_processing.core.profiles import ProcessingSettings
from psen_processing.core.roi import EMPTY_ROI, Roi
from psen_processing.settings_file import SettingsStore

DATA = Path(__file__).parent / "data"


def _load(tmp_path: Path, name: str) -> tuple[ProcessingSettings, Path]:
    path = tmp_path / name
    shutil.copyfile(DATA / name, path)
    result = SettingsStore(path).load()
    assert result.problem is None and result.moved_to is None
    return result.settings, path


@pytest.mark.parametrize("name", ["settings_2.3.json", "settings_2.3_pulse_id.json"])
def test_a_file_of_the_current_format_is_written_back_byte_for_byte(
    tmp_path: Path, name: str
) -> None:
    settings, path = _load(tmp_path, name)
    path.unlink()
    SettingsStore(path).save(settings)
    assert path.read_bytes() == (DATA / name).read_bytes()


def test_every_value_of_a_current_file_is_read(tmp_path: Path) -> None:
    settings, _ = _load(tmp_path, "settings_2.3.json")
    assert settings.roi_signal == Roi(0, 2048, 100, 60)
    assert settings.roi_background == Roi(0, 2048, 300, 40)
    edge = settings.edge_detection
    assert edge.enabled and edge.reference_length == 32
    assert edge.reference == ChannelClassifier("SAR-IM:INTENSITY", 0.25)
    assert edge.calibration == (-1520.5, 3.25, -0.0012)
    params = edge.params
    assert (params.direction, params.filter_length, params.filter_width) == ("rising", 120, 12.5)
    assert (params.method, params.min_z, params.pedestal) == ("learned", 5.0, "none")
    assert params.max_depth == 0.6
    assert params.background_subtraction and type(params.filter_length) is int
    record = settings.calibration_record
    assert record.applied is not None and record.previous is not None
    assert record.source(edge.calibration) is record.applied
    assert record.applied.delay_range_fs == (-1000.0, 1000.0) and record.applied.order == 2
    assert record.previous.coefficients == (0.0, 2.5) and record.previous.applied is None


def test_a_file_of_2_2_loads_with_max_depth_at_its_default(tmp_path: Path) -> None:
    settings, _ = _load(tmp_path, "settings_2.2.json")
    current, _ = _load(tmp_path, "settings_2.3.json")
    assert settings.edge_detection.params.max_depth == DEFAULT_MAX_DEPTH
    assert settings.edge_detection.params.min_z == current.edge_detection.params.min_z
    assert settings.calibration_record == current.calibration_record


def test_a_file_of_2_1_loads_with_the_later_settings_at_their_defaults(tmp_path: Path) -> None:
    settings, _ = _load(tmp_path, "settings_2.1_hand_made.json")
    current, _ = _load(tmp_path, "settings_2.3.json")
    assert settings.calibration_record == CalibrationRecord()
    assert settings.edge_detection.params.method == "matched_filter"
    assert settings.edge_detection.params.filter_length == 120
    assert settings.roi_signal == current.roi_signal
    assert settings.edge_detection.calibration == current.edge_detection.calibration


def test_a_file_of_rois_only_loads_with_edge_detection_at_its_defaults(tmp_path: Path) -> None:
    settings, _ = _load(tmp_path, "settings_1.x_hand_made.json")
    assert settings.roi_signal == Roi(0, 2048, 100, 60)
    assert settings.roi_background == EMPTY_ROI
    assert settings.edge_detection == ProcessingSettings().edge_detection
    assert settings.edge_detection.reference == PulseIdClassifier()
