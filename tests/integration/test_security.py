"""Security: the API token on writes, binding to loopback, no request loading code or files."""

from __future__ import annotations

import ast
import json
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

import psen_processing
from psen_processing import PsenProcessingClient
from psen_processing.cli import parse_args

from ..conftest import (
    Running,
    ServiceProcess,
    Source,
    command_line,
    wait_for_rest,
)

TOKEN = "s3cret-token-0123456789"


def _write_operations(url: str) -> list[str]:
    """Every path with a POST operation in the service's own OpenAPI description."""
    spec = requests.get(f"{url}/openapi.json", timeout=5).json()
    return sorted(path for path, operations in spec["paths"].items() if "post" in operations)


_BODIES: dict[str, object] = {
    "/roi_signal": [0, 1, 0, 1],
    "/roi_background": [0, 1, 0, 1],
    "/edge_detection": {"enabled": True},
}


def _state(url: str) -> tuple[object, ...]:
    return tuple(
        requests.get(f"{url}/{name}", timeout=5).json()[name]
        for name in ("status", "roi_signal", "roi_background", "edge_detection")
    )


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer wrong",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        "Bearer ",
        TOKEN,
        f"Bearer{TOKEN}",
    ],
)
def test_every_write_needs_the_token_and_a_refused_one_changes_nothing(
    make_service: Callable[..., Running], source: Source, authorization: str | None
) -> None:
    run = make_service(source.address, api_token=TOKEN)
    paths = _write_operations(run.url)
    assert {"/start", "/stop", "/roi_signal", "/roi_background", "/edge_detection"} <= set(paths)
    before = _state(run.url)
    headers = {} if authorization is None else {"Authorization": authorization}
    for path in [*paths, "/no_such_endpoint"]:
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            answer = requests.request(
                method, f"{run.url}{path}", json=_BODIES.get(path), headers=headers, timeout=5
            )
            assert answer.status_code == 401, (method, path)
            assert answer.headers["WWW-Authenticate"] == "Bearer"
            body = answer.json()
            assert body["state"] == "error" and "token" in body["status"]
    assert _state(run.url) == before
    assert run.service.settings_problem is None and not run.service.statistics.image_shape


def test_with_the_token_writes_work_and_reads_need_none(
    make_service: Callable[..., Running], source: Source
) -> None:
    run = make_service(source.address, api_token=TOKEN)
    assert run.client.set_roi_signal([1, 2, 3, 4]) == [1, 2, 3, 4]
    assert run.client.start() == "processing"
    assert run.client.stop() == "stopped"
    for endpoint in ("status", "statistics", "roi_signal", "roi_background", "edge_detection",
                     "openapi.json"):  # fmt: skip
        assert requests.get(f"{run.url}/{endpoint}", timeout=5).status_code == 200
    with pytest.raises(ValueError, match="API token"):
        PsenProcessingClient(run.url, token="").set_roi_signal(None)
    with pytest.raises(ValueError, match="wrong API token"):
        PsenProcessingClient(run.url, token="not it").set_roi_signal(None)
    assert run.client.get_roi_signal() == [1, 2, 3, 4]


