"""Explanations as bars: each factor's track is as long as its weight, filled by its value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ranking.config import FACTORS

# English detail sentences from ranking -> Swedish, phrase by phrase (numbers untouched).
_SV_PHRASES: tuple[tuple[str, str], ...] = (
    (r"\bno data yet: prior\b", "ingen data ännu: antaget"),
    (r"\bfew data: weighted toward prior\b", "lite data: vägt mot antaget"),
    (r"\btreatment \(bemötande\) rated\b", "bemötande betyg"),
    (r"\bfeedback \(återkoppling\) rated\b", "återkoppling betyg"),
    (r"\bcompetence rated\b", "kompetens betyg"),
    (r"\breturns handled well\b", "reklamationer väl hanterade"),
    (r"\bstock data accurate\b", "korrekt lagerdata"),
    (r"\bno delivery time given\b", "ingen leveranstid angiven"),
    (r"\bpromises 1 day\b", "lovar 1 dag"),
    (r"\bpromises (\d+) days\b", r"lovar \1 dagar"),
    (r"\bon time\b", "i tid"),
    (r"\brated\b", "betyg"),
    (r"\bover (\d+)\b", r"av \1"),
    # ranking writes the singular noun for a count of 1 ("over 1 case"): keep it singular
    (r"\borders\b", "ordrar"),
    (r"\breviews\b", "omdömen"),
    (r"\breview\b", "omdöme"),
    (r"\bratings?\b", "betyg"),
    (r"\bcases\b", "ärenden"),
    (r"\bcase\b", "ärende"),
    (r"\bchecks\b", "kontroller"),
    (r"\bcheck\b", "kontroll"),
    (r"\bin stock\b", "i lager"),
    (r"\blimited stock\b", "få i lager"),
    (r"\bon backorder\b", "beställningsvara"),
    (r"\bout of stock\b", "slut i lager"),
    (r"\bstock status unknown\b", "lagerstatus okänd"),
    (r"\bonly priced offer\b", "enda prissatta erbjudandet"),
    (r"\bneutral\b", "neutralt"),
    (r"\bsame price as all (\d+) offers\b", r"samma pris som alla \1 erbjudanden"),
    (r"\babove the cheapest of (\d+) offers\b", r"över det billigaste av \1 erbjudanden"),
    (r"\bcheapest of (\d+) offers\b", r"billigast av \1 erbjudanden"),
    (r"\bVAT status unknown: taken as\b", "momsstatus okänd: räknat som"),
    (r"\bincl\. VAT\b", "inkl. moms"),
    (r"\bconverted at\b", "omräknat med"),
    (r"\bno price given\b", "inget pris angivet"),
    (r"\btext relevance\b", "textrelevans"),
    (r"\bof the best match\b", "av bästa träffen"),
    (r"\bbest offer\b", "bästa erbjudandet"),
    (r"\bboosted by rule\b", "lyft av regel"),
    (r"\bburied by rule\b", "sänkt av regel"),
    (r"\bretailer\b", "återförsäljare"),
)
_SV_COMPILED = tuple((re.compile(p), r) for p, r in _SV_PHRASES)
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")  # 4.9/5, 405.65: Swedish writes 4,9 and 405,65


def localize_detail(detail: str, lang: str) -> str:
    if lang != "sv":
        return detail
    for pattern, replacement in _SV_COMPILED:
        detail = pattern.sub(replacement, detail)
    return _DECIMAL_POINT.sub(",", detail)


@dataclass(frozen=True, slots=True)
class Bar:
    factor: str
    label_key: str
    label_arg: str
    detail: str
    value: float
    weight: float
    points: float
    track_pct: float  # length of the track: weight relative to the heaviest factor
    fill_pct: float  # share of the track filled: the factor's value
    negative: bool


def bars(explanation: Any, lang: str) -> list[Bar]:
    """View rows of an explanation (an ``Explanation`` or its ``as_dict()``)."""
    if hasattr(explanation, "as_dict"):
        explanation = explanation.as_dict()
    contributions: list[dict[str, Any]] = list(explanation.get("contributions", []))
    weights = [abs(float(c["weight"])) for c in contributions if c["factor"] in FACTORS]
    heaviest = max(weights, default=0.0) or 1.0
    out: list[Bar] = []
    for c in contributions:
        factor = str(c["factor"])
        weight = float(c["weight"])
        points = float(c["points"])
        value = min(1.0, max(0.0, float(c["value"])))
        if factor.startswith("rule:"):
            key, arg = "factor.rule", factor.removeprefix("rule:")
            track = min(100.0, abs(points) / heaviest * 100)
            fill = 100.0
        else:
            key = f"factor.{factor}"
            arg = ""
            track = min(100.0, abs(weight) / heaviest * 100) if factor in FACTORS else 100.0
            fill = value * 100
        out.append(
            Bar(
                factor=factor,
                label_key=key,
                label_arg=arg,
                detail=localize_detail(str(c.get("detail") or ""), lang),
                value=value,
                weight=weight,
                points=points,
                track_pct=round(track, 1),
                fill_pct=round(fill, 1),
                negative=points < 0,
            )
        )
    return out
