"""Read functions over the catalog's tables, shared by the API and the UI.

Both front ends show the same products, offers, retailers, users and feed runs; they read
them through these functions, so a page and its API twin cannot drift apart (and the UI
holds no ORM queries of its own).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.listing import listed_seller
from catalog.models import FeedRun, Offer, Product, Retailer, RetailerSignals, User

# ---------------------------------------------------------------- products and offers


def products_by_id(session: Session, ids: Collection[int]) -> dict[int, Product]:
    """The products with these ids, their identifiers and manufacturer loaded; missing ids
    are absent."""
    if not ids:
        return {}
    rows = session.scalars(
        select(Product)
        .where(Product.id.in_(ids))
        .options(selectinload(Product.identifiers), selectinload(Product.manufacturer))
    ).all()
    return {p.id: p for p in rows}


def product_names(session: Session, ids: Collection[int]) -> dict[int, str]:
    """Product id -> name, for the ids that exist."""
    if not ids:
        return {}
    rows = session.execute(select(Product.id, Product.name).where(Product.id.in_(ids))).all()
    return {int(pid): str(name) for pid, name in rows}


def offers_with_retailers(
    session: Session, ids: Collection[int]
) -> dict[int, tuple[Offer, Retailer]]:
    """Offer id -> (offer, its retailer), for the ids that exist."""
    if not ids:
        return {}
    rows = session.execute(
        select(Offer, Retailer)
        .join(Retailer, Retailer.id == Offer.retailer_id)
        .where(Offer.id.in_(ids))
    ).all()
    return {offer.id: (offer, retailer) for offer, retailer in rows}


def offers_by_id(session: Session, ids: Collection[int]) -> dict[int, Offer]:
    """Offer id -> offer, for the ids that exist."""
    if not ids:
        return {}
    return {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_(ids)))}


# ---------------------------------------------------------------- retailers


def retailer_by_slug(session: Session, slug: str) -> Retailer | None:
    """The retailer with this slug, or None."""
    return session.scalar(select(Retailer).where(Retailer.slug == slug))


def listed_retailer_by_slug(
    session: Session, slug: str, *, viewer_retailer_id: int | None = None, admin: bool = False
) -> Retailer | None:
    """The retailer with this slug as the public sees it: None when there is none or its
    organisation is suspended, refused or not yet approved (``catalog.listing``), except for
    an admin and the retailer's own users (``viewer_retailer_id``)."""
    retailer = retailer_by_slug(session, slug)
    if retailer is None or admin or viewer_retailer_id == retailer.id:
        return retailer
    listed = session.scalar(select(listed_seller(Retailer.id)).where(Retailer.id == retailer.id))
    return retailer if listed else None


def retailers_by_id(session: Session, ids: Collection[int]) -> dict[int, Retailer]:
    """Retailer id -> retailer, for the ids that exist."""
    if not ids:
        return {}
    return {r.id: r for r in session.scalars(select(Retailer).where(Retailer.id.in_(ids)))}


def retailer_names_by_slug(session: Session, slugs: Collection[str]) -> dict[str, str]:
    """Retailer slug -> display name, for the slugs that exist."""
    if not slugs:
        return {}
    rows = session.execute(
        select(Retailer.slug, Retailer.name).where(Retailer.slug.in_(slugs))
    ).all()
    return {str(slug): str(name) for slug, name in rows}


def signals_by_slug(session: Session, slugs: Collection[str]) -> dict[str, RetailerSignals]:
    """Retailer slug -> its measured service signals, for retailers that have them."""
    if not slugs:
        return {}
    rows = session.execute(
        select(Retailer.slug, RetailerSignals)
        .join(RetailerSignals, RetailerSignals.retailer_id == Retailer.id)
        .where(Retailer.slug.in_(slugs))
    ).all()
    return {str(slug): signals for slug, signals in rows}


def active_offer_count(session: Session, retailer_id: int) -> int:
    """How many offers of the retailer are listed: not withdrawn, and the retailer's
    organisation active (``catalog.listing``; an unlisted retailer has none)."""
    count = session.scalar(
        select(func.count())
        .select_from(Offer)
        .where(
            Offer.retailer_id == retailer_id,
            Offer.withdrawn_at.is_(None),
            listed_seller(Offer.retailer_id),
        )
    )
    return int(count or 0)


# ---------------------------------------------------------------- feed runs and users


def feed_run_count(session: Session, retailer_id: int) -> int:
    """How many feed runs the retailer has."""
    count = session.scalar(
        select(func.count()).select_from(FeedRun).where(FeedRun.retailer_id == retailer_id)
    )
    return int(count or 0)


def recent_feed_runs(
    session: Session, retailer_id: int, *, limit: int, offset: int = 0
) -> Sequence[FeedRun]:
    """The retailer's feed runs, newest first (``offset`` skips that many)."""
    return session.scalars(
        select(FeedRun)
        .where(FeedRun.retailer_id == retailer_id)
        .order_by(FeedRun.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()


def users_by_role(session: Session) -> Sequence[User]:
    """Every user, ordered by role, then e-mail (the admin's user list)."""
    return session.scalars(select(User).order_by(User.role, User.email)).all()


def all_feed_runs(
    session: Session,
    *,
    retailer_id: int | None = None,
    status: str | Sequence[str] | None = None,
    since: datetime | None = None,
    limit: int,
    offset: int = 0,
) -> tuple[Sequence[FeedRun], int]:
    """Every retailer's feed runs (or one retailer's, of one status or any of several,
    started at ``since`` or later), newest first, and how many there are (the admins'
    list)."""
    query = select(FeedRun)
    if retailer_id is not None:
        query = query.where(FeedRun.retailer_id == retailer_id)
    if isinstance(status, str):
        query = query.where(FeedRun.status == status)
    elif status is not None:
        query = query.where(FeedRun.status.in_(tuple(status)))
    if since is not None:
        query = query.where(FeedRun.created_at >= since)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    runs = session.scalars(query.order_by(FeedRun.id.desc()).offset(offset).limit(limit)).all()
    return runs, int(total)


def retailers_by_name(session: Session) -> Sequence[Retailer]:
    """Every retailer, by name (the admins' filters)."""
    return session.scalars(select(Retailer).order_by(Retailer.name, Retailer.id)).all()