def test_the_client_takes_the_token_from_the_environment(
    make_service: Callable[..., Running], source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_service(source.address, api_token=TOKEN)
    monkeypatch.setenv("PSEN_PROCESSING_API_TOKEN", TOKEN)
    assert PsenProcessingClient(run.url).set_roi_background([]) == []
    with pytest.raises(ValueError, match="wrong API token"):  # an explicit token wins
        PsenProcessingClient(run.url, token="other").set_roi_background(None)


def test_without_a_token_nothing_is_required(running: Running) -> None:
    """Off by default: clients of the original service send no token."""
    answer = requests.post(f"{running.url}/roi_signal", json=[0, 1, 0, 1], timeout=5)
    assert answer.status_code == 200


def test_command_line_token_option_and_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PSEN_PROCESSING_API_TOKEN", raising=False)
    assert parse_args(["tcp://cam:9000", "CAM"]).api_token is None
    assert parse_args(["tcp://cam:9000", "CAM", "--api_token", "abc"]).api_token == "abc"
    monkeypatch.setenv("PSEN_PROCESSING_API_TOKEN", "from-env")
    assert parse_args(["tcp://cam:9000", "CAM"]).api_token == "from-env"


def _listening_addresses(port: int) -> list[str]:
    """Local addresses of the sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, _, hex_port = local.partition(":")
                if int(hex_port, 16) == port and state == "0A":  # LISTEN
                    found.append(address)
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net")
def test_the_command_binds_rest_to_loopback_and_takes_the_token_from_the_environment(
    tmp_path: Path, source: Source
) -> None:
    service = ServiceProcess(
        command_line(source.address, 0, tmp_path / "cam.json"),
        env={**os.environ, "PSEN_PROCESSING_API_TOKEN": TOKEN},
    )
    try:
        rest = int(service.line(r"REST API and live view on http://127\.0\.0\.1:(\d+)/")[1])
        url = f"http://127.0.0.1:{rest}"
        wait_for_rest(rest)
        assert _listening_addresses(rest) == ["0100007F"]  # 127.0.0.1, and nothing else
        assert requests.post(f"{url}/roi_signal", json=None, timeout=5).status_code == 401
        headers = {"Authorization": f"Bearer {TOKEN}"}
        assert requests.post(f"{url}/roi_signal", json=None, headers=headers, timeout=5).ok
    finally:
        service.process.send_signal(signal.SIGTERM)
        service.finish()


# --- nothing loads code, pickles or files -------------------------------------------------

_WATCHED = frozenset({
    "open", "exec", "compile", "import", "pickle.find_class", "marshal.loads", "marshal.load",
    "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
    "ctypes.dlopen", "shutil.copyfile", "os.rename", "os.remove", "os.listdir", "os.scandir",
})  # fmt: skip


class _Recorder:
    """Records audit events (PEP 578) while switched on; hooks cannot be removed, so one for all."""

    events: list[tuple[str, tuple[Any, ...]]] = []  # noqa: RUF012 - one recorder per process
    on = threading.Event()
    installed = False

    @classmethod
    def install(cls) -> None:
        if not cls.installed:
            sys.addaudithook(cls._hook)
            cls.installed = True

    @classmethod
    def _hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if cls.on.is_set() and event in _WATCHED:
            cls.events.append((event, args))


_FILE_EVENTS = frozenset({"open", "os.rename", "os.remove", "os.listdir", "os.scandir"})

_HOSTILE = [
    "../../../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "~/.ssh/id_rsa",
    "settings.json/../../escape.json", "\\\\server\\share\\x", "$(touch pwned)",
    "__import__('os').system('touch pwned')", "!!python/object/apply:os.system ['touch pwned']",
    "cos\nsystem\n(S'touch pwned'\ntR.", "{{7*7}}", "\x00/etc/passwd",
]  # fmt: skip


def _hostile_requests() -> list[tuple[str, str, bytes]]:
    """(method, path, body) putting path-, code- and pickle-like values into every field."""
    pickled = pickle.dumps({"roi": [0, 1, 0, 1]})
    out: list[tuple[str, str, bytes]] = []
    edge_keys = ["enabled", "reference", "reference_length", "calibration", "direction",
                 "filter_length", "filter_width", "fit_fraction", "min_amplitude",
                 "background_subtraction", "reference_threshold", "method", "min_z",
                 "max_depth", "pedestal"]  # fmt: skip
    for value in _HOSTILE:
        text = json.dumps(value).encode()
        for roi in ("/roi_signal", "/roi_background"):
            out += [("POST", roi, text), ("POST", roi, json.dumps([value, 1, 0, 1]).encode()),
                    ("POST", roi, json.dumps({"file": value}).encode())]  # fmt: skip
        for key in edge_keys:
            out.append(("POST", "/edge_detection", json.dumps({key: value}).encode()))
        out += [
            ("POST", "/edge_detection", json.dumps({value: 1}).encode()),
            ("POST", "/edge_detection", json.dumps({"reference": {"mode": value}}).encode()),
            ("POST", "/edge_detection",
             json.dumps({"reference": {"mode": "channel", "channel": value}}).encode()),
            ("POST", "/start", text), ("POST", "/stop", text),
            ("GET", f"/statistics?file={value}", b""), ("GET", f"/{value}", b""),
        ]  # fmt: skip
    for path in ("/roi_signal", "/roi_background", "/edge_detection", "/start"):
        out.append(("POST", path, pickled))
    return out


def test_no_request_loads_code_pickles_or_files_outside_the_settings_directory(
    make_service: Callable[..., Running], source: Source, tmp_path: Path
) -> None:
    settings_dir = tmp_path / "conf"
    run = make_service(source.address, settings_path=settings_dir / "cam.json")
    session = requests.Session()
    session.headers["Content-Type"] = "application/json"  # past the 415 for other types
    requests_ = _hostile_requests()
    for method, path, body in requests_[:40]:  # warm up: lazy imports of the web stack
        session.request(method, run.url + path, data=body, timeout=5)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    cwd_before = sorted(os.listdir("."))
    _Recorder.install()
    _Recorder.events.clear()
    _Recorder.on.set()
    try:
        answers = [
            (method, path, session.request(method, run.url + path, data=body, timeout=5))
            for method, path, body in requests_
        ]
    finally:
        _Recorder.on.clear()
    run.client.stop()
    for method, path, answer in answers:
        assert answer.status_code < 500, (method, path, answer.text)
        if answer.status_code != 200:
            assert answer.json()["state"] == "error", (method, path)
    assert any(event == "os.rename" for event, _ in _Recorder.events), "the hook sees saves"
    inside = settings_dir.resolve()
    outside = []
    for event, args in _Recorder.events:
        named = args[:1] if event == "open" else args[:2]  # open(file, mode, flags)
        paths = [Path(os.fsdecode(a)).resolve() for a in named if isinstance(a, str | bytes)]
        if event in _FILE_EVENTS and all(p == inside or inside in p.parents for p in paths):
            continue  # the settings file, its temporaries and open() of their descriptors
        if event == "open" and args[0] == "/proc/self/maps":
            continue  # threadpoolctl, when processing starts, finds its libraries' thread pools
        outside.append((event, args[:2]))
    assert outside == [], (
        f"requests touched files or loaded code outside the settings dir: {outside}"
    )
    after = sorted(str(p) for p in tmp_path.rglob("*"))
    new = set(after) - set(before)
    assert all(Path(p).parent == settings_dir for p in new), new
    assert sorted(os.listdir(".")) == cwd_before
    assert not list(tmp_path.rglob("pwned")) and not Path("pwned").exists()


_FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "importlib", "dill", "cloudpickle", "yaml"}
_FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}


def test_the_package_has_no_way_to_load_code_or_pickles() -> None:
    """A static audit of the source: no unpickling, eval, exec or dynamic import anywhere."""
    root = Path(psen_processing.__file__).parent
    found = []
    for source in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]}
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                names = {node.func.id} & _FORBIDDEN_CALLS
            else:
                continue
            if names & (_FORBIDDEN_MODULES | _FORBIDDEN_CALLS):
                found.append(f"{source.relative_to(root)}:{node.lineno}: {sorted(names)}")
    assert found == []
    assert len(list(root.rglob("*.py"))) > 10, "the audit must see the package's modules"
