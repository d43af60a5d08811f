"""One router per resource, all under ``/api/v1`` (health endpoints at the root)."""
