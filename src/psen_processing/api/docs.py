"""The interactive API docs: Swagger UI at ``/docs``, ReDoc at ``/redoc``, both reading
``/openapi.json``, their scripts and styles served from an installed package (no CDN).

The assets come from the ``fastapi-offline`` package (MIT), which ships Swagger UI 5's
``swagger-ui-bundle.js`` and ``swagger-ui.css`` and ReDoc 2's ``redoc.standalone.js``: Swagger UI
5 reads OpenAPI 3.1, the version FastAPI writes (Swagger UI 4, as the ``swagger-ui-bundle``
package ships it, does not). Only its files are used, from ``/docs/assets/``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from ..errors import ServiceError
from .schema import TOKEN_SCHEME

__all__ = [
    "ASSETS_URL",
    "add_token_scheme",
    "asset_directory",
    "content_security_policy",
    "install_docs",
]

ASSETS_URL = "/docs/assets"
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")


def asset_directory() -> Path:
    """Where the installed ``fastapi-offline`` package keeps the docs' files."""
    directory = Path(fastapi_offline.__file__).parent / "static"
    missing = [name for name in ASSETS if not (directory / name).is_file()]
    if missing:
        raise ServiceError(
            f"the API docs' files {missing} are missing from {directory}: reinstall the "
            "fastapi-offline package"
        )
    return directory


_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def content_security_policy(page: bytes) -> str:
    """The policy for a docs page: scripts, styles, images and fonts from the service only (the
    page's inline scripts by their hashes), data only from the service. ReDoc's footer shows
    Redocly's logo from their CDN: the browser is not allowed to fetch it (ReDoc then leaves it
    out)."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "worker-src 'self' blob:; base-uri 'none'; form-action 'none'"
    )


def add_token_scheme(app: FastAPI) -> None:
    """Name the API token in the OpenAPI document's security schemes (the writes refer to it),
    so that the docs page's Authorize button can send it."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes["api_token"] = TOKEN_SCHEME
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def install_docs(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    """Serve ``/docs`` (Swagger UI), ``/redoc`` (ReDoc) and their files under
    :data:`ASSETS_URL`; nothing on the pages is loaded from anywhere else."""
    directory = asset_directory()
    title = f"{app.title} {app.version}"
    swagger = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title}: API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        oauth2_redirect_url=None,
        # no badge that sends the document to the validator's site
        swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": False},
    ).body
    swagger = bytes(swagger)
    redoc = get_redoc_html(
        openapi_url=openapi_url,
        title=f"{title}: API reference",
        redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    ).body
    redoc = bytes(redoc)

    swagger_headers = {
        "Cache-Control": "no-cache",
        "Content-Security-Policy": content_security_policy(swagger),
    }
    redoc_headers = {
        "Cache-Control": "no-cache",
        "Content-Security-Policy": content_security_policy(redoc),
    }

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(swagger, headers=swagger_headers)

    @app.get("/redoc", include_in_schema=False)
    def redoc_page() -> HTMLResponse:
        return HTMLResponse(redoc, headers=redoc_headers)

    app.mount(ASSETS_URL, StaticFiles(directory=directory), name="docs-assets")
