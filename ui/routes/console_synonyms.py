"""Merchandiser console: synonyms and compound splits (draft, preview, publish, roll back)
and the report of searches that fail (no results, no click)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.auth import verify_csrf
from api.demand import query_stats
from api.deps import CurrentUser, SearchDep, SessionDep, SettingsDep
from catalog.models import User
from marketplace.search_report import (
    PERIODS,
    REPORT_KINDS,
    ReportKind,
    period_start,
    query_report,
    top_zero_result_queries,
)
from search import synonym_versions as versions
from search.analysis.synonym_rules import parse_rules
from search.errors import SearchError, SynonymRulesError, UnknownSynonymVersion
from search.service import SearchService
from search.synonym_preview import preview_rules
from ui.error_pages import page_router
from ui.i18n import pick_lang, translate
from ui.market_views import role_gate
from ui.rendering import render

router = page_router(prefix="/konsol")

ROLES = ("merchandiser", "admin")
PAGE = "/konsol/synonymer"
REPORT_ROWS = 50
PREVIEW_ZERO_QUERIES = 10
NOTICES = ("saved", "published", "rolled_back")


def _author(user: User) -> str:
    return user.name or user.email


def _typed(q: str) -> list[str]:
    """The preview's typed searches: one per line (or comma), at most 20."""
    found = [part.strip() for line in q.splitlines() for part in line.split(",")]
    return [p for p in dict.fromkeys(found) if p][:20]


def rules_refusal(exc: SynonymRulesError, lang: str) -> str:
    """Why the rules were refused, naming the line and the reason in the reader's language
    (the parser's own English reason to an English reader)."""
    if not exc.line:
        return translate(lang, "synonyms.bad_text")
    if lang == "en":
        reason = exc.reason
    elif exc.code:
        reason = translate(lang, f"synonyms.rule.{exc.code}", **exc.values)
    else:
        reason = translate(lang, "synonyms.bad_rule")
    return translate(lang, "synonyms.bad_line", line=exc.line, reason=reason)


def _refusal(exc: SearchError, lang: str) -> str:
    if isinstance(exc, SynonymRulesError):
        return rules_refusal(exc, lang)
    if lang == "en":
        return str(exc)
    key = "synonyms.no_such_version" if isinstance(exc, UnknownSynonymVersion) else None
    return translate(lang, key or "synonyms.conflict")


def _preview(session: Session, search: SearchService, config_name: str, q: str) -> list[Any] | None:
    draft = versions.latest_draft(session)
    if draft is None:
        return None
    zero = top_zero_result_queries(session, period_start("30d"), limit=PREVIEW_ZERO_QUERIES)
    queries = [(t, "typed") for t in _typed(q)] + [(z, "zero_results") for z in zero]
    live = versions.published_rules(session)
    return preview_rules(search, live, parse_rules(draft.body), queries, config_name=config_name)


def _page(
    request: Request,
    session: Session,
    search: SearchService,
    config_name: str,
    user: User,
    *,
    text: str | None = None,
    errors: list[str] | None = None,
    notice: str | None = None,
    q: str = "",
    status_code: int = 200,
) -> Response:
    live = versions.published_version(session)
    draft = versions.latest_draft(session)
    editing = draft or live  # the newest draft, else the live rules
    shown = text if text is not None else (editing.body if editing is not None else "")
    live_rules = versions.published_rules(session)
    changes = versions.rule_diff(live_rules, parse_rules(draft.body)) if draft else []
    history = versions.history(session)
    if q or draft is not None:
        query_stats(request).flush()  # the report includes the searches of the last seconds
    context: dict[str, Any] = {
        "live": live,
        "draft": draft,
        "text": shown,
        "changes": changes,
        "history": history,
        "earlier": [r for r in history if r.published_at and r.status != "published"],
        "errors": errors or [],
        "notice": notice,
        "q": q,
        "preview": _preview(session, search, config_name, q) if draft else None,
    }
    return render(request, "console_synonyms.html", context, user=user, status_code=status_code)


