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

    @property
    def edge_position(self) -> str:
        return self._derived("edge_position")

    @property
    def edge_amplitude(self) -> str:
        return self._derived("edge_amplitude")

    @property
    def edge_z(self) -> str:
        return self._derived("edge_z")

    @property
    def edge_runner_up_ratio(self) -> str:
        return self._derived("edge_runner_up_ratio")

    @property
    def edge_localisation(self) -> str:
        return self._derived("edge_localisation")

    @property
    def edge_confident(self) -> str:
        return self._derived("edge_confident")

    @property
    def edge_width(self) -> str:
        return self._derived("edge_width")

    @property
    def edge_fwhm(self) -> str:
        return self._derived("edge_fwhm")

    @property
    def arrival_time(self) -> str:
        return self._derived("arrival_time")

    @property
    def is_reference(self) -> str:
        return self._derived("is_reference")
