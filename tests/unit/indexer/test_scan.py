"""The two streaming passes over a feed (`indexer.scan`): dedupe policy, held SKUs, warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import FeedChanged, IndexerError
from indexer.scan import (
    ReadLimits,
    contains,
    iter_offers,
    scan_feed,
    sku_hash,
    sku_hashes,
)

LIMITS = ReadLimits(max_bytes=10_000_000, max_line_bytes=100_000)
HEADER = "sku;name;price;stock\n"


def _feed(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("keep", [0, 2, 100])  # read twice; too many to keep; kept
def test_last_row_of_a_sku_wins_and_every_earlier_one_is_named(tmp_path: Path, keep: int) -> None:
    path = _feed(tmp_path, "A;a1;1;5\nB;b;2;5\nA;a2;3;5\nA;a3;4;5\n")
    scan = scan_feed(path, limits=LIMITS, keep_offers=keep)
    assert (scan.kept is not None) == (keep == 100)
    assert scan.rows_read == 4 and scan.valid == 2
    offers = list(iter_offers(scan))
    assert [(o.row, o.sku, o.name) for o in offers] == [(3, "B", "b"), (5, "A", "a3")]
    warnings = [(e.row, e.message) for e in scan.errors if e.severity == "warning"]
    assert [row for row, _ in warnings] == [2, 4]
    assert "row 2 ignored, row 5 wins" in warnings[0][1]
    assert "row 4 ignored, row 5 wins" in warnings[1][1]
    assert scan.counts() == {"rows": 4, "valid": 2, "rejected": 0, "errors": 0, "warnings": 2}


def test_skus_compare_exactly(tmp_path: Path) -> None:
    scan = scan_feed(_feed(tmp_path, "A;x;1;5\na;y;1;5\n"), limits=LIMITS)
    assert [o.sku for o in iter_offers(scan)] == ["A", "a"]
    assert scan.twin_row is None and not scan.errors


def test_a_sku_only_in_rejected_rows_is_held(tmp_path: Path) -> None:
    scan = scan_feed(_feed(tmp_path, "H;held;not a price;5\nK;ok;1;5\n"), limits=LIMITS)
    assert list(scan.held) == [sku_hash("H", scan.key)]
    assert [o.sku for o in iter_offers(scan)] == ["K"]
    assert scan.counts()["rejected"] == 1


@pytest.mark.parametrize("keep", [0, 100])
def test_a_rejected_row_beside_a_valid_one_warns_and_the_valid_one_is_used(
    tmp_path: Path, keep: int
) -> None:
    path = _feed(tmp_path, "D;first;1;5\nD;second;oops;5\n")
    scan = scan_feed(path, limits=LIMITS, keep_offers=keep)
    assert not len(scan.held)
    (offer,) = iter_offers(scan)
    assert (offer.row, offer.name) == (2, "first")
    (warning,) = [e for e in scan.errors if e.severity == "warning"]
    assert warning.row == 2 and "row 3 has it too but was rejected" in warning.message


def test_a_file_that_reads_differently_the_second_time_is_refused(tmp_path: Path) -> None:
    path = _feed(tmp_path, "A;a;1;5\nB;b;2;5\n")
    scan = scan_feed(path, limits=LIMITS)
    path.write_text(HEADER + "A;a;1;5\nB;b;oops;5\n", encoding="utf-8")
    with pytest.raises(IndexerError, match="read differently the second time"):
        list(iter_offers(scan))


def test_an_empty_feed_scans_to_nothing(tmp_path: Path) -> None:
    scan = scan_feed(_feed(tmp_path, ""), limits=LIMITS)
    assert (scan.rows_read, scan.valid) == (0, 0)
    assert list(iter_offers(scan)) == []


def test_contains_uses_sorted_hashes() -> None:
    key = b"k" * 16
    listed = sku_hashes(["a", "b", "c"], key)
    listed.sort()
    got = contains(listed, sku_hashes(["b", "zz", "a"], key))
    assert got.tolist() == [True, False, True]
    assert contains(listed[:0], sku_hashes(["a"], key)).tolist() == [False]


def test_a_file_whose_skus_change_between_the_passes_is_refused(tmp_path: Path) -> None:
    """Same rows, same validity, other SKUs: pass two must not yield offers pass one never saw
    (the stored offers were surveyed against pass one's SKUs)."""
    path = _feed(tmp_path, "A;a;1;5\nB;b;2;5\n")
    scan = scan_feed(path, limits=LIMITS)
    path.write_text(HEADER + "A;a;1;5\nC;c;2;5\n", encoding="utf-8")
    with pytest.raises(FeedChanged, match="changed while it was being read"):
        list(iter_offers(scan))


def test_rows_added_between_the_passes_are_refused(tmp_path: Path) -> None:
    path = _feed(tmp_path, "A;a;1;5\nB;b;2;5\n")
    scan = scan_feed(path, limits=LIMITS)
    with path.open("a", encoding="utf-8") as f:
        f.write("C;c;3;5\n")
    with pytest.raises(FeedChanged):
        list(iter_offers(scan))


def test_a_file_rewritten_in_another_format_between_the_passes_is_refused(tmp_path: Path) -> None:
    path = _feed(tmp_path, "A;a;1;5\nB;b;2;5\n")
    scan = scan_feed(path, limits=LIMITS)
    path.write_text(
        '[{"sku": "A", "name": "a", "price": "1", "stock": "5"},'
        ' {"sku": "B", "name": "b", "price": "2", "stock": "5"}]',
        encoding="utf-8",
    )
    with pytest.raises(FeedChanged):
        list(iter_offers(scan))


def test_a_file_with_the_same_skus_and_other_prices_is_refused(tmp_path: Path) -> None:
    """Counts, errors and the mass-withdrawal check were made on pass one's reading."""
    path = _feed(tmp_path, "A;a;1;5\nB;b;2;5\n")
    scan = scan_feed(path, limits=LIMITS)
    path.write_text(HEADER + "A;a;9;5\nB;b;9;5\n", encoding="utf-8")
    with pytest.raises(FeedChanged):
        list(iter_offers(scan))


def test_sku_hashes_are_keyed_per_scan(tmp_path: Path) -> None:
    """An unkeyed 64-bit hash lets a retailer search offline (about 2³² tries) for two SKUs
    that compare as one: one offer silently dropped, or a stored offer never withdrawn.
    Each scan draws its own key, so a collision found for one run says nothing of the next."""
    path = _feed(tmp_path, "A;a;1;5\nB;b;2;5\n")
    one, two = scan_feed(path, limits=LIMITS), scan_feed(path, limits=LIMITS)
    assert one.key != two.key and len(one.key) == 16
    assert one.listed.tolist() != two.listed.tolist()
    assert one.listed.tolist() == sorted(sku_hash(s, one.key) for s in ("A", "B"))
    assert sku_hash("A", one.key) != sku_hash("A", two.key)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest pass two compares against is taken after the reader's size check."""
    import indexer.scan as scan_module
    from indexer.errors import FeedTooLarge

    digested: list[Path] = []
    real = scan_module.fingerprint
    monkeypatch.setattr(scan_module, "fingerprint", lambda p: digested.append(p) or real(p))
    path = _feed(tmp_path, "A;a;1;5\n" * 1000)
    with pytest.raises(FeedTooLarge):
        scan_feed(path, limits=ReadLimits(max_bytes=1000, max_line_bytes=100_000))
    assert digested == []


def test_a_file_removed_between_the_passes_is_refused(tmp_path: Path) -> None:
    """The portal's staged upload is deleted by a submit from another tab while a preview of
    it is between its passes: a refusal the page can show, not a FileNotFoundError."""
    path = _feed(tmp_path, "A;a;1;5\nB;b;2;5\n")
    scan = scan_feed(path, limits=LIMITS)
    path.unlink()
    with pytest.raises(FeedChanged, match="it is no longer there"):
        list(iter_offers(scan))


def test_a_file_removed_during_pass_two_is_refused(tmp_path: Path) -> None:
    path = _feed(tmp_path, "A;a;1;5\nB;b;2;5\n")
    scan = scan_feed(path, limits=LIMITS)
    offers = iter_offers(scan)
    next(offers)
    path.unlink()
    with pytest.raises(FeedChanged, match="it is no longer there"):
        list(offers)
