"""English feed-run messages: the reference wording of the CLI and the API.

Sentences name the CLI's flags (``--mapping``, ``--allow-mass-withdrawal``); the API's
variants (``api.<code>``, rendered with ``channel="api"``) name its form fields, and the
portal shows its own controls instead (``ui.messages_feeds``, ``portal.<code>``).
"""

from __future__ import annotations

from ranking.messages.catalog import Catalog

_NOTHING = "; nothing was changed"
_CUT = "; was the file cut off?"
_UNSUPPORTED = "not a supported feed format: "
_UTF8 = "bytes that are not valid UTF-8 were replaced by \ufffd"

MESSAGES: dict[str, str] = {
    # where a file-level message happened, written in front of it
    "where.file": "{file}: ",
    "where.row": "{file}, row {row}: ",
    # how a run ended without a result (indexer.run_messages)
    "run.memory_limit": "the file needed more memory than the limit of {limit}" + _NOTHING,
    "run.time_limit": "the run took longer than the limit of {limit}" + _NOTHING,
    "run.cancelled": "cancelled on request" + _NOTHING,
    "run.process_died": "the process running the feed ended unexpectedly ({@how})" + _NOTHING,
    "how.signal": "killed by {signal}",
    "how.signal_number": "killed by signal {signal}",
    "how.exit_code": "exit code {exit_code}",
    "run.lease_expired": "the process running the feed stopped responding (attempt {attempts})"
    + _NOTHING,
    "run.requeued_lease": "queued again: the process running the feed stopped responding",
    "run.requeued_restart": "queued again: the server was restarted during the run",
    "run.start_failed": "the process for the feed could not be started: {error}",
    "run.failed": "{error_type}: {error}",
    # a feed read but refused as a whole
    "refusal.empty": "{file}: the feed contains no rows" + _NOTHING,
    "refusal.unusable": "{file}: none of the {rows} rows could be used" + _NOTHING,
    "refusal.mass_withdrawal": "this feed would withdraw {withdraw} of {active} active offers "
    "(more than {ratio:pct}); nothing was changed. If that is intended, upload again with "
    "--allow-mass-withdrawal (or send a delta feed).",
    "api.refusal.mass_withdrawal": "this feed would withdraw {withdraw} of {active} active "
    "offers (more than {ratio:pct}); nothing was changed. If that is intended, upload again "
    "with the form field allow_mass_withdrawal=true (or send a delta feed).",
    "refusal.file_changed": "{file}: the file changed while it was being read ({@change})"
    + _NOTHING,
    "change.gone": "it is no longer there",
    "change.reopened": "it opens with another format, encoding or headers",
    "change.more_rows": "it has more than the {rows} rows read before",
    "change.row": "row {changed_row} read differently the second time",
    "change.offers": "it read differently the second time: {offers} offers, {valid} before",
    "change.bytes": "its bytes are not those read before",
    # a file that cannot be read (after "where.file" / "where.row")
    "file.empty": "empty file (0 bytes)",
    "file.too_large": "file is {size:n} bytes, over the limit of {limit:n} bytes",
    "file.undecodable": "cannot decode bytes as {encoding} ({reason}); save the file as UTF-8 "
    "and upload it again",
    "file.undecodable_jsonld": "cannot decode as {encoding}: {reason}",
    "file.line_too_long": "line longer than the limit of {limit:n} characters",
    "file.record_too_long": "record longer than the limit of {limit:n} characters (an "
    "unterminated quote may have swallowed the lines after it)",
    "file.field_too_long": "field longer than the limit of {limit:n} characters",
    "file.csv_unreadable": "unreadable CSV record: {error}",
    "file.unterminated_quote": "file ends inside a quoted field (unterminated quote); the "
    "record starting on this row is incomplete: was the file cut off?",
    "file.no_header": "no header row found",
    "file.truncated_row": "the file ends in the middle of a row: the last row has {cells} of "
    "the header's {width} cells and no line break after it" + _CUT,
    "file.json_malformed": "malformed JSON at line {line}, column {column}: {error}",
    "file.json_unexpected": "malformed JSON at line {line}, column {column}: expected "
    "{expected}, found {found:repr}",
    "file.jsonld_malformed": "malformed JSON at line {line}, column {column}: {error} (in a "
    "<script type=application/ld+json> block)",
    "file.json_too_long": "JSON value longer than the limit of {limit:n} characters",
    "file.json_unclosed": "JSON ends before the document is closed",
    "file.json_cut_value": "JSON ends inside a value (was the file cut off?)",
    "file.json_several_lists": 'JSON object holds several lists; put the products under "products"',
    "file.json_truncated_line": "the file ends in the middle of a JSON line ({error}) with no "
    "line break after it" + _CUT,
    "file.legacy_too_large": "legacy Excel file too large ({size:n} bytes; at most {limit:n}): "
    "save it as .xlsx or CSV",
    "file.sheet_too_large": "spreadsheet sheet spans {cells:n} cells (at most {limit:n}), "
    "counting repeated rows and columns; refused",
    "file.no_data": "workbook has no data in any sheet",
    "file.nested_too_deeply": "the document is nested too deeply to read (values inside values "
    "about 1,000 levels deep); refused",
    "file.unreadable_workbook": _UNSUPPORTED + "not a readable {@kind} ({error})",
    "kind.xlsx": ".xlsx workbook",
    "kind.xls": ".xls workbook",
    "kind.ods": ".ods spreadsheet",
    "file.unknown_format": "unknown format {format:repr}; choose one of {choices}",
    "file.manufacturer_catalog": "this is a manufacturer catalog ({kind}), not a retailer "
    "price feed; import it with `valbar catalog import`",
    "file.unsupported": "not a supported feed format ({@what}); upload CSV, Excel (.xlsx), "
    "JSON or a Google Merchant / WooCommerce XML feed",
    "what.xml": "an XML document that is not a product feed",
    "what.binary": "binary data",
    "file.no_reader": "no reader for format {format:repr}",
    "file.not_xlsx": _UNSUPPORTED + "not an .xlsx workbook",
    "file.zip_not_xlsx": _UNSUPPORTED + "a zip archive that is not an .xlsx workbook",
    "file.not_ods": _UNSUPPORTED + "not an .ods spreadsheet",
    "file.platform_columns": "not a {platform} file: column(s) {columns} missing",
    "file.google_no_id": "not a Google Merchant feed: column id missing",
    "file.jsonld_no_product": "no schema.org Product found in the JSON-LD",
    "file.xml_entities": "XML declares entities (<!ENTITY>); refused for safety",
    "file.xml_general_entities": "XML declares general entities (<!ENTITY>); refused",
    "file.catalog_unreadable": "{reason}",
    "file.xml_malformed": "malformed XML: {error}",
    "file.archive_ratio": "archive member {member:repr} unpacks to {size:n} bytes from "
    "{packed:n} ({ratio:n}:1), over the limit of {limit}:1; refused as a possible zip bomb",
    "file.archive_total": "archive unpacks to more than {limit:n} bytes (member {member:repr} "
    "reaches {total:n}); refused as a possible zip bomb",
    # required columns not found (indexer.errors.MissingColumnsError)
    "columns.missing": "[{file}: ][required field(s) not found: {missing}. ][the mapping names "
    "header(s) the file does not have: {absent}. ]{@found} Rename the columns or pass a "
    "mapping file (--mapping).",
    "api.columns.missing": "[{file}: ][required field(s) not found: {missing}. ][the mapping "
    "names header(s) the file does not have: {absent}. ]{@found} Rename the columns or send "
    "the form field mapping (a JSON object of field -> header).",
    "columns.headers": "Headers found: {headers}.",
    "columns.no_headers": "Headers found: (none).",
    # what is wrong with a row
    # a counted group of row errors (the API's errors.csv)
    "errors.not_listed": "{count} more rows not listed: {reason}",
    "row.other_reasons": "other reasons",
    "row.sku_empty": "SKU is empty",
    "row.name_empty": "name is empty",
    "row.template_example": "the feed template's example row; delete it",
    "row.price_zero": "price is 0",
    "row.stock_empty": "stock is empty",
    "row.currency_unknown": "unknown currency",
    "row.vat_unclear": "VAT cell is neither a flag nor a rate",
    "row.delivery_unclear": "delivery time not understood",
    "row.stock_unclear": "stock status not understood",
    "row.quantity_unclear": "stock quantity not understood",
    "row.url_not_absolute": "URL is not absolute http(s); ignored",
    "row.too_wide": "row has {cells} cells where the header has {width}: an unquoted "
    "{@delimiter} inside a value shifts the columns",
    "delimiter.comma": "comma",
    "delimiter.semicolon": "semicolon",
    "delimiter.tab": "tab",
    "delimiter.bar": "vertical bar",
    "delimiter.other": "{delimiter_char:repr}",
    "row.invalid_utf8": _UTF8 + " (the rest of the file is UTF-8); check the row and save the "
    "file as UTF-8",
    "row.invalid_utf8_fields": _UTF8 + " in field {fields} (the rest of the file is UTF-8); "
    "check the record and save the file as UTF-8",
    "row.json_unreadable_field": "record {record} of {file}: unreadable JSON in field "
    "{json_field:repr} at line {line}, column {column} ({error}); the record is skipped",
    "row.json_unreadable_member": "record {record} of {file}: unreadable JSON in a member at "
    "line {line}, column {column} ({error}); the record is skipped",
    "row.json_element_not_object": "record {record} of {file}: the JSON element is not an "
    "object ({preview:repr}); the record is skipped",
    "row.json_line_not_object": "record {record} of {file}: the JSON line is not an object "
    "({preview:repr}); the record is skipped",
    "row.formula": "formula without a saved value ({formula}): open and save the file in Excel",
    "row.duplicate_sku": "duplicate SKU {value:repr}: row {row} ignored, row {other_row} wins "
    "(last one wins)",
    "row.duplicate_rejected": "duplicate SKU: row {other_row} has it too but was rejected; "
    "this row is used",
    "row.unknown_sku": "{file}: row {row}: SKU {value:repr} is not among the retailer's "
    "offers; a file without a {@missing} column only updates existing offers",
    "missing.name_price": "name and price",
    "missing.name": "name",
    "missing.price": "price",
    # a price cell (indexer.normalize.price)
    "price.empty": "price is empty",
    "price.two_currencies": "two currencies in {value:repr}: {first} and {second}",
    "price.no_amount": "no amount in {value:repr}",
    "price.negative": "negative price {value:repr}",
    "price.not_a_price": "not a price: {value:repr}",
    "price.unknown_currency": (
        "{code:repr} in {value:repr} is not a currency code: "
        "a price is an amount, optionally with an ISO 4217 code such as SEK or EUR"
    ),
    "price.not_single": "not a single amount: {value:repr}",
    "price.apostrophe": "misplaced apostrophe in {value:repr}",
    "price.separators": "inconsistent separators in {value:repr}",
    "price.out_of_range": "amount out of range: {value:repr}",
    # a GTIN cell (catalog.gtin.GtinError: its reason is the code after "gtin.")
    "gtin.empty": "GTIN is empty",
    "gtin.excel_scientific": "GTIN {value:repr} was mangled by Excel (scientific notation): "
    "digits are lost; export the column as text",
    "gtin.decimal": "GTIN {value:repr} is a decimal number, not a code",
    "gtin.non_digits": "GTIN {value:repr} contains non-digits: {chars:repr}",
    "gtin.length": "GTIN {value:repr} has {digits} digits; expected 8, 12, 13 or 14",
    "gtin.check_digit": "GTIN {value:repr} has check digit {found}, expected {expected}",
    "gtin.zero": "GTIN {value:repr} is all zeros (a placeholder)",
}

CATALOG = Catalog(
    lang="en",
    decimal=".",
    messages=MESSAGES,
    nouns={},
    fallback="{code} ({values})",
)
