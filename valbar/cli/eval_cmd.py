"""``valbar eval``: offline relevance evaluation against judged queries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ranking.errors import RankingError
from ranking.evaluation import EvalReport, load_judgments
from ranking.offer_cases import check_cases, load_cases
from search.build import build_search_service
from search.errors import SearchError
from search.eval_runner import (
    METRICS,
    comparison,
    evaluate_baseline,
    evaluate_service,
    worst_queries,
)
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
    database in a temporary directory and measured in the same run.

    Example: valbar eval ranking --json
    """
    from search.registry import get_backend

    for path in (judgments, offer_cases):
        if not path.is_file():
            fail(f"{path}: no such file", as_json=as_json)
    settings, factory = open_db()
    name = config or settings.ranking_config
    try:
        judged = load_judgments(judgments)
        backend = get_backend(settings)
        try:
            if backend.count() == 0:
                fail(
                    "the search index is empty: run `valbar reindex` first",
                    as_json=as_json,
                    code=RUNTIME,
                )
            service = build_search_service(
                settings, factory, backend=backend, config=configs_for(config)
            )
            report = evaluate_service(service, judged, name)
            orders = check_cases(load_cases(offer_cases), service.config(name))
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
