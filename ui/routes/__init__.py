"""The UI's routes: one router the site includes (``valbar.app.create_app``)."""

from __future__ import annotations

from fastapi import APIRouter

from ui.routes import (
    account,
    admin,
    admin_activity,
    admin_console,
    admin_loyalty,
    admin_photos,
    admin_queues,
    admin_reports,
    admin_shop,
    clinic,
    console,
    console_synonyms,
    favicon,
    keys,
    manage_limits,
    match_queue,
    me,
    members,
    moderation,
    notify,
    password_set,
    portal,
    portal_activity,
    portal_campaigns,
    portal_engage,
    portal_fetch,
    portal_loyalty,
    portal_market,
    portal_photos,
    portal_profile,
    portal_shop,
    portal_template,
    reviews,
    shop,
    signup,
    watches,
    webhooks,
)

router = APIRouter(include_in_schema=False)
router.include_router(clinic.router)
router.include_router(watches.router)
router.include_router(account.router)
router.include_router(portal.router)
router.include_router(portal_template.router)
router.include_router(portal_fetch.router)
router.include_router(console.router)
router.include_router(console_synonyms.router)
router.include_router(shop.router)
router.include_router(reviews.router)
router.include_router(me.router)
router.include_router(keys.router)
router.include_router(portal_market.router)
router.include_router(portal_profile.router)
router.include_router(portal_profile.public)
router.include_router(portal_campaigns.router)
router.include_router(portal_engage.router)
router.include_router(portal_photos.router)
router.include_router(portal_activity.router)
router.include_router(portal_loyalty.router)
router.include_router(portal_shop.router)
router.include_router(admin_shop.router)
router.include_router(admin_shop.sponsor_router)
router.include_router(admin_shop.picture_router)
router.include_router(favicon.router)
router.include_router(admin_console.router)
router.include_router(admin.router)
router.include_router(admin_loyalty.router)
router.include_router(admin_photos.router)
router.include_router(admin_activity.router)
router.include_router(admin_reports.router)
router.include_router(admin_photos.sponsor_router)
router.include_router(admin_activity.sponsor_router)
router.include_router(admin_reports.sponsor_router)
router.include_router(admin_loyalty.sponsor_router)
router.include_router(manage_limits.router)
router.include_router(manage_limits.sponsor_router)
router.include_router(moderation.router)
router.include_router(password_set.router)
router.include_router(notify.router)
router.include_router(webhooks.router)
router.include_router(signup.router)
router.include_router(members.router)
router.include_router(match_queue.router)
router.include_router(admin_queues.router)

__all__ = ["router"]
