"""Multilingual normalisation of title words: web offers name one product in many languages.

The WDC product corpus (and any retailer feed bought in from a European distributor) spells
colours, product kinds and common attribute words in Italian, German, Spanish, French, Dutch
or Swedish. `canonical_word` folds accents ("cámara" -> "camara") and maps those words to one
English form ("nero", "schwarz", "svart" -> "black"), so token overlap, IDF and the variant
groups compare the product rather than the shop's language. Words are matched after
lower-casing and accent folding, so the keys here are plain ASCII.
"""

from __future__ import annotations

import re
import unicodedata

# English form -> the words that mean it (folded, lower-case)
_GROUPS: dict[str, tuple[str, ...]] = {
    # colours
    "black": ("nero", "nera", "neri", "schwarz", "negro", "negra", "noir", "noire", "zwart",
              "svart", "preto", "czarny"),
    "white": ("bianco", "bianca", "bianchi", "weiss", "blanco", "blanca", "blanc", "blanche",
              "wit", "vit", "branco", "bialy"),
    "red": ("rosso", "rossa", "rot", "rojo", "roja", "rouge", "rood", "vermelho"),
    "blue": ("blu", "blau", "azul", "bleu", "blauw", "navy"),
    "green": ("verde", "grun", "gruen", "vert", "groen", "gron"),
    "grey": ("gray", "grigio", "grau", "gris", "grijs", "gra", "cinza"),
    "yellow": ("giallo", "gelb", "amarillo", "jaune", "geel", "gul"),
    "orange": ("arancione", "naranja", "oranje"),
    "pink": ("rosa",),
    "brown": ("marrone", "braun", "marron", "bruin", "brun"),
    "silver": ("argento", "silber", "plata", "argent", "zilver"),
    "gold": ("oro", "dorado", "goud", "guld"),
    "purple": ("viola", "lila", "morado", "violet"),
    # product kinds
    "watch": ("watches", "reloj", "relojes", "uhr", "uhren", "montre", "montres", "orologio",
              "orologi", "horloge", "klocka", "zegarek", "relogio", "armbanduhr"),
    "shoe": ("shoes", "scarpe", "scarpa", "schuhe", "schuh", "zapatos", "zapato", "zapatillas",
             "chaussures", "chaussure", "schoenen", "skor", "sneakers", "sneaker", "trainers"),
    "camera": ("cameras", "camara", "camaras", "kamera", "kameras", "fotocamera", "macchina"),
    "lens": ("lenses", "objetivo", "objektiv", "obiettivo", "objectif", "lente"),
    "men": ("mens", "uomo", "herren", "herr", "hombre", "homme", "hommes", "heren"),
    "women": ("womens", "donna", "damen", "mujer", "femme", "femmes", "dames", "ladies"),
    "leather": ("pelle", "leder", "cuero", "cuir", "leer", "lader"),
    "steel": ("acciaio", "stahl", "edelstahl", "acero", "acier", "staal", "stal"),
    "strap": ("cinturino", "armband", "correa", "bracelet", "bracciale"),
    "automatic": ("automatico", "automatik", "automatique", "automatisch", "automatica"),
    "boot": ("boots", "stivali", "stiefel", "botas", "bottes", "laarzen", "kangor"),
    "ground": ("terreni", "terreno", "boden", "terrain"),
    # small words: with / for
    "with": ("con", "mit", "avec", "met", "med"),
    "for": ("per", "fur", "para", "pour", "voor"),
}  # fmt: skip

MULTILINGUAL: dict[str, str] = {
    word: english for english, words in _GROUPS.items() for word in words
}

_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d"})
# a WDC literal's language tag: "Canon EOS 80D"@en-US -> Canon EOS 80D
_LANG_TAG = re.compile(r"\"?@[a-z]{2}(?:-[a-z]{2,4})?\b", re.IGNORECASE)


def fold_word(word: str) -> str:
    """A lower-case word without accents ("cámara" -> "camara", "weiß" -> "weiss")."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word.translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def canonical_word(word: str) -> str:
    """The folded word, in its English form when it is one the lexicon knows."""
    folded = fold_word(word)
    return MULTILINGUAL.get(folded, folded)


def strip_language_tags(text: str) -> str:
    """Drop RDF literal language tags and their quotes (web-crawled offer titles)."""
    if "@" not in text:
        return text
    return _LANG_TAG.sub(" ", text).replace('"', " ")
