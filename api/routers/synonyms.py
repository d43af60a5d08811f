"""Synonyms without a deploy, and the zero-result / no-click search report (merchandisers).

The rule set (``search.analysis.synonym_rules``) is versioned like ranking configs: drafts,
publish, rollback, history; a draft is previewed on typed queries and on the report's most
frequent zero-result queries, before and after. Publishing applies it on the next query in
this process and within ``config_check_seconds`` in every other one, with no reindex.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.demand import query_stats
from api.deps import (
    RateLimitDep,
    RequireMerchandiser,
    SearchDep,
    SearchHolder,
    SessionDep,
    SettingsDep,
)
from api.idempotency import Idempotent
from api.paging import PageDep
from api.problems import InvalidInput
from api.schemas.common import API_PROBLEMS, ListResponse, problems
from api.schemas.synonyms import (
    Period,
    PreviewHit,
    PreviewSidePublic,
    QueryReportRowPublic,
    SynonymDraftCreate,
    SynonymDraftCreated,
    SynonymPreviewQuery,
    SynonymPreviewRequest,
    SynonymPreviewResponse,
    SynonymPublishRequest,
    SynonymRollbackRequest,
    SynonymSetPublic,
    SynonymVersionPublic,
)
from catalog.models import SynonymSetVersion
from marketplace.search_report import (
    ReportKind,
    period_start,
    query_report,
    top_zero_result_queries,
)
from search import synonym_versions as versions
from search.analysis.synonym_rules import SynonymRules, parse_rules
from search.errors import SynonymVersionConflict
from search.synonym_preview import PreviewSide, preview_rules

router = APIRouter(tags=["synonyms"], dependencies=[RateLimitDep], responses=API_PROBLEMS)


def version_public(row: SynonymSetVersion) -> SynonymVersionPublic:
    return SynonymVersionPublic(
        version=row.version,
        status=row.status,
        author=row.author,
        comment=row.comment,
        created_at=row.created_at,
        published_at=row.published_at,
        rules=len(parse_rules(row.body)),
    )


def refresh(request: Request) -> None:
    """This process applies a publication on its next query (the others follow the stamp)."""
    holder: SearchHolder = request.app.state.search
    if holder.built is not None:
        holder.built.refresh_synonyms()


@router.get("/synonyms", response_model=SynonymSetPublic, responses=problems(401, 403))
def get_synonyms(session: SessionDep, user: RequireMerchandiser) -> SynonymSetPublic:
    """The live rules as text and the newest draft saved after them."""
    live = versions.published_version(session)
    draft = versions.latest_draft(session)
    return SynonymSetPublic(
        published_version=live.version if live else None,
        rules=live.body if live else "",
        draft_version=draft.version if draft else None,
        draft_rules=draft.body if draft else None,
    )


@router.post(
    "/synonyms/drafts",
    status_code=201,
    response_model=SynonymDraftCreated,
    responses=problems(401, 403, 409, 422),
    dependencies=[Idempotent],
)
def create_draft(
    body: SynonymDraftCreate, session: SessionDep, user: RequireMerchandiser
) -> JSONResponse:
    """Save the whole rule set as a new draft version; a line that cannot be read is refused
    (422, naming the line). Example body: ``{"rules": "anestesi, bedövning\\nmunskydd ="}``"""
    before = versions.published_rules(session)
    row = versions.save_draft(session, body.rules, author=user.email, comment=body.comment)
    result = SynonymDraftCreated(
        version=version_public(row), diff=versions.rule_diff(before, parse_rules(row.body))
    )
    session.commit()
    return JSONResponse(
        result.model_dump(mode="json"), status_code=201, headers={"Location": "/api/v1/synonyms"}
    )


@router.post(
    "/synonyms/publish",
    response_model=SynonymVersionPublic,
    responses=problems(401, 403, 404, 409, 422),
)
def publish(
    request: Request, body: SynonymPublishRequest, session: SessionDep, user: RequireMerchandiser
) -> SynonymVersionPublic:
    """Publish a draft: searches apply it from the next query, without a reindex."""
    row = versions.publish(session, body.version, author=user.email, comment=body.comment)
    result = version_public(row)
    session.commit()
    refresh(request)
    return result


@router.post(
    "/synonyms/rollback",
    response_model=SynonymVersionPublic,
    responses=problems(401, 403, 404, 409, 422),
    dependencies=[Idempotent],
)
def rollback(
    request: Request, body: SynonymRollbackRequest, session: SessionDep, user: RequireMerchandiser
) -> SynonymVersionPublic:
    """Publish a new version with the rules of an earlier published one."""
    row = versions.rollback(session, body.to_version, author=user.email, comment=body.comment)
    result = version_public(row)
    session.commit()
    refresh(request)
    return result


@router.get(
    "/synonyms/history",
    response_model=ListResponse[SynonymVersionPublic],
    responses=problems(401, 403, 422),
)
def history(
    session: SessionDep, user: RequireMerchandiser, page: PageDep
) -> ListResponse[SynonymVersionPublic]:
    """Every version, newest first: who saved or published it, when and why."""
    found = versions.history_page(session, limit=page.limit, offset=page.offset)
    return page.response([version_public(r) for r in found.items], found.count)


def _draft_of(session: Session, body: SynonymPreviewRequest) -> tuple[str, SynonymRules]:
    if body.rules is not None and body.version is not None:
        raise InvalidInput(
            "send rules or version, not both",
            errors=[{"loc": ["body"], "msg": "at most one of rules, version"}],
        )
    if body.rules is not None:
        return "inline", parse_rules(body.rules)
    if body.version is not None:
        return f"version {body.version}", versions.load_rules(session, body.version)
    draft = versions.latest_draft(session)
    if draft is None:
        raise SynonymVersionConflict("there is no draft to preview: send rules or a version")
    return f"version {draft.version}", parse_rules(draft.body)


def _side(side: PreviewSide) -> PreviewSidePublic:
    return PreviewSidePublic(
        total=side.total, top=[PreviewHit(product_id=p, name=n) for p, n in side.top]
    )


@router.post(
    "/synonyms/preview",
    response_model=SynonymPreviewResponse,
    responses=problems(401, 403, 404, 409, 422),
)
def preview(
    request: Request,
    body: SynonymPreviewRequest,
    session: SessionDep,
    settings: SettingsDep,
    service: SearchDep,
    user: RequireMerchandiser,
) -> SynonymPreviewResponse:
    """What each query finds with the published rules and with the draft (hits and the top
    five), for the ``queries`` given and the most frequent zero-result queries."""
    label, draft = _draft_of(session, body)
    live = versions.published_rules(session)
    query_stats(request).flush()  # the report includes the searches of the last seconds
    zero = top_zero_result_queries(
        session, period_start(body.period), limit=body.zero_result_queries
    )
    queries = [(q, "typed") for q in body.queries] + [(q, "zero_results") for q in zero]
    found = preview_rules(service, live, draft, queries, config_name=settings.ranking_config)
    return SynonymPreviewResponse(
        draft=label,
        diff=versions.rule_diff(live, draft),
        queries=[
            SynonymPreviewQuery(
                query=p.query,
                source=p.source,
                before=_side(p.before),
                after=_side(p.after),
                now_found=p.now_found,
            )
            for p in found
        ],
    )


@router.get(
    "/search-report",
    response_model=ListResponse[QueryReportRowPublic],
    responses=problems(401, 403, 422),
)
def search_report(
    request: Request,
    session: SessionDep,
    user: RequireMerchandiser,
    page: PageDep,
    kind: Annotated[ReportKind, Query(description="zero: no hits; no_click: hits, no click")],
    period: Annotated[Period, Query(description="the last 7, 30, 90 or 365 days")] = "30d",
) -> ListResponse[QueryReportRowPublic]:
    """Searches that found nothing (``kind=zero``) or found products nobody clicked
    (``kind=no_click``), per normalised query text, most frequent first. No personal data:
    counts per query and day only."""
    query_stats(request).flush()
    rows, count = query_report(
        session, kind, period_start(period), limit=page.limit, offset=page.offset
    )
    data = [
        QueryReportRowPublic(
            query=r.query,
            searches=r.searches,
            zero_results=r.zero_results,
            no_click=r.no_click,
            clicks=r.clicks,
            last_seen=r.last_seen,
        )
        for r in rows
    ]
    return page.response(data, count)
