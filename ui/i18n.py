"""All UI text, Swedish first (the default) and English; chosen by ``?lang=`` or a cookie.

Templates call ``t("key", **values)``; a missing key is an error in tests (never shown as
a raw key to users in production: the key itself is returned as a last resort).

Counts: ``{name#noun}`` in a message writes the count ``name`` with the noun of
:data:`COUNT_NOUNS` in singular or plural (``{warnings#warning}``: "1 varning",
"2 varningar"; "1 warning", "2 warnings"), so a message with several counts reads right for
each; :func:`count` does the same in code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from starlette.requests import Request

from marketplace.dates import LOCAL_TZ, as_utc
from ranking.factor_table import DEFAULT_TABLE
from ui.messages_admin import ADMIN_MESSAGES
from ui.messages_admin_queues import ADMIN_QUEUE_MESSAGES
from ui.messages_checkout import CHECKOUT_MESSAGES
from ui.messages_feeds import FEED_MESSAGES
from ui.messages_history import HISTORY_MESSAGES
from ui.messages_keys import KEY_MESSAGES
from ui.messages_loyalty import LOYALTY_MESSAGES
from ui.messages_loyalty_activity import ACTIVITY_MESSAGES
from ui.messages_loyalty_engage import ENGAGE_MESSAGES
from ui.messages_loyalty_photos import PHOTO_MESSAGES
from ui.messages_loyalty_reports import REPORT_MESSAGES
from ui.messages_loyalty_sponsor import SPONSOR_MESSAGES
from ui.messages_market import MARKET_MESSAGES
from ui.messages_notify import NOTIFY_MESSAGES
from ui.messages_org import ORG_MESSAGES
from ui.messages_portal import PORTAL_MESSAGES
from ui.messages_reviews import REVIEW_MESSAGES
from ui.messages_shop import SHOP_MESSAGES
from ui.messages_synonyms import SYNONYM_MESSAGES
from ui.messages_template import TEMPLATE_MESSAGES

LANGS = ("sv", "en")
DEFAULT_LANG = "sv"
LANG_COOKIE = "valbar_lang"

# key -> (Swedish, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # layout
    "site.tagline": (
        "Neutral jämförelse av dentalprodukter. Inga annonser.",
        "Neutral comparison of dental products. No ads.",
    ),
    "nav.search": ("Sök", "Search"),
    "nav.portal": ("Återförsäljarportal", "Retailer portal"),
    "nav.console": ("Rankningskonsol", "Ranking console"),
    "nav.admin_users": ("Användare", "Users"),
    # admin: users and sign-in locks
    "admin.users": ("Användare och inloggningsspärrar", "Users and sign-in locks"),
    "admin.locks": ("Spärrade inloggningar", "Locked sign-ins"),
    "admin.locks_intro": (
        "Konton och adresser som spärrats efter för många felaktiga lösenord. En spärr går ut "
        "av sig själv (upp till en timme); häv den här om den stänger ute rätt person.",
        "Accounts and addresses locked after too many wrong passwords. A lock runs out by "
        "itself (up to an hour); lift it here when it keeps the right person out.",
    ),
    "admin.lock_kind": ("Typ", "Kind"),
    "admin.lock_who": ("Konto eller adress", "Account or address"),
    "admin.lock_until": ("Spärrad till", "Locked until"),
    "admin.lock_count": ("Spärrar i rad", "Lockouts in a row"),
    "admin.kind.acct": ("Konto", "Account"),
    "admin.kind.ip": ("Adress", "Address"),
    "admin.kind.dev": ("Webbläsare", "Browser"),
    "admin.no_locks": ("Inga spärrar just nu.", "No locks right now."),
    "admin.unlock": ("Häv spärren", "Lift the lock"),
    "admin.unlock_email": ("E-postadress", "E-mail address"),
    "admin.unlock_ip": ("eller IP-adress", "or IP address"),
    "admin.unlock_one": (
        "Ange en e-postadress eller en IP-adress.",
        "Give one e-mail address or one IP address.",
    ),
    "admin.unlock_refused": (
        "Spärren hävdes inte: ”{value}” är ingen giltig IP-adress eller spärr.",
        "The lock was not lifted: “{value}” is not a valid IP address or lock.",
    ),
    "admin.user_list": ("Användare", "Users"),
    "admin.active": ("Aktiv", "Active"),
    "admin.yes": ("ja", "yes"),
    "admin.no": ("nej", "no"),
    "nav.login": ("Logga in", "Log in"),
    "nav.logout": ("Logga ut", "Log out"),
    "nav.skip": ("Hoppa till innehållet", "Skip to content"),
    "nav.language": ("Språk", "Language"),
    "nav.main": ("Huvudmeny", "Main menu"),
    "footer.neutral": ("Valbar säljer ingen placering.", "Valbar sells no placement."),
    "footer.order": (
        "Ordningen bygger främst på {claim}.",
        "The order is based mainly on {claim}.",
    ),
    # ui.ranking_claim: the heaviest factors of the published ranking config
    "claim.before_price": ("{factors} före pris", "{factors} before price"),
    "claim.by_weight": ("{factors} (störst vikt först)", "{factors} (largest weight first)"),
    "claim.no_price": (
        "{factors}; priset påverkar inte ordningen",
        "{factors}; price does not affect the order",
    ),
    "claim.and": ("och", "and"),
    # search
    "search.title": ("Sök produkter", "Search products"),
    "search.label": (
        "Sök produkt, artikelnummer eller GTIN",
        "Search product, item number or GTIN",
    ),
    "search.placeholder": (
        "t.ex. avtrycksmaterial, komposit, 00858466005301",
        "e.g. impression material, composite, 00858466005301",
    ),
    "search.button": ("Sök", "Search"),
    "search.suggestions": ("Förslag", "Suggestions"),
    "search.results": ("{n#product}", "{n#product}"),
    "search.took": ("({ms} ms)", "({ms} ms)"),
    "search.relaxed": (
        "Ingen produkt innehöll alla ord; visar träffar på något av orden.",
        "No product had every word; showing matches on any of the words.",
    ),
    "search.none": ("Inga produkter hittades.", "No products found."),
    "search.start": (
        "Sök bland alla återförsäljares erbjudanden. Resultaten rangordnas efter service, "
        "inte efter vem som betalar.",
        "Search every retailer's offers. Results are ranked by service, not by who pays.",
    ),
    "search.filters": ("Filter", "Filters"),
    "search.apply": ("Använd filter", "Apply filters"),
    "search.clear": ("Rensa filter", "Clear filters"),
    "search.remove_filter": ("Ta bort filter {name}", "Remove filter {name}"),
    "search.in_stock": ("Endast i lager", "In stock only"),
    "search.max_delivery": ("Leverans inom (dagar)", "Delivery within (days)"),
    "search.price": ("Pris (kr inkl. moms)", "Price (SEK incl. VAT)"),
    "search.min_price": ("Lägsta pris", "Minimum price"),
    "search.max_price": ("Högsta pris", "Maximum price"),
    "search.sort": ("Sortering", "Sort"),
    "sort.relevance": ("Bäst matchning och service", "Best match and service"),
    "sort.price_asc": ("Lägsta pris först", "Lowest price first"),
    "sort.price_desc": ("Högsta pris först", "Highest price first"),
    "sort.delivery": ("Snabbast leverans", "Fastest delivery"),
    "facet.brand": ("Varumärke", "Brand"),
    "facet.manufacturer": ("Tillverkare", "Manufacturer"),
    "facet.category": ("Kategori", "Category"),
    "facet.retailer": ("Återförsäljare", "Retailer"),
    "search.best_offer": ("Bästa erbjudande", "Best offer"),
    "search.from": ("från {retailer}", "from {retailer}"),
    "search.offers": ("{n#offer}", "{n#offer}"),
    # a hit's offers counted one per retailer (issue 13 item 4): retailers, not offers
    "search.retailers": ("{n} handlare", "{n} retailers"),
    "search.retailers_one": ("{n} handlare", "{n} retailer"),
    "search.price_range": ("{low} – {high}", "{low} – {high}"),
    "search.price_from": ("från {price}", "from {price}"),
    "search.fastest_delivery": (
        "Snabbaste köpbara erbjudandet: {delivery}",
        "Fastest buyable offer: {delivery}",
    ),
    "search.price_format": (
        "Ett belopp, t.ex. 100 eller 100,50",
        "An amount, e.g. 100 or 100.50",
    ),
    "search.bad_price": (
        "{field} ska vara ett belopp, t.ex. 100,50 (fick ”{value}”).",
        "{field} must be an amount, e.g. 100.50 (got “{value}”).",
    ),
    "search.min_above_max": (
        "Lägsta pris är högre än högsta pris.",
        "The minimum price is above the maximum price.",
    ),
    "search.no_offers": ("Inga erbjudanden just nu", "No offers right now"),
    "search.compare": ("Jämför", "Compare"),
    "search.compare_selected": ("Jämför valda (2–4)", "Compare selected (2–4)"),
    "search.select_compare": ("Välj {name} för jämförelse", "Select {name} to compare"),
    "search.identifier_match": ("Exakt artikelnummer", "Exact identifier"),
    "search.pinned": ("Fäst av Valbar", "Pinned by Valbar"),
    "search.pinned_why": (
        "Valbar har fäst produkten på den här platsen för sökningen; den är inte rankad.",
        "Valbar pinned the product to this place for the search; it is not ranked.",
    ),
    "search.pagination": ("Sidor", "Pages"),
    "search.prev": ("Föregående", "Previous"),
    "search.next": ("Nästa", "Next"),
    "search.page_of": ("Sida {page} av {pages}", "Page {page} of {pages}"),
    "search.invalid": ("Ogiltig sökning: {message}", "Invalid search: {message}"),
    "search.refused": (
        "sökningen går inte att göra med de här inställningarna (för långt bort bland sidorna?)",
        "the search cannot be made with these settings",
    ),
    "quality.on_time": ("{share} i tid", "{share} on time"),
    "quality.rating": ("{stars} av 5 ({n})", "{stars} of 5 ({n})"),
    "quality.unmeasured": ("Ännu ej mätt", "Not measured yet"),
    # stock
    "stock.in_stock": ("I lager", "In stock"),
    "stock.limited": ("Få i lager", "Limited stock"),
    "stock.backorder": ("Beställningsvara", "On backorder"),
    "stock.out_of_stock": ("Slut i lager", "Out of stock"),
    "stock.unknown": ("Lagerstatus okänd", "Stock unknown"),
    "stock.no_offers": ("Inga erbjudanden", "No offers"),
    "delivery.days": ("{n} dagar", "{n} days"),
    "delivery.day": ("1 dag", "1 day"),
    "delivery.unknown": ("Okänd leveranstid", "Delivery time unknown"),
    "price.vat_incl": ("inkl. moms", "incl. VAT"),
    "price.vat_excl": ("exkl. moms", "excl. VAT"),
    "price.none": ("Pris saknas", "No price"),
    # product
    "product.manufacturer_data": ("Tillverkarens uppgifter", "Manufacturer data"),
    "product.source_note": (
        "Produktinformationen kommer från tillverkaren. Återförsäljare kan inte ändra den.",
        "Product information comes from the manufacturer. Retailers cannot change it.",
    ),
    "product.description": ("Beskrivning", "Description"),
    "product.specs": ("Specifikationer", "Specifications"),
    "product.identifiers": ("Identifierare", "Identifiers"),
    "product.brand": ("Varumärke", "Brand"),
    "product.manufacturer": ("Tillverkare", "Manufacturer"),
    "product.category": ("Kategori", "Category"),
    "product.mpn": ("Tillverkarens art.nr (MPN)", "Manufacturer part number (MPN)"),
    "product.catalog_number": ("Katalognummer", "Catalog number"),
    "product.gtin": ("GTIN", "GTIN"),
    "product.scheme": ("Typ", "Scheme"),
    "product.value": ("Värde", "Value"),
    "product.level": ("Nivå", "Level"),
    "product.package": ("Förpackning", "Package"),
    "product.offers": ("Erbjudanden", "Offers"),
    "product.more_from_retailer": (
        "fler från samma handlare ({n})",
        "more from the same retailer ({n})",
    ),
    "product.more_from_retailer_note": (
        "{retailer} har fler erbjudanden på produkten. Handlaren jämförs med sitt bästa; "
        "de övriga visas här i rankad ordning.",
        "{retailer} has more offers of this product. The retailer is compared by its best; "
        "the others are listed here in ranked order.",
    ),
    "product.offers_intro": ("Ordnade efter {claim}.", "Ordered by {claim}."),
    "product.no_offers": (
        "Ingen återförsäljare erbjuder produkten just nu.",
        "No retailer offers this product right now.",
    ),
    "product.rank": ("Plats", "Rank"),
    "product.sku": ("Handlarens art.nr", "Retailer's item no."),
    "product.retailer": ("Återförsäljare", "Retailer"),
    "product.price": ("Pris", "Price"),
    "product.stock": ("Lager", "Stock"),
    "product.delivery": ("Leverans", "Delivery"),
    "product.score": ("Poäng", "Score"),
    "product.why": ("Varför denna ordning", "Why this order"),
    "product.why_offer": ("Varför plats {rank} för {retailer}", "Why rank {rank} for {retailer}"),
    "product.why_more": (
        "Varför efter bästa erbjudandet från {retailer}",
        "Why after the best offer from {retailer}",
    ),
    "product.why_more_title": (
        "Poäng för {sku} hos {retailer}",
        "Score of {sku} at {retailer}",
    ),
    "product.factor": ("Faktor", "Factor"),
    "product.weight": ("vikt {w}", "weight {w}"),
    "product.points": ("{p} poäng", "{p} points"),
    "product.total": ("Summa: {p} poäng", "Total: {p} points"),
    "product.not_found": ("Produkten finns inte.", "No such product."),
    "product.go_to_offer": ("Till erbjudandet", "Go to offer"),
    "product.retailer_page": ("Om {name}", "About {name}"),
    # factors: one label per row of the factor table (ranking.factor_table), then the rest
    **{f"factor.{f.name}": f.labels for f in DEFAULT_TABLE},
    "factor.text": ("Textmatchning", "Text match"),
    "factor.no_offers": ("Inga erbjudanden", "No offers"),
    "factor.price_band": ("Prisband", "Price band"),
    "factor.text_tier": ("Delvis träff", "Partial match"),
    "factor.rule": ("Regel {id}", "Rule {id}"),
    # compare
    "compare.title": ("Jämför produkter", "Compare products"),
    "compare.need_two": ("Välj 2–4 produkter att jämföra.", "Choose 2–4 products to compare."),
    "compare.too_many": (
        "Högst fyra produkter jämförs; de fyra första visas.",
        "At most four products are compared; showing the first four.",
    ),
    "compare.attribute": ("Egenskap", "Attribute"),
    "compare.best_offer": ("Bästa erbjudande", "Best offer"),
    "compare.retailers": ("Antal handlare", "Number of retailers"),
    "compare.price_range": ("Prisintervall", "Price range"),
    "compare.availability": ("Tillgänglighet", "Availability"),
    # retailer page
    "retailer.title": ("Om {name}", "About {name}"),
    "retailer.presentation": ("Presentation", "Presentation"),
    "retailer.no_presentation": (
        "Återförsäljaren har inte skrivit någon presentation ännu.",
        "The retailer has not written a presentation yet.",
    ),
    "retailer.video": ("Se återförsäljarens film", "Watch the retailer's video"),
    "retailer.website": ("Webbplats", "Website"),
    "retailer.signals": ("Uppmätt service", "Measured service"),
    "retailer.signals_intro": (
        "Mätt på riktiga beställningar och omdömen från inloggade kliniker.",
        "Measured on real orders and reviews from logged-in clinics.",
    ),
    "retailer.signal": ("Mått", "Measure"),
    "retailer.value": ("Värde", "Value"),
    "retailer.basis": ("Underlag", "Basis"),
    "retailer.offers": ("{n#active_offer}", "{n#active_offer}"),
    "retailer.not_found": ("Återförsäljaren finns inte.", "No such retailer."),
    "signal.delivery_precision": ("Levererat i tid", "Delivered on time"),
    "signal.stock_accuracy": ("Korrekt lagerstatus", "Accurate stock status"),
    "signal.review_overall": ("Omdöme totalt", "Overall rating"),
    "signal.treatment": ("Bemötande", "Treatment"),
    "signal.feedback": ("Återkoppling", "Feedback"),
    "signal.rma": ("Reklamationer hanterade väl", "Returns handled well"),
    "signal.competence": ("Kompetens", "Competence"),
    "signal.count": ("{n} st", "{n}"),
    "signal.none": ("Ingen data ännu", "No data yet"),
    # login
    "login.title": ("Logga in", "Log in"),
    "login.email": ("E-post", "Email"),
    "login.password": ("Lösenord", "Password"),
    "login.submit": ("Logga in", "Log in"),
    "login.failed": ("Fel e-post eller lösenord.", "Wrong email or password."),
    "login.locked_one_second": (
        "För många misslyckade inloggningar. Försök igen om en sekund (kl. {at}).",
        "Too many failed sign-ins. Try again in a second (at {at}).",
    ),
    "login.locked_seconds": (
        "För många misslyckade inloggningar. Försök igen om {n} sekunder (kl. {at}).",
        "Too many failed sign-ins. Try again in {n} seconds (at {at}).",
    ),
    "login.locked_minutes": (
        "För många misslyckade inloggningar. Försök igen om {n} minuter (kl. {at}).",
        "Too many failed sign-ins. Try again in {n} minutes (at {at}).",
    ),
    "login.logged_in_as": ("Inloggad som {name}", "Logged in as {name}"),
    "login.required": ("Logga in för att fortsätta.", "Log in to continue."),
    # errors
    "error.forbidden": (
        "Du har inte behörighet till den här sidan.",
        "You do not have access to this page.",
    ),
    "error.csrf": (
        "Formuläret har gått ut. Ladda om sidan och försök igen.",
        "The form has expired. Reload the page and try again.",
    ),
    "error.not_found": ("Sidan finns inte.", "Page not found."),
    "error.bad_address": (
        "Adressen innehåller ett värde som sidan inte kan läsa. Gå tillbaka och använd "
        "sidans egna länkar och formulär.",
        "The address holds a value the page cannot read. Go back and use the page's own "
        "links and forms.",
    ),
    "error.bad_address_field": (
        "Kontrollera värdet av {name} i adressen.",
        "Check the value of {name} in the address.",
    ),
    "error.too_large": ("Filen är för stor.", "The file is too large."),
    "error.unavailable": (
        "Sökningen är inte tillgänglig just nu. Försök igen om en stund.",
        "Search is unavailable right now. Try again in a moment.",
    ),
    "error.title": ("Något gick fel", "Something went wrong"),
    "error.back": ("Till sökningen", "Back to search"),
    # portal
    "portal.title": ("Återförsäljarportal", "Retailer portal"),
    "portal.intro": (
        "Ladda upp ert sortiment i valfritt filformat, så ofta ni vill och med hur många "
        "artiklar som helst. Minsta innehåll: artikelnummer, benämning, lagerstatus och pris.",
        "Upload your assortment in any file format, as often as you like, with any number "
        "of items. Minimum content: SKU, product name, stock status and price.",
    ),
    "portal.upload": ("Ladda upp fil", "Upload file"),
    "portal.file": (
        "Fil (CSV, Excel, JSON, XML, Google Merchant …)",
        "File (CSV, Excel, JSON, XML, Google Merchant …)",
    ),
    "portal.delta": (
        "Endast ändringar (delta) – övriga artiklar behålls",
        "Changes only (delta) – other items are kept",
    ),
    "portal.preview_button": ("Förhandsgranska", "Preview"),
    "portal.preview": ("Förhandsgranskning: {file}", "Preview: {file}"),
    "portal.detected": (
        "Format {format}, teckenkodning {encoding}",
        "Format {format}, encoding {encoding}",
    ),
    "portal.counts": (
        "{rows#row}, {valid#valid}, {rejected#rejected}, {warnings#warning}",
        "{rows#row}, {valid#valid}, {rejected#rejected}, {warnings#warning}",
    ),
    "portal.mapping": ("Kolumner", "Columns"),
    "portal.mapping_intro": (
        "Vi känner igen kolumnerna automatiskt. Rätta vid behov och förhandsgranska igen.",
        "Columns are recognised automatically. Correct them if needed and preview again.",
    ),
    "portal.field": ("Fält", "Field"),
    "portal.column": ("Kolumn i filen", "Column in the file"),
    "portal.source": ("Hur", "How"),
    "portal.not_mapped": ("(ingen)", "(none)"),
    "portal.required": ("obligatoriskt", "required"),
    "portal.repreview": ("Förhandsgranska igen", "Preview again"),
    "portal.submit": ("Skicka in flödet", "Submit the feed"),
    "portal.sample": ("Exempel på tolkade rader", "Sample of parsed rows"),
    "portal.errors": ("Radfel", "Row errors"),
    "portal.no_errors": ("Inga radfel.", "No row errors."),
    "portal.row": ("Rad", "Row"),
    "portal.value": ("Värde", "Value"),
    "portal.message": ("Meddelande", "Message"),
    "portal.severity": ("Allvar", "Severity"),
    "portal.missing": (
        "Obligatoriska fält saknas: {fields}. Välj kolumn nedan.",
        "Required fields missing: {fields}. Choose a column below.",
    ),
    "portal.unreadable": (
        "Filen kunde inte läsas: {message}",
        "The file could not be read: {message}",
    ),
    "portal.no_file": ("Välj en fil att ladda upp.", "Choose a file to upload."),
    "portal.expired": (
        "Uppladdningen finns inte längre; ladda upp filen igen.",
        "The upload is gone; upload the file again.",
    ),
    "portal.history": ("Tidigare körningar", "Run history"),
    "portal.no_runs": ("Inga körningar ännu.", "No runs yet."),
    "portal.run": ("Körning {id}", "Run {id}"),
    "portal.started": ("Skapad", "Created"),
    "portal.status": ("Status", "Status"),
    "portal.file_name": ("Fil", "File"),
    "portal.download_errors": ("Ladda ner radfel (CSV)", "Download row errors (CSV)"),
    "portal.progress": ("Förlopp", "Progress"),
    "portal.finished": ("Klar", "Finished"),
    "portal.back": ("Till portalen", "Back to the portal"),
    "portal.no_retailer": (
        "Kontot är inte kopplat till någon återförsäljare.",
        "The account is not linked to a retailer.",
    ),
    "portal.presentation_link": ("Er presentationssida", "Your presentation page"),
    "run.queued": ("I kö", "Queued"),
    "run.running": ("Pågår", "Running"),
    "run.succeeded": ("Klar", "Succeeded"),
    "run.rejected": ("Avvisad", "Rejected"),
    "run.failed": ("Misslyckades", "Failed"),
    "run.cancelled": ("Avbruten", "Cancelled"),
    "portal.cancel_run": ("Avbryt körningen", "Cancel the run"),
    "portal.cancelling": (
        "Körningen avbryts; inget som inte redan sparats ändras.",
        "The run is being cancelled; nothing not already saved is changed.",
    ),
    "source.override": ("vald", "chosen"),
    "source.known": ("formatet", "format"),
    "source.remembered": ("förra gången", "last time"),
    "source.alias": ("igenkänd", "recognised"),
    "source.fuzzy": ("liknande namn", "similar name"),
    "field.sku": ("Artikelnummer", "SKU"),
    "field.name": ("Benämning", "Product name"),
    "field.price": ("Pris", "Price"),
    "field.price_excl_vat": ("Pris exkl. moms", "Price excl. VAT"),
    "field.stock": ("Lagerstatus", "Stock status"),
    "field.stock_quantity": ("Lagersaldo", "Stock quantity"),
    "field.delivery": ("Leveranstid", "Delivery time"),
    "field.gtin": ("GTIN/EAN", "GTIN/EAN"),
    "field.mpn": ("Tillverkarens art.nr", "MPN"),
    "field.brand": ("Varumärke", "Brand"),
    "field.manufacturer": ("Tillverkare", "Manufacturer"),
    "field.currency": ("Valuta", "Currency"),
    "field.vat": ("Moms", "VAT"),
    "field.url": ("Länk", "URL"),
    "field.image": ("Bild", "Image"),
    "field.category": ("Kategori", "Category"),
    "field.description": ("Beskrivning", "Description"),
    "field.warranty": ("Garanti", "Warranty"),
    "field.service": ("Service", "Service"),
    "field.training": ("Utbildning", "Training"),
    "portal.more_fields": ("Fler fält ({n})", "More fields ({n})"),
    "portal.allow_withdrawal": (
        "Tillåt att fler än hälften av våra aktiva artiklar tas bort",
        "Allow withdrawing more than half of our active items",
    ),
    # console
    "console.title": ("Rankningskonsol", "Ranking console"),
    "console.config": ("Konfiguration {name}", "Configuration {name}"),
    "console.live": ("Publicerad: version {v}", "Published: version {v}"),
    "console.live_file": (
        "Publicerad: från fil (ingen version sparad)",
        "Published: from file (no version saved)",
    ),
    "console.draft": ("Utkast: version {v}", "Draft: version {v}"),
    "console.no_draft": (
        "Inget utkast; formuläret visar den publicerade konfigurationen.",
        "No draft; the form shows the published configuration.",
    ),
    "console.weights": ("Vikter", "Weights"),
    "console.weights_intro": (
        "Relativa vikter; de normaliseras till summan 1.",
        "Relative weights; normalized to sum to 1.",
    ),
    "console.weight_format": ("Ett tal, t.ex. 0,5", "A number, e.g. 0.5"),
    "console.bad_weight": (
        "Vikten för {factor} ska vara ett tal, t.ex. 0,5 (fick ”{value}”).",
        "The weight of {factor} must be a number, e.g. 0.5 (got “{value}”).",
    ),
    "console.price": ("Pris", "Price"),
    "console.price_intro": (
        "Prisfaktorn är (billigaste köpbara priset / priset) upphöjt till branthet: med 3 får "
        "10 % dyrare 0,75 och dubbla priset 0,125. Ett erbjudande dyrare än prisbandet gånger "
        "medianpriset bland köpbara erbjudanden förlorar sina servicepoäng (0 = inget band).",
        "The price factor is (cheapest buyable price / price) to the power of the steepness: "
        "with 3, 10% dearer scores 0.75 and twice the price 0.125. An offer dearer than the "
        "price band times the median buyable price loses its service points (0 = no band).",
    ),
    "console.price.steepness": ("Branthet", "Steepness"),
    "console.price.band": ("Prisband (× median)", "Price band (× median)"),
    "console.bad_price": (
        "{field} ska vara ett tal, t.ex. 2,5 (fick ”{value}”).",
        "{field} must be a number, e.g. 2.5 (got “{value}”).",
    ),
    "console.rule_named": ("Regeln ”{rule}”", "Rule “{rule}”"),
    "console.invalid.greater_than": (
        "{field} ska vara större än {limit}.",
        "{field} must be greater than {limit}.",
    ),
    "console.invalid.greater_than_equal": (
        "{field} ska vara minst {limit}.",
        "{field} must be at least {limit}.",
    ),
    "console.invalid.less_than": (
        "{field} ska vara mindre än {limit}.",
        "{field} must be less than {limit}.",
    ),
    "console.invalid.less_than_equal": (
        "{field} får vara högst {limit}.",
        "{field} must be at most {limit}.",
    ),
    "console.invalid.band_range": (
        "{field} ska vara 0 (inget band) eller minst 1 (gånger medianpriset), inte {value}.",
        "{field} must be 0 (no band) or at least 1 (times the median price), not {value}.",
    ),
    "console.invalid.weights_all_zero": (
        "Minst en vikt ska vara större än 0.",
        "At least one weight must be greater than 0.",
    ),
    "console.invalid.rule_needs_target": (
        "{field}: en regel med åtgärden {action} behöver ett mål: produkt-id, varumärke, "
        "kategori eller handlare.",
        "{field}: a {action} rule needs a target: product id, brand, category or retailer.",
    ),
    "console.invalid.pin_needs_product_and_position": (
        "{field}: en regel som fäster behöver produkt-id och position.",
        "{field}: a pin rule needs a product id and a position.",
    ),
    "console.invalid.amount_positive": (
        "{field}: en regel med åtgärden {action} behöver en mängd större än 0.",
        "{field}: a {action} rule needs an amount greater than 0.",
    ),
    "console.invalid.position_only_pin": (
        "{field}: position gäller bara regler som fäster.",
        "{field}: a position is only for pin rules.",
    ),
    "console.invalid.match_query_blank": (
        "{field}: sökfrågan får inte vara tom (lämna den tom för att gälla alla sökningar).",
        "{field}: the query must not be blank (leave it empty to match every query).",
    ),
    "console.invalid.valid_range": (
        "{field}: giltig från ska vara före giltig till.",
        "{field}: valid from must be before valid to.",
    ),
    "console.invalid.other": (
        "{field}: värdet godtas inte.",
        "{field}: the value is not accepted.",
    ),
    "console.rules": ("Regler", "Rules"),
    "console.rules_intro": (
        "Per sökfråga: fäst (pin), dölj, lyft (boost) eller sänk (bury). Lämna id tomt för "
        "att ta bort en regel.",
        "Per query: pin, hide, boost or bury. Leave the id empty to remove a rule.",
    ),
    "console.rule_id": ("Id", "Id"),
    "console.rule_action": ("Åtgärd", "Action"),
    "console.action.boost": ("lyft (boost)", "boost"),
    "console.action.bury": ("sänk (bury)", "bury"),
    "console.action.pin": ("fäst (pin)", "pin"),
    "console.action.hide": ("dölj (hide)", "hide"),
    "console.match.exact": ("exakt", "exact"),
    "console.match.contains": ("innehåller", "contains"),
    "console.rule_query": ("Sökfråga", "Query"),
    "console.rule_match": ("Matchning", "Match"),
    "console.rule_brand": ("Varumärke", "Brand"),
    "console.rule_category": ("Kategori", "Category"),
    "console.rule_retailer": ("Återförsäljare", "Retailer"),
    "console.rule_product": ("Produkt-id", "Product id"),
    "console.rule_position": ("Position", "Position"),
    "console.rule_amount": ("Mängd", "Amount"),
    "console.rule_enabled": ("På", "On"),
    "console.comment": ("Kommentar", "Comment"),
    "console.save_draft": ("Spara utkast", "Save draft"),
    "console.saved": ("Utkast version {v} sparat.", "Draft version {v} saved."),
    "console.invalid": ("Utkastet sparades inte:", "The draft was not saved:"),
    "console.preview": ("Förhandsgranska", "Preview"),
    "console.preview_query": ("Sökfråga att jämföra", "Query to compare"),
    "console.preview_button": ("Visa utkast mot publicerad", "Show draft vs published"),
    "console.published_col": ("Publicerad", "Published"),
    "console.draft_col": ("Utkast", "Draft"),
    "console.new": ("ny", "new"),
    "console.up": ("upp {n}", "up {n}"),
    "console.down": ("ned {n}", "down {n}"),
    "console.same": ("oförändrad", "unchanged"),
    "console.gone": ("utanför", "dropped"),
    "console.metrics": ("Bedömda sökfrågor", "Judged queries"),
    "console.metrics_none": (
        "Inga bedömda sökfrågor finns (configs/judgments).",
        "No judged queries exist (configs/judgments).",
    ),
    "console.metric": ("Mått", "Metric"),
    "console.queries": ("{n#query}", "{n#query}"),
    "console.publish": ("Publicera utkastet", "Publish the draft"),
    "console.published": ("Version {v} är publicerad.", "Version {v} is published."),
    "console.rollback": ("Rulla tillbaka", "Roll back"),
    "console.rollback_to": ("Rulla tillbaka till version", "Roll back to version"),
    "console.rolled_back": (
        "Återställd: ny version {v} publicerad.",
        "Rolled back: new version {v} published.",
    ),
    "console.history": ("Ändringslogg", "Audit log"),
    "console.version": ("Version", "Version"),
    "console.status": ("Status", "Status"),
    "console.author": ("Av", "By"),
    "console.created": ("Skapad", "Created"),
    "console.published_at": ("Publicerad", "Published"),
    "console.changes": ("Ändringar mot publicerad", "Changes against published"),
    "console.no_changes": ("Inga ändringar.", "No changes."),
    "console.no_history": ("Ingen version sparad ännu.", "No version saved yet."),
    "console.error": ("Åtgärden misslyckades: {message}", "The action failed: {message}"),
    "console.no_such_version": ("versionen finns inte", "no such version"),
    "console.conflict": (
        "versionen är inte i ett läge som tillåter det (ett utkast publiceras, en tidigare "
        "publicerad version rullas tillbaka till); ladda om sidan och försök igen",
        "the version is not in a state that allows it",
    ),
    "console.refused": (
        "rankningen eller sökningen vägrade; ladda om sidan och försök igen",
        "the ranking or the search refused",
    ),
    "status.draft": ("utkast", "draft"),
    "status.published": ("publicerad", "published"),
    "status.retired": ("tidigare", "retired"),
}

MESSAGES.update(MARKET_MESSAGES)
MESSAGES.update(CHECKOUT_MESSAGES)
MESSAGES.update(FEED_MESSAGES)
MESSAGES.update(TEMPLATE_MESSAGES)
MESSAGES.update(REVIEW_MESSAGES)
MESSAGES.update(ADMIN_MESSAGES)
MESSAGES.update(NOTIFY_MESSAGES)
MESSAGES.update(HISTORY_MESSAGES)
MESSAGES.update(ORG_MESSAGES)
MESSAGES.update(ADMIN_QUEUE_MESSAGES)
MESSAGES.update(KEY_MESSAGES)
MESSAGES.update(PORTAL_MESSAGES)
MESSAGES.update(LOYALTY_MESSAGES)
MESSAGES.update(SHOP_MESSAGES)
MESSAGES.update(ENGAGE_MESSAGES)
MESSAGES.update(PHOTO_MESSAGES)
MESSAGES.update(ACTIVITY_MESSAGES)
MESSAGES.update(REPORT_MESSAGES)
MESSAGES.update(SPONSOR_MESSAGES)
MESSAGES.update(SYNONYM_MESSAGES)

# noun -> ((Swedish singular, plural), (English singular, plural)): the ``{name#noun}`` counts
COUNT_NOUNS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "row": (("rad", "rader"), ("row", "rows")),
    "valid": (("giltig", "giltiga"), ("valid", "valid")),
    "rejected": (("avvisad", "avvisade"), ("rejected", "rejected")),
    "warning": (("varning", "varningar"), ("warning", "warnings")),
    "error": (("fel", "fel"), ("error", "errors")),
    "offer": (("erbjudande", "erbjudanden"), ("offer", "offers")),
    "active_offer": (
        ("aktivt erbjudande", "aktiva erbjudanden"),
        ("active offer", "active offers"),
    ),
    "product": (("produkt", "produkter"), ("product", "products")),
    "query": (("fråga", "frågor"), ("query", "queries")),
    "order": (("order", "ordrar"), ("order", "orders")),
    "item": (("artikel", "artiklar"), ("item", "items")),
    "retailer": (("återförsäljare", "återförsäljare"), ("retailer", "retailers")),
    "review": (("omdöme", "omdömen"), ("review", "reviews")),
    "day": (("dag", "dagar"), ("day", "days")),
    "month": (("månad", "månader"), ("month", "months")),
    "point": (("poäng", "poäng"), ("point", "points")),
    "question": (("fråga", "frågor"), ("question", "questions")),
    "attempt": (("försök", "försök"), ("attempt", "attempts")),
}

_PLACEHOLDER = re.compile(r"\{(\w+)(?:#(\w+))?\}")
_GROUPING = str.maketrans("", "", "\u00a0 ,")


def _count_value(value: object) -> int | None:
    """The number a count's value stands for (an int, or a number already formatted)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).translate(_GROUPING))
    except ValueError:
        return None


