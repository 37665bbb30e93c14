"""Every channel name the service reads or writes, built in one place from the camera prefix."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChannelNames"]


@dataclass(frozen=True, slots=True)
class ChannelNames:
    prefix: str

    @property
    def image(self) -> str:
        return f"{self.prefix}:FPICTURE"

    def _derived(self, suffix: str) -> str:
        return f"{self.image}.{suffix}"

    @property
    def processing_parameters(self) -> str:
        return self._derived("processing_parameters")

    @property
    def roi_signal_x_profile(self) -> str:
        return self._derived("roi_signal_x_profile")

    @property
    def roi_background_x_profile(self) -> str:
        return self._derived("roi_background_x_profile")
