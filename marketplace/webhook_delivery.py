"""Sending queued webhook deliveries: signed, bounded in time, retried with backoff.

Each POST carries the JSON payload and the headers ``X-Valbar-Event`` (the kind),
``X-Valbar-Delivery`` (the delivery's id: the same on every retry), ``X-Valbar-Timestamp``
(Unix seconds) and ``X-Valbar-Signature: sha256=<hex>``, the HMAC-SHA256 with the
endpoint's secret of ``"<timestamp>.<body>"``. A 2xx answer is delivered; anything else
(another status, a refused connection, a timeout) is tried again after
``mail_retry_seconds`` doubled per try, and ``failed`` after ``webhook_max_attempts``.
The connection goes to the address the URL check approved (no second DNS answer is
trusted); connecting may take 5 s and the whole exchange 10 s; at most
:data:`EXCERPT_BYTES` of the answer are read and kept. Rows are claimed as e-mail is
(``marketplace.mail.sender``): two workers never send one delivery at once.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import rows_matched
from catalog.settings import Settings
from marketplace.backoff import claim_until, next_attempt
from marketplace.dates import as_utc, utc_now
from marketplace.errors import InvalidInput
from marketplace.models import WebhookDelivery, WebhookEndpoint
from marketplace.webhooks import Target, check_url

log = logging.getLogger(__name__)
CONNECT_SECONDS = 5.0
TOTAL_SECONDS = 10.0
EXCERPT_BYTES = 300
BATCH = 50
USER_AGENT = "Valbar-Webhooks/1"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``"<timestamp>.<body>"`` (what ``X-Valbar-Signature`` holds)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    excerpt: str


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=CONNECT_SECONDS)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), CONNECT_SECONDS)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(
            target.host, target.port, timeout=CONNECT_SECONDS, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), CONNECT_SECONDS)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def post(target: Target, body: bytes, headers: dict[str, str]) -> Answer:
    """POST within the time bounds; the answer's status and its first bytes."""
    started = time.monotonic()
    conn: http.client.HTTPConnection = (
        _PinnedHTTPS(target) if target.scheme == "https" else _PinnedHTTP(target)
    )
    try:
        conn.connect()
        sock = conn.sock  # kept: the connection lets go of it once the answer is read
        assert sock is not None

        def left() -> float:
            remaining = TOTAL_SECONDS - (time.monotonic() - started)
            if remaining <= 0:
                raise TimeoutError(f"no answer within {TOTAL_SECONDS:.0f} s")
            return remaining

        sock.settimeout(left())
        conn.request("POST", target.path, body=body, headers=headers)
        sock.settimeout(left())
        response = conn.getresponse()
        sock.settimeout(left())
        excerpt = response.read(EXCERPT_BYTES)
        return Answer(response.status, excerpt.decode("utf-8", "replace"))
    finally:
        conn.close()


Poster = Callable[[Target, bytes, dict[str, str]], Answer]


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _claim(session: Session, delivery_id: int, seen: int, now: datetime) -> bool:
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "queued",
            WebhookDelivery.attempts == seen,
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(attempts=seen + 1, next_attempt_at=claim_until(now))
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) == 1


def deliver_due(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    poster: Poster = post,
    now: Callable[[], datetime] = utc_now,
) -> DeliveryReport:
    """Send every delivery due now."""
    report = DeliveryReport()
    while True:
        with factory() as session:
            due = [
                (int(i), int(a))
                for i, a in session.execute(
                    select(WebhookDelivery.id, WebhookDelivery.attempts)
                    .where(
                        WebhookDelivery.status == "queued",
                        WebhookDelivery.next_attempt_at <= as_utc(now()),
                    )
                    .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                    .limit(BATCH)
                ).all()
            ]
        if not due:
            return report
        progressed = False
        for delivery_id, attempts in due:
            progressed |= _deliver_one(
                settings, factory, poster, delivery_id, attempts, now, report
            )
        if not progressed:
            return report


def _deliver_one(
    settings: Settings,
    factory: sessionmaker[Session],
    poster: Poster,
    delivery_id: int,
    attempts: int,
    now: Callable[[], datetime],
    report: DeliveryReport,
) -> bool:
    with factory() as session:
        if not _claim(session, delivery_id, attempts, as_utc(now())):
            session.rollback()
            return False
        session.commit()
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        tries = attempts + 1
        error: str | None = None
        permanent = False
        try:
            if endpoint is None or not endpoint.active:
                raise InvalidInput("the endpoint was removed or disabled")
            target = check_url(endpoint.url, allow_loopback=settings.webhook_allow_loopback)
            body = json.dumps(
                {"id": delivery.id, **delivery.payload}, separators=(",", ":"), ensure_ascii=False
            ).encode()
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-Valbar-Event": delivery.kind,
                "X-Valbar-Delivery": str(delivery.id),
                "X-Valbar-Timestamp": stamp,
                "X-Valbar-Signature": signature(endpoint.secret, stamp, body),
            }
            answer = poster(target, body, headers)
            delivery.response_code = answer.status
            delivery.response_excerpt = answer.excerpt[:EXCERPT_BYTES]
            if not 200 <= answer.status < 300:
                error = f"HTTP {answer.status}"
        except InvalidInput as exc:  # the URL now resolves to a private address, or is gone
            error, permanent = str(exc), endpoint is None or not endpoint.active
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error is None:
            delivery.status = "sent"
            delivery.delivered_at = as_utc(now())
            delivery.last_error = None
            report.sent.append(delivery_id)
        else:
            delivery.last_error = error[:500]
            if permanent or tries >= settings.webhook_max_attempts:
                delivery.status = "failed"
                report.failed.append(delivery_id)
            else:
                delivery.next_attempt_at = next_attempt(
                    as_utc(now()), tries, settings.mail_retry_seconds
                )
                report.retried.append(delivery_id)
            log.info("webhook delivery %s try %s: %s", delivery_id, tries, error)
        session.commit()
        return True
