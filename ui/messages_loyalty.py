"""UI text of the loyalty pages ("Mina poäng"), Swedish first and English; merged into
``ui.i18n.MESSAGES``."""

from __future__ import annotations

LOYALTY_MESSAGES: dict[str, tuple[str, str]] = {
    "loyalty.nav": ("Mina poäng", "My points"),
    "loyalty.title": ("Mina poäng", "My points"),
    "loyalty.intro": (
        "Poäng för försäljning genom Valbar i de lojalitetsprogram din organisation är medlem "
        "i. Poängen ägs av organisationen; det du har tjänat själv syns på ditt delkonto.",
        "Points for sales through Valbar in the loyalty programmes your organisation is a "
        "member of. The organisation owns the points; what you earned yourself shows on your "
        "sub-account.",
    ),
    "loyalty.none": (
        "Din organisation är inte medlem i något lojalitetsprogram ännu.",
        "Your organisation is not a member of any loyalty programme yet.",
    ),
    "loyalty.sponsor": ("Sponsor: {sponsor}", "Sponsor: {sponsor}"),
    "loyalty.rate": (
        "{rate#point} per krona · en poäng är värd {ore} öre · poängen gäller {months#month}",
        "{rate#point} per krona · a point is worth {ore} öre · points last {months#month}",
    ),
    "loyalty.member_points": ("Organisationens poäng", "The organisation's points"),
    "loyalty.member_value": ("värde {value}", "worth {value}"),
    "loyalty.member_own": (
        "varav ej knutna till en säljare: {points}",
        "of which not tied to a seller: {points}",
    ),
    "loyalty.my_points": ("Mitt delkonto", "My sub-account"),
    "loyalty.representative_own": (
        "Som företrädare har du inget eget delkonto: du ser och löser in organisationens poäng.",
        "As the representative you have no sub-account of your own: you see and redeem the "
        "organisation's points.",
    ),
    "loyalty.not_invited": (
        "Du deltar inte. Be din organisations företrädare att bjuda in dig.",
        "You do not take part. Ask your organisation's representative to invite you.",
    ),
    "loyalty.invited": (
        "Du är inbjuden men har inte godkänt deltagarvillkoren ({version}).",
        "You are invited but have not accepted the participant terms ({version}).",
    ),
    "loyalty.accept_terms": (
        "Godkänn deltagarvillkoren och börja samla poäng",
        "Accept the participant terms and start earning points",
    ),
    "loyalty.joinable": ("Program att gå med i", "Programmes to join"),
    "loyalty.join_terms": (
        "Som företrädare godkänner du medlemsvillkoren ({version}) för organisationen. "
        "Poängen tillhör organisationen.",
        "As the representative you accept the member terms ({version}) for the "
        "organisation. The points belong to the organisation.",
    ),
    "loyalty.accept_member_terms": (
        "Godkänn medlemsvillkoren för {name}",
        "Accept the member terms of {name}",
    ),
    "loyalty.team": ("Deltagare", "Participants"),
    "loyalty.team_none": (
        "Organisationen har inga fler användare att bjuda in.",
        "The organisation has no more users to invite.",
    ),
    "loyalty.team_taking_part": ("deltar", "takes part"),
    "loyalty.team_invited": ("inbjuden, har inte godkänt villkoren", "invited, terms not accepted"),
    "loyalty.invite": ("Bjud in {name}", "Invite {name}"),
    "notice.member_terms_accepted": (
        "Organisationen är medlem. Bjud in era säljare nedan.",
        "The organisation is a member. Invite your sellers below.",
    ),
    "notice.seller_invited": (
        "Inbjudan skickad. Säljaren godkänner deltagarvillkoren under Mina poäng.",
        "Invitation sent. The seller accepts the participant terms under My points.",
    ),
    "notice.participant_terms_accepted": (
        "Du har godkänt deltagarvillkoren och samlar nu poäng.",
        "You have accepted the participant terms and now earn points.",
    ),
    "loyalty.history": ("Historik", "History"),
    "loyalty.history_none": ("Inga poänghändelser ännu.", "No points movements yet."),
    "loyalty.col_when": ("Datum", "Date"),
    "loyalty.col_what": ("Händelse", "Event"),
    "loyalty.col_order": ("Order", "Order"),
    "loyalty.col_points": ("Poäng", "Points"),
    "loyalty.kind.sale": ("Försäljning levererad", "Sale delivered"),
    "loyalty.kind.clawback": ("Återtagna poäng", "Points reversed"),
    "loyalty.kind.redemption": ("Inlösen", "Redemption"),
    "loyalty.kind.adjustment": ("Justering", "Adjustment"),
    "loyalty.not_retailer": (
        "Lojalitetspoäng gäller medlemmar i en återförsäljares organisation.",
        "Loyalty points are for the members of a retailer organisation.",
    ),
}
