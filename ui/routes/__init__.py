"""The UI's routes: one router the site includes (``valbar.app.create_app``)."""

from __future__ import annotations

from fastapi import APIRouter

from ui.routes import (
    account,
    admin,
    clinic,
    console,
    favicon,
    me,
    moderation,
    portal,
    portal_market,
    portal_template,
    reviews,
    shop,
)

router = APIRouter(include_in_schema=False)
router.include_router(clinic.router)
router.include_router(account.router)
router.include_router(portal.router)
router.include_router(portal_template.router)
router.include_router(console.router)
router.include_router(shop.router)
router.include_router(reviews.router)
router.include_router(me.router)
router.include_router(portal_market.router)
router.include_router(favicon.router)
router.include_router(admin.router)
router.include_router(moderation.router)

__all__ = ["router"]
