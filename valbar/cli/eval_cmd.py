"""``valbar eval``: offline relevance evaluation against judged queries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session, sessionmaker

from catalog.settings import Settings
from ranking.errors import RankingError
from ranking.evaluation import SEMANTIC_TAG, EvalReport, load_judged_set
from ranking.offer_cases import check_cases, load_cases
from search.build import build_search_service
from search.errors import SearchError, SemanticUnavailable
from search.eval_runner import (
    METRICS,
    comparison,
    evaluate_baseline,
    evaluate_service,
    semantic_comparison,
    worst_queries,
)
from search.semantic.index import SemanticIndex
from valbar.cli.context import RUNTIME, echo_json, fail, open_db
from valbar.cli.search_cmd import CONFIG_HELP, configs_for

JUDGMENTS_DIR = Path(__file__).resolve().parents[2] / "configs" / "judgments"
DEFAULT_JUDGMENTS = JUDGMENTS_DIR / "dental_sv_en.tsv"
DEFAULT_OFFER_CASES = JUDGMENTS_DIR / "offer_order.toml"

eval_app = typer.Typer(help="Offline evaluation (judged queries).", no_args_is_help=True)


@eval_app.command("ranking")
def ranking(
    judgments: Annotated[
        Path, typer.Option("--judgments", help="TSV query<TAB>gtin<TAB>grade (0-3).")
    ] = DEFAULT_JUDGMENTS,
    config: Annotated[str | None, typer.Option("--config", help=CONFIG_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    baseline: Annotated[
        bool, typer.Option("--baseline/--no-baseline", help="Also measure plain BM25.")
    ] = True,
    worst: Annotated[int, typer.Option(help="Worst queries to list (text output).")] = 10,
    semantic: Annotated[
        bool,
        typer.Option(
            "--semantic/--no-semantic",
            help="Also measure with semantic search (needs the semantic extra; embeds the "
            "catalogue once, cached).",
        ),
    ] = True,
    offer_cases: Annotated[
        Path,
        typer.Option("--offer-cases", help="Judged offer orders (TOML, ranking/offer_cases.py)."),
    ] = DEFAULT_OFFER_CASES,
) -> None:
    """Score search on judged queries: nDCG@10, MRR, recall@50, and the gain over plain BM25;
    and check the judged offer orders (which of one product's offers comes first).

    Ranks with the published ranking version the site uses, unless ``--config NAME`` names
    a config file.

    The baseline (no synonyms, compounds, stemming or typo repair) is built from the same
    database in a temporary directory and measured in the same run. So is search without
    and with semantic search (``semantic``: nDCG@10 overall and on the queries tagged
    ``semantic``), whatever the settings serve; the figures above are what they serve.

    Example: valbar eval ranking --json
    """
    from search.registry import get_backend

    for path in (judgments, offer_cases):
        if not path.is_file():
            fail(f"{path}: no such file", as_json=as_json)
    settings, factory = open_db()
    name = config or settings.ranking_config
    try:
        judged_set = load_judged_set(judgments)
        judged = judged_set.judgments
        backend = get_backend(settings)
        try:
            if backend.count() == 0:
                fail(
                    "the search index is empty: run `valbar reindex` first",
                    as_json=as_json,
                    code=RUNTIME,
                )
            plain = build_search_service(
                settings, factory, backend=backend, config=configs_for(config), semantic=False
            )
            without = evaluate_service(plain, judged, name)
            hybrid, unavailable = None, ""
            if semantic or settings.semantic_enabled:
                try:
                    index = _semantic_index(settings, factory)
                except SemanticUnavailable as exc:
                    if settings.semantic_enabled:
                        raise
                    unavailable = str(exc)
                else:
                    hybrid = build_search_service(
                        settings,
                        factory,
                        backend=backend,
                        config=configs_for(config),
                        semantic=index,
                    )
            with_semantic = evaluate_service(hybrid, judged, name) if hybrid else None
            report = with_semantic if settings.semantic_enabled and with_semantic else without
            orders = check_cases(load_cases(offer_cases), plain.config(name))
        finally:
            backend.close()
        base: EvalReport | None = None
        if baseline:
            with factory() as session:
                base = evaluate_baseline(session, judged)
    except RankingError as exc:  # the judgments file or --config
        fail(str(exc), as_json=as_json)
    except SearchError as exc:  # the search backend
        fail(str(exc), as_json=as_json, code=RUNTIME)
    result = comparison(report, base)
    result["semantic_enabled"] = settings.semantic_enabled
    if with_semantic is not None:
        result["semantic"] = {
            "embedder": settings.semantic_embedder,
            **semantic_comparison(without, with_semantic, judged_set.tagged(SEMANTIC_TAG)),
        }
    elif unavailable:
        result["semantic"] = {"unavailable": unavailable}
    result["offer_cases"] = {
        "cases": len(orders),
        "hold": sum(r.holds for r in orders),
        "failing": [
            {"id": r.case.id, "expected": r.case.expect, "got": r.got}
            for r in orders
            if not r.holds
        ],
    }
    if as_json:
        echo_json(result)
        return
    label = name if config else "published"
    _print_text(result, label, worst_queries(report, base, worst))


def _semantic_index(settings: Settings, factory: sessionmaker[Session]) -> SemanticIndex:
    """The embeddings index of the configured embedder, brought up to the catalogue
    (cached vectors are reused: only new or changed product texts are embedded)."""
    from search.documents import build_documents
    from search.indexing import open_semantic

    index = open_semantic(settings.model_copy(update={"semantic_enabled": True}))
    assert index is not None
    with factory() as session:
        index.rebuild(build_documents(session))
    return index


def _print_text(result: dict[str, Any], config: str, worst: list[dict[str, Any]]) -> None:
    base = result.get("baseline")
    header = f"{'':12}{config:>12}" + (f"{'plain BM25':>12}{'gain':>10}" if base else "")
    typer.echo(f"{result['queries']} judged queries")
    typer.echo(header)
    for metric in METRICS:
        line = f"{metric:12}{result[metric]:12.4f}"
        if base:
            line += f"{base[metric]:12.4f}{base['gain'][metric]:+10.4f}"
        typer.echo(line)
    sem = result.get("semantic")
    if sem and "unavailable" in sem:
        typer.echo(f"\nsemantic search not measured: {sem['unavailable']}")
    elif sem:
        on = "on" if result["semantic_enabled"] else "off"
        typer.echo(f"\nsemantic search ({sem['embedder']}; served: {on}), nDCG@10")
        typer.echo(f"{'':26}{'without':>10}{'with':>10}{'gain':>10}")
        for key, label in (
            ("ndcg@10", "all queries"),
            ("semantic_ndcg@10", f"semantic queries ({sem['semantic_queries']})"),
        ):
            without, with_, gain = sem["without"][key], sem["with"][key], sem["gain"][key]
            typer.echo(f"{label:26}{without:10.4f}{with_:10.4f}{gain:+10.4f}")
        verdict = "met" if sem["meets_quality_rule"] else "not met"
        typer.echo(f"quality rule (>= +0.02 overall, >= +0.10 semantic queries): {verdict}")
    cases = result["offer_cases"]
    typer.echo(f"\njudged offer orders: {cases['hold']} of {cases['cases']} hold")
    for failing in cases["failing"]:
        expected, got = " > ".join(failing["expected"]), " > ".join(failing["got"])
        typer.echo(f"  {failing['id']}: expected {expected}, got {got}")
    if worst:
        typer.echo("\nworst queries by nDCG@10:")
        for row in worst:
            versus = f"  (BM25 {row['baseline_ndcg@10']:.3f})" if "baseline_ndcg@10" in row else ""
            typer.echo(f"  {row['ndcg@10']:.3f}  {row['query']}{versus}")
