"""E-mail: messages queued in the outbox (``queue_email``) in the transaction that causes
them, rendered from ``templates/<name>.<lang>.txt`` and sent over SMTP after the commit."""

from marketplace.mail.outbox import queue_email

__all__ = ["queue_email"]
