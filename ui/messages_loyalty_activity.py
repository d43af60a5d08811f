"""UI text of the loyalty activity pages (referral links, suggestions, surveys, sales
contests; the seller's and the sponsor's), Swedish first and English; merged into
``ui.i18n.MESSAGES``."""

from __future__ import annotations

ACTIVITY_MESSAGES: dict[str, tuple[str, str]] = {
    "loyalty.kind.referral": ("Rekryterad återförsäljare", "Recruited retailer"),
    "loyalty.kind.suggestion": ("Förbättringsförslag antaget", "Suggestion accepted"),
    "loyalty.kind.survey": ("Enkät besvarad", "Survey answered"),
    "loyalty.kind.contest": ("Säljtävlingspris", "Sales contest prize"),
    "signup.referred": (
        "Du registrerar dig via en värvningslänk.",
        "You are signing up through a referral link.",
    ),
    "org_field.ref.unknown": (
        "Värvningslänken är okänd eller gäller inte längre.",
        "The referral link is unknown or no longer valid.",
    ),
    # seller: recruiting
    "activity.nav_referrals": ("Värva", "Recruit"),
    "activity.referrals_title": ("Värva återförsäljare", "Recruit retailers"),
    "activity.referrals_intro": (
        "Dela din länk med en återförsäljare som inte finns på Valbar. Poängen kommer när "
        "den är godkänd och dess första prisfil har gått live med erbjudanden.",
        "Share your link with a retailer not yet on Valbar. The points come once it is "
        "approved and its first price feed has put offers live.",
    ),
    "activity.referrals_none": (
        "Du har ingen värvningslänk: du deltar inte i något program ännu.",
        "You have no referral link: you do not take part in a programme yet.",
    ),
    "activity.link_seller": ("Din egen länk", "Your own link"),
    "activity.link_member": ("Organisationens länk", "Your organisation's link"),
    "activity.recruited": ("Värvade", "Recruited"),
    "activity.recruited_none": ("Ingen värvad ännu.", "Nobody recruited yet."),
    "activity.col_org": ("Återförsäljare", "Retailer"),
    "activity.col_status": ("Läge", "Status"),
    "activity.ref_paid": ("{points} poäng", "{points} points"),
    "activity.ref_held": ("Väntar på granskning", "Waiting for review"),
    "activity.ref_capped": ("Taket nått", "Cap reached"),
    "activity.ref_waiting_both": (
        "Väntar på godkännande och första prisfil",
        "Waiting for approval and a first feed",
    ),
    "activity.ref_waiting_feed": (
        "Godkänd, väntar på första prisfil",
        "Approved, waiting for a first feed",
    ),
    "activity.ref_waiting_approval": (
        "Prisfil live, väntar på godkännande",
        "Feed live, waiting for approval",
    ),
    # seller: suggestions
    "activity.nav_suggestions": ("Förslag", "Suggestions"),
    "activity.suggestions_title": ("Förbättringsförslag", "Improvement suggestions"),
    "activity.suggestions_intro": (
        "Föreslå hur sponsorn kan bli bättre. Ett antaget förslag ger poäng efter hur "
        "stort det är.",
        "Suggest how the sponsor can do better. An accepted suggestion earns points by its size.",
    ),
    "activity.suggestions_not_taking_part": (
        "Du deltar inte i något program ännu.",
        "You do not take part in a programme yet.",
    ),
    "activity.f_title": ("Rubrik", "Title"),
    "activity.f_text": ("Förslag", "Suggestion"),
    "activity.send": ("Skicka förslaget", "Send the suggestion"),
    "activity.mine": ("Mina förslag", "My suggestions"),
    "activity.mine_none": ("Inga förslag ännu.", "No suggestions yet."),
    "activity.status.submitted": ("Väntar på beslut", "Waiting for a decision"),
    "activity.status.accepted": ("Antaget", "Accepted"),
    "activity.status.declined": ("Avböjt", "Declined"),
    "activity.grade.small": ("Litet", "Small"),
    "activity.grade.medium": ("Mellan", "Medium"),
    "activity.grade.large": ("Stort", "Large"),
    # seller: surveys
    "activity.nav_surveys": ("Enkäter", "Surveys"),
    "activity.surveys_title": ("Enkäter", "Surveys"),
    "activity.surveys_intro": (
        "Svara en gång per enkät och få poängen. Sponsorn ser bara sammanställda svar, "
        "aldrig vem som svarat vad.",
        "Answer once per survey and earn its points. The sponsor sees only aggregated "
        "answers, never who answered what.",
    ),
    "activity.surveys_none": ("Inga öppna enkäter just nu.", "No open surveys right now."),
    "activity.survey_points": ("{points} poäng för att svara", "{points} points for answering"),
    "activity.survey_done": (
        "Du har svarat på enkäten. Tack!",
        "You answered this survey. Thank you!",
    ),
    "activity.scale_low": ("1 = inte alls", "1 = not at all"),
    "activity.scale_high": ("5 = helt", "5 = completely"),
    "activity.survey_send": ("Skicka svaren", "Send the answers"),
    # seller: contests
    "activity.nav_contests": ("Tävlingar", "Contests"),
    "activity.contests_title": ("Säljtävlingar", "Sales contests"),
    "activity.contests_none": ("Inga tävlingar ännu.", "No contests yet."),
    "activity.contest_terms": (
        "{starts} – {ends} · {metric} · {audience}",
        "{starts} – {ends} · {metric} · {audience}",
    ),
    "activity.metric.sale_points": ("poäng från försäljning", "points from sales"),
    "activity.metric.sales_amount": ("försäljning i kronor", "sales in kronor"),
    "activity.audience.sellers": ("säljare", "sellers"),
    "activity.audience.stores": ("butiker", "stores"),
    "activity.contest_state.open": ("Pågår", "Running"),
    "activity.contest_state.closed": ("Avslutad, priserna utdelade", "Closed, prizes paid"),
    "activity.prizes": ("Priser: {prizes} poäng", "Prizes: {prizes} points"),
    "activity.col_score": ("Resultat", "Score"),
    "activity.col_prize": ("Pris", "Prize"),
    "activity.standings_none": ("Inga resultat ännu.", "No results yet."),
    # refusals (seller pages)
    "activity.refused.invalid": ("Uppgifterna är inte giltiga.", "The input is not valid."),
    "activity.refused.field.title": (
        "Rubriken ska vara 1–200 tecken på en rad.",
        "The title must be 1-200 characters on one line.",
    ),
    "activity.refused.field.text": (
        "Förslaget ska vara 1–4000 tecken.",
        "The suggestion must be 1-4000 characters.",
    ),
    "activity.refused.field.answers": (
        "Svara på varje fråga (fritext får lämnas tom, högst 2000 tecken).",
        "Answer every question (free text may be left empty, 2000 characters at most).",
    ),
    "activity.refused.DuplicateSuggestion": (
        "Du har redan skickat det här förslaget.",
        "You sent this suggestion already.",
    ),
    "activity.refused.TooManyOpen": (
        "Du har 20 förslag som väntar på beslut. Vänta på besked först.",
        "You have 20 suggestions waiting for a decision. Wait for an answer first.",
    ),
    "activity.refused.AlreadyAnswered": (
        "Du har redan svarat på enkäten.",
        "You answered this survey already.",
    ),
    "activity.refused.SurveyState": (
        "Enkäten är inte i det läget längre.",
        "The survey is no longer in that state.",
    ),
    "activity.refused.ContestState": (
        "Tävlingen är inte slut ännu eller redan avslutad.",
        "The contest has not ended yet or was closed already.",
    ),
    "notice.suggestion_sent": ("Förslaget är skickat.", "The suggestion is sent."),
    "notice.survey_answered": ("Tack för dina svar!", "Thank you for your answers!"),
    "notice.suggestion_accepted": ("Förslaget är antaget.", "The suggestion is accepted."),
    "notice.suggestion_declined": ("Förslaget är avböjt.", "The suggestion is declined."),
    "notice.engagement_saved": ("Poängen är sparade.", "The points are saved."),
    "notice.survey_created": ("Enkäten är skapad (utkast).", "The survey is created (draft)."),
    "notice.survey_opened": ("Enkäten är öppnad.", "The survey is open."),
    "notice.survey_closed": ("Enkäten är stängd.", "The survey is closed."),
    "notice.contest_created": ("Tävlingen är skapad.", "The contest is created."),
    "notice.contest_closed": (
        "Tävlingen är avslutad och priserna utdelade.",
        "The contest is closed and its prizes paid.",
    ),
    # sponsor (admin) pages
    "activity.admin_nav": ("Lojalitet", "Loyalty"),
    "activity.admin_suggestions_title": ("Lojalitet: förbättringsförslag", "Loyalty: suggestions"),
    "activity.admin_surveys_title": ("Lojalitet: enkäter", "Loyalty: surveys"),
    "activity.admin_contests_title": ("Lojalitet: säljtävlingar", "Loyalty: sales contests"),
    "activity.queue": ("Förslag", "Suggestions"),
    "activity.queue_none": ("Inga förslag här.", "No suggestions here."),
    "activity.by": ("{seller}, {store}", "{seller}, {store}"),
    "activity.erased": ("(borttagen användare)", "(erased user)"),
    "activity.accept": ("Anta", "Accept"),
    "activity.decline": ("Avböj", "Decline"),
    "activity.f_grade": ("Storlek", "Grade"),
    "activity.f_reason": ("Motivering", "Reason"),
    "activity.points_settings": ("Poäng", "Points"),
    "activity.f_referral_points": (
        "Poäng för en värvad återförsäljare",
        "Points for a recruited retailer",
    ),
    "activity.f_grade_points": ("Poäng för ett {grade} förslag", "Points for a {grade} suggestion"),
    "activity.save": ("Spara", "Save"),
    "activity.new_survey": ("Ny enkät", "New survey"),
    "activity.f_questions": ("Frågor", "Questions"),
    "activity.f_questions_help": (
        "En fråga per stycke. Första raden: [en], [flera], [skala] eller [fritext] och frågan; "
        "för [en] och [flera] ett svarsalternativ per rad under. Skala är 1–5.",
        "One question per paragraph. First line: [single], [multiple], [scale] or [text] and "
        "the question; for [single] and [multiple] one choice per line below. Scale is 1-5.",
    ),
    "activity.f_points": ("Poäng för att svara", "Points for answering"),
    "activity.create": ("Skapa", "Create"),
    "activity.surveys_admin_none": ("Inga enkäter ännu.", "No surveys yet."),
    "activity.survey_status.draft": ("Utkast", "Draft"),
    "activity.survey_status.open": ("Öppen", "Open"),
    "activity.survey_status.closed": ("Stängd", "Closed"),
    "activity.open_survey": ("Öppna", "Open"),
    "activity.close_survey": ("Stäng", "Close"),
    "activity.results": ("Resultat", "Results"),
    "activity.results_title": ("Resultat: {title}", "Results: {title}"),
    "activity.respondents": ("{n} har svarat.", "{n} answered."),
    "activity.suppressed": (
        "Färre än {n} har svarat: inga svar visas uppdelat, så att ingen kan pekas ut.",
        "Fewer than {n} answered: no breakdown is shown, so nobody can be singled out.",
    ),
    "activity.average": ("Medel {average}", "Average {average}"),
    "activity.texts_none": ("Inga fritextsvar.", "No free-text answers."),
    "activity.texts_note": (
        "Fritextsvaren utan namn, i bokstavsordning.",
        "Free-text answers without names, in alphabetical order.",
    ),
    "activity.new_contest": ("Ny säljtävling", "New sales contest"),
    "activity.f_name": ("Namn", "Name"),
    "activity.f_metric": ("Mäts på", "Measured by"),
    "activity.f_audience": ("Deltagare", "Who competes"),
    "activity.f_starts": ("Från", "From"),
    "activity.f_ends": ("Till och med", "Up to and including"),
    "activity.f_prizes": ("Priser i poäng (plats 1, 2, …)", "Prizes in points (rank 1, 2, ...)"),
    "activity.close_contest": ("Avsluta och dela ut priserna", "Close and pay the prizes"),
    "activity.contests_admin_none": ("Inga tävlingar ännu.", "No contests yet."),
    # what an admin form got wrong (the detail in parentheses names the exact place)
    "activity.admin_field.name": (
        "Namnet ska vara 1–200 tecken.",
        "The name must be 1-200 characters.",
    ),
    "activity.admin_field.title": (
        "Rubriken ska vara 1–200 tecken.",
        "The title must be 1-200 characters.",
    ),
    "activity.admin_field.metric": (
        "Välj vad tävlingen mäts på.",
        "Choose what the contest measures.",
    ),
    "activity.admin_field.audience": ("Välj vilka som tävlar.", "Choose who competes."),
    "activity.admin_field.starts_at": (
        "Startdatumet är inte ett giltigt datum.",
        "The start is not a valid date.",
    ),
    "activity.admin_field.ends_at": (
        "Slutdatumet ska vara efter start, i framtiden och högst 366 dagar senare.",
        "The end must be after the start, in the future and at most 366 days later.",
    ),
    "activity.admin_field.prizes": (
        "Priserna ska vara 1–20 heltal, 1–1 000 000 poäng vardera, åtskilda med komma.",
        "The prizes must be 1-20 whole numbers, 1-1000000 points each, separated by commas.",
    ),
    "activity.admin_field.questions": (
        "Frågorna följer inte formatet (se hjälptexten under fältet).",
        "The questions do not follow the format (see the help below the field).",
    ),
    "activity.admin_field.points": ("Poängen ska vara 0–100 000.", "The points must be 0-100000."),
    "activity.admin_field.grade": (
        "Välj storlek: litet, mellan eller stort.",
        "Choose a grade: small, medium or large.",
    ),
    "activity.admin_field.reason": (
        "Skriv en motivering (högst 1000 tecken).",
        "Write a reason (1000 characters at most).",
    ),
    "activity.admin_field.referral_points": (
        "Poängen för en värvning ska vara 0–1 000 000.",
        "The points of a referral must be 0-1000000.",
    ),
    "activity.admin_field.suggestion_points": (
        "Poängen per storlek ska vara 1–1 000 000.",
        "The points per grade must be 1-1000000.",
    ),
}
