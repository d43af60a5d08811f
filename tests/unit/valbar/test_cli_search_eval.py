"""``valbar search / suggest / reindex / eval ranking`` over a tiny catalog in a temp data dir."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from catalog.db import transaction
from catalog.models import Offer, Product, Retailer
from catalog.settings import get_settings
from indexer.jobs import factory_for
from tests.factories import add_product
from valbar.cli import eval_cmd, search_cmd

GLOVES = "07350000000014"
BUR = "07350000000021"

app = typer.Typer()
app.command("search")(search_cmd.search)
app.command("suggest")(search_cmd.suggest)
app.command("reindex")(search_cmd.reindex)
app.add_typer(eval_cmd.eval_app, name="eval")
runner = CliRunner()


@pytest.fixture()
def catalog(settings_env: Path) -> Path:
    factory = factory_for(get_settings())
    add_product(factory, key="g", name="Nitrile examination gloves, size M", gtin=GLOVES)
    add_product(factory, key="b", name="Diamond bur FG round 012", gtin=BUR, brand="Komet")
    return settings_env


@pytest.fixture()
def indexed(catalog: Path) -> Path:
    result = runner.invoke(app, ["reindex", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["indexed"] == 2
    return catalog


def test_every_command_has_help_with_an_example() -> None:
    for path in (["search"], ["suggest"], ["reindex"], ["eval", "ranking"]):
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example: valbar " + " ".join(path) in result.output.replace("\n", " "), path


def test_search_json_has_the_documented_shape(indexed: Path) -> None:
    result = runner.invoke(app, ["search", "handskar", "--json", "--limit", "5"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"total", "took_ms", "hits", "facets"}
    assert data["total"] == 1
    hit = data["hits"][0]
    assert set(hit) == {
        "product_id",
        "gtin",
        "name",
        "brand",
        "category",
        "score",
        "offers_count",
        "best_offer",
    }
    assert hit["gtin"] == GLOVES and hit["offers_count"] == 0 and hit["best_offer"] is None


def test_search_text_and_bad_limit(indexed: Path) -> None:
    result = runner.invoke(app, ["search", "diamond bur"])
    assert result.exit_code == 0, result.output
    assert BUR in result.output
    bad = runner.invoke(app, ["search", "bur", "--limit", "1000", "--json"])
    assert bad.exit_code == 2
    assert "error" in json.loads(bad.output)


def test_search_explains_in_english_or_swedish(indexed: Path) -> None:
    english = runner.invoke(app, ["search", "diamond bur", "--explain"])
    assert english.exit_code == 0, english.output
    assert "text relevance 100% of the best match" in english.output
    assert "no retailer offers this product yet" in english.output
    assert re.search(r"^1 hits? \(|^\d+ hits \(", english.output, re.M), english.output
    assert "träff" not in english.output
    swedish = runner.invoke(app, ["search", "diamond bur", "--explain", "--lang", "sv"])
    assert swedish.exit_code == 0, swedish.output
    assert "textrelevans 100\u00a0% av bästa träffen" in swedish.output
    assert "ingen återförsäljare erbjuder produkten ännu" in swedish.output
    assert re.search(r"^\d+ träff(ar)? \(", swedish.output, re.M), swedish.output
    assert " hit" not in swedish.output
    as_json = runner.invoke(app, ["search", "diamond bur", "--explain", "--json", "--lang", "sv"])
    (part, *_rest) = json.loads(as_json.output)["hits"][0]["explanation"]["contributions"]
    assert (part["code"], part["values"], part["text"]) == (
        "text_relevance",
        {"percent": 100},
        "textrelevans 100\u00a0% av bästa träffen",
    )
    bad = runner.invoke(app, ["search", "bur", "--explain", "--lang", "de", "--json"])
    assert bad.exit_code == 2 and "--lang" in json.loads(bad.output)["error"]


def test_suggest_completes_a_prefix(indexed: Path) -> None:
    result = runner.invoke(app, ["suggest", "diam", "--json"])
    assert result.exit_code == 0, result.output
    assert any(s.startswith("diamond") for s in json.loads(result.output))


def test_eval_ranking_json_prints_the_exact_keys(indexed: Path, tmp_path: Path) -> None:
    judgments = tmp_path / "j.tsv"
    judgments.write_text(
        f"query\tgtin\tgrade\ttags\nhandskar\t{GLOVES}\t3\nhandskar\t{BUR}\t0\n"
        f"diamond bur\t{BUR}\t3\tsemantic\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["eval", "ranking", "--judgments", str(judgments), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {
        "ndcg@10",
        "mrr",
        "recall@50",
        "queries",
        "baseline",
        "offer_cases",
        "semantic_enabled",
        "semantic",
    }
    assert data["semantic_enabled"] is False
    semantic = data["semantic"]  # measured in the same run, with and without
    if "unavailable" not in semantic:  # the extra is installed (always in CI)
        assert set(semantic) == {
            "embedder",
            "without",
            "with",
            "gain",
            "semantic_queries",
            "meets_quality_rule",
        }
        assert semantic["semantic_queries"] == 1
        assert semantic["without"] == {"ndcg@10": 1.0, "semantic_ndcg@10": 1.0}
        assert semantic["gain"]["ndcg@10"] == round(
            semantic["with"]["ndcg@10"] - semantic["without"]["ndcg@10"], 4
        )
    cases = data["offer_cases"]  # the shipped judged offer orders, with the default config
    assert cases["cases"] >= 7 and cases["hold"] == cases["cases"] and cases["failing"] == []
    assert set(data["baseline"]) == {"ndcg@10", "mrr", "recall@50", "queries", "gain"}
    assert data["queries"] == 2 and data["ndcg@10"] == 1.0
    assert data["baseline"]["ndcg@10"] == 0.5  # BM25 cannot find "handskar"
    assert data["baseline"]["gain"]["ndcg@10"] == 0.5

    plain = runner.invoke(
        app,
        [
            "eval",
            "ranking",
            "--judgments",
            str(judgments),
            "--json",
            "--no-baseline",
            "--no-semantic",
        ],
    )
    assert set(json.loads(plain.output)) == {
        "ndcg@10",
        "mrr",
        "recall@50",
        "queries",
        "offer_cases",
        "semantic_enabled",
    }

    text = runner.invoke(app, ["eval", "ranking", "--judgments", str(judgments)])
    assert text.exit_code == 0, text.output
    assert "plain BM25" in text.output and "ndcg@10" in text.output
    assert "judged offer orders: " in text.output
    assert "semantic search" in text.output


def test_eval_ranking_lists_the_offer_orders_that_fail(indexed: Path, tmp_path: Path) -> None:
    judgments = tmp_path / "j.tsv"
    judgments.write_text(f"handskar\t{GLOVES}\t3\n", encoding="utf-8")
    cases = tmp_path / "cases.toml"
    profile = "on_time = 0.9\nstock_accuracy = 0.9\nstars = 4.0\nrma = 0.8\ncount = 50\n"
    cases.write_text(
        f"[retailers.a]\n{profile}[retailers.b]\n{profile.replace('4.0', '4.5')}"
        '[[case]]\nid = "dear-b-first"\nexpect = ["b", "a"]\noffers = ['
        '{ label = "a", retailer = "a", price = 100.0 },'
        '{ label = "b", retailer = "b", price = 1000.0 }]\n',
        encoding="utf-8",
    )
    args = ["eval", "ranking", "--judgments", str(judgments), "--no-baseline"]
    result = runner.invoke(app, [*args, "--offer-cases", str(cases), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["offer_cases"] == {
        "cases": 1,
        "hold": 0,
        "failing": [{"id": "dear-b-first", "expected": ["b", "a"], "got": ["a", "b"]}],
    }
    text = runner.invoke(app, [*args, "--offer-cases", str(cases)]).output
    assert "judged offer orders: 0 of 1 hold" in text
    assert "dear-b-first: expected b > a, got a > b" in text
    cases.write_text("[retailers.a]\nstars = 9\n", encoding="utf-8")
    bad = runner.invoke(app, [*args, "--offer-cases", str(cases), "--json"])
    assert bad.exit_code == 2 and "retailers.a.count" in json.loads(bad.output)["error"]


def test_eval_ranking_errors(catalog: Path, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["eval", "ranking", "--judgments", "nope.tsv", "--json"])
    assert missing.exit_code == 2 and "no such file" in json.loads(missing.output)["error"]
    bad = tmp_path / "bad.tsv"
    bad.write_text("q\tg\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "ranking", "--judgments", str(bad), "--json"])
    assert result.exit_code == 2 and "error" in json.loads(result.output)
    good = tmp_path / "good.tsv"
    good.write_text(f"q\t{BUR}\t3\n", encoding="utf-8")
    empty = runner.invoke(app, ["eval", "ranking", "--judgments", str(good), "--json"])
    # the command line is right, the index is not ready: a runtime error (1), not usage (2)
    assert empty.exit_code == 1 and "reindex" in json.loads(empty.output)["error"]


def test_search_with_a_rate_table_explains_the_conversion(
    catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13, 10: rates from the environment reach both the index (``valbar reindex``)
    and the ranking (``valbar search``); the EUR offer is listed in EUR, never as "None"."""
    monkeypatch.setenv("VALBAR_CURRENCY_RATES", '{"EUR": "11.42"}')
    monkeypatch.setenv("VALBAR_CURRENCY_RATES_DATE", "2026-12-01")
    get_settings.cache_clear()
    factory = factory_for(get_settings())
    with transaction(factory) as session:
        retailer = Retailer(slug="eurodent", name="Eurodent")
        session.add(retailer)
        session.flush()
        product = session.scalars(select(Product).where(Product.primary_gtin == GLOVES)).one()
        session.add(
            Offer(
                retailer_id=retailer.id,
                product_id=product.id,
                sku="E-1",
                raw_name="Gloves M",
                price=Decimal("10.00"),
                currency="EUR",
                vat_included=True,
                stock_status="in_stock",
                content_hash="e",
            )
        )
    assert runner.invoke(app, ["reindex", "--json"]).exit_code == 0
    result = runner.invoke(app, ["search", "gloves", "--explain", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "10.00 EUR" in result.output and "None" not in result.output
    assert "EUR 10.00 ≈ SEK\u00a0114.20 incl. VAT, rate 11.42 as of 2026-12-01" in result.output
