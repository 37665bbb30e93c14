"""Issue 16, item 6: the container runs both ways, the seed's (``docker run IMAGE
psen_processing tcp://... PREFIX ...``) and this image's (``docker run IMAGE tcp://... PREFIX``).

The entry point script is tested itself with both argument lists, with a stand-in command that
records its arguments and with the real ``psen_processing``; the image is built and run when a
Docker engine answers (required with ``PSEN_REQUIRE_DOCKER=1``, as CI sets it where it has one).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from ..conftest import PREFIX, Source, free_port, wait_for_rest

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
DOCKERFILE = ROOT / "Dockerfile"

RECORDER = """#!{python}
import json, sys
with open({out!r}, "w") as handle:
    json.dump(sys.argv[1:], handle)
"""

UNIT_ARGUMENTS = ["--output_stream_port", "8888", "--rest_api_port", "11000",
                  "--log_level=INFO", "--auto_start"]  # fmt: skip


def _entry(argv: list[str], path: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The script as the image runs it: executed directly (its #!/bin/sh), in a clean env."""
    return subprocess.run(
        [str(ENTRYPOINT), *argv],
        env={"PATH": path, "HOME": str(cwd)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["tcp://cam:9000", PREFIX, *UNIT_ARGUMENTS], ["tcp://cam:9000", PREFIX, *UNIT_ARGUMENTS]),
        (["psen_processing", "tcp://cam:9000", PREFIX, *UNIT_ARGUMENTS],
         ["tcp://cam:9000", PREFIX, *UNIT_ARGUMENTS]),
        (["--simulate"], ["--simulate"]),
        (["psen_processing", "--simulate"], ["--simulate"]),
        ([], []),
        (["psen_processing"], []),
        (["-o", "8895", "tcp://cam:9000", PREFIX], ["-o", "8895", "tcp://cam:9000", PREFIX]),
    ],
)  # fmt: skip
def test_the_entrypoint_hands_both_argument_styles_to_psen_processing(
    tmp_path: Path, argv: list[str], expected: list[str]
) -> None:
    bin_dir, out = tmp_path / "bin", tmp_path / "argv.json"
    bin_dir.mkdir()
    fake = bin_dir / "psen_processing"
    fake.write_text(RECORDER.format(python=sys.executable, out=str(out)))
    fake.chmod(0o755)
    done = _entry(argv, f"{bin_dir}:/usr/bin:/bin", tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text()) == expected


def test_another_command_of_the_image_runs_as_itself(tmp_path: Path) -> None:
    # the seed README: docker run -it IMAGE /bin/bash, then psen_processing inside
    done = _entry(["/bin/echo", "inside", "the", "container"], "/usr/bin:/bin", tmp_path)
    assert (done.returncode, done.stdout) == (0, "inside the container\n")
    done = _entry(["sh", "-c", "echo $0", "shell"], "/usr/bin:/bin", tmp_path)
    assert done.stdout == "shell\n"


@pytest.mark.parametrize("style", ["seed", "image"])
def test_the_entrypoint_starts_the_service_both_ways(
    tmp_path: Path, source: Source, style: str
) -> None:
    rest, output = free_port(), free_port()
    argv = [
        *(["psen_processing"] if style == "seed" else []),
        *(source.address, PREFIX, "--output_stream_port", str(output)),
        *("--rest_api_port", str(rest), "--log_level=INFO", "--auto_start"),
        *("--rest_api_interface", "127.0.0.1", "--settings_file", str(tmp_path / "cam.json")),
    ]
    venv_bin = Path(sys.executable).parent
    assert (venv_bin / "psen_processing").exists()
    process = subprocess.Popen(
        [str(ENTRYPOINT), *argv],
        env={**os.environ, "PATH": f"{venv_bin}:/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_rest(rest, "processing")
        statistics = requests.get(f"http://127.0.0.1:{rest}/statistics", timeout=5).json()
        assert statistics["statistics"]["n_processed_images"] == 0
    finally:
        process.terminate()  # exec'd: the signal reaches psen_processing itself
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split()[0], line.split(maxsplit=1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_dockerfile_runs_the_entrypoint_with_the_demo_as_default() -> None:
    instructions = _instructions()
    entry = [json.loads(arg) for kind, arg in instructions if kind == "ENTRYPOINT"]
    assert entry == [["psen_processing_entrypoint"]]
    assert [json.loads(arg) for kind, arg in instructions if kind == "CMD"] == [["--simulate"]]
    copies = [arg.split() for kind, arg in instructions if kind == "COPY"]
    assert ["docker/entrypoint.sh", "/usr/local/bin/psen_processing_entrypoint"] in [
        [word for word in copy if not word.startswith("--")] for copy in copies
    ]
    assert os.access(ENTRYPOINT, os.X_OK)
    assert "!docker/entrypoint.sh" in (ROOT / ".dockerignore").read_text().splitlines()


def _docker_or_skip() -> str:
    docker = shutil.which("docker")
    answers = docker is not None and (
        subprocess.run([docker, "info"], capture_output=True, timeout=60, check=False).returncode
        == 0
    )
    if answers and docker is not None:
        return docker
    reason = "no Docker engine answers (docker info)"
    if os.environ.get("PSEN_REQUIRE_DOCKER") == "1":
        pytest.fail(f"PSEN_REQUIRE_DOCKER=1 but {reason}")
    pytest.skip(reason)


def test_the_image_runs_both_ways() -> None:
    docker = _docker_or_skip()
    tag = "psen_processing:compat-test"
    subprocess.run([docker, "build", "-q", "-t", tag, str(ROOT)], check=True, timeout=1800)
    try:
        for prefix in ([], ["psen_processing"]):
            done = subprocess.run(
                [docker, "run", "--rm", tag, *prefix, "--help"],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            assert done.returncode == 0 and "INPUT_STREAM" in done.stdout, done.stderr
            # the arguments reach psen_processing itself: its own usage error
            done = subprocess.run(
                [docker, "run", "--rm", tag, *prefix, "tcp://camera:9000"],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            assert done.returncode == 2 and "PREFIX is required" in done.stderr, done.stderr
    finally:
        subprocess.run([docker, "rmi", "-f", tag], capture_output=True, timeout=300, check=False)
