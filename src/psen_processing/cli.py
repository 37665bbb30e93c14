"""The ``psen_processing`` command.

``psen_processing INPUT_STREAM PREFIX`` runs the service as the seed README documents it; the
options of every released 1.x version are accepted (``-o/--output_stream_port``, 1.2.x's
``--data_output_stream_port`` and ``-i/--image_output_stream_port``). ``psen_processing
--simulate`` runs against the built-in simulated camera, sets example ROIs if none are saved,
starts processing and prints what it computes, so that it can be seen working.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from . import demo
from .api.app import build_app
from .api.guards import MAX_LISTED, HttpGuards, parse_host, parse_origin
from .api.server import ServerThread
from .cli_options import DefaultsHelpFormatter, bounded
from .client import TOKEN_ENVIRONMENT_VARIABLE
from .core.channels import ChannelNames
from .core.limits import MAX_PORT
from .errors import InvalidOption, PsenError
from .log_limit import flush_repeat_limit, install_repeat_limit
from .service import HEALTH_TIMEOUT_RANGE_S, HEALTH_TIMEOUT_S, PsenService
from .settings_file import SettingsStore, default_settings_path
from .sim.camera import (
    CameraConfig,
    CameraSender,
    SimulatedCamera,
    add_scan_options,
    scan_options,
)
from .sim.frame_ring import MAX_RATE_HZ, MAX_SIDE, MIN_WIDTH
from .sim.monitor import OutputMonitor
from .stream.worker import StreamConfig
from .systemd_notify import SystemdNotifier

__all__ = ["EXIT_PROCESSING_FAILED", "live_page_address", "main", "parse_args"]

log = logging.getLogger("psen_processing")

MAX_DURATION_S = 366 * 24 * 3600.0
"""--duration at most (a year); without it the command runs until interrupted."""

GIL_SWITCH_INTERVAL_S = 0.0005
"""How long another thread may hold the interpreter while the processing loop waits for it."""

EXIT_PROCESSING_FAILED = 3
"""Exit code when processing died and could not be restarted (2: bad arguments, or the service
could not start); systemd's Restart=on-failure starts the command again."""

_STREAM = re.compile(r"^tcp://(?P<host>[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})$")


def _input_stream(value: str) -> str:
    match = _STREAM.match(value)
    if match is None or not 0 < int(match["port"]) <= MAX_PORT:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a stream address; expected tcp://HOST:PORT, e.g. tcp://sf-cam:9000"
        )
    return value


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (0-{MAX_PORT})")
    return int(value)


def _health_timeout(value: str) -> float:
    low, high = HEALTH_TIMEOUT_RANGE_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not low <= seconds <= high:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds ({low:g}-{high:g})")
    return seconds


