"""Spectrum models shared by the unit tests."""

from __future__ import annotations

from psen_processing.sim.spectrum import SpectrumModel

QUIET = SpectrumModel(
    centre_jitter=0.0,
    width_jitter=0.0,
    modulation_terms=0,
    intensity_jitter=0.0,
    structure_amplitude=0.0,
)
"""A model without any shot-to-shot jitter or fine structure."""
