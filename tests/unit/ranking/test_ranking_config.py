"""Ranking configs: TOML files, round-trips and clear validation errors."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ranking.config import (
    DEFAULT_CONFIG_DIR,
    FACTORS,
    RankingConfig,
    available_configs,
    config_from_mapping,
    config_from_toml,
    config_to_toml,
    load_config,
    load_named,
)
from ranking.errors import ConfigProblem, InvalidConfig, UnknownConfig
from ranking.rules import Rule


def test_shipped_configs_load_and_default_matches_the_code_defaults() -> None:
    assert {"default", "price_first"} <= set(available_configs())
    default = load_named("default")
    assert default == RankingConfig(description=default.description)
    price_first = load_named("price_first")
    assert price_first.weights.normalized()[-1] > 0.5


def test_round_trip_with_rules_and_awkward_text() -> None:
    cfg = RankingConfig(
        name="summer-2025",
        description='Sommar "kampanj"\nmed åäö\t\\ och \x7f',
        rules=[
            Rule(
                id="pin-1",
                action="pin",
                match_query="komposit",
                product_id=42,
                position=1,
                valid_from=datetime(2025, 6, 1, tzinfo=UTC),
                valid_to=datetime(2025, 9, 1, tzinfo=timezone(timedelta(hours=2))),
                comment="launch",
            ),
            Rule(id="bury", action="bury", retailer="billig-ab", amount=0.25, enabled=False),
        ],
    )
    text = config_to_toml(cfg)
    assert config_from_toml(text) == cfg
    assert tomllib.loads(text)["rules"][0]["product_id"] == 42


def test_load_config_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n[weights]\nprice = 1.0\n', encoding="utf-8")
    cfg = load_config(path)
    assert cfg.name == "mine" and cfg.weights.price == 1.0
    assert cfg.priors["reviews"].mean == 0.7  # missing sections keep their defaults
    assert load_named("mine", tmp_path) == cfg


def test_unknown_config() -> None:
    with pytest.raises(UnknownConfig):
        load_named("no-such-config")
    with pytest.raises(UnknownConfig):
        load_named("../default")


@pytest.mark.parametrize(
    ("toml", "field", "why"),
    [
        ("[weights]\nprice = -1\n", "weights.price", "greater than or equal to 0"),
        (
            "[weights]\n" + "".join(f"{f} = 0\n" for f in FACTORS),
            "weights",
            "at least one factor weight must be > 0",
        ),
        ("[priors.speed]\nmean = 0.5\nstrength = 1\n", "priors", "unknown signal"),
        ("[priors.reviews]\nmean = 1.5\nstrength = 1\n", "priors.reviews.mean", "less than"),
        ("[availability]\nsoon = 0.5\n", "availability", "unknown stock status"),
        ("[availability]\nin_stock = 2\n", "availability", "within 0..1"),
        ("[delivery]\npoints = [[3, 0.5], [1, 1.0]]\n", "delivery.points", "increasing"),
        ("[binning]\nstep = 0.9\n", "binning.step", "less than or equal to 0.5"),
        ("colour = 'red'\n", "colour", "Extra inputs are not permitted"),
        ('name = "Has Spaces"\n', "name", "pattern"),
        (
            '[[rules]]\nid = "a"\naction = "hide"\nproduct_id = 1\n'
            '[[rules]]\nid = "a"\naction = "hide"\nproduct_id = 2\n',
            "rules",
            "duplicate rule id",
        ),
        ("weights = [", "(toml)", "Invalid"),
    ],
)
def test_validation_errors_name_the_field(toml: str, field: str, why: str) -> None:
    with pytest.raises(InvalidConfig) as info:
        config_from_toml(toml, source="test.toml")
    message = str(info.value)
    assert "test.toml" in message
    assert any(line.startswith(f"{field}:") and why in line for line in info.value.errors), message


names = st.from_regex(r"[a-z][a-z0-9_-]{0,20}", fullmatch=True)
unit = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    name=names,
    description=st.text(max_size=40),
    weights=st.lists(st.floats(0.01, 10.0), min_size=8, max_size=8),
    mean=unit,
    strength=st.floats(0, 1000),
    step=st.floats(0, 0.5),
    avail=unit,
    rule_query=st.one_of(st.none(), st.text(min_size=1, max_size=20).filter(str.strip)),
    amount=st.floats(0.001, 10.0),
)
def test_round_trip_property(
    name: str,
    description: str,
    weights: list[float],
    mean: float,
    strength: float,
    step: float,
    avail: float,
    rule_query: str | None,
    amount: float,
) -> None:
    cfg = RankingConfig.model_validate(
        {
            "name": name,
            "description": description,
            "weights": dict(zip(FACTORS, weights, strict=True)),
            "priors": {"rma": {"mean": mean, "strength": strength}},
            "binning": {"step": step},
            "availability": {"limited": avail},
            "rules": [
                {"id": "r", "action": "boost", "brand": description or "x", "amount": amount,
                 "match_query": rule_query}
            ],
        }
    )  # fmt: skip
    assert config_from_toml(config_to_toml(cfg)) == cfg


def test_default_dir_is_the_repository_configs() -> None:
    assert DEFAULT_CONFIG_DIR.parts[-2:] == ("configs", "ranking")
    assert (DEFAULT_CONFIG_DIR / "default.toml").is_file()


def test_updated_validates_and_deep_merges() -> None:
    base = RankingConfig()
    changed = base.updated({"weights": {"price": 0.5}, "binning": {"step": 0.1}})
    assert changed.weights.price == 0.5 and changed.weights.reviews == base.weights.reviews
    assert changed.binning.step == 0.1
    with pytest.raises(InvalidConfig) as info:
        base.updated({"weights": {"price": -0.5}})
    assert info.value.errors[0].startswith("weights.price:")


def test_a_refused_config_names_each_problem_as_data() -> None:
    """The UI words a refusal in Swedish from these (before, only English lines existed)."""
    data = RankingConfig().model_dump(mode="python")
    data["price"].update(steepness=25, band=0.5)
    data["rules"] = [{"id": "lyft", "action": "boost", "amount": 2}]
    with pytest.raises(InvalidConfig) as refused:
        config_from_mapping(data, source="test")
    problems = {p.field: p for p in refused.value.problems}
    assert problems["price.steepness"] == ConfigProblem(
        "price.steepness", "less_than_equal", "Input should be less than or equal to 20", 20.0
    )
    assert (problems["price.band"].kind, problems["price.band"].values) == (
        "band_range",
        (("value", "0.5"),),
    )
    assert (problems["rules.0"].kind, problems["rules.0"].values) == (
        "rule_needs_target",
        (("action", "boost"),),
    )
    assert refused.value.errors == [f"{p.field}: {p.message}" for p in refused.value.problems]
