"""Search: backend protocol, backends (``search.backends``), Swedish/English analysis, the
search service.

Typical use::

    backend = get_backend(settings)            # search.registry
    backend.reindex(build_documents(session))  # search.documents
    service = build_search_service(settings, session_factory)  # search.build
    service.search(SearchRequest(q="nitrilhandskar", in_stock=True))
"""

from search.documents import ProductDocument, StoredOffer, StoredProduct, build_documents
from search.errors import (
    BackendUnavailable,
    IndexCorrupted,
    InvalidSearchRequest,
    SearchError,
    UnknownBackend,
)
from search.protocol import BackendQuery, BackendResult, Filters, SearchBackend
from search.registry import get_backend

__all__ = [
    "BackendQuery",
    "BackendResult",
    "BackendUnavailable",
    "Filters",
    "IndexCorrupted",
    "InvalidSearchRequest",
    "ProductDocument",
    "SearchBackend",
    "SearchError",
    "StoredOffer",
    "StoredProduct",
    "UnknownBackend",
    "build_documents",
    "get_backend",
]
