"""What the UI may say about the order of offers, derived from the published ranking weights.

"Delivery precision, availability and reviews before price" is only said when the published
config makes it true; otherwise the heaviest factors are listed, heaviest first.
"""

from __future__ import annotations

from starlette.requests import Request

from api.deps import SearchHolder
from ranking.config import FACTORS, FactorWeights, RankingConfig
from ranking.errors import RankingError
from search.build import RankingConfigs
from ui.i18n import translate

TOP = 3


def _factor(lang: str, name: str) -> str:
    label = translate(lang, f"factor.{name}")
    return label[:1].lower() + label[1:]


def _join(lang: str, words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {translate(lang, 'claim.and')} {words[-1]}"


def order_claim(weights: FactorWeights, lang: str) -> str:
    """``"leveransprecision, tillgänglighet och kollegors omdömen före pris"`` when true."""
    pairs = [(w, name) for name, w in zip(FACTORS, weights.as_tuple(), strict=True) if w > 0]
    ranked = sorted(pairs, key=lambda p: -p[0])  # stable: ties keep the clinics' order
    top = ranked[:TOP]
    price = weights.of("price")
    names = _join(lang, [_factor(lang, name) for _w, name in top])
    if price <= 0:
        return translate(lang, "claim.no_price", factors=names)
    if all(w > price for w, _name in top):
        return translate(lang, "claim.before_price", factors=names)
    return translate(lang, "claim.by_weight", factors=names)


def published_config(request: Request) -> RankingConfig | None:
    """The live ranking config: cached by the search service once it runs, else read."""
    state = request.app.state
    holder: SearchHolder | None = getattr(state, "search", None)
    if holder is None:
        return None
    name = holder.settings.ranking_config
    service = holder.built
    try:
        if service is not None:
            return service.config(name)
        return RankingConfigs.published(state.session_factory, name)(name)
    except RankingError:
        return None


def published_claim(request: Request, lang: str) -> str | None:
    cfg = published_config(request)
    return None if cfg is None else order_claim(cfg.weights, lang)
