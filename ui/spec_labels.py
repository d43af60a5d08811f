"""Swedish labels for what the catalog importers write in English: specification names and
their common values ("Sterile", "MR Conditional", "Moist Heat or Steam Sterilization"), units,
identifier levels and the GMDN terms a GUDID import makes product categories (the table
``ui/data/gmdn_terms_sv.tsv``). Manufacturers' own texts (a size "Diameter 3.5 mm", a model
name) and categories that are no GMDN term (a retailer's own, often Swedish) are shown as
they are: a label is only translated when the table knows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_SPEC_NAMES_SV: dict[str, str] = {
    "Sterile": "Steril",
    "Sterilize before use": "Steriliseras före användning",
    "Sterilization method": "Steriliseringsmetod",
    "FDA product code": "FDA-produktkod",
    "FDA product code name": "FDA-produktkodens benämning",
    "MRI safety": "MR-säkerhet",
    "Prescription (Rx)": "Receptbelagd (Rx)",
    "Over the counter": "Receptfri",
    "Single use": "Engångsartikel",
    "Kit": "Sats",
    "Device count": "Antal enheter",
    "Latex": "Latex",
    "contains natural rubber latex": "innehåller naturgummilatex",
    "not made with natural rubber latex": "inte tillverkad med naturgummilatex",
    "yes": "ja",
    "no": "nej",
    # the GUDID device size types (deviceSizes): names of measures
    "Size": "Storlek",
    "Length": "Längd",
    "Total Volume": "Total volym",
    "Weight": "Vikt",
    "Outer Diameter": "Ytterdiameter",
    "Inner Diameter": "Innerdiameter",
    "Width": "Bredd",
    "Height": "Höjd",
    "Depth": "Djup",
    "Area/Surface Area": "Yta",
    "Angle": "Vinkel",
    "Needle Gauge": "Kanylgrovlek",
    "Catheter Gauge": "Katetergrovlek",
    "Circumference": "Omkrets",
    "Pore Size": "Porstorlek",
    "Pressure": "Tryck",
    "Lumen/Inner Diameter": "Lumen/innerdiameter",
    # MRI safety status (MRISafetyStatus)
    "Labeling does not contain MRI Safety Information": "Märkningen saknar uppgift om MR-säkerhet",
    "MR Safe": "MR-säker",
    "MR Conditional": "MR-villkorad",
    "MR Unsafe": "Ej MR-säker",
    # sterilization methods (sterilization/methodTypes)
    "Moist Heat or Steam Sterilization": "Fuktig värme eller ånga",
    "Dry Heat Sterilization": "Torr värme",
    "Radiation Sterilization": "Strålning",
    "High-level Disinfectant": "Högnivådesinfektion",
    "Microwave Radiation": "Mikrovågsstrålning",
    "Ethylene Oxide": "Etylenoxid",
    "Hydrogen Peroxide": "Väteperoxid",
    "Liquid Chemical": "Flytande kemikalie",
    "Nitrogen Dioxide": "Kvävedioxid",
    "Ozone": "Ozon",
    "Peracetic Acid": "Perättiksyra",
    "Chlorine Dioxide": "Klordioxid",
    "Supercritical Carbon Dioxide": "Superkritisk koldioxid",
}

_UNITS_SV: dict[str, str] = {
    "Millimeter": "mm",
    "Centimeter": "cm",
    "Meter": "m",
    "Micrometer": "µm",
    "Inch": "tum",
    "Milliliter": "ml",
    "Centiliter": "cl",
    "Deciliter": "dl",
    "Liter": "l",
    "Microliter": "µl",
    "Fluid Ounce": "fl. oz",
    "Gram": "g",
    "Milligram": "mg",
    "Kilogram": "kg",
    "Ounce": "uns",
    "Pound": "pund",
    "Square millimeter": "mm²",
    "Square centimeter": "cm²",
    "Square inch": "kvadrattum",
    "degree": "grader",
    "Degree": "grader",
    "Gauge": "G",
}

_LEVELS_SV: dict[str, str] = {
    "primary": "primär",
    "package": "förpackning",
    "unit_of_use": "användningsenhet",
    "secondary": "sekundär",
    "direct_marking": "direktmärkning",
    "previous": "tidigare",
}
_LEVELS_EN: dict[str, str] = {
    "unit_of_use": "unit of use",
    "direct_marking": "direct marking",
}


def spec_text(lang: str) -> Callable[[object], str]:
    """A template function: an importer-written spec name or value in ``lang``."""

    def label(text: object) -> str:
        value = "" if text is None else str(text)
        return _SPEC_NAMES_SV.get(value, value) if lang == "sv" else value

    return label


def level_text(lang: str) -> Callable[[object], str]:
    """A template function: an identifier's packaging level in ``lang``."""
    table = _LEVELS_SV if lang == "sv" else _LEVELS_EN

    def label(level: object) -> str:
        value = "" if level is None else str(level)
        return table.get(value, value.replace("_", " "))

    return label


def unit_text(lang: str) -> Callable[[object], str]:
    """A template function: a spec's unit as GUDID writes it ("Millimeter") in ``lang``."""

    def label(unit: object) -> str:
        value = "" if unit is None else str(unit)
        return _UNITS_SV.get(value, value) if lang == "sv" else value

    return label


GMDN_TABLE = Path(__file__).with_name("data") / "gmdn_terms_sv.tsv"


@dataclass(frozen=True, slots=True)
class GmdnTerm:
    """A GMDN preferred term (as a GUDID import writes a category) and its Swedish name."""

    code: str
    term: str
    sv: str


def load_gmdn_terms(path: Path = GMDN_TABLE) -> tuple[GmdnTerm, ...]:
    """The rows of the table (``#`` lines and the header skipped). A row without three
    non-empty columns, or a code or term given twice, is an error naming its line."""
    terms: list[GmdnTerm] = []
    codes: set[str] = set()
    names: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line == "code\tterm\tsv":
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        if len(cells) != 3 or not all(cells):
            raise ValueError(f"{path.name} line {number}: expected code, term and sv, got {line!r}")
        code, term, sv = cells
        if code in codes or term in names:
            raise ValueError(f"{path.name} line {number}: {code} {term!r} is listed twice")
        codes.add(code)
        names.add(term)
        terms.append(GmdnTerm(code, term, sv))
    return tuple(terms)


CATEGORIES_SV: dict[str, str] = {t.term: t.sv for t in load_gmdn_terms()}
"""English GMDN preferred term -> its Swedish name."""


def category_name(category: object, lang: str) -> str:
    """A product category as a reader in ``lang`` sees it (the value itself when the table
    has no Swedish name for it, or in English)."""
    value = "" if category is None else str(category)
    return CATEGORIES_SV.get(value, value) if lang == "sv" else value


def category_text(lang: str) -> Callable[[object], str]:
    """A template function: :func:`category_name` in ``lang``."""

    def label(category: object) -> str:
        return category_name(category, lang)

    return label
