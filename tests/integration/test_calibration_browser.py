"""The live page's calibration panel in real Chromium, against a service fed by the simulated
camera running a delay scan (fixtures of test_browser and test_calibration_stream)."""

from __future__ import annotations

import contextlib
from typing import Any

from ..conftest import Running

# the page fixture: from test_browser; where the browser fixtures live in conftest.py, pytest
# finds it there and this import finds nothing
with contextlib.suppress(ImportError):
    from .test_browser import page  # noqa: F401
from .test_calibration_stream import CONFIG, scan_service  # noqa: F401 - the fixture

_COLOURS = """
([id, colours]) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const counts = colours.map(() => 0);
    for (let i = 0; i < d.length; i += 4) {
        colours.forEach(([r, g, b], k) => {
            if (Math.abs(d[i] - r) < 40 && Math.abs(d[i + 1] - g) < 40
                && Math.abs(d[i + 2] - b) < 40 && d[i + 3] > 100) counts[k]++;
        });
    }
    return counts;
}
"""
POINTS, MEANS, FIT = (31, 119, 180), (255, 127, 14), (214, 39, 40)


def test_the_panel_runs_a_scan_draws_it_and_applies_the_fit(
    page: Any,
    scan_service: Running,  # noqa: F811 - the fixture
) -> None:
    running = scan_service
    page.goto(f"{running.url}/")
    page.wait_for_function("document.getElementById('cal-state').textContent === 'idle'")
    # a start without a delay channel: the server's message, and nothing starts
    page.click("#cal-start")
    page.wait_for_function("document.getElementById('cal-error').textContent.length > 0")
    assert "delay_channel" in str(page.text_content("#cal-error"))
    assert running.client.get_calibration()["run"]["state"] == "idle"

    page.fill("#cal-form input[name=delay_channel]", CONFIG.delay_channel)
    page.select_option("#cal-form select[name=unit]", "ps")
    page.click("#cal-start")
    page.wait_for_function("document.getElementById('cal-state').textContent === 'running'")
    assert running.client.get_calibration()["run"]["unit"] == "ps"
    # points come in, and once every step is in, the fit and its figures show
    page.wait_for_function(
        "Number(document.getElementById('cal-points').textContent) >= 360", timeout=60000
    )
    page.wait_for_function("document.getElementById('cal-rms').textContent.includes('fs')")
    counts = page.evaluate(_COLOURS, ["cal-scan", [POINTS, MEANS, FIT]])
    assert counts[0] > 200, counts  # the shots
    assert counts[1] > 100, counts  # the step means
    assert counts[2] > 200, counts  # the fit curve
    residuals = page.evaluate(_COLOURS, ["cal-residuals", [POINTS]])
    assert residuals[0] > 200, residuals

    page.click("#cal-stop")
    page.wait_for_function("document.getElementById('cal-state').textContent === 'stopped'")
    assert running.client.get_calibration()["run"]["state"] == "stopped"
    fit = running.client.get_calibration()["fit"]
    page.click("#cal-apply")
    page.wait_for_function("document.getElementById('cal-applied').textContent.startsWith('cal-')")
    assert running.client.get_edge_detection()["calibration"] == fit["coefficients"]
    page.click("#cal-restore")
    page.wait_for_function(
        "document.getElementById('cal-applied').textContent.includes('set by hand')"
    )
    assert running.client.get_edge_detection()["calibration"] == [-2560.0, 10.0]
    assert page.text_content("#cal-error") == ""