@router.get("/synonymer", response_class=HTMLResponse, name="ui_console_synonyms")
def synonyms_page(
    request: Request,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
    user: CurrentUser,
    q: str = "",
    notice: str = "",
    v: str = "",
) -> Response:
    if (refused := role_gate(request, user, *ROLES)) is not None:
        return refused
    assert user is not None
    note = f"synonyms.{notice}|{v}" if notice in NOTICES and v.isdigit() else None
    return _page(request, session, search, settings.ranking_config, user, notice=note, q=q)


@router.post("/synonymer/utkast", dependencies=[Depends(verify_csrf)])
def save_draft(
    request: Request,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
    user: CurrentUser,
    rules: str = Form("", max_length=200_000),
    comment: str = Form("", max_length=500),
    q: str = Form("", max_length=2000),
) -> Response:
    if (refused := role_gate(request, user, *ROLES)) is not None:
        return refused
    assert user is not None
    try:
        row = versions.save_draft(session, rules, _author(user), comment.strip())
    except SearchError as exc:
        session.rollback()
        errors = [_refusal(exc, pick_lang(request))]
        name = settings.ranking_config
        return _page(
            request, session, search, name, user, text=rules, errors=errors, q=q, status_code=422
        )
    session.commit()
    return _redirect("saved", row.version, q)


def _redirect(notice: str, version: int, q: str = "") -> RedirectResponse:
    params = {"notice": notice, "v": str(version)} | ({"q": q} if q.strip() else {})
    return RedirectResponse(f"{PAGE}?{urlencode(params)}", status_code=303)


@router.post("/synonymer/publicera", dependencies=[Depends(verify_csrf)])
def publish(
    request: Request,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
    user: CurrentUser,
    version: int = Form(...),
    comment: str = Form("", max_length=500),
) -> Response:
    if (refused := role_gate(request, user, *ROLES)) is not None:
        return refused
    assert user is not None
    try:
        row = versions.publish(session, version, _author(user), comment.strip())
    except SearchError as exc:
        session.rollback()
        errors = [_refusal(exc, pick_lang(request))]
        name = settings.ranking_config
        return _page(request, session, search, name, user, errors=errors, status_code=409)
    session.commit()
    search.refresh_synonyms()
    return _redirect("published", row.version)


@router.post("/synonymer/rulla-tillbaka", dependencies=[Depends(verify_csrf)])
def roll_back(
    request: Request,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
    user: CurrentUser,
    to_version: int = Form(...),
    comment: str = Form("", max_length=500),
) -> Response:
    if (refused := role_gate(request, user, *ROLES)) is not None:
        return refused
    assert user is not None
    try:
        row = versions.rollback(session, to_version, _author(user), comment.strip())
    except SearchError as exc:
        session.rollback()
        errors = [_refusal(exc, pick_lang(request))]
        name = settings.ranking_config
        return _page(request, session, search, name, user, errors=errors, status_code=409)
    session.commit()
    search.refresh_synonyms()
    return _redirect("rolled_back", row.version)


@router.get("/sokrapport", response_class=HTMLResponse, name="ui_search_report")
def search_report(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    typ: str = "zero",
    period: str = "30d",
    sida: int = 1,
) -> Response:
    """Searches without results, or without a click, most frequent first."""
    if (refused := role_gate(request, user, *ROLES)) is not None:
        return refused
    assert user is not None
    kind: ReportKind = "no_click" if typ == "no_click" else "zero"
    period = period if period in PERIODS else "30d"
    page = max(1, min(sida, 1000))
    query_stats(request).flush()
    rows, count = query_report(
        session,
        kind,
        period_start(period),
        limit=REPORT_ROWS,
        offset=(page - 1) * REPORT_ROWS,
    )
    context = {
        "kind": kind,
        "kinds": REPORT_KINDS,
        "period": period,
        "periods": list(PERIODS),
        "rows": rows,
        "count": count,
        "page": page,
        "more": page * REPORT_ROWS < count,
    }
    return render(request, "console_search_report.html", context, user=user)
