"""The interactive API docs: Swagger UI at ``/docs``, ReDoc at ``/redoc``, both reading
``/openapi.json``, their scripts and styles served from an installed package (no CDN).

The assets come from the ``fastapi-offline`` package (MIT), which ships Swagger UI 5's
``swagger-ui-bundle.js`` and ``swagger-ui.css`` and ReDoc 2's ``redoc.standalone.js``: Swagger UI
5 reads OpenAPI 3.1, the version FastAPI writes (Swagger UI 4, as the ``swagger-ui-bundle``
package ships it, does not). Only its files are used, from ``/docs/assets/``.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS_URL", "asset_directory", "install_docs"]

ASSETS_URL = "/docs/assets"
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")


def asset_directory() -> Path:
    """Where the installed ``fastapi-offline`` package keeps the docs' files."""
    directory = Path(fastapi_offline.__file__).parent / "static"
    missing = [name for name in ASSETS if not (directory / name).is_file()]
    if missing:
        raise RuntimeError(f"the fastapi-offline package lacks {missing} in {directory}")
    return directory


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
    redoc = get_redoc_html(
        openapi_url=openapi_url,
        title=f"{title}: API reference",
        redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    ).body

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(swagger, headers={"Cache-Control": "no-cache"})

    @app.get("/redoc", include_in_schema=False)
    def redoc_page() -> HTMLResponse:
        return HTMLResponse(redoc, headers={"Cache-Control": "no-cache"})

    app.mount(ASSETS_URL, StaticFiles(directory=directory), name="docs-assets")
