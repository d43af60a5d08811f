"""The scoring functions of the factor table: each reads its signal and says why, as data.

A function returns a :class:`Reading`: the factor value in 0..1 before binning, the reason
code of its explanation and the values the sentence shows (``ranking.messages`` words them).
Binning, weighting and caching are the same for every factor (``ranking.factors``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from catalog.enums import StockStatus
from ranking.signals import RetailerQuality, Signal, shrink, stars

if TYPE_CHECKING:
    from ranking.config import Prior, RankingConfig
    from ranking.price_basis import PriceBasis, PriceConversion, UncomparedPrice

NO_RATE_CODE = "price_no_rate"  # a price in a currency without a rate: shown, not compared
CONVERTED_CODE = "price_converted"  # a price compared after conversion from another currency
STATUS_CODES = {status.value: f"status_{status.value}" for status in StockStatus}


@dataclass(frozen=True, slots=True)
class Reading:
    """A factor value (0..1, not yet binned) with its reason code, values and case count."""

    value: float
    code: str
    values: dict[str, Any]
    count: int | None = None


@dataclass(frozen=True, slots=True)
class SignalWords:
    """How a measured retailer signal is explained: its code and the names of its values."""

    code: str  # with data, e.g. "reviews_rated"
    rating: bool  # a 1..5 rating (shown as stars) or a 0..1 share (shown in percent)
    count_key: str  # e.g. "reviews": the values key of the number of cases
    value_key: str = ""  # default: "stars" for ratings, "share" for shares
    prior_key: str = "prior"

    def explain(self, signal: Signal, prior: Prior) -> tuple[str, dict[str, Any]]:
        """The code and values of ``signal``: measured, measured on few data, or no data."""
        show = stars if self.rating else float
        if signal.value is None or signal.count <= 0:
            code = "no_data_rating" if self.rating else "no_data_share"
            return code, {self.prior_key: show(prior.mean)}
        key = self.value_key or ("stars" if self.rating else "share")
        values: dict[str, Any] = {key: show(signal.value), self.count_key: signal.count}
        if signal.count < prior.strength:
            values[self.prior_key] = show(prior.mean)
        return self.code, values


ON_TIME = SignalWords("on_time_share", False, "orders")
STOCK_ACCURACY = SignalWords(
    "stock_accurate", False, "checks", value_key="accuracy", prior_key="accuracy_prior"
)


def delivery_precision(
    config: RankingConfig, retailer: RetailerQuality, days: int | None
) -> Reading:
    """Measured on-time share blended with the promised delivery days (``ranking.config`` 1)."""
    prior = config.priors["delivery_precision"]
    curve = config.delivery
    share = curve.promise_share
    precision = shrink(retailer.delivery_precision, prior)
    value = (1 - share) * precision + share * curve.score(days)
    signal = retailer.delivery_precision
    code, values = ON_TIME.explain(signal, prior)
    if code == "no_data_share":
        code = "on_time_no_data"
    if days is None:
        values["promise"] = "no_promise"
    else:
        values["promise"] = "promise_days"
        values["promise_days"] = days
    return Reading(value, code, values, signal.count)


def availability(config: RankingConfig, retailer: RetailerQuality, status: str) -> Reading:
    """Stated stock status, trusted as far as the retailer's stock data is accurate (2)."""
    prior = config.priors["stock_accuracy"]
    scores = config.availability
    unknown = scores[StockStatus.UNKNOWN.value]
    values: dict[str, Any] = {}
    if status in scores:
        stated, code = scores[status], STATUS_CODES[status]
    else:
        stated, code = unknown, "status_unrecognized"
        values["status"] = status
    signal = retailer.stock_accuracy
    accuracy = shrink(signal, prior)
    stock_code, stock_values = STOCK_ACCURACY.explain(signal, prior)
    if stock_code == "no_data_share":
        stock_code = "stock_no_data"
    values.update(stock_values, stock_data=stock_code)
    value = accuracy * stated + (1 - accuracy) * unknown
    return Reading(value, code, values, signal.count)


