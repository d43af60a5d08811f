"""Preview synonym rules on real queries: what each query finds before and after a draft.

Both sides run through the same service (same backend, ranking and filters), once with the
published rules and once with the draft's; only the query analysis differs. Used by the
API (``POST /api/v1/synonyms/preview``) and the console page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from search.analysis.synonym_rules import SynonymRules
from search.service import SearchRequest, SearchResponse, SearchService

MAX_PREVIEW_QUERIES = 30
PREVIEW_TOP = 5


@dataclass(frozen=True, slots=True)
class PreviewSide:
    total: int
    top: list[tuple[int, str]]  # (product id, name), best first


@dataclass(frozen=True, slots=True)
class QueryPreview:
    query: str
    source: str  # "typed" | "zero_results" (the report's most frequent zero-result queries)
    before: PreviewSide
    after: PreviewSide

    @property
    def now_found(self) -> bool:
        """Found nothing with the published rules, finds something with the draft."""
        return self.before.total == 0 and self.after.total > 0

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _side(response: SearchResponse, top: int) -> PreviewSide:
    return PreviewSide(response.total, [(h.product_id, h.name) for h in response.hits[:top]])


def preview_rules(
    service: SearchService,
    live: SynonymRules,
    draft: SynonymRules,
    queries: Iterable[tuple[str, str]],
    *,
    config_name: str = "default",
    top: int = PREVIEW_TOP,
) -> list[QueryPreview]:
    """``queries`` are (text, source); each distinct text is run once per side, at most
    :data:`MAX_PREVIEW_QUERIES` of them."""
    seen: set[str] = set()
    out: list[QueryPreview] = []
    for text, source in queries:
        q = " ".join(text.split())
        if not q or q.lower() in seen:
            continue
        seen.add(q.lower())
        if len(out) >= MAX_PREVIEW_QUERIES:
            break
        request = SearchRequest(q=q, size=top, config_name=config_name)
        before = _side(service.search(request, rules=live), top)
        after = _side(service.search(request, rules=draft), top)
        out.append(QueryPreview(q, source, before, after))
    return out
