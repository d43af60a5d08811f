"""UI text of the loyalty management pages a programme's manager uses (a platform admin or
the sponsor's representative): the abuse limits, held credits, clawbacks and the quiz and
campaign editors, Swedish first and English; merged into ``ui.i18n.MESSAGES``."""

from __future__ import annotations

SPONSOR_MESSAGES: dict[str, tuple[str, str]] = {
    "nav.sponsor": ("Lojalitetsprogram", "Loyalty programmes"),
    "org_kind.sponsor": ("Sponsor (tillverkare)", "Sponsor (manufacturer)"),
    "role.sponsor": ("Sponsor", "Sponsor"),
    "manage.nav_engage": ("Kampanjer och test", "Campaigns and quizzes"),
    "manage.nav_limits": ("Gränser och återkrav", "Limits and clawbacks"),
    "manage.nav_shop": ("Poängbutik", "Points shop"),
    "manage.none": (
        "Du har inga lojalitetsprogram att hantera.",
        "You have no loyalty programmes to manage.",
    ),
    # limits
    "manage.limits_title": ("Gränser mot missbruk: {name}", "Limits against abuse: {name}"),
    "manage.limits_intro": (
        "Tak per aktivitet och säljare per dag och månad (svensk tid), och en gräns över "
        "vilken en kreditering väntar på godkännande. Tomt fält: ingen gräns.",
        "Caps per activity and seller per day and month (Swedish time), and a threshold "
        "above which a credit waits for approval. An empty field: no limit.",
    ),
    "manage.cap_kind.sale": ("Försäljning", "Sales"),
    "manage.cap_kind.quiz": ("Kunskapstest", "Quizzes"),
    "manage.cap_kind.photo": ("Fotouppdrag", "Photo activities"),
    "manage.cap_kind.referral": ("Värvning", "Recruiting"),
    "manage.cap_kind.suggestion": ("Förbättringsförslag", "Improvement suggestions"),
    "manage.cap_kind.survey": ("Enkäter", "Surveys"),
    "manage.cap_kind.contest": ("Tävlingar", "Contests"),
    "manage.cap_day": ("Högst poäng per dag", "Most points a day"),
    "manage.cap_month": ("Högst poäng per månad", "Most points a month"),
    "manage.threshold": (
        "Godkännande krävs över (poäng)",
        "Approval needed above (points)",
    ),
    "manage.save": ("Spara", "Save"),
    # held credits
    "manage.held_title": ("Krediteringar som väntar på godkännande", "Credits awaiting approval"),
    "manage.held_none": ("Inga krediteringar väntar.", "No credits are waiting."),
    "manage.held_line": (
        "{points} poäng till {account}: {reason} ({when})",
        "{points} points to {account}: {reason} ({when})",
    ),
    "manage.approve": ("Godkänn", "Approve"),
    "manage.reject": ("Avslå", "Reject"),
    "manage.reject_reason": ("Skäl till avslag", "Reason for rejecting"),
    "manage.decided_title": ("Senast beslutade", "Decided lately"),
    "manage.decided_line": (
        "{points} poäng till {account}: {status} {when} {reason}",
        "{points} points to {account}: {status} {when} {reason}",
    ),
    "manage.status.approved": ("godkänd", "approved"),
    "manage.status.rejected": ("avslagen", "rejected"),
    # clawbacks
    "manage.credits_title": ("Krediteringar och återkrav", "Credits and clawbacks"),
    "manage.credits_intro": (
        "Dra tillbaka poäng med ett skäl, helt eller delvis: högst det som återstår av "
        "krediteringen och högst det kontot har kvar (ett saldo blir aldrig negativt).",
        "Take points back with a reason, whole or in part: at most what is left of the "
        "credit and at most what the account still holds (a balance never goes below zero).",
    ),
    "manage.credits_none": ("Inga krediteringar ännu.", "No credits yet."),
    "manage.credit_line": (
        "Post {id}: {points} poäng till {account} ({kind}, {when}); återkrävt {back}, kvar {left}",
        "Entry {id}: {points} points to {account} ({kind}, {when}); clawed back {back}, "
        "{left} left",
    ),
    "manage.clawback_points": (
        "Poäng att dra tillbaka (tomt: allt som återstår)",
        "Points to take back (empty: all that is left)",
    ),
    "manage.clawback_reason": ("Skäl", "Reason"),
    "manage.clawback": ("Dra tillbaka", "Claw back"),
    "manage.clawed_fully": ("Helt återkrävd.", "Clawed back in full."),
    # the quiz editor
    "manage.edit": ("Ändra", "Edit"),
    "manage.quiz_edit_title": ("Ändra test: {title}", "Edit quiz: {title}"),
    "manage.quiz_no_attempts": (
        "Ingen har gjort testet än: allt kan ändras.",
        "Nobody has taken the quiz yet: everything can change.",
    ),
    "manage.quiz_attempts": (
        "Testet har {n} försök. De rättades mot svarsalternativen och de rätta svaren och "
        "betalade poängen, så bara rubriken och frågornas formulering kan ändras nu "
        "(samma antal frågor, samma alternativ, samma rätta svar, poäng, försök och gräns "
        "för godkänt). Du kan också stänga testet.",
        "The quiz has {n} attempts. They were scored on its choices and right answers and "
        "paid its points, so only the title and the wording of its questions can change now "
        "(the same questions, choices, right answers, points, attempts and pass mark). You "
        "can also close the quiz.",
    ),
    "manage.quiz_active": ("Öppet för nya försök", "Open to new attempts"),
    # the campaign editor
    "manage.campaign_edit_title": ("Ändra kampanj: {name}", "Edit campaign: {name}"),
    "manage.campaign_not_started": (
        "Kampanjen har inte börjat: allt kan ändras (start tidigast i dag).",
        "The campaign has not started: everything can change (a start today at the earliest).",
    ),
    "manage.campaign_running": (
        "Kampanjen pågår. Poäng som redan betalats räknas aldrig om, så multiplikator, "
        "gäller och start ligger fast: namnet och slutdatumet (tidigast i dag) kan ändras.",
        "The campaign is running. Points paid already are never recalculated, so the "
        "multiplier, target and start stay: the name and the end (today at the earliest) "
        "can change.",
    ),
    "manage.campaign_ended": (
        "Kampanjen är slut: bara namnet kan ändras.",
        "The campaign has ended: only its name can change.",
    ),
    # notices
    "notice.limits_saved": ("Gränserna är sparade.", "The limits are saved."),
    "notice.credit_approved": (
        "Krediteringen är godkänd och poängen betalda.",
        "The credit is approved and the points paid.",
    ),
    "notice.credit_rejected": ("Krediteringen är avslagen.", "The credit is rejected."),
    "notice.clawed_back": ("Poängen är återkrävda.", "The points are clawed back."),
    "notice.quiz_saved": ("Testet är sparat.", "The quiz is saved."),
    "notice.campaign_saved": ("Kampanjen är sparad.", "The campaign is saved."),
    # refusals
    "manage.err.too_large": (
        "Du kan dra tillbaka högst {left} poäng av den här krediteringen, inte {points}.",
        "You can take back at most {left} points of this credit, not {points}.",
    ),
    "manage.err.insufficient": (
        "Kontot har bara {balance} poäng kvar, inte {points}: ett saldo får aldrig bli "
        "negativt. Dra tillbaka högst {balance} poäng.",
        "The account holds only {balance} points, not {points}: a balance never goes below "
        "zero. Take back at most {balance} points.",
    ),
    "manage.err.decided": (
        "Krediteringen är redan beslutad (av någon annan).",
        "The credit was decided already (by someone else).",
    ),
    "manage.err.quiz_attempted": (
        "Testet har redan försök: bara rubriken och frågornas formulering kan ändras.",
        "The quiz has attempts: only its title and the wording of its questions can change.",
    ),
    "manage.err.campaign_started": (
        "Kampanjen har börjat: multiplikator, gäller och start ligger fast (betalda poäng "
        "räknas aldrig om); efter slutet kan bara namnet ändras.",
        "The campaign has started: its multiplier, target and start stay (points paid are "
        "never recalculated); after its end only its name changes.",
    ),
    "manage.err.programme_exists": (
        "Det finns redan ett program som heter {name}.",
        "A programme named {name} exists already.",
    ),
    "manage.new_programme": ("Nytt program", "New programme"),
    "manage.f_programme_name": ("Programmets namn", "Programme name"),
    "manage.f_sponsor_name": ("Sponsor", "Sponsor"),
    "manage.f_runs_it": ("Drivs av", "Run by"),
    "place.prizes": ("pris {number}", "prize {number}"),
    "place.questions": ("fråga {number}", "question {number}"),
    "place.choices": ("svar {number}", "choice {number}"),
    "manage.field.sponsor_organisation_id": (
        "Välj en aktiv sponsororganisation, eller Valbar.",
        "Choose an active sponsor organisation, or Valbar.",
    ),
    "manage.field.programme_id": (
        "Programmet är inte aktivt: det finns inget att avsluta.",
        "The programme is not active: there is nothing to close.",
    ),
    "manage.f_runs_valbar": ("Valbar (för en namngiven sponsor)", "Valbar (for a named sponsor)"),
    "manage.f_sponsor_name_hint": (
        "Drivs programmet av en sponsororganisation blir dess namn sponsorns namn om du inte "
        "anger ett annat; drivs det av Valbar måste sponsorn namnges.",
        "A programme run by a sponsor organisation takes its name as the sponsor's unless you "
        "give another; one Valbar runs needs the sponsor named.",
    ),
    "manage.f_sponsor_own_hint": (
        "Programmet drivs av din organisation; lämna tomt för att använda dess namn.",
        "Your organisation runs the programme; leave empty to use its name.",
    ),
    "manage.f_points_per_krona": ("Poäng per krona", "Points per krona"),
    "manage.f_point_value_ore": ("Ett poängs värde (öre)", "A point's value (öre)"),
    "manage.f_expiry_months": ("Poängen förfaller efter (månader)", "Points expire after (months)"),
    "notice.loyalty_programme_created": ("Programmet är skapat.", "The programme is created."),
    "manage.close_title": ("Månadsavslut", "Month-end close"),
    "manage.close_intro": (
        "Utser månadens säljare och månadens butik för {month} och låter förfallna poäng "
        "förfalla nu, i stället för att vänta på den automatiska körningen. Görs bara en gång: "
        "ett nytt avslut gör inget mer.",
        "Names the seller and the store of the month for {month} and expires the points that "
        "are due now, instead of waiting for the automatic run. Done once: closing again does "
        "nothing more.",
    ),
    "manage.close_confirm": (
        "Jag vill stänga {month} nu",
        "I want to close {month} now",
    ),
    "manage.close_button": ("Gör månadsavslut", "Close the month"),
    "manage.err.close_unconfirmed": (
        "Kryssa i rutan för att bekräfta månadsavslutet.",
        "Tick the box to confirm the month-end close.",
    ),
    "notice.month_closed": ("Månaden är avslutad.", "The month is closed."),
    "notice.month_already_closed": (
        "Månaden var redan avslutad: inget mer gjordes.",
        "The month was closed already: nothing more was done.",
    ),
    "manage.err.invalid": (
        "Uppgifterna är inte giltiga. Kontrollera fälten och försök igen.",
        "Invalid input. Check the fields and try again.",
    ),
    "manage.err.denied": ("Det får du inte göra här.", "You may not do that here."),
    "manage.field.reason": (
        "Ange ett skäl (högst 1000 tecken).",
        "Give a reason (1000 characters at most).",
    ),
    "manage.field.points": (
        "Ange poäng som ett heltal, minst 1.",
        "Give the points as a whole number, at least 1.",
    ),
    "manage.field.caps": (
        "Taken ska vara heltal mellan 1 och 1 000 000 000 poäng.",
        "Caps are whole numbers of 1 to 1,000,000,000 points.",
    ),
    "manage.field.approval_threshold": (
        "Gränsen för godkännande ska vara ett heltal mellan 1 och 1 000 000 000.",
        "The approval threshold is a whole number of 1 to 1,000,000,000.",
    ),
    "manage.field.entry_id": (
        "Posten är ingen kreditering från sponsorns budget.",
        "The entry is no credit from the sponsor's budget.",
    ),
    "manage.field.title": ("Rubriken: 1–200 tecken.", "The title: 1-200 characters."),
    "manage.field.questions": (
        "Frågorna är inte giltiga: en fråga per stycke, minst två svar, de rätta märkta med *.",
        "The questions are not valid: one question a paragraph, at least two choices, the "
        "right ones marked with *.",
    ),
    "manage.field.pass_mark": (
        "Rätt för godkänt: mellan 1 och antalet frågor.",
        "Right answers to pass: from 1 to the number of questions.",
    ),
    "manage.field.max_attempts": ("Antal försök: 1–10.", "Attempts: 1-10."),
    "manage.field.name": ("Namnet: 1–200 tecken.", "The name: 1-200 characters."),
    "manage.field.multiplier": (
        "Multiplikatorn: mer än 1, högst 10, högst två decimaler.",
        "The multiplier: more than 1, at most 10, two decimals at most.",
    ),
    "manage.field.target_value": (
        "Ange vad kampanjen gäller (en befintlig produkt, ett varumärke eller en kategori).",
        "Say what the campaign applies to (an existing product, a brand or a category).",
    ),
    "manage.field.starts_at": (
        "Startdatumet är inte giltigt eller ligger i det förflutna.",
        "The start date is not valid or is in the past.",
    ),
    "manage.field.ends_at": (
        "Slutdatumet ska vara efter starten och inte i det förflutna.",
        "The end date is after the start and not in the past.",
    ),
    "manage.field.sponsor_name": (
        "Sponsorns namn: 1–200 tecken.",
        "The sponsor's name: 1-200 characters.",
    ),
    "manage.field.points_per_krona": (
        "Poäng per krona: mer än 0, högst 1 000, högst fyra decimaler (t.ex. 1 eller 0,5).",
        "Points per krona: more than 0, at most 1,000, four decimals at most (e.g. 1 or 0.5).",
    ),
    "manage.field.point_value_ore": (
        "Ett poängs värde: ett heltal öre, 1–100 000.",
        "A point's value: whole öre, 1-100,000.",
    ),
    "manage.field.expiry_months": (
        "Poängen förfaller efter: 1–120 månader, ett heltal.",
        "Points expire after: 1-120 months, a whole number.",
    ),
}
