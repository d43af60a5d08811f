"""Swedish explanation sentences (the website's language; wording as the UI has shown it)."""

from __future__ import annotations

from ranking.messages.catalog import Catalog

_FEW = "[ (lite data: vägt mot antaget {prior:stars})]"
_FEW_SHARE = "[ (lite data: vägt mot antaget {prior:pct})]"

CATALOG = Catalog(
    lang="sv",
    decimal=",",
    messages={
        "on_time_share": "i tid {share:pct} av {orders#order}" + _FEW_SHARE + "; {@promise}",
        "on_time_no_data": "ingen data ännu: antaget {prior:pct}; {@promise}",
        "promise_days": "lovar {promise_days#day}",
        "no_promise": "ingen leveranstid angiven",
        "status_in_stock": "i lager; {@stock_data}",
        "status_limited": "få i lager; {@stock_data}",
        "status_backorder": "beställningsvara; {@stock_data}",
        "status_out_of_stock": "slut i lager; {@stock_data}",
        "status_unknown": "lagerstatus okänd; {@stock_data}",
        "status_unrecognized": "okänd lagerstatus {status:repr}; {@stock_data}",
        "stock_accurate": "korrekt lagerdata {accuracy:pct} av {checks#check}"
        "[ (lite data: vägt mot antaget {accuracy_prior:pct})]",
        "stock_no_data": "ingen data ännu: antaget {accuracy_prior:pct}",
        "reviews_rated": "betyg {stars:stars} av {reviews#review}[, {@verified}]" + _FEW,
        "reviews_verified": "varav {verified_reviews#purchase}[ som räknas ×{verified_weight}]",
        "treatment_rated": "bemötande betyg {stars:stars} av {ratings#rating}" + _FEW,
        "feedback_rated": "återkoppling betyg {stars:stars} av {ratings#rating}" + _FEW,
        "rma_share": "reklamationer väl hanterade {share:pct} av {cases#case}" + _FEW_SHARE,
        "competence_rated": "kompetens betyg {stars:stars} av {ratings#rating}" + _FEW,
        "no_data_rating": "ingen data ännu: antaget {prior:stars}",
        "no_data_share": "ingen data ännu: antaget {prior:pct}",
        "price_missing": "inget pris angivet",
        "price_no_rate": "{original:amount}\u00a0{original_currency} jämförs inte: ingen "
        "växelkurs för {original_currency}",
        "price_only": "enda prissatta erbjudandet ({@vat}): neutralt",
        "price_same": "samma pris som alla {offers} erbjudanden ({@vat})",
        "price_cheapest": "billigast av {offers} erbjudanden ({@vat})",
        "price_at_buyable_low": "lägsta köpbara priset av {offers} erbjudanden; de billigare går "
        "inte att köpa nu ({@vat})",
        "price_above_share": "{above:pct} över det billigaste av {offers} erbjudanden ({@vat})",
        "price_above_buyable_share": "{above:pct} över det billigaste köpbara av {offers} "
        "erbjudanden ({@vat})",
        "price_above_amount": "{above:money} över det billigaste av {offers} erbjudanden ({@vat})",
        "price_band_exceeded": "{ratio}\u00a0× medianpriset bland köpbara erbjudanden "
        "({median:money}), över prisbandet {band}\u00a0×: servicepoängen räknas inte",
        "vat_included": "{gross:money} inkl. moms",
        "vat_converted": "{gross:money} inkl. moms, omräknat med {vat_rate:pct}",
        "vat_unknown": "{gross:money}, momsstatus okänd: räknat som inkl. moms",
        "price_converted": "{original:amount}\u00a0{original_currency} ≈ {@converted_vat}"
        ", kurs {rate:dec}[ den {rates_date}]",
        "text_relevance": "textrelevans {percent}\u00a0% av bästa träffen",
        "no_text_score": "ingen textrelevans",
        "no_offers": "ingen återförsäljare erbjuder produkten ännu",
        "best_offer": "bästa erbjudandet ({seller}): {@offer_code}",
        "partial_match": "matchar bara några av sökorden och rankas därför efter alla fullständiga "
        "träffar[; poängen är högre än för {outscored#full} ovanför]",
        "rule_boosted": "lyft av regel {rule:repr} ({@target})[: {comment}]",
        "rule_buried": "sänkt av regel {rule:repr} ({@target})[: {comment}]",
        "rule_retailer": "återförsäljare {retailer}",
        "rule_product": "produktregel",
    },
    nouns={
        "order": ("order", "ordrar"),
        "review": ("omdöme", "omdömen"),
        "purchase": ("verifierat köp", "verifierade köp"),
        "rating": ("betyg", "betyg"),
        "case": ("ärende", "ärenden"),
        "check": ("kontroll", "kontroller"),
        "day": ("dag", "dagar"),
        "full": ("fullständig träff", "fullständiga träffar"),
    },
    fallback="{code} ({values})",
    percent="\u00a0%",  # "92 %", as the website writes shares (ui.i18n.Formatter)
    thousands="\u00a0",  # "1 234,50", as the website writes prices
    money="{amount}\u00a0{currency}",  # "1 234,50 kr", as the website writes prices
    currency_symbols={"SEK": "kr"},
)
