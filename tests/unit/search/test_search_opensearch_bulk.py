"""Bulk writes of the OpenSearch backend without a server: a scripted fake client.

Only rejections (429, per document or for the whole request) are retried, with capped
exponential backoff; any other failure is reported at once, with the failed ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError
from opensearchpy.serializer import JSONSerializer

from search.backends.opensearch_backend import (
    BulkWriteError,
    OpenSearchBackend,
    RetryPolicy,
    bulk_write,
)
from search.errors import BackendUnavailable


class FakeTransport:
    serializer = JSONSerializer()


class FakeClient:
    """Answers each bulk call with the next scripted reply (a function of the sent ids)."""

    def __init__(self, *replies: Any) -> None:
        self.transport = FakeTransport()
        self._replies = list(replies)
        self.sent: list[list[str]] = []

    def bulk(self, body: str, **_: Any) -> dict[str, Any]:
        lines = [json.loads(line) for line in body.splitlines() if line]
        ids = [str(next(iter(line.values()))["_id"]) for line in lines if _is_action(line)]
        self.sent.append(ids)
        reply = self._replies.pop(0)
        result = reply(ids) if callable(reply) else reply
        if isinstance(result, TransportError):
            raise result
        answer: dict[str, Any] = result
        return answer


def _is_action(line: dict[str, Any]) -> bool:
    return len(line) == 1 and next(iter(line)) in {"index", "delete", "create", "update"}


def items(ids: list[str], status: dict[str, int] | None = None, op: str = "index") -> Any:
    out = []
    for doc_id in ids:
        code = (status or {}).get(doc_id, 201)
        item: dict[str, Any] = {"_id": doc_id, "_index": "i", "status": code}
        if code >= 300:
            item["error"] = {"type": "rejected" if code == 429 else "mapper", "reason": "no"}
        out.append({op: item})
    return {"errors": any(i[op]["status"] >= 300 for i in out), "items": out}


def actions(n: int, op: str = "index") -> Iterator[dict[str, Any]]:
    for i in range(1, n + 1):
        action: dict[str, Any] = {"_op_type": op, "_index": "i", "_id": str(i)}
        if op != "delete":
            action["_source"] = {"product_id": i}
        yield action


@pytest.fixture()
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr("opensearchpy.helpers.actions.time.sleep", waited.append)
    return waited


def write(client: FakeClient, n: int, policy: RetryPolicy, op: str = "index") -> int:
    return bulk_write(client, actions(n, op), policy)  # type: ignore[arg-type]


def test_rejected_documents_are_retried_with_backoff(sleeps: list[float]) -> None:
    client = FakeClient(
        lambda ids: items(ids, {"2": 429, "3": 429}),
        lambda ids: items(ids, {"3": 429}),
        items,
    )
    assert write(client, 3, RetryPolicy(max_retries=5, initial_backoff=1, max_backoff=30)) == 3
    assert client.sent == [["1", "2", "3"], ["2", "3"], ["3"]]  # only the rejected ones
    assert sleeps == [1, 2]


def test_backoff_is_capped_and_exhausted_retries_fail(sleeps: list[float]) -> None:
    client = FakeClient(*[lambda ids: items(ids, {"1": 429})] * 5)
    with pytest.raises(BulkWriteError) as caught:
        write(client, 2, RetryPolicy(max_retries=4, initial_backoff=1, max_backoff=3))
    assert caught.value.failed_ids == ["1"]
    assert caught.value.errors[0]["status"] == 429
    assert sleeps == [1, 2, 3, 3]
    assert len(client.sent) == 5


def test_rejected_request_is_retried(sleeps: list[float]) -> None:
    rejected = TransportError(429, "es_rejected_execution_exception", {})
    client = FakeClient(rejected, items)
    assert write(client, 2, RetryPolicy(max_retries=3, initial_backoff=2, max_backoff=10)) == 2
    assert client.sent == [["1", "2"], ["1", "2"]]
    assert sleeps == [2]


def test_other_document_errors_are_not_retried(sleeps: list[float]) -> None:
    client = FakeClient(lambda ids: items(ids, {"2": 400, "4": 400}))
    with pytest.raises(BulkWriteError, match="2 document") as caught:
        write(client, 4, RetryPolicy(max_retries=5))
    assert caught.value.failed_ids == ["2", "4"]
    assert caught.value.errors[0] == {
        "op": "index",
        "status": 400,
        "type": "mapper",
        "reason": "no",
    }
    assert len(client.sent) == 1
    assert sleeps == []


def test_failed_request_is_not_retried(sleeps: list[float]) -> None:
    client = FakeClient(TransportError(503, "unavailable", {}), items)
    with pytest.raises(BackendUnavailable, match="bulk write failed"):
        write(client, 2, RetryPolicy(max_retries=5))
    assert len(client.sent) == 1
    assert sleeps == []


def test_deleting_a_missing_document_counts_as_done(sleeps: list[float]) -> None:
    client = FakeClient(lambda ids: items(ids, {"2": 404}, op="delete"))
    assert write(client, 2, RetryPolicy(), op="delete") == 2


def test_chunks_follow_the_policy(sleeps: list[float]) -> None:
    client = FakeClient(items, items, items)
    assert write(client, 5, RetryPolicy(chunk_size=2)) == 5
    assert client.sent == [["1", "2"], ["3", "4"], ["5"]]


def test_unreachable_cluster_is_unavailable() -> None:
    client = OpenSearch(hosts=["http://127.0.0.1:9"], timeout=1, max_retries=0)
    with pytest.raises(BackendUnavailable, match="open the search index"):
        OpenSearchBackend(client, "unreachable")
