"""The ranking configuration: weights, priors, binning, text blend, availability, delivery, rules.

Ranking is a function of (signals, config): every tunable lives here, validated by pydantic and
stored as TOML in ``configs/ranking/<name>.toml`` (and as versions in the database).

How the factors are built (each is a value in 0..1, binned, then weighted):

1. ``delivery_precision`` = ``(1 - promise_share) * shrunk on-time share`` +
   ``promise_share * delivery.score(promised days)``. The retailer's measured on-time share is
   the main signal (does the retailer keep its promises); the offer's promised delivery days
   enter with the smaller ``promise_share`` (a fast promise helps, but only from a retailer
   whose promises hold does it matter much). Unknown days score ``delivery.unknown_days``.
2. ``availability`` = ``acc * availability[status] + (1 - acc) * availability["unknown"]``
   where ``acc`` is the retailer's shrunk stock-accuracy. A stock status from a retailer
   whose stock data is unreliable is worth little more than no status at all.
3-7. ``reviews``, ``treatment`` (bemötande), ``feedback`` (återkoppling), ``rma``, ``competence``:
   the retailer's signal shrunk toward its prior (1..5 ratings mapped to 0..1 by (x-1)/4).
   For ``reviews`` the mean weighs each verified-purchase review (tied to a delivered order of
   its author) ``reviews.verified_weight`` times as much as another one: with ``v`` verified
   reviews of mean ``m_v`` and ``u`` others of mean ``m_u``, the mean is
   ``(w*v*m_v + u*m_u) / (w*v + u)``; the count it is shrunk with stays ``v + u``.
8. ``price``: the offer's price (VAT-excluded prices converted with ``vat_rate``) against
   the product's cheapest *buyable* offer (in stock, or on backorder with a date; without
   one, the cheapest offer): ``(cheapest / price) ** price.steepness``, so the factor falls
   steeply with the ratio (steepness 3: 10% dearer 0.75, 25% dearer 0.51, twice the price
   0.125, three times 0.04) and a 0.5% difference still bins to 1.0. A product with one
   priced offer (or all prices equal) gets the neutral 1.0: price cannot hurt without a
   rival. An offer without a price gets ``price.missing``.
   Price band: an offer dearer than ``price.band`` times the median buyable price (the lower
   middle one for an even count) loses its service advantage: a ``price_band`` contribution
   takes back its other factors' points (it keeps its price points and any rule's), and its
   explanation says so. ``band = 0`` turns the band off.

Binning: each factor value is rounded to the nearest multiple of ``binning.step`` so tiny
differences (90.1% vs 89.9% on time) do not decide. Equal totals are then broken by the
binned factor values in factor order (delivery precision first), then by the lower price
(VAT-included), then by the lower offer id: ranking is fully deterministic.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from catalog.enums import StockStatus
from ranking import toml_writer
from ranking.errors import ConfigProblem, InvalidConfig, UnknownConfig
from ranking.factor_table import DEFAULT_TABLE, FactorTable, active_table
from ranking.rules import Rule

FACTORS: tuple[str, ...] = DEFAULT_TABLE.names
"""The eight ranking factors, in the order clinics value them (``ranking.factor_table``)."""

SIGNALS: tuple[str, ...] = tuple(f.signal for f in DEFAULT_TABLE if f.signal is not None)
"""The retailer signals that are shrunk toward a prior (each has a ``Prior``)."""

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs" / "ranking"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _weight(default: float, description: str) -> Any:
    return Field(default=default, ge=0.0, le=1000.0, allow_inf_nan=False, description=description)


class _FactorWeightsBase(_Model):
    """Relative weight of each factor; normalized to sum 1 when used.

    One field per row of the factor table (``ranking.factor_table``), with the row's default
    weight. A factor added for a while with ``factor_table.registered`` is accepted as an
    extra key; any other name is refused.
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    @model_validator(mode="after")
    def _known_and_not_all_zero(self) -> _FactorWeightsBase:
        table = active_table()
        for name, value in (self.__pydantic_extra__ or {}).items():
            if name not in table:
                raise ValueError(f"unknown factor {name!r} (factors: {', '.join(table.names)})")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"the weight of {name} must be a number")
            if not 0.0 <= value <= 1000.0:
                raise ValueError(f"the weight of {name} must be within 0..1000")
        if sum(self.as_tuple()) <= 0:
            raise PydanticCustomError("weights_all_zero", "at least one factor weight must be > 0")
        return self

    def of(self, name: str) -> float:
        """The raw weight of factor ``name`` (a registered factor without one: its default)."""
        found = getattr(self, name, None)
        if found is None:
            found = (self.__pydantic_extra__ or {}).get(name)
        if found is None:
            return active_table().by_name[name].default_weight
        return float(found)

    def as_tuple(self, table: FactorTable | None = None) -> tuple[float, ...]:
        """Raw weights in factor order."""
        return tuple(self.of(name) for name in (table or active_table()).names)

    def normalized(self, table: FactorTable | None = None) -> tuple[float, ...]:
        """Weights in factor order, scaled to sum to 1."""
        raw = self.as_tuple(table)
        total = sum(raw)
        return tuple(value / total for value in raw)


