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
}
