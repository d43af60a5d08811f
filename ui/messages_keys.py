"""UI text of the API keys page (key -> (Swedish, English), merged into ``ui.i18n``)."""

from __future__ import annotations

KEY_MESSAGES: dict[str, tuple[str, str]] = {
    "keys.title": ("API-nycklar", "API keys"),
    "keys.intro": (
        "Med en API-nyckel hämtar ett annat system data från Valbar eller skickar in "
        "prisfiler. Skicka den som rubriken X-API-Key (eller Authorization: Bearer). "
        "Nycklarna i en organisation delar på en gräns för antal anrop per minut.",
        "With an API key another system reads from Valbar or sends in price files. Send it "
        "as the X-API-Key header (or Authorization: Bearer). The keys of an organisation "
        "share one limit of requests per minute.",
    ),
    "keys.intro_manager": (
        "Du ser nycklarna för alla i din organisation och kan återkalla dem.",
        "You see the keys of everyone in your organisation and can revoke them.",
    ),
    "keys.link": ("Hantera API-nycklar", "Manage API keys"),
    "keys.create": ("Skapa en nyckel", "Create a key"),
    "keys.name": ("Namn (vad nyckeln används till)", "Name (what the key is for)"),
    "keys.scope": ("Behörighet", "Scope"),
    "keys.scope.search": (
        "Sök: läsa sökningar, produkter, jämförelser och återförsäljare",
        "Search: read searches, products, comparisons and retailers",
    ),
    "keys.scope.feeds": (
        "Prisfiler: ladda upp och följa återförsäljarens prisfiler",
        "Feeds: upload and follow the retailer's price files",
    ),
    "keys.scope.full": (
        "Full: allt ditt konto får göra",
        "Full: everything your account may do",
    ),
    "keys.scope_short.search": ("Sök", "Search"),
    "keys.scope_short.feeds": ("Prisfiler", "Feeds"),
    "keys.scope_short.full": ("Full", "Full"),
    "keys.expires": ("Sista giltighetsdag (valfri)", "Last valid day (optional)"),
    "keys.create_button": ("Skapa nyckel", "Create key"),
    "keys.created": (
        "Nyckeln {name} är skapad. Kopiera den nu: den visas bara den här gången.",
        "The key {name} is created. Copy it now: it is shown only this once.",
    ),
    "keys.secret": ("Nyckel", "Key"),
    "keys.list": ("Nycklar", "Keys"),
    "keys.none": ("Inga nycklar ännu.", "No keys yet."),
    "keys.more": (
        "Visar de {shown} senaste av {total}.",
        "Showing the latest {shown} of {total}.",
    ),
    "keys.col.name": ("Namn", "Name"),
    "keys.col.prefix": ("Prefix", "Prefix"),
    "keys.col.owner": ("Ägare", "Owner"),
    "keys.col.scope": ("Behörighet", "Scope"),
    "keys.col.created": ("Skapad", "Created"),
    "keys.col.used": ("Senast använd", "Last used"),
    "keys.col.expires": ("Giltig till", "Valid until"),
    "keys.col.state": ("Status", "State"),
    "keys.never_used": ("aldrig", "never"),
    "keys.no_expiry": ("tills vidare", "until revoked"),
    "keys.state.active": ("aktiv", "active"),
    "keys.state.expired": ("utgången", "expired"),
    "keys.state.revoked": ("återkallad", "revoked"),
    "keys.revoke": ("Återkalla", "Revoke"),
    "keys.revoke_label": ("Återkalla nyckeln {name}", "Revoke the key {name}"),
    "keys.refused.name": (
        "Ge nyckeln ett namn (1–100 tecken).",
        "Give the key a name (1-100 characters).",
    ),
    "keys.refused.scope": (
        "Välj en behörighet ditt konto kan få (prisfiler är för återförsäljare).",
        "Choose a scope your account may have (feeds are for retailers).",
    ),
    "keys.refused.expires": (
        "Ange ett datum från och med i dag och högst fem år fram (ÅÅÅÅ-MM-DD).",
        "Give a date from today and at most five years ahead (YYYY-MM-DD).",
    ),
    "keys.too_many": (
        "Din organisation har redan {n} aktiva nycklar, det högsta antalet. Återkalla en först.",
        "Your organisation already has {n} active keys, the most allowed. Revoke one first.",
    ),
    "keys.not_found": ("Nyckeln finns inte.", "The key does not exist."),
    "notice.key_revoked": ("Nyckeln är återkallad.", "The key is revoked."),
}
