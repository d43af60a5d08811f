"""The portal's run summary: every count the run recorded, refusals and row errors in the
reader's language (the indexer writes them in English for the CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog.db import transaction
from catalog.models import FeedRun
from indexer.jobs import factory_for
from indexer.messages import Message, stored
from indexer.store import withdrawal_refusal
from tests.unit.ui.ui_support import UiEnv
from ui.feed_report import (
    change_counts,
    match_counts,
    message_text,
    more_errors,
    raised_message,
)

MASS = withdrawal_refusal(7, 10, ratio=0.5, allow=False, delta=False)


def _add_run(env: UiEnv, **values: object) -> int:
    with transaction(factory_for(env.settings)) as session:
        run = FeedRun(
            retailer_id=env.retailers["nordisk-dentaldepa"],
            file_name="lager.csv",
            sha256="1" * 64,
            size_bytes=10,
            progress=1.0,
            **values,
        )
        session.add(run)
        session.flush()
        return run.id


def test_mass_withdrawal_refusal_is_translated_and_points_to_the_checkbox() -> None:
    assert MASS is not None and "--allow-mass-withdrawal" in MASS  # what the indexer says
    assert MASS.code == "refusal.mass_withdrawal"
    sv = raised_message(MASS, "sv")
    assert sv is not None
    assert sv.startswith("Flödet skulle ta bort 7 av 10 aktiva erbjudanden (mer än 50\u00a0%)")
    assert "--allow" not in sv and "Tillåt att fler än hälften" in sv
    en = raised_message(MASS, "en")
    assert en is not None and "withdraw 7 of 10" in en and "--allow" not in en
    empty = Message("refusal.empty", file="lager.csv")
    assert empty == "lager.csv: the feed contains no rows; nothing was changed"
    assert raised_message(empty, "sv") == "lager.csv: filen innehåller inga rader; inget ändrades."
    unusable = raised_message(Message("refusal.unusable", file="a: b.csv", rows=4), "sv")
    assert unusable is not None and unusable.startswith("a: b.csv: ingen av de 4 raderna")
    # a file name that looks like a message of its own changes nothing: values are not parsed
    odd = Message("refusal.unusable", file="x: none of the 2 rows", rows=4)
    assert str(raised_message(odd, "sv")).startswith("x: none of the 2 rows: ingen av de 4")
    assert message_text("something new", None, None, "sv") == "something new"
    assert raised_message(None, "sv") is None


def test_counts_cover_every_change_and_match() -> None:
    counts = {
        "inserted": 1,
        "updated": 2,
        "reactivated": 3,
        "unchanged": 4,
        "withdrawn": 5,
        "kept": 6,
        "matched_title": 1,
        "matched_gtin": 7,
        "unmatched": 2,
        "review": 1,
    }
    assert [k for k, _n in change_counts(counts)] == [
        "count.inserted",
        "count.updated",
        "count.reactivated",
        "count.unchanged",
        "count.withdrawn",
        "count.kept",
    ]
    assert match_counts(counts) == [
        ("match.gtin", 7),
        ("match.title", 1),
        ("match.unmatched", 2),
        ("match.review", 1),
    ]
    assert change_counts({"rows": 3}) == []


def test_run_page_shows_every_count(as_retailer: TestClient, env: UiEnv) -> None:
    run_id = _add_run(
        env,
        status="succeeded",
        counts={
            "rows": 12,
            "valid": 10,
            "rejected": 2,
            "errors": 2,
            "warnings": 0,
            "inserted": 4,
            "updated": 3,
            "reactivated": 2,
            "unchanged": 1,
            "withdrawn": 5,
            "kept": 2,
            "matched_gtin": 9,
            "unmatched": 0,
            "review": 0,
        },
        row_errors=[
            {
                "row": 4,
                "field": "price",
                "value": "x",
                "message": "not a price: 'x'",
                "severity": "error",
                **Message("price.not_a_price", value="x").as_data(),
            },
            {
                "row": 5,
                "field": "sku",
                "value": "",
                "message": "SKU is empty",
                "severity": "warning",
                **Message("row.sku_empty").as_data(),
            },
            {  # stored before messages had codes: shown as stored
                "row": 6,
                "field": "sku",
                "value": "",
                "message": "an old message",
                "severity": "error",
            },
        ],
    )
    html = as_retailer.get(f"/portal/korningar/{run_id}").text
    assert (
        "nya 4, ändrade 3, återaktiverade 2, oförändrade 1, borttagna 5, "
        "behållna (raden avvisades) 2"
    ) in html
    assert "via GTIN 9" in html
    assert "<td>Pris</td>" in html and "<td>Artikelnummer</td>" in html
    assert "<td>fel</td>" in html and "<td>varning</td>" in html
    assert "<td>price</td>" not in html and "<td>error</td>" not in html
    assert "<td>artikelnummer saknas</td>" in html and "SKU is empty" not in html
    assert "<td>inte ett pris: &#39;x&#39;</td>" in html
    assert "<td>an old message</td>" in html
    english = as_retailer.get(f"/portal/korningar/{run_id}?lang=en").text
    assert "reactivated 2" in english and "kept (row rejected) 2" in english
    assert "<td>Price</td>" in english and "<td>warning</td>" in english
    assert "<td>SKU is empty</td>" in english


def test_refused_run_is_explained_in_swedish(as_retailer: TestClient, env: UiEnv) -> None:
    run_id = _add_run(
        env,
        status="rejected",
        **stored(MASS),
        counts={
            "rows": 3,
            "valid": 3,
            "rejected": 0,
            "errors": 0,
            "warnings": 0,
            "would_withdraw": 7,
            "active_before": 10,
        },
    )
    html = as_retailer.get(f"/portal/korningar/{run_id}/status").text
    assert "Flödet skulle ta bort 7 av 10 aktiva erbjudanden" in html
    assert "--allow-mass-withdrawal" not in html
    assert 'id="run-changes"' not in html  # nothing was changed: no change counts
    parse_failed = _add_run(env, status="rejected", message="lager.csv: not a feed", counts={})
    html = as_retailer.get(f"/portal/korningar/{parse_failed}/status").text
    assert "0 rader" not in html  # no counts known: none claimed


def test_preview_says_what_the_run_would_change_and_refuse(
    as_retailer: TestClient, env: UiEnv
) -> None:
    from tests.unit.ui.test_ui_portal import _upload
    from tests.unit.ui.ui_support import feed_bytes

    html, _ = _upload(as_retailer, feed_bytes(rows=2, bad_rows=1))
    assert "<td>Pris</td>" in html and "<td>fel</td>" in html
    assert 'id="preview-changes"' in html and "skulle körningen ge: nya" in html
    assert 'id="preview-scope"' not in html  # the stored offers were compared
    # the retailer has 6 active offers and this file lists none of them
    assert "nya 2, ändrade 0, återaktiverade 0, oförändrade 0, borttagna 6" in html
    assert 'id="preview-refusal"' in html and "Flödet skulle ta bort 6 av 6" in html
    assert "kryssa i ”Tillåt att fler än hälften" in html


def test_errors_beyond_the_kept_ones_are_summed_up_in_swedish(
    as_retailer: TestClient, env: UiEnv
) -> None:
    groups = [
        {
            "severity": "error",
            "field": "price",
            "reason": "price is empty",
            "count": 12000,
            "code": "price.empty",
            "values": {},
        },
        {
            "severity": "error",
            "field": "price",
            "reason": "not a price: …",
            "count": 6233,
            "code": "price.not_a_price",
            "values": {"value": "…"},
        },
    ]
    counts = {"rows": 19234, "valid": 0, "rejected": 19234, "errors": 19234, "warnings": 0}
    counts |= {"errors_truncated": 18233, "error_groups": groups}
    assert more_errors(counts, "sv") == (
        "och 18\u00a0233 fler fel som inte listas: pris saknas 12\u00a0000, "
        "inte ett pris: '…' 6\u00a0233"
    )
    # groups counted before codes existed: their reason as stored
    old = {**counts, "error_groups": [{"field": "price", "reason": "price is empty", "count": 5}]}
    assert more_errors(old, "sv") == "och 18\u00a0233 fler fel som inte listas: price is empty 5"
    assert more_errors({"errors": 3}, "sv") is None
    row_errors = [
        {"row": 2, "field": "price", "value": "", "message": "price is empty", "severity": "error"}
    ]
    run_id = _add_run(env, status="succeeded", counts=counts, row_errors=row_errors)
    html = as_retailer.get(f"/portal/korningar/{run_id}").text
    assert "och 18\u00a0233 fler fel som inte listas: pris saknas 12\u00a0000" in html


def test_invalid_utf8_warning_reads_in_swedish() -> None:
    from indexer.feeds.limits import INVALID_UTF8
    from ui.feed_report import field_label

    assert str(raised_message(INVALID_UTF8, "sv")).startswith("byte som inte är giltig UTF-8")
    assert field_label("encoding", "sv") == "Teckenkodning"


def test_a_file_that_changes_while_it_is_previewed_is_said_so_in_swedish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pass two of the preview meets another file: the portal says so, it does not fail.
    (A file read twice: one small enough to keep its offers in memory is read once.)"""
    import ui.feed_uploads as feed_uploads
    from catalog.settings import Settings
    from ui.feed_uploads import Staged, preview

    path = tmp_path / "lager.csv"
    path.write_text("sku;name;price;stock\nA;a;1;5\nB;b;2;5\n", encoding="utf-8")
    real = feed_uploads.summarize

    def rewrite_then_summarize(*args, **kw):  # type: ignore[no-untyped-def]
        path.write_text("sku;name;price;stock\nA;a;1;5\nC;c;2;5\n", encoding="utf-8")
        return real(*args, **kw)

    monkeypatch.setattr(feed_uploads, "summarize", rewrite_then_summarize)
    settings = Settings(
        data_dir=tmp_path / "var", database_url="", environment="test", feed_offers_in_memory=0
    )
    out = preview(settings, Staged("t" * 20, path, "lager.csv"), None, None)
    assert out.unreadable is not None and "changed while it was being read" in out.unreadable
    assert not out.can_submit and not out.sample
    assert out.unreadable.code == "refusal.file_changed"
    sv = str(raised_message(out.unreadable, "sv"))
    assert sv.startswith("lager.csv: filen ändrades medan den lästes") and "inget ändrades" in sv