def count(lang: str, n: object, noun: str) -> str:
    """``n`` with ``noun`` in singular or plural: "1 varning", "2 varningar", "1 234 rader"
    (an int is written in the language's number format; a formatted number as it is)."""
    sv, en = COUNT_NOUNS[noun]
    singular, plural = sv if lang == "sv" else en
    number = _count_value(n)
    shown = Formatter(lang).number(n) if isinstance(n, int) and not isinstance(n, bool) else n
    return f"{shown} {singular if number == 1 else plural}"


def translate(lang: str, key: str, **values: object) -> str:
    """The text of ``key``; with ``n`` equal to 1, the singular ``<key>_one`` if it exists.
    A ``{name#noun}`` placeholder is the count ``name`` with its noun (:func:`count`)."""
    pair = MESSAGES.get(key)
    if "n" in values and str(values["n"]).strip() == "1":
        pair = MESSAGES.get(f"{key}_one", pair)
    if pair is None:
        return key
    text = pair[0] if lang == "sv" else pair[1]
    if values:

        def fill(match: re.Match[str]) -> str:
            name, noun = match.group(1), match.group(2)
            if name not in values:
                return match.group(0)
            if noun is not None and noun in COUNT_NOUNS:
                return count(lang, values[name], noun)
            return str(values[name])

        text = _PLACEHOLDER.sub(fill, text)
    return text