if TYPE_CHECKING:
    FactorWeights = _FactorWeightsBase
else:
    FactorWeights = create_model(
        "FactorWeights",
        __base__=_FactorWeightsBase,
        __module__=__name__,
        __doc__=_FactorWeightsBase.__doc__,
        **{f.name: (float, _weight(f.default_weight, f.description)) for f in DEFAULT_TABLE},
    )


class Prior(_Model):
    """Bayesian shrinkage prior: ``(count*value + strength*mean) / (count + strength)``."""

    mean: float = Field(ge=0.0, le=1.0, allow_inf_nan=False, description="Value (0..1) assumed.")
    strength: float = Field(
        ge=0.0,
        le=1_000_000.0,
        allow_inf_nan=False,
        description="How many observations the prior is worth; 0 = trust the data fully.",
    )


DEFAULT_PRIORS: dict[str, Prior] = {
    "delivery_precision": Prior(mean=0.85, strength=20),
    "stock_accuracy": Prior(mean=0.80, strength=10),
    "reviews": Prior(mean=0.70, strength=10),  # 3.8 of 5
    "treatment": Prior(mean=0.70, strength=10),
    "feedback": Prior(mean=0.70, strength=10),
    "rma": Prior(mean=0.75, strength=10),
    "competence": Prior(mean=0.70, strength=10),
}

DEFAULT_AVAILABILITY: dict[str, float] = {
    StockStatus.IN_STOCK.value: 1.0,
    StockStatus.LIMITED.value: 0.7,
    StockStatus.BACKORDER.value: 0.35,
    StockStatus.UNKNOWN.value: 0.3,
    StockStatus.OUT_OF_STOCK.value: 0.0,
}


class ReviewWeighting(_Model):
    """How the colleagues' reviews factor weighs verified purchases (see the docstring, 3)."""

    verified_weight: float = Field(
        default=2.0,
        ge=0.0,
        le=100.0,
        allow_inf_nan=False,
        description="Weight of a review tied to a delivered order relative to one that is "
        "not (1 = the same; 2 = counts twice in the mean).",
    )


class Binning(_Model):
    """Rounding of factor values so that tiny differences do not decide the order."""

    step: float = Field(
        default=0.05,
        ge=0.0,
        le=0.5,
        allow_inf_nan=False,
        description="Factor values are rounded to multiples of this; 0 disables binning.",
    )


class TextBlend(_Model):
    """How text relevance and offer quality blend into a product's score.

    score = relevance_weight * text/max_text + quality_weight * best-offer quality
    (both terms in 0..1) - no_offer_penalty (products nobody sells). With the defaults a
    product needs a text score a third of the best one's better to win on text alone, and
    the penalty of 1.0 puts every product without offers below every purchasable one.
    """

    relevance_weight: float = Field(
        default=0.75,
        ge=0.0,
        le=100.0,
        allow_inf_nan=False,
        description="Weight of text relevance, normalized by the candidate set's best text score.",
    )
    quality_weight: float = Field(
        default=0.25,
        ge=0.0,
        le=100.0,
        allow_inf_nan=False,
        description="Weight of the best offer's quality score (0..1).",
    )
    no_offer_penalty: float = Field(
        default=1.0,
        ge=0.0,
        le=100.0,
        allow_inf_nan=False,
        description="Points subtracted from products without offers (still returned, flagged).",
    )

    @model_validator(mode="after")
    def _some_weight(self) -> TextBlend:
        if self.relevance_weight + self.quality_weight <= 0:
            raise ValueError("relevance_weight + quality_weight must be > 0")
        return self


