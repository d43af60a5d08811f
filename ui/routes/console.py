"""Merchandiser console: edit a draft, preview it against the published config, publish."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SearchDep, SessionDep, SettingsDep
from catalog.models import User
from ranking import versions
from ranking.config import FACTORS
from ranking.errors import (
    ConfigProblem,
    InvalidConfig,
    RankingError,
    UnknownConfig,
    VersionConflict,
)
from search.errors import SearchError
from ui.console_state import (
    ACTIONS,
    PRICE_FIELDS,
    WEIGHT_PATTERN,
    bad_price_fields,
    bad_weights,
    compare,
    config_from_form,
    form_of,
    load_state,
    metrics,
    rule_rows,
)
from ui.error_pages import page_router
from ui.i18n import MESSAGES, Formatter, pick_lang, translate
from ui.market_views import role_gate
from ui.rendering import render

router = page_router(prefix="/konsol")

ROLES = ("merchandiser", "admin")


def _gate(request: Request, user: User | None) -> Response | None:
    return role_gate(request, user, *ROLES)


def _author(user: User) -> str:
    return user.name or user.email


def _page(
    request: Request,
    session: SessionDep,
    search: SearchDep,
    name: str,
    user: User,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    notice: str | None = None,
    q: str = "",
    status_code: int = 200,
) -> Response:
    state = load_state(session, name)
    values = form or form_of(state.draft)
    context: dict[str, Any] = {
        "state": state,
        "form": values,
        "rules": rule_rows(values),
        "factors": FACTORS,
        "price_fields": PRICE_FIELDS,
        "actions": ACTIONS,
        "weight_pattern": WEIGHT_PATTERN,
        "errors": errors or [],
        "notice": notice,
        "q": q,
        "comparison": None,
        "metrics": None,
        "preview_error": None,
    }
    if q:
        context.update(_preview(search, state, q, pick_lang(request)))
    return render(request, "console.html", context, user=user, status_code=status_code)


REFUSALS: dict[type[Exception], str] = {
    UnknownConfig: "console.no_such_version",
    VersionConflict: "console.conflict",
}
"""The console's own sentence for a refused publish, roll back or preview (``ui.i18n`` keys)."""


def refusal(exc: Exception, lang: str) -> str:
    """Why the action was refused, in ``lang``: the ranking's or search's own (English)
    message only to an English reader."""
    if lang == "en":
        return str(exc)
    key = next((REFUSALS[c] for c in type(exc).__mro__ if c in REFUSALS), "console.refused")
    return translate(lang, key)


def _field_label(field: str, rule_ids: list[str], lang: str) -> str:
    """A refused field as the form names it: the factor's or price setting's label, or the
    rule by its id (``rules.0`` is the form's first rule with an id)."""
    head, _, rest = field.partition(".")
    if head == "weights" and rest in FACTORS:
        return translate(lang, f"factor.{rest}")
    if head == "price" and rest in PRICE_FIELDS:
        return translate(lang, f"console.price.{rest}")
    if head == "rules" and rest.split(".")[0].isdigit():
        index = int(rest.split(".")[0])
        rule = rule_ids[index] if index < len(rule_ids) else str(index + 1)
        return translate(lang, "console.rule_named", rule=rule)
    return field


def _number(value: float, lang: str) -> str:
    return Formatter(lang).number(value, 0 if value == int(value) else 2)


def _problem(problem: ConfigProblem, rule_ids: list[str], lang: str) -> str:
    """One refused field in ``lang``: a sentence of ours for a check we know, else (under
    Swedish) that the field's value is not accepted, never the English reason."""
    key = f"console.invalid.{problem.kind}"
    if key not in MESSAGES:
        key = "console.invalid.other"
    values = dict(problem.values)
    if "action" in values:
        values["action"] = translate(lang, f"console.action.{values['action']}")
    if "value" in values:
        with contextlib.suppress(ValueError):
            values["value"] = _number(float(values["value"]), lang)
    limit = "" if problem.limit is None else _number(problem.limit, lang)
    field = _field_label(problem.field, rule_ids, lang)
    return translate(lang, key, field=field, limit=limit, **values)


