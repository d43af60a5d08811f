"""Product pages: manufacturer data, identifiers and ranked offers with explanations."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime


class ManufacturerPublic(BaseModel):
    id: int
    name: str


class IdentifierPublic(BaseModel):
    scheme: str
    value: str
    level: str
    pkg_quantity: int | None


class ContributionPublic(BaseModel):
    """One factor's share of a score, as data (``code`` and ``values``) and as ``text`` in the
    language of ``Accept-Language`` (sv or en; default en). A product's factors carry the code
    ``best_offer``: ``values.seller`` is the best offer's retailer and ``values.offer_code``
    the offer's own reason code."""

    factor: str
    code: str = Field(description="The reason code (one per kind of sentence).")
    values: dict[str, Any] = Field(description="The numbers and names the sentence shows.")
    value: float
    weight: float
    points: float
    count: int | None
    text: str = Field(description="The sentence, in the response's Content-Language.")


class ExplanationPublic(BaseModel):
    total: float
    contributions: list[ContributionPublic]


class OfferPublic(BaseModel):
    """One retailer's offer, in ranked order, with why it sits where it does."""

    id: int
    rank: int
    score: float
    retailer: str
    retailer_name: str
    sku: str
    price: float | None
    currency: str
    vat_included: bool | None
    stock_status: str
    stock_quantity: int | None
    delivery_days: int | None
    url: str | None
    retailer_metadata: dict[str, Any] = Field(
        description="What the retailer adds to its offer (its feed's columns: warranty, "
        "service, training, category, ...): the retailer's, not the manufacturer's."
    )
    updated_at: UtcDatetime
    explanation: ExplanationPublic


class ProductPublic(BaseModel):
    id: int
    name: str
    brand: str | None
    mpn: str | None
    gtin: str | None
    description: str | None
    category: str | None
    manufacturer: ManufacturerPublic | None
    specs: list[Any]
    image_urls: list[Any]
    identifiers: list[IdentifierPublic]
    offers: list[OfferPublic]
    offers_count: int
    ranking_config: str
