"""Why a campaign is refused, in Swedish and English: one wording per code of
``marketplace.campaigns``, read by the API (a problem's ``text`` in the request's language)
and the portal (its ``error_detail.<code>`` messages)."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("sv", "en")

CAMPAIGN_MESSAGES: dict[str, tuple[str, str]] = {
    "campaign_title_format": (
        "Rubriken är en rad: inga radbrytningar eller andra styrtecken.",
        "The title is one line: no line breaks or other control characters.",
    ),
    "campaign_title": (
        "Ange en rubrik på 1 till {limit} tecken.",
        "Give a title of 1 to {limit} characters.",
    ),
    "campaign_text": (
        "Texten får vara högst {limit} tecken.",
        "The text may be at most {limit} characters.",
    ),
    "campaign_period": (
        "Sista dagen kan inte vara före första dagen.",
        "The last day cannot be before the first day.",
    ),
    "campaign_ended": (
        "Sista dagen har redan passerat: en kampanj måste sluta i framtiden.",
        "The last day has already passed: a campaign must end in the future.",
    ),
    "campaign_products_many": (
        "Högst {limit} produkter per kampanj.",
        "At most {limit} products per campaign.",
    ),
    "campaign_products_unknown": (
        "Okända produkter: {ids}.",
        "Unknown products: {ids}.",
    ),
    "campaign_skus_unknown": (
        "Inga aktiva erbjudanden kopplade till en produkt har artikelnumren: {skus}.",
        "No active offers linked to a product have the article numbers: {skus}.",
    ),
    "campaign_not_found": ("Kampanjen finns inte.", "The campaign does not exist."),
}


def campaign_text(code: str | None, values: Mapping[str, object], lang: str) -> str | None:
    """The sentence for ``code`` in ``lang`` (``sv``/``en``, else English) filled with
    ``values``; None for a code that is not a campaign's."""
    if code is None or code not in CAMPAIGN_MESSAGES:
        return None
    sv, en = CAMPAIGN_MESSAGES[code]
    return (sv if lang == "sv" else en).format_map(
        {k: v for k, v in values.items() if k != "field"}
    )