def config_refusals(exc: InvalidConfig, form: dict[str, str], lang: str) -> list[str]:
    """Why the console form's draft was refused, one line per field, in ``lang``."""
    if not exc.problems:
        return exc.errors if lang == "en" else [translate(lang, "console.refused")]
    rule_ids = [row["id"].strip() for row in rule_rows(form) if row["id"].strip()]
    return [_problem(problem, rule_ids, lang) for problem in exc.problems]


def _preview(search: SearchDep, state: Any, q: str, lang: str) -> dict[str, Any]:
    try:
        return {
            "comparison": compare(search, state, q),
            "metrics": metrics(search, state),
            "preview_error": None,
        }
    except (SearchError, RankingError) as exc:
        return {"comparison": None, "metrics": None, "preview_error": refusal(exc, lang)}


@router.get("", response_class=HTMLResponse, name="ui_console")
def console(
    request: Request,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
    user: CurrentUser,
    q: str = "",
    notice: str = "",
    v: str = "",
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    note = None
    if notice in ("saved", "published", "rolled_back") and v.isdigit():
        note = f"console.{notice}|{v}"
    return _page(request, session, search, settings.ranking_config, user, notice=note, q=q.strip())


@router.get("/jamfor", response_class=HTMLResponse, name="ui_console_preview")
def console_preview(
    request: Request,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
    user: CurrentUser,
    q: str = "",
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    state = load_state(session, settings.ranking_config)
    context: dict[str, Any] = {
        "q": q.strip(),
        "comparison": None,
        "metrics": None,
        "preview_error": None,
        "state": state,
    }
    if q.strip():
        context.update(_preview(search, state, q.strip(), pick_lang(request)))
    return render(request, "partials/console_preview.html", context, user=user)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/utkast", dependencies=[Depends(verify_csrf)])
def save_draft(
    request: Request,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
    user: CurrentUser,
    form: dict[str, str] = Depends(_form),
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    name = settings.ranking_config
    state = load_state(session, name)
    lang = pick_lang(request)
    typos = [
        translate(lang, "console.bad_weight", factor=translate(lang, f"factor.{f}"), value=text)
        for f, text in bad_weights(form)
    ] + [
        translate(
            lang, "console.bad_price", field=translate(lang, f"console.price.{k}"), value=text
        )
        for k, text in bad_price_fields(form)
    ]
    if typos:
        return _page(request, session, search, name, user, form=form, errors=typos, status_code=422)
    try:
        cfg = config_from_form(state.draft, form)
    except InvalidConfig as exc:
        errors = config_refusals(exc, form, lang)
        return _page(
            request, session, search, name, user, form=form, errors=errors, status_code=422
        )
    row = versions.save_draft(session, name, cfg, _author(user), form.get("comment", "").strip())
    session.commit()
    q = form.get("q", "").strip()
    suffix = f"&q={q}" if q else ""
    return RedirectResponse(f"/konsol?notice=saved&v={row.version}{suffix}", status_code=303)


@router.post("/publicera", dependencies=[Depends(verify_csrf)])
def publish(
    request: Request,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
    user: CurrentUser,
    version: int = Form(...),
    comment: str = Form(""),
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    name = settings.ranking_config
    try:
        row = versions.publish(session, name, version, _author(user), comment.strip())
    except RankingError as exc:
        session.rollback()
        errors = [refusal(exc, pick_lang(request))]
        return _page(request, session, search, name, user, errors=errors, status_code=409)
    session.commit()
    search.refresh_configs()
    return RedirectResponse(f"/konsol?notice=published&v={row.version}", status_code=303)


@router.post("/rulla-tillbaka", dependencies=[Depends(verify_csrf)])
def roll_back(
    request: Request,
    session: SessionDep,
    search: SearchDep,
    settings: SettingsDep,
    user: CurrentUser,
    to_version: int = Form(...),
    comment: str = Form(""),
) -> Response:
    if (refused := _gate(request, user)) is not None:
        return refused
    assert user is not None
    name = settings.ranking_config
    try:
        row = versions.rollback(session, name, to_version, _author(user), comment.strip())
    except RankingError as exc:
        session.rollback()
        errors = [refusal(exc, pick_lang(request))]
        return _page(request, session, search, name, user, errors=errors, status_code=409)
    session.commit()
    search.refresh_configs()
    return RedirectResponse(f"/konsol?notice=rolled_back&v={row.version}", status_code=303)