def retailer_signal(signal_name: str, words: SignalWords) -> RetailerScore:
    """The scoring function of a factor that is one retailer signal shrunk to its prior."""

    def score(config: RankingConfig, retailer: RetailerQuality, _key: object = None) -> Reading:
        prior = config.priors[signal_name]
        signal = retailer.signal(signal_name)
        code, values = words.explain(signal, prior)
        return Reading(shrink(signal, prior), code, values, signal.count)

    score.__name__ = f"{signal_name}_score"
    return score


REVIEWS = SignalWords("reviews_rated", True, "reviews")


def reviews(config: RankingConfig, retailer: RetailerQuality, _key: object = None) -> Reading:
    """Colleagues' reviews (3): the mean weighs verified purchases ``verified_weight`` times
    as much as other reviews (``ranking.config``, 3-7); shrunk toward the prior over the
    number of reviews. The explanation says how many were verified and their weight."""
    prior = config.priors["reviews"]
    signal = retailer.reviews
    verified = retailer.verified_reviews
    weight = config.reviews.verified_weight
    if signal.value is not None and signal.count > 0 and verified.has_data:
        assert verified.value is not None
        mine = min(verified.count, signal.count)
        others = signal.count - mine
        others_mean = (
            (signal.value * signal.count - verified.value * mine) / others if others else 0
        )
        total = weight * mine + others
        if total > 0:
            mean = (weight * mine * verified.value + others * others_mean) / total
            signal = Signal(min(1.0, max(0.0, mean)), signal.count)
    code, values = REVIEWS.explain(signal, prior)
    if code == REVIEWS.code and verified.has_data:
        values["verified"] = "reviews_verified"
        values["verified_reviews"] = min(verified.count, signal.count)
        values["verified_weight"] = weight if weight != 1.0 else None
    return Reading(shrink(signal, prior), code, values, signal.count)


def price_reading(
    config: RankingConfig,
    vat_included: bool | None,
    gross: float | None,
    basis: PriceBasis,
    conversion: PriceConversion | None = None,
    uncompared: UncomparedPrice | None = None,
) -> tuple[str, dict[str, Any]]:
    """The code and values of an offer's price among the product's priced offers.

    A price converted from another currency (``conversion``) is explained as such: the
    ``vat`` part becomes ``price_converted`` (the stated amount and currency, the rate and
    its date), which words the VAT part (``converted_vat``) after the converted amount.
    A price stated in a currency without a rate (``uncompared``) is not compared and says
    so (``price_no_rate``), rather than "no price given" beside its shown price.
    """
    if gross is None:
        if uncompared is not None:
            return NO_RATE_CODE, uncompared.values()
        return "price_missing", {}
    priced = basis.priced
    values: dict[str, Any] = {"gross": gross, "offers": priced}
    if vat_included is False:
        values.update(vat="vat_converted", vat_rate=config.vat_rate)
    elif vat_included is None:
        values["vat"] = "vat_unknown"
    else:
        values["vat"] = "vat_included"
    if conversion is not None:
        values.update(conversion.values(), converted_vat=values["vat"], vat=CONVERTED_CODE)
    reference = basis.reference
    if priced <= 1:
        code = "price_only"
    elif basis.high <= basis.low:
        code = "price_same"
    elif gross <= basis.low:
        code = "price_cheapest"
    elif gross <= reference:  # cheaper offers exist, but none of them can be bought now
        code = "price_at_buyable_low"
    elif reference <= 0:
        code, values["above"] = "price_above_amount", gross - reference
    elif basis.buyable_reference:
        code, values["above"] = "price_above_buyable_share", gross / reference - 1
    else:
        code, values["above"] = "price_above_share", gross / reference - 1
    return code, values


def band_reading(config: RankingConfig, gross: float, basis: PriceBasis) -> dict[str, Any]:
    """The values of the ``price_band_exceeded`` explanation of an offer above the band."""
    assert basis.median is not None
    return {
        "ratio": round(gross / basis.median, 1),
        "band": config.price.band,
        "median": basis.median,
    }


if TYPE_CHECKING:
    from collections.abc import Callable

    RetailerScore = Callable[[RankingConfig, RetailerQuality, object], Reading]
