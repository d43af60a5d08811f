"""``/favicon.ico``: browsers ask for it on every page; send them to the SVG icon."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

router = APIRouter()

FAVICON = "/static/favicon.svg"


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> RedirectResponse:
    return RedirectResponse(FAVICON, status_code=301, headers={"Cache-Control": "max-age=86400"})
