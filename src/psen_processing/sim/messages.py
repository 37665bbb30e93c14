"""Complete bsread messages built from values: what the simulated camera sends, and what tests
and benchmarks feed the service (pure, no I/O)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..codec import channel_entry, compress, timestamp_bytes

__all__ = ["encode_message", "value_bytes"]


def value_bytes(value: object, compression: str = "none") -> bytes:
    """``value`` (str, bool, int, float or numpy array) as the bytes of a bsread value part."""
    if isinstance(value, str):
        return compress(np.frombuffer(value.encode("utf-8"), dtype=np.uint8), compression)
    return compress(np.asarray(value), compression)


def encode_message(
    pulse_id: int,
    values: Sequence[tuple[str, object]],
    *,
    sec: int = 0,
    ns: int = 0,
    compression: str = "none",
    dh_compression: str | None = None,
    timestamp_key: str = "sec",
) -> list[bytes]:
    """A complete bsread message from ``(name, value)`` pairs; ``None`` values are sent empty."""
    entries = [
        channel_entry(name, 0.0 if value is None else value, compression) for name, value in values
    ]
    header_bytes = json.dumps({"htype": "bsr_d-1.1", "channels": entries}).encode("utf-8")
    if dh_compression is not None:
        header_bytes = compress(np.frombuffer(header_bytes, dtype=np.uint8), dh_compression)
    main: dict[str, Any] = {
        "htype": "bsr_m-1.1",
        "pulse_id": pulse_id,
        "global_timestamp": {timestamp_key: sec, "ns": ns},
        "hash": hashlib.md5(header_bytes).hexdigest(),
    }
    if dh_compression is not None:
        main["dh_compression"] = dh_compression
    parts = [json.dumps(main).encode("utf-8"), header_bytes]
    for (_, value), entry in zip(values, entries, strict=True):
        if value is None:
            parts += [b"", b""]
            continue
        parts.append(value_bytes(value, compression))
        parts.append(timestamp_bytes(sec, ns, entry["encoding"] == "big"))
    return parts
