"""A retailer's presentation page as its representative edits it in the portal: the text,
a logo, a video (YouTube or Vimeo), contact (e-mail, phone, website) and delivery terms
(free shipping from an amount, usual delivery days, return terms).

Only the retailer's representative (``OrgRole.REPRESENTATIVE``) edits it: it speaks for the
company in public. Every change is audited in its own transaction (``catalog.audit``), with
the names of the fields it changed. Values are checked all at once, so a form shows every
field's error (:class:`ProfileInvalid`); texts are plain (the page escapes them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from catalog import audit
from catalog.enums import OrgRole
from catalog.models import Retailer, User
from marketplace.access import logged_in, staff_of
from marketplace.errors import InvalidInput, NotAllowed, NotFound
from marketplace.logos import LogoError, read_logo, store_logo
from marketplace.video_links import VideoLinkError, parse_video_link

MAX_PRESENTATION = 4000
MAX_PARAGRAPHS = 30
MAX_RETURN_TERMS = 2000
MAX_EMAIL = 254
MAX_WEBSITE = 500
MAX_FREE_SHIPPING = Decimal("1000000")
MAX_DELIVERY_DAYS = 60
EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
PHONE = re.compile(r"\+?[0-9 ()-]{6,30}")
FIELDS = (
    "presentation",
    "video_url",
    "website",
    "contact_email",
    "contact_phone",
    "free_shipping_from",
    "delivery_fee",
    "delivery_days",
    "return_terms",
)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    code: str  # profile_error.<code> in the UI's catalogs
    values: Mapping[str, object]


class ProfileInvalid(InvalidInput):
    """One or more of the form's values are not accepted; ``errors`` names each field."""

    def __init__(self, errors: list[FieldError]) -> None:
        listed = "; ".join(f"{e.field}: {e.code}" for e in errors)
        super().__init__(f"invalid presentation page: {listed}", code="profile_invalid")
        self.errors = tuple(errors)


def may_edit(user: User | None, retailer_id: int) -> bool:
    """The retailer's representative."""
    return (
        user is not None
        and user.active
        and staff_of(user, retailer_id)
        and user.org_role == OrgRole.REPRESENTATIVE.value
    )


def _require_representative(user: User | None, retailer_id: int) -> User:
    user = logged_in(user)
    if not may_edit(user, retailer_id):
        raise NotAllowed(
            "only the retailer's representative edits its presentation page",
            code="representative_only",
        )
    return user


def _text(raw: str, limit: int, field: str, errors: list[FieldError]) -> str | None:
    """Plain text: newlines normalised, paragraphs separated by one blank line."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    paragraphs = [p for p in paragraphs if p]
    joined = "\n\n".join(paragraphs)
    if len(joined) > limit:
        errors.append(FieldError(field, "too_long", {"limit": limit, "length": len(joined)}))
    elif len(paragraphs) > MAX_PARAGRAPHS:
        errors.append(FieldError(field, "too_many_paragraphs", {"limit": MAX_PARAGRAPHS}))
    return joined or None


def _website(raw: str, errors: list[FieldError]) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if "://" not in value:
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("https", "http")
        or parts.username
        or parts.password
        or "." not in (parts.hostname or "")
        or len(value) > MAX_WEBSITE
        or any(c.isspace() for c in value)
    ):
        errors.append(FieldError("website", "website", {}))
        return None
    return value


def _email(raw: str, errors: list[FieldError]) -> str | None:
    value = raw.strip()
    if not value:
        return None
    if len(value) > MAX_EMAIL or not EMAIL.fullmatch(value):
        errors.append(FieldError("contact_email", "email", {}))
        return None
    return value


def _phone(raw: str, errors: list[FieldError]) -> str | None:
    value = " ".join(raw.split())
    if not value:
        return None
    digits = sum(c.isdigit() for c in value)
    if not PHONE.fullmatch(value) or not 6 <= digits <= 15:
        errors.append(FieldError("contact_phone", "phone", {}))
        return None
    return value


def _amount(
    raw: str, errors: list[FieldError], field: str = "free_shipping_from"
) -> Decimal | None:
    value = raw.strip().removesuffix("kr").strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not 0 <= amount <= MAX_FREE_SHIPPING:
        errors.append(FieldError(field, "amount", {"limit": int(MAX_FREE_SHIPPING)}))
        return None
    return amount.quantize(Decimal("0.01"))


def _days(raw: str, errors: list[FieldError]) -> int | None:
    value = raw.strip()
    if not value:
        return None
    # ASCII digits only: "²".isdigit() holds but int("²") fails, as do 5000 digits
    if not re.fullmatch(r"[0-9]{1,4}", value) or not 0 <= int(value) <= MAX_DELIVERY_DAYS:
        errors.append(FieldError("delivery_days", "days", {"limit": MAX_DELIVERY_DAYS}))
        return None
    return int(value)


def _video(raw: str, errors: list[FieldError]) -> str | None:
    if not raw.strip():
        return None
    try:
        return parse_video_link(raw).url
    except VideoLinkError as exc:
        errors.append(FieldError("video_url", f"video_{exc.reason}", {}))
        return None


def parse_profile(form: Mapping[str, str]) -> dict[str, Any]:
    """Pure: the form's values as stored (empty: None), or :class:`ProfileInvalid` naming
    every field that is not accepted."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {
        "presentation": _text(
            form.get("presentation", ""), MAX_PRESENTATION, "presentation", errors
        ),
        "video_url": _video(form.get("video_url", ""), errors),
        "website": _website(form.get("website", ""), errors),
        "contact_email": _email(form.get("contact_email", ""), errors),
        "contact_phone": _phone(form.get("contact_phone", ""), errors),
        "free_shipping_from": _amount(form.get("free_shipping_from", ""), errors),
        "delivery_fee": _amount(form.get("delivery_fee", ""), errors, "delivery_fee"),
        "delivery_days": _days(form.get("delivery_days", ""), errors),
        "return_terms": _text(
            form.get("return_terms", ""), MAX_RETURN_TERMS, "return_terms", errors
        ),
    }
    if errors:
        raise ProfileInvalid(errors)
    return values


