"""Deployment files: the systemd unit with its example environment file, the Dockerfile, and a
non-editable install that carries the live page's files."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from psen_processing.cli import parse_args

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "psen_processing@.service"
ENV_EXAMPLE = ROOT / "deploy" / "psen_processing.env.example"
DOCKERFILE = ROOT / "Dockerfile"


def _environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments, optional quotes)."""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _service_section(path: Path) -> dict[str, str]:
    """The [Service] keys, with continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    section, keys = "", {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            keys[key] = value
    return keys


def _exec_start_argv(command: str, env: dict[str, str], instance: str) -> list[str]:
    """ExecStart= expanded as systemd does: ``${VAR}`` is one word, a lone ``$VAR`` word is split
    on whitespace, ``%i`` is the instance and ``%S`` the state directory root."""
    specifiers = {"%i": instance, "%S": "/var/lib", "%%": "%"}
    argv: list[str] = []
    for raw in shlex.split(command):
        word = re.sub(r"%[iS%]", lambda m: specifiers[m.group(0)], raw)
        lone = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if lone:
            argv.extend(env.get(lone.group(1), "").split())
            continue
        argv.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env[m.group(1)], word))
    return argv


def test_unit_and_example_environment_give_a_valid_command_line() -> None:
    service = _service_section(UNIT)
    assert service["EnvironmentFile"] == "/etc/psen_processing/%i.env"
    assert service["Restart"] == "on-failure"
    # sd_notify: READY, WATCHDOG (from threads of the main process), a watchdog that outlasts
    # the supervisor's restarts (a few seconds, see RestartPolicy) but catches a stuck loop
    assert service["Type"] == "notify" and service["NotifyAccess"] == "main"
    assert 10 <= int(service["WatchdogSec"]) <= 120
    assert service["DynamicUser"] == "yes" and service["StateDirectory"] == "psen_processing"
    env = _environment_file(ENV_EXAMPLE)
    argv = _exec_start_argv(service["ExecStart"], env, "SLAAR21-LCAM-C561")
    assert argv[0].endswith("/psen_processing")
    args = parse_args(argv[1:])  # the real parser: exits (fails the test) on a bad argument
    assert args.input_stream == env["PSEN_INPUT_STREAM"]
    assert args.prefix == env["PSEN_PREFIX"] == "SLAAR21-LCAM-C561"
    assert args.output_stream_port == int(env["PSEN_OUTPUT_PORT"])
    assert args.rest_api_port == int(env["PSEN_REST_PORT"])
    assert args.image_output_port == 8889
    assert args.auto_start
    assert str(args.settings_file) == "/var/lib/psen_processing/SLAAR21-LCAM-C561.json"
    # without the optional PSEN_OPTIONS the command line is still complete
    bare = {k: v for k, v in env.items() if k != "PSEN_OPTIONS"}
    assert parse_args(_exec_start_argv(service["ExecStart"], bare, "cam")[1:]).prefix


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """``systemd-analyze verify`` on an instance of the template, with the installed command
    standing in for /opt/psen_processing/bin/psen_processing (which must exist to verify)."""
    command = Path(sys.executable).with_name("psen_processing")
    assert command.exists()
    text = UNIT.read_text().replace("/opt/psen_processing/bin/psen_processing", str(command))
    instance = tmp_path / "psen_processing@test.service"
    instance.write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(instance)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    assert done.returncode == 0, done.stderr
    assert "psen_processing@test.service" not in done.stderr, done.stderr  # no warnings


def test_dockerfile_installs_from_the_source_tree() -> None:
    lines = [
        line.strip()
        for line in re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text()).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    instructions = [(line.split()[0], line.split(maxsplit=1)[1]) for line in lines]
    assert instructions[0] == ("FROM", "python:3.11-slim")
    assert ("RUN", "pip install . && rm -rf /build") in instructions
    copied = [arg.split()[:-1] for kind, arg in instructions if kind == "COPY"]
    for sources in copied:
        for source in sources:
            assert (ROOT / source).exists(), source
    users = [arg for kind, arg in instructions if kind == "USER"]
    assert users and users[-1] not in ("root", "0")
    exposed = {int(p) for kind, arg in instructions if kind == "EXPOSE" for p in arg.split()}
    defaults = parse_args(["--simulate"])
    assert {defaults.output_stream_port, defaults.rest_api_port} <= exposed
    assert ("ENTRYPOINT", '["psen_processing_entrypoint"]') in instructions  # tests/compat
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored and "!src/" in ignored  # nothing but what the build needs


def test_non_editable_install_carries_the_live_page(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for name in ("pyproject.toml", "README.md"):
        tree.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, tree / name)
    shutil.copytree(
        ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), "."],
        cwd=tree,
        check=True,
        timeout=300,
        capture_output=True,
    )
    probe = (
        "import psen_processing, sys\n"
        "from psen_processing.api.live_routes import web_directory\n"
        f"assert psen_processing.__file__.startswith({str(target)!r}), psen_processing.__file__\n"
        "print(sorted(p.name for p in web_directory().iterdir()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(target)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == (
        "['calibration.css', 'calibration.js', 'index.html', 'live.css', 'live.js']"
    )