class DeliveryCurve(_Model):
    """Promised delivery days -> 0..1 (piecewise linear), and its share of the delivery factor."""

    points: list[tuple[int, float]] = Field(
        default_factory=lambda: [
            (0, 1.0),
            (1, 1.0),
            (2, 0.9),
            (3, 0.8),
            (5, 0.6),
            (10, 0.3),
            (20, 0.0),
        ],
        description="[days, score] pairs, days strictly increasing; flat beyond both ends.",
    )
    unknown_days: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Score of an offer that states no delivery time.",
    )
    promise_share: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Share of the delivery factor from promised days; the rest is on-time share.",
    )

    @field_validator("points")
    @classmethod
    def _check_points(cls, points: list[tuple[int, float]]) -> list[tuple[int, float]]:
        if not points:
            raise ValueError("needs at least one [days, score] point")
        for days, score in points:
            if days < 0:
                raise ValueError(f"days must be >= 0, got {days}")
            if not 0.0 <= score <= 1.0:
                raise ValueError(f"score must be within 0..1, got {score}")
        if any(b[0] <= a[0] for a, b in itertools.pairwise(points)):
            raise ValueError("days must be strictly increasing")
        return points

    def score(self, days: int | None) -> float:
        """The promise score of ``days`` (``unknown_days`` when ``None``)."""
        if days is None:
            return self.unknown_days
        points = self.points
        if days <= points[0][0]:
            return points[0][1]
        for (d0, s0), (d1, s1) in itertools.pairwise(points):
            if days <= d1:
                return s0 + (s1 - s0) * (days - d0) / (d1 - d0)
        return points[-1][1]


class PriceScale(_Model):
    """How an offer's price maps to 0..1: steeply by its ratio to the cheapest buyable price,
    and a band above which an offer's service no longer counts (``ranking.price_basis``)."""

    steepness: float = Field(
        default=3.0,
        gt=0.0,
        le=20.0,
        allow_inf_nan=False,
        description="Price factor = (cheapest buyable price / price) ** steepness: with 3, "
        "10% dearer scores 0.75, twice the price 0.125.",
    )
    band: float = Field(
        default=2.0,
        ge=0.0,
        le=100.0,
        allow_inf_nan=False,
        description="Offers dearer than band x the median buyable price lose their service "
        "points (only price and rules count for them); 0 turns the band off.",
    )
    missing: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Price factor value of an offer that gives no price.",
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_linear_spread(cls, data: Any) -> Any:
        # ``min_spread`` shaped the linear price scale that the ratio replaced (issue 13);
        # versions stored before then still carry it and must keep loading.
        if isinstance(data, Mapping) and "min_spread" in data:
            return {k: v for k, v in data.items() if k != "min_spread"}
        return data

    @field_validator("band")
    @classmethod
    def _band_at_least_one(cls, band: float) -> float:
        if 0.0 < band < 1.0:
            raise PydanticCustomError(
                "band_range",
                "band must be 0 (off) or at least 1 (times the median buyable price), got {value}",
                {"value": f"{band:g}"},
            )
        return band


def _default_priors() -> dict[str, Prior]:
    return dict(DEFAULT_PRIORS)


def _default_availability() -> dict[str, float]:
    return dict(DEFAULT_AVAILABILITY)


