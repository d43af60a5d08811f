"""Pydantic models of the public API, named by role (``ProductPublic``, ``FeedRunPublic``)."""
