"""The cameras that several members share (the tuning members of :mod:`.members` and the first
held-out set of :mod:`.heldout` use them; a member may also ``replace`` some of their fields)."""

from __future__ import annotations

from .spec import CameraSpec, CountSpan, Span

__all__ = ["CAMERA_1024", "CAMERA_2048"]

CAMERA_2048 = CameraSpec(
    width=2048,
    height=128,
    signal_columns=(32, 1984),
    signal_rows=(70, 24),
    background_rows=(4, 8),
    light_row=Span(80.0, 84.0),
    light_sigma=Span(4.0, 5.5),
    gain=Span(1.3, 1.7),
    pedestal=Span(80.0, 120.0),
    pedestal_columns=Span(0.5, 1.5),
    pedestal_jitter=Span(0.0, 0.5),
    read_noise=Span(2.0, 3.0),
    dead_columns=CountSpan(0, 2),
    hot_columns=CountSpan(0, 2),
    hot_level=Span(4000.0, 65535.0),
)
"""A 2048 x 128 sCMOS: light band around row 82 (rms 4-5.5 rows), signal ROI rows 70-93 over
columns 32-2015, background ROI rows 4-11 (dark)."""

CAMERA_1024 = CameraSpec(
    width=1024,
    height=64,
    signal_columns=(16, 992),
    signal_rows=(26, 16),
    background_rows=(2, 6),
    light_row=Span(33.0, 35.0),
    light_sigma=Span(2.5, 3.5),
    gain=Span(1.0, 1.4),
    pedestal=Span(90.0, 110.0),
    pedestal_columns=Span(0.5, 1.0),
    read_noise=Span(2.0, 3.0),
    dead_columns=CountSpan(0, 1),
    hot_columns=CountSpan(0, 1),
    hot_level=Span(3000.0, 20000.0),
)
"""A 1024 x 64 camera: band around row 34 (rms 2.5-3.5 rows), signal ROI rows 26-41 over
columns 16-1007, background ROI rows 2-7."""
