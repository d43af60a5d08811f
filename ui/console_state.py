"""The merchandiser console's model: draft vs published, the edit form, side-by-side preview.

The form is a flat dict of strings (``w_<factor>``, ``rule-<i>-<field>``) so a refused draft
is shown again exactly as typed. Previews run the live search backend under each config
through a throwaway ``SearchService`` whose config provider returns that config.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from catalog.models import RankingConfigVersion
from catalog.settings import PROJECT_ROOT
from ranking import versions
from ranking.config import FACTORS, RankingConfig, config_from_mapping
from ranking.errors import JudgmentFormatError, UnknownConfig
from ranking.evaluation import evaluate, load_judgments
from search.build import with_config
from search.service import SearchRequest, SearchService

JUDGMENTS_DIR = PROJECT_ROOT / "configs" / "judgments"
RULE_FIELDS = (
    "id",
    "action",
    "match_query",
    "match_type",
    "brand",
    "category",
    "retailer",
    "product_id",
    "position",
    "amount",
    "enabled",
)
ACTIONS = ("boost", "bury", "pin", "hide")
BLANK_RULES = 2
PREVIEW_SIZE = 10
MAX_JUDGED_QUERIES = 40
EVAL_DEPTH = 50


@dataclass(slots=True)
class ConsoleState:
    name: str
    published_row: RankingConfigVersion | None
    published: RankingConfig
    draft_row: RankingConfigVersion | None
    draft: RankingConfig
    history: list[RankingConfigVersion]

    @property
    def changes(self) -> list[str]:
        return versions.diff(self.published, self.draft)


def load_state(session: Session, name: str) -> ConsoleState:
    rows = versions.history(session, name)
    live_row = versions.published_version(session, name)
    try:
        live = versions.published(session, name)
    except UnknownConfig:
        live = RankingConfig(name=name)
    floor = live_row.version if live_row else 0
    drafts = [r for r in rows if r.status == versions.DRAFT and r.version > floor]
    draft_row = drafts[-1] if drafts else None
    draft = versions.load_version(session, name, draft_row.version) if draft_row else live
    return ConsoleState(name, live_row, live, draft_row, draft, list(reversed(rows)))


PRICE_FIELDS = ("steepness", "band")
"""The price settings the console edits (``ranking.config.PriceScale``), as ``p_<name>``."""


def form_of(cfg: RankingConfig) -> dict[str, str]:
    form = {f"w_{f}": f"{getattr(cfg.weights, f):g}" for f in FACTORS}
    form.update({f"p_{k}": f"{getattr(cfg.price, k):g}" for k in PRICE_FIELDS})
    for i, rule in enumerate(cfg.rules):
        data = rule.model_dump(mode="json")
        for key in RULE_FIELDS:
            value = data.get(key)
            if key == "enabled":
                form[f"rule-{i}-enabled"] = "1" if value else ""
            elif key == "amount":
                form[f"rule-{i}-amount"] = f"{value:g}" if value else ""
            else:
                form[f"rule-{i}-{key}"] = "" if value is None else str(value)
    form["rule_count"] = str(len(cfg.rules) + BLANK_RULES)
    return form


def rule_rows(form: dict[str, str]) -> list[dict[str, str]]:
    try:
        count = min(200, max(0, int(form.get("rule_count", "0"))))
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        row = {key: form.get(f"rule-{i}-{key}", "") for key in RULE_FIELDS}
        row["index"] = str(i)
        if not any(row[k] for k in RULE_FIELDS if k not in ("enabled", "match_type", "action")):
            row["enabled"] = row["enabled"] or "1"
        rows.append(row)
    return rows


WEIGHT_PATTERN = r"\s*[0-9]*[.,]?[0-9]*\s*"
"""The weight fields' HTML ``pattern``: a decimal comma or point (``0,5``, ``0.5``)."""


