"""Writing products to the search side: the text backend and, when enabled, the embeddings.

Every writer (feed jobs, catalog import, ``valbar reindex``, the demo) goes through here so
the semantic index never drifts from the text index.
"""

from __future__ import annotations

from collections.abc import Iterable

from catalog.settings import Settings
from search.documents import ProductDocument
from search.protocol import SearchBackend
from search.semantic.embedders import make_embedder
from search.semantic.index import SemanticIndex


def open_semantic(settings: Settings) -> SemanticIndex | None:
    """The embeddings index when ``semantic_enabled`` (needs the ``semantic`` extra)."""
    embedder = make_embedder(settings)
    return None if embedder is None else SemanticIndex.open(settings, embedder)


def write_documents(
    settings: Settings,
    backend: SearchBackend,
    docs: Iterable[ProductDocument],
    *,
    full: bool,
    semantic: SemanticIndex | None = None,
) -> int:
    """Upsert ``docs`` (or rebuild from them when ``full``); returns products written."""
    semantic = semantic if semantic is not None else open_semantic(settings)
    if semantic is None:
        return backend.reindex(docs) if full else backend.update_documents(docs)
    batch = list(docs)
    written = backend.reindex(batch) if full else backend.update_documents(batch)
    if full:
        semantic.rebuild(batch)
    else:
        semantic.update(batch)
    return written
