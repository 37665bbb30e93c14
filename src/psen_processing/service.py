"""The service: settings, start/stop of the processing loop, statistics. No HTTP here."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Protocol

import zmq

from .core.calibration_record import (
    AppliedCalibration,
    CalibrationRecord,
    PreviousCalibration,
    calibration_id,
)
from .core.edge_tracking import EdgeDetectionSettings, EdgeTracker
from .core.profiles import ProcessingSettings
from .core.roi import Roi, RoiSetting, check_roi_fits, parse_roi
from .errors import CalibrationError, InvalidRequest, ServiceError
from .settings_file import SettingsStore
from .stream.calibration_run import CalibrationRun, RunSettings, RunSnapshot
from .stream.input_connection import input_hint
from .stream.pipeline import FrameOutcome
from .stream.statistics import Statistics
from .stream.supervision import Health, RestartPolicy, Supervisor, describe
from .stream.worker import StreamConfig, Worker

__all__ = ["FrameObserver", "PsenService", "Status"]

log = logging.getLogger(__name__)

Status = Literal["stopped", "processing"]
_STOP_WAIT_S = 0.3
"""How long /stop waits for the worker to close its sockets before it answers."""
RoiName = Literal["roi_signal", "roi_background"]


HEALTH_TIMEOUT_S = 10.0
"""Default bound of /health: no input frame for this long (after a start: the grace period)."""
HEALTH_TIMEOUT_RANGE_S = (0.5, 3600.0)

_OBSERVER_LOG_INTERVAL_S = 60.0
"""A failing observer's traceback is logged at most this often (the others are counted)."""


class FrameObserver(Protocol):
    """Something that watches the processing (e.g. the live view): added to a service with
    :meth:`PsenService.add_observer`. An exception it raises is counted and logged, never
    passed on to the processing loop."""

    def observe(self, outcome: FrameOutcome) -> None:
        """Every frame sent, from the processing loop: keep it short (references, no copies)."""

    def signal_roi_changed(self) -> None:
        """The signal ROI changed: edge positions count from its new left edge."""


