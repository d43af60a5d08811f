"""Swedish feed-run messages (the API's ``Accept-Language: sv`` and the portal).

Values quoted from the file or from a parser (an XML or JSON error) stay as written.
"""

from __future__ import annotations

from ranking.messages.catalog import Catalog

_NOTHING = "; inget ändrades"
_CUT = "; har filen klippts av?"
_UNSUPPORTED = "formatet stöds inte: "
_UTF8 = "byte som inte är giltig UTF-8 ersattes med \ufffd"

MESSAGES: dict[str, str] = {
    "where.file": "{file}: ",
    "where.row": "{file}, rad {row}: ",
    "run.memory_limit": "filen krävde mer minne än gränsen {limit}" + _NOTHING,
    "run.time_limit": "körningen tog längre tid än gränsen {limit}" + _NOTHING,
    "run.cancelled": "avbruten på begäran" + _NOTHING,
    "run.process_died": "processen som körde flödet avslutades oväntat ({@how})" + _NOTHING,
    "how.signal": "stoppad av signalen {signal}",
    "how.signal_number": "stoppad av signal {signal}",
    "how.exit_code": "slutkod {exit_code}",
    "run.lease_expired": "processen som körde flödet slutade svara (försök {attempts})" + _NOTHING,
    "run.requeued_lease": "i kö igen: processen som körde flödet slutade svara",
    "run.requeued_restart": "i kö igen: servern startades om under körningen",
    "run.start_failed": "processen för flödet kunde inte startas: {error}",
    "run.failed": "körningen avbröts av ett oväntat fel ({error_type}: {error})" + _NOTHING,
    "refusal.empty": "{file}: flödet innehåller inga rader" + _NOTHING,
    "refusal.unusable": "{file}: ingen av de {rows} raderna kunde användas" + _NOTHING,
    "refusal.mass_withdrawal": "flödet skulle ta bort {withdraw} av {active} aktiva "
    "erbjudanden (mer än {ratio:pct}); inget ändrades. Är det avsikten: ladda upp igen med "
    "--allow-mass-withdrawal (eller skicka endast ändringar, delta).",
    "api.refusal.mass_withdrawal": "flödet skulle ta bort {withdraw} av {active} aktiva "
    "erbjudanden (mer än {ratio:pct}); inget ändrades. Är det avsikten: ladda upp igen med "
    "formulärfältet allow_mass_withdrawal=true (eller skicka endast ändringar, delta).",
    "refusal.file_changed": "{file}: filen ändrades medan den lästes ({@change}); inget "
    "ändrades. Ladda upp den igen.",
    "change.gone": "den finns inte längre",
    "change.reopened": "den öppnas med ett annat format, en annan teckenkodning eller andra "
    "rubriker",
    "change.more_rows": "den har fler än de {rows} rader som lästes förut",
    "change.row": "rad {changed_row} lästes annorlunda andra gången",
    "change.offers": "den lästes annorlunda andra gången: {offers} erbjudanden, {valid} förut",
    "change.bytes": "dess byte är inte desamma som lästes förut",
    "file.empty": "filen är tom (0 byte)",
    "file.too_large": "filen är {size:n} byte, över gränsen på {limit:n} byte",
    "file.undecodable": "kan inte läsa byten som {encoding} ({reason}); spara filen som UTF-8 "
    "och ladda upp den igen",
    "file.undecodable_jsonld": "kan inte läsa filen som {encoding}: {reason}",
    "file.line_too_long": "en rad är längre än gränsen på {limit:n} tecken",
    "file.record_too_long": "en post är längre än gränsen på {limit:n} tecken (ett "
    "citattecken utan slut kan ha slukat raderna efter det)",
    "file.field_too_long": "ett fält är längre än gränsen på {limit:n} tecken",
    "file.csv_unreadable": "oläslig CSV-post: {error}",
    "file.unterminated_quote": "filen slutar inne i ett citerat fält (citattecknet avslutas "
    "aldrig); posten som börjar på den här raden är ofullständig: har filen klippts av?",
    "file.no_header": "ingen rubrikrad hittades",
    "file.truncated_row": "filen slutar mitt i en rad: sista raden har {cells} av "
    "rubrikradens {width} celler och ingen radbrytning efter sig" + _CUT,
    "file.json_malformed": "felaktig JSON på rad {line}, kolumn {column}: {error}",
    "file.json_unexpected": "felaktig JSON på rad {line}, kolumn {column}: {expected} "
    "väntades, {found:repr} hittades",
    "file.jsonld_malformed": "felaktig JSON på rad {line}, kolumn {column}: {error} (i ett "
    "<script type=application/ld+json>-block)",
    "file.json_too_long": "ett JSON-värde är längre än gränsen på {limit:n} tecken",
    "file.json_unclosed": "JSON-dokumentet tar slut innan det har stängts",
    "file.json_cut_value": "JSON-dokumentet tar slut mitt i ett värde (har filen klippts av?)",
    "file.json_several_lists": 'JSON-objektet har flera listor; lägg produkterna under "products"',
    "file.json_truncated_line": "filen slutar mitt i en JSON-rad ({error}) utan radbrytning "
    "efter sig" + _CUT,
    "file.legacy_too_large": "den äldre Excel-filen är för stor ({size:n} byte; högst "
    "{limit:n}): spara den som .xlsx eller CSV",
    "file.sheet_too_large": "kalkylbladet omfattar {cells:n} celler (högst {limit:n}), "
    "upprepade rader och kolumner medräknade; filen avvisas",
    "file.no_data": "arbetsboken har inga data i något blad",
    "file.nested_too_deeply": "dokumentet är för djupt nästlat för att läsas (värden i värden "
    "omkring 1\u00a0000 nivåer djupt); avvisas",
    "file.unreadable_workbook": _UNSUPPORTED + "{@kind} som inte går att läsa ({error})",
    "kind.xlsx": "en .xlsx-arbetsbok",
    "kind.xls": "en .xls-arbetsbok",
    "kind.ods": "ett .ods-kalkylblad",
    "file.unknown_format": "okänt format {format:repr}; välj ett av {choices}",
    "file.manufacturer_catalog": "det här är en tillverkarkatalog ({kind}), inte en "
    "återförsäljares prisfil; importera den med `valbar catalog import`",
    "file.unsupported": "formatet stöds inte ({@what}); ladda upp CSV, Excel (.xlsx), JSON "
    "eller ett XML-flöde från Google Merchant eller WooCommerce",
    "what.xml": "ett XML-dokument som inte är ett produktflöde",
    "what.binary": "binärdata",
    "file.no_reader": "ingen läsare för formatet {format:repr}",
    "file.not_xlsx": _UNSUPPORTED + "inte en .xlsx-arbetsbok",
    "file.zip_not_xlsx": _UNSUPPORTED + "ett zip-arkiv som inte är en .xlsx-arbetsbok",
    "file.not_ods": _UNSUPPORTED + "inte ett .ods-kalkylblad",
    "file.platform_columns": "inte en fil från {platform}: kolumn(er) {columns} saknas",
    "file.google_no_id": "inte ett Google Merchant-flöde: kolumnen id saknas",
    "file.jsonld_no_product": "ingen schema.org-Product hittades i JSON-LD-datan",
    "file.xml_entities": "XML-filen deklarerar entiteter (<!ENTITY>); avvisas av säkerhetsskäl",
    "file.xml_general_entities": "XML-filen deklarerar allmänna entiteter (<!ENTITY>); avvisas",
    "file.catalog_unreadable": "katalogfilen kan inte läsas ({reason})",
    "file.xml_malformed": "felaktig XML: {error}",
    "file.archive_ratio": "arkivdelen {member:repr} packas upp till {size:n} byte från "
    "{packed:n} ({ratio:n}:1), över gränsen {limit}:1; avvisas som en möjlig zip-bomb",
    "file.archive_total": "arkivet packas upp till mer än {limit:n} byte (arkivdelen "
    "{member:repr} når {total:n}); avvisas som en möjlig zip-bomb",
    "columns.missing": "[{file}: ][obligatoriska fält hittades inte: {missing}. ]"
    "[mappningen anger rubriker som filen saknar: {absent}. ]{@found} Byt namn på kolumnerna "
    "eller ange en mappningsfil (--mapping).",
    "api.columns.missing": "[{file}: ][obligatoriska fält hittades inte: {missing}. ]"
    "[mappningen anger rubriker som filen saknar: {absent}. ]{@found} Byt namn på kolumnerna "
    "eller skicka formulärfältet mapping (ett JSON-objekt fält -> rubrik).",
    "columns.headers": "Rubriker i filen: {headers}.",
    "columns.no_headers": "Rubriker i filen: (inga).",
    # a counted group of row errors (the API's errors.csv)
    "errors.not_listed": "{count} fler rader som inte listas: {reason}",
    "row.other_reasons": "övriga orsaker",
    "row.sku_empty": "artikelnummer saknas",
    "row.name_empty": "benämning saknas",
    "row.template_example": "mallens exempelrad; ta bort den",
    "row.price_zero": "priset är 0",
    "row.stock_empty": "lagerstatus saknas",
    "row.currency_unknown": "okänd valuta",
    "row.vat_unclear": "momscellen är varken ja/nej eller en momssats",
    "row.delivery_unclear": "leveranstiden gick inte att tolka",
    "row.stock_unclear": "lagerstatusen gick inte att tolka",
    "row.quantity_unclear": "lagersaldot gick inte att tolka",
    "row.url_not_absolute": "inte en fullständig http(s)-adress; ignoreras",
    "row.too_wide": "raden har {cells} celler men rubrikraden {width}: {@delimiter} utan "
    "citattecken i ett värde förskjuter kolumnerna",
    "delimiter.comma": "komma",
    "delimiter.semicolon": "semikolon",
    "delimiter.tab": "tabb",
    "delimiter.bar": "lodstreck",
    "delimiter.other": "tecknet {delimiter_char:repr}",
    "row.invalid_utf8": _UTF8 + " (resten av filen är UTF-8); kontrollera raden och spara "
    "filen som UTF-8",
    "row.invalid_utf8_fields": _UTF8 + " i fältet {fields} (resten av filen är UTF-8); "
    "kontrollera posten och spara filen som UTF-8",
    "row.json_unreadable_field": "post {record} i {file}: oläsbar JSON i fältet "
    "{json_field:repr} på rad {line}, kolumn {column} ({error}); posten hoppas över",
    "row.json_unreadable_member": "post {record} i {file}: oläsbar JSON på rad {line}, kolumn "
    "{column} ({error}); posten hoppas över",
    "row.json_element_not_object": "post {record} i {file}: JSON-posten är inget objekt "
    "({preview:repr}); posten hoppas över",
    "row.json_line_not_object": "post {record} i {file}: JSON-raden är inget objekt "
    "({preview:repr}); posten hoppas över",
    "row.formula": "formel utan sparat värde ({formula}): öppna och spara filen i Excel",
    "row.duplicate_sku": "artikelnumret {value:repr} finns flera gånger: rad {row} ignoreras, "
    "rad {other_row} gäller (sista raden gäller)",
    "row.duplicate_rejected": "artikelnumret finns även på rad {other_row}, som avvisades; den "
    "här raden används",
    "row.unknown_sku": "{file}, rad {row}: artikelnumret {value:repr} finns inte bland "
    "handlarens erbjudanden; en fil utan kolumn för {@missing} uppdaterar bara befintliga "
    "erbjudanden",
    "missing.name_price": "benämning och pris",
    "missing.name": "benämning",
    "missing.price": "pris",
    "price.empty": "pris saknas",
    "price.two_currencies": "två valutor i {value:repr}: {first} och {second}",
    "price.no_amount": "inget belopp i {value:repr}",
    "price.negative": "negativt pris {value:repr}",
    "price.not_a_price": "inte ett pris: {value:repr}",
    "price.unknown_currency": (
        "{code:repr} i {value:repr} är ingen valutakod: "
        "ett pris är ett belopp, gärna med en ISO 4217-kod som SEK eller EUR"
    ),
    "price.not_single": "inte ett enda belopp: {value:repr}",
    "price.apostrophe": "felplacerad apostrof i {value:repr}",
    "price.separators": "blandade skiljetecken i {value:repr}",
    "price.out_of_range": "orimligt belopp: {value:repr}",
    "gtin.empty": "GTIN saknas",
    "gtin.excel_scientific": "GTIN {value:repr} har förstörts av Excel (grundpotensform): "
    "siffror har gått förlorade; exportera kolumnen som text",
    "gtin.decimal": "GTIN {value:repr} är ett decimaltal, inte en kod",
    "gtin.non_digits": "GTIN {value:repr} innehåller tecken som inte är siffror: {chars:repr}",
    "gtin.length": "GTIN {value:repr} har {digits} siffror; 8, 12, 13 eller 14 väntades",
    "gtin.check_digit": "GTIN {value:repr} har kontrollsiffran {found}, {expected} väntades",
    "gtin.zero": "GTIN {value:repr} är bara nollor (platshållare)",
}

CATALOG = Catalog(
    lang="sv",
    decimal=",",
    messages=MESSAGES,
    nouns={},
    fallback="{code} ({values})",
    percent="\u00a0%",
    thousands="\u00a0",
    group="\u00a0",
)
