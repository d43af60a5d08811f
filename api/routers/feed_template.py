"""The feed template retailers fill in (CSV and XLSX) and its field guide as data.

Public: the template holds no retailer's data, and a retailer may want it before its account
exists. The columns are the detector's vocabulary (`indexer.feed_template`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import RateLimitDep
from api.key_scopes import allow_keys
from api.paging import PageDep
from api.schemas.common import API_PROBLEMS, ListResponse, problems
from api.schemas.feeds import TemplateColumnPublic
from catalog.enums import KeyScope
from indexer.feed_template import (
    CSV_MEDIA_TYPE,
    FILE_STEM,
    XLSX_MEDIA_TYPE,
    template_columns,
    template_csv,
    template_xlsx,
)

router = APIRouter(
    tags=["feeds"],
    dependencies=[RateLimitDep, allow_keys(KeyScope.SEARCH, KeyScope.FEEDS)],
    responses=API_PROBLEMS,
)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get(
    "/feed-template", response_model=ListResponse[TemplateColumnPublic], responses=problems(422)
)
def feed_template_guide(page: PageDep) -> ListResponse[TemplateColumnPublic]:
    """The field guide: every column the feed reader recognises, its Swedish header in the
    template, whether it is required, what it means (sv, en), an example value and the other
    headers it is also read from. Example: ``GET /api/v1/feed-template``"""
    data = [TemplateColumnPublic.model_validate(c.as_dict()) for c in template_columns()]
    return page.slice(data)


@router.get(
    "/feed-template.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def feed_template_csv() -> Response:
    """The template as CSV (``;``, UTF-8): every recognised column and an example row.
    Example: ``GET /api/v1/feed-template.csv``"""
    return Response(
        template_csv(), media_type=CSV_MEDIA_TYPE, headers=_attachment(f"{FILE_STEM}.csv")
    )


@router.get(
    "/feed-template.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}},
)
def feed_template_xlsx() -> Response:
    """The template as an Excel workbook: the product sheet (every recognised column, an
    example row) and a help sheet (what each column means, which are required).
    Example: ``GET /api/v1/feed-template.xlsx``"""
    return Response(
        template_xlsx(), media_type=XLSX_MEDIA_TYPE, headers=_attachment(f"{FILE_STEM}.xlsx")
    )
