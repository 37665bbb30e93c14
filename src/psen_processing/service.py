"""The service: settings, start/stop of the processing loop, statistics. No HTTP here."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Any, Literal

import zmq

from .errors import ServiceError
from .live import LiveRecorder
from .pipeline import FrameOutcome
from .processing import ProcessingSettings
from .roi import RoiSetting, check_roi_fits, parse_roi
from .settings import SettingsStore
from .statistics import Statistics
from .timing import EdgeDetectionSettings, EdgeTracker
from .worker import StreamConfig, Worker

__all__ = ["PsenService", "Status"]

log = logging.getLogger(__name__)

Status = Literal["stopped", "processing"]
_STOP_WAIT_S = 0.3
"""How long /stop waits for the worker to close its sockets before it answers."""
RoiName = Literal["roi_signal", "roi_background"]


class PsenService:
    """Owns one camera's processing: its settings (saved on every change) and its worker."""

    def __init__(self, config: StreamConfig, store: SettingsStore | None = None) -> None:
        self.config = config
        self._store = store
        self._lock = threading.RLock()
        self._context: zmq.Context[Any] = zmq.Context()
        self._worker: Worker | None = None
        self._finishing: Worker | None = None
        """A stopped worker that may still be finishing a frame (it holds the ports)."""
        self.statistics = Statistics()
        self.last_error: str | None = None
        self.settings_problem: str | None = None
        self.tracker = EdgeTracker()
        """The edge reference of this service: kept across stop and start."""
        self.live = LiveRecorder()
        """The latest frames and the edge history, for the live view."""
        settings = ProcessingSettings()
        if store is not None:
            loaded = store.load()
            settings = loaded.settings
            if loaded.problem is not None:
                self.settings_problem = (
                    f"settings file could not be used ({loaded.problem}); started with defaults"
                    + (f", the bad file was kept as {loaded.moved_to}" if loaded.moved_to else "")
                )
                log.error("%s", self.settings_problem)
        self._settings = settings

    # -- settings -------------------------------------------------------------------------
    @property
    def settings(self) -> ProcessingSettings:
        return self._settings  # replaced as a whole, never mutated: one read is one snapshot

    def _replace(self, **changes: object) -> ProcessingSettings:
        with self._lock:
            new = dataclasses.replace(self._settings, **changes)  # type: ignore[arg-type]
            if self._store is not None:
                self._store.save(new)  # raises before anything changes
            self._settings = new
            return new

    def get_roi(self, name: RoiName) -> RoiSetting:
        value: RoiSetting = getattr(self._settings, name)
        return value

    def set_roi(self, name: RoiName, value: object) -> RoiSetting:
        """Validate and set a ROI; checked against the image size when one has been seen."""
        roi = parse_roi(value, name)
        shape = self.statistics.image_shape
        if shape is not None and len(shape) == 2:
            check_roi_fits(roi, shape[0], shape[1], name)
        changed = roi != self.get_roi(name)
        self._replace(**{name: roi})
        if changed and name == "roi_signal":
            # edge positions count from the signal ROI's left edge: a new ROI starts a new
            # history (as the edge reference restarts)
            self.live.clear_history()
        return roi

    def get_edge_detection(self) -> EdgeDetectionSettings:
        return self._settings.edge_detection

    def set_edge_detection(self, data: object) -> EdgeDetectionSettings:
        """Change the edge settings given in ``data`` (a partial update); validated first."""
        with self._lock:
            edge = self._settings.edge_detection.updated(data)
            self._replace(edge_detection=edge)
            return edge

    # -- processing -------------------------------------------------------------------------
    @property
    def status(self) -> Status:
        worker = self._worker
        return "processing" if worker is not None and worker.alive else "stopped"

    def start(self) -> Status:
        with self._lock:
            if self.status == "processing":
                return "processing"
            self._wait_for_finishing()
            self.statistics.reset(start_time=time.time())
            worker = Worker(
                self.config,
                self._context,
                lambda: self._settings,
                self.statistics,
                on_frame=self.live.observe,
                tracker=self.tracker,
            )
            try:
                worker.start()
            except ServiceError as exc:
                self.last_error = str(exc)
                raise
            except zmq.ZMQError as exc:
                self.last_error = f"cannot open the streams: {exc}"
                raise ServiceError(self.last_error) from exc
            self._worker = worker
            self.last_error = None
            return "processing"

    @property
    def latest(self) -> FrameOutcome | None:
        """The most recent processed frame (for reports and live views)."""
        return self.live.latest

    def _wait_for_finishing(self) -> None:
        """A new worker binds the ports the last one holds until its frame in hand is done."""
        worker = self._finishing
        if worker is None:
            return
        worker.stop(self.config.restart_wait_s)
        if worker.alive:
            raise ServiceError(
                f"the previous processing run is still finishing a frame after "
                f"{self.config.restart_wait_s} s and holds the output port; it ends by itself "
                "after that frame: try /start again"
            )
        self._finishing = None

    def stop(self) -> Status:
        """Stop at once: a frame being processed is discarded (and counted) when it is done."""
        with self._lock:
            worker, self._worker = self._worker, None
            if worker is not None:
                worker.stop(_STOP_WAIT_S)
                if worker.alive:
                    self._finishing = worker
                if worker.error is not None:
                    self.last_error = f"processing loop failed: {worker.error}"
            return "stopped"

    def close(self) -> None:
        self.stop()
        if self._finishing is not None:
            self._finishing.stop(self.config.restart_wait_s)
        self._context.term()

    def statistics_json(self) -> dict[str, object]:
        data = self.statistics.snapshot().to_json()
        worker = self._worker
        if worker is not None and worker.error is not None:
            self.last_error = f"processing loop failed: {worker.error}"
        data["last_error"] = self.last_error
        data["settings_problem"] = self.settings_problem
        return data
