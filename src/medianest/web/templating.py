"""Jinja2 environment for pages. Autoescape is on: every title from outside is escaped."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from medianest import __version__
from medianest.web.devices import device_name
from medianest.web.timefmt import when

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"
VENDOR_FILES = ("htmx.min.js", "sse.min.js")


@lru_cache(maxsize=256)
def _fingerprint(path: str) -> str:
    file = STATIC_DIR / path
    try:
        return hashlib.sha256(file.read_bytes()).hexdigest()[:10]
    except OSError:
        return __version__


def static_url(path: str) -> str:
    """Cache-busting URL of a static file (content hash in the query)."""
    return f"/static/{path}?v={_fingerprint(path)}"


def missing_vendor_files() -> list[str]:
    return [name for name in VENDOR_FILES if not (STATIC_DIR / "vendor" / name).exists()]


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request, template, context, status_code=status_code
    )
    return response


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    # Templates ship with the code: checking every template file's mtime on each render (Jinja's
    # default) is wasted work; `serve --reload` turns it back on for template edits.
    templates.env.auto_reload = False
    templates.env.globals.update(
        static_url=static_url, app_version=__version__, when=when, device_name=device_name
    )
    return templates
