"""UI text of review integrity: who may review, reports, the admins' moderation queue and
the notifications a user gets (key -> (Swedish, English), merged into ``ui.i18n``)."""

from __future__ import annotations

REVIEW_MESSAGES: dict[str, tuple[str, str]] = {
    # the review form and its refusals
    "reviews.clinics_only": (
        "Bara kliniker skriver omdömen: återförsäljare, merchandisers och administratörer "
        "kan inte.",
        "Only clinics write reviews: retailers, merchandisers and admins cannot.",
    ),
    "reviews.kept_text": (
        "Omdömet sparades inte. Det du skrev finns kvar nedan: ändra och skicka igen.",
        "The review was not saved. What you wrote is kept below: change it and send again.",
    ),
    "reviews.back": ("Tillbaka", "Back"),
    "market_error.duplicate_report": (
        "Du har redan anmält det här omdömet.",
        "You have already reported this review.",
    ),
    "market_error.already_decided": (
        "En annan administratör har redan beslutat om detta.",
        "Another admin has already decided on this.",
    ),
    # reporting a review
    "reviews.report": ("Anmäl omdömet", "Report this review"),
    "reviews.report_reason": ("Varför ska det tas bort?", "Why should it be removed?"),
    "reviews.report_send": ("Skicka anmälan", "Send report"),
    "reviews.report_login": ("Logga in för att anmäla", "Log in to report"),
    "notice.review_reported": (
        "Tack! Anmälan har gått till Valbars administratörer.",
        "Thank you! The report went to Valbar's admins.",
    ),
    # the admins' moderation queue
    "nav.admin_reviews": ("Omdömen att granska", "Reviews to moderate"),
    "moderation.title": ("Granskning av omdömen", "Review moderation"),
    "moderation.reports": ("Anmälda omdömen", "Reported reviews"),
    "moderation.no_reports": ("Inga öppna anmälningar.", "No open reports."),
    "moderation.reported_by": (
        "Anmäld av {name} {when}: {reason}",
        "Reported by {name} {when}: {reason}",
    ),
    "moderation.review_by": ("Omdöme av {name}", "Review by {name}"),
    "moderation.target.retailer": ("om handlaren", "of the retailer"),
    "moderation.target.service": ("om servicen hos", "of the service of"),
    "moderation.target.product": ("om produkten", "of the product"),
    "moderation.target.gone": ("(finns inte längre)", "(no longer exists)"),
    "moderation.reason": (
        "Motivering (sparas; författaren får läsa den om omdömet tas bort)",
        "Reason (kept; the author reads it if the review is removed)",
    ),
    "moderation.dismiss": ("Avfärda anmälan", "Dismiss the report"),
    "moderation.remove": ("Ta bort omdömet", "Remove the review"),
    "moderation.publish": ("Publicera", "Publish"),
    "moderation.held": (
        "Låga produktomdömen utan order",
        "Low product reviews without an order",
    ),
    "moderation.held_intro": (
        "Ingen återförsäljare svarar på dessa. Publicera eller ta bort dem; annars publiceras "
        "de när fristen på {days} dagar har gått.",
        "No retailer answers these. Publish or remove them; otherwise they are published when "
        "the window of {days} days has passed.",
    ),
    "moderation.due": ("publiceras {when}", "published {when}"),
    "moderation.no_held": ("Inga omdömen väntar.", "No reviews waiting."),
    "moderation.history": ("Beslut", "Decisions"),
    "moderation.no_history": ("Inga beslut ännu.", "No decisions yet."),
    "moderation.when": ("När", "When"),
    "moderation.who": ("Vem", "Who"),
    "moderation.what": ("Beslut", "Decision"),
    "moderation.why": ("Motivering", "Reason"),
    "moderation.review": ("Omdöme", "Review"),
    "moderation.outcome.dismissed": ("anmälan avfärdad", "report dismissed"),
    "moderation.outcome.removed": ("borttaget", "removed"),
    "moderation.outcome.published": ("publicerat", "published"),
    "notice.report_dismissed": ("Anmälan är avfärdad.", "The report is dismissed."),
    "notice.report_removed": (
        "Omdömet är borttaget och författaren meddelad.",
        "The review is removed and its author notified.",
    ),
    "notice.review_moderated_publish": ("Omdömet är publicerat.", "The review is published."),
    "notice.review_moderated_remove": (
        "Omdömet är borttaget och författaren meddelad.",
        "The review is removed and its author notified.",
    ),
    # notifications on the "me" page
    "notifications.title": ("Meddelanden", "Messages"),
    "notifications.none": ("Inga meddelanden.", "No messages."),
    "notifications.new": ("Nytt", "New"),
    "notification.review_removed": (
        "Ditt omdöme ({rating} av 5) om {target} har tagits bort av Valbars administratörer. "
        "Motivering: {reason}",
        "Your review ({rating} of 5) of {target} was removed by Valbar's admins. Reason: {reason}",
    ),
}