def _retailer(session: Session, retailer_id: int) -> Retailer:
    retailer = session.get(Retailer, retailer_id)
    if retailer is None:
        raise NotFound(f"no retailer {retailer_id}")
    return retailer


def update_profile(
    session: Session,
    user: User | None,
    retailer_id: int,
    form: Mapping[str, str],
    *,
    now: datetime,
) -> list[str]:
    """Store the form's values on the retailer; the names of the fields that changed (none
    changed: nothing is written, nothing audited)."""
    actor = _require_representative(user, retailer_id)
    values = parse_profile(form)
    retailer = _retailer(session, retailer_id)
    changed = [name for name in FIELDS if getattr(retailer, name) != values[name]]
    if not changed:
        return []
    for name in changed:
        setattr(retailer, name, values[name])
    retailer.profile_updated_at = now
    audit.record(
        session,
        actor=actor,
        channel="web",
        action="retailer.profile_update",
        target_kind="retailer",
        target_id=retailer_id,
        detail={"fields": changed},
    )
    return changed


def set_logo(
    session: Session,
    user: User | None,
    retailer_id: int,
    folder: Path,
    stream: BinaryIO,
    *,
    now: datetime,
) -> str:
    """Check and keep an uploaded logo and show it on the page; its stored name."""
    actor = _require_representative(user, retailer_id)
    retailer = _retailer(session, retailer_id)
    try:
        data, info = read_logo(stream)
    except LogoError as exc:
        raise ProfileInvalid([FieldError("logo", exc.code, exc.values)]) from exc
    name = store_logo(folder, data, info)
    if retailer.logo_file != name:
        retailer.logo_file = name
        retailer.profile_updated_at = now
        audit.record(
            session,
            actor=actor,
            channel="web",
            action="retailer.logo_set",
            target_kind="retailer",
            target_id=retailer_id,
            detail={"file": name, "width": info.width, "height": info.height},
        )
    return name


def remove_logo(session: Session, user: User | None, retailer_id: int, *, now: datetime) -> bool:
    """The page shows no logo (the file stays: another retailer may use the same bytes)."""
    actor = _require_representative(user, retailer_id)
    retailer = _retailer(session, retailer_id)
    if retailer.logo_file is None:
        return False
    audit.record(
        session,
        actor=actor,
        channel="web",
        action="retailer.logo_remove",
        target_kind="retailer",
        target_id=retailer_id,
        detail={"file": retailer.logo_file},
    )
    retailer.logo_file = None
    retailer.profile_updated_at = now
    return True
