"""The sponsor's loyalty report (``loyalty.reports``): points flows per month with the
liability, the cost per activity and the campaigns' sales before and during, as JSON and as
CSV downloads. Admins read it (they run programmes for the sponsors)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from api.deps import RateLimitDep, RequireProgrammeStaff, SessionDep
from api.loyalty_csv import ReportPart, report_csv
from api.schemas.common import API_PROBLEMS, MAX_INT, problems
from api.schemas.loyalty_reports import (
    ActivityCostPublic,
    CampaignSalesPublic,
    MonthFlowPublic,
    SponsorReportPublic,
)
from loyalty import reports
from marketplace.dates import utc_now

router = APIRouter(
    prefix="/loyalty", tags=["loyalty"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)
ProgrammeId = Annotated[int, Path(ge=1, le=MAX_INT)]
Months = Annotated[
    int, Query(ge=1, le=reports.MAX_MONTHS, description="Calendar months up to this one.")
]


def _sek(ore: int) -> Decimal:
    return Decimal(ore) / 100


def report_public(r: reports.SponsorReport) -> SponsorReportPublic:
    return SponsorReportPublic(
        programme_id=r.programme_id,
        programme_name=r.programme_name,
        point_value_ore=r.point_value_ore,
        months=[
            MonthFlowPublic(
                month=m.month,
                issued=m.issued,
                clawed_back=m.clawed_back,
                redeemed=m.redeemed,
                expired=m.expired,
                outstanding=m.outstanding,
                outstanding_value_sek=_sek(m.outstanding_value_ore),
            )
            for m in r.months
        ],
        activities=[
            ActivityCostPublic(activity=a.activity, points=a.points, value_sek=_sek(a.value_ore))
            for a in r.activities
        ],
        campaigns=[
            CampaignSalesPublic(
                campaign_id=c.campaign_id,
                name=c.name,
                multiplier=c.multiplier,
                target_kind=c.target_kind,
                target_value=c.target_value,
                starts_at=c.starts_at,
                ends_at=c.ends_at,
                before_from=c.before_from,
                during_until=c.during_until,
                before_sek=c.before_sek,
                before_lines=c.before_lines,
                before_quantity=c.before_quantity,
                during_sek=c.during_sek,
                during_lines=c.during_lines,
                during_quantity=c.during_quantity,
                change=c.change,
            )
            for c in r.campaigns
        ],
        generated_at=r.generated_at,
    )


@router.get(
    "/programmes/{programme_id}/report",
    response_model=SponsorReportPublic,
    responses=problems(401, 403, 404, 422, 429),
)
def sponsor_report(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: ProgrammeId,
    months: Months = 12,
) -> SponsorReportPublic:
    """Points issued, clawed back, redeemed, expired and outstanding (with the liability in
    kronor) per Swedish calendar month, the cost per activity over those months, and each
    campaign's matching sales during it against the same length of time before it.

    Example: ``GET /api/v1/loyalty/programmes/1/report?months=6``"""
    report = reports.sponsor_report(session, admin, programme_id, now=utc_now(), months=months)
    return report_public(report)


@router.get(
    "/programmes/{programme_id}/report/{part}.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "One part of the report."},
        **problems(401, 403, 404, 422, 429),
    },
)
def sponsor_report_csv(
    session: SessionDep,
    admin: RequireProgrammeStaff,
    programme_id: ProgrammeId,
    part: ReportPart,
    months: Months = 12,
    lang: Annotated[Literal["sv", "en"], Query()] = "sv",
) -> Response:
    """One part of the report (``months``, ``activities`` or ``campaigns``) as CSV: Swedish
    Excel's (a BOM, ``;``, decimal commas) or, with ``lang=en``, English (``,``).

    Example: ``GET /api/v1/loyalty/programmes/1/report/months.csv?months=12``"""
    report = reports.sponsor_report(session, admin, programme_id, now=utc_now(), months=months)
    return Response(
        report_csv(report, part, lang),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (f'attachment; filename="lojalitet-{programme_id}-{part}.csv"'),
            "Content-Language": lang,
        },
    )
