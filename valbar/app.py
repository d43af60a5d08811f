"""The web app Valbar serves: the API (``api.app``) with the server-rendered UI (``ui``).

``valbar serve`` and ``valbar demo`` run :func:`create_app` with uvicorn
(``uvicorn --factory valbar.app:create_app``). The API app is built by ``api.app`` alone;
this module, above both, adds the UI's routes and its static files with plain imports.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import ui
from api.app import create_app as create_api_app
from api.deps import ANONYMOUS_RATE_PER_MINUTE
from api.ratelimit import RateLimiter
from catalog.settings import Settings
from ui.routes import router as ui_router


def create_app(
    settings: Settings | None = None,
    *,
    rate_limiter: RateLimiter | None = None,
    anonymous_rate_per_minute: int = ANONYMOUS_RATE_PER_MINUTE,
) -> FastAPI:
    """One Valbar site: the API under /api/v1, health at the root, the UI's pages and
    ``/static``."""
    app = create_api_app(
        settings, rate_limiter=rate_limiter, anonymous_rate_per_minute=anonymous_rate_per_minute
    )
    app.include_router(ui_router)
    app.mount("/static", StaticFiles(directory=str(ui.static_dir)), name="static")
    return app
