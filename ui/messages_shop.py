"""UI text of the points shop (the member's shop, the sponsor's catalogue and redemption
queue) and of loyalty's expiry, Swedish first and English; merged into ``ui.i18n.MESSAGES``."""

from __future__ import annotations

SHOP_MESSAGES: dict[str, tuple[str, str]] = {
    "shop.nav": ("Poängbutik", "Points shop"),
    "shop.title": ("Poängbutik: {programme}", "Points shop: {programme}"),
    "shop.intro": (
        "Lös in organisationens poäng mot belöningar. Lägg belöningar i korgen, fyll i "
        "leveransadressen och beställ.",
        "Redeem your organisation's points for rewards. Put rewards in the basket, fill in "
        "the delivery address and order.",
    ),
    "shop.balance": ("Poäng att lösa in: {points}", "Points to redeem: {points}"),
    "shop.balance_own": (
        "Ditt delkonto: {points} poäng",
        "Your sub-account: {points} points",
    ),
    "shop.search": ("Sök belöning", "Search rewards"),
    "shop.category": ("Kategori", "Category"),
    "shop.all_categories": ("Alla kategorier", "All categories"),
    "shop.filter": ("Visa", "Show"),
    "shop.none": ("Inga belöningar matchar.", "No rewards match."),
    "shop.price": ("{points#point}", "{points#point}"),
    "shop.stock": ("{stock} kvar", "{stock} left"),
    "shop.add": ("Lägg i korgen", "Add to basket"),
    "shop.basket": ("Korg", "Basket"),
    "shop.basket_empty": ("Korgen är tom.", "The basket is empty."),
    "shop.quantity": ("Antal", "Quantity"),
    "shop.update": ("Ändra", "Change"),
    "shop.total": ("Summa: {points#point}", "Total: {points#point}"),
    "shop.checkout": ("Beställ", "Order"),
    "shop.delivery_name": ("Mottagare", "Recipient"),
    "shop.delivery_address": ("Adress", "Address"),
    "shop.delivery_postcode": ("Postnummer", "Postcode"),
    "shop.delivery_city": ("Ort", "City"),
    "shop.delivery_email": ("E-post (valfri)", "E-mail (optional)"),
    "shop.orders": ("Mina uttag", "My redemptions"),
    "shop.orders_none": ("Inga uttag ännu.", "No redemptions yet."),
    "shop.col_order": ("Uttag", "Redemption"),
    "shop.col_placed": ("Beställt", "Ordered"),
    "shop.col_rewards": ("Belöningar", "Rewards"),
    "shop.col_points": ("Poäng", "Points"),
    "shop.col_status": ("Status", "Status"),
    "shop.status.placed": ("Beställd", "Placed"),
    "shop.status.fulfilled": ("Levererad", "Fulfilled"),
    "shop.status.cancelled": ("Avbruten (poängen återförda)", "Cancelled (points refunded)"),
    "shop.policy": ("Vem löser in", "Who redeems"),
    "shop.policy.entity": (
        "Bara organisationen (företrädaren), av organisationens poäng",
        "Only the organisation (the representative), from the organisation's points",
    ),
    "shop.policy.sellers": (
        "Varje säljare av sina egna intjänade poäng",
        "Each seller from the points they earned",
    ),
    "shop.policy_save": ("Spara", "Save"),
    "shop.policy_entity_only": (
        "Organisationen löser in poängen; din företrädare beställer.",
        "Your organisation redeems its points; your representative orders.",
    ),
    "shop.statement": ("Förmånsunderlag {year} (CSV)", "Benefit statement {year} (CSV)"),
    "shop.done.added": ("Korgen är uppdaterad.", "The basket is updated."),
    "shop.done.redeemed": ("Tack! Uttaget är beställt.", "Thank you! The redemption is placed."),
    "shop.done.policy": ("Inställningen är sparad.", "The setting is saved."),
    "shop.done.created": ("Belöningen är tillagd.", "The reward is added."),
    "shop.done.updated": ("Belöningen är ändrad.", "The reward is changed."),
    "shop.done.fulfilled": ("Uttaget är markerat som levererat.", "The redemption is fulfilled."),
    "shop.done.cancelled": (
        "Uttaget är avbrutet och poängen återförda.",
        "The redemption is cancelled and its points refunded.",
    ),
    "shop.error.points": (
        "Poängen räcker inte till korgen.",
        "There are not enough points for the basket.",
    ),
    "shop.error.stock": (
        "En belöning i korgen finns inte kvar i det antalet.",
        "A reward in the basket is not left in that quantity.",
    ),
    "shop.error.state": ("Uttaget är redan hanterat.", "The redemption is handled already."),
    "shop.error.exists": (
        "Programmet har redan en belöning med det namnet.",
        "The programme has a reward of that name already.",
    ),
    "shop.error.field": (
        "Kontrollera fältet {field}: {detail}",
        "Check the field {field}: {detail}",
    ),
    "shop.error.denied": ("Det får du inte göra här.", "You may not do that here."),
    # a refused field, told in words (``shop.field.<field>``)
    "shop.field.delivery_name": (
        "Mottagare: 1–200 tecken på en rad.",
        "Recipient: 1-200 characters on one line.",
    ),
    "shop.field.delivery_address": (
        "Adress: 1–300 tecken på en rad.",
        "Address: 1-300 characters on one line.",
    ),
    "shop.field.delivery_postcode": (
        "Postnummer: fem siffror, t.ex. 123 45.",
        "Postcode: five digits, e.g. 123 45.",
    ),
    "shop.field.delivery_city": (
        "Ort: 1–100 tecken på en rad.",
        "City: 1-100 characters on one line.",
    ),
    "shop.field.delivery_email": (
        "E-post: en giltig e-postadress, eller lämna fältet tomt.",
        "E-mail: a valid e-mail address, or leave the field empty.",
    ),
    "shop.field.basket": (
        "Korgen är tom: lägg en belöning i korgen först.",
        "The basket is empty: put a reward in it first.",
    ),
    "shop.field.name": ("Namn: 1–200 tecken.", "Name: 1-200 characters."),
    "shop.field.category": ("Kategori: 1–100 tecken.", "Category: 1-100 characters."),
    "shop.field.description": (
        "Beskrivning: högst 5 000 tecken.",
        "Description: at most 5,000 characters.",
    ),
    "shop.field.picture_url": (
        "Bildadress: en sökväg på den här webbplatsen (börjar med /), högst 500 tecken. "
        "Bilder från andra webbplatser blockeras: ladda upp bilden i stället.",
        "Picture address: a path on this site (starting with /), at most 500 characters. "
        "Pictures from other sites are blocked: upload the picture instead.",
    ),
    "shop.field.price_points": (
        "Pris i poäng: 1–10 000 000.",
        "Price in points: 1-10,000,000.",
    ),
    "shop.field.stock": ("Lager: 0–1 000 000.", "Stock: 0-1,000,000."),
    "shop.field.reason": (
        "Skäl: 1–1 000 tecken.",
        "Reason: 1-1,000 characters.",
    ),
    # the sponsor (admin)
    "sponsor.title": ("Poängbutik (sponsor): {programme}", "Points shop (sponsor): {programme}"),
    "sponsor.liability": ("Skuld och inlöst värde", "Liability and redeemed value"),
    "sponsor.outstanding": (
        "Utestående poäng: {points} (värde {value})",
        "Outstanding points: {points} (worth {value})",
    ),
    "sponsor.redeemed": (
        "Inlösta poäng: {points} (värde {value})",
        "Redeemed points: {points} (worth {value})",
    ),
    "sponsor.expired": ("Förfallna poäng: {points}", "Expired points: {points}"),
    "sponsor.catalogue": ("Belöningar", "Rewards"),
    "sponsor.new_reward": ("Ny belöning", "New reward"),
    "sponsor.name": ("Namn", "Name"),
    "sponsor.description": ("Beskrivning", "Description"),
    "sponsor.picture_url": ("Bildadress (URL)", "Picture URL"),
    "sponsor.picture": (
        "Bild (JPEG, PNG eller HEIC; ersätter den nuvarande)",
        "Picture (JPEG, PNG or HEIC; replaces the current one)",
    ),
    "sponsor.price_points": ("Pris i poäng", "Price in points"),
    "sponsor.stock": ("Lager", "Stock"),
    "sponsor.active": ("Aktiv", "Active"),
    "sponsor.save": ("Spara", "Save"),
    "sponsor.queue": ("Uttag att hantera", "Redemptions to handle"),
    "sponsor.queue_none": ("Inga uttag väntar.", "No redemptions are waiting."),
    "sponsor.deliver_to": ("Leverans", "Delivery"),
    "sponsor.fulfil": ("Markera levererad", "Mark fulfilled"),
    "sponsor.cancel": ("Avbryt och återför poäng", "Cancel and refund"),
    "sponsor.reason": ("Anledning", "Reason"),
    "sponsor.programmes": ("Lojalitetsprogram", "Loyalty programmes"),
    # entries and notifications of the shop and expiry
    "loyalty.kind.expiry": ("Förfallna poäng", "Points expired"),
    "loyalty.kind.refund": ("Återförda poäng (avbrutet uttag)", "Points refunded (cancelled)"),
    "notification.loyalty_points_expiring": (
        "{points#point} i {programme} förfaller senast {expires_by}. Lös in dem i poängbutiken.",
        "Points in {programme} expire by {expires_by}: {points#point}. Redeem them in the "
        "points shop.",
    ),
}