class PsenService:
    """Owns one camera's processing: its settings (saved on every change) and its worker.

    A worker that dies on an unexpected error is restarted by a supervisor (see
    :class:`~psen_processing.stream.supervision.RestartPolicy`); if restarts keep failing,
    ``on_fatal(message)`` tells the owner, which should end the process. ``heartbeat`` (e.g. the
    systemd watchdog) is called from the processing loop while it goes round, and from the
    supervisor while processing is stopped on purpose; never while the loop is dead or stuck.
    """

    def __init__(
        self,
        config: StreamConfig,
        store: SettingsStore | None = None,
        *,
        restart_policy: RestartPolicy | None = None,
        on_fatal: Callable[[str], None] | None = None,
        heartbeat: Callable[[], None] | None = None,
        heartbeat_interval_s: float = 0.5,
        health_timeout_s: float = HEALTH_TIMEOUT_S,
    ) -> None:
        low, high = HEALTH_TIMEOUT_RANGE_S
        if not low <= health_timeout_s <= high:
            raise InvalidRequest(
                f"health timeout must be {low:g}-{high:g} s, not {health_timeout_s}"
            )
        if not 0.01 <= heartbeat_interval_s <= 60.0:
            raise InvalidRequest(
                f"heartbeat interval must be 0.01-60 s, not {heartbeat_interval_s}"
            )
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
        self._model_builder = ThreadPoolExecutor(1, thread_name_prefix="edge-model")
        """Learns the edge search's noise models off the processing loop."""
        self.tracker = EdgeTracker(self._model_builder.submit)
        """The edge reference of this service: kept across stop and start."""
        self._observers: tuple[FrameObserver, ...] = ()
        self._latest: FrameOutcome | None = None
        self.observer_failures = 0
        """Exceptions raised by observers (each logged, at most once a minute per observer)."""
        self._observer_logged: dict[int, float] = {}
        self.calibration = CalibrationRun()
        """The delay-scan calibration run: fed by the processing loop only while it runs."""
        settings = ProcessingSettings()
        if store is not None:
            loaded = store.load()
            settings = loaded.settings
            if loaded.problem is not None:
                started_with = (
                    "defaults"
                    if settings == ProcessingSettings()
                    else "the valid settings it holds and defaults for the rest"
                )
                self.settings_problem = (
                    f"settings file could not be used ({loaded.problem}); started with "
                    + started_with
                    + (f", the bad file was kept as {loaded.moved_to}" if loaded.moved_to else "")
                )
                log.error("%s", self.settings_problem)
        self._settings = settings
        self.health_timeout_s = health_timeout_s
        self._heartbeat = heartbeat
        self._heartbeat_interval_s = heartbeat_interval_s
        self._owner_on_fatal = on_fatal
        self._wanted = False
        """Processing was asked for (start) and not stopped on purpose since."""
        self._ever_started = False
        self._started_at = time.monotonic()
        self.supervisor = Supervisor(
            self._restart,
            restart_policy or RestartPolicy(),
            on_fatal=self._fatal,
            idle=lambda: not self._wanted,
            heartbeat=heartbeat,
            heartbeat_interval_s=heartbeat_interval_s,
        )

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
            for observer in self._observers:
                try:
                    observer.signal_roi_changed()
                except Exception as exc:  # an observer never fails the caller
                    self._observer_failed(observer, exc)
            if self.calibration.state != "idle":
                self.calibration.discard(
                    "the signal ROI changed during the run: the points before were discarded "
                    "(edge positions count from the ROI's left edge)"
                )
        return roi

    def get_edge_detection(self) -> EdgeDetectionSettings:
        return self._settings.edge_detection

    def set_edge_detection(self, data: object) -> EdgeDetectionSettings:
        """Change the edge settings given in ``data`` (a partial update); validated first.

        The validation (which designs the edge filter) runs outside the lock, so that start and
        stop never wait for it; it is done again in the rare case that the settings changed
        meanwhile, so that no concurrent change is lost.
        """
        while True:
            base = self._settings.edge_detection
            edge = base.updated(data)
            with self._lock:
                if self._settings.edge_detection is base:
                    self._replace(edge_detection=edge)
                    return edge

    # -- calibration ------------------------------------------------------------------------
    def start_calibration(self, data: object) -> None:
        """Start a calibration run (see :mod:`.calibration_run`); validated first.

        Needs processing with edge detection on and a frame received, whose channels must
        include the delay channel.
        """
        run = RunSettings.from_json(data)
        if self.status != "processing":
            raise CalibrationError("processing is stopped: POST /start first")
        settings = self._settings
        if not settings.edge_detection.enabled:
            raise CalibrationError(
                'edge detection is off: POST /edge_detection {"enabled": true} first'
            )
        latest = self._latest
        message = None if latest is None else latest.message
        if message is None:
            raise CalibrationError(
                "no frame received yet: the delay channel cannot be checked; try again when "
                "frames arrive"
            )
        if message.channel(run.delay_channel) is None:
            present = [spec.name for spec in message.data_header.channels]
            shown = ", ".join(present[:20]) + (
                f" and {len(present) - 20} more" if len(present) > 20 else ""
            )
            raise InvalidRequest(
                f"unknown delay channel {run.delay_channel!r}: it is not in the input stream "
                f"(channels of pulse {message.pulse_id}: {shown})"
            )
        roi = settings.roi_signal
        self.calibration.start(run, roi.size_x if isinstance(roi, Roi) else None)

    def stop_calibration(self) -> None:
        self.calibration.stop()

    def calibration_json(self, snapshot: RunSnapshot | None = None) -> dict[str, object]:
        """``GET /calibration``'s answer, of ``snapshot`` (default: the run's points now)."""
        if snapshot is None:
            snapshot = self.calibration.snapshot()
        fit = self.calibration.fit(snapshot)
        settings = self._settings
        record = settings.calibration_record
        source = record.source(settings.edge_detection.calibration)
        return {
            "run": {**snapshot.to_json(), "discarded": self.calibration.discarded},
            "fit": None if isinstance(fit, str) else fit.to_json(),
            "fit_problem": fit if isinstance(fit, str) else None,
            "calibration": None
            if settings.edge_detection.calibration is None
            else list(settings.edge_detection.calibration),
            "applied": None if source is None else source.to_json(),
            "previous": None if record.previous is None else record.previous.to_json(),
        }

    def apply_calibration(self) -> AppliedCalibration:
        """Make the current fit the edge detection's calibration; the one before is kept."""
        snapshot = self.calibration.snapshot()
        fit = self.calibration.fit(snapshot)
        if isinstance(fit, str):
            raise CalibrationError(f"no fit to apply: {fit}")
        assert snapshot.settings is not None
        made_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        applied = AppliedCalibration(
            id=calibration_id(made_at, fit.coefficients),
            made_at=made_at,
            coefficients=fit.coefficients,
            order=fit.order,
            points=fit.points,
            rejected_fraction=round(fit.rejected_fraction, 6),
            delay_range_fs=fit.delay_range_fs,
            covered_px=fit.covered_px,
            residual_rms_fs=fit.residual_rms_fs,
            delay_channel=snapshot.settings.delay_channel,
            unit=snapshot.settings.unit,
        )
        with self._lock:
            settings = self._settings
            old = settings.edge_detection
            edge = old.updated({"calibration": list(fit.coefficients)})
            record = CalibrationRecord(
                applied,
                PreviousCalibration(
                    old.calibration, settings.calibration_record.source(old.calibration)
                ),
            )
            self._replace(edge_detection=edge, calibration_record=record)
        return applied

    def restore_calibration(self) -> tuple[float, ...] | None:
        """Put the calibration before the last apply (or restore) back; the current one becomes
        the previous one (a second restore undoes the first)."""
        with self._lock:
            settings = self._settings
            record = settings.calibration_record
            previous = record.previous
            if previous is None:
                raise CalibrationError(
                    "no previous calibration to restore: none was applied from a scan yet"
                )
            old = settings.edge_detection
            edge = old.updated(
                {
                    "calibration": None
                    if previous.coefficients is None
                    else list(previous.coefficients)
                }
            )
            swapped = CalibrationRecord(
                previous.applied,
                PreviousCalibration(old.calibration, record.source(old.calibration)),
            )
            self._replace(edge_detection=edge, calibration_record=swapped)
            return edge.calibration

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
            self._wanted = self._ever_started = True
            self.supervisor.cancel()  # a start on purpose: no restart pending any more
            self.statistics.reset(start_time=time.time())
            try:
                self._launch()
            except ServiceError:
                self._wanted = False  # told to the caller: not a failure to supervise
                raise
            self.last_error = None
            return "processing"

    def _launch(self) -> None:
        """A new worker, started; raises ServiceError if it cannot open its streams."""
        worker = Worker(
            self.config,
            self._context,
            lambda: self._settings,
            self.statistics,
            on_frame=self._observe,
            tracker=self.tracker,
            heartbeat=self._heartbeat,
            heartbeat_interval_s=self._heartbeat_interval_s,
            on_exit=self._worker_ended,
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
        self._started_at = time.monotonic()
        self._keep_chosen_ports(worker)

    def _keep_chosen_ports(self, worker: Worker) -> None:
        """A port given as 0 is the one the system chose at the first start from then on: later
        starts bind it again, so that consumers connected to it reconnect."""
        config = self.config
        if config.output_port == 0 and worker.output_port is not None:
            config = dataclasses.replace(config, output_port=worker.output_port)
            log.info("output stream on port %d (chosen by the system)", config.output_port)
        if config.image_output_port == 0 and worker.image_output_port is not None:
            config = dataclasses.replace(config, image_output_port=worker.image_output_port)
            log.info("image output on port %d (chosen by the system)", config.image_output_port)
        self.config = config

    @property
    def output_port(self) -> int | None:
        """The output stream's port; for port 0, the one the system chose at the first start
        (None before it)."""
        port = self.config.output_port
        return None if port == 0 else port

    @property
    def image_output_port(self) -> int | None:
        """The image output's port (None without one, or for port 0 before the first start)."""
        port = self.config.image_output_port
        return None if port == 0 else port

    def add_observer(self, observer: FrameObserver) -> None:
        """Let ``observer`` see every frame sent from now on (see :class:`FrameObserver`)."""
        with self._lock:
            self._observers = (*self._observers, observer)  # replaced whole: read lock-free

    def _observe(self, outcome: FrameOutcome) -> None:
        """From the processing loop, for every frame sent."""
        self._latest = outcome
        for observer in self._observers:
            try:
                observer.observe(outcome)
            except Exception as exc:  # an observer never stops processing
                self._observer_failed(observer, exc)
        if self.calibration.active:  # the only cost while no calibration run is active
            self.calibration.observe(outcome)

    def _observer_failed(self, observer: FrameObserver, exc: Exception) -> None:
        """Count an observer's exception; log it with its traceback, once a minute at most."""
        self.observer_failures += 1
        now = time.monotonic()
        last = self._observer_logged.get(id(observer))
        if last is None or now - last >= _OBSERVER_LOG_INTERVAL_S:
            self._observer_logged[id(observer)] = now
            log.error(
                "observer %s failed (%d observer failures in all); processing goes on",
                type(observer).__name__,
                self.observer_failures,
                exc_info=exc,
            )

    def _worker_ended(self, worker: Worker) -> None:
        """From the worker's thread as it ends: unless asked to stop, that is a failure."""
        if worker.stop_requested:
            return
        error = worker.error
        message = describe(error) if error is not None else "the loop ended without an error"
        self.last_error = f"processing loop failed: {message}"
        self.supervisor.failed(worker, message)

    def _restart(self, dead: object) -> bool:
        """The supervisor's restart: False if processing is no longer wanted from ``dead``."""
        with self._lock:
            if not self._wanted or self._worker is not dead:
                return False
            self._launch()  # replaces the dead worker, or raises and leaves it
            return True

    def _fatal(self, message: str) -> None:
        with self._lock:
            self.last_error = message
            worker, self._worker = self._worker, None
            if worker is not None:
                worker.stop()
        if self._owner_on_fatal is not None:
            self._owner_on_fatal(message)

    @property
    def latest(self) -> FrameOutcome | None:
        """The most recent processed frame (for reports and live views)."""
        return self._latest

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
            self._wanted = False
            self.supervisor.cancel()
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
        self.supervisor.close()
        if self._finishing is not None:
            self._finishing.stop(self.config.restart_wait_s)
        self._model_builder.shutdown(wait=False, cancel_futures=True)
        self._context.term()

    def health(self) -> Health:
        """200 or 503 for /health: is processing doing what it was asked to?"""
        report = self.supervisor.report()
        now = time.monotonic()
        last = self.statistics.last_received
        age = None if last is None else round(now - last, 3)
        if report.fatal is not None:
            return Health(False, f"{report.fatal}; the process exits to be restarted", age)
        if not self._wanted:
            reason = (
                "stopped on purpose (POST /start to process)"
                if self._ever_started
                else "not started (POST /start, or --auto_start)"
            )
            if self.last_error is not None:
                reason += f"; last error: {self.last_error}"
            return Health(True, reason, age)
        worker = self._worker
        if report.restarting is not None or worker is None or not worker.alive:
            return Health(
                False,
                f"processing thread died ({report.last_error}); "
                f"{report.restarting or 'restarting'}; see the log for its traceback",
                age,
            )
        bound = self.health_timeout_s
        if now - worker.last_beat > bound:
            return Health(
                False,
                f"processing loop has not gone round for {now - worker.last_beat:.0f} s: it is "
                "stuck (the watchdog is no longer fed)",
                age,
            )
        waiting = worker.output_wait_since
        since = max(last or 0.0, self._started_at)
        if waiting is not None and (now - waiting > bound or now - since > bound):
            return Health(
                False,
                f"output blocked for {now - waiting:.0f} s: "
                + self._output_blocked_why()
                + " (--output_mode block waits for its consumer)",
                age,
            )
        if now - since > bound:
            what = (
                f"no input frames for {now - since:.0f} s"
                if last is not None and last >= self._started_at
                else f"no input frames since processing started {now - since:.0f} s ago"
            )
            hint = self._input_hint(self.statistics.input_state())
            return Health(
                False,
                f"{what}: "
                + (
                    hint
                    or f"check the camera stream {self.config.input_stream} and the input mode "
                    f"({self.config.input_mode})"
                ),
                age,
            )
        missing = self.statistics.missing_image_since
        if missing is not None and now - max(missing, self._started_at) > bound:
            return Health(
                False,
                f"no frame with an image for {now - max(missing, self._started_at):.0f} s: "
                f"{self._input_hint(self.statistics.input_state())}",
                age,
            )
        # frames come in, none goes out: counted from the first frame not followed by a sent
        # one (a frame taken a moment ago and still being processed is not a failure)
        unsent = self.statistics.unsent_since
        out_since = now if unsent is None else max(unsent, self._started_at)
        if now - out_since > bound:
            if self.statistics.last_undelivered == "dropped":
                why = (
                    f"every frame is dropped: no consumer reads the output stream "
                    f"{self.config.output_address} (--output_mode drop)"
                )
            else:
                problem = self.statistics.snapshot().last_problem
                why = (
                    f"every input frame is {self.statistics.last_undelivered or 'skipped'} "
                    f"({problem}); see frames_skipped_by_reason in /statistics"
                )
            return Health(False, f"no frame sent for {now - out_since:.0f} s: {why}", age)
        return Health(True, "processing", age)

    def _output_blocked_why(self) -> str:
        consumers = self.statistics.snapshot().output_consumers
        if consumers == 0:
            return f"no consumer is connected to the output stream {self.config.output_address}"
        return (
            f"{consumers} consumer(s) connected to the output stream "
            f"{self.config.output_address} but not reading (stalled)"
        )

    def _input_hint(self, state: dict[str, object]) -> str | None:
        missing, age = state["missing_image"], state["seconds_since_last_frame"]
        return input_hint(
            str(state["state"]),
            self.config.input_stream,
            self.config.input_mode,
            self.config.prefix,
            missing_image=missing if isinstance(missing, str) else None,
            seconds_since_last_frame=age if isinstance(age, float | int) else None,
        )

    def statistics_json(self) -> dict[str, object]:
        data = self.statistics.snapshot().to_json()
        inputs = data["input"]
        if isinstance(inputs, dict):
            inputs["hint"] = self._input_hint(inputs)
        outputs = data["output"]
        if isinstance(outputs, dict):
            outputs["port"] = self.output_port
        worker = self._worker
        if worker is not None and worker.error is not None:
            self.last_error = f"processing loop failed: {worker.error}"
        data["last_error"] = self.last_error
        report = self.supervisor.report()
        data["processing_failures"] = report.failures
        data["processing_restarts"] = report.restarts
        data["last_processing_error"] = report.last_error
        data["settings_problem"] = self.settings_problem
        edge = data.get("edge_detection")
        if isinstance(edge, dict):
            learned = self.tracker.learned
            model = learned.model  # an immutable object, replaced whole: safe to read here
            edge["noise_model"] = {
                "learned_from_references": None if model is None else model.references_used,
                "failed_builds": learned.failed_builds,
            }
        return data