class RankingConfig(_Model):
    """One named ranking configuration (see the module docstring for how factors are built).

    Frozen: derive a changed copy with ``updated({...})``, which validates (``model_copy``
    does not).
    """

    name: str = Field(
        default="default",
        min_length=1,
        max_length=80,
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="Config name (file stem in configs/ranking, key of its versions).",
    )
    description: str = Field(default="", description="What this config is for.")
    weights: FactorWeights = Field(
        default_factory=FactorWeights, description="Relative factor weights (normalized)."
    )
    priors: dict[str, Prior] = Field(
        default_factory=_default_priors,
        description="Shrinkage prior per retailer signal; missing signals use the defaults.",
    )
    reviews: ReviewWeighting = Field(
        default_factory=ReviewWeighting,
        description="How the reviews factor weighs verified purchases.",
    )
    binning: Binning = Field(default_factory=Binning, description="Factor value rounding.")
    text: TextBlend = Field(
        default_factory=TextBlend, description="Blend of text relevance and offer quality."
    )
    availability: dict[str, float] = Field(
        default_factory=_default_availability,
        description="Score 0..1 per stock status; trusted in proportion to stock accuracy.",
    )
    delivery: DeliveryCurve = Field(
        default_factory=DeliveryCurve, description="Promised delivery days -> 0..1."
    )
    price: PriceScale = Field(
        default_factory=PriceScale, description="Price normalization within a product."
    )
    vat_rate: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="VAT rate used to make VAT-excluded prices comparable.",
    )
    rules: list[Rule] = Field(default_factory=list, description="Merchandising rules, in order.")

    def updated(self, changes: Mapping[str, Any]) -> RankingConfig:
        """A validated copy with ``changes`` deep-merged in, e.g. ``{"weights": {"price": 0.3}}``.

        Raises ``InvalidConfig`` naming the bad field.
        """
        return config_from_mapping(
            _merge(self.model_dump(mode="python"), changes), source=f"update of {self.name!r}"
        )

    @field_validator("priors")
    @classmethod
    def _check_priors(cls, priors: dict[str, Prior]) -> dict[str, Prior]:
        unknown = sorted(set(priors) - set(SIGNALS))
        if unknown:
            raise ValueError(f"unknown signal(s) {unknown}; expected some of {list(SIGNALS)}")
        return {name: priors.get(name, DEFAULT_PRIORS[name]) for name in SIGNALS}

    @field_validator("availability")
    @classmethod
    def _check_availability(cls, scores: dict[str, float]) -> dict[str, float]:
        statuses = [status.value for status in StockStatus]
        unknown = sorted(set(scores) - set(statuses))
        if unknown:
            raise ValueError(f"unknown stock status(es) {unknown}; expected some of {statuses}")
        for status, score in scores.items():
            if not 0.0 <= score <= 1.0:
                raise ValueError(f"{status}: score must be within 0..1, got {score}")
        return {status: scores.get(status, DEFAULT_AVAILABILITY[status]) for status in statuses}

    @field_validator("rules")
    @classmethod
    def _unique_rule_ids(cls, rules: list[Rule]) -> list[Rule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return rules


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            merged[key] = _merge(current, value)
        else:
            merged[key] = value
    return merged


LIMITS = ("gt", "ge", "lt", "le")


def _problems(exc: ValidationError) -> list[ConfigProblem]:
    out = []
    for error in exc.errors():
        ctx = error.get("ctx") or {}
        limit = next((ctx[k] for k in LIMITS if k in ctx), None)
        values = tuple((str(k), str(v)) for k, v in ctx.items() if k not in LIMITS and k != "error")
        out.append(
            ConfigProblem(
                field=".".join(str(part) for part in error["loc"]) or "(config)",
                kind=error["type"],
                message=error["msg"].removeprefix("Value error, "),
                limit=float(limit) if isinstance(limit, int | float) else None,
                values=values,
            )
        )
    return out


def config_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> RankingConfig:
    """Validate plain data into a config; raises ``InvalidConfig`` naming each bad field."""
    try:
        return RankingConfig.model_validate(dict(data))
    except ValidationError as exc:
        problems = _problems(exc)
        raise InvalidConfig(
            source, [f"{p.field}: {p.message}" for p in problems], problems
        ) from exc


def config_from_toml(text: str, source: str = "<toml>") -> RankingConfig:
    """Parse and validate a TOML document."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfig(source, [f"(toml): {exc}"]) from exc
    return config_from_mapping(data, source)


def config_to_toml(cfg: RankingConfig) -> str:
    """Serialize a config to TOML; ``config_from_toml(config_to_toml(c)) == c``."""
    data = cfg.model_dump(mode="python")
    data["delivery"]["points"] = [list(point) for point in cfg.delivery.points]
    return toml_writer.dumps(data)


def load_config(path: Path) -> RankingConfig:
    """Load a config TOML file; ``UnknownConfig`` if missing, ``InvalidConfig`` if bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UnknownConfig(path.stem) from exc  # the message never names a server path
    return config_from_toml(text, source=str(path))


def config_path(name: str, config_dir: Path | None = None) -> Path:
    """Where the file of config ``name`` lives (names are plain file stems)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise UnknownConfig(name)
    return (config_dir or DEFAULT_CONFIG_DIR) / f"{name}.toml"


def load_named(name: str, config_dir: Path | None = None) -> RankingConfig:
    """Load ``<config_dir>/<name>.toml`` (default dir: ``<repo>/configs/ranking``)."""
    return load_config(config_path(name, config_dir))


def available_configs(config_dir: Path | None = None) -> list[str]:
    """Names of the config files in ``config_dir``, sorted."""
    directory = config_dir or DEFAULT_CONFIG_DIR
    return sorted(path.stem for path in directory.glob("*.toml"))
