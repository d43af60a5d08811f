"""``valbar search``, ``valbar suggest`` and ``valbar reindex``: the search index from the shell."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ranking.errors import RankingError
from ranking.explain import explanation_json
from ranking.messages import DEFAULT_LANGUAGE, LANGUAGES
from search.build import RankingConfigs, build_search_service
from search.errors import InvalidSearchRequest, SearchError
from search.prices import MARKETPLACE_CURRENCY
from search.service import MAX_PAGE_SIZE, ProductHit, SearchRequest
from valbar.cli.context import RUNTIME, echo_json, echo_row, fail, open_db

CONFIG_HELP = (
    "Rank with the config file configs/ranking/NAME.toml instead of the published ranking "
    "version the site uses."
)

HIT_FIELDS = (
    "product_id",
    "gtin",
    "name",
    "brand",
    "category",
    "score",
    "offers_count",
    "best_offer",
)


def configs_for(name: str | None) -> RankingConfigs | None:
    """``--config NAME``: that config file; no option: the published configs (``None``)."""
    return None if name is None else RankingConfigs.files()


def _hit_json(hit: ProductHit, explain: bool, lang: str) -> dict[str, Any]:
    found = {name: getattr(hit, name) for name in HIT_FIELDS}
    if explain:
        found["explanation"] = explanation_json(hit.explanation, lang, MARKETPLACE_CURRENCY)
    return found


def _explanation_lines(hit: ProductHit, lang: str) -> list[str]:
    """One line per contribution: factor, points and the sentence in ``lang``."""
    return [
        f"{'':8}{c['factor'][:22]:22} {c['points']:+7.3f}  {c['text']}"
        for c in explanation_json(hit.explanation, lang, MARKETPLACE_CURRENCY)["contributions"]
    ]


def search(
    query: Annotated[str, typer.Argument(help="What to look for (Swedish or English, or a GTIN).")],
    limit: Annotated[int, typer.Option(help=f"Hits to show (1-{MAX_PAGE_SIZE}).")] = 10,
    config: Annotated[str | None, typer.Option(help=CONFIG_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show why each hit ranks where it does.")
    ] = False,
    lang: Annotated[
        str, typer.Option(help=f"Language of the explanations ({', '.join(LANGUAGES)}).")
    ] = DEFAULT_LANGUAGE,
) -> None:
    """Search the catalog as the marketplace does: analysis, the published ranking, facets.

    Example: valbar search diamantborr --explain --lang sv
    """
    if lang not in LANGUAGES:
        fail(f"--lang must be one of {', '.join(LANGUAGES)}", as_json=as_json)
    from search.registry import get_backend

    settings, factory = open_db()
    try:
        backend = get_backend(settings)
    except SearchError as exc:  # the backend cannot be opened
        fail(str(exc), as_json=as_json, code=RUNTIME)
    try:
        service = build_search_service(
            settings, factory, backend=backend, config=configs_for(config)
        )
        name = config or settings.ranking_config
        response = service.search(SearchRequest(q=query, size=limit, config_name=name))
    except (InvalidSearchRequest, RankingError) as exc:  # --limit, --config
        fail(str(exc), as_json=as_json)
    except SearchError as exc:
        fail(str(exc), as_json=as_json, code=RUNTIME)
    finally:
        backend.close()
    if as_json:
        echo_json(
            {
                "total": response.total,
                "took_ms": response.took_ms,
                "hits": [_hit_json(h, explain, lang) for h in response.hits],
                "facets": response.facets,
            }
        )
        return
    typer.echo(f"{_count(response.total, 'hit', lang)} ({response.took_ms:.1f} ms)")
    for rank, hit in enumerate(response.hits, start=1):
        price = ""
        if hit.best_offer is not None:
            # a SEK price incl. VAT; an offer in another currency as it states its price
            best = hit.best_offer
            amount = best.get("price_incl_vat")
            amount = best.get("price") if amount is None else amount
            price = f"  {amount} {best.get('currency')}"
        echo_row(f"{rank:3}. {hit.score:7.3f}  {hit.gtin or '-':14}  {hit.name}{price}")
        if hit.category:
            offers = _count(hit.offers_count, "offer", lang)
            echo_row(f"{'':27}{hit.brand or ''} · {hit.category} · {offers}")
        if explain:
            for line in _explanation_lines(hit, lang):
                typer.echo(line)


_NOUNS = {
    ("hit", "sv"): ("träff", "träffar"),
    ("hit", "en"): ("hit", "hits"),
    ("offer", "sv"): ("erbjudande", "erbjudanden"),
    ("offer", "en"): ("offer", "offers"),
}


def _count(n: int, noun: str, lang: str) -> str:
    """ "1 träff", "12 träffar", "1 hit": the count in the language of --lang."""
    one, many = _NOUNS[(noun, lang)]
    return f"{n} {one if n == 1 else many}"


def suggest(
    prefix: Annotated[str, typer.Argument(help="The start of a query.")],
    limit: Annotated[int, typer.Option(help="Suggestions to show.")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Complete a query prefix from product names, brands and categories.

    Example: valbar suggest diam --json
    """
    from search.registry import get_backend

    settings, _factory = open_db()
    try:
        backend = get_backend(settings)
        try:
            found = backend.suggest(prefix, limit)
        finally:
            backend.close()
    except InvalidSearchRequest as exc:
        fail(str(exc), as_json=as_json)
    except SearchError as exc:
        fail(str(exc), as_json=as_json, code=RUNTIME)
    if as_json:
        echo_json(found)
    else:
        for text in found:
            typer.echo(text)


def reindex(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Rebuild the search index from the database and swap it in (searches keep working).

    Holds the search index lock: one rebuild at a time, and changes committed during the
    rebuild are applied to the new index after the swap.

    Example: valbar reindex --json
    """
    import time

    from indexer.index_lock import LockBusy
    from indexer.outbox import rebuild_index

    settings, factory = open_db()
    started = time.perf_counter()
    try:
        done = rebuild_index(settings, factory=factory)
    except (SearchError, LockBusy) as exc:
        fail(str(exc), as_json=as_json, code=RUNTIME)
    written = done["indexed"]
    seconds = round(time.perf_counter() - started, 2)
    if as_json:
        echo_json({**done, "backend": settings.search_backend, "seconds": seconds})
    else:
        typer.echo(
            f"indexed {written} products ({settings.search_backend}, {seconds} s); "
            f"{done['caught_up']} changes made meanwhile applied"
        )
