"""Issue 16, item 7: the module path of 1.x's client still imports, in a fresh interpreter as a
script would, and the client found there drives the real service."""

from __future__ import annotations

import subprocess
import sys

from ..conftest import IMAGE
from .conftest import Legacy, ones, receive

SCRIPT = """
import sys
from psen_processing.rest_api.client import PsenProcessingClient
import psen_processing

assert PsenProcessingClient is psen_processing.PsenProcessingClient
client = PsenProcessingClient(address=sys.argv[1])
assert client.get_status() == "stopped"
assert client.set_roi_signal([0, 10, 0, 5]) == [0, 10, 0, 5]
assert client.get_roi_background() == []
print(client.start())
"""


def test_the_client_imports_from_its_1x_module_path(legacy: Legacy) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, legacy.url + "/"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "processing"
    receiver = legacy.receiver()
    legacy.send(7, ones())
    message = receive(receiver)
    assert message.pulse_id == 7
    assert len(message.data[f"{IMAGE}.roi_signal_x_profile"].value) == 10
