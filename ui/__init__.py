"""Valbar's server-rendered web UI: Jinja2 pages + HTMX, no JS build step.

``valbar.app.create_app()`` includes :data:`ui.routes.router` and mounts :data:`static_dir`
at ``/static``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
static_dir = PACKAGE_DIR / "static"
templates_dir = PACKAGE_DIR / "templates"

__all__ = ["static_dir", "templates_dir"]