def _listed(parse: Callable[[str], str]) -> Callable[[str], list[str]]:
    """An option value that is a comma-separated list, each item checked by ``parse``."""

    def convert(value: str) -> list[str]:
        try:
            return [parse(item) for item in value.split(",") if item.strip()]
        except InvalidOption as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    return convert


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="psen_processing",
        description="PSEN camera stream processing: ROI X profiles added to a bsread stream. "
        "--simulate runs it against the built-in simulated camera instead of INPUT_STREAM.",
        formatter_class=DefaultsHelpFormatter,
    )
    parser.add_argument(
        "input_stream", nargs="?", type=_input_stream, metavar="INPUT_STREAM",
        help="input bsread stream to connect to, tcp://HOST:PORT",
    )  # fmt: skip
    parser.add_argument("prefix_positional", nargs="?", metavar="PREFIX", help="camera prefix")
    parser.add_argument(
        "--input_stream", dest="input_stream_option", type=_input_stream,
        metavar="INPUT_STREAM", help=argparse.SUPPRESS,  # 1.0's spelling of INPUT_STREAM
    )  # fmt: skip
    parser.add_argument(
        "-p", "--prefix",
        help="camera prefix; the image is PREFIX:FPICTURE (default: the PREFIX argument; with "
        f"--simulate {CameraConfig().prefix})",
    )  # fmt: skip
    parser.add_argument(
        "--simulate", action="store_true",
        help="run against the built-in simulated camera (no INPUT_STREAM): example ROIs, "
        "processing started, what it computes printed every 2 s",
    )  # fmt: skip
    parser.add_argument(
        "-o", "--output_stream_port", type=_port, default=None, metavar="PORT",
        help="output stream port (PUSH, bound; default 8888; 0: one the system picks, printed "
        "when processing starts)",
    )  # fmt: skip
    parser.add_argument(
        "--data_output_stream_port", type=_port, metavar="PORT",
        help="1.2.x's name of --output_stream_port (default: -o's)",
    )  # fmt: skip
    parser.add_argument(
        "-r", "--rest_api_port", type=_port, default=11000, metavar="PORT",
        help="port of the REST API and the live page (0: one the system picks, printed at start)",
    )  # fmt: skip
    parser.add_argument(
        "--rest_api_interface", default="0.0.0.0",
        help="address the REST API listens on (127.0.0.1: this host only)",
    )  # fmt: skip
    parser.add_argument(
        "--api_token", default=None,
        help="require 'Authorization: Bearer TOKEN' on every request that changes something "
        f"(default: ${TOKEN_ENVIRONMENT_VARIABLE}, which keeps it out of the process list; "
        "unset: no token needed)",
    )  # fmt: skip
    parser.add_argument(
        "--allowed_origins", action="append", type=_listed(parse_origin), default=[],
        metavar="ORIGIN[,ORIGIN...]",
        help="origins (scheme://host[:port]) whose web pages may call the API (CORS); may be "
        "repeated (default: none, only the service's own live page)",
    )  # fmt: skip
    parser.add_argument(
        "--allowed_hosts", action="append", type=_listed(parse_host), default=[],
        metavar="HOST[,HOST...]",
        help="answer only requests whose Host header names one of these (default: none, any "
        "host is answered; the live page writes only from an IP address, localhost or this "
        "machine's name)",
    )  # fmt: skip
    parser.add_argument(
        "--output_stream_interface", default="*", metavar="ADDRESS",
        help="interface the output stream is bound on (*: all)",
    )  # fmt: skip
    parser.add_argument(
        "--image_output_port", type=_port, metavar="PORT",
        help="also publish the image alone (PUB: connect SUB) on this port for viewers; never "
        "waits for them (default: off)",
    )  # fmt: skip
    parser.add_argument(
        "-i", "--image_output_stream_port", type=_port, metavar="PORT",
        help="the image alone on this port as 1.2.x sent it (PUSH: connect PULL, psi-bsread's "
        "default); an image no consumer is ready for is dropped and counted (default: off)",
    )  # fmt: skip
    parser.add_argument(
        "--log_level", default="INFO",
        choices=["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"], help="what is logged",
    )  # fmt: skip
    parser.add_argument("--auto_start", action="store_true", help="start processing at once")
    parser.add_argument(
        "--health_timeout", type=_health_timeout, default=HEALTH_TIMEOUT_S, metavar="SECONDS",
        help="GET /health answers 503 when no input frame arrived for this long while "
        f"processing, also right after a start (default {HEALTH_TIMEOUT_S:g}, "
        f"{HEALTH_TIMEOUT_RANGE_S[0]:g}-{HEALTH_TIMEOUT_RANGE_S[1]:g})",
    )  # fmt: skip
    parser.add_argument(
        "--input_mode", choices=["pull", "sub"], default="pull",
        help="the input socket connected to INPUT_STREAM: pull (a camera that pushes) or sub "
        "(a camera that publishes)",
    )  # fmt: skip
    parser.add_argument(
        "--output_mode", choices=["block", "drop"], default="block",
        help="when the output consumer is not ready: block (wait, lose nothing) or drop "
        "(count and drop the frame)",
    )  # fmt: skip
    parser.add_argument(
        "--settings_file", type=Path,
        help="where ROIs are saved (default ~/.config/psen_processing/PREFIX.json)",
    )  # fmt: skip
    parser.add_argument(
        "--duration", type=bounded(float, 0.0, MAX_DURATION_S, low_open=True), metavar="SECONDS",
        help=f"stop after this many seconds, at most {MAX_DURATION_S:g} (default: run until "
        "interrupted)",
    )  # fmt: skip
    sim = parser.add_argument_group("simulated camera (with --simulate)")
    sim.add_argument(
        "--sim_rate", type=bounded(float, 0.0, MAX_RATE_HZ, low_open=True), default=25.0,
        metavar="HZ", help=f"frames per second (above 0, at most {MAX_RATE_HZ:g})",
    )  # fmt: skip
    sim.add_argument(
        "--sim_width", type=bounded(int, MIN_WIDTH, MAX_SIDE), default=1024, metavar="PX",
        help=f"image width ({MIN_WIDTH}-{MAX_SIDE})",
    )  # fmt: skip
    sim.add_argument(
        "--sim_height", type=bounded(int, 1, MAX_SIDE), default=256, metavar="PX",
        help=f"image height (1-{MAX_SIDE})",
    )  # fmt: skip
    add_scan_options(sim, "--sim_")
    return parser