def pick_lang(request: Request) -> str:
    """``?lang=`` wins, then the cookie, then Swedish."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGS else DEFAULT_LANG


@dataclass(frozen=True, slots=True)
class Formatter:
    """Numbers, prices and shares in the reader's language."""

    lang: str

    def number(self, value: float | Decimal | int, decimals: int = 0) -> str:
        text = f"{value:,.{decimals}f}"
        if self.lang == "sv":
            return text.replace(",", "\u00a0").replace(".", ",")
        return text

    def price(self, value: object, currency: str = "SEK") -> str:
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return str(value)
        digits = self.number(amount, 2)
        if currency == "SEK":
            return f"{digits}\u00a0kr" if self.lang == "sv" else f"SEK\u00a0{digits}"
        return f"{digits}\u00a0{currency}"

    def share(self, value: float | None) -> str:
        if value is None:
            return "–"
        return f"{self.number(value * 100, 0)}\u00a0%"

    def stars(self, value: float | None) -> str:
        return "–" if value is None else self.number(value, 1)

    def factor(self, value: Decimal | float | int) -> str:
        """A multiplier as read: ``×2`` (not ``×2.00``), ``×1,5`` in Swedish."""
        text = format(Decimal(str(value)).normalize(), "f")
        return "×" + (text.replace(".", ",") if self.lang == "sv" else text)

    def when(self, value: datetime | None) -> str:
        """An instant as Swedish local date and time."""
        if value is None:
            return "–"
        return as_utc(value).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")

    def period_edge(self, value: datetime | None, *, end: bool = False) -> str:
        """A period's start or (exclusive) end as a reader takes it: a whole Swedish day
        as its date, the end as the last day it includes (an end at 2027-01-01 00:00 is
        ``2026-12-31``); any other moment as date and time."""
        if value is None:
            return "–"
        local = as_utc(value).astimezone(LOCAL_TZ)
        if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
            return local.strftime("%Y-%m-%d %H:%M")
        return (local.date() - timedelta(days=1) if end else local.date()).isoformat()


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, **values: object) -> str:
        return translate(lang, key, **values)

    return t
