"""The search API's hand-laid JSON equals the validated public model's, byte for byte."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.schemas.search import SearchResponsePublic, search_response_json
from ranking.explain import explanation_json
from ranking.messages import codes
from search.prices import MARKETPLACE_CURRENCY
from search.service import ProductHit, SearchRequest, SearchResponse
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env


def reference(result: SearchResponse, page: int, size: int, lang: str = "en") -> bytes:
    hits = [
        replace(h, explanation=explanation_json(h.explanation, lang, MARKETPLACE_CURRENCY))
        for h in result.hits
    ]
    return (
        SearchResponsePublic.model_validate(
            {
                "data": hits,
                "count": result.total,
                "facets": result.facets,
                "took_ms": result.took_ms,
                "relaxed": result.relaxed,
                "page": page,
                "size": size,
            },
            from_attributes=True,
        )
        .model_dump_json()
        .encode()
    )


prices = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False),
)
texts = st.text(max_size=40)
floats = st.one_of(  # non-finite scores must come out as null, as the model writes them
    st.floats(min_value=-2, max_value=2, allow_nan=False),
    st.sampled_from([math.inf, -math.inf, math.nan]),
)


@st.composite
def offers(draw: st.DrawFn) -> dict[str, Any]:
    price = draw(prices)
    vat = draw(st.one_of(st.none(), st.booleans()))
    gross = None if price is None else (price * Decimal("1.25") if vat is False else price)
    return {
        "offer_id": draw(st.integers(1, 10**9)),
        "retailer": draw(texts),
        "retailer_name": draw(texts),
        "price": price,
        "currency": draw(st.sampled_from(["SEK", "EUR"])),
        "vat_included": vat,
        "price_incl_vat": gross,
        "stock_status": draw(st.sampled_from(["in_stock", "limited", "unknown"])),
        "delivery_days": draw(st.one_of(st.none(), st.integers(0, 90))),
        "score": draw(floats),
    }


@st.composite
def hits(draw: st.DrawFn) -> ProductHit:
    low = draw(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False))
    contribution = st.fixed_dictionaries(
        {
            "factor": texts,
            "code": st.one_of(texts, st.sampled_from(sorted(codes()))),
            "values": st.dictionaries(texts, st.one_of(floats, texts, st.integers()), max_size=3),
            "value": floats,
            "weight": floats,
            "points": floats,
            "count": st.one_of(st.none(), st.integers(0, 10**6)),
        }
    )
    return ProductHit(
        product_id=draw(st.integers(1, 10**9)),
        gtin=draw(st.one_of(st.none(), st.from_regex(r"\A[0-9]{14}\Z"))),
        name=draw(texts),
        brand=draw(st.one_of(st.none(), texts)),
        category=draw(st.one_of(st.none(), texts)),
        score=draw(floats),
        offers_count=draw(st.integers(0, 50)),
        best_offer=draw(st.one_of(st.none(), offers())),
        price_range=draw(
            st.one_of(
                st.none(),
                st.just({"min": low, "max": low * 2, "currency": "SEK", "vat_included": True}),
            )
        ),
        availability=draw(st.sampled_from(["in_stock", "no_offers"])),
        explanation={"total": draw(floats), "contributions": draw(st.lists(contribution))},
        flags=draw(st.lists(st.sampled_from(["partial_match", "no_offers", "pinned"]))),
        fastest_delivery_days=draw(st.one_of(st.none(), st.integers(0, 90))),
    )


@settings(max_examples=60, deadline=None)
@given(
    found=st.lists(hits(), max_size=4),
    facets=st.dictionaries(
        st.sampled_from(["brand", "category", "price"]),
        st.lists(st.builds(lambda v, n: {"value": v, "count": n}, texts, st.integers(0, 10**6))),
    ),
    took=st.floats(min_value=0, max_value=10**4, allow_nan=False),
    page=st.integers(1, 100),
)
def test_any_response_serializes_as_the_public_model_does(
    found: list[ProductHit], facets: dict[str, list[dict[str, Any]]], took: float, page: int
) -> None:
    result = SearchResponse(total=len(found), took_ms=took, hits=found, facets=facets)
    assert search_response_json(result, page, 20) == reference(result, page, 20)
    assert search_response_json(result, page, 20, "sv") == reference(result, page, 20, "sv")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_search_json")))
    yield built
    close_env(built)


@pytest.mark.parametrize(
    "request_args",
    [
        {"q": "nitrilhandske"},
        {"q": "handskar", "sort": "price_asc"},
        {"q": ""},
        {"q": "", "in_stock": True, "size": 3, "page": 2},
        {"q": "komposit", "max_price": Decimal("500")},
    ],
)
def test_real_searches_serialize_as_the_public_model_does(
    env: ApiEnv, request_args: dict[str, Any]
) -> None:
    service = env.client.app.state.search.get()  # type: ignore[attr-defined]
    result = service.search(SearchRequest(**request_args))
    page, size = request_args.get("page", 1), request_args.get("size", 20)
    assert search_response_json(result, page, size) == reference(result, page, size)
    body = env.client.get("/api/v1/search", params=request_args).json()
    assert [h["product_id"] for h in body["data"]] == [h.product_id for h in result.hits]


def test_a_remembered_contribution_is_not_reused_for_other_numbers() -> None:
    """Contributions that share a values dict (ranking's per-page copies of a product's
    offer factors) are serialized once; a copy with other numbers is serialized anew."""
    values = {"share": 0.9, "orders": 12, "promise": "promise_days", "promise_days": 2}
    first = {
        "factor": "delivery_precision",
        "code": "on_time_share",
        "values": values,
        "value": 0.8,
        "weight": 0.2,
        "points": 0.16,
        "count": 12,
    }
    scaled = {**first, "weight": 0.1, "points": 0.08}
    same_points = {**first, "weight": 0.16, "value": 1.0}
    for c in (first, {**first}, scaled, same_points, first):
        hit = ProductHit(
            product_id=1,
            gtin=None,
            name="Nitrilhandske",
            brand=None,
            category=None,
            score=float(c["points"]),
            offers_count=1,
            best_offer=None,
            price_range=None,
            availability="in_stock",
            explanation={"total": c["points"], "contributions": [c]},
        )
        result = SearchResponse(total=1, took_ms=1.0, hits=[hit], facets={})
        for lang in ("en", "sv"):
            assert search_response_json(result, 1, 20, lang) == reference(result, 1, 20, lang)
