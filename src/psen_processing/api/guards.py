"""What a web page of another site can make a browser do to the service: nothing.

Rules, checked before any route (and before the API token), on every request:

- **Host** (``allowed_hosts``, when given): a request whose ``Host`` header names another host
  is answered ``400``. Without the list any Host is served, so scripts reach the service by
  whatever name or address they use.
- **Writes** (every method but GET, HEAD and OPTIONS):

  - an ``Origin`` header, which browsers send with every such request, must be one of
    ``allowed_origins`` or the service's own origin: the ``Host`` the request was sent to, when
    that host is known as this service's (an IP address, ``localhost``, this machine's name, or
    one of ``allowed_hosts`` when given). A page on a name that only resolves to the service
    (DNS rebinding) is therefore not the service's origin. Otherwise ``403``.
  - without ``Origin``, ``Sec-Fetch-Site: cross-site`` or ``same-site`` is refused (``403``).
  - a request with a body must declare it ``Content-Type: application/json`` (``415``): no form
    or ``text/plain`` request, the kinds a page can send anywhere, gets through. Bodiless
    requests (``POST /start`` of older clients) need no Content-Type.

- **CORS**: reads (GET, HEAD) are open to pages of every origin, as in psen_processing 1.x:
  their answers carry ``Access-Control-Allow-Origin: *`` and their preflight is answered.
  ``allowed_origins`` may also write: their preflight for any method is answered and every
  answer to them names their origin; a preflight for a write from any other origin is refused
  (``403``) and answers to its writes carry no CORS header.
- **Framing**: every response says ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'``.

The decision (:meth:`HttpGuards.decide`) is a pure function of the method and headers;
:class:`GuardMiddleware` applies it to the ASGI app.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import InvalidOption

__all__ = [
    "ANY_ORIGIN",
    "MAX_LISTED",
    "READ_METHODS",
    "SAFE_METHODS",
    "Decision",
    "GuardMiddleware",
    "HttpGuards",
    "machine_names",
    "parse_host",
    "parse_origin",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing: a page of any site may send them."""

READ_METHODS = frozenset({"GET", "HEAD"})
"""Methods whose answers pages of every origin may read (``Access-Control-Allow-Origin: *``)."""

ANY_ORIGIN = "*"

PREFLIGHT_HEADERS = "Accept, Authorization, Content-Type, Origin, X-CSRF-Token, X-Requested-With"
"""Request headers a page may send (1.x's list and the API token's header)."""

MAX_LISTED = 64
"""At most this many allowed origins, and as many allowed hosts."""

SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
)

_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_NAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_host(value: str) -> str:
    """A host name or IP address as the guards compare it (lower case, IPv6 without brackets)."""
    text = value.strip().lower()
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    if len(text) > 253 or not _NAME.match(text):
        raise InvalidOption(
            f"{value!r} is not a host name or IP address (e.g. psen.example or 10.0.0.5; "
            "no scheme, port or wildcard)"
        )
    return text


def parse_origin(value: str) -> str:
    """An origin as browsers write it in the ``Origin`` header: ``scheme://host[:port]``."""
    text = value.strip()
    text = text[:-1] if text.endswith("/") else text
    example = "expected scheme://host[:port], e.g. http://console.example:8080"
    parts = urlsplit(text)
    if not parts.scheme or not parts.netloc or "://" not in text:
        raise InvalidOption(f"{value!r} is not an origin: {example}")
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidOption(f"{value!r}: an origin's scheme is http or https")
    if parts.path or parts.query or parts.fragment or "@" in parts.netloc:
        raise InvalidOption(f"{value!r}: an origin has no path, query or user name; {example}")
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidOption(f"{value!r}: bad port ({exc})") from exc
    host = parse_host(parts.hostname or "")
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def machine_names() -> tuple[str, ...]:
    """``localhost`` and this machine's host names (short and fully qualified)."""
    names = {"localhost"}
    for name in (socket.gethostname(), socket.getfqdn()):
        try:
            names.add(parse_host(name))
        except InvalidOption:
            continue
    return tuple(sorted(names))


def _host_of(header: str) -> str:
    """The host part of a ``Host`` header (``name``, ``name:port``, ``[v6]:port``)."""
    text = header.strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    name, colon, port = text.rpartition(":")
    host = name if colon and port.isdigit() else text
    return host[:-1] if host.endswith(".") else host


def _media_type(content_type: str | None) -> str:
    return (content_type or "").partition(";")[0].strip().lower()


def _has_body(headers: Mapping[str, str]) -> bool:
    return "transfer-encoding" in headers or headers.get("content-length", "0").strip() != "0"


@dataclass(frozen=True)
class Decision:
    """What to do with one request."""

    refuse: tuple[int, str] | None = None
    """Status and message of the answer instead of the app's, if refused."""
    preflight: str | None = None
    """Answer a CORS preflight for ``cors_origin`` (and nothing else), allowing these methods."""
    cors_origin: str | None = None
    """``Access-Control-Allow-Origin`` of the answer: an allowed origin, or ``*`` for a read."""


