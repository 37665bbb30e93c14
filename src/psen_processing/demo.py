"""What ``psen_processing --simulate`` sets up and prints (the demo), apart from the command.

:func:`set_up` gives the service example ROIs and switches edge detection on with a demo
calibration when no ROIs were saved, and says what it did; :func:`report` is the line printed
every 2 s, :func:`summary` the one printed at the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .core.roi import Roi, roi_to_json
from .service import PsenService
from .sim.camera import CameraSender
from .sim.monitor import OutputMonitor

__all__ = ["DEMO_FS_PER_PX", "DemoRun", "camera_state", "report", "service_line", "set_up"]

DEMO_FS_PER_PX = 10.0
"""The demo calibration: 10 fs per pixel, 0 fs at the middle of the chip."""


def service_line(service: PsenService) -> str:
    """The service's counters and streams' states in one line (also logged every 10 s)."""
    stats = service.statistics_json()
    latency = stats["latency_ms"]
    assert isinstance(latency, dict)
    skipped = stats["frames_skipped_by_reason"] or {}
    problems = stats["profile_problems"] or {}
    inputs, output = stats["input"], stats["output"]
    assert isinstance(inputs, dict) and isinstance(output, dict)
    held = ""
    if output["frames_waiting"]:
        held = (
            f" ({output['frames_waiting']} waiting, blocked {output['blocked_seconds']:.0f} s, "
            f"oldest {output['oldest_held_frame_age_s']:.0f} s old)"
        )
    return (
        f"{service.status}: {stats['frames_received']} in, {stats['frames_sent']} out, "
        f"{stats['frames_per_second']} fps, last pulse {stats['last_pulse_id']}, "
        f"latency p50 {latency['p50']} ms, skipped {skipped or 0}, problems {problems or 0}; "
        f"input {inputs['state']}, output {output['state']}{held}"
    )


def set_up(service: PsenService, width: int, height: int, settings_path: object) -> list[str]:
    """Example ROIs and edge detection for the simulated camera's ``width`` x ``height``
    images, unless ROIs were saved (in ``settings_path``); what was done, as lines to print."""
    saved = (service.settings.roi_signal, service.settings.roi_background)
    if any(isinstance(roi, Roi) for roi in saved):
        edge = service.get_edge_detection()
        return [
            f"ROIs as saved in {settings_path}: signal ROI "
            f"{roi_to_json(service.get_roi('roi_signal'))}, background ROI "
            f"{roi_to_json(service.get_roi('roi_background'))}; edge detection as saved "
            f"({'on' if edge.enabled else 'off'})"
        ]
    signal = [0, width, height * 3 // 8, max(1, height // 4)]
    background = [0, width, 0, max(1, height // 8)]
    service.set_roi("roi_signal", signal)
    service.set_roi("roi_background", background)
    # the simulated camera has X-rays on even pulse ids: the odd ones are reference shots
    service.set_edge_detection(
        {
            "enabled": True,
            "reference": {"mode": "pulse_id", "period": 2, "signal_offset": 0},
            "calibration": [-DEMO_FS_PER_PX * width / 2, DEMO_FS_PER_PX],
        }
    )
    return [
        f"example ROIs set (none were saved): signal ROI {signal} (rows {signal[2]}-"
        f"{signal[2] + signal[3] - 1}, on the spectrum), background ROI {background} (rows "
        f"{background[2]}-{background[2] + background[3] - 1}, no light)",
        "edge detection switched on: X-ray shots on even pulse ids, reference shots on odd ones; "
        f"demo calibration {DEMO_FS_PER_PX:g} fs/px, 0 fs at px {width / 2:g} (the middle)",
    ]


def camera_state(sender: CameraSender) -> str:
    """How the simulated camera keeps its rate: sent, dropped, and whether it is behind."""
    wanted = sender.camera.config.rate_hz
    rate = sender.rate_hz
    shown = "measuring" if rate is None else f"{rate:.1f} Hz"
    counts = f"{shown} of {wanted:g} Hz, {sender.sent} sent, {sender.dropped} dropped"
    if sender.behind:
        return f"camera BEHIND its rate: {counts} (this machine cannot make frames that fast)"
    return f"camera {counts}"


def report(service: PsenService, sender: CameraSender, monitor: OutputMonitor) -> str:
    """The demo's line every 2 s: the service, the camera, what the last output carried."""
    line = f"{service_line(service)}\n    {camera_state(sender)}"
    line += f"; consumer read {monitor.received} output messages"
    if monitor.latest is not None:
        line += f"\n    {monitor.latest.describe()}"
    return line


@dataclass(frozen=True, slots=True)
class DemoRun:
    """What the summary at the end needs besides the running parts."""

    started: float
    """``time.monotonic()`` at the start."""
    settings_path: str

    def summary(self, service: PsenService, sender: CameraSender, monitor: OutputMonitor) -> str:
        """The demo's last line: what the camera, the service and the consumer did in all."""
        stats = service.statistics_json()
        elapsed = time.monotonic() - self.started
        episodes = sender.behind_episodes
        pace = "kept its rate" if episodes == 0 else f"fell behind its rate {episodes} time(s)"
        return (
            f"summary after {elapsed:.0f} s: the simulated camera sent {sender.sent} frames at "
            f"{sender.camera.config.rate_hz:g} Hz and {pace} ({sender.dropped} dropped); the "
            f"service received {stats['frames_received']} and sent {stats['frames_sent']} "
            f"({stats['frames_skipped']} skipped); the consumer read {monitor.received}; "
            f"{monitor.edges.describe()}; settings in {self.settings_path}"
        )
