"""Per-query merchandising rules: pin, hide, boost and bury, with optional validity windows.

A rule applies to a query when it is enabled, ``now`` lies in ``[valid_from, valid_to)`` and
its ``match_query`` matches (no ``match_query`` means every query). Queries are compared
casefolded with whitespace collapsed; ``exact`` needs equality, ``contains`` a substring.

A rule targets products by its selectors, all of which must match (AND): ``product_id``,
``brand`` and ``category`` (casefolded equality) and ``retailer`` (a retailer slug: the
product is sold by that retailer; at offer level, that retailer's offers are targeted).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from ranking.errors import NaiveDatetime

RuleAction = Literal["pin", "hide", "boost", "bury"]
MAX_RULE_AMOUNT = 10.0


def normalize_query(query: str) -> str:
    """Casefold and collapse whitespace: the form in which queries are compared."""
    return " ".join(query.casefold().split())


def _fold(text: str | None) -> str | None:
    return None if text is None else " ".join(text.casefold().split())


class Rule(BaseModel):
    """One merchandising rule. Shown in every explanation it changes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(
        min_length=1,
        max_length=80,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        description="Stable identifier, unique within a config; shown in explanations.",
    )
    action: RuleAction = Field(
        description="pin: fixed position; hide: removed; boost/bury: +/- `amount` points."
    )
    match_query: str | None = Field(
        default=None, description="Query the rule is for (casefolded); empty = every query."
    )
    match_type: Literal["exact", "contains"] = Field(
        default="exact", description="exact: whole query equal; contains: substring of query."
    )
    brand: str | None = Field(default=None, description="Target products of this brand.")
    category: str | None = Field(default=None, description="Target products of this category.")
    retailer: str | None = Field(
        default=None, description="Retailer slug: target that retailer's offers (boost/bury)."
    )
    product_id: int | None = Field(
        default=None, ge=1, description="Target one product (required for pin)."
    )
    position: int | None = Field(
        default=None, ge=1, description="1-based result position of a pinned product."
    )
    amount: float = Field(
        default=0.0,
        ge=0.0,
        le=MAX_RULE_AMOUNT,
        allow_inf_nan=False,
        description="Points added (boost) or subtracted (bury); shown in the explanation.",
    )
    valid_from: datetime | None = Field(
        default=None, description="Timezone-aware start of validity (inclusive); empty = always."
    )
    valid_to: datetime | None = Field(
        default=None, description="Timezone-aware end of validity (exclusive); empty = never."
    )
    enabled: bool = Field(default=True, description="Disabled rules are kept but never apply.")
    comment: str = Field(default="", description="Why the rule exists (for the audit trail).")

    @model_validator(mode="after")
    def _check(self) -> Rule:
        for label, moment in (("valid_from", self.valid_from), ("valid_to", self.valid_to)):
            if moment is not None and moment.utcoffset() is None:
                raise ValueError(f"{label} must be timezone-aware (e.g. 2025-01-01T00:00:00Z)")
        if self.valid_from and self.valid_to and self.valid_from >= self.valid_to:
            raise PydanticCustomError("valid_range", "valid_from must be before valid_to")
        if self.match_query is not None and not normalize_query(self.match_query):
            raise PydanticCustomError(
                "match_query_blank", "match_query must not be blank (omit it to match every query)"
            )
        has_target = any(
            value is not None
            for value in (self.product_id, self.brand, self.category, self.retailer)
        )
        if self.action == "pin":
            if self.product_id is None or self.position is None:
                raise PydanticCustomError(
                    "pin_needs_product_and_position", "a pin rule needs product_id and position"
                )
        elif not has_target:
            raise PydanticCustomError(
                "rule_needs_target",
                "a {action} rule needs a target: product_id, brand, category or retailer",
                {"action": self.action},
            )
        if self.action in ("boost", "bury") and self.amount <= 0:
            raise PydanticCustomError(
                "amount_positive", "a {action} rule needs amount > 0", {"action": self.action}
            )
        if self.action != "pin" and self.position is not None:
            raise PydanticCustomError(
                "position_only_pin", "position is only meaningful for pin rules"
            )
        return self

    def is_active(self, now: datetime) -> bool:
        """Enabled and within its validity window at ``now`` (timezone-aware)."""
        if now.utcoffset() is None:
            raise NaiveDatetime("rules are evaluated at a timezone-aware time; got a naive one")
        if not self.enabled:
            return False
        if self.valid_from is not None and now < self.valid_from:
            return False
        return not (self.valid_to is not None and now >= self.valid_to)

    def matches_query(self, query: str) -> bool:
        """Whether the rule is for this query (``query`` may be raw or normalized)."""
        if self.match_query is None:
            return True
        wanted = normalize_query(self.match_query)
        got = normalize_query(query)
        return wanted == got if self.match_type == "exact" else wanted in got

    def matches_product(
        self,
        product_id: int,
        brand: str | None,
        category: str | None,
        retailer_slugs: Iterable[str],
    ) -> bool:
        """Whether every selector of the rule matches this product."""
        if self.product_id is not None and self.product_id != product_id:
            return False
        if self.brand is not None and _fold(self.brand) != _fold(brand):
            return False
        if self.category is not None and _fold(self.category) != _fold(category):
            return False
        return self.retailer is None or self.retailer in retailer_slugs

    def targets_offers_of(self, retailer_slug: str) -> bool:
        """An offer-level boost/bury: only a ``retailer`` selector, matching this retailer."""
        return (
            self.action in ("boost", "bury")
            and self.retailer == retailer_slug
            and self.product_id is None
            and self.brand is None
            and self.category is None
        )

    @property
    def signed_amount(self) -> float:
        """``+amount`` for boost, ``-amount`` for bury, 0 for pin/hide."""
        if self.action == "boost":
            return self.amount
        if self.action == "bury":
            return -self.amount
        return 0.0


def applicable_rules(rules: Sequence[Rule], query: str, now: datetime) -> list[Rule]:
    """The rules that apply to ``query`` at ``now``, in their configured order."""
    if now.utcoffset() is None:
        raise NaiveDatetime("rules are evaluated at a timezone-aware time; got a naive one")
    normalized = normalize_query(query)
    return [rule for rule in rules if rule.is_active(now) and rule.matches_query(normalized)]
