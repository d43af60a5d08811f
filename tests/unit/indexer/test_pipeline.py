"""The ingest pipeline end to end on SQLite: full/delta semantics, guards, atomicity."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.models import FeedRun, Offer
from catalog.settings import Settings
from indexer.matching.model import default_model
from indexer.pipeline import FeedOptions, dry_run, run_feed, submit_feed
from tests.factories import add_product, add_retailer, migrated_factory, swedish_feed, write_csv


@pytest.fixture()
def env(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "var", database_url="", environment="test")
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    return settings, factory


def ingest(env, path: Path, **opts: object):  # type: ignore[no-untyped-def]
    settings, factory = env
    run_id = submit_feed(factory, settings, path, "tandab", FeedOptions(**opts))  # type: ignore[arg-type]
    return run_feed(factory, settings, run_id)


def active(factory) -> int:  # type: ignore[no-untyped-def]
    with factory() as s:
        return s.scalar(select(func.count()).select_from(Offer).where(Offer.withdrawn_at.is_(None)))


def test_full_feed_inserts_then_reingest_changes_nothing(env, tmp_path: Path) -> None:
    feed = swedish_feed(tmp_path / "lager.csv", 10)
    first = ingest(env, feed)
    assert first.status == "succeeded"
    assert first.counts["inserted"] == 10
    assert first.mapping["sku"] == "Artikelnummer"
    with env[1]() as s:
        before = {o.sku: (o.price, o.content_hash, o.updated_at) for o in s.scalars(select(Offer))}
    second = ingest(env, feed)
    assert second.counts["inserted"] == 0 and second.counts["updated"] == 0
    assert second.counts["unchanged"] == 10
    with env[1]() as s:
        after = {o.sku: (o.price, o.content_hash, o.updated_at) for o in s.scalars(select(Offer))}
    assert before == after


def test_decimal_comma_price_stock_and_vat_are_normalized(env, tmp_path: Path) -> None:
    feed = write_csv(
        tmp_path / "f.csv",
        [
            ["Art.nr", "Produktnamn", "Pris inkl. moms", "Lagerstatus"],
            ["A1", "Komposit A2 spruta", "1 234,50 kr", "Slut i lager"],
        ],
    )
    out = ingest(env, feed)
    assert out.status == "succeeded"
    with env[1]() as s:
        offer = s.scalars(select(Offer)).one()
    assert str(offer.price) == "1234.50"
    assert offer.vat_included is True
    assert offer.stock_status == "out_of_stock"


def test_absent_offers_are_withdrawn_and_kept(env, tmp_path: Path) -> None:
    ingest(env, swedish_feed(tmp_path / "a.csv", 10))
    out = ingest(env, swedish_feed(tmp_path / "b.csv", 8))
    assert out.counts["withdrawn"] == 2
    assert active(env[1]) == 8
    with env[1]() as s:
        assert s.scalar(select(func.count()).select_from(Offer)) == 10


def test_mass_withdrawal_is_refused_and_nothing_changes(env, tmp_path: Path) -> None:
    ingest(env, swedish_feed(tmp_path / "a.csv", 10))
    out = ingest(env, swedish_feed(tmp_path / "b.csv", 3, price="1,00"))
    assert out.status == "rejected"
    assert "withdraw 7 of 10" in (out.message or "")
    assert active(env[1]) == 10
    with env[1]() as s:
        assert {str(o.price) for o in s.scalars(select(Offer))} == {"199.00"}
    forced = ingest(env, swedish_feed(tmp_path / "c.csv", 3), allow_mass_withdrawal=True)
    assert forced.status == "succeeded" and active(env[1]) == 3


def test_delta_updates_only_rows_present(env, tmp_path: Path) -> None:
    ingest(env, swedish_feed(tmp_path / "a.csv", 10))
    out = ingest(env, swedish_feed(tmp_path / "d.csv", 2, price="149,00"), delta=True)
    assert out.counts["updated"] == 2 and out.counts.get("withdrawn", 0) == 0
    assert active(env[1]) == 10


def test_empty_and_header_only_feeds_are_rejected(env, tmp_path: Path) -> None:
    ingest(env, swedish_feed(tmp_path / "a.csv", 4))
    header_only = write_csv(
        tmp_path / "h.csv", [["Artikelnummer", "Benämning", "Pris", "Lagerstatus"]]
    )
    out = ingest(env, header_only)
    assert out.status == "rejected" and "no rows" in (out.message or "")
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    out = ingest(env, empty)
    assert out.status == "rejected" and "empty" in (out.message or "").lower()
    assert active(env[1]) == 4


def test_missing_required_column_lists_headers(env, tmp_path: Path) -> None:
    feed = write_csv(
        tmp_path / "m.csv", [["Artikelnummer", "Benämning", "Lagerstatus"], ["A", "B", "I lager"]]
    )
    out = ingest(env, feed)
    assert out.status == "rejected"
    assert "price" in (out.message or "") and "Artikelnummer" in (out.message or "")


def test_bad_rows_are_reported_with_row_field_value(env, tmp_path: Path) -> None:
    feed = write_csv(
        tmp_path / "bad.csv",
        [
            ["Artikelnummer", "Benämning", "Pris", "Lagerstatus", "EAN"],
            ["A1", "Handske", "99:-", "Ja", "3.65275E+11"],
            ["A2", "Borr", "gratis?", "Ja", ""],
        ],
    )
    out = ingest(env, feed)
    assert out.status == "succeeded" and out.counts["inserted"] == 1
    by_row = {(e["row"], e["field"]): e for e in out.errors}
    assert by_row[(3, "price")]["value"] == "gratis?"
    assert by_row[(2, "gtin")]["severity"] == "warning"
    with env[1]() as s:
        assert s.scalars(select(Offer)).one().gtin is None


def test_gtin_match_links_offer_to_product(env, tmp_path: Path) -> None:
    pid = add_product(
        env[1], key="p1", name="Nitrile exam gloves M", gtin="07310000000003", brand="Acme"
    )
    feed = swedish_feed(tmp_path / "g.csv", 2, gtins={0: "7310000000003"})
    out = ingest(env, feed)
    assert out.counts.get("matched_gtin") == 1
    assert pid in out.changed_product_ids
    with env[1]() as s:
        offer = s.scalar(select(Offer).where(Offer.sku == "SKU-0"))
        assert offer is not None and offer.product_id == pid and offer.match_method == "gtin"
        # the version of the shipped matching model is recorded on the match
        assert offer.match_model_version == default_model().version
        assert (offer.match_model_version or "").startswith("match-")
        unmatched = s.scalar(select(Offer).where(Offer.sku == "SKU-1"))
        assert unmatched is not None and unmatched.product_id is None
        assert unmatched.match_model_version is None


def test_failed_write_changes_nothing(env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest(env, swedish_feed(tmp_path / "a.csv", 5))
    import indexer.changes as changes

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("disk full")

    # two offers per step: three steps have written when the last one (withdrawals) fails
    monkeypatch.setattr(changes, "CHUNK", 2)
    monkeypatch.setattr(changes, "withdraw_unlisted", boom)
    with pytest.raises(RuntimeError):
        ingest(env, swedish_feed(tmp_path / "b.csv", 5, price="5,00"))
    with env[1]() as s:
        assert {str(o.price) for o in s.scalars(select(Offer))} == {"199.00"}
        assert s.scalars(select(FeedRun).order_by(FeedRun.id.desc())).first().status == "failed"


def test_dry_run_changes_nothing_and_prices_are_dot_strings(env, tmp_path: Path) -> None:
    settings, factory = env
    feed = swedish_feed(tmp_path / "a.csv", 3, price="1 234,50 kr")
    report = dry_run(factory, settings, feed, "tandab", FeedOptions())
    keys = {"format", "encoding", "mapping", "price_vat", "counts", "would_clear", "offers"}
    keys.add("errors")
    assert set(report) == keys
    assert report["offers"][0]["price"] == "1234.50"
    assert report["offers"][0]["row"] == 2
    assert report["counts"]["would_insert"] == 3  # no "message": the real run would succeed
    assert active(factory) == 0


def test_dry_run_says_what_the_real_run_would_change_or_refuse(env, tmp_path: Path) -> None:
    settings, factory = env
    ingest(env, swedish_feed(tmp_path / "a.csv", 10))
    fewer = swedish_feed(tmp_path / "b.csv", 3)
    report = dry_run(factory, settings, fewer, "tandab", FeedOptions())
    assert report["counts"]["would_withdraw"] == 7 and report["counts"]["unchanged"] == 3
    assert "withdraw 7 of 10" in report["message"]
    real = ingest(env, fewer)
    assert real.status == "rejected" and "withdraw 7 of 10" in (real.message or "")
    changed = swedish_feed(tmp_path / "c.csv", 9, price="149,00")
    counts = dry_run(factory, settings, changed, "tandab", FeedOptions())["counts"]
    assert (counts["would_update"], counts["would_withdraw"], counts["would_insert"]) == (9, 1, 0)
    header_only = write_csv(tmp_path / "h.csv", [["Artikelnummer", "Benämning", "Pris", "Lager"]])
    report = dry_run(factory, settings, header_only, "tandab", FeedOptions())
    assert "no rows" in report["message"]
    assert active(factory) == 10


def test_reingesting_keeps_quantity_reading_and_price_fallbacks(env, tmp_path: Path) -> None:
    feed = write_csv(
        tmp_path / "saldo.csv",
        [
            ["Artikelnummer", "Benämning", "Kampanjpris", "Pris", "Lagersaldo"],
            ["B1", "Sond", "79", "100", "1"],
            ["B2", "Pincett", "", "200", "0"],
            ["B3", "Spegel", "", "300", "12"],
        ],
    )
    first = ingest(env, feed)
    assert first.status == "succeeded" and first.counts["inserted"] == 3
    with env[1]() as s:
        before = {
            o.sku: (str(o.price), o.stock_status, o.stock_quantity)
            for o in s.scalars(select(Offer))
        }
    assert before["B1"] == ("79.00", "limited", 1)
    assert before["B2"] == ("200.00", "out_of_stock", 0)
    again = ingest(env, feed)
    assert again.status == "succeeded" and again.counts["unchanged"] == 3
    assert again.counts["updated"] == 0 and again.counts["withdrawn"] == 0
    with env[1]() as s:
        after = {
            o.sku: (str(o.price), o.stock_status, o.stock_quantity)
            for o in s.scalars(select(Offer))
        }
    assert after == before


def test_a_rejected_row_keeps_its_stored_offer(env, tmp_path: Path) -> None:
    ingest(env, swedish_feed(tmp_path / "a.csv", 4))
    rows = [line.split(";") for line in (tmp_path / "a.csv").read_text().splitlines()]
    rows[2][2] = "Pris på förfrågan"  # SKU-1's price is unreadable this time
    out = ingest(env, write_csv(tmp_path / "b.csv", rows))
    assert out.status == "succeeded"
    assert out.counts["rejected"] == 1 and out.counts["kept"] == 1
    assert out.counts["withdrawn"] == 0 and active(env[1]) == 4
    with env[1]() as s:
        kept = s.scalars(select(Offer).where(Offer.sku == "SKU-1")).one()
    assert kept.withdrawn_at is None and str(kept.price) == "199.00"
    assert any(e["row"] == 3 and e["field"] == "price" for e in out.errors)


def test_a_mapping_file_naming_an_absent_header_rejects_the_run(env, tmp_path: Path) -> None:
    out = ingest(env, swedish_feed(tmp_path / "a.csv", 2), mapping={"price": "Nettopriset"})
    assert out.status == "rejected"
    assert "price -> 'Nettopriset'" in (out.message or "")
    assert active(env[1]) == 0


def test_a_duplicate_sku_whose_last_row_is_rejected_is_reported(env, tmp_path: Path) -> None:
    feed = write_csv(
        tmp_path / "dup.csv",
        [
            ["Artikelnummer", "Benämning", "Pris", "Lagerstatus"],
            ["H3", "Sond", "100", "I lager"],
            ["H3", "Sond", "gratis", "I lager"],
        ],
    )
    out = ingest(env, feed)
    assert out.status == "succeeded" and out.counts["inserted"] == 1
    by_row = {(e["row"], e["field"]): e for e in out.errors}
    assert "row 3 has it too but was rejected" in by_row[(2, "sku")]["message"]
    assert by_row[(3, "price")]["severity"] == "error"


def test_upload_is_archived_content_addressed(env, tmp_path: Path) -> None:
    settings, _factory = env
    feed = swedish_feed(tmp_path / "a.csv", 2)
    ingest(env, feed)
    ingest(env, feed)
    archived = [p for p in (settings.archive_dir).rglob("*") if p.is_file()]
    assert len(archived) == 1 and archived[0].read_bytes() == feed.read_bytes()
    # a retailer's assortment and prices: readable by Valbar's user only
    assert archived[0].stat().st_mode & 0o777 == 0o600
    assert archived[0].parent.stat().st_mode & 0o777 == 0o700


def test_forked_matching_workers_store_what_one_process_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.matching.parallel as parallel

    monkeypatch.setattr(parallel, "MIN_PER_WORKER", 1)
    stored = []
    for workers in (1, 2):
        settings = Settings(
            data_dir=tmp_path / f"var{workers}",
            database_url="",
            environment="test",
            match_workers=workers,
        )
        factory = migrated_factory(settings.sqlalchemy_url)
        add_retailer(factory)
        pids = [
            add_product(factory, key=f"p{i}", name=f"Nitrile exam gloves size {i}",
                        gtin=g, brand="Acme")
            for i, g in enumerate(("07310000000003", "07310000000010"))
        ]  # fmt: skip
        feed = swedish_feed(
            tmp_path / f"w{workers}.csv", 6, gtins={0: "7310000000003", 3: "7310000000010"}
        )
        out = run_feed(
            factory, settings, submit_feed(factory, settings, feed, "tandab", FeedOptions())
        )
        assert out.status == "succeeded"
        with factory() as s:
            run = s.scalars(select(FeedRun)).one()
            assert run.timings["match_workers"] == workers
            rows = s.execute(select(Offer.sku, Offer.product_id, Offer.match_method)).all()
        stored.append((sorted(rows), pids))
    (one, pids_one), (two, pids_two) = stored
    assert one == two and pids_one == pids_two
    assert ("SKU-0", pids_one[0], "gtin") in one and ("SKU-3", pids_one[1], "gtin") in one


def test_matching_and_writing_in_steps_stores_what_one_step_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.changes as changes

    calls: list[int] = []
    real = changes.match_parallel

    def spy(matcher, offers, workers):  # type: ignore[no-untyped-def]
        calls.append(len(offers))
        return real(matcher, offers, workers)

    monkeypatch.setattr(changes, "match_parallel", spy)
    stored = []
    for chunk in (changes.CHUNK, 2):
        monkeypatch.setattr(changes, "CHUNK", chunk)
        calls.clear()
        settings = Settings(data_dir=tmp_path / f"v{chunk}", database_url="", environment="test")
        factory = migrated_factory(settings.sqlalchemy_url)
        add_retailer(factory)
        gtins = {0: "7310000000003", 3: "7310000000010", 6: "7310000000010"}
        for i, g in enumerate(("07310000000003", "07310000000010")):
            add_product(factory, key=f"p{i}", name=f"Nitrile gloves {i}", gtin=g, brand="Acme")
        first = swedish_feed(tmp_path / f"a{chunk}.csv", 7, gtins=gtins)
        second = swedish_feed(
            tmp_path / f"b{chunk}.csv", 7, start=2, price="249,00 kr", gtins=gtins
        )
        outs = [ingest((settings, factory), f, allow_mass_withdrawal=True) for f in (first, second)]
        assert [o.status for o in outs] == ["succeeded", "succeeded"]
        with factory() as s:
            rows = s.execute(
                select(Offer.sku, Offer.product_id, Offer.price, Offer.withdrawn_at.is_(None))
            ).all()
        stored.append((sorted(rows), [o.counts for o in outs], sorted(calls)))
    (one, counts_one, calls_one), (steps, counts_steps, calls_steps) = stored
    assert one == steps and counts_one == counts_steps
    assert calls_one == [5, 7] and max(calls_steps) <= 2 and sum(calls_steps) == 12


@pytest.mark.parametrize(
    ("chunk", "in_memory", "stored_per_offer"),
    [(2, 0, 2), (20_000, 0, 2), (2, 100, 2), (20_000, 100, 2), (2, 100, 0)],
)
def test_a_feed_written_in_small_steps_keeps_every_rule(
    env,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
    in_memory: int,
    stored_per_offer: int,
) -> None:
    """Duplicates across steps, a held offer, a reactivation, withdrawals, last_seen: the
    same in steps of two offers as in one step, with the file read twice (0 offers kept
    in memory) as with the offers kept from pass one, and with the stored offers read whole
    once as with them queried per step (more stored offers than `survey` keeps)."""
    import indexer.changes as changes

    monkeypatch.setattr(changes, "CHUNK", chunk)
    monkeypatch.setattr(changes, "STORED_PER_KEPT_OFFER", stored_per_offer)
    looked_up: list[int] = []
    real_load = changes.load_existing

    def counting_load(session, retailer_id, skus):  # type: ignore[no-untyped-def]
        looked_up.append(len(skus))
        return real_load(session, retailer_id, skus)

    monkeypatch.setattr(changes, "load_existing", counting_load)
    env = (env[0].model_copy(update={"feed_offers_in_memory": in_memory}), env[1])
    factory = env[1]
    ingest(env, swedish_feed(tmp_path / "a.csv", 6))  # SKU-0 .. SKU-5
    ingest(env, swedish_feed(tmp_path / "b.csv", 5))  # SKU-5 withdrawn
    with factory() as s:
        seen_before = {o.sku: o.last_seen for o in s.scalars(select(Offer))}
    rows = [line.split(";") for line in (tmp_path / "a.csv").read_text().splitlines()]
    header, body = rows[0], rows[1:]
    body[1][2] = "Pris på förfrågan"  # SKU-1 rejected: its offer is held
    body[0][2] = "100,00"  # SKU-0 changed ...
    late = list(body[0])
    late[2] = "111,00"  # ... and repeated at the end: the last row wins
    feed = write_csv(tmp_path / "c.csv", [header, *body[:2], *body[3:], late])  # no SKU-2
    out = ingest(env, feed)
    assert out.status == "succeeded", out.message
    c = out.counts
    assert (c["updated"], c["reactivated"], c["unchanged"]) == (1, 1, 2)
    assert (c["withdrawn"], c["kept"], c["rejected"]) == (1, 1, 1)
    assert any("row 2 ignored, row 7 wins" in e["message"] for e in out.errors)
    with factory() as s:
        offers = {o.sku: o for o in s.scalars(select(Offer))}
    assert str(offers["SKU-0"].price) == "111.00"
    assert offers["SKU-2"].withdrawn_at is not None
    assert offers["SKU-5"].withdrawn_at is None  # listed again
    assert offers["SKU-1"].withdrawn_at is None and str(offers["SKU-1"].price) == "199.00"
    for sku in ("SKU-1", "SKU-3", "SKU-4"):  # held and unchanged: seen again now
        assert offers[sku].last_seen > seen_before[sku]
    assert offers["SKU-2"].last_seen == seen_before["SKU-2"]  # withdrawn: not seen
    # stored offers are queried per step only when pass one did not keep the feed's offers
    # or the retailer has more stored offers than survey keeps
    assert bool(looked_up) == (in_memory == 0 or stored_per_offer == 0)


def test_a_feed_that_changes_between_the_passes_is_refused_and_nothing_written(
    env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archived file is rewritten after pass one (same rows, one SKU swapped): the run
    is rejected with a plain message, writes nothing, and still lists pass one's errors.
    (Read twice: a feed small enough to keep its offers in memory is read once.)"""
    import indexer.pipeline as pipeline

    env = (env[0].model_copy(update={"feed_offers_in_memory": 0}), env[1])
    ingest(env, swedish_feed(tmp_path / "a.csv", 10))
    with env[1]() as s:
        before = sorted((o.sku, str(o.price), o.withdrawn_at) for o in s.scalars(select(Offer)))
    feed = swedish_feed(tmp_path / "b.csv", 10, price="5,00")
    lines = feed.read_text(encoding="utf-8").splitlines()
    lines.append(lines[-1].replace("5,00", "inget pris"))  # a row error pass one reports
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    real = pipeline.survey

    def rewrite_then_survey(session, retailer_id, scan, **kw):  # type: ignore[no-untyped-def]
        text = scan.path.read_text(encoding="utf-8")
        scan.path.write_text(text.replace("SKU-3;", "SKU-X;"), encoding="utf-8")
        return real(session, retailer_id, scan, **kw)

    monkeypatch.setattr(pipeline, "survey", rewrite_then_survey)
    out = ingest(env, feed)
    assert out.status == "rejected"
    assert out.message is not None and "changed while it was being read" in out.message
    assert any(e["severity"] == "error" for e in out.errors)
    with env[1]() as s:
        after = sorted((o.sku, str(o.price), o.withdrawn_at) for o in s.scalars(select(Offer)))
        run = s.get(FeedRun, out.feed_run_id)
        assert run is not None and run.status == "rejected"
    assert after == before
