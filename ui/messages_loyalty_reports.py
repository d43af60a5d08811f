"""UI text of the sponsor's loyalty reports (``/admin/lojalitet/<id>/rapporter``), Swedish
first and English; merged into ``ui.i18n.MESSAGES``."""

from __future__ import annotations

REPORT_MESSAGES: dict[str, tuple[str, str]] = {
    "report.nav": ("Rapporter", "Reports"),
    "report.home_title": ("Lojalitetsprogram", "Loyalty programmes"),
    "report.home_text": (
        "Kampanjer, kunskapstest, poängbutiken och sponsorns rapporter: poäng, kostnad per "
        "aktivitet och kampanjernas försäljning.",
        "Campaigns, quizzes, the points shop and the sponsor's reports: points, cost per "
        "activity and the campaigns' sales.",
    ),
    "report.title": ("Rapporter: {programme}", "Reports: {programme}"),
    "report.intro": (
        "Poäng som delats ut, lösts in, förfallit och som medlemmarna har kvar, månad för "
        "månad; vad varje aktivitet kostat; och försäljningen av kampanjprodukter under "
        "kampanjen jämfört med lika lång tid före. Ett poäng är värt {ore} öre.",
        "Points issued, redeemed, expired and still held by the members, month by month; "
        "what each activity cost; and the sales of campaign products during the campaign "
        "against the same length of time before it. A point is worth {ore} öre.",
    ),
    "report.programmes": ("Program", "Programmes"),
    "report.period": ("Period", "Period"),
    "report.months": ("{n} månader", "{n} months"),
    "report.months_one": ("1 månad", "1 month"),
    "report.show": ("Visa", "Show"),
    "report.download": ("Ladda ner (CSV)", "Download (CSV)"),
    "report.no_data": ("Inga poäng under perioden.", "No points in the period."),
    "report.unit_sek": ("{n} kr", "SEK {n}"),
    "report.unit_points": ("{n} poäng", "{n} points"),
    "report.unit_points_one": ("1 poäng", "1 point"),
    # points per month
    "report.flows": ("Poäng per månad", "Points per month"),
    "report.chart_liability": (
        "Utestående poängskuld vid månadens slut (kr)",
        "Outstanding liability at the month's end (SEK)",
    ),
    "report.chart_issued": ("Utdelade poäng per månad", "Points issued per month"),
    "report.col_month": ("Månad", "Month"),
    "report.col_issued": ("Utdelat", "Issued"),
    "report.col_clawed_back": ("Återtaget", "Clawed back"),
    "report.col_redeemed": ("Inlöst", "Redeemed"),
    "report.col_expired": ("Förfallet", "Expired"),
    "report.col_outstanding": ("Utestående", "Outstanding"),
    "report.col_liability": ("Skuld", "Liability"),
    "report.flows_caption": (
        "Poäng per månad (inlöst: efter återförda uttag)",
        "Points per month (redeemed: less refunds)",
    ),
    # cost per activity
    "report.activities": ("Kostnad per aktivitet", "Cost per activity"),
    "report.activities_intro": (
        "Vad sponsorns budget betalat under perioden, efter återtag. Kampanjbonus är de "
        "poäng en kampanj gav utöver försäljningens egna.",
        "What the sponsor's budget paid in the period, after clawbacks. The campaign bonus is "
        "the points a campaign gave above a sale's own.",
    ),
    "report.chart_activities": ("Kostnad per aktivitet (kr)", "Cost per activity (SEK)"),
    "report.col_activity": ("Aktivitet", "Activity"),
    "report.col_points": ("Poäng", "Points"),
    "report.col_cost": ("Kostnad", "Cost"),
    "report.activity.sale": ("Försäljning", "Sales"),
    "report.activity.campaign_bonus": ("Kampanjbonus", "Campaign bonus"),
    "report.activity.quiz": ("Kunskapstest", "Quizzes"),
    "report.activity.bonus": ("Månadens säljare och butik", "Seller and store of the month"),
    "report.activity.adjustment": ("Justeringar", "Adjustments"),
    # campaigns
    "report.campaigns": (
        "Kampanjer: försäljning före och under",
        "Campaigns: sales before and during",
    ),
    "report.campaigns_intro": (
        "Levererade orderrader från medlemmarna på kampanjens produkter, under kampanjen "
        "(till i dag för en pågående) och lika lång tid före den.",
        "Delivered order lines of the members on the campaign's products, during the campaign "
        "(up to today while it runs) and the same length of time before it.",
    ),
    "report.campaigns_none": ("Inga kampanjer har startat.", "No campaign has started."),
    "report.chart_campaigns": (
        "Försäljning av kampanjprodukter före och under (kr)",
        "Sales of campaign products before and during (SEK)",
    ),
    "report.bar_before": ("{name} – före", "{name} – before"),
    "report.bar_during": ("{name} – under", "{name} – during"),
    "report.col_campaign": ("Kampanj", "Campaign"),
    "report.col_window": ("Period", "Period"),
    "report.col_before": ("Före", "Before"),
    "report.col_during": ("Under", "During"),
    "report.col_change": ("Förändring", "Change"),
    "report.lines": ("{n} rader", "{n} lines"),
    "report.lines_one": ("1 rad", "1 line"),
    "report.running": ("pågår", "running"),
    "loyalty.kind.seller_left": ("Från säljare som slutat", "From a seller who left"),
}
