"""Swedish labels for the specification names and identifier levels the catalog importers write
in English ("Sterile", "FDA product code", "package"); manufacturers' own texts are shown as
they are."""

from __future__ import annotations

from collections.abc import Callable

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