@dataclass(frozen=True)
class HttpGuards:
    """The rules of this module (see its description), with their lists."""

    allowed_origins: tuple[str, ...] = ()
    """Origins (``scheme://host[:port]``) whose pages may call the API (CORS)."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names the service answers to; empty: any."""
    own_names: tuple[str, ...] = field(default_factory=machine_names)
    """Names that count as this service's own when ``allowed_hosts`` is empty (IP addresses
    always do)."""

    def __post_init__(self) -> None:
        for name, values in (("allowed_origins", self.allowed_origins),
                             ("allowed_hosts", self.allowed_hosts)):  # fmt: skip
            if len(values) > MAX_LISTED:
                raise InvalidOption(f"at most {MAX_LISTED} {name}, not {len(values)}")
        origins = tuple(dict.fromkeys(parse_origin(o) for o in self.allowed_origins))
        object.__setattr__(self, "allowed_origins", origins)
        hosts = tuple(dict.fromkeys(parse_host(h) for h in self.allowed_hosts))
        object.__setattr__(self, "allowed_hosts", hosts)
        object.__setattr__(self, "own_names", tuple(parse_host(n) for n in self.own_names))

    def known_host(self, host: str) -> bool:
        """Whether ``host`` (from a Host header) is a name of this service."""
        if self.allowed_hosts:
            return host in self.allowed_hosts
        if host in self.own_names:
            return True
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True

    def decide(self, method: str, headers: Mapping[str, str]) -> Decision:
        """The decision for a request (``headers`` with lower-case names)."""
        host_header = headers.get("host", "")
        host = _host_of(host_header)
        if self.allowed_hosts and host not in self.allowed_hosts:
            return Decision(
                refuse=(
                    400,
                    f"Host {host_header!r} is not served here: this service answers to "
                    f"{', '.join(self.allowed_hosts)} (--allowed_hosts)",
                )
            )
        origin = headers.get("origin")
        cors = origin if origin is not None and origin.lower() in self.allowed_origins else None
        if (
            method == "OPTIONS"
            and origin is not None
            and "access-control-request-method" in headers
        ):
            if cors is not None:
                return Decision(preflight="GET, HEAD, POST", cors_origin=cors)
            wanted = headers["access-control-request-method"].strip().upper()
            if wanted in READ_METHODS:  # a read: open to every origin, as in 1.x
                return Decision(preflight="GET, HEAD", cors_origin=ANY_ORIGIN)
            return Decision(refuse=(403, self._foreign(origin)))
        if method in READ_METHODS:
            return Decision(cors_origin=cors or ANY_ORIGIN)
        if method not in SAFE_METHODS:
            problem = None if origin is None or cors else self._origin_problem(origin, host_header)
            if problem is not None:
                return Decision(refuse=(403, problem))
            site = headers.get("sec-fetch-site")
            if origin is None and site in ("cross-site", "same-site"):
                return Decision(
                    refuse=(
                        403,
                        f"write refused: the browser sent it from another site "
                        f"(Sec-Fetch-Site: {site}); to call the API from a page there, start "
                        "the service with --allowed_origins ORIGIN",
                    )
                )
            content_type = headers.get("content-type")
            # a declared type other than JSON is refused even without a body: a form posted
            # from another site, body empty, carries no Origin in some browsers and contexts
            declared = content_type is not None and content_type.strip() != ""
            if (declared or _has_body(headers)) and _media_type(content_type) != "application/json":
                got = repr(content_type) if content_type else "none"
                return Decision(
                    refuse=(
                        415,
                        "a request that changes something must send its body, if any, as JSON "
                        "with 'Content-Type: application/json' and declare no other type "
                        f"(Content-Type given: {got})",
                    ),
                    cors_origin=cors,
                )
        return Decision(cors_origin=cors)

    def _origin_problem(self, origin: str, host_header: str) -> str | None:
        """Why a write from a page at ``origin`` is refused; None for the service's own page."""
        scheme, _, authority = origin.lower().partition("://")
        if scheme in _DEFAULT_PORTS and authority == host_header.strip().lower():
            host = _host_of(host_header)
            if self.known_host(host):
                return None
            return (
                f"write refused: the page at {origin} names a host this service does not know "
                "as its own (a name that only resolves to it?); open the page by IP address, "
                f"localhost or this machine's name, or start the service with --allowed_hosts "
                f"{host}"
            )
        return self._foreign(origin)

    @staticmethod
    def _foreign(origin: str) -> str:
        return (
            f"cross-origin request refused: Origin {origin} is not this service's own origin; "
            f"to call the API from a page at {origin}, start the service with "
            f"--allowed_origins {origin}"
        )


class GuardMiddleware:
    """Applies :class:`HttpGuards` to an ASGI app, and adds the security headers everywhere."""

    def __init__(self, app: ASGIApp, guards: HttpGuards) -> None:
        self.app, self.guards = app, guards

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        decision = self.guards.decide(scope["method"], Headers(scope=scope))
        cors, vary = decision.cors_origin, bool(self.guards.allowed_origins)

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.append(name.decode(), value.decode())
                if cors is not None:
                    headers["Access-Control-Allow-Origin"] = cors
                if vary:
                    headers.add_vary_header("Origin")
            await send(message)

        answer: Response | None = None
        if decision.refuse is not None:
            status, text = decision.refuse
            answer = JSONResponse({"state": "error", "status": text}, status_code=status)
        elif decision.preflight is not None:
            answer = Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Methods": decision.preflight,
                    "Access-Control-Allow-Headers": PREFLIGHT_HEADERS,
                    "Access-Control-Max-Age": "600",
                },
            )
        if answer is None:
            await self.app(scope, receive, send_guarded)
        else:
            await answer(scope, receive, send_guarded)
