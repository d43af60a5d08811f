"""The match review queue for admins: the offers the matcher could not decide, with their
candidate products; decisions (accept, reject, new product, pick, bulk accept by rule); the
decisions as labelled pairs for the matcher's training (JSON, CSV, or the Ditto pair lines
``bench.matching`` reads). Thin: each route calls ``marketplace.match_review`` and commits;
the search index outbox is applied after the commit (the offer's product changes in search).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.csv_export import csv_text
from api.deps import RateLimitDep, RequireAdmin, SessionDep
from api.problems import InvalidInput
from api.schemas.common import API_PROBLEMS, MAX_INT, UtcDatetime, problems
from catalog.models import MatchDecision
from catalog.reads import retailer_by_slug
from marketplace import match_review as mr
from marketplace.dates import utc_now

router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)

Limit = Annotated[int, Query(ge=1, le=100, description="page size (1..100)")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="items skipped")]
SlugQuery = Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[a-z0-9-]+$")]


class CandidatePublic(BaseModel):
    id: int
    product_id: int
    product_name: str
    manufacturer: str | None
    brand: str | None
    gtin: str | None
    mpn: str | None
    score: float
    method: str
    reason: str | None
    status: str


class QueuedOfferPublic(BaseModel):
    offer_id: int
    retailer: str = Field(description="the retailer's slug")
    retailer_name: str
    sku: str
    name: str
    brand: str | None
    mpn: str | None
    gtin: str | None
    price: Decimal | None
    product_id: int | None = Field(description="the offer's product now (null: unmatched)")
    candidates: list[CandidatePublic] = Field(description="pending candidates, best first")


class RetailerCountPublic(BaseModel):
    retailer: str
    retailer_name: str
    offers: int


class MatchQueuePage(BaseModel):
    data: list[QueuedOfferPublic]
    count: int = Field(description="offers waiting (with the retailer filter)")
    limit: int
    offset: int
    retailers: list[RetailerCountPublic] = Field(description="offers waiting per retailer")


class DecisionRequest(BaseModel):
    """One decision. ``accept`` / ``reject`` name a ``candidate_id``; ``new_product`` an
    ``offer_id``; ``pick`` an ``offer_id`` and the ``product_id`` it is."""

    action: Literal["accept", "reject", "new_product", "pick"]
    candidate_id: int | None = Field(None, ge=1, le=MAX_INT)
    offer_id: int | None = Field(None, ge=1, le=MAX_INT)
    product_id: int | None = Field(None, ge=1, le=MAX_INT)

    model_config = {"json_schema_extra": {"examples": [{"action": "accept", "candidate_id": 12}]}}


class LabelledPairPublic(BaseModel):
    id: int
    label: Literal["match", "non_match"]
    action: str
    implied: bool = Field(description="an accept or pick turned this candidate down")
    offer_id: int | None
    retailer_id: int | None
    offer_sku: str
    offer_name: str
    offer_brand: str | None
    offer_mpn: str | None
    offer_gtin: str | None
    offer_price: Decimal | None
    product_id: int | None
    product_name: str
    product_brand: str | None
    product_manufacturer: str | None
    product_mpn: str | None
    product_gtin: str | None
    score: float | None
    method: str | None
    decided_by: str
    decided_at: UtcDatetime


class DecisionResult(BaseModel):
    offer_id: int
    product_id: int | None = Field(description="the offer's product after the decision")
    pairs: list[LabelledPairPublic] = Field(description="the labelled pairs it stored")


class LabelledPairsPage(BaseModel):
    data: list[LabelledPairPublic]
    count: int
    limit: int
    offset: int


class BulkRequest(BaseModel):
    """Accept the best pending candidate of each offer of ``retailer`` scoring at least
    ``min_score`` (of ``method`` when given). Without ``expected`` nothing is decided: the
    answer is the count (the preview); send it back as ``expected`` to confirm."""

    retailer: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9-]+$")
    min_score: float = Field(ge=0.0, le=1.0)
    method: Literal["gtin", "brand_mpn", "mpn", "title"] | None = None
    expected: int | None = Field(None, ge=0, le=MAX_INT)


class BulkResult(BaseModel):
    count: int = Field(description="offers the rule selects (preview) or accepted")
    accepted: bool


class ProductHit(BaseModel):
    id: int
    name: str
    brand: str | None
    gtin: str | None
    mpn: str | None


def _candidate(c: mr.QueuedCandidate) -> CandidatePublic:
    return CandidatePublic(
        id=c.candidate.id,
        product_id=c.product.id,
        product_name=c.product.name,
        manufacturer=c.manufacturer,
        brand=c.product.brand,
        gtin=c.product.primary_gtin,
        mpn=c.product.mpn,
        score=c.candidate.score,
        method=c.candidate.method,
        reason=c.candidate.reason,
        status=c.candidate.status,
    )


def _item(item: mr.QueueItem) -> QueuedOfferPublic:
    o = item.offer
    return QueuedOfferPublic(
        offer_id=o.id,
        retailer=item.retailer.slug,
        retailer_name=item.retailer.name,
        sku=o.sku,
        name=o.raw_name,
        brand=o.brand,
        mpn=o.mpn,
        gtin=o.gtin,
        price=o.price,
        product_id=o.product_id,
        candidates=[_candidate(c) for c in item.candidates],
    )


def _pair(d: MatchDecision) -> LabelledPairPublic:
    return LabelledPairPublic.model_validate(
        {name: getattr(d, name) for name in mr.PAIR_FIELDS}, from_attributes=False
    )


def _retailer_id(session: SessionDep, slug: str | None, field: str) -> int | None:
    if slug is None:
        return None
    retailer = retailer_by_slug(session, slug)
    if retailer is None:
        raise InvalidInput(f"{field}: no retailer {slug!r}")
    return retailer.id


def reindex_after_commit(request: Request, background: BackgroundTasks) -> None:
    """Apply the search index outbox once the response is sent (the decision's products)."""
    apply: Callable[[], object] | None = getattr(request.app.state, "apply_outbox", None)
    if apply is not None:
        background.add_task(apply)


@router.get("/match-queue", response_model=MatchQueuePage, responses=problems(401, 403, 422, 429))
def match_queue(
    admin: RequireAdmin,
    session: SessionDep,
    retailer: SlugQuery = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> MatchQueuePage:
    """Offers waiting for a match decision, oldest first, each with its pending candidate
    products (best score first), and the count per retailer. Example:
    ``GET /api/v1/admin/match-queue?retailer=tandab&limit=20``"""
    page = mr.queue(
        session,
        admin,
        retailer_id=_retailer_id(session, retailer, "retailer"),
        limit=limit,
        offset=offset,
    )
    counts = mr.retailer_counts(session, admin)
    return MatchQueuePage(
        data=[_item(i) for i in page.items],
        count=page.total,
        limit=limit,
        offset=offset,
        retailers=[
            RetailerCountPublic(retailer=c.slug, retailer_name=c.name, offers=c.offers)
            for c in counts
        ],
    )


def _need(value: int | None, field: str, action: str) -> int:
    if value is None:
        raise InvalidInput(f"{field}: required for {action}")
    return value


@router.post(
    "/match-decisions",
    response_model=DecisionResult,
    status_code=201,
    responses=problems(401, 403, 404, 409, 422, 429),
)
def decide(
    body: DecisionRequest,
    admin: RequireAdmin,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> DecisionResult:
    """Decide one offer: accept or reject a candidate, make the offer a new product, or
    pick its product. Another admin's decision first: 409. The offer's product changes in
    search right after."""
    now = utc_now()
    if body.action == "accept":
        done = mr.accept(
            session,
            admin,
            _need(body.candidate_id, "candidate_id", "accept"),
            channel="api",
            now=now,
        )
    elif body.action == "reject":
        done = mr.reject(
            session,
            admin,
            _need(body.candidate_id, "candidate_id", "reject"),
            channel="api",
            now=now,
        )
    elif body.action == "new_product":
        done = mr.new_product(
            session, admin, _need(body.offer_id, "offer_id", "new_product"), channel="api", now=now
        )
    else:
        done = mr.pick(
            session,
            admin,
            _need(body.offer_id, "offer_id", "pick"),
            _need(body.product_id, "product_id", "pick"),
            channel="api",
            now=now,
        )
    session.commit()
    reindex_after_commit(request, background)
    return DecisionResult(
        offer_id=done.offer_id,
        product_id=done.product_id,
        pairs=[_pair(d) for d in done.decisions],
    )


@router.post(
    "/match-decisions/bulk",
    response_model=BulkResult,
    responses=problems(401, 403, 409, 422, 429),
)
def bulk(
    body: BulkRequest,
    admin: RequireAdmin,
    session: SessionDep,
    request: Request,
    background: BackgroundTasks,
) -> BulkResult:
    """Bulk accept by rule. Without ``expected``: the preview count, nothing decided. With
    it: accepted when the rule still selects that many offers, else 409 (preview again)."""
    rid = _retailer_id(session, body.retailer, "retailer")
    assert rid is not None
    rule = mr.BulkRule(rid, body.min_score, body.method)
    if body.expected is None:
        return BulkResult(count=mr.bulk_preview(session, admin, rule), accepted=False)
    mr.bulk_accept(session, admin, rule, expected=body.expected, channel="api", now=utc_now())
    session.commit()
    reindex_after_commit(request, background)
    return BulkResult(count=body.expected, accepted=True)


@router.get(
    "/match-decisions",
    response_model=LabelledPairsPage,
    responses={
        200: {"content": {"text/csv": {}, "text/plain": {}}},
        **problems(401, 403, 422, 429),
    },
)
def labelled_pairs(
    admin: RequireAdmin,
    session: SessionDep,
    format: Annotated[
        Literal["json", "csv", "ditto"],
        Query(
            description="json: paged; csv: every pair; ditto: every pair as the "
            "`record<TAB>record<TAB>label` lines of the Ditto pair files (bench.matching)"
        ),
    ] = "json",
    limit: Limit = 50,
    offset: Offset = 0,
) -> LabelledPairsPage | Response:
    """The admins' decisions as labelled offer/product pairs (match / non_match, both
    records as decided, who and when), oldest first: training and evaluation data for the
    matcher. Example: ``GET /api/v1/admin/match-decisions?format=ditto``"""
    if format == "json":
        rows, total = mr.labelled_pairs(session, admin, limit=limit, offset=offset)
        return LabelledPairsPage(
            data=[_pair(d) for d in rows], count=total, limit=limit, offset=offset
        )
    # read whole (the session ends with the request): a few hundred bytes a pair
    pairs = list(mr.iter_labelled_pairs(session, admin))
    if format == "ditto":
        return Response(
            "".join(mr.ditto_line(d) + "\n" for d in pairs),
            media_type="text/plain; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="match-pairs.txt"'},
        )
    cells = ([mr.pair_row(d)[name] for name in mr.PAIR_FIELDS] for d in pairs)
    return Response(
        csv_text(mr.PAIR_FIELDS, cells),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="match-pairs.csv"'},
    )


@router.get(
    "/match-queue/products", response_model=list[ProductHit], responses=problems(401, 403, 422, 429)
)
def find_products(
    admin: RequireAdmin,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=mr.QUERY_MAX)],
) -> list[ProductHit]:
    """Products to pick for an offer: name contains ``q``, or GTIN or MPN is ``q`` (20 at
    most)."""
    return [
        ProductHit(id=p.id, name=p.name, brand=p.brand, gtin=p.primary_gtin, mpn=p.mpn)
        for p in mr.find_products(session, admin, q)
    ]
