"""`python -m bench.matching --all` on five tiny generated sets (the real ones take minutes)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from bench import matching_suite
from bench.matching import main
from bench.matching_suite import (
    DATASETS,
    SetMatrices,
    f1_at,
    format_table,
    load_sets,
    run_suite,
)
from indexer.matching.model import PairScorer, fit_boosted

BRANDS = ("canon", "nikon", "tissot", "seiko", "nike", "puma", "sony", "adobe")
KINDS = ("camera", "lens", "watch", "shoes", "software")
COLOURS = (("black", "nero"), ("white", "bianco"), ("red", "rosso"))


def _small_trees(x: np.ndarray, y: np.ndarray) -> PairScorer:
    return fit_boosted(x, y, rounds=15, depth=3)


def _smaller_trees(x: np.ndarray, y: np.ndarray) -> PairScorer:
    return fit_boosted(x, y, rounds=10, depth=2)


def _record(rng: random.Random, style: str, title: str, brand: str, price: float) -> str:
    if style == "abt":
        return f"COL name VAL {title} COL description VAL {title} by {brand} COL price VAL "
    if style == "amazon":
        return f"COL title VAL {title} COL manufacturer VAL {brand} COL price VAL {price:.2f}"
    return f'COL title VAL  "{title}"@en | shop{rng.randint(1, 9)}.com"@en'


def _write_set(directory: Path, style: str, seed: int) -> None:
    rng = random.Random(seed)
    products = [
        (rng.choice(BRANDS), rng.choice(KINDS), f"{rng.choice('abcxyz')}{rng.randint(100, 9999)}",
         rng.choice(COLOURS), rng.uniform(20, 900))
        for _ in range(80)
    ]  # fmt: skip
    directory.mkdir(parents=True)
    for split, count in (("train", 70), ("valid", 25), ("test", 40)):
        lines = []
        for _ in range(count):
            brand, kind, code, colour, price = rng.choice(products)
            left = f"{brand} {kind} {code} {colour[0]}"
            if rng.random() < 0.35:  # the same product, reworded (another language's colour)
                right = f"{kind} {code.upper()} {brand} {colour[1]}"
                label = 1
            else:
                o_brand, o_kind, o_code, o_colour, _ = rng.choice(products)
                right = (
                    f"{brand if rng.random() < 0.5 else o_brand} {o_kind} {o_code} {o_colour[1]}"
                )
                label = int(right.split()[1:3] == [kind, code] and o_colour == colour)
            lines.append(
                f"{_record(rng, style, left, brand, price)}\t"
                f"{_record(rng, style, right, brand, price * rng.uniform(0.9, 1.1))}\t{label}\n"
            )
        (directory / f"{split}.txt").write_text("".join(lines), encoding="utf-8")


@pytest.fixture()
def tiny_sets(tmp_path: Path) -> Path:
    styles = ("abt", "amazon", "wdc", "wdc", "wdc")
    for seed, (name, style) in enumerate(zip(DATASETS, styles, strict=True)):
        _write_set(tmp_path / name, style, seed)
    return tmp_path


def test_all_prints_one_table_with_own_and_leave_one_out_f1(
    tiny_sets: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the real protocol's candidates, only smaller (the generated sets are tiny)
    monkeypatch.setattr(
        matching_suite, "PROTOCOL", {"small": _small_trees, "smaller": _smaller_trees}
    )
    assert main(["--all", "--data", str(tiny_sets)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.split()
            and line.split()[0] in DATASETS}  # fmt: skip
    assert list(rows) == list(DATASETS)  # one row per set, in order
    for name, cells in rows.items():
        cv, own, target, _miss, loo, published = cells[1:7]
        assert 0.0 <= float(cv) <= 1.0 and 0.0 <= float(own) <= 1.0 and 0.0 <= float(loo) <= 1.0
        assert float(own) > 0.5, name  # codes and colours separate the generated pairs
        assert target in ("0.9000", "0.7600", "0.8500")
        assert published == {"abt-buy": "0.8933", "amazon-google": "0.7558"}.get(name, "-")
    assert out.count("protocol:") == 1
    assert "protocol: small" in out or "protocol: smaller" in out


def test_leave_one_out_never_trains_on_the_scored_set(
    tiny_sets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sets = load_sets(tiny_sets, workers=1)
    # poison the held-out set: its seen labels flipped. Its own-split model learns the flip
    # (F1 collapses); the leave-one-out model never sees them (F1 unaffected).
    poisoned = [
        SetMatrices(s.name, s.x_seen, 1.0 - s.y_seen, s.x_test, s.y_test) if i == 2 else s
        for i, s in enumerate(sets)
    ]
    monkeypatch.setattr(matching_suite, "PROTOCOL", {"small": _small_trees})
    clean = run_suite(sets, candidates=("small",), folds=3, workers=1)
    dirty = run_suite(poisoned, candidates=("small",), folds=3, workers=1)
    assert dirty.sets[2].loo_f1 == pytest.approx(clean.sets[2].loo_f1)
    assert dirty.sets[2].f1 < clean.sets[2].f1
    assert "wdc-cameras" in format_table(clean)


def test_f1_at_a_threshold() -> None:
    scores, labels = np.array([0.9, 0.6, 0.2]), np.array([1.0, 0.0, 1.0])
    assert f1_at(scores, labels, 0.5) == pytest.approx(0.5)
    assert f1_at(scores, np.zeros(3), 0.95) == 0.0


def test_fewer_than_three_sets_are_refused(tiny_sets: Path) -> None:
    sets = load_sets(tiny_sets, names=DATASETS[:2], workers=1)
    with pytest.raises(ValueError, match="three"):
        run_suite(sets, candidates=("boosted-d4",))
    with pytest.raises(FileNotFoundError, match="nope"):
        load_sets(tiny_sets, names=("nope",))
