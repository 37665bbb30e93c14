"""Every reason a frame is skipped or sent without a profile: the keys of the statistics' and
the metrics' per-reason counters, all known from the start (the metrics export each at 0)."""

from __future__ import annotations

__all__ = ["PROFILE_PROBLEMS", "SKIP_REASONS"]

SKIP_REASONS = (
    "bad_data_header", "bad_main_header", "bad_timestamp", "corrupt_compressed_data",
    "header_too_large", "missing_pulse_id", "processing_error", "unknown_compression",
    "unknown_type", "value_size_mismatch", "wrong_part_count",
)  # fmt: skip
"""Why a received frame was skipped (not sent): every ``ProtocolError`` reason, and the loop's
own ``processing_error``."""

PROFILE_PROBLEMS = (
    "edge_no_reference", "edge_no_signal_profile", "edge_processing_error",
    "edge_reference_channel_missing", "edge_reference_channel_unreadable", "image_empty",
    "image_missing", "image_not_2d", "image_unusable_type", "profile_processing_error",
    "profile_sum_inexact", "roi_background_outside_image", "roi_signal_outside_image",
)  # fmt: skip
"""Why a frame went out without a profile or an edge."""
