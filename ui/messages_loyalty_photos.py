"""UI text of the loyalty photo activities (the seller's page, the sponsor's queue and
image bank), Swedish first and English; merged into ``ui.i18n.MESSAGES``."""

from __future__ import annotations

PHOTO_MESSAGES: dict[str, tuple[str, str]] = {
    "loyalty.kind.photo": ("Fotouppdrag godkänt", "Photo activity approved"),
    "photo.nav": ("Fotouppdrag", "Photo activities"),
    "photo.title": ("Fotouppdrag", "Photo activities"),
    "photo.intro": (
        "Ta en bild med mobilen och skicka in den. Sponsorn granskar bilden; godkänd ger den "
        "poäng. Platsuppgifter och annan metadata tas bort från bilden innan den sparas.",
        "Take a photo with your phone and send it. The sponsor reviews it; approved, it earns "
        "points. Location and other metadata are removed from the photo before it is stored.",
    ),
    "photo.none": ("Inga öppna fotouppdrag just nu.", "No open photo activities right now."),
    "photo.terms": (
        "{points} poäng · öppet till och med {ends}",
        "{points} points · open until and including {ends}",
    ),
    "photo.my_photo": ("Din bild", "Your photo"),
    "photo.status.pending": ("Väntar på granskning", "Waiting for review"),
    "photo.status.approved": ("Godkänd", "Approved"),
    "photo.status.rejected": ("Inte godkänd", "Not approved"),
    "photo.reason": ("Skäl: {reason}", "Reason: {reason}"),
    "photo.choose": ("Bild (ta ett foto eller välj en)", "Photo (take one or choose one)"),
    "photo.help": (
        "JPEG, PNG eller HEIC (iPhone), högst {mb} MB.",
        "JPEG, PNG or HEIC (iPhone), at most {mb} MB.",
    ),
    "photo.send": ("Skicka bilden", "Send the photo"),
    "photo.refused": ("Bilden togs inte emot.", "The photo was not accepted."),
    "photo.err.photo_empty": ("Välj en bild att skicka.", "Choose a photo to send."),
    "photo.err.photo_type": (
        "Filen är ingen bild vi tar emot: skicka ett foto i JPEG, PNG eller HEIC.",
        "The file is not a photo we take: send a JPEG, PNG or HEIC photo.",
    ),
    "photo.err.photo_size": (
        "Bilden är för stor: högst {mb} MB.",
        "The photo is too large: at most {mb} MB.",
    ),
    "photo.err.photo_pixels": (
        "Bilden har för många pixlar: högst {mp} megapixel.",
        "The photo has too many pixels: at most {mp} megapixels.",
    ),
    "photo.err.photo_corrupt": (
        "Bilden gick inte att läsa. Ta en ny och försök igen.",
        "The photo could not be read. Take a new one and try again.",
    ),
    "photo.err.already": (
        "Du har redan skickat en bild till det här uppdraget.",
        "You have already sent a photo for this activity.",
    ),
    "photo.err.closed": ("Uppdraget är inte öppet.", "The activity is not open."),
    "notice.photo_uploaded": (
        "Tack! Bilden är skickad och väntar på granskning.",
        "Thank you! The photo is sent and waits for review.",
    ),
    # the sponsor's (admin's) pages
    "photo.admin_title": ("Fotouppdrag: {programme}", "Photo activities: {programme}"),
    "photo.admin_intro": (
        "Sponsorns fotouppdrag och granskningskön. En bild som nästan liknar en tidigare bild "
        "i programmet flaggas (den visas bredvid); du avgör. Godkänd bild ger poängen en gång "
        "och hamnar i bildbanken.",
        "The sponsor's photo activities and the review queue. A photo that nearly matches an "
        "earlier photo of the programme is flagged (shown beside it); you decide. An approved "
        "photo pays its points once and joins the image bank.",
    ),
    "photo.admin_link": ("Fotouppdrag och bildbank", "Photo activities and image bank"),
    "photo.back": ("Tillbaka till programmet", "Back to the programme"),
    "photo.queue": ("Att granska ({count})", "To review ({count})"),
    "photo.queue_none": ("Inga bilder att granska.", "No photos to review."),
    "photo.by": ("{seller}, {store}, {when}", "{seller}, {store}, {when}"),
    "photo.photo_of": ("Bild till {title}", "Photo for {title}"),
    "photo.duplicate": (
        "Nästan samma bild som bild {id} ({bits} bitar skillnad):",
        "Nearly the same as photo {id} ({bits} bits apart):",
    ),
    "photo.earlier": ("Den tidigare bilden", "The earlier photo"),
    "photo.approve": ("Godkänn ({points} poäng)", "Approve ({points} points)"),
    "photo.reject_reason": ("Skäl", "Reason"),
    "photo.reject": ("Avvisa", "Reject"),
    "photo.activities": ("Uppdrag", "Activities"),
    "photo.activities_none": ("Inga fotouppdrag.", "No photo activities."),
    "photo.activity_line": (
        "{title}: {points} poäng, {starts}–{ends}",
        "{title}: {points} points, {starts}–{ends}",
    ),
    "photo.open": ("öppet", "open"),
    "photo.new_activity": ("Nytt fotouppdrag", "New photo activity"),
    "photo.f_description": ("Beskrivning", "Description"),
    "photo.bank_title": ("Bildbank", "Image bank"),
    "photo.bank_intro": (
        "{count} godkända bilder. Bilder från säljare som raderat sitt konto finns kvar utan namn.",
        "{count} approved photos. Photos of sellers who deleted their account stay, without "
        "a name.",
    ),
    "photo.bank_none": ("Inga godkända bilder ännu.", "No approved photos yet."),
    "photo.to_queue": ("Till granskningskön", "To the review queue"),
    "photo.download": ("Ladda ner", "Download"),
    "photo.pages": ("Sidor", "Pages"),
    "notice.photo_activity_created": ("Fotouppdraget är skapat.", "The photo activity is created."),
    "notice.photo_approved": (
        "Bilden är godkänd och poängen betalda.",
        "The photo is approved and its points paid.",
    ),
    "notice.photo_rejected": ("Bilden är avvisad.", "The photo is rejected."),
    "notice.photo_already_decided": (
        "Bilden var redan granskad.",
        "The photo was reviewed already.",
    ),
}
