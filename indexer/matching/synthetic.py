"""Synthetic dental catalogue and noisy retailer offers (seeded, deterministic).

Used to train the shipped default scorer (``python -m bench.matching train-default``), to
measure matching speed at catalogue scale, and by the unit tests. Products come in families
that differ only in size, shade or pack count - the hard negatives real dental catalogues are
full of - and offers rewrite product names the way retailer feeds do: reordered words, Swedish
or English type names, dropped brand, decimal commas, glued units, typos, marketing noise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from indexer.matching.catalog_index import CatalogEntry, PackagedGtin
from indexer.records import OfferRecord

BRANDS = (
    "Dentsply Sirona", "3M ESPE", "Ivoclar Vivadent", "GC", "Kerr", "Ultradent", "Septodont",
    "Coltene", "VOCO", "Kulzer", "Hu-Friedy", "Nordiska Dental", "Directa", "Produits Dentaires",
    "Komet", "NSK", "W&H", "KaVo", "Straumann", "Nobel Biocare", "Zhermack", "Medicom", "Hager",
    "Shofu", "Tokuyama", "Bisco", "Premier", "Micro-Mega", "VDW", "Meisinger", "Dürr Dental",
    "Planmeca", "Acteon", "Mectron", "Parkell", "Cerkamed", "Lascod", "Polydentia", "Kuraray",
    "Sdi",
)  # fmt: skip
# (English type, Swedish type, attribute kind)
TYPES = (
    ("composite", "komposit", "shade"),
    ("flowable composite", "flytande komposit", "shade"),
    ("glass ionomer cement", "glasjonomercement", "shade"),
    ("endodontic file", "endofil", "iso"),
    ("gutta percha points", "guttaperkastift", "iso"),
    ("paper points", "pappersstift", "iso"),
    ("diamond bur", "diamantborr", "iso"),
    ("carbide bur", "hårdmetallborr", "iso"),
    ("nitrile gloves", "nitrilhandskar", "size"),
    ("latex gloves", "latexhandskar", "size"),
    ("face mask", "munskydd", "count"),
    ("saliva ejector", "salivsug", "count"),
    ("impression material", "avtrycksmassa", "ml"),
    ("bonding agent", "bonding", "ml"),
    ("etching gel", "etsgel", "ml"),
    ("implant", "implantat", "mm"),
    ("healing abutment", "läkdistans", "mm"),
    ("suture", "sutur", "mm"),
    ("cotton rolls", "bomullsrullar", "count"),
    ("matrix band", "matrisband", "mm"),
    ("prophy paste", "profylaxpasta", "ml"),
    ("fluoride varnish", "fluorlack", "ml"),
    ("anaesthetic cartridge", "bedövningsampull", "ml"),
    ("polishing disc", "polerskiva", "mm"),
)
_SYLLABLES = (
    "fil", "tek", "tet", "ric", "cle", "ar", "spec", "trum", "her", "cu", "lite", "ve", "nus",
    "cha", "ris", "ma", "es", "sen", "tia", "gra", "dia", "te", "li", "ad", "mi", "ra", "ce",
    "ram", "pro", "ta", "per", "re", "ci", "proc", "hy", "flex", "za", "no", "vo", "du", "ro",
    "ex", "to", "lux", "sil", "ox", "ka", "zir", "kon", "bel", "om", "ni", "sep", "tan",
)  # fmt: skip
WORDS = (
    "Filtek", "Tetric", "Clearfil", "Spectrum", "Herculite", "Venus", "Charisma", "Essentia",
    "Gradia", "Estelite", "Admira", "Ceram", "Protaper", "Reciproc", "Mtwo", "Hyflex", "Wave",
    "Prime", "Evo", "Flow", "Plus", "Ultra", "Bulk", "Universal", "Classic", "Nova", "Solo",
    "Optima", "Zenit", "Aura", "Vita", "Select", "Pro", "Max", "Easy", "Fine", "Soft", "Dura",
)  # fmt: skip
SHADES = ("A1", "A2", "A3", "A3.5", "B1", "B2", "C2", "OA2", "Bleach", "Incisal")
SIZES = ("XS", "S", "M", "L", "XL")
NOISE = ("Nyhet!", "Kampanj", "REA", "Fri frakt", "(ny förpackning)", "- lagervara", "Original")


@dataclass(frozen=True, slots=True)
class SyntheticOffer:
    offer: OfferRecord
    product_id: int  # the product it was derived from


def _line_name(rng: random.Random) -> str:
    """A product-line name: a pseudo-word of 2-3 syllables, sometimes with a common word."""
    word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{word} {rng.choice(WORDS)}" if rng.random() < 0.5 else word


def _code(rng: random.Random) -> str:
    letters = "".join(rng.choice("ABCDEFGHKLMNPRSTUVWXZ") for _ in range(rng.randint(1, 3)))
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(3, 6)))
    return letters + digits if rng.random() < 0.7 else digits + letters


def _gtin(rng: random.Random) -> str:
    body = "73" + "".join(rng.choice("0123456789") for _ in range(10))
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _variant_values(kind: str, rng: random.Random) -> list[str]:
    if kind == "shade":
        return rng.sample(SHADES, rng.randint(2, 5))
    if kind == "iso":
        return [f"ISO {n:03d}" for n in rng.sample(range(6, 80, 2), rng.randint(2, 5))]
    if kind == "size":
        return rng.sample(SIZES, rng.randint(2, 4))
    if kind == "count":
        return [f"{n} st" for n in rng.sample((50, 100, 150, 200, 250, 500, 1000), 3)]
    if kind == "ml":
        return [f"{v} ml" for v in rng.sample(("1", "2", "2,5", "4", "5", "10", "50"), 3)]
    return [f"{v} mm" for v in rng.sample(("2,5", "3", "3,5", "4", "4,5", "6", "8", "10"), 3)]


def synthetic_catalog(size: int, seed: int = 7) -> list[CatalogEntry]:
    """`size` products in families of 2-5 variants, each with GTIN, MPN and catalog number."""
    rng = random.Random(seed)
    entries: list[CatalogEntry] = []
    while len(entries) < size:
        brand = rng.choice(BRANDS)
        eng, swe, kind = rng.choice(TYPES)
        line = _line_name(rng)
        base_type = swe if rng.random() < 0.5 else eng
        for value in _variant_values(kind, rng):
            if len(entries) >= size:
                break
            pid = len(entries) + 1
            packs: tuple[PackagedGtin, ...] = ()
            if rng.random() < 0.3:
                packs = (PackagedGtin(_gtin(rng), "package", rng.choice((10, 25, 50))),)
            entries.append(
                CatalogEntry(
                    product_id=pid,
                    name=f"{line} {base_type} {value}",
                    brand=brand,
                    manufacturer=brand,
                    mpn=_code(rng),
                    catalog_number=_code(rng) if rng.random() < 0.5 else None,
                    identifiers=(_gtin(rng),),
                    packaging=packs,
                )
            )
    return entries


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def noisy_title(entry: CatalogEntry, rng: random.Random, *, with_code: bool) -> str:
    """A retailer's rewrite of the product name."""
    words = entry.name.split()
    # size spellings: "2,5 mm" -> "2.5mm" / "2,5mm"
    text = " ".join(words)
    if rng.random() < 0.4:
        text = text.replace(",", ".")
    if rng.random() < 0.3:
        text = text.replace(" mm", "mm").replace(" ml", "ml")
    words = text.split()
    if rng.random() < 0.3:
        words = [_typo(w, rng) if rng.random() < 0.3 else w for w in words]
    if rng.random() < 0.3 and len(words) > 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    if entry.brand and rng.random() < 0.7:
        brand_words = entry.brand.split()
        words = brand_words + words if rng.random() < 0.8 else words + brand_words
    if with_code and entry.mpn:
        code = entry.mpn
        if rng.random() < 0.5 and len(code) > 4:
            code = code[:3] + "-" + code[3:]
        words.append(code.lower() if rng.random() < 0.3 else code)
    if rng.random() < 0.3:
        words.append(rng.choice(NOISE))
    title = " ".join(words)
    return title.lower() if rng.random() < 0.2 else title


def synthetic_offers(
    catalog: list[CatalogEntry], count: int, seed: int = 11, identifier_share: float = 0.7
) -> list[SyntheticOffer]:
    """Offers derived from random catalog products; `identifier_share` carry GTIN or MPN."""
    rng = random.Random(seed)
    offers = []
    for row in range(1, count + 1):
        entry = rng.choice(catalog)
        gtin = mpn = brand = None
        has_ids = rng.random() < identifier_share
        if has_ids:
            roll = rng.random()
            if roll < 0.6:
                gtin = entry.packaging[0].gtin if entry.packaging else entry.identifiers[0]
            else:
                mpn = entry.mpn
        if rng.random() < 0.6:
            brand = entry.brand
        title = noisy_title(entry, rng, with_code=not has_ids and rng.random() < 0.3)
        price = Decimal(rng.randint(40, 4000))
        offers.append(
            SyntheticOffer(
                OfferRecord(
                    row=row, sku=f"SKU{row}", name=title, price=price, gtin=gtin, mpn=mpn,
                    brand=brand,
                ),
                entry.product_id,
            )
        )  # fmt: skip
    return offers
