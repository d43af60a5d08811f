"""The e-mail sender against a real SMTP server in this process (aiosmtpd): what arrives
(to, subject, body in Swedish and English), retries after a temporary failure, a message
that keeps failing, STARTTLS and AUTH as the settings say, and two senders at once."""

from __future__ import annotations

import shutil
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.settings import Settings
from marketplace.mail import queue_email
from marketplace.mail.render import TemplateError, render_email
from marketplace.mail.sender import SmtpTransport, claim, send_due
from marketplace.models import OutgoingEmail
from tests.factories import migrated_factory
from tests.unit.marketplace.smtp_support import Recorder, self_signed, start

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)  # every row queued is due
SHIPPED = {
    "order_id": 12,
    "retailer": "Tand AB",
    "total": "99.00",
    "currency": "SEK",
    "link": "/ordrar/12",
    "name": "Cilla",
}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    return migrated_factory(f"sqlite:///{tmp_path / 'db.sqlite3'}")


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    controller = start(recorder)
    yield recorder, int(controller.port)
    controller.stop()


def settings_for(port: int, **changes: Any) -> Settings:
    base: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_tls": "none",
        "mail_from": "Valbar <noreply@valbar.se>",
        "site_url": "https://valbar.example",
        "mail_retry_seconds": 60,
        "mail_max_attempts": 3,
    }
    return Settings(**{**base, **changes})


def queue(factory: sessionmaker[Session], lang: str, to: str, key: str, **over: Any) -> int:
    with transaction(factory) as s:
        mail = queue_email(
            s,
            to=to,
            template=over.pop("template", "notify_order_shipped"),
            lang=lang,
            context={**SHIPPED, **over},
            dedupe_key=key,
        )
        assert mail is not None
        s.flush()
        return mail.id


def rows(factory: sessionmaker[Session]) -> dict[int, OutgoingEmail]:
    with factory() as s:
        return {m.id: m for m in s.scalars(select(OutgoingEmail))}


