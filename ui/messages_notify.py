"""UI text of the notification centre, e-mail preferences and an organisation's webhooks
(key -> (Swedish, English), merged into ``ui.i18n``)."""

from __future__ import annotations

NOTIFY_MESSAGES: dict[str, tuple[str, str]] = {
    # navigation
    "nav.notifications": ("Notiser", "Notifications"),
    "nav.unread": ("{n} olästa", "{n} unread"),
    # the notification centre
    "notify.title": ("Notiser", "Notifications"),
    "notify.intro": (
        "Det som hänt som rör dig, nyast först. Vilka som även skickas med e-post väljer du "
        "under Mina uppgifter.",
        "What happened that concerns you, newest first. Choose which are also sent by e-mail "
        "on My details.",
    ),
    "notify.none": ("Inga notiser ännu.", "No notifications yet."),
    "notify.unread": ("Oläst", "Unread"),
    "notify.open": ("Visa", "Open"),
    "notify.mark_read": ("Markera som läst", "Mark as read"),
    "notify.mark_all_read": ("Markera alla som lästa", "Mark all as read"),
    "notify.newer": ("Nyare", "Newer"),
    "notify.older": ("Äldre", "Older"),
    "notify.page": ("Sida {page} av {pages}", "Page {page} of {pages}"),
    "notify.pages": ("Bläddra bland notiser", "Browse notifications"),
    "notify.all": ("Alla notiser", "All notifications"),
    # in-app wording of each kind (values from marketplace.alerts)
    "notification.order_placed": (
        "Ny order {order_id} från {clinic} på {total} {currency}.",
        "New order {order_id} from {clinic} for {total} {currency}.",
    ),
    "notification.order_cancelled": (
        "Order {order_id} från {clinic} har avbrutits.",
        "Order {order_id} from {clinic} was cancelled.",
    ),
    "notification.order_confirmed": (
        "{retailer} har bekräftat order {order_id}.",
        "{retailer} confirmed order {order_id}.",
    ),
    "notification.order_shipped": (
        "{retailer} har skickat order {order_id}.",
        "{retailer} shipped order {order_id}.",
    ),
    "notification.review_held": (
        "Ett omdöme ({rating} av 5) om {target} väntar på ert svar till {deadline}.",
        "A review ({rating} of 5) of {target} awaits your answer until {deadline}.",
    ),
    "notification.rma_opened": (
        "Ny reklamation {rma_id}: {reason}",
        "New return request {rma_id}: {reason}",
    ),
    "notification.feed_failed": (
        "Prisfilen {file} lästes inte in (körning {run_id}).",
        "The price file {file} was not read (run {run_id}).",
    ),
    "notification.feed_fetch_failed": (
        "Prisfilen kunde inte hämtas från {url}: {error}. Nytt försök {next_fetch_at}.",
        "The price file could not be fetched from {url}: {error}. Next try {next_fetch_at}.",
    ),
    "notification.signup_approved": (
        "{organisation} är godkänd på Valbar.",
        "{organisation} is approved on Valbar.",
    ),
    "notification.signup_refused": (
        "Anslutningen av {organisation} godkändes inte. {reason}",
        "The sign-up of {organisation} was not approved. {reason}",
    ),
    "notification.loyalty_seller_award": (
        "{programme}: du är månadens säljare {period} med {points} poäng (bonus {bonus}).",
        "{programme}: you are the seller of the month {period} with {points} points "
        "(bonus {bonus}).",
    ),
    "notification.loyalty_store_award": (
        "{programme}: {organisation} är månadens butik {period} med {points} poäng "
        "(bonus {bonus}).",
        "{programme}: {organisation} is the store of the month {period} with {points} points "
        "(bonus {bonus}).",
    ),
    "notification.price_alert.below": (
        "{product}: lägsta köpbara pris är nu {price} kr, under ditt mål {target} kr.",
        "{product}: the lowest buyable price is now SEK {price}, below your target SEK {target}.",
    ),
    "notification.price_alert.in_stock": (
        "{product} finns i lager igen.",
        "{product} is back in stock.",
    ),
    "notification.price_alert.listed": (
        "{retailer} säljer nu {product}.",
        "{retailer} now lists {product}.",
    ),
    # e-mail preferences (on "Mina uppgifter")
    "prefs.title": ("E-post om notiser", "E-mail notifications"),
    "prefs.intro": (
        "Alla notiser visas här på Valbar. Välj vilka som även skickas till {email}.",
        "Every notification is shown here on Valbar. Choose which are also sent to {email}.",
    ),
    "prefs.lang": ("Språk i e-post", "Language of e-mail"),
    "prefs.kinds": ("Skicka e-post om", "Send e-mail about"),
    "prefs.save": ("Spara val", "Save choices"),
    "prefs.none": (
        "Ditt konto får inga notiser som kan skickas med e-post.",
        "Your account gets no notifications that can be sent by e-mail.",
    ),
    "prefs.kind.order_placed": ("Nya ordrar", "New orders"),
    "prefs.kind.order_cancelled": ("Avbrutna ordrar", "Cancelled orders"),
    "prefs.kind.order_confirmed": ("Bekräftade ordrar", "Confirmed orders"),
    "prefs.kind.order_shipped": ("Skickade ordrar", "Shipped orders"),
    "prefs.kind.review_held": (
        "Omdömen som väntar på vårt svar",
        "Reviews awaiting our answer",
    ),
    "prefs.kind.rma_opened": ("Nya reklamationer", "New return requests"),
    "prefs.kind.feed_failed": ("Prisfiler som inte lästes in", "Price files that were not read"),
    "prefs.kind.feed_fetch_failed": (
        "Prisfiler som inte kunde hämtas",
        "Price files that could not be fetched",
    ),
    "prefs.kind.signup_approved": ("Godkänd anslutning", "Sign-up approved"),
    "prefs.kind.signup_refused": ("Avslagen anslutning", "Sign-up refused"),
    "prefs.kind.price_alert": ("Prisbevakningar", "Price watches"),
    "lang.sv": ("Svenska", "Swedish"),
    "lang.en": ("Engelska", "English"),
    # webhooks
    "webhooks.title": ("Webhooks", "Webhooks"),
    "webhooks.link": ("Webhooks för organisationen", "The organisation's webhooks"),
    "webhooks.intro": (
        "Valbar skickar de händelser ni väljer som signerade JSON-anrop (POST) till era "
        "adresser. Kontrollera signaturen i X-Valbar-Signature: HMAC-SHA256 med hemligheten "
        "av ”<X-Valbar-Timestamp>.<body>”.",
        "Valbar sends the events you choose as signed JSON requests (POST) to your "
        "addresses. Check the signature in X-Valbar-Signature: HMAC-SHA256 with the secret "
        "of “<X-Valbar-Timestamp>.<body>”.",
    ),
    "webhooks.none": ("Inga webhooks ännu.", "No webhooks yet."),
    "webhooks.url": ("Adress (https://)", "Address (https://)"),
    "webhooks.kinds": ("Händelser", "Events"),
    "webhooks.create": ("Lägg till webhook", "Add webhook"),
    "webhooks.created": ("Skapad", "Created"),
    "webhooks.secret_once": (
        "Webhooken är skapad. Spara hemligheten nu: den visas inte igen.",
        "The webhook is created. Save the secret now: it is not shown again.",
    ),
    "webhooks.secret": ("Hemlighet", "Secret"),
    "webhooks.delete": ("Ta bort", "Remove"),
    "webhooks.test": ("Skicka testhändelse", "Send test event"),
    "webhooks.log": ("Leveranslogg", "Delivery log"),
    "webhooks.back": ("Alla webhooks", "All webhooks"),
    "webhooks.no_deliveries": ("Inga leveranser ännu.", "No deliveries yet."),
    "webhooks.col.id": ("Leverans", "Delivery"),
    "webhooks.col.kind": ("Händelse", "Event"),
    "webhooks.col.status": ("Status", "Status"),
    "webhooks.col.attempts": ("Försök", "Attempts"),
    "webhooks.col.code": ("Svar", "Response"),
    "webhooks.col.when": ("Skapad", "Created"),
    "webhooks.col.next": ("Nästa försök", "Next attempt"),
    "webhooks.col.error": ("Fel", "Error"),
    "webhooks.status.queued": ("I kö", "Queued"),
    "webhooks.status.sent": ("Levererad", "Delivered"),
    "webhooks.status.failed": ("Misslyckad", "Failed"),
    "webhooks.managers_only": (
        "Bara organisationens företrädare eller ansvarige hanterar dess webhooks.",
        "Only the organisation's representative or manager manages its webhooks.",
    ),
    # notices after a redirect
    "notice.notifications_read": ("Markerade som lästa.", "Marked as read."),
    "notice.preferences_saved": ("Dina val är sparade.", "Your choices are saved."),
    "notice.webhook_deleted": ("Webhooken är borttagen.", "The webhook is removed."),
    "notice.webhook_test_sent": (
        "Testhändelsen är skickad; se leveransloggen.",
        "The test event is sent; see the delivery log.",
    ),
    # refusals (error_detail.<code> of marketplace.webhooks and .preferences)
    "error_detail.webhook_url": (
        "Ange en giltig https://-adress utan användarnamn, högst 500 tecken.",
        "Give a valid https:// address without a user name, at most 500 characters.",
    ),
    "error_detail.webhook_https": (
        "Adressen måste börja med https://.",
        "The address must start with https://.",
    ),
    "error_detail.webhook_private": (
        "Adressen pekar på ett privat eller reserverat nät; använd en publik adress.",
        "The address points to a private or reserved network; use a public address.",
    ),
    "error_detail.webhook_unresolved": (
        "Adressens värdnamn finns inte (DNS).",
        "The address's host name does not resolve (DNS).",
    ),
    "error_detail.webhook_kinds": (
        "Välj minst en händelse.",
        "Choose at least one event.",
    ),
    "error_detail.webhook_duplicate": (
        "Den adressen är redan registrerad.",
        "That address is already registered.",
    ),
    "error_detail.webhook_cap": (
        "Organisationen har redan det högsta antalet webhooks (10).",
        "The organisation already has the most webhooks allowed (10).",
    ),
    "error_detail.preference_invalid": (
        "Okänt val: {field}.",
        "Unknown choice: {field}.",
    ),
}
