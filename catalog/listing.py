"""Which retailers' offers are listed: search, comparisons, product pages and the API show
the offers of a retailer whose organisation is active (or that has no organisation, one
from before organisations existed) and leave out those of a suspended, refused or not yet
approved one. Its offers are kept: reactivated, they are listed again.

Every read of listed offers filters with :func:`listed_seller`; a change of an
organisation's status enqueues, in its transaction, the products of its retailer's offers
(:func:`seller_product_ids`) in the search index outbox (``catalog.outbox``).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from catalog.enums import OrgStatus
from catalog.models import Offer, Organisation


def listed_seller(retailer_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """SQL: the retailer in ``retailer_id`` (a column such as ``Offer.retailer_id``) has no
    organisation that is not active."""
    return ~exists(
        select(Organisation.id).where(
            Organisation.retailer_id == retailer_id,
            Organisation.status != OrgStatus.ACTIVE.value,
        )
    )


def seller_product_ids(session: Session, retailer_id: int) -> list[int]:
    """The products the retailer's active (not withdrawn) offers belong to: the search
    documents that change when the retailer is listed or unlisted."""
    return [
        pid
        for pid in session.scalars(
            select(Offer.product_id)
            .where(
                Offer.retailer_id == retailer_id,
                Offer.withdrawn_at.is_(None),
                Offer.product_id.is_not(None),
            )
            .distinct()
        )
        if pid is not None
    ]
