"""Typed domain errors of loyalty (the API maps each to a problem+json status)."""

from __future__ import annotations


class LoyaltyError(Exception):
    """Base of every loyalty error (message in English, for logs and the API detail)."""


class NotAllowed(LoyaltyError):
    """The user may not do this (wrong role, not their organisation's representative)."""


class NotFound(LoyaltyError):
    """The programme, membership, participant or account does not exist (for this user)."""


class InvalidInput(LoyaltyError):
    """A value outside its domain (points not > 0, an unknown terms version, a blank name);
    ``field`` names the input it is about, when it is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AlreadyExists(LoyaltyError):
    """A programme of that name exists already."""


class InsufficientPoints(LoyaltyError):
    """A debit would take an account below zero: refused, nothing moved. The message names
    the account as people know it (``label``: whose account, with ids), never its internal
    key (``account_key``, kept for logs and tests)."""

    def __init__(
        self,
        account_key: str,
        points: int,
        *,
        label: str | None = None,
        balance: int | None = None,
    ) -> None:
        holds = f"holds {balance} points" if balance is not None else "does not hold enough"
        super().__init__(f"{label or 'the account'} {holds}, not the {points} needed")
        self.account_key = account_key
        self.points = points
        self.label = label
        self.balance = balance


class OutOfStock(LoyaltyError):
    """A reward has fewer units left than asked for (or is no longer offered): nothing
    redeemed."""

    def __init__(self, reward_id: int, name: str) -> None:
        super().__init__(f"reward {reward_id} ({name}) has too few units left")
        self.reward_id = reward_id


class WrongState(LoyaltyError):
    """A redemption is not in the state the action needs (fulfilling a cancelled one)."""