def _one_of(parser: argparse.ArgumentParser, what: str, given: dict[str, object]) -> object | None:
    """The value given under one or more spellings of an option; two different ones are an
    error."""
    values = {name: value for name, value in given.items() if value is not None}
    if len(set(values.values())) > 1:
        parser.error(
            f"two different {what} given: "
            + " and ".join(f"{name} {value}" for name, value in values.items())
        )
    return next(iter(values.values()), None)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.api_token is None:  # read here, so that --help never shows the token
        args.api_token = os.environ.get(TOKEN_ENVIRONMENT_VARIABLE) or None
    args.prefix = _one_of(
        parser, "prefixes", {"PREFIX": args.prefix_positional, "--prefix": args.prefix}
    )
    args.input_stream = _one_of(
        parser,
        "input streams",
        {"INPUT_STREAM": args.input_stream, "--input_stream": args.input_stream_option},
    )
    port = _one_of(
        parser,
        "output stream ports",
        {"-o/--output_stream_port": args.output_stream_port,
         "--data_output_stream_port": args.data_output_stream_port},
    )  # fmt: skip
    args.output_stream_port = 8888 if port is None else port
    if args.image_output_port is not None and args.image_output_stream_port is not None:
        parser.error(
            "--image_output_port (PUB, for viewers) and -i/--image_output_stream_port (PUSH, "
            "as 1.2.x) are two kinds of image stream: give one of them"
        )
    args.image_output_mode = "pub" if args.image_output_stream_port is None else "push"
    if args.image_output_stream_port is not None:
        args.image_output_port = args.image_output_stream_port
    for name in ("allowed_origins", "allowed_hosts"):
        values = list(dict.fromkeys(item for items in getattr(args, name) for item in items))
        if len(values) > MAX_LISTED:
            parser.error(f"--{name}: at most {MAX_LISTED} entries, not {len(values)}")
        setattr(args, name, values)
    if args.simulate:
        if args.input_stream is not None or args.prefix_positional:
            parser.error("--simulate runs the built-in simulated camera: give no INPUT_STREAM")
        if args.sim_delay_scan:
            try:
                SimulatedCamera(CameraConfig(width=args.sim_width, **scan_options(args, "sim_")))
            except (InvalidOption, ValueError) as exc:
                parser.error(f"--sim_delay_scan: {exc}")
    elif args.sim_delay_scan:
        parser.error("--sim_delay_scan runs a delay scan on the simulated camera: add --simulate")
    elif args.input_stream is None:
        parser.error(
            "INPUT_STREAM and PREFIX are required, e.g. psen_processing tcp://sf-cam:9000 "
            "SLAAR21-LCAM-C561 (or --simulate to run against the built-in simulated camera)"
        )
    elif not args.prefix:
        parser.error("PREFIX is required with INPUT_STREAM (positional or --prefix)")
    image_port = args.image_output_port
    if image_port not in (None, 0) and image_port == args.output_stream_port:
        parser.error("the image output port must differ from the output stream port")
    return args


def live_page_address(interface: str, port: int) -> str:
    """The address to open the live page at, from this machine."""
    host = "localhost" if interface in ("0.0.0.0", "::", "") else interface
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


MAX_OPEN_FILES = 65536
"""The soft limit of open files is raised to the hard limit, up to this."""


