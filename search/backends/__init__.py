"""Search backend implementations of :class:`search.protocol.SearchBackend`.

- ``tantivy_backend`` (+ ``tantivy_schema``): the embedded default, an index on local disk.
- ``opensearch_backend`` (+ ``opensearch_templates``): an OpenSearch cluster (extra
  ``opensearch``).

:mod:`search.registry` picks one by name (``settings.search_backend``) and imports its
module only then, so an optional client stays optional.
"""
