"""The reports of a loyalty programme (issue 15) for its manager (a platform admin at
``/admin/lojalitet/{id}/rapporter``, the sponsor's representative at
``/sponsor/lojalitet/{id}/rapporter``: ``ui.loyalty_manage``; another sponsor's programme
is the not-found page): points per month with the liability, the cost per activity and the
campaigns' sales before and during, each as a server-drawn chart (``ui.charts``) over a
table that holds the same numbers (the chart's accessible fallback), and as CSV (the API's
``api.loyalty_csv``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import CurrentUser, SessionDep
from api.loyalty_csv import REPORT_PARTS, report_csv
from loyalty import reports
from loyalty.errors import NotAllowed, NotFound
from marketplace.dates import utc_now
from ui.charts import bar_chart
from ui.error_pages import page_router
from ui.i18n import Formatter, pick_lang, translate
from ui.loyalty_manage import base_of, managed_programmes, manager_gate, refusal_page
from ui.rendering import error_page, render

router = page_router(prefix="/admin")
sponsor_router = page_router(prefix="/sponsor")
PERIODS = (3, 6, 12, 24)


def reports_path(request: Request, programme_id: int) -> str:
    return f"{base_of(request)}/{programme_id}/rapporter"


def activity_name(lang: str, activity: str) -> str:
    """An activity's name: the report's, else the history's name of that entry kind (a kind
    another feature added), else the kind itself. Pure."""
    for key in (f"report.activity.{activity}", f"loyalty.kind.{activity}"):
        text = translate(lang, key)
        if text != key:
            return text
    return activity


def charts(report: reports.SponsorReport, lang: str) -> dict[str, Any]:
    """The report's charts in the reader's language. Pure."""
    fmt = Formatter(lang)

    def sek(value: float) -> str:
        return fmt.number(value)

    def points(value: float) -> str:
        return fmt.number(value)

    campaign_bars: list[tuple[str, float]] = []
    for c in report.campaigns:
        campaign_bars.append(
            (translate(lang, "report.bar_before", name=c.name), float(c.before_sek))
        )
        campaign_bars.append(
            (translate(lang, "report.bar_during", name=c.name), float(c.during_sek))
        )
    return {
        "liability": bar_chart(
            [(m.month, m.outstanding_value_ore / 100) for m in report.months],
            label_width=120,
            number=sek,
        ),
        "issued": bar_chart(
            [(m.month, float(m.issued)) for m in report.months], label_width=120, number=points
        ),
        "activities": bar_chart(
            [
                (activity_name(lang, a.activity), a.value_ore / 100)
                for a in report.activities
                if a.points > 0
            ],
            label_width=260,
            number=sek,
        ),
        "campaigns": bar_chart(campaign_bars, number=sek),
    }


@router.get(
    "/lojalitet/{programme_id}/rapporter", response_class=HTMLResponse, name="ui_admin_reports"
)
@sponsor_router.get(
    "/lojalitet/{programme_id}/rapporter", response_class=HTMLResponse, name="ui_sponsor_reports"
)
def reports_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_id: int,
    manader: Annotated[int, Query(ge=1, le=reports.MAX_MONTHS)] = 12,
) -> Response:
    """The programme's reports (its manager): ``?manader=`` months up to this one."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    try:
        report = reports.sponsor_report(session, user, programme_id, now=utc_now(), months=manader)
    except (NotFound, NotAllowed) as exc:
        return refusal_page(request, user, exc) or error_page(
            request, "error.not_found", user=user, status_code=404
        )
    context: dict[str, Any] = {
        "report": report,
        "all_programmes": managed_programmes(session, user),
        "base": base_of(request),
        "months": manader,
        "periods": sorted({*PERIODS, manader}),
        "charts": charts(report, pick_lang(request)),
        "parts": REPORT_PARTS,
        "activity_names": {
            a.activity: activity_name(pick_lang(request), a.activity) for a in report.activities
        },
        "path": reports_path(request, programme_id),
    }
    return render(request, "admin_loyalty_reports.html", context, user=user)


@router.get("/lojalitet/{programme_id}/rapporter/{part}.csv", name="ui_admin_reports_csv")
@sponsor_router.get("/lojalitet/{programme_id}/rapporter/{part}.csv", name="ui_sponsor_reports_csv")
def reports_csv(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_id: int,
    part: str,
    manader: Annotated[int, Query(ge=1, le=reports.MAX_MONTHS)] = 12,
) -> Response:
    """One part of the report as the API's CSV, in the reader's language."""
    if (refused := manager_gate(request, user)) is not None:
        return refused
    assert user is not None
    chosen = next((p for p in REPORT_PARTS if p == part), None)
    if chosen is None:
        return error_page(request, "error.not_found", user=user, status_code=404)
    try:
        report = reports.sponsor_report(session, user, programme_id, now=utc_now(), months=manader)
    except (NotFound, NotAllowed) as exc:
        return refusal_page(request, user, exc) or error_page(
            request, "error.not_found", user=user, status_code=404
        )
    lang = pick_lang(request)
    return Response(
        report_csv(report, chosen, lang),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="lojalitet-{programme_id}-{part}.csv"',
            "Content-Language": lang,
        },
    )
