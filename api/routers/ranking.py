"""Ranking configs for merchandisers: drafts, publish, rollback, audit trail and preview."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.deps import (
    FactoryDep,
    RateLimitDep,
    RequireMerchandiser,
    SearchDep,
    SearchHolder,
    SessionDep,
    SettingsDep,
)
from api.idempotency import Idempotent
from api.paging import PageDep
from api.problems import InvalidInput, NotFound
from api.schemas.common import API_PROBLEMS, ListResponse, problems
from api.schemas.ranking import (
    ConfigRef,
    DraftCreate,
    DraftCreated,
    PreviewQuery,
    PreviewRequest,
    PreviewResponse,
    PreviewRow,
    PublishRequest,
    RankingConfigPublic,
    RankingConfigSummaryPublic,
    RankingVersionPublic,
    RollbackRequest,
)
from catalog.models import RankingConfigVersion
from catalog.settings import PROJECT_ROOT
from ranking import versions
from ranking.config import (
    RankingConfig,
    available_configs,
    config_from_mapping,
    config_from_toml,
    config_to_toml,
)
from ranking.errors import UnknownConfig
from ranking.evaluation import evaluate, load_judgments
from search.build import RankingConfigs, build_search_service, live_config
from search.service import SearchRequest, SearchResponse

router = APIRouter(
    prefix="/ranking", tags=["ranking"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)

ConfigName = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


def _version(row: RankingConfigVersion) -> RankingVersionPublic:
    return RankingVersionPublic(
        name=row.name,
        version=row.version,
        status=row.status,
        author=row.author,
        comment=row.comment,
        created_at=row.created_at,
        published_at=row.published_at,
    )


def _refresh(request: Request) -> None:
    holder: SearchHolder = request.app.state.search
    if holder.built is not None:
        holder.built.refresh_configs()


@router.get(
    "/configs", response_model=ListResponse[RankingConfigSummaryPublic], responses=problems(422)
)
def list_configs(
    session: SessionDep, settings: SettingsDep, user: RequireMerchandiser, page: PageDep
) -> ListResponse[RankingConfigSummaryPublic]:
    """Every ranking config: stored versions, config files and the default."""
    stored = dict(
        session.execute(
            select(RankingConfigVersion.name, func.count()).group_by(RankingConfigVersion.name)
        ).all()
    )
    files = set(available_configs())
    names = sorted(set(stored) | files | {settings.ranking_config})
    data = []
    # the names are few (grouped in SQL, merged with the files in configs/): page the merge
    for name in names[page.offset : page.offset + page.limit]:
        row = versions.published_version(session, name)
        if row is not None:
            source = "database"
        elif name in files:
            source = "file"
        else:
            source = "drafts" if name in stored else "built-in"
        data.append(
            RankingConfigSummaryPublic(
                name=name,
                published_version=row.version if row else None,
                versions=int(stored.get(name, 0)),
                source=source,
            )
        )
    return page.response(data, len(names))


@router.get(
    "/configs/{name}", response_model=RankingConfigPublic, responses=problems(401, 403, 404)
)
def get_config(
    name: ConfigName, session: SessionDep, settings: SettingsDep, user: RequireMerchandiser
) -> RankingConfigPublic:
    """The live config of ``name`` and all its versions. A config that has only drafts (created
    here, never published) shows its newest draft, with no published version."""
    history = versions.history(session, name)
    try:
        cfg = live_config(session, name, settings.ranking_config)
    except UnknownConfig:
        if not history:
            raise
        cfg = versions.load_version(session, name, history[-1].version)
    row = versions.published_version(session, name)
    return RankingConfigPublic(
        name=name,
        published_version=row.version if row else None,
        config=cfg.model_dump(mode="json"),
        toml=config_to_toml(cfg),
        versions=[_version(v) for v in history],
    )


@router.post(
    "/configs/{name}/drafts",
    status_code=201,
    response_model=DraftCreated,
    responses=problems(401, 403, 409, 422),
    dependencies=[Idempotent],
)
def create_draft(
    name: ConfigName,
    body: DraftCreate,
    session: SessionDep,
    settings: SettingsDep,
    user: RequireMerchandiser,
) -> JSONResponse:
    """Save a draft (JSON ``config`` or ``toml`` text); returns the version and its diff
    against the live config. Example body: ``{"config": {"weights": {"price": 0.1}}}``"""
    if (body.config is None) == (body.toml is None):
        raise InvalidInput(
            "send exactly one of config (JSON) or toml (text)",
            errors=[{"loc": ["body"], "msg": "exactly one of config, toml"}],
        )
    if body.config is not None:
        cfg = config_from_mapping({**body.config, "name": name}, source=f"draft of {name!r}")
    else:
        cfg = config_from_toml(body.toml or "", source=f"draft of {name!r}")
    try:
        before = live_config(session, name, settings.ranking_config)
    except UnknownConfig:
        before = RankingConfig(name=name)
    row = versions.save_draft(session, name, cfg, author=user.email, comment=body.comment)
    result = DraftCreated(version=_version(row), diff=versions.diff(before, cfg))
    session.commit()
    return JSONResponse(
        result.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/api/v1/ranking/configs/{name}"},
    )


@router.post(
    "/configs/{name}/publish",
    response_model=RankingVersionPublic,
    responses=problems(401, 403, 404, 409, 422),
)
def publish(
    request: Request,
    name: ConfigName,
    body: PublishRequest,
    session: SessionDep,
    user: RequireMerchandiser,
) -> RankingVersionPublic:
    """Publish a draft version; the previously live version is retired."""
    row = versions.publish(session, name, body.version, author=user.email, comment=body.comment)
    result = _version(row)
    session.commit()
    _refresh(request)
    return result


@router.post(
    "/configs/{name}/rollback",
    response_model=RankingVersionPublic,
    responses=problems(401, 403, 404, 409, 422),
    dependencies=[Idempotent],
)
def rollback(
    request: Request,
    name: ConfigName,
    body: RollbackRequest,
    session: SessionDep,
    user: RequireMerchandiser,
) -> RankingVersionPublic:
    """Publish a new version with the body of an earlier published one."""
    row = versions.rollback(session, name, body.to_version, author=user.email, comment=body.comment)
    result = _version(row)
    session.commit()
    _refresh(request)
    return result


@router.get(
    "/configs/{name}/history",
    response_model=ListResponse[RankingVersionPublic],
    responses=problems(401, 403, 404, 422),
)
def history(
    name: ConfigName, session: SessionDep, user: RequireMerchandiser, page: PageDep
) -> ListResponse[RankingVersionPublic]:
    """The audit trail: every version, who saved or published it, when and why."""
    found = versions.history_page(session, name, limit=page.limit, offset=page.offset)
    if not found.count and name not in available_configs():
        raise NotFound(f"no ranking config {name!r} has versions")
    return page.response([_version(r) for r in found.items], found.count)


@router.post("/preview", response_model=PreviewResponse, responses=problems(401, 403, 404, 422))
def preview(
    body: PreviewRequest,
    session: SessionDep,
    settings: SettingsDep,
    factory: FactoryDep,
    service: SearchDep,
    user: RequireMerchandiser,
) -> Any:
    """Run queries under two configs: top-N of each with rank movements, and nDCG@10/MRR
    of each over the judged queries (``configs/judgments/*.tsv``)."""
    provider = RankingConfigs.published(factory, settings.ranking_config)
    label_a, cfg_a = _resolve(session, provider, body.config_a)
    label_b, cfg_b = _resolve(session, provider, body.config_b)
    preview_service = build_search_service(
        settings,
        factory,
        backend=service.backend,
        config=RankingConfigs.fixed({"__a__": cfg_a, "__b__": cfg_b}),
        semantic=False,  # previews rank without the embeddings index, as they always did
    )
    depth = max(body.top, EVAL_DEPTH)

    def run(q: str, which: str) -> SearchResponse:
        return preview_service.search(SearchRequest(q=q, size=depth, config_name=which))

    queries = []
    for q in body.queries:
        a, b = run(q, "__a__"), run(q, "__b__")
        queries.append(_compare(q, a, b, body.top))
    return PreviewResponse(
        config_a=label_a,
        config_b=label_b,
        diff=versions.diff(cfg_a, cfg_b),
        queries=queries,
        evaluation=_evaluation(run),
    )


EVAL_DEPTH = 50
MAX_JUDGED_QUERIES = 200
JUDGMENTS_DIR = PROJECT_ROOT / "configs" / "judgments"


def _resolve(
    session: Session, provider: Callable[[str], RankingConfig], ref: str | ConfigRef
) -> tuple[str, RankingConfig]:
    """A config reference -> (label, config): a name (live), name + version, or inline."""
    if isinstance(ref, str):
        ref = ConfigRef(name=ref)
    if ref.inline is not None:
        return "inline", config_from_mapping(ref.inline, source="inline config")
    if not ref.name:
        raise InvalidInput(
            "a config reference needs a name or an inline config",
            errors=[{"loc": ["body", "config"], "msg": "name or inline required"}],
        )
    if ref.version is not None:
        return f"{ref.name}@{ref.version}", versions.load_version(session, ref.name, ref.version)
    return ref.name, provider(ref.name)


def _compare(q: str, a: SearchResponse, b: SearchResponse, top: int) -> PreviewQuery:
    top_a, top_b = a.hits[:top], b.hits[:top]
    rank_a = {h.product_id: i for i, h in enumerate(top_a, start=1)}
    rank_b = {h.product_id: i for i, h in enumerate(top_b, start=1)}
    hits = {h.product_id: h for h in [*top_a, *top_b]}
    score_a = {h.product_id: h.score for h in top_a}
    score_b = {h.product_id: h.score for h in top_b}
    order = list(rank_b) + [pid for pid in rank_a if pid not in rank_b]
    rows = []
    for pid in order:
        ra, rb = rank_a.get(pid), rank_b.get(pid)
        rows.append(
            PreviewRow(
                product_id=pid,
                name=hits[pid].name,
                rank_a=ra,
                rank_b=rb,
                movement=None if ra is None or rb is None else ra - rb,
                score_a=score_a.get(pid),
                score_b=score_b.get(pid),
            )
        )
    return PreviewQuery(query=q, top_a=list(rank_a), top_b=list(rank_b), rows=rows)


def _evaluation(run: Callable[[str, str], SearchResponse]) -> dict[str, Any] | None:
    """nDCG@10 / MRR / recall@50 of both configs over every judged query, or None."""
    files = sorted(JUDGMENTS_DIR.glob("*.tsv"))
    if not files:
        return None
    judgments: dict[str, dict[str, int]] = {}
    for path in files:
        for query, judged in load_judgments(path).items():
            judgments.setdefault(query, {}).update(judged)
    judged_queries = sorted(judgments)[:MAX_JUDGED_QUERIES]
    judgments = {q: judgments[q] for q in judged_queries}
    out: dict[str, Any] = {"files": [p.name for p in files]}
    for label, which in (("a", "__a__"), ("b", "__b__")):
        runs = {q: [h.gtin for h in run(q, which).hits if h.gtin] for q in judged_queries}
        out[label] = evaluate(runs, judgments).as_dict()
    return out