def parse_number(text: str) -> float | None:
    """A number typed the Swedish (``0,5``) or English (``0.5``) way; ``None`` if it is not."""
    try:
        number = float("".join(text.split()).replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def bad_weights(form: dict[str, str]) -> list[tuple[str, str]]:
    """``(factor, as typed)`` for every weight field that is not a number."""
    typed = ((f, form.get(f"w_{f}", "").strip()) for f in FACTORS)
    return [(f, text) for f, text in typed if text and parse_number(text) is None]


def bad_price_fields(form: dict[str, str]) -> list[tuple[str, str]]:
    """``(price setting, as typed)`` for every price field that is not a number."""
    typed = ((k, form[f"p_{k}"].strip()) for k in PRICE_FIELDS if f"p_{k}" in form)
    return [(k, text) for k, text in typed if parse_number(text) is None]


def _number(text: str) -> float | str:
    number = parse_number(text)
    return text if number is None else number  # validation names the field


def config_from_form(base: RankingConfig, form: dict[str, str]) -> RankingConfig:
    """The base config with the form's weights, price settings and rules; ``InvalidConfig``
    if refused (naming the field, e.g. ``price.band``)."""
    data: dict[str, Any] = base.model_dump(mode="python")
    data["weights"] = {f: _number(form.get(f"w_{f}", "0") or "0") for f in FACTORS}
    for key in PRICE_FIELDS:  # a form without the field keeps the base value
        if f"p_{key}" in form:
            data["price"][key] = _number(form[f"p_{key}"].strip())
    kept = {r.id: r for r in base.rules}
    rules: list[dict[str, Any]] = []
    for row in rule_rows(form):
        rule_id = row["id"].strip()
        if not rule_id:
            continue
        rule: dict[str, Any] = {
            "id": rule_id,
            "action": row["action"] or "boost",
            "match_type": row["match_type"] or "exact",
            "enabled": row["enabled"] == "1",
        }
        for key in ("match_query", "brand", "category", "retailer"):
            if row[key].strip():
                rule[key] = row[key].strip()
        for key in ("product_id", "position"):
            if row[key].strip():
                rule[key] = (
                    int(_number(row[key].strip()))
                    if row[key].strip().isdigit()
                    else row[key].strip()
                )
        if row["amount"].strip():
            rule["amount"] = _number(row["amount"].strip())
        old = kept.get(rule_id)
        if old is not None:  # fields the form does not edit are kept
            rule.update(valid_from=old.valid_from, valid_to=old.valid_to, comment=old.comment)
        rules.append(rule)
    data["rules"] = rules
    return config_from_mapping(data, source="the console form")


@dataclass(slots=True)
class Movement:
    position: int
    product_id: int
    name: str
    brand: str | None
    before: int | None  # position under the published config (None = new)

    @property
    def delta(self) -> int | None:
        return None if self.before is None else self.before - self.position


@dataclass(slots=True)
class Comparison:
    q: str
    published: list[Movement] = field(default_factory=list)
    draft: list[Movement] = field(default_factory=list)
    dropped: set[int] = field(default_factory=set)


def compare(search: SearchService, state: ConsoleState, q: str) -> Comparison:
    request = SearchRequest(q=q, size=PREVIEW_SIZE)
    live = with_config(search, state.published).search(request).hits
    new = with_config(search, state.draft).search(request).hits
    live_pos = {h.product_id: i for i, h in enumerate(live, start=1)}
    new_ids = {h.product_id for h in new}
    out = Comparison(q)
    out.published = [
        Movement(i, h.product_id, h.name, h.brand, i) for i, h in enumerate(live, start=1)
    ]
    out.draft = [
        Movement(i, h.product_id, h.name, h.brand, live_pos.get(h.product_id))
        for i, h in enumerate(new, start=1)
    ]
    out.dropped = {h.product_id for h in live if h.product_id not in new_ids}
    return out


@dataclass(slots=True)
class Metrics:
    queries: int
    published: dict[str, float]
    draft: dict[str, float]
    error: str | None = None


def judgments(directory: Path = JUDGMENTS_DIR) -> dict[str, dict[str, int]]:
    merged: dict[str, dict[str, int]] = {}
    for path in sorted(directory.glob("*.tsv")):
        for query, judged in load_judgments(path).items():
            merged.setdefault(query, {}).update(judged)
    return merged


def metrics(search: SearchService, state: ConsoleState, directory: Path = JUDGMENTS_DIR) -> Metrics:
    try:
        judged = judgments(directory)
    except JudgmentFormatError as exc:
        return Metrics(0, {}, {}, str(exc))
    queries = dict(list(judged.items())[:MAX_JUDGED_QUERIES])
    if not queries:
        return Metrics(0, {}, {})
    result: dict[str, dict[str, float]] = {}
    for label, cfg in (("published", state.published), ("draft", state.draft)):
        service = with_config(search, cfg)
        runs = {
            q: [h.gtin for h in service.search(SearchRequest(q=q, size=EVAL_DEPTH)).hits if h.gtin]
            for q in queries
        }
        report = evaluate(runs, queries)
        result[label] = {"ndcg@10": report.ndcg10, "mrr": report.mrr}
    return Metrics(len(queries), result["published"], result["draft"])
