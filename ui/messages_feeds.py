"""UI text of feed runs in the retailer portal (counts, refusals, row errors), Swedish first
and English; merged into ``ui.i18n.MESSAGES``."""

from __future__ import annotations

FEED_MESSAGES: dict[str, tuple[str, str]] = {
    # what a finished run did with the stored offers: every count the run records
    "count.inserted": ("nya {n}", "new {n}"),
    "count.updated": ("ändrade {n}", "updated {n}"),
    "count.reactivated": ("återaktiverade {n}", "reactivated {n}"),
    "count.unchanged": ("oförändrade {n}", "unchanged {n}"),
    "count.withdrawn": ("borttagna {n}", "withdrawn {n}"),
    "count.kept": ("behållna (raden avvisades) {n}", "kept (row rejected) {n}"),
    "portal.changes": ("Erbjudanden: {counts}", "Offers: {counts}"),
    "portal.matching": (
        "Koppling till tillverkarens produkter: {methods}",
        "Linked to manufacturers' products: {methods}",
    ),
    "match.gtin": ("via GTIN {n}", "by GTIN {n}"),
    "match.brand_mpn": ("via varumärke och art.nr {n}", "by brand and part number {n}"),
    "match.mpn": ("via tillverkarens art.nr {n}", "by part number {n}"),
    "match.title": ("via benämning {n}", "by name {n}"),
    "match.manual": ("manuellt {n}", "manually {n}"),
    "match.unmatched": ("utan koppling {n}", "not linked {n}"),
    "match.review": ("till granskning {n}", "queued for review {n}"),
    # refusals: nothing was changed. "portal.<code>": the portal's words for a message of the
    # indexer (indexer.messages) whose English names a CLI flag; the values are the message's
    "portal.refusal.mass_withdrawal": (
        "Flödet skulle ta bort {withdraw} av {active} aktiva erbjudanden (mer än {ratio}); inget "
        "ändrades. Är det avsikten: ladda upp filen igen och kryssa i ”Tillåt att fler än "
        "hälften av våra aktiva artiklar tas bort”, eller skicka endast ändringar (delta).",
        "The feed would withdraw {withdraw} of {active} active offers (more than {ratio}); "
        "nothing was changed. If that is intended, upload the file again and tick “Allow "
        "withdrawing more than half of our active items”, or send changes only (delta).",
    ),
    "portal.refusal.empty": (
        "{file}: filen innehåller inga rader; inget ändrades.",
        "{file}: the file contains no rows; nothing was changed.",
    ),
    "portal.refusal.unusable": (
        "{file}: ingen av de {rows} raderna kunde användas; inget ändrades. Se radfelen nedan.",
        "{file}: none of the {rows} rows could be used; nothing was changed. See the row errors "
        "below.",
    ),
    "portal.columns.missing": (
        "{file}: obligatoriska fält hittades inte bland filens kolumner; inget ändrades. Ladda "
        "upp filen igen och välj i förhandsgranskningen vilken kolumn som är vilken.",
        "{file}: required fields were not found among the file's columns; nothing was changed. "
        "Upload the file again and choose in the preview which column is which.",
    ),
    "portal.file.manufacturer_catalog": (
        "{file}: det här är en tillverkarkatalog ({kind}), inte er prisfil; inget ändrades. "
        "Ladda upp er prisfil (CSV, Excel, JSON eller XML).",
        "{file}: this is a manufacturer catalog ({kind}), not your price feed; nothing was "
        "changed. Upload your price feed (CSV, Excel, JSON or XML).",
    ),
    "severity.error": ("fel", "error"),
    "field.encoding": ("Teckenkodning", "Encoding"),
    "severity.warning": ("varning", "warning"),
    # row errors beyond the ones a run keeps in full (setting feed_max_row_errors)
    "portal.more_errors": (
        "och {n} fler fel som inte listas: {groups}",
        "and {n} more not listed: {groups}",
    ),
    "portal.more_errors_other": ("övriga {n}", "others {n}"),
    # preview: what it knows (the file) and what it does not (the stored offers)
    "portal.errors_shown": (
        "Visar de första {shown} av {total}.",
        "Showing the first {shown} of {total}.",
    ),
    "portal.would_change": (
        "Jämfört med era lagrade erbjudanden skulle körningen ge: {counts}",
        "Compared with your stored offers the run would give: {counts}",
    ),
    "portal.would_refuse": (
        "Flödet skulle ta bort {n} av {total} aktiva erbjudanden, mer än hälften: körningen "
        "avvisas och inget ändras. Är det avsikten: ladda upp filen igen och kryssa i ”Tillåt "
        "att fler än hälften av våra aktiva artiklar tas bort”, eller skicka endast ändringar "
        "(delta).",
        "The feed would withdraw {n} of {total} active offers, more than half: the run will be "
        "refused and nothing changed. If that is intended, upload the file again and tick "
        "“Allow withdrawing more than half of our active items”, or send changes only (delta).",
    ),
    "portal.preview_scope": (
        "Förhandsgranskningen läser bara filen. Vad som blir nytt, ändrat eller borttaget "
        "jämfört med era lagrade erbjudanden visas när flödet har körts.",
        "The preview only reads the file. What becomes new, updated or withdrawn compared with "
        "your stored offers is shown once the feed has run.",
    ),
    # the scheduled fetch of feed URLs (ui.routes.portal_fetch, issue 19)
    "fetch.nav": ("Hämtning", "Scheduled fetch"),
    "fetch.title": ("Hämtning av prisfiler", "Scheduled fetch of price files"),
    "fetch.intro": (
        "Ange adressen där er butik publicerar prisfilen (https://). Valbar hämtar den enligt "
        "schemat, bara om den har ändrats, och läser in den precis som en uppladdad fil.",
        "Give the address where your shop publishes its price file (https://). Valbar fetches "
        "it on the schedule, only when it changed, and reads it exactly as an uploaded file.",
    ),
    "fetch.none": ("Inga adresser ännu.", "No addresses yet."),
    "fetch.url": ("Adress (https://)", "Address (https://)"),
    "fetch.schedule": ("Schema", "Schedule"),
    "fetch.schedule_help": (
        "hourly, daily, weekly eller ett cron-uttryck i UTC, t.ex. 0 5 * * 1-5.",
        "hourly, daily, weekly or a cron expression in UTC, e.g. 0 5 * * 1-5.",
    ),
    "fetch.mode": ("Läge", "Mode"),
    "fetch.mode.full": ("Hela sortimentet", "Full assortment"),
    "fetch.mode.delta": ("Bara ändringar (delta)", "Changes only (delta)"),
    "fetch.auth": ("Inloggning", "Sign-in"),
    "fetch.auth.none": ("Ingen", "None"),
    "fetch.auth.basic": ("Användarnamn och lösenord (basic)", "User name and password (basic)"),
    "fetch.auth.bearer": ("Token (bearer)", "Token (bearer)"),
    "fetch.username": ("Användarnamn", "User name"),
    "fetch.secret": ("Lösenord eller token", "Password or token"),
    "fetch.secret_help": (
        "Sparas krypterat och visas aldrig igen. Lämna tomt för att behålla det sparade.",
        "Stored encrypted and never shown again. Leave empty to keep the stored one.",
    ),
    "fetch.add": ("Lägg till adress", "Add address"),
    "fetch.save": ("Spara", "Save"),
    "fetch.remove": ("Ta bort", "Remove"),
    "fetch.now": ("Hämta nu", "Fetch now"),
    "fetch.pending": ("Hämtning begärd", "Fetch requested"),
    "fetch.next": ("Nästa hämtning", "Next fetch"),
    "fetch.last": ("Senaste hämtning", "Last fetch"),
    "fetch.failures": ("Misslyckade i rad", "Failures in a row"),
    "fetch.history": ("Senaste hämtningar", "Last fetches"),
    "fetch.no_fetches": ("Inga hämtningar ännu.", "No fetches yet."),
    "fetch.back": ("Alla adresser", "All addresses"),
    "fetch.col.when": ("Tid", "Time"),
    "fetch.col.trigger": ("Orsak", "Trigger"),
    "fetch.col.status": ("Status", "Status"),
    "fetch.col.http": ("HTTP", "HTTP"),
    "fetch.col.duration": ("Tid (ms)", "Duration (ms)"),
    "fetch.col.bytes": ("Byte", "Bytes"),
    "fetch.col.run": ("Körning", "Run"),
    "fetch.col.error": ("Fel", "Error"),
    "fetch.trigger.schedule": ("Schema", "Schedule"),
    "fetch.trigger.manual": ("Hämta nu", "Fetch now"),
    "fetch.status.ok": ("Hämtad", "Fetched"),
    "fetch.status.not_modified": ("Oförändrad", "Unchanged"),
    "fetch.status.failed": ("Misslyckad", "Failed"),
    "notice.feed_url_added": (
        "Adressen är tillagd; den första hämtningen görs nu.",
        "The address is added; the first fetch runs now.",
    ),
    "notice.feed_url_saved": ("Ändringarna är sparade.", "The changes are saved."),
    "notice.feed_url_removed": ("Adressen är borttagen.", "The address is removed."),
    "notice.feed_fetch_requested": ("Hämtningen har startat.", "The fetch has started."),
    "notice.feed_fetch_pending": (
        "En hämtning pågår redan; den räcker.",
        "A fetch is already under way; that one will do.",
    ),
    "error_detail.feed_url": (
        "Ange en giltig https://-adress utan användarnamn i adressen, högst 1000 tecken.",
        "Give a valid https:// address without a user name in it, at most 1000 characters.",
    ),
    "error_detail.feed_https": (
        "Adressen måste börja med https://.",
        "The address must start with https://.",
    ),
    "error_detail.feed_private": (
        "Adressen pekar på ett privat, lokalt eller reserverat nät; prisfiler hämtas bara "
        "från publika adresser.",
        "The address points to a private, local or reserved network; price files are fetched "
        "from public addresses only.",
    ),
    "error_detail.feed_unresolved": (
        "Adressens värdnamn finns inte (DNS).",
        "The address's host name does not resolve (DNS).",
    ),
    "error_detail.feed_schedule": (
        "Ange hourly, daily, weekly eller ett cron-uttryck med fem fält.",
        "Give hourly, daily, weekly or a cron expression of five fields.",
    ),
    "error_detail.feed_mode": ("Välj hela sortimentet eller delta.", "Choose full or delta."),
    "error_detail.feed_auth": (
        "Inloggningen är ofullständig: ange användarnamn och lösenord, eller en token.",
        "The sign-in is incomplete: give a user name and password, or a token.",
    ),
    "error_detail.feed_duplicate": (
        "Adressen är redan tillagd.",
        "The address is already added.",
    ),
    "error_detail.feed_cap": (
        "Högst 10 adresser per handlare.",
        "At most 10 addresses per retailer.",
    ),
}
