"""The live page's plots as a scientist reads them (issue 17), in headless Chromium: axis labels
with units, reference or X-ray shot marked and the edge drawn only on X-ray shots, the input
rate beside the output rate, the histogram of edge positions and the correlation plot against a
chosen input channel. Checked by the pixels drawn; screenshots are left in the test's folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import zmq

from psen_processing.sim.camera import CameraConfig, SimulatedCamera

from ..conftest import Running, Source, wait_until
from .conftest import HEIGHT, PREFIX, WIDTH

TRUTH = f"{PREFIX}:EDGE_TRUTH_PX"

# Pixels of a canvas by colour (device pixels, RGBA): the plot colours of live.js
_COUNT_COLOURS = """([id, box]) => {
    const c = document.getElementById(id);
    const [x0, y0, x1, y1] = box ? box.map((f, i) => Math.round(f * (i % 2 ? c.height : c.width)))
                                 : [0, 0, c.width, c.height];
    const d = c.getContext('2d').getImageData(x0, y0, x1 - x0, y1 - y0).data;
    const n = {green: 0, purple: 0, red: 0, dark: 0, columns: new Set(), purples: new Set()};
    for (let i = 0; i < d.length; i += 4) {
        const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
        if (a < 200) continue;
        if (g > 120 && r < 90 && b < 90) { n.green++; n.columns.add((i / 4) % (x1 - x0)); }
        if (r > 90 && r < 170 && g < 100 && b > 150) {
            n.purple++; n.purples.add((i / 4) % (x1 - x0));
        }
        if (r > 180 && g < 90 && b < 90) n.red++;
        if (r < 80 && g < 80 && b < 80) n.dark++;
    }
    return {green: n.green, purple: n.purple, red: n.red, dark: n.dark,
            green_columns: n.columns.size, purple_columns: n.purples.size};
}"""

# what each plot's axes must say: (x label, y label), units in brackets where there are any
AXES = {
    "profiles": ("pixel from the ROI's left edge (px)", "summed counts"),
    "normalised": ("pixel from the signal ROI's left edge (px)", "signal / reference (relative)"),
    "history-position": ("pulse id", "edge position (px)"),
    "history-amplitude": ("pulse id", "edge amplitude (relative)"),
    "histogram": ("edge position (px)", "X-ray shots"),
    "correlation": (TRUTH, "arrival time (fs)"),
}


def _chosen(running: Running) -> object:
    """The correlation channel the service keeps (asked over its REST API)."""
    answer = requests.get(f"{running.url}/live/correlation_channel", timeout=5)
    return answer.json()["correlation_channel"]


def _colours(page: Any, canvas: str, box: tuple[float, ...] | None = None) -> dict[str, int]:
    """Pixels of each plot colour in ``canvas`` (in ``box``: fractions x0, y0, x1, y1)."""
    counts: dict[str, int] = page.evaluate(_COUNT_COLOURS, [canvas, box])
    return counts


def test_plots_have_labelled_axes_a_histogram_and_a_correlation(
    page: Any, camera_service: Running, zmq_context: zmq.Context[Any], tmp_path: Path
) -> None:
    running = camera_service
    sink = running.sink(zmq_context)
    page.goto(f"{running.url}/")
    page.wait_for_function("Number(document.getElementById('history-count').textContent) > 20")
    # the input rate beside the output rate
    page.wait_for_function("Number(document.getElementById('input-fps').textContent) > 0")
    assert float(page.text_content("#fps")) > 0
    # the histogram of the history's edge positions: green bars, in several columns
    page.wait_for_function("document.getElementById('histogram').dataset.drawn === '1'")
    bars = _colours(page, "histogram")
    assert bars["green"] > 1000 and bars["green_columns"] > 40, bars
    assert int(page.text_content("#histogram-count")) > 20

    # the channel selector lists the camera's numeric scalar channels; choosing one is kept by
    # the service and the arrival times are plotted against it
    select = page.locator("#correlation-channel")
    page.wait_for_selector(f'#correlation-channel option[value="{TRUTH}"]', state="attached")
    options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["", f"{PREFIX}:XRAY_INTENSITY", TRUTH]  # not the image
    assert _colours(page, "correlation")["purple"] == 0
    select.select_option(TRUTH)
    wait_until(lambda: _chosen(running) == TRUTH, what="the choice")
    page.wait_for_function("document.getElementById('correlation').dataset.drawn === '1'")
    page.wait_for_function(
        "Number(document.getElementById('correlation-stats').textContent.split(' ')[0]"
        ".slice(1)) >= 10"
    )
    points = _colours(page, "correlation")
    assert points["purple_columns"] >= 10, points  # dots at ten places along x at least
    stats = page.text_content("#correlation-stats")
    # the measured arrival time follows the true edge position the camera says it drew
    assert float(stats.split("r = ")[1].rstrip(")")) > 0.95, stats

    # every plot says what its axes are, with units, in the DOM and drawn on the canvas
    page.wait_for_function("document.getElementById('normalised').dataset.drawn === '1'")
    for canvas, (x_label, y_label) in AXES.items():
        data = page.eval_on_selector(f"#{canvas}", "c => [c.dataset.xLabel, c.dataset.yLabel]")
        assert data == [x_label, y_label], canvas
        below = _colours(page, canvas, (0.3, 0.9, 0.8, 1.0))  # the x label, under the ticks
        left = _colours(page, canvas, (0.0, 0.2, 0.035, 0.7))  # the turned y label
        assert below["dark"] > 20 and left["dark"] > 20, (canvas, below, left)
    page.screenshot(path=str(tmp_path / "plots.png"), full_page=True)

    # the choice refused by the service is shown, and nothing changes
    select.evaluate(
        """s => { const o = document.createElement('option'); o.value = 'NOT:THERE';
                  o.textContent = 'NOT:THERE'; s.appendChild(o); }"""
    )
    select.select_option("NOT:THERE")
    page.wait_for_function(
        "document.getElementById('correlation-error').textContent.includes('not a numeric')"
    )
    assert _chosen(running) == TRUTH
    sink.receive()


def test_the_shown_frame_is_marked_and_the_edge_drawn_on_x_ray_shots_only(
    page: Any,
    make_service: Callable[..., Running],
    source: Source,
    zmq_context: zmq.Context[Any],
    tmp_path: Path,
) -> None:
    running = make_service(source.address, prefix=PREFIX)
    running.client.set_roi_signal([0, WIDTH, 24, 16])
    running.client.set_roi_background([0, WIDTH, 0, 8])
    running.client.set_edge_detection({"enabled": True, "calibration": [-2560.0, 10.0]})
    running.client.start()
    sink = running.sink(zmq_context)
    camera = SimulatedCamera(CameraConfig(prefix=PREFIX, width=WIDTH, height=HEIGHT))

    def send(pulse_id: int) -> None:  # even pulse ids are X-ray shots
        source.send(camera.message(pulse_id))
        assert sink.receive().pulse_id == pulse_id

    for pulse_id in range(1, 13):
        send(pulse_id)
    page.goto(f"{running.url}/")
    page.wait_for_function("document.getElementById('profiles-pulse').textContent === '12'")
    page.wait_for_function("document.getElementById('image-pulse').textContent === '12'")
    for element in ("#profiles-shot", "#image-shot"):
        assert page.text_content(element) == "X-ray shot"
        assert page.get_attribute(element, "class") == "shot xray"
    assert page.text_content("#edge-pulse") == "12"
    on_x_ray = _colours(page, "profiles")
    assert on_x_ray["green"] > 50, on_x_ray  # the edge of this very shot: a dashed line
    page.screenshot(path=str(tmp_path / "x_ray_shot.png"))

    send(13)  # a reference shot: shown as such, and without the last X-ray shot's edge
    page.wait_for_function("document.getElementById('profiles-pulse').textContent === '13'")
    page.wait_for_function("document.getElementById('image-pulse').textContent === '13'")
    for element in ("#profiles-shot", "#image-shot"):
        assert page.text_content(element) == "reference shot"
        assert page.get_attribute(element, "class") == "shot reference"
    on_reference = _colours(page, "profiles")
    assert on_reference["green"] == 0, on_reference
    assert on_reference["red"] > 100, on_reference  # the profiles are drawn
    # the normalised signal is still the X-ray shot's, with its edge
    assert page.text_content("#edge-pulse") == "12"
    assert _colours(page, "normalised")["green"] > 50
    page.screenshot(path=str(tmp_path / "reference_shot.png"))
