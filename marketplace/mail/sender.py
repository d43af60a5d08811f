"""The sender: due ``queued`` messages are claimed, rendered and sent over SMTP.

A claim is a conditional UPDATE (``... WHERE status = 'queued' AND attempts = :seen AND
next_attempt_at <= :now``) committed before the message is sent: of two workers draining
at once exactly one claims a message, and the other moves on. The claim counts the attempt
and pushes ``next_attempt_at`` past a lease, so a sender that dies mid-send leaves the
message to be tried again later. A failure is retried with exponential backoff (a 4xx
reply, a refused or lost connection, a timeout, a refused login or TLS: the server's or
the configuration's problem); after ``mail_max_attempts`` tries, or at once when the
message itself is refused (its recipients or content with a 5xx reply, a template that
does not render), it is ``failed`` with ``last_error``. Without ``smtp_host`` nothing is
sent: messages stay queued (counted in ``/metrics``, each logged once with its recipient
and subject) until a server is configured.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import rows_matched
from catalog.settings import Settings
from marketplace.backoff import claim_until, next_attempt
from marketplace.dates import as_utc, utc_now
from marketplace.mail.render import TemplateError, render_email
from marketplace.models import OutgoingEmail

log = logging.getLogger(__name__)
BATCH = 50
ERROR_CHARS = 500


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class PermanentFailure(Exception):
    """Sending again would fail the same way."""


class SmtpTransport:
    """One SMTP session per message, as the settings say (TLS mode, credentials)."""

    def __init__(self, settings: Settings, context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.context = context or ssl.create_default_context()  # verifies the certificate

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        timeout = s.smtp_timeout_seconds
        if s.smtp_tls == "ssl":
            return smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=timeout, context=self.context)
        client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=timeout)
        if s.smtp_tls == "starttls":
            client.starttls(context=self.context)
        return client

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        with self._connect() as client:
            if s.smtp_username:
                client.login(s.smtp_username, s.smtp_password.get_secret_value())
            client.send_message(message)


def build_message(settings: Settings, mail: OutgoingEmail) -> EmailMessage:
    context: dict[str, Any] = {"site_url": settings.site_url.rstrip("/"), **mail.context}
    rendered = render_email(mail.template, mail.lang, context)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to_address
    message["Subject"] = rendered.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(f"valbar.{mail.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.body, charset="utf-8")
    return message


def _classify(exc: Exception) -> tuple[bool, str]:
    """(permanent?, the error as stored). Only what is wrong with this message is
    permanent (a template that does not render, recipients or content refused with 5xx);
    a server or login problem is the configuration's, retried until it is fixed."""
    if isinstance(exc, TemplateError | PermanentFailure):
        return True, str(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return all(500 <= c < 600 for c in codes), f"recipients refused: {exc.recipients}"
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        permanent = isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600
        return permanent, f"{exc.smtp_code} {text}"
    return False, f"{type(exc).__name__}: {exc}"


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _due(session: Session, now: datetime) -> list[tuple[int, int]]:
    rows = session.execute(
        select(OutgoingEmail.id, OutgoingEmail.attempts)
        .where(OutgoingEmail.status == "queued", OutgoingEmail.next_attempt_at <= now)
        .order_by(OutgoingEmail.next_attempt_at, OutgoingEmail.id)
        .limit(BATCH)
    ).all()
    return [(int(r[0]), int(r[1])) for r in rows]


def claim(session: Session, mail_id: int, seen_attempts: int, now: datetime) -> bool:
    """Take the message for one try (see the module docstring); the caller commits."""
    result = session.execute(
        update(OutgoingEmail)
        .where(
            OutgoingEmail.id == mail_id,
            OutgoingEmail.status == "queued",
            OutgoingEmail.attempts == seen_attempts,
            OutgoingEmail.next_attempt_at <= now,
        )
        .values(attempts=seen_attempts + 1, next_attempt_at=claim_until(now))
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) == 1


_unsent_logged = {"upto": 0}


def _log_unsent(settings: Settings, factory: sessionmaker[Session]) -> None:
    """Without an SMTP host: log each newly queued message once per process (to, subject),
    so an operator of the embedded default sees what would have been sent."""
    with factory() as session:
        rows = session.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.status == "queued", OutgoingEmail.id > _unsent_logged["upto"])
            .order_by(OutgoingEmail.id)
            .limit(BATCH)
        ).all()
        for mail in rows:
            try:
                subject = build_message(settings, mail)["Subject"]
            except TemplateError as exc:
                subject = f"(does not render: {exc})"
            log.info(
                "e-mail %s to %s stays queued (smtp_host is not set): %s",
                mail.id,
                mail.to_address,
                subject,
            )
            _unsent_logged["upto"] = max(_unsent_logged["upto"], mail.id)


def send_due(
    settings: Settings,
    factory: sessionmaker[Session],
    *,
    transport: Transport | None = None,
    now: Callable[[], datetime] = utc_now,
) -> SendReport:
    """Send every message due now (one batch at a time until none is left)."""
    report = SendReport()
    if not settings.smtp_host and transport is None:
        _log_unsent(settings, factory)
        return report
    sender = transport or SmtpTransport(settings)
    while True:
        with factory() as session:
            due = _due(session, now())
        if not due:
            return report
        progressed = False
        for mail_id, attempts in due:
            if _send_one(settings, factory, sender, mail_id, attempts, now, report):
                progressed = True
        if not progressed:  # another worker took them all
            return report


def _send_one(
    settings: Settings,
    factory: sessionmaker[Session],
    sender: Transport,
    mail_id: int,
    attempts: int,
    now: Callable[[], datetime],
    report: SendReport,
) -> bool:
    with factory() as session:
        if not claim(session, mail_id, attempts, as_utc(now())):
            session.rollback()
            return False
        session.commit()
        mail = session.get(OutgoingEmail, mail_id)
        assert mail is not None
        tries = attempts + 1
        try:
            sender.send(build_message(settings, mail))
        except (smtplib.SMTPException, OSError, TemplateError, PermanentFailure) as exc:
            permanent, error = _classify(exc)
            mail.last_error = error[:ERROR_CHARS]
            if permanent or tries >= settings.mail_max_attempts:
                mail.status = "failed"
                report.failed.append(mail_id)
                log.warning("e-mail %s to %s failed: %s", mail_id, mail.to_address, error)
            else:
                mail.next_attempt_at = next_attempt(
                    as_utc(now()), tries, settings.mail_retry_seconds
                )
                report.retried.append(mail_id)
                log.info(
                    "e-mail %s to %s: try %s failed, retried: %s",
                    mail_id,
                    mail.to_address,
                    tries,
                    error,
                )
        else:
            mail.status = "sent"
            mail.sent_at = as_utc(now())
            mail.last_error = None
            report.sent.append(mail_id)
        session.commit()
        return True
