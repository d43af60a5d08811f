"""UI text of the retailer portal's self-service pages (the presentation page, campaigns)
and of a feed run's progress, Swedish first and English; merged into ``ui.i18n.MESSAGES``."""

from __future__ import annotations

from marketplace.campaign_messages import CAMPAIGN_MESSAGES

PORTAL_MESSAGES: dict[str, tuple[str, str]] = {
    # a feed run's phase while it runs (indexer.run_progress.PHASES)
    "phase.read": (
        "Läser och kontrollerar rader: {done} lästa",
        "Reading and checking rows: {done} read",
    ),
    "phase.match": ("Matchar {done} av {total} rader", "Matching {done} of {total} rows"),
    "phase.store": ("Sparar {done} av {total} rader", "Saving {done} of {total} rows"),
    "phase.index": (
        "Uppdaterar sökindexet med {total} produkter",
        "Updating the search index with {total} products",
    ),
    # the upload itself, before the run (static/portal_upload.js)
    "upload.label": ("Uppladdning", "Upload"),
    "upload.sending": ("Skickar filen …", "Sending the file …"),
    "upload.reading": (
        "Filen är skickad; servern läser den …",
        "The file is sent; the server is reading it …",
    ),
    "upload.sent": ("{sent} av {total} skickade", "{sent} of {total} sent"),
    "upload.failed": (
        "Filen kunde inte skickas; försök igen.",
        "The file could not be sent; try again.",
    ),
    # notices after a redirect
    "notice.profile_saved": ("Presentationen är sparad.", "The presentation is saved."),
    "notice.logo_saved": ("Logotypen är sparad.", "The logo is saved."),
    "notice.logo_removed": ("Logotypen är borttagen.", "The logo is removed."),
    "notice.campaign_created": ("Kampanjen är skapad.", "The campaign is created."),
    "notice.campaign_ended": ("Kampanjen är avslutad.", "The campaign has ended."),
    # the portal's navigation
    "portal.nav_profile": ("Presentation", "Presentation"),
    "portal.nav_campaigns": ("Kampanjer", "Campaigns"),
    # the presentation page form
    "profile.title": ("Presentationssida", "Presentation page"),
    "profile.intro": (
        "Det här visas på er offentliga sida för kliniker: text, logotyp, video, kontakt och "
        "leveransvillkor.",
        "This is shown on your public page for clinics: text, logo, video, contact and "
        "delivery terms.",
    ),
    "profile.view_public": ("Visa den offentliga sidan", "View the public page"),
    "profile.read_only": (
        "Endast företrädaren kan ändra presentationen. Du ser den som den är.",
        "Only the representative can change the presentation. You see it as it is.",
    ),
    "profile.text_section": ("Text", "Text"),
    "profile.presentation": ("Presentation", "Presentation"),
    "profile.presentation_hint": (
        "Vanlig text; en tom rad börjar ett nytt stycke. Högst {n} tecken.",
        "Plain text; a blank line starts a new paragraph. At most {n} characters.",
    ),
    "profile.video_url": ("Videolänk (YouTube eller Vimeo)", "Video link (YouTube or Vimeo)"),
    "profile.video_hint": (
        "Till exempel https://www.youtube.com/watch?v=… eller https://vimeo.com/…",
        "For example https://www.youtube.com/watch?v=… or https://vimeo.com/…",
    ),
    "profile.contact_section": ("Kontakt", "Contact"),
    "profile.contact_email": ("E-post", "E-mail"),
    "profile.contact_phone": ("Telefon", "Phone"),
    "profile.website": ("Webbplats", "Website"),
    "profile.delivery_section": ("Leveransvillkor", "Delivery terms"),
    "profile.free_shipping_from": (
        "Fri frakt från (kr exkl. moms)",
        "Free shipping from (SEK excl. VAT)",
    ),
    "profile.delivery_days": ("Leveranstid (arbetsdagar)", "Delivery time (working days)"),
    "profile.return_terms": ("Returvillkor", "Return terms"),
    "profile.save": ("Spara presentationen", "Save the presentation"),
    "profile.logo_section": ("Logotyp", "Logo"),
    "profile.logo_hint": (
        "PNG, JPEG eller WebP, högst 512 kB och 2048 × 2048 bildpunkter.",
        "PNG, JPEG or WebP, at most 512 kB and 2048 × 2048 pixels.",
    ),
    "profile.logo_file": ("Logotypfil", "Logo file"),
    "profile.logo_upload": ("Ladda upp logotypen", "Upload the logo"),
    "profile.logo_remove": ("Ta bort logotypen", "Remove the logo"),
    "profile.logo_current": ("Nuvarande logotyp", "Current logo"),
    "profile.no_logo": ("Ingen logotyp ännu.", "No logo yet."),
    "profile.errors": (
        "Presentationen sparades inte: rätta fälten nedan.",
        "The presentation was not saved: correct the fields below.",
    ),
    # why a value is not accepted (marketplace.retailer_profile.FieldError codes)
    "profile_error.too_long": (
        "För lång: {length} tecken, högst {limit}.",
        "Too long: {length} characters, at most {limit}.",
    ),
    "profile_error.too_many_paragraphs": (
        "Högst {limit} stycken.",
        "At most {limit} paragraphs.",
    ),
    "profile_error.video_host": (
        "Bara videor på YouTube eller Vimeo kan visas; länken går till en annan webbplats.",
        "Only videos on YouTube or Vimeo can be shown; the link goes to another site.",
    ),
    "profile_error.video_id": (
        "Länken pekar inte på en enskild video på YouTube eller Vimeo.",
        "The link does not point to a single video on YouTube or Vimeo.",
    ),
    "profile_error.video_url": (
        "Inte en giltig webbadress (https://…).",
        "Not a valid web address (https://…).",
    ),
    "profile_error.website": (
        "Inte en giltig webbadress (https://…).",
        "Not a valid web address (https://…).",
    ),
    "profile_error.email": ("Inte en giltig e-postadress.", "Not a valid e-mail address."),
    "profile_error.phone": (
        "Inte ett giltigt telefonnummer (siffror, mellanslag, +, - och parenteser).",
        "Not a valid phone number (digits, spaces, +, - and parentheses).",
    ),
    "profile_error.amount": (
        "Ett belopp i kronor mellan 0 och {limit}.",
        "An amount in SEK between 0 and {limit}.",
    ),
    "profile_error.days": (
        "Ett helt antal dagar mellan 0 och {limit}.",
        "A whole number of days between 0 and {limit}.",
    ),
    "profile_error.logo_type": (
        "Filen är inte en PNG-, JPEG- eller WebP-bild (SVG och andra format tas inte emot).",
        "The file is not a PNG, JPEG or WebP image (SVG and other formats are not accepted).",
    ),
    "profile_error.logo_size": ("Filen är större än 512 kB.", "The file is larger than 512 kB."),
    "profile_error.logo_pixels": (
        "Bilden är {width} × {height} bildpunkter; den ska vara {least} till {most} bred och hög.",
        "The image is {width} × {height} pixels; it must be {least} to {most} wide and high.",
    ),
    "profile_error.logo_empty": ("Välj en bildfil.", "Choose an image file."),
    "error_detail.representative_only": (
        "Endast företrädaren kan ändra presentationssidan.",
        "Only the representative can change the presentation page.",
    ),
    # the public retailer page's new parts
    "retailer.logo": ("{name}s logotyp", "{name}'s logo"),
    "retailer.video_title": ("Video från {name}", "Video from {name}"),
    "retailer.contact": ("Kontakt", "Contact"),
    "retailer.delivery_terms": ("Leveransvillkor", "Delivery terms"),
    "retailer.free_shipping_from": (
        "Fri frakt från {amount} exkl. moms",
        "Free shipping from {amount} excl. VAT",
    ),
    "retailer.delivery_days": (
        "Leverans normalt inom {n} arbetsdagar",
        "Delivery usually within {n} working days",
    ),
    "retailer.delivery_days_one": (
        "Leverans normalt inom 1 arbetsdag",
        "Delivery usually within 1 working day",
    ),
    "retailer.return_terms": ("Returvillkor", "Return terms"),
    # campaigns in the portal
    "pcampaigns.title": ("Kampanjer", "Campaigns"),
    "pcampaigns.intro": (
        "Kampanjer visas bara i kampanjavdelningen som kliniken själv öppnar, aldrig i "
        "sökresultat eller rankning.",
        "Campaigns are shown only in the campaigns section the clinic opens itself, never "
        "in search results or ranking.",
    ),
    "pcampaigns.new": ("Ny kampanj", "New campaign"),
    "pcampaigns.field_title": ("Rubrik", "Title"),
    "pcampaigns.field_text": ("Text", "Text"),
    "pcampaigns.field_skus": ("Artikelnummer (era)", "Article numbers (yours)"),
    "pcampaigns.skus_hint": (
        "Ett per rad eller kommaseparerade; produkterna som era erbjudanden är kopplade till.",
        "One per line or comma-separated; the products your offers are linked to.",
    ),
    "pcampaigns.valid_from": ("Första dag", "First day"),
    "pcampaigns.valid_to": ("Sista dag", "Last day"),
    "pcampaigns.create": ("Skapa kampanjen", "Create the campaign"),
    "pcampaigns.list": ("Era kampanjer", "Your campaigns"),
    "pcampaigns.none": ("Inga kampanjer ännu.", "No campaigns yet."),
    "pcampaigns.period": ("{start} – {end}", "{start} – {end}"),
    "pcampaigns.state.active": ("pågår", "running"),
    "pcampaigns.state.coming": ("kommande", "coming"),
    "pcampaigns.state.ended": ("avslutad", "ended"),
    "pcampaigns.end": ("Avsluta nu", "End now"),
    "pcampaigns.errors": (
        "Kampanjen skapades inte: rätta fältet nedan.",
        "The campaign was not created: correct the field below.",
    ),
    "pcampaigns.products": ("Produkter", "Products"),
    # why a campaign is not accepted: the domain's codes (worded with the API in
    # marketplace.campaign_messages) and the form's own
    **{f"error_detail.{code}": pair for code, pair in CAMPAIGN_MESSAGES.items()},
    "error_detail.campaign_date": ("Ange ett datum (ÅÅÅÅ-MM-DD).", "Give a date (YYYY-MM-DD)."),
}
