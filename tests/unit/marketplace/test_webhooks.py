"""Signed webhooks: URL checks against SSRF, only an organisation's manager registers, an
event fans out to the endpoints that chose it, and deliveries to a real local HTTP server
carry a verifiable signature and are retried after a 500."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from catalog.events import OrderPlaced, deliver_committed
from catalog.models import Organisation, User
from catalog.settings import Settings
from marketplace import cart, orders, webhooks
from marketplace.errors import InvalidInput, NotAllowed, NotFound
from marketplace.models import WebhookDelivery
from marketplace.tasks import wire
from marketplace.webhook_delivery import EXCERPT_BYTES, deliver_due, signature
from tests.unit.marketplace.mp_support import NOW, Market

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


@dataclass
class Hits:
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers in turn, then 200


@pytest.fixture
def receiver() -> Iterator[tuple[Hits, int]]:
    hits = Hits()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            hits.requests.append((dict(self.headers), body))
            status = hits.statuses.pop(0) if hits.statuses else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"x" * 2000 if status == 500 else b"ok")

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hits, int(server.server_address[1])
    server.shutdown()
    server.server_close()


def _organise(market: Market) -> dict[str, int]:
    """Tand's staff represents Tand's organisation; Nord's staff Nord's; Dino is a buyer."""
    with market.factory() as s:
        ids = {}
        for key, user_key, role in (
            ("tand", "tand_staff", "representative"),
            ("nord", "nord_staff", "representative"),
        ):
            org = Organisation(kind="retailer", name=key, retailer_id=market.retailers[key])
            s.add(org)
            s.flush()
            user = s.get(User, market.users[user_key])
            assert user is not None
            user.organisation_id, user.org_role = org.id, role
            ids[key] = org.id
        clinic_org = Organisation(kind="clinic", name="Folktand")
        s.add(clinic_org)
        s.flush()
        for user_key, role in (("clinic", "manager"), ("clinic2", "buyer")):
            user = s.get(User, market.users[user_key])
            assert user is not None
            user.organisation_id, user.org_role = clinic_org.id, role
        ids["clinic"] = clinic_org.id
        s.commit()
        return ids


def public(_host: str, _port: int) -> list[str]:
    return ["93.184.216.34"]


@pytest.mark.parametrize(
    "url,allow,code",
    [
        ("http://hooks.example.com/x", False, "webhook_https"),
        ("ftp://hooks.example.com/x", False, "webhook_https"),
        ("https://user:pw@hooks.example.com/x", False, "webhook_url"),
        ("http://127.0.0.1:8000/x", False, "webhook_https"),
        ("https://10.1.2.3/x", False, "webhook_private"),
        ("https://169.254.169.254/latest", False, "webhook_private"),
        ("https://[::1]/x", False, "webhook_private"),
        ("https://192.168.0.10/x", True, "webhook_private"),
        ("https://" + "a" * 600 + ".se/", False, "webhook_url"),
    ],
)
def test_unsafe_urls_are_refused_naming_the_field(url: str, allow: bool, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        webhooks.check_url(url, allow_loopback=allow, resolver=webhooks.resolve)
    assert caught.value.code == code and str(caught.value).startswith("url:")


def test_a_host_resolving_to_a_private_address_is_refused() -> None:
    with pytest.raises(InvalidInput, match="private"):
        webhooks.check_url(
            "https://intranet.example.com/x",
            allow_loopback=False,
            resolver=lambda h, p: ["10.0.0.7"],
        )
    target = webhooks.check_url(
        "https://hooks.example.com:8443/in?a=1", allow_loopback=False, resolver=public
    )
    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.com",
        8443,
        "/in?a=1",
        "93.184.216.34",
    )
    loop = webhooks.check_url("http://localhost:9/x", allow_loopback=True)
    assert loop.scheme == "http" and loop.address in ("127.0.0.1", "::1")


def test_only_an_organisation_s_manager_registers_and_sees_its_own(market: Market) -> None:
    _organise(market)
    with market.factory() as s:
        tand, nord = market.user(s, "tand_staff"), market.user(s, "nord_staff")
        buyer, admin = market.user(s, "clinic2"), market.user(s, "admin")
        endpoint, secret = webhooks.create_endpoint(
            s,
            tand,
            url="https://hooks.example.com/a",
            kinds=["order.placed"],
            allow_loopback=False,
            now=NOW,
            resolver=public,
        )
        s.commit()
        assert secret.startswith("whsec_") and len(secret) > 40
        for outsider in (buyer, admin):
            with pytest.raises(NotAllowed):
                webhooks.endpoints_of(s, outsider)
        assert webhooks.endpoints_of(s, nord) == []
        with pytest.raises(NotFound):
            webhooks.deliveries_of(s, nord, endpoint.id, limit=10, offset=0)
        with pytest.raises(NotFound):
            webhooks.delete_endpoint(s, nord, endpoint.id)
        with pytest.raises(NotFound):
            webhooks.send_test(s, nord, endpoint.id, now=NOW)
        with pytest.raises(InvalidInput, match="already registered"):
            webhooks.create_endpoint(
                s,
                tand,
                url="https://hooks.example.com/a",
                kinds=["order.shipped"],
                allow_loopback=False,
                now=NOW,
                resolver=public,
            )
        with pytest.raises(InvalidInput, match="kinds"):
            webhooks.create_endpoint(
                s,
                tand,
                url="https://hooks.example.com/b",
                kinds=["order.eaten"],
                allow_loopback=False,
                now=NOW,
                resolver=public,
            )


def test_an_event_fans_out_to_the_endpoints_that_chose_it(market: Market) -> None:
    orgs = _organise(market)
    wire(Settings(environment="test", broker_url="", smtp_host=""), market.factory)
    with market.factory() as s:
        tand, nord, clinic = (market.user(s, k) for k in ("tand_staff", "nord_staff", "clinic"))
        made = {}
        for name, user, kinds in (
            ("tand_placed", tand, ["order.placed"]),
            ("tand_shipped", tand, ["order.shipped"]),
            ("nord_placed", nord, ["order.placed"]),
            ("clinic_placed", clinic, ["order.placed", "order.shipped"]),
        ):
            endpoint, _ = webhooks.create_endpoint(
                s,
                user,
                url=f"https://hooks.example.com/{name}",
                kinds=kinds,
                allow_loopback=False,
                now=NOW,
                resolver=public,
            )
            made[name] = endpoint.id
        s.commit()
        cart.add_item(s, clinic, market.offers["glove_tand"], 1, now=NOW)
        (order,) = orders.checkout(s, clinic, now=NOW)
        s.commit()
        event = OrderPlaced(
            order_id=order.id, retailer_id=market.retailers["tand"], clinic_id=clinic.id
        )
    deliver_committed(market.factory, [event])  # delivered twice: still one each
    with market.factory() as s:
        rows = list(s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.endpoint_id)))
    assert [r.endpoint_id for r in rows] == [made["tand_placed"], made["clinic_placed"]]
    assert rows[0].payload["type"] == "order.placed"
    assert rows[0].payload["data"] == {
        "order_id": order.id,
        "retailer_id": market.retailers["tand"],
        "clinic_id": market.users["clinic"],
    }
    assert orgs  # (both organisations concerned got theirs; Nord's did not)


def _settings(**changes: Any) -> Settings:
    return Settings(
        **{
            "environment": "test",
            "webhook_allow_loopback": True,
            "mail_retry_seconds": 60,
            "webhook_max_attempts": 3,
            **changes,
        }
    )


def test_a_delivery_is_signed_and_retried_after_a_500(
    market: Market, receiver: tuple[Hits, int]
) -> None:
    hits, port = receiver
    hits.statuses = [500]
    _organise(market)
    with market.factory() as s:
        endpoint, secret = webhooks.create_endpoint(
            s,
            market.user(s, "tand_staff"),
            url=f"http://127.0.0.1:{port}/valbar",
            kinds=["order.placed"],
            allow_loopback=True,
            now=NOW,
        )
        s.flush()
        delivery = webhooks.send_test(s, market.user(s, "tand_staff"), endpoint.id, now=T0)
        s.commit()
        delivery_id = delivery.id
    clock = [T0]
    report = deliver_due(_settings(), market.factory, now=lambda: clock[0])
    assert report.retried == [delivery_id]
    with market.factory() as s:
        row = s.get(WebhookDelivery, delivery_id)
        assert row is not None
        assert (row.status, row.attempts, row.response_code) == ("queued", 1, 500)
        assert len(row.response_excerpt or "") == EXCERPT_BYTES  # 2000 bytes answered
        assert row.next_attempt_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=60)
    clock[0] = T0 + timedelta(seconds=61)
    assert deliver_due(_settings(), market.factory, now=lambda: clock[0]).sent == [delivery_id]
    assert len(hits.requests) == 2
    for headers, body in hits.requests:
        assert headers["X-Valbar-Event"] == "ping"
        assert headers["X-Valbar-Delivery"] == str(delivery_id)  # the same on the retry
        stamp = headers["X-Valbar-Timestamp"]
        expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
        assert headers["X-Valbar-Signature"] == "sha256=" + expected.hexdigest()
        assert headers["X-Valbar-Signature"] == signature(secret, stamp, body)
        payload = json.loads(body)
        assert payload["id"] == delivery_id and payload["type"] == "ping"
    with market.factory() as s:
        row = s.get(WebhookDelivery, delivery_id)
        assert row is not None and row.status == "sent" and row.response_code == 200


def test_a_delivery_that_keeps_failing_ends_failed(market: Market) -> None:
    _organise(market)
    with market.factory() as s:
        endpoint, _ = webhooks.create_endpoint(
            s,
            market.user(s, "tand_staff"),
            url="http://127.0.0.1:9/closed",  # nothing listens on the discard port
            kinds=["order.placed"],
            allow_loopback=True,
            now=NOW,
        )
        s.flush()
        delivery_id = webhooks.send_test(s, market.user(s, "tand_staff"), endpoint.id, now=T0).id
        s.commit()
    clock = [T0]
    for _ in range(3):
        deliver_due(_settings(), market.factory, now=lambda: clock[0])
        clock[0] += timedelta(hours=7)
    with market.factory() as s:
        row = s.get(WebhookDelivery, delivery_id)
        assert row is not None and row.status == "failed" and row.attempts == 3
        assert "Connection" in (row.last_error or "") or "refused" in (row.last_error or "")


def test_an_endpoint_that_never_answers_is_given_up_on_in_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket
    import time

    from marketplace import webhook_delivery

    monkeypatch.setattr(webhook_delivery, "TOTAL_SECONDS", 1.0)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        target = webhooks.check_url(
            f"http://127.0.0.1:{silent.getsockname()[1]}/x", allow_loopback=True
        )
        started = time.monotonic()
        with pytest.raises(OSError):  # TimeoutError
            webhook_delivery.post(target, b"{}", {"Content-Type": "application/json"})
        assert time.monotonic() - started < 3
    finally:
        silent.close()
