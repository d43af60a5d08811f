"""The portal's feed template: the CSV and XLSX downloads and the field guide page.

The same files and columns as the API's (`api.routers.feed_template`), made by
`indexer.feed_template` from the detector's vocabulary."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.deps import CurrentUser
from indexer.feed_template import (
    CSV_MEDIA_TYPE,
    FILE_STEM,
    XLSX_MEDIA_TYPE,
    template_columns,
    template_csv,
    template_xlsx,
)
from ui.error_pages import page_router
from ui.market_views import role_gate
from ui.rendering import render

router = page_router(prefix="/portal")


def _download(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/mall.csv", name="ui_template_csv")
def template_csv_download(request: Request, user: CurrentUser) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    return _download(template_csv(), CSV_MEDIA_TYPE, f"{FILE_STEM}.csv")


@router.get("/mall.xlsx", name="ui_template_xlsx")
def template_xlsx_download(request: Request, user: CurrentUser) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    return _download(template_xlsx(), XLSX_MEDIA_TYPE, f"{FILE_STEM}.xlsx")


@router.get("/faltguide", response_class=HTMLResponse, name="ui_field_guide")
def field_guide(request: Request, user: CurrentUser) -> Response:
    """Every column of the template: header, required or not, meaning, example, other names."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    return render(request, "portal_guide.html", {"columns": template_columns()}, user=user)
