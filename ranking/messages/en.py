"""English explanation sentences (the reference wording of the API and the CLI)."""

from __future__ import annotations

from ranking.messages.catalog import Catalog

_FEW = "[ (few data: weighted toward prior {prior:stars})]"
_FEW_SHARE = "[ (few data: weighted toward prior {prior:pct})]"

CATALOG = Catalog(
    lang="en",
    decimal=".",
    messages={
        # delivery precision: measured on-time share, then the offer's promise
        "on_time_share": "on time {share:pct} over {orders#order}" + _FEW_SHARE + "; {@promise}",
        "on_time_no_data": "no data yet: prior {prior:pct}; {@promise}",
        "promise_days": "promises {promise_days#day}",
        "no_promise": "no delivery time given",
        # availability: the stated stock status, then how accurate the retailer's stock data is
        "status_in_stock": "in stock; {@stock_data}",
        "status_limited": "limited stock; {@stock_data}",
        "status_backorder": "on backorder; {@stock_data}",
        "status_out_of_stock": "out of stock; {@stock_data}",
        "status_unknown": "stock status unknown; {@stock_data}",
        "status_unrecognized": "unrecognized status {status:repr}; {@stock_data}",
        "stock_accurate": "stock data accurate {accuracy:pct} over {checks#check}"
        "[ (few data: weighted toward prior {accuracy_prior:pct})]",
        "stock_no_data": "no data yet: prior {accuracy_prior:pct}",
        # the retailer's ratings and shares
        "reviews_rated": "rated {stars:stars} over {reviews#review}[, {@verified}]" + _FEW,
        "reviews_verified": "of which {verified_reviews#purchase}[ counted ×{verified_weight}]",
        "treatment_rated": "treatment (bemötande) rated {stars:stars} over {ratings#rating}" + _FEW,
        "feedback_rated": "feedback (återkoppling) rated {stars:stars} over {ratings#rating}"
        + _FEW,
        "rma_share": "returns handled well {share:pct} over {cases#case}" + _FEW_SHARE,
        "competence_rated": "competence rated {stars:stars} over {ratings#rating}" + _FEW,
        "no_data_rating": "no data yet: prior {prior:stars}",
        "no_data_share": "no data yet: prior {prior:pct}",
        # price among the product's offers
        "price_missing": "no price given",
        "price_no_rate": "{original_currency} {original:amount} not compared: no "
        "exchange rate for {original_currency}",
        "price_only": "only priced offer ({@vat}): neutral",
        "price_same": "same price as all {offers} offers ({@vat})",
        "price_cheapest": "cheapest of {offers} offers ({@vat})",
        "price_at_buyable_low": "cheapest buyable price of {offers} offers; the cheaper ones "
        "cannot be bought now ({@vat})",
        "price_above_share": "{above:pct} above the cheapest of {offers} offers ({@vat})",
        "price_above_buyable_share": "{above:pct} above the cheapest buyable of {offers} offers "
        "({@vat})",
        "price_above_amount": "{above:money} above the cheapest of {offers} offers ({@vat})",
        "price_band_exceeded": "{ratio}× the median buyable price ({median:money}), above the "
        "price band of {band}×: its service points do not count",
        "vat_included": "{gross:money} incl. VAT",
        "vat_converted": "{gross:money} incl. VAT, converted at {vat_rate:pct}",
        "vat_unknown": "{gross:money}, VAT status unknown: taken as incl. VAT",
        # a price in another currency, compared after conversion with the configured rate
        "price_converted": "{original_currency} {original:amount} ≈ {@converted_vat}"
        ", rate {rate:dec}[ as of {rates_date}]",
        # product level
        "text_relevance": "text relevance {percent}% of the best match",
        "no_text_score": "no text relevance score",
        "no_offers": "no retailer offers this product yet",
        "best_offer": "best offer ({seller}): {@offer_code}",
        "partial_match": "matches only some of the query words, so it is ranked after every full "
        "match[; its score is higher than that of {outscored#full} ranked above it]",
        # merchandising rules
        "rule_boosted": "boosted by rule {rule:repr} ({@target})[: {comment}]",
        "rule_buried": "buried by rule {rule:repr} ({@target})[: {comment}]",
        "rule_retailer": "retailer {retailer}",
        "rule_product": "product rule",
    },
    nouns={
        "order": ("order", "orders"),
        "review": ("review", "reviews"),
        "purchase": ("verified purchase", "verified purchases"),
        "rating": ("rating", "ratings"),
        "case": ("case", "cases"),
        "check": ("check", "checks"),
        "day": ("day", "days"),
        "full": ("full match", "full matches"),
    },
    fallback="{code} ({values})",
)