def test_queued_messages_arrive_in_swedish_and_english(
    factory: sessionmaker[Session], smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    sv = queue(factory, "sv", "cilla@klinik.se", "a")
    en = queue(factory, "en", "anna@clinic.com", "b")
    report = send_due(settings_for(port), factory, now=Clock())
    assert sorted(report.sent) == sorted([sv, en])
    got = {r.to[0]: r.message for r in recorder.received}
    assert set(got) == {"cilla@klinik.se", "anna@clinic.com"}
    swedish, english = got["cilla@klinik.se"], got["anna@clinic.com"]
    assert swedish["Subject"] == "Order 12 har skickats"
    assert swedish["From"] == "Valbar <noreply@valbar.se>"
    body = swedish.get_content()
    assert "Hej Cilla," in body and "Tand AB har skickat din order 12 (99.00 SEK)" in body
    assert "https://valbar.example/ordrar/12" in body
    assert english["Subject"] == "Order 12 has shipped"
    assert "Tand AB shipped your order 12" in english.get_content()
    stored = rows(factory)
    assert all(m.status == "sent" and m.sent_at is not None for m in stored.values())
    assert all(m.attempts == 1 for m in stored.values())
    assert send_due(settings_for(port), factory, now=Clock()).sent == []  # never twice


def test_a_temporary_failure_is_retried_with_backoff(
    factory: sessionmaker[Session], smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    recorder.refuse_next = 1
    mail_id = queue(factory, "sv", "cilla@klinik.se", "a")
    clock = Clock()
    settings = settings_for(port)
    report = send_due(settings, factory, now=clock)
    assert report.retried == [mail_id] and recorder.received == []
    row = rows(factory)[mail_id]
    assert row.status == "queued" and row.attempts == 1 and row.last_error is not None
    assert "451" in row.last_error
    assert row.next_attempt_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=60)
    clock.now = T0 + timedelta(seconds=30)  # not due yet
    assert send_due(settings, factory, now=clock).sent == []
    clock.now = T0 + timedelta(seconds=61)
    assert send_due(settings, factory, now=clock).sent == [mail_id]
    assert [r.to for r in recorder.received] == [["cilla@klinik.se"]]
    row = rows(factory)[mail_id]
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None


def test_after_the_last_attempt_the_message_failed(
    factory: sessionmaker[Session], smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    recorder.refuse_next = 99
    mail_id = queue(factory, "en", "x@clinic.com", "a")
    clock = Clock()
    settings = settings_for(port, mail_max_attempts=3)
    delays = []
    for _ in range(3):
        send_due(settings, factory, now=clock)
        row = rows(factory)[mail_id]
        delays.append(row.next_attempt_at.replace(tzinfo=UTC) - clock.now)
        clock.now = row.next_attempt_at.replace(tzinfo=UTC)
    row = rows(factory)[mail_id]
    assert row.status == "failed" and row.attempts == 3 and "451" in (row.last_error or "")
    assert delays[:2] == [timedelta(seconds=60), timedelta(seconds=120)]  # doubled


def test_a_message_whose_template_cannot_render_fails_at_once(
    factory: sessionmaker[Session], smtp: tuple[Recorder, int]
) -> None:
    _recorder, port = smtp
    with transaction(factory) as s:
        queue_email(s, to="x@y.se", template="notify_order_shipped", lang="sv", context={})
    report = send_due(settings_for(port), factory, now=Clock())
    assert len(report.failed) == 1
    (row,) = rows(factory).values()
    assert row.status == "failed" and "undefined" in (row.last_error or "")
    with pytest.raises(TemplateError, match="order_id"):
        render_email("notify_order_shipped", "sv", {})


def test_without_an_smtp_host_messages_stay_queued_and_are_logged(
    factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    from marketplace.mail import sender

    sender._unsent_logged["upto"] = 0
    mail_id = queue(factory, "sv", "cilla@klinik.se", "a")
    with caplog.at_level("INFO", logger="marketplace.mail.sender"):
        report = send_due(Settings(smtp_host=""), factory, now=Clock())
        send_due(Settings(smtp_host=""), factory, now=Clock())  # logged once
    logged = [r.getMessage() for r in caplog.records if "stays queued" in r.getMessage()]
    assert logged == [
        f"e-mail {mail_id} to cilla@klinik.se stays queued (smtp_host is not set): "
        "Order 12 har skickats"
    ]
    assert report.sent == report.failed == report.retried == []
    row = rows(factory)[mail_id]
    assert row.status == "queued" and row.attempts == 0


def test_a_claim_is_taken_by_one_sender_only(factory: sessionmaker[Session]) -> None:
    mail_id = queue(factory, "sv", "cilla@klinik.se", "a")
    with factory() as one, factory() as two:
        assert claim(one, mail_id, 0, T0)
        one.commit()
        assert not claim(two, mail_id, 0, T0)  # the same attempt: already taken
        two.rollback()


def test_two_senders_at_once_send_each_message_once(
    factory: sessionmaker[Session], smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    ids = [queue(factory, "sv", f"k{i}@klinik.se", f"k{i}") for i in range(12)]
    settings = settings_for(port)
    start_together = threading.Barrier(2)
    sent: list[int] = []

    def run() -> None:
        start_together.wait()
        sent.extend(send_due(settings, factory, now=Clock()).sent)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(sent) == sorted(ids)
    assert sorted(r.to[0] for r in recorder.received) == sorted(
        f"k{i}@klinik.se" for i in range(12)
    )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_starttls_and_auth_are_used_as_configured(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    cert, key = self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    recorder = Recorder()
    controller = start(recorder, tls=server_tls, auth=True)
    try:
        port = int(controller.port)
        client_tls = ssl.create_default_context(cafile=str(cert))
        mail_id = queue(factory, "en", "anna@clinic.com", "a")
        # plain (no STARTTLS) to a server that requires it: refused, retried later
        plain = settings_for(port, smtp_tls="none")
        assert send_due(plain, factory, transport=SmtpTransport(plain), now=Clock()).retried
        assert recorder.received == []
        clock = Clock()
        clock.now = T0 + timedelta(hours=1)
        secure = settings_for(
            port, smtp_tls="starttls", smtp_username="valbar", smtp_password="hemligt"
        )
        report = send_due(secure, factory, transport=SmtpTransport(secure, client_tls), now=clock)
        assert report.sent == [mail_id]
        assert recorder.logins == [("valbar", "hemligt")]
        assert [r.to for r in recorder.received] == [["anna@clinic.com"]]
    finally:
        controller.stop()


def test_the_sender_reads_the_settings_as_they_are_at_send_time(
    factory: sessionmaker[Session], smtp: tuple[Recorder, int]
) -> None:
    """The in-process sender ``wire`` installs builds each pass's e-mail from the settings
    object as it is then (the app's ``app.state.settings``), not a copy taken when it was
    wired: a site_url or sender address changed after start-up is what the next mail has."""
    from marketplace.tasks import drainer_of, wire

    recorder, port = smtp
    state = {"settings": settings_for(port, site_url="https://first.example")}
    wire(state["settings"], factory, current=lambda: state["settings"])
    drainer = drainer_of(factory)
    assert drainer is not None
    queue(factory, "sv", "cilla@klinik.se", "before")
    drainer.wait()
    state["settings"] = settings_for(
        port, site_url="https://moved.example", mail_from="Valbar <hej@moved.example>"
    )
    queue(factory, "sv", "cilla@klinik.se", "after")
    drainer.wait()
    first, second = (r.message for r in recorder.received)
    assert "https://first.example/ordrar/12" in first.get_content()
    assert "https://moved.example/ordrar/12" in second.get_content()
    assert second["From"] == "Valbar <hej@moved.example>"
    # a new app wired on the same database: its settings are the ones read from then on
    newer = {"settings": settings_for(port, site_url="https://third.example")}
    wire(newer["settings"], factory, current=lambda: newer["settings"])
    queue(factory, "en", "anna@clinic.com", "third")
    drainer.wait()
    assert "https://third.example/ordrar/12" in recorder.received[-1].message.get_content()
