"""UI text of the loyalty engagement pages (leaderboards, quizzes, the sponsor's campaigns
and quiz builder), Swedish first and English; merged into ``ui.i18n.MESSAGES``."""

from __future__ import annotations

ENGAGE_MESSAGES: dict[str, tuple[str, str]] = {
    "loyalty.kind.quiz": ("Kunskapstest klarat", "Quiz passed"),
    "loyalty.kind.bonus": ("Månadens bonus", "Monthly award bonus"),
    "engage.board_title": ("Topplista", "Leaderboard"),
    "engage.board_intro": (
        "Intjänade poäng i programmen din organisation är medlem i: säljare och butiker. "
        "Poäng du löser in sänker inte din placering.",
        "Points earned in the programmes your organisation is a member of: sellers and "
        "stores. Points you spend do not lower your place.",
    ),
    "engage.this_month": ("Denna månad ({month})", "This month ({month})"),
    "engage.all_time": ("Totalt", "All time"),
    "engage.sellers": ("Säljare", "Sellers"),
    "engage.stores": ("Butiker", "Stores"),
    "engage.board_empty": ("Inga poäng intjänade ännu.", "No points earned yet."),
    "engage.col_rank": ("Plats", "Rank"),
    "engage.col_name": ("Namn", "Name"),
    "engage.col_store": ("Butik", "Store"),
    "engage.col_points": ("Poäng", "Points"),
    "engage.me": ("du", "you"),
    "engage.erased": ("(borttagen användare)", "(erased user)"),
    "engage.awards": ("Månadens säljare och butik", "Seller and store of the month"),
    "engage.awards_none": ("Inga utmärkelser ännu.", "No awards yet."),
    "engage.award_seller": (
        "{period}: månadens säljare {name} ({store}), {points#point}",
        "{period}: seller of the month {name} ({store}), {points#point}",
    ),
    "engage.award_store": (
        "{period}: månadens butik {store}, {points#point}",
        "{period}: store of the month {store}, {points#point}",
    ),
    "engage.quiz_title": ("Kunskapstest", "Quizzes"),
    "engage.quiz_intro": (
        "Svara rätt på tillräckligt många frågor för att få poängen, en gång per test.",
        "Answer enough questions right to earn the points, once per quiz.",
    ),
    "engage.quiz_none": ("Inga öppna test just nu.", "No open quizzes right now."),
    "engage.quiz_terms": (
        "{points#point} · godkänt med {mark} av {total} rätt · {attempts#attempt}",
        "{points#point} · pass with {mark} of {total} right · {attempts#attempt}",
    ),
    "engage.quiz_done": ("Du har klarat testet.", "You passed this quiz."),
    "engage.quiz_no_attempts": ("Du har inga försök kvar.", "You have no attempts left."),
    "engage.quiz_left": ("Försök kvar: {left}", "Attempts left: {left}"),
    "engage.quiz_several": ("Välj alla rätta svar.", "Choose every right answer."),
    "engage.quiz_submit": ("Skicka svar", "Submit answers"),
    "engage.quiz_refused": ("Svaren togs inte emot.", "The answers were not accepted."),
    "notice.quiz_passed": ("Godkänt! Poängen är dina.", "Passed! The points are yours."),
    "notice.quiz_failed": ("Inte godkänt den här gången.", "Not passed this time."),
    "notice.loyalty_campaign_created": ("Kampanjen är skapad.", "The campaign is created."),
    "notice.quiz_created": ("Testet är skapat.", "The quiz is created."),
    # the sponsor's (admin's) pages
    "engage.admin_title": ("Lojalitet: kampanjer och test", "Loyalty: campaigns and quizzes"),
    "engage.admin_intro": (
        "Sponsorns kampanjer (× poäng på produkter, varumärken eller kategorier under en "
        "period; högsta multiplikator gäller) och kunskapstest.",
        "The sponsor's campaigns (× points on products, brands or categories for a period; "
        "the highest multiplier wins) and quizzes.",
    ),
    "engage.programme": ("Program", "Programme"),
    "engage.campaigns": ("Kampanjer", "Campaigns"),
    "engage.campaigns_none": ("Inga kampanjer.", "No campaigns."),
    "engage.campaign_line": (
        "{name}: {multiplier} på {kind} {value}, {starts}–{ends}",
        "{name}: {multiplier} on {kind} {value}, {starts}–{ends}",
    ),
    "engage.new_campaign": ("Ny kampanj", "New campaign"),
    "engage.f_name": ("Namn", "Name"),
    "engage.f_multiplier": ("Multiplikator (t.ex. 2)", "Multiplier (e.g. 2)"),
    "engage.f_kind": ("Gäller", "Applies to"),
    "engage.kind.product": ("produkt (id)", "product (id)"),
    "engage.kind.brand": ("varumärke", "brand"),
    "engage.kind.category": ("kategori", "category"),
    "engage.f_value": ("Värde", "Value"),
    "engage.f_starts": ("Från (datum)", "From (date)"),
    "engage.f_ends": ("Till och med (datum)", "Until (date, inclusive)"),
    "engage.create": ("Skapa", "Create"),
    "engage.quizzes": ("Kunskapstest", "Quizzes"),
    "engage.quizzes_none": ("Inga test.", "No quizzes."),
    "engage.quiz_line": (
        "{title}: {questions#question}, {points#point}",
        "{title}: {questions#question}, {points#point}",
    ),
    "engage.new_quiz": ("Nytt test", "New quiz"),
    "engage.f_title": ("Rubrik", "Title"),
    "engage.f_questions": ("Frågor", "Questions"),
    "engage.f_questions_help": (
        "En fråga per stycke: första raden är frågan, varje följande rad ett svar; "
        "markera rätt svar med * först. Tom rad mellan frågorna.",
        "One question per paragraph: the first line is the question, each following line "
        "a choice; mark the right choices with a leading *. A blank line between questions.",
    ),
    "engage.f_pass_mark": ("Rätt för godkänt", "Right answers to pass"),
    "engage.f_attempts": ("Antal försök", "Attempts"),
    "engage.f_points": ("Poäng", "Points"),
    "engage.draft": ("Utkast från katalogen", "Draft from the catalogue"),
    "engage.draft_help": (
        "Frågor om vilken tillverkare som gör en produkt, ur katalogens produktdata. "
        "Redigera innan du skapar testet.",
        "Questions on which manufacturer makes a product, from the catalogue's product "
        "data. Edit before you create the quiz.",
    ),
    "activity.conflict": (
        "Det går inte just nu: det har redan beslutats eller ändrats. Ladda om sidan.",
        "Not possible now: it was decided or changed meanwhile. Reload the page.",
    ),
    "engage.invalid": (
        "Uppgifterna är inte giltiga. Kontrollera fälten och försök igen.",
        "Invalid input. Check the fields and try again.",
    ),
}
