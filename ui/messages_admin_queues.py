"""UI text of the admins' queues: the match review queue, every retailer's feed runs and
the queue-length dashboard (key -> (Swedish, English), merged into ``ui.i18n``)."""

from __future__ import annotations

ADMIN_QUEUE_MESSAGES: dict[str, tuple[str, str]] = {
    # the match review queue
    "matchq.title": ("Matchningskö", "Match review queue"),
    "matchq.intro": (
        "Erbjudanden som matchningen inte kunde avgöra själv, med de produkter den föreslår. "
        "Kortkommandon: j/k eller pilarna flyttar mellan erbjudandena, a godkänner det bästa "
        "förslaget, r avvisar det, n gör erbjudandet till en ny produkt.",
        "Offers the matcher could not decide alone, with the products it proposes. "
        "Keys: j/k or the arrow keys move between offers, a accepts the best candidate, "
        "r rejects it, n makes the offer a new product.",
    ),
    "matchq.waiting": ("{n#offer} väntar", "{n#offer} waiting"),
    "matchq.by_retailer": ("Per återförsäljare", "By retailer"),
    "matchq.all_retailers": ("Alla återförsäljare", "All retailers"),
    "matchq.empty": ("Inga erbjudanden väntar på beslut.", "No offers are waiting for a decision."),
    "matchq.offer": ("Erbjudandet", "The offer"),
    "matchq.candidate": ("Förslag {n}", "Candidate {n}"),
    "matchq.field": ("Fält", "Field"),
    "matchq.retailer": ("Återförsäljare", "Retailer"),
    "matchq.sku": ("Artikelnummer", "SKU"),
    "matchq.name": ("Benämning", "Name"),
    "matchq.brand": ("Varumärke", "Brand"),
    "matchq.manufacturer": ("Tillverkare", "Manufacturer"),
    "matchq.gtin": ("GTIN", "GTIN"),
    "matchq.mpn": ("Tillverkarens art.nr", "MPN"),
    "matchq.price": ("Pris", "Price"),
    "matchq.score": ("Poäng", "Score"),
    "matchq.method": ("Metod", "Method"),
    "matchq.reason": ("Skäl", "Reason"),
    "matchq.accept": ("Godkänn", "Accept"),
    "matchq.reject": ("Avvisa", "Reject"),
    "matchq.new_product": ("Ny produkt", "New product"),
    "matchq.new_product_help": (
        "Inget av förslagen: erbjudandet blir en egen produkt i katalogen.",
        "None of the candidates: the offer becomes a product of its own in the catalog.",
    ),
    "matchq.pick": ("Välj annan produkt", "Pick another product"),
    "matchq.pick_query": (
        "Sök produkt på namn, GTIN eller tillverkarens art.nr",
        "Search a product by name, GTIN or MPN",
    ),
    "matchq.pick_search": ("Sök", "Search"),
    "matchq.pick_this": ("Välj", "Pick"),
    "matchq.pick_none": ("Ingen produkt hittades.", "No product found."),
    "matchq.method.gtin": ("GTIN", "GTIN"),
    "matchq.method.brand_mpn": ("varumärke + art.nr", "brand + MPN"),
    "matchq.method.mpn": ("art.nr", "MPN"),
    "matchq.method.title": ("benämning", "title"),
    "matchq.method.any": ("alla metoder", "any method"),
    "matchq.bulk": ("Godkänn i klump enligt regel", "Bulk accept by rule"),
    "matchq.bulk_help": (
        "Godkänner det bästa förslaget för varje erbjudande från återförsäljaren med minst "
        "den poängen (och metoden). Lika bästa förslag lämnas åt en människa.",
        "Accepts the best candidate of every offer of the retailer scoring at least this "
        "(and of this method). Tied best candidates are left to a person.",
    ),
    "matchq.bulk_min_score": ("Lägsta poäng (0–1)", "Minimum score (0–1)"),
    "matchq.bulk_preview": ("Förhandsgranska", "Preview"),
    "matchq.bulk_count": (
        "Regeln godkänner {n#offer}.",
        "The rule accepts {n#offer}.",
    ),
    "matchq.bulk_confirm": ("Godkänn {n#offer}", "Accept {n#offer}"),
    "matchq.bulk_nothing": ("Regeln väljer inga erbjudanden.", "The rule selects no offers."),
    "matchq.pagination": ("Sidor i kön", "Queue pages"),
    "matchq.previous": ("Föregående", "Previous"),
    "matchq.next": ("Nästa", "Next"),
    "matchq.showing": ("Visar {first}–{last} av {total}", "Showing {first}–{last} of {total}"),
    "matchq.notice.accepted": ("Förslaget godkändes.", "The candidate was accepted."),
    "matchq.notice.rejected": ("Förslaget avvisades.", "The candidate was rejected."),
    "matchq.notice.new_product": (
        "Erbjudandet blev en ny produkt.",
        "The offer became a new product.",
    ),
    "matchq.notice.picked": ("Produkten valdes.", "The product was picked."),
    "matchq.notice.bulk": ("Förslagen godkändes.", "The candidates were accepted."),
    "matchq.no_candidates": ("Inga förslag kvar.", "No candidates left."),
    "matchq.pairs": ("Märkta par för matchningens träning", "Labelled pairs for the matcher"),
    "matchq.pairs_csv": ("Ladda ner (CSV)", "Download (CSV)"),
    "matchq.pairs_ditto": ("Ladda ner (parfil)", "Download (pair file)"),
    "error_detail.match_decided": (
        "Erbjudandet har redan fått ett beslut.",
        "The offer has already been decided.",
    ),
    "error_detail.bulk_changed": (
        "Regeln väljer nu {count} erbjudanden, inte {expected}: förhandsgranska igen.",
        "The rule now selects {count} offers, not {expected}: preview it again.",
    ),
    "error_detail.bulk_too_many": (
        "Regeln väljer {count} erbjudanden; högst {max} åt gången: snäva in den.",
        "The rule selects {count} offers; at most {max} at once: narrow it.",
    ),
    "error_detail.gtin_taken": (
        "Erbjudandets GTIN {gtin} hör till produkten ”{product}”: välj den i stället.",
        "The offer's GTIN {gtin} belongs to the product “{product}”: pick it instead.",
    ),
    "error_detail.field_unknown": ("{field} finns inte.", "{field} does not exist."),
    "error_detail.field_too_long": (
        "{field} får vara högst {max} tecken.",
        "{field} may be at most {max} characters.",
    ),
    # every retailer's feed runs
    "runs.title": ("Flödeskörningar", "Feed runs"),
    "runs.intro": (
        "Alla återförsäljares körningar, nyaste först. Öppna en körning för dess fel.",
        "Every retailer's runs, newest first. Open a run for its errors.",
    ),
    "runs.filter": ("Filtrera", "Filter"),
    "runs.retailer": ("Återförsäljare", "Retailer"),
    "runs.status": ("Status", "Status"),
    "runs.any": ("Alla", "All"),
    "runs.failed_or_rejected": ("Misslyckade eller avvisade", "Failed or refused"),
    "runs.last_days": ("Startade de senaste {n} dagarna.", "Started in the last {n} days."),
    "runs.all_days": ("Visa alla datum", "Show every date"),
    "runs.none": ("Inga körningar.", "No runs."),
    "runs.back": ("Alla körningar", "All runs"),
    "runs.of": ("{retailer}: körning {id}", "{retailer}: run {id}"),
    # the queue-length dashboard
    "queues.title": ("Köer", "Queues"),
    "queues.overview": ("Översikt", "Overview"),
    "queues.match": ("Erbjudanden att matcha", "Offers to match"),
    "queues.held": ("Omdömen som hålls inne", "Held reviews"),
    "queues.held_admin": ("varav {n} väntar på en administratör", "{n} of them wait for an admin"),
    "queues.reports": ("Öppna anmälningar av omdömen", "Open review reports"),
    "queues.signups": ("Registreringar att godkänna", "Sign-ups to approve"),
    "queues.failed_runs": (
        "Misslyckade eller avvisade flödeskörningar (7 dagar)",
        "Failed or refused feed runs (7 days)",
    ),
    "queues.mail_queued": ("E-post i kö", "E-mails queued"),
    "mail.title": ("Utgående e-post", "Outgoing e-mail"),
    "mail.intro": (
        "Varje meddelande webbplatsen har skickat eller köat, nyast först. Utan SMTP-server "
        "(som i demon) stannar meddelandena i kön och läses här.",
        "Every message the site sent or queued, newest first. Without an SMTP server (as in "
        "the demo) messages stay queued and are read here.",
    ),
    "mail.none": ("Ingen e-post.", "No e-mail."),
    "mail.to": ("Till", "To"),
    "mail.created": ("Skapat", "Created"),
    "mail.unreadable": (
        "Meddelandets mall kunde inte läsas.",
        "The message's template could not be read.",
    ),
    "mail_status.queued": ("I kö", "Queued"),
    "mail_status.sent": ("Skickat", "Sent"),
    "mail_status.failed": ("Misslyckades", "Failed"),
    "queues.mail_failed": ("E-post som inte gick att skicka", "E-mails that failed"),
    "queues.open": ("Öppna", "Open"),
}
