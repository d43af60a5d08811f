"""Semantic hybrid search (extra ``semantic``): embeddings fused with the text score.

Off by default (``settings.semantic_enabled``); nothing here imports torch or
sentence-transformers until an embedder is built, and numpy only when vectors are handled,
so the default install never needs them. :func:`search.indexing.open_semantic` opens the
index for the configured model.

- ``embedders``: the :class:`~search.semantic.embedders.Embedder` protocol and the
  sentence-transformers model read from local files (never downloaded).
- ``texts``: what is embedded for a product, its content hash, a Swedish query's English
  reading.
- ``vector_cache``: :class:`~search.semantic.vector_cache.EmbeddingCache`, one vector per
  content hash in an append-only file, so re-indexing unchanged products embeds nothing.
- ``index``: :class:`~search.semantic.index.SemanticIndex`, products -> cached vectors and
  nearest neighbours by brute-force dot product (vectors are L2-normalized: the cosine).
- ``fusion``: :func:`~search.semantic.fusion.rrf_fuse` /
  :func:`~search.semantic.fusion.hybrid_candidates` merge text and semantic candidates by
  reciprocal rank fusion; identifier matches stay first and filters still apply.
"""