def test_no_portal_text_points_to_a_command_line_flag() -> None:
    """A message whose English names the CLI (``--mapping``, ``valbar catalog import``) is
    said in the portal's own words; each of those is a code the indexer writes."""
    from indexer.messages import CATALOGS, codes
    from ui.feed_report import PORTAL_PREFIX
    from ui.i18n import MESSAGES

    cli = {
        code for code, text in CATALOGS["en"].messages.items() if "--" in text or "`valbar" in text
    }
    assert {"refusal.mass_withdrawal", "columns.missing", "file.manufacturer_catalog"} <= cli
    portal = {k.removeprefix(PORTAL_PREFIX) for k in MESSAGES if k.startswith("portal.refusal.")}
    portal |= {k.removeprefix(PORTAL_PREFIX) for k in MESSAGES if k.startswith("portal.file.")}
    portal |= {k.removeprefix(PORTAL_PREFIX) for k in MESSAGES if k.startswith("portal.columns.")}
    assert portal <= codes("en")  # no override of a code that does not exist
    assert cli <= portal
    for code in cli:
        for lang in ("sv", "en"):
            values = {"file": "lager.csv", "kind": "GUDID", "withdraw": 7, "active": 10}
            text = str(message_text("x", code, {**values, "ratio": 0.5}, lang))
            assert "--" not in text and "valbar" not in text and "{" not in text, text


def test_a_run_refused_for_missing_columns_points_to_the_preview(
    as_retailer: TestClient, env: UiEnv
) -> None:
    from indexer.errors import MissingColumnsError

    missing = MissingColumnsError(["price"], ["Artikelnummer", "Namn"], "lager.csv").message
    assert missing is not None and "--mapping" in missing
    run_id = _add_run(env, status="rejected", counts={}, **stored(missing))
    html = as_retailer.get(f"/portal/korningar/{run_id}/status").text
    assert "lager.csv: obligatoriska fält hittades inte bland filens kolumner" in html
    assert "--mapping" not in html
