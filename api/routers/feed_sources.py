"""A retailer's feed URLs fetched on a schedule (issue 19): ``/feed-urls``.

A retailer's users (and its API keys of scope ``feeds``) register, edit and remove feed
URLs, see each one's last fetches and ask for a fetch now (idempotent: a request while
one is pending changes nothing). See ``marketplace.feed_sources`` and
``marketplace.feed_fetch``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import RateLimitDep, SessionDep, SettingsDep, UserDep
from api.key_scopes import allow_keys
from api.schemas.common import API_PROBLEMS, MAX_INT, problems
from api.schemas.feed_sources import (
    FeedFetchList,
    FeedFetchPublic,
    FeedSourceList,
    FeedSourcePublic,
    FeedSourceWrite,
    FetchRequested,
)
from catalog.enums import KeyScope
from marketplace import feed_sources
from marketplace.dates import utc_now
from marketplace.feed_address import networks
from marketplace.feed_secrets import master_key
from marketplace.models import FeedFetch, FeedSource

router = APIRouter(
    prefix="/feed-urls",
    tags=["feed URLs"],
    dependencies=[RateLimitDep, allow_keys(KeyScope.FEEDS)],
    responses=API_PROBLEMS,
)
SourceId = Annotated[int, Path(ge=1, le=MAX_INT)]


def fetch_public(f: FeedFetch) -> FeedFetchPublic:
    return FeedFetchPublic(
        id=f.id,
        trigger="manual" if f.trigger == "manual" else "schedule",
        status="ok" if f.status == "ok" else "failed" if f.status == "failed" else "not_modified",
        http_status=f.http_status,
        size_bytes=f.size_bytes,
        duration_ms=f.duration_ms,
        feed_run_id=f.feed_run_id,
        error=f.error,
        started_at=f.started_at,
        finished_at=f.finished_at,
    )


def _last_fetch(session: Session, source_id: int) -> FeedFetch | None:
    return session.scalars(
        select(FeedFetch)
        .where(FeedFetch.source_id == source_id)
        .order_by(FeedFetch.started_at.desc(), FeedFetch.id.desc())
        .limit(1)
    ).first()


def source_public(session: Session, s: FeedSource) -> FeedSourcePublic:
    last = _last_fetch(session, s.id)
    return FeedSourcePublic(
        id=s.id,
        url=s.url,
        schedule=s.schedule,
        mode="delta" if s.mode == "delta" else "full",
        auth_kind="basic"
        if s.auth_kind == "basic"
        else "bearer"
        if s.auth_kind == "bearer"
        else "none",
        auth_username=s.auth_username,
        active=s.active,
        next_fetch_at=s.next_fetch_at,
        fetch_pending=s.fetch_requested_at is not None,
        failures=s.failures,
        created_at=s.created_at,
        last_fetch=fetch_public(last) if last is not None else None,
    )


def _input(body: FeedSourceWrite) -> feed_sources.SourceInput:
    return feed_sources.SourceInput(
        url=body.url,
        schedule=body.schedule,
        mode=body.mode,
        auth_kind=body.auth_kind,
        auth_username=body.auth_username,
        auth_secret=body.auth_secret,
    )


@router.get("", response_model=FeedSourceList, responses=problems(401, 403, 429))
def list_feed_urls(session: SessionDep, user: UserDep) -> FeedSourceList:
    """The retailer's feed URLs (never their passwords or tokens) and each one's last fetch."""
    found = feed_sources.sources_of(session, user)
    return FeedSourceList(data=[source_public(session, s) for s in found], count=len(found))


@router.post(
    "", status_code=201, response_model=FeedSourcePublic, responses=problems(401, 403, 422, 429)
)
def create_feed_url(
    body: FeedSourceWrite, session: SessionDep, settings: SettingsDep, user: UserDep
) -> FeedSourcePublic:
    """Register a feed URL (public https:// only); it is due at once (the scheduler's next
    pass, within ``feed_fetch_interval_seconds``), then on its schedule. The same URL twice
    is refused (422, ``feed_duplicate``)."""
    source = feed_sources.create_source(
        session,
        user,
        _input(body),
        master=master_key(settings),
        allow=networks(settings.feed_fetch_allow_networks),
        now=utc_now(),
    )
    session.commit()
    return source_public(session, source)


@router.get("/{source_id}", response_model=FeedSourcePublic, responses=problems(401, 403, 404))
def get_feed_url(session: SessionDep, user: UserDep, source_id: SourceId) -> FeedSourcePublic:
    return source_public(session, feed_sources.source_of(session, user, source_id))


@router.put(
    "/{source_id}", response_model=FeedSourcePublic, responses=problems(401, 403, 404, 422, 429)
)
def update_feed_url(
    body: FeedSourceWrite,
    session: SessionDep,
    settings: SettingsDep,
    user: UserDep,
    source_id: SourceId,
) -> FeedSourcePublic:
    """Change the URL, schedule, mode or login (a left-out secret keeps the stored one)."""
    source = feed_sources.update_source(
        session,
        user,
        source_id,
        _input(body),
        master=master_key(settings),
        allow=networks(settings.feed_fetch_allow_networks),
        now=utc_now(),
    )
    session.commit()
    return source_public(session, source)


@router.delete(
    "/{source_id}", status_code=204, response_class=Response, responses=problems(401, 403, 404)
)
def delete_feed_url(session: SessionDep, user: UserDep, source_id: SourceId) -> Response:
    """Remove the feed URL and its fetch log (the runs it made stay)."""
    feed_sources.delete_source(session, user, source_id)
    session.commit()
    return Response(status_code=204)


@router.get("/{source_id}/fetches", response_model=FeedFetchList, responses=problems(401, 403, 404))
def list_fetches(session: SessionDep, user: UserDep, source_id: SourceId) -> FeedFetchList:
    """The newest fetches: status, HTTP status, duration, bytes and the run each made."""
    rows = feed_sources.fetches_of(session, user, source_id)
    return FeedFetchList(data=[fetch_public(f) for f in rows], count=len(rows))


@router.post(
    "/{source_id}/fetch",
    status_code=202,
    response_model=FetchRequested,
    responses=problems(401, 403, 404, 429),
)
def fetch_now(
    request: Request, session: SessionDep, user: UserDep, source_id: SourceId
) -> FetchRequested:
    """Fetch the feed URL now (in the background; see its fetches). Idempotent: while a
    requested fetch is pending another request adds nothing."""
    requested = feed_sources.request_fetch(session, user, source_id, now=utc_now())
    session.commit()
    if requested:
        request.app.state.feed_fetcher.kick(source_id)
    return FetchRequested(requested=requested)
