"""A consumer of the service's output stream that remembers what it last saw (for the demo)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import zmq

from ..codec import Decoder
from ..core.channels import ChannelNames
from ..errors import ProtocolError
from .socket_thread import SocketThread

__all__ = ["EdgeTally", "OutputMonitor", "OutputSummary"]


@dataclass(frozen=True, slots=True)
class OutputSummary:
    """What one output message carried, in numbers a person can read."""

    pulse_id: int
    channels: int
    parameters: dict[str, Any] | None
    signal_peak: float | None
    signal_peak_px: int | None
    background_mean: float | None
    edge_position: float | None = None
    arrival_time: float | None = None
    true_edge: float | None = None
    """The simulated camera's own record of where it put the edge (demo only)."""

    def describe(self) -> str:
        parameters = self.parameters or {}
        text = f"output pulse {self.pulse_id}: {self.channels} channels"
        if self.signal_peak is not None:
            text += (
                f", signal ROI {parameters.get('roi_signal')}: profile peak "
                f"{self.signal_peak:.0f} at px {self.signal_peak_px}"
            )
        if self.background_mean is not None:
            text += (
                f", background ROI {parameters.get('roi_background')}: profile mean "
                f"{self.background_mean:.0f}"
            )
        if self.edge_position is not None:
            text += f", edge at px {self.edge_position:.1f}"
            if self.true_edge is not None:
                text += f" (simulated: {self.true_edge:.1f})"
            if self.arrival_time is not None:
                text += f", arrival time {self.arrival_time:.1f} fs"
        return text


@dataclass(frozen=True, slots=True)
class EdgeTally:
    """Over the X-ray shots the consumer read (those with a finite simulated edge): how many,
    on how many an edge was found, and how far the found edges were from the simulated ones."""

    xray_shots: int = 0
    found: int = 0
    error_sum_px: float = 0.0
    error_max_px: float = 0.0

    def add(self, found: float | None, truth: float) -> EdgeTally:
        if found is None:
            return EdgeTally(self.xray_shots + 1, self.found, self.error_sum_px, self.error_max_px)
        error = abs(found - truth)
        return EdgeTally(
            self.xray_shots + 1,
            self.found + 1,
            self.error_sum_px + error,
            max(self.error_max_px, error),
        )

    def describe(self) -> str:
        if self.xray_shots == 0:
            return "no X-ray shot read"
        text = f"edge found on {self.found} of {self.xray_shots} X-ray shots"
        if self.found:
            text += (
                f", |found - simulated| mean {self.error_sum_px / self.found:.1f} px, "
                f"max {self.error_max_px:.1f} px"
            )
        return text


def _finite(value: object) -> float | None:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


class OutputMonitor(SocketThread):
    """Reads the output stream on a thread (PULL, connect) and keeps a summary of the latest."""

    def __init__(self, address: str, names: ChannelNames, truth_channel: str | None = None) -> None:
        super().__init__(zmq.PULL, "psen-monitor")
        self._names = names
        self._truth_channel = truth_channel
        self._last_edge: tuple[float | None, float | None, float | None] = (None, None, None)
        self._socket.connect(address)
        self.received = 0
        self.latest: OutputSummary | None = None
        self.edges = EdgeTally()

    def _summarise(self, decoder: Decoder, parts: list[bytes]) -> OutputSummary:
        message = decoder.decode(parts)
        names = self._names
        parameters = message.value(names.processing_parameters)
        signal = message.array(names.roi_signal_x_profile)
        background = message.array(names.roi_background_x_profile)
        edge = _finite(message.value(names.edge_position))
        truth = _finite(message.value(self._truth_channel)) if self._truth_channel else None
        if truth is not None:
            self.edges = self.edges.add(edge, truth)
        if edge is not None:  # keep the last X-ray shot's edge across reference shots
            self._last_edge = (edge, _finite(message.value(names.arrival_time)), truth)
        edge_position, arrival_time, true_edge = self._last_edge
        return OutputSummary(
            pulse_id=message.pulse_id,
            channels=len(message.data_header.channels),
            parameters=json.loads(parameters) if isinstance(parameters, str) else None,
            signal_peak=None if signal is None else float(np.max(signal)),
            signal_peak_px=None if signal is None else int(np.argmax(signal)),
            background_mean=None
            if background is None
            else float(background.astype(np.float64).mean()),
            edge_position=edge_position,
            arrival_time=arrival_time,
            true_edge=true_edge,
        )

    def _run(self) -> None:
        decoder = Decoder()
        while not self._stop.is_set():
            if not self._socket.poll(100):
                continue
            parts = self._socket.recv_multipart()
            self.received += 1
            try:
                self.latest = self._summarise(decoder, parts)
            except ProtocolError:
                continue
