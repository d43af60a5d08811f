"""Product pages: manufacturer data, identifiers and ranked offers with explanations."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import examples
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


class OfferFields(BaseModel):
    """One offer of a retailer, with why it sits where it does."""

    id: int
    rank: int = Field(
        description="The retailer's place in the comparison (1 = best); a retailer takes "
        "one place, so its further offers (``more_from_retailer``) share its rank."
    )
    score: float
    retailer: str
    retailer_name: str
    sku: str
    name: str = Field(
        description="The retailer's name for its offer (its feed's product name): tells a "
        "retailer's offers of one product apart, e.g. a pack size in ``more_from_retailer``."
    )
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


class OfferPublic(OfferFields):
    """One retailer's place in a product's comparison: its best offer (the one ranking puts
    first among the retailer's offers) and its other offers, best first."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.OFFER]})

    more_from_retailer: list[OfferFields] = Field(
        default_factory=list,
        description="The retailer's other offers of this product, in ranked order.",
    )


class ProductPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PRODUCT]})

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
    offers: list[OfferPublic] = Field(description="One per retailer, best retailer first.")
    offers_count: int = Field(
        description="The places in the comparison: one per retailer, however many offers "
        "it has (the others are in each offer's ``more_from_retailer``)."
    )
    ranking_config: str
