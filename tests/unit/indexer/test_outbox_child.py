"""After a feed run the web server applies the index outbox in a niced child process, not
on its own threads (where rebuilding the documents held the GIL against the event loop)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from catalog.db import transaction
from catalog.outbox import enqueue
from catalog.settings import Settings
from indexer import outbox
from indexer.outbox import pending
from search.service import SearchRequest
from tests.factories import add_product, add_retailer, migrated_factory
from valbar.app import create_app


def test_after_a_run_the_outbox_is_applied_by_a_niced_child_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url="",
        environment="test",
        outbox_interval_seconds=3600,  # only the call below applies it
        feed_nice=7,
    )
    factory = migrated_factory(settings.sqlalchemy_url)
    add_retailer(factory)
    app = create_app(settings)
    with TestClient(app):
        service = app.state.search.get()
        assert service.search(SearchRequest(q="tandtrådsbygel")).total == 0
        pid = add_product(factory, key="floss", name="Tandtrådsbygel Mint")
        with transaction(factory) as session:
            enqueue(session, [pid])

        def in_process(*_args: Any, **_kwargs: Any) -> None:
            raise AssertionError("the outbox was applied on the web process's threads")

        monkeypatch.setattr(outbox, "apply_outbox", in_process)
        seen: list[dict[str, object]] = []
        from indexer import runner

        real = runner.apply_outbox_in_child

        def spy(*args: Any, **kwargs: Any) -> dict[str, object]:
            seen.append(real(*args, **kwargs))
            return seen[-1]

        monkeypatch.setattr(runner, "apply_outbox_in_child", spy)
        app.state.feed_runner.after_run()  # what the runner's thread does after a run
        assert len(seen) == 1 and seen[0]["pid"] != os.getpid()
        assert seen[0]["nice"] == os.nice(0) + 7 and seen[0]["products"] == 1
        assert pending(factory) == 0
        # and this process's search sees the child's writes at once
        hits = service.search(SearchRequest(q="tandtrådsbygel")).hits
        assert [h.product_id for h in hits] == [pid]