def _raise_open_file_limit() -> None:
    """More descriptors to spare for the streams' reconnections (REST's share is bounded)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = MAX_OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, MAX_OPEN_FILES)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        log.debug("open file limit raised from %d to %d", soft, wanted)


def _port_text(port: int | None) -> str:
    """A bound port, or for port 0 before the first start what it will be."""
    return "(0: chosen by the system at the first start)" if port is None else str(port)


def _wait(stop: threading.Event, duration: float | None, report: float, emit: object) -> None:
    deadline = None if duration is None else time.monotonic() + duration
    while not stop.is_set():
        timeout = report if deadline is None else min(report, max(0.0, deadline - time.monotonic()))
        if stop.wait(timeout):
            break
        if callable(emit):
            emit()
        if deadline is not None and time.monotonic() >= deadline:
            break


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    install_repeat_limit(logging.getLogger())  # a flood of one message: a few, then a count
    _raise_open_file_limit()
    # The REST thread (live page, statistics) shares the interpreter with the processing loop:
    # a waiting loop gets the interpreter back within this interval (Python's default is 5 ms).
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    simulate = bool(args.simulate)
    sender: CameraSender | None = None
    camera: SimulatedCamera | None = None
    monitor: OutputMonitor | None = None
    prefix = args.prefix or CameraConfig().prefix
    input_stream = args.input_stream
    if simulate:
        camera = SimulatedCamera(
            CameraConfig(
                prefix=prefix,
                width=args.sim_width,
                height=args.sim_height,
                rate_hz=args.sim_rate,
                **scan_options(args, "sim_"),
            )
        )
        sender = CameraSender(camera, "tcp://127.0.0.1:0")
        input_stream = f"tcp://127.0.0.1:{sender.port}"
        sender.start()
    config = StreamConfig(
        input_stream=input_stream,
        prefix=prefix,
        output_port=args.output_stream_port,
        output_interface=args.output_stream_interface,
        input_mode=args.input_mode,
        output_mode=args.output_mode,
        image_output_port=args.image_output_port,
        image_output_mode=args.image_output_mode,
    )
    store = SettingsStore(args.settings_file or default_settings_path(prefix))
    notifier = SystemdNotifier.from_environment(os.environ)
    stop = threading.Event()
    failure: list[str] = []

    def on_fatal(message: str) -> None:  # from the supervisor: main shuts down and exits 3
        failure.append(message)
        notifier.status(f"processing failed: {message}")
        stop.set()

    watchdog = notifier.watchdog_interval_s
    ready = threading.Event()

    def feed_watchdog() -> None:  # from the processing loop; READY=1 always comes first
        if ready.is_set():
            notifier.watchdog()

    guards = HttpGuards(tuple(args.allowed_origins), tuple(args.allowed_hosts))
    service = PsenService(
        config,
        store,
        on_fatal=on_fatal,
        heartbeat=feed_watchdog if watchdog is not None else None,
        heartbeat_interval_s=0.5 if watchdog is None else max(0.01, min(0.5, watchdog / 2)),
        health_timeout_s=args.health_timeout,
    )
    server = ServerThread(
        build_app(service, api_token=args.api_token, guards=guards),
        args.rest_api_interface,
        args.rest_api_port,
    )

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: shutting down", signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    page = live_page_address(args.rest_api_interface, args.rest_api_port)
    try:
        server.start()
        rest_port = server.bound_port  # the one the system picked for -r 0
        page = live_page_address(args.rest_api_interface, rest_port)
        demo_lines = (
            demo.set_up(service, args.sim_width, args.sim_height, store.path) if simulate else []
        )
        if args.auto_start or simulate:
            service.start()  # binds the output ports: those the system picked for 0 are known
        output_port = _port_text(service.output_port)
        log.info(
            "REST API and live view on %s (interface %s), input %s, output tcp://%s:%s%s, "
            "settings %s",
            page, args.rest_api_interface, input_stream, args.output_stream_interface,
            output_port,
            "" if args.image_output_port is None
            else f", images tcp://{args.output_stream_interface}:"
            f"{_port_text(service.image_output_port)}",
            store.path,
        )  # fmt: skip
        notifier.ready(
            f"{service.status}: input {input_stream}, output port {output_port}, REST API {page}"
        )
        ready.set()
        if camera is not None and sender is not None:
            output = f"tcp://127.0.0.1:{service.output_port}"
            viewer = OutputMonitor(output, ChannelNames(prefix), camera.config.truth_channel)
            monitor = viewer
            viewer.start()
            run = demo.DemoRun(time.monotonic(), str(store.path))
            camera_sender = sender
            print(
                f"psen_processing: simulated camera {camera.config.image_channel} "
                f"({args.sim_width}x{args.sim_height}) at {args.sim_rate:g} Hz -> output stream "
                f"{output}, REST API http://127.0.0.1:{rest_port}/ (Ctrl-C to stop)\n"
                f"psen_processing: live view: open {page} in a browser"
                + (
                    f"\npsen_processing: delay scan of {camera.config.scan_steps} steps on "
                    f"{camera.config.delay_channel} (ps): calibrate with POST /calibration/start "
                    f'{{"delay_channel": "{camera.config.delay_channel}", "unit": "ps"}}'
                    if camera.config.scan_steps
                    else ""
                ),
                *(f"psen_processing: {line}" for line in demo_lines),
                sep="\n",
                flush=True,
            )
            _wait(
                stop,
                args.duration,
                2.0,
                lambda: print(demo.report(service, camera_sender, viewer), flush=True),
            )
            print(f"psen_processing: {run.summary(service, camera_sender, viewer)}", flush=True)
        else:
            _wait(stop, args.duration, 10.0, lambda: log.info("%s", demo.service_line(service)))
        if failure:
            print(f"psen_processing: error: {failure[0]}", file=sys.stderr)
            return EXIT_PROCESSING_FAILED
    except PsenError as exc:
        print(f"psen_processing: error: {exc}", file=sys.stderr)
        return 2
    finally:
        notifier.stopping()
        if monitor is not None:
            monitor.stop()
        service.close()
        server.stop()
        if sender is not None:
            sender.stop()
        notifier.close()
        flush_repeat_limit(logging.getLogger())
    return 0


if __name__ == "__main__":
    sys.exit(main())
