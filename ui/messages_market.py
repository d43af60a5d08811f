"""UI text of the marketplace pages (cart, orders, reviews, campaigns, statistics, GDPR),
Swedish first and English; merged into ``ui.i18n.MESSAGES``."""

from __future__ import annotations

MARKET_MESSAGES: dict[str, tuple[str, str]] = {
    "nav.campaigns": ("Kampanjer", "Campaigns"),
    "nav.cart": ("Varukorg", "Cart"),
    "nav.orders": ("Ordrar", "Orders"),
    # notices after an action
    "notice.added": ("Tillagd i varukorgen.", "Added to the cart."),
    "notice.updated": ("Antalet är ändrat.", "Quantity changed."),
    "notice.removed": ("Borttagen ur varukorgen.", "Removed from the cart."),
    "notice.placed": (
        "Beställningen är lagd: en order per återförsäljare.",
        "Order placed: one order per retailer.",
    ),
    "notice.already_placed": (
        "Beställningen var redan lagd – här är den. Inget har beställts två gånger.",
        "The order was already placed – here it is. Nothing was ordered twice.",
    ),
    "notice.delivered": ("Leveransen är bekräftad.", "Delivery confirmed."),
    "notice.cancelled": ("Ordern är avbruten.", "The order is cancelled."),
    "notice.confirmed": ("Ordern är bekräftad.", "The order is confirmed."),
    "notice.shipped": ("Ordern är skickad.", "The order is shipped."),
    "notice.reordered": (
        "Varorna ligger i varukorgen till dagens priser.",
        "The items are in the cart at today's prices.",
    ),
    "notice.rma_requested": (
        "Reklamationen är skickad till återförsäljaren.",
        "The return request was sent to the retailer.",
    ),
    "notice.rma_decided": ("Beslutet är sparat.", "The decision is saved."),
    "notice.rma_resolved": ("Reklamationen är avslutad.", "The return is resolved."),
    "notice.review_published": (
        "Tack! Ditt omdöme är publicerat.",
        "Thank you! Your review is published.",
    ),
    "notice.review_held": (
        "Tack! Omdömen på 2 eller lägre publiceras inte direkt: de går först till "
        "återförsäljaren, som får svara, eller (en produkt utan order) till Valbars moderatorer.",
        "Thank you! Reviews of 2 or below are not published at once: they go to the retailer "
        "first, who may respond, or (a product without an order) to Valbar's moderators.",
    ),
    "notice.review_already_saved": (
        "Ditt omdöme var redan sparat – det har inte sparats två gånger.",
        "Your review was already saved – it was not saved twice.",
    ),
    "notice.responded": ("Svaret är publicerat.", "The response is published."),
    "notice.account_deleted": ("Ditt konto är raderat.", "Your account is deleted."),
    "notice.password_changed": (
        "Lösenordet är bytt. Dina andra inloggningar är avslutade.",
        "The password is changed. Your other sign-ins are ended.",
    ),
    # domain errors
    "market_error.not_allowed": ("Det får du inte göra.", "You may not do that."),
    "market_error.not_found": ("Det finns inte.", "It does not exist."),
    "market_error.invalid": ("Uppgifterna är inte giltiga.", "The input is not valid."),
    "market_error.duplicate_review": (
        "Du har redan lämnat ett omdöme om detta.",
        "You have already reviewed this.",
    ),
    "market_error.empty_cart": ("Varukorgen är tom.", "The cart is empty."),
    "market_error.offer_unavailable": (
        "Erbjudandet går inte längre att köpa.",
        "The offer can no longer be bought.",
    ),
    "market_error.illegal_transition": (
        "Det går inte i orderns nuvarande läge.",
        "Not possible in the order's current state.",
    ),
    "market_error.signup_unconfirmed": (
        "Ansökan kan inte godkännas än: e-postadressen är inte bekräftad.",
        "The sign-up cannot be approved yet: its e-mail address is not confirmed.",
    ),
    "market_error.other": ("Åtgärden misslyckades.", "The action failed."),
    # the detail under the message: a domain error's code (``MarketplaceError.code``) and values
    "error_detail.quantity": (
        "Ange ett antal från 1 till {high}.",
        "Enter a quantity from 1 to {high}.",
    ),
    "error_detail.rating": (
        "Betyget ska vara ett heltal från 1 till 5.",
        "The rating must be a whole number from 1 to 5.",
    ),
    "error_detail.text_length": (
        "Skriv en text på 1 till {high} tecken.",
        "Write a text of 1 to {high} characters.",
    ),
    "error_detail.promised_in_past": (
        "Det utlovade leveransdatumet har redan passerat.",
        "The promised delivery date is in the past.",
    ),
    "error_detail.promised_missing": (
        "Välj ett leveransdatum ni kan hålla.",
        "Choose a delivery date you can keep.",
    ),
    "error_detail.rma_reason_missing": ("Beskriv vad som är fel.", "Say what is wrong."),
    "error_detail.rma_open": (
        "Det finns redan en öppen reklamation för den raden.",
        "A return for that line is already open.",
    ),
    "error_detail.illegal_transition.order": (
        "Ordern har status ”{status}”.",
        "The order's status is “{status}”.",
    ),
    "error_detail.illegal_transition.rma": (
        "Reklamationen har status ”{status}”.",
        "The return's status is “{status}”.",
    ),
    # cart
    "cart.title": ("Varukorg", "Cart"),
    "cart.intro": (
        "En varukorg för alla återförsäljare. Beställningen delas upp per återförsäljare, som "
        "fakturerar och levererar själv.",
        "One cart for every retailer. The order is split per retailer, who invoices and delivers.",
    ),
    "cart.empty": ("Varukorgen är tom.", "The cart is empty."),
    "cart.continue": ("Fortsätt söka", "Continue searching"),
    "cart.add": ("Lägg i varukorg", "Add to cart"),
    "cart.add_from": ("Lägg i varukorg från {retailer}", "Add to cart from {retailer}"),
    "cart.login_to_order": ("Logga in för att beställa", "Log in to order"),
    "cart.item": ("Artikel", "Item"),
    "cart.quantity": ("Antal", "Quantity"),
    "cart.quantity_for": ("Antal av {name}", "Quantity of {name}"),
    "cart.update": ("Ändra", "Update"),
    "cart.remove": ("Ta bort", "Remove"),
    "cart.remove_item": ("Ta bort {name}", "Remove {name}"),
    "cart.line_total": ("Summa", "Total"),
    "cart.retailer_total": ("Summa hos {retailer}", "Total at {retailer}"),
    "cart.changed": ("Pris eller lager har ändrats", "Price or stock has changed"),
    "cart.unavailable": ("Kan inte längre köpas", "Can no longer be bought"),
    "cart.retailer_suspended": (
        "Kan inte köpas: handlaren är avstängd",
        "Cannot be bought: retailer suspended",
    ),
    "cart.split_note": (
        "Blir {n} ordrar, en per återförsäljare.",
        "Becomes {n} orders, one per retailer.",
    ),
    "cart.split_note_one": ("Blir 1 order.", "Becomes 1 order."),
    "cart.to_checkout": ("Till kassan", "Go to checkout"),
    # checkout
    "checkout.title": ("Kassa", "Checkout"),
    "checkout.changed_title": ("Ändrat sedan du lade i varukorgen", "Changed since you added it"),
    "checkout.changed_intro": (
        "Återförsäljaren har ändrat pris eller lagerstatus. Beställningen görs till dagens "
        "villkor först när du har godkänt ändringarna.",
        "The retailer changed the price or stock status. The order is placed on today's terms "
        "only after you accept the changes.",
    ),
    "checkout.cart_changed": (
        "Varukorgen har ändrats sedan sidan visades (i en annan flik eller av ett nytt pris). "
        "Inget är beställt: kontrollera varukorgen nedan och lägg beställningen igen.",
        "The cart changed since this page was shown (in another tab or by a new price). "
        "Nothing was ordered: check the cart below and place the order again.",
    ),
    "checkout.before": ("Förut", "Before"),
    "checkout.now": ("Nu", "Now"),
    "checkout.must_accept": (
        "Godkänn ändringarna för att beställa.",
        "Accept the changes to place the order.",
    ),
    "checkout.accept": (
        "Jag godkänner ändringarna ovan",
        "I accept the changes above",
    ),
    "checkout.summary": ("{n#retailer}", "{n#retailer}"),
    "checkout.items": ("{n#item}", "{n#item}"),
    "checkout.invoice_note": (
        "Varje återförsäljare fakturerar och levererar sin del. Rabatter och bonus gör ni upp "
        "direkt med återförsäljaren.",
        "Each retailer invoices and delivers its part. Discounts and bonuses are settled "
        "directly with the retailer.",
    ),
    "checkout.place": ("Lägg beställning ({n#order})", "Place order ({n#order})"),
    "checkout.back": ("Tillbaka till varukorgen", "Back to the cart"),
    # orders
    "orders.title": ("Ordrar", "Orders"),
    "orders.none": ("Inga ordrar ännu.", "No orders yet."),
    "orders.number": ("Order", "Order"),
    "orders.order": ("Order {id}", "Order {id}"),
    "orders.placed": ("Lagd", "Placed"),
    "orders.total": ("Summa", "Total"),
    "order_status.placed": ("Lagd", "Placed"),
    "order_status.confirmed": ("Bekräftad", "Confirmed"),
    "order_status.shipped": ("Skickad", "Shipped"),
    "order_status.delivered": ("Levererad", "Delivered"),
    "order_status.cancelled": ("Avbruten", "Cancelled"),
    "order.timeline": ("Orderns förlopp", "Order progress"),
    "order.promised": ("Utlovad leverans {date}", "Promised delivery {date}"),
    "order.promised_col": ("Utlovad", "Promised"),
    "order.on_time": ("I tid", "On time"),
    "order.late": ("Försenad", "Late"),
    "order.auto_delivered": (
        "Markerad levererad automatiskt",
        "Marked delivered automatically",
    ),
    "order.overdue": (
        "Utlovat leveransdatum har passerat.",
        "The promised delivery date has passed.",
    ),
    "order.overdue_badge": ("Försenad", "Overdue"),
    "order.late_badge": ("Levererad sent", "Delivered late"),
    "order.invoiced_by": (
        "{retailer} fakturerar och levererar",
        "{retailer} invoices and delivers",
    ),
    "order.lines": ("Orderrader", "Order lines"),
    "order.unit_price": ("Styckpris", "Unit price"),
    "order.backordered": ("Restnoterad", "Backordered"),
    "order.actions": ("Åtgärder", "Actions"),
    "order.confirm_delivery": ("Bekräfta leverans", "Confirm delivery"),
    "order.cancel": ("Avbryt ordern", "Cancel the order"),
    "order.reorder": ("Beställ igen", "Reorder"),
    "order.review_retailer": ("Betygsätt {retailer}", "Review {retailer}"),
    "order.reviewed": (
        "Du har lämnat omdöme om den här ordern.",
        "You have reviewed this order.",
    ),
    "cancel_reason.out_of_stock": ("Slut i lager", "Out of stock"),
    "cancel_reason.clinic_request": ("På klinikens begäran", "At the clinic's request"),
    "cancel_reason.price_error": ("Felaktigt pris", "Price error"),
    "cancel_reason.other": ("Annat", "Other"),
    # returns
    "rma.request": ("Reklamera / returnera", "Complain / return"),
    "rma.reason": ("Vad är fel?", "What is wrong?"),
    "rma.send": ("Skicka till återförsäljaren", "Send to the retailer"),
    "rma.case": ("Reklamation {id}", "Return {id}"),
    "rma_status.requested": ("Inskickad", "Requested"),
    "rma_status.accepted": ("Godkänd", "Accepted"),
    "rma_status.rejected": ("Avslagen", "Rejected"),
    "rma_status.resolved": ("Avslutad", "Resolved"),
    "rma_outcome.refund": ("Återbetalning", "Refund"),
    "rma_outcome.replacement": ("Ersättningsvara", "Replacement"),
    "rma_outcome.repair": ("Reparation", "Repair"),
    "rma_outcome.credit": ("Kreditering", "Credit"),
    # reviews
    "reviews.title": ("Omdömen", "Reviews"),
    "reviews.average": ("{stars} av 5 ({n} omdömen)", "{stars} of 5 ({n} reviews)"),
    "reviews.average_one": ("{stars} av 5 ({n} omdöme)", "{stars} of 5 ({n} review)"),
    "reviews.rules": (
        "Omdömen skrivs av kliniker, med namn och klinik. Alla omdömen på 2 eller lägre hålls "
        "först: återförsäljaren får svara, eller (en produkt utan order) Valbars moderatorer "
        "granskar, innan de publiceras.",
        "Reviews are written by clinics, with name and clinic. Every review of 2 or below is "
        "held first: the retailer may respond, or (a product without an order) Valbar's "
        "moderators check it, before it is published.",
    ),
    "reviews.none": ("Inga omdömen ännu.", "No reviews yet."),
    "reviews.stars": ("{n} av 5", "{n} of 5"),
    "reviews.verified": ("Verifierat köp", "Verified purchase"),
    "reviews.response": ("Återförsäljarens svar", "The retailer's response"),
    "reviews.write": ("Skriv ett omdöme", "Write a review"),
    "reviews.shown_as": ("Visas som {name}, {clinic}", "Shown as {name}, {clinic}"),
    "reviews.rating": ("Betyg (1–5)", "Rating (1–5)"),
    "reviews.dimensions": ("Betyg per område (valfritt)", "Rating per area (optional)"),
    "reviews.order": ("Gäller order", "Concerns order"),
    "reviews.no_order": ("Ingen särskild order", "No particular order"),
    "reviews.text": ("Omdöme", "Review"),
    "reviews.low_note": (
        "Betyg 2 eller lägre publiceras inte direkt: återförsäljaren (eller Valbars moderatorer) "
        "ser det först.",
        "Ratings of 2 or below are not published at once: the retailer (or Valbar's "
        "moderators) sees it first.",
    ),
    "reviews.submit": ("Skicka omdöme", "Submit review"),
    "reviews.login": ("Logga in för att skriva ett omdöme", "Log in to write a review"),
    # campaigns
    "campaigns.title": ("Kampanjer", "Campaigns"),
    "campaigns.intro": (
        "Återförsäljarnas kampanjer och erbjudanden finns bara här. De påverkar aldrig "
        "sökresultat eller rankning.",
        "Retailers' campaigns and offers live only here. They never affect search results or "
        "ranking.",
    ),
    "campaigns.none": ("Inga pågående kampanjer.", "No current campaigns."),
    "campaigns.valid": ("Gäller {start} – {end}", "Valid {start} – {end}"),
    "campaigns.settled": (
        "Rabatter och bonus gör ni upp direkt med återförsäljaren.",
        "Discounts and bonuses are settled directly with the retailer.",
    ),
    # my data
    "notice.unlocked": ("Spärren är hävd.", "The lock is lifted."),
    "me.title": ("Mina uppgifter", "My data"),
    "me.profile": ("Profil", "Profile"),
    "me.name": ("Namn", "Name"),
    "me.clinic": ("Klinik", "Clinic"),
    "me.role": ("Roll", "Role"),
    "role.clinic": ("Klinik", "Clinic"),
    "role.retailer": ("Återförsäljare", "Retailer"),
    "role.merchandiser": ("Merchandiser", "Merchandiser"),
    "role.admin": ("Administratör", "Administrator"),
    "me.export": ("Ladda ner mina uppgifter", "Download my data"),
    "me.export_intro": (
        "Allt Valbar lagrar om dig som en JSON-fil: profil, omdömen, anmälningar, varukorg, "
        "ordrar, reklamationer och API-nycklar (utan hemligheter).",
        "Everything Valbar stores about you as a JSON file: profile, reviews, reports, cart, "
        "orders, returns and API keys (without secrets).",
    ),
    "me.export_button": ("Ladda ner (JSON)", "Download (JSON)"),
    "me.delete": ("Radera mitt konto", "Delete my account"),
    "me.delete_intro": (
        "Kontot, API-nycklar och varukorg raderas. Omdömen ligger kvar som skrivna av "
        '"Tidigare användare". Ordrar finns kvar i återförsäljarens bokföring med klinikens '
        "namn men inte ditt.",
        'The account, API keys and cart are deleted. Reviews stay, shown as by "Former user". '
        "Orders stay in the retailer's books with the clinic's name but not yours.",
    ),
    "me.delete_confirm": (
        "Ja, jag vill radera mitt konto. Det går inte att ångra.",
        "Yes, I want to delete my account. This cannot be undone.",
    ),
    "me.delete_email": ("Skriv din e-postadress för att bekräfta", "Type your e-mail to confirm"),
    "me.delete_failed": (
        "Kryssa i rutan och skriv din e-postadress för att radera.",
        "Tick the box and type your e-mail to delete.",
    ),
    "me.delete_button": ("Radera kontot", "Delete the account"),
    "me.password": ("Byt lösenord", "Change password"),
    "me.password_intro": (
        "Alla dina andra inloggningar avslutas. Dina API-nycklar fortsätter att fungera.",
        "All your other sign-ins are ended. Your API keys keep working.",
    ),
    "me.password_current": ("Nuvarande lösenord", "Current password"),
    "me.password_new": (
        "Nytt lösenord (minst {n} tecken)",
        "New password (at least {n} characters)",
    ),
    "me.password_repeat": ("Upprepa det nya lösenordet", "Repeat the new password"),
    "me.password_button": ("Byt lösenord", "Change password"),
    "me.password_wrong": ("Det nuvarande lösenordet är fel.", "The current password is wrong."),
    "me.password_mismatch": (
        "De två nya lösenorden är inte lika.",
        "The two new passwords differ.",
    ),
    "me.password_weak": (
        "Det nya lösenordet måste ha minst {n} tecken, skilja sig från det nuvarande och "
        "inte vara lätt att gissa (bara siffror, samma få tecken om och om igen, ett vanligt "
        "ord med siffror eller din e-postadress).",
        "The new password must have at least {n} characters, differ from the current one "
        "and not be easily guessed (digits only, the same few characters over and over, a "
        "common word with digits or your e-mail address).",
    ),
    # portal: orders, returns, reviews
    "portal.nav_feeds": ("Sortiment", "Assortment"),
    "portal.nav_orders": ("Ordrar", "Orders"),
    "portal.nav_rma": ("Reklamationer", "Returns"),
    "portal.nav_reviews": ("Omdömen", "Reviews"),
    "portal.nav_stats": ("Statistik", "Statistics"),
    "portal.orders_title": ("Inkommande ordrar", "Incoming orders"),
    "portal.orders_intro": (
        "Bekräfta med ett leveransdatum ni kan hålla: leveransprecision väger tyngst i rankningen.",
        "Confirm with a delivery date you can keep: delivery precision weighs most in the ranking.",
    ),
    "portal.clinic": ("Klinik", "Clinic"),
    "portal.buyer": ("Beställt av {name}, {clinic}", "Ordered by {name}, {clinic}"),
    "portal.shown_stock": ("Visad lagerstatus", "Stock status shown"),
    "portal.confirm_title": ("Bekräfta ordern", "Confirm the order"),
    "portal.promised_date": ("Utlovat leveransdatum", "Promised delivery date"),
    "portal.backordered_lines": ("Restnoterade rader", "Backordered lines"),
    "portal.confirm": ("Bekräfta", "Confirm"),
    "portal.ship": ("Markera som skickad", "Mark as shipped"),
    "portal.cancel_title": ("Avbryt ordern", "Cancel the order"),
    "portal.cancel_reason": ("Orsak", "Reason"),
    "portal.cancel_note": ("Meddelande till kliniken", "Message to the clinic"),
    "portal.cancel": ("Avbryt ordern", "Cancel the order"),
    "portal.rma_title": ("Reklamationer", "Returns"),
    "portal.rma_intro": (
        "Snabba svar och en lösning för kliniken ger bättre RMA-betyg.",
        "Quick answers and a remedy for the clinic give a better RMA score.",
    ),
    "portal.rma_none": ("Inga reklamationer.", "No returns."),
    "portal.rma_note": ("Kommentar", "Note"),
    "portal.rma_accept": ("Godkänn", "Accept"),
    "portal.rma_reject": ("Avslå", "Reject"),
    "portal.rma_outcome": ("Lösning", "Outcome"),
    "portal.rma_resolve": ("Avsluta", "Resolve"),
    "portal.reviews_title": ("Omdömen", "Reviews"),
    "portal.reviews_intro": (
        "Låga omdömen (2 eller lägre) visas här innan de publiceras. Svara, så publiceras "
        "omdömet tillsammans med ert svar.",
        "Low reviews (2 or below) are shown here before they are published. Respond, and the "
        "review is published together with your response.",
    ),
    "portal.held_title": ("Väntar på ert svar ({n})", "Waiting for your response ({n})"),
    "portal.held_none": ("Inga omdömen väntar.", "No reviews are waiting."),
    "portal.held_due": (
        "Publiceras utan svar {date}",
        "Published without a response on {date}",
    ),
    "portal.response": ("Ert svar (visas offentligt)", "Your response (shown publicly)"),
    "portal.respond": ("Svara", "Respond"),
    "portal.published_title": ("Publicerade omdömen", "Published reviews"),
    # statistics
    "stats.title": ("Statistik", "Statistics"),
    "stats.intro": (
        "Vad kliniker efterfrågar just nu, och jämförelserna ni är med i: er plats och vad som "
        "kostade er förstaplatsen.",
        "What clinics are asking for right now, and the comparisons you are part of: your rank "
        "and what cost you the top place.",
    ),
    "stats.period": ("Period", "Period"),
    "stats.days": ("{n} dagar", "{n} days"),
    "stats.show": ("Visa", "Show"),
    "stats.products": (
        "Mest efterfrågade produkter ({n} dagar)",
        "Most demanded products ({n} days)",
    ),
    "stats.groups": (
        "Mest efterfrågade produktgrupper ({n} dagar)",
        "Most demanded product groups ({n} days)",
    ),
    "stats.score_note": (
        "Efterfrågan: sökträff 1, produktvisning 2, lagd i varukorg 4, beställd 8 poäng.",
        "Demand: search hit 1, product view 2, added to cart 4, ordered 8 points.",
    ),
    "stats.points": ("{n} poäng", "{n} points"),
    "stats.no_data": ("Ingen efterfrågan under perioden.", "No demand in the period."),
    "stats.comparisons": ("Jämförelser ni är med i", "Comparisons you are part of"),
    "stats.comparisons_intro": (
        "Produkter där fler återförsäljare har erbjudanden, mest efterfrågade först.",
        "Products other retailers offer too, most demanded first.",
    ),
    "stats.no_comparisons": ("Inga jämförelser ännu.", "No comparisons yet."),
    "stats.product": ("Produkt", "Product"),
    "stats.rank": ("Er plats", "Your rank"),
    "stats.rank_of": ("{rank} av {n}", "{rank} of {n}"),
    "stats.leader": ("Etta", "Leader"),
    "stats.you_lead": ("Ni", "You"),
    "stats.lost_on": ("Förlorar på", "Losing on"),
    "stats.shown": ("Visad", "Shown"),
    "stats.top_shown": ("Visad som etta", "Shown first"),
}
