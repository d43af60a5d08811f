"""UI text of price history, price watches and the retailer's price statistics
(key -> (Swedish, English), merged into ``ui.i18n``)."""

from __future__ import annotations

HISTORY_MESSAGES: dict[str, tuple[str, str]] = {
    "history.title": ("Prishistorik", "Price history"),
    "history.intro": (
        "Lägsta köpbara pris per dag (i lager eller restnoterad med leveranstid) och varje "
        "handlares pris.",
        "The lowest buyable price per day (in stock, or on backorder with a delivery time) "
        "and each retailer's price.",
    ),
    "history.period": ("Period", "Period"),
    "history.days": ("{n} dagar", "{n} days"),
    "history.show": ("Visa", "Show"),
    "history.chart_title": (
        "Prishistorik för {product}, {n} dagar",
        "Price history of {product}, {n} days",
    ),
    "history.desc": (
        "Linjediagram över {n} dagar. Lägsta köpbara pris låg mellan {low} och {high}; "
        "nu {now}. Samma siffror finns i tabellen.",
        "Line chart over {n} days. The lowest buyable price was between {low} and {high}; "
        "now {now}. The table has the same numbers.",
    ),
    "history.lowest_line": ("Lägsta köpbara pris", "Lowest buyable price"),
    "history.lowest_in": ("Lägsta på {n} dagar", "Lowest in {n} days"),
    "history.above_low": (
        "{share} % över lägsta på {n} dagar ({low})",
        "{share}% above the lowest in {n} days ({low})",
    ),
    "history.no_data": ("Ingen prishistorik ännu.", "No price history yet."),
    "history.as_table": ("Visa som tabell", "Show as a table"),
    "history.day": ("Dag", "Day"),
    # watches
    "watch.title": ("Bevaka produkten", "Watch this product"),
    "watch.intro": (
        "Få en notis (och e-post om du valt det) när något av detta händer. Varje bevakning "
        "hör av sig en gång per gång det inträffar.",
        "Get a notification (and e-mail if you chose so) when any of this happens. Each watch "
        "tells you once each time it happens.",
    ),
    "watch.target": ("Lägsta pris under (kr)", "Lowest price below (SEK)"),
    "watch.back_in_stock": ("Finns i lager igen", "Back in stock"),
    "watch.retailer": ("Säljs av handlare", "Listed by retailer"),
    "watch.any_retailer": ("– ingen vald –", "– none chosen –"),
    "watch.save": ("Bevaka", "Watch"),
    "watch.update": ("Ändra bevakning", "Change watch"),
    "watch.remove": ("Sluta bevaka", "Stop watching"),
    "watch.active": ("Du bevakar produkten.", "You watch this product."),
    "watch.login": (
        "Logga in som klinik för att bevaka priset.",
        "Sign in as a clinic to watch the price.",
    ),
    "watch.list_title": ("Mina bevakningar", "My watches"),
    "watch.list_intro": (
        "Produkter du bevakar. Ändra eller ta bort en bevakning på produktsidan.",
        "Products you watch. Change or remove a watch on the product page.",
    ),
    "watch.none": ("Du bevakar inga produkter ännu.", "You watch no products yet."),
    "watch.product": ("Produkt", "Product"),
    "watch.conditions": ("Bevakar", "Watching for"),
    "watch.lowest_now": ("Lägsta pris nu", "Lowest price now"),
    "watch.cond_target": ("under {price}", "below {price}"),
    "watch.cond_stock": ("i lager igen", "back in stock"),
    "watch.cond_retailer": ("säljs av {retailer}", "listed by {retailer}"),
    "watch.below_now": ("Under målet nu", "Below target now"),
    "nav.watches": ("Bevakningar", "Watches"),
    "notice.watch_saved": ("Bevakningen är sparad.", "The watch is saved."),
    "notice.watch_removed": ("Bevakningen är borttagen.", "The watch is removed."),
    "error_detail.watch_empty": (
        "Välj ett målpris, ”i lager igen” eller en handlare att bevaka.",
        "Choose a target price, “back in stock” or a retailer to watch for.",
    ),
    "error_detail.target_price": (
        "Målpriset måste vara ett belopp över 0 kr.",
        "The target price must be an amount above SEK 0.",
    ),
    "error_detail.watch_limit": (
        "Du kan bevaka högst {limit} produkter.",
        "You can watch at most {limit} products.",
    ),
    "error_detail.days": (
        "Antalet dagar måste vara mellan 1 och {high}.",
        "The number of days must be within 1 and {high}.",
    ),
    "error_detail.retailer_unknown": (
        "Handlaren {slug} finns inte.",
        "There is no retailer {slug}.",
    ),
    # retailer statistics
    "stats.prices": ("Mitt pris mot lägsta pris", "My price vs the lowest price"),
    "stats.prices_intro": (
        "Dina mest visade produkter de senaste {n} dagarna: ditt pris per dag mot det lägsta "
        "köpbara priset hos alla handlare.",
        "Your most shown products over the last {n} days: your price per day against the "
        "lowest buyable price of all retailers.",
    ),
    "stats.my_price": ("Mitt pris", "My price"),
    "stats.no_prices": (
        "Inga produkter med prishistorik ännu.",
        "No products with a price history yet.",
    ),
}
