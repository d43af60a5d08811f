"""Write ``configs/judgments/dental_sv_en.tsv`` from hand-written query intents.

Labels never come from Valbar's search output. Each query's intent is written below as
criteria over what the manufacturer published in GUDID: the GMDN preferred term (our
``category``) and words required in / excluded from the device name and description, plus
brand or size where the query names one. The script applies the criteria to every device of
the demo catalog file and writes ``query<TAB>gtin<TAB>grade[<TAB>tags]`` keyed by the
primary GTIN (``tags``: ``semantic`` on the descriptive queries of :data:`SEMANTIC_INTENTS`,
empty elsewhere):

* 3 - exactly what was asked (right device type and, when specified, size/shade/brand)
* 2 - right device type, a different variant
* 1 - a related device a buyer could accept
* 0 - hard negatives: the words overlap but the device type is wrong

A device takes the highest grade whose rule it matches; a hard-negative rule only applies to
devices no positive rule matched. Per query at most ``MAX_POSITIVES`` positives are kept
(highest grades first, ties by a stable hash of query + GTIN) and ``MAX_NEGATIVES`` hard
negatives; grade-3 rows are never cut below ``MAX_EXACT``, because an exact match left
unjudged would count as non-relevant in nDCG@10. The output is byte-for-byte
reproducible from the same catalog file.

    .venv/bin/python bench/make_judgments.py            # writes the TSV, prints a summary
    .venv/bin/python bench/make_judgments.py --show "diamantborr"   # read one query's labels
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "data" / "demo" / "gudid_dental_demo.jsonl.gz"
OUT = ROOT / "configs" / "judgments" / "dental_sv_en.tsv"
MAX_POSITIVES = 40
MAX_NEGATIVES = 12
MAX_EXACT = 120  # grade-3 rows are kept complete up to this (see the README)


@dataclass(frozen=True)
class Device:
    gtin: str
    name: str
    description: str
    category: str
    brand: str
    manufacturer: str
    mpn: str
    catalog_number: str

    @property
    def text(self) -> str:
        return f"{self.name} | {self.description}"


@dataclass(frozen=True)
class Rule:
    """All given conditions must hold (regexes, case-insensitive, ``search`` semantics)."""

    cats: str = ""  # over the GMDN term
    text: str = ""  # over name + description
    no: str = ""  # must NOT occur in name + description
    brand: str = ""  # over brand + manufacturer
    gtin: str = ""  # exact primary GTIN

    def match(self, d: Device) -> bool:
        if self.gtin:
            return d.gtin == self.gtin
        if self.cats and not re.search(self.cats, d.category, re.I):
            return False
        if self.text and not re.search(self.text, d.text, re.I):
            return False
        if self.no and re.search(self.no, d.text, re.I):
            return False
        return not (self.brand and not re.search(self.brand, f"{d.brand} {d.manufacturer}", re.I))


@dataclass(frozen=True)
class Intent:
    query: str
    lang: str  # sv | en | id
    g3: tuple[Rule, ...]
    g2: tuple[Rule, ...] = ()
    g1: tuple[Rule, ...] = ()
    g0: tuple[Rule, ...] = ()
    tags: tuple[str, ...] = ()

    def grade(self, d: Device) -> int | None:
        for grade, rules in ((3, self.g3), (2, self.g2), (1, self.g1), (0, self.g0)):
            if any(r.match(d) for r in rules):
                return grade
        return None


def R(cats: str = "", text: str = "", no: str = "", brand: str = "") -> Rule:
    return Rule(cats=cats, text=text, no=no, brand=brand)


# --- shared device-type criteria (GMDN term + text sanity checks) -----------------------
DIAMOND_BUR = R(r"^diamond dental bur", no=r"insertion tool|mandrel")
CARBIDE_BUR = R(r"^carbide dental bur", no=r"mandrel")
OTHER_BUR = R(r"^(steel|ceramic) dental bur|dental abrasive point")
IMPRESSION = R(r"dental impression material(?! (syringe|mixer|adhesive))")
IMPRESSION_TRAY = R(r"^dental impression tray,", no=r"adhesive")
COMPOSITE = R(
    r"^(dental composite resin|light-cured dental restorative composite)",
    text=r"compo|resto|fil|flow|bulk|nano|hybrid|A\d|syr|caps",
    no=r"temporary crown|crown ?& ?bridge|c&b|sealant|core|cement|ionomer|photac",
)
COMPOSITE_REL = R(r"composite resin kit|dental composite resin")
ENDO_FILE = R(r"endodontic file/rasp", no=r"handle|stop|gauge|ruler|organizer|stand")
ENDO_FILE_ROT = R(r"^rotary/reciprocating endodontic file", no=r"handle|stop|gauge|organizer")
ENDO_FILE_MAN = R(r"^manual endodontic file", no=r"handle|stop|gauge|organizer")
IMPLANT = R(r"endosteal dental implant|^dental implant system$", no=r"drill|driver|analog")
ABUTMENT = R(r"implant suprastructure|abutment screw", text=r"abutment|healing|cap|base")
BRACKET = R(r"^orthodontic bracket, (metal|ceramic|plastic)")
ORTHO_WIRE = R(r"^orthodontic (archwire|wire)$")
ALIGNER = R(r"orthodontic progressive aligner|rod-based aligner")
MIRROR = R(r"^dental mirror", text=r"mirror|mir\b|spegel", no=r"handle only")
EXTRACTION_FORCEPS = R(r"^tooth extraction forceps")
ELEVATOR = R(r"^dental elevator, tooth/root|^bone lever/elevator")
SUCTION_TIP = R(r"dental suction system cannula|suction cannula|suction tip")
CEMENT = R(
    r"dental cement$|^(glass ionomer|hygroscopic|fatty acid|zinc oxide eugenol|"
    r"zinc polycarboxylate|calcium hydroxide|endodontic temporary) (dental )?cement",
    no=r"gutta|points?\b",
)
FLOSS = R(r"^dental floss$")
FLUORIDE_VARNISH = R(
    text=r"fluoride varnish|flouride varnish|fluoride.{0,40}varnish|varnish.{0,30}fluoride"
)
FLUORIDE = R(r"^fluoride gel$|cavity varnish|tooth-desensitizing", text=r"fluorid|flourid")
PROPHY_PASTE = R(text=r"prophy paste|polishing paste|prophylaxis paste", no=r"angle")
POLISH_CUP = R(r"dental polishing cup", text=r"cup|angle|prophy")
MATRIX_BAND = R(r"^dental matrix band, (single-use|reusable)")
MATRIX_OTHER = R(r"^dental matrix band (retainer|tensioner|kit)|^dental wedge")
RUBBER_DAM = R(r"^rubber dam, (hevea|non-latex)", no=r"bleaching|whitening|gingival")
RUBBER_DAM_ACC = R(r"^rubber dam (clamp|frame|punch)|rubber dam clamp forceps")
ANAESTHESIA = R(r"anaesthesia (syringe|injection)|computer assisted anaesthesia")
ANAESTHESIA_NEEDLE = R(
    r"^dental syringe needle", text=r"\b(2[5-9]|30|31) ?g|anest|dental ne", no=r"irrigat"
)
WHITENING = R(r"dental bleaching agent|teeth whitening kit", text=r"whiten|bleach|white")
WHITENING_REL = R(r"tooth-bleaching acceleration|teeth whitening tray|gingiva bleaching")
CURING_LIGHT = R(r"polymerization lamp", no=r"radiometer|meter|light guide|sleeve|shield")
CURING_PART = R(r"polymerization lamp")
HANDPIECE = R(
    r"dental power tool system handpiece|dental surgical power tool motorized handpiece|"
    r"dental laboratory drilling system handpiece|manual surgical rotary handpiece|"
    r"power tool handpiece motorless component"
)
ULTRASONIC_TIP = R(
    r"ultrasonic dental scaling/debridement system handpiece tip|"
    r"ultrasonic surgical system handpiece tip|pneumatic dental scaling.*tip"
)
ULTRASONIC = R(r"ultrasonic dental scaling|pneumatic dental scaling")
TOOTHBRUSH = R(r"toothbrush")
ELECTRIC_TOOTHBRUSH = R(r"electric toothbrush|sonic electric|radio-frequency toothbrush")
BONDING = R(r"^dentine bonding agent", text=r"bond|adhes|prime", no=r"composite")
ETCHANT = R(r"dental etching solution", text=r"etch|acid|phosph")
PAPER_POINT = R(r"^endodontic paper point")
GUTTA = R(r"gutta-percha|root canal obturating point", text=r"gutta|gp\b|points?|cone")
OBTURATION = R(r"obturation")
SCALER = R(r"^manual dental scaler|^rotary dental scaler")
CURETTE = R(
    r"^periodontal curette|^dental curette",
    text=r"curet|gracey|columbia|langer|barnhart|mccall|kyrett",
    no=r"elevator|peritome",
)
PERIO_PROBE = R(r"^periodontal probe")
PROBE = R(r"dental surgical probe", text=r"explorer|probe|sond")
BONE_GRAFT = R(r"bone matrix implant|synthetic bone graft", no=r"funnel|filter|delivery")
MEMBRANE = R(r"regeneration membrane(?!.*tack)")
TEMP_CROWN = R(r"^preformed dental crown, temporary|^temporary dental crown/bridge$")
TEMP_CROWN_RESIN = R(r"^temporary dental crown/bridge resin")
SCISSORS = R(r"scissors")
XRAY_HOLDER = R(r"dental x-ray film holder", no=r"sleeve|envelope|barrier")
XRAY_BARRIER = R(r"dental x-ray film holder")
XRAY_SYSTEM = R(r"x-ray system")
DENTURE_RELINER = R(r"^denture reliner")
DENTURE_ADHESIVE = R(r"denture adhesive")
DENTURE_CLEANSER = R(r"^denture cleanser")
DESENSITIZER = R(r"tooth-desensitizing", text=r"desensiti|sensitiv", no=r"fluoride varnish")
PLUGGER = R(r"^endodontic plugger")
DISK = R(r"dental abrasive (disk|strip)")
WEDGE = R(r"^dental wedge")
RETAINER = R(r"^orthodontic retainer")
DENTIFRICE = R(r"^dentifrice$", no=r"prophy|polishing paste")
IMPLANT_DRILL = R(r"fixture/appliance dental drill bit|fluted surgical drill bit", text=r"drill")

INTENTS: tuple[Intent, ...] = (
    # ------------------------------------------------------------------ Swedish
    Intent("diamantborr", "sv", (DIAMOND_BUR,), (CARBIDE_BUR, OTHER_BUR)),
    Intent("diamantborrar", "sv", (DIAMOND_BUR,), (CARBIDE_BUR, OTHER_BUR)),
    Intent("hårdmetallborr", "sv", (CARBIDE_BUR,), (DIAMOND_BUR, OTHER_BUR)),
    Intent("avtrycksmaterial", "sv", (IMPRESSION,), (R(r"impression material (syringe|mixer)"),)),
    Intent(
        "silikonavtryck",
        "sv",
        (R(r"^silicone dental impression material"),),
        (R(r"polyether dental impression|composite dental impression"),),
        (R(r"alginate dental impression"),),
    ),
    Intent("alginat", "sv", (R(r"^alginate dental impression material"),), (IMPRESSION,)),
    Intent("avtrycksskedar", "sv", (IMPRESSION_TRAY,), (R(r"impression tray material"),)),
    Intent("komposit", "sv", (COMPOSITE,), (COMPOSITE_REL,), (), (TEMP_CROWN_RESIN,)),
    Intent(
        "flytande komposit",
        "sv",
        (R(COMPOSITE.cats, text=r"flow"),),
        (COMPOSITE,),
        (),
        (TEMP_CROWN_RESIN,),
    ),
    Intent(
        "tandblekning", "sv", (WHITENING,), (WHITENING_REL,), (), (R(r"temporary dental crown"),)
    ),
    Intent("rotkanalfil", "sv", (ENDO_FILE,), (PAPER_POINT, PLUGGER)),
    Intent("rotkanalsfilar", "sv", (ENDO_FILE,), (PAPER_POINT, PLUGGER)),
    Intent("implantat", "sv", (IMPLANT,), (ABUTMENT,), (IMPLANT_DRILL,)),
    Intent("distans implantat", "sv", (ABUTMENT,), (), (IMPLANT,)),
    Intent(
        "tandställning",
        "sv",
        (BRACKET,),
        (ORTHO_WIRE, R(r"self-ligating orthodontic bracket")),
        (ALIGNER, RETAINER, R(r"orthodontic archwire/bracket ligature")),
    ),
    Intent("munspegel", "sv", (MIRROR,), (), (), (R(r"x-ray|probe", text=r"mirror"),)),
    Intent("extraktionstång", "sv", (EXTRACTION_FORCEPS,), (), (ELEVATOR,)),
    Intent(
        "hävel", "sv", (ELEVATOR,), (R(r"periosteal elevator|sinus lift"),), (EXTRACTION_FORCEPS,)
    ),
    Intent(
        "sugslang",
        "sv",
        (R(r"suction/irrigation tubing"),),
        (R(r"^dental suction system$|suction system in-line filter"),),
        (SUCTION_TIP,),
    ),
    Intent("salivsug", "sv", (R(SUCTION_TIP.cats, text=r"saliva|ejector"),), (SUCTION_TIP,)),
    Intent(
        "cement", "sv", (CEMENT,), (R(r"dental cement trial"),), (), (R(r"orthopaedic cement"),)
    ),
    Intent("glasjonomercement", "sv", (R(r"^glass ionomer dental cement"),), (CEMENT,)),
    Intent("fluorlack", "sv", (FLUORIDE_VARNISH,), (FLUORIDE,), (DESENSITIZER,)),
    Intent("tandtråd", "sv", (FLOSS,), (R(r"dental floss dispenser"),), (R(r"water jet flosser"),)),
    Intent("tandtrad", "sv", (FLOSS,), (R(r"dental floss dispenser"),), (R(r"water jet flosser"),)),
    Intent("polerpasta", "sv", (PROPHY_PASTE,), (), (POLISH_CUP,), (DENTIFRICE,)),
    Intent("polerkoppar", "sv", (POLISH_CUP,), (R(r"dental polishing brush"),), (PROPHY_PASTE,)),
    Intent("matrisband", "sv", (MATRIX_BAND,), (MATRIX_OTHER,)),
    Intent("kilar", "sv", (WEDGE,), (), (MATRIX_BAND,)),
    Intent("kofferdam", "sv", (RUBBER_DAM,), (RUBBER_DAM_ACC,)),
    Intent("kofferdamklammer", "sv", (R(r"^rubber dam clamp$"),), (RUBBER_DAM_ACC,), (RUBBER_DAM,)),
    Intent(
        "bedövningsspruta",
        "sv",
        (R(r"anaesthesia syringe"),),
        (ANAESTHESIA,),
        (ANAESTHESIA_NEEDLE,),
    ),
    Intent("kanyler", "sv", (R(r"^dental syringe needle"),), (R(r"anaesthesia syringe/needle"),)),
    # issue 16: anaesthesia by its Swedish names and active substances; the demo catalog
    # holds no drugs, so a substance's judged products are the devices it is given with (1)
    Intent("anestesi", "sv", (ANAESTHESIA,), (ANAESTHESIA_NEEDLE,)),
    Intent("lokalanestesi", "sv", (ANAESTHESIA,), (ANAESTHESIA_NEEDLE,)),
    Intent("articain", "sv", (), (), (ANAESTHESIA,)),
    Intent("lidokain", "sv", (), (), (ANAESTHESIA,)),
    Intent("mepivakain", "sv", (), (), (ANAESTHESIA,)),
    # a face mask: the demo catalog has none, and a rubber dam (a "protection" for the
    # mouth) is the wrong device; judged by its hard negatives only
    Intent("munskydd", "sv", (), (), (), (R(r"^rubber dam"),)),
    Intent("härdljus", "sv", (CURING_LIGHT,), (CURING_PART,)),
    Intent("handstycke", "sv", (HANDPIECE,), (R(r"irrigation handpiece$"),)),
    Intent("ultraljudsspets", "sv", (ULTRASONIC_TIP,), (ULTRASONIC,)),
    Intent("eltandborste", "sv", (ELECTRIC_TOOTHBRUSH,), (TOOTHBRUSH,)),
    Intent("tandborste", "sv", (TOOTHBRUSH,)),
    Intent("tandkräm", "sv", (DENTIFRICE,), (), (PROPHY_PASTE,)),
    Intent("bonding", "sv", (BONDING,), (R(r"orthodontic bracket adhesive"),), (ETCHANT,)),
    Intent("etsgel", "sv", (ETCHANT,), (BONDING,)),
    Intent("pappersspetsar", "sv", (PAPER_POINT,), (GUTTA,)),
    Intent("guttaperka", "sv", (GUTTA,), (OBTURATION,), (PAPER_POINT,)),
    Intent("depurator", "sv", (SCALER,), (CURETTE,), (ULTRASONIC,)),
    Intent("kyrett", "sv", (CURETTE,), (SCALER,), (R(r"bone curette|general-purpose curette"),)),
    Intent("parodontalsond", "sv", (PERIO_PROBE,), (PROBE,)),
    Intent("benersättning", "sv", (BONE_GRAFT,), (MEMBRANE,)),
    Intent(
        "kollagenmembran",
        "sv",
        (R(r"^collagen dental regeneration membrane"),),
        (MEMBRANE,),
        (BONE_GRAFT,),
    ),
    Intent("temporär krona", "sv", (TEMP_CROWN,), (TEMP_CROWN_RESIN,)),
    Intent("kronsax", "sv", (R(r"^dental collar/crown scissors"),), (SCISSORS,)),
    Intent(
        "röntgenhållare",
        "sv",
        (XRAY_HOLDER,),
        (R(r"x-ray system beam alignment"),),
        (XRAY_BARRIER, XRAY_SYSTEM),
    ),
    Intent("rebasering", "sv", (DENTURE_RELINER,), (R(r"denture repair kit"),)),
    Intent("protesrengöring", "sv", (DENTURE_CLEANSER,), (DENTURE_ADHESIVE,)),
    Intent("ortodontisk tång", "sv", (R(r"^orthodontic pliers"),), (R(r"wire holding/twisting"),)),
    Intent("ortodontiska brackets", "sv", (BRACKET,), (R(r"self-ligating orthodontic bracket"),)),
    Intent("ilningsskydd", "sv", (DESENSITIZER,), (FLUORIDE,)),
    Intent("polerskivor", "sv", (DISK,), (POLISH_CUP,)),
    # ------------------------------------------------------------------ English
    Intent("diamond bur", "en", (DIAMOND_BUR,), (CARBIDE_BUR, OTHER_BUR)),
    Intent("carbide bur", "en", (CARBIDE_BUR,), (DIAMOND_BUR, OTHER_BUR)),
    Intent(
        "impression material", "en", (IMPRESSION,), (R(r"impression material (syringe|mixer)"),)
    ),
    Intent(
        "alginate impression", "en", (R(r"^alginate dental impression material"),), (IMPRESSION,)
    ),
    Intent("impression tray", "en", (IMPRESSION_TRAY,), (R(r"impression tray material"),)),
    Intent("composite resin", "en", (COMPOSITE,), (COMPOSITE_REL,), (), (TEMP_CROWN_RESIN,)),
    Intent("endodontic file", "en", (ENDO_FILE,), (PAPER_POINT, PLUGGER)),
    Intent("rotary file", "en", (ENDO_FILE_ROT,), (ENDO_FILE_MAN,)),
    Intent("dental implant", "en", (IMPLANT,), (ABUTMENT,), (IMPLANT_DRILL,)),
    Intent("healing abutment", "en", (R(ABUTMENT.cats, text=r"healing"),), (ABUTMENT,), (IMPLANT,)),
    Intent("orthodontic bracket", "en", (BRACKET,), (R(r"self-ligating orthodontic bracket"),)),
    Intent(
        "ceramic bracket",
        "en",
        (R(r"^orthodontic bracket, ceramic"),),
        (BRACKET,),
        (),
        (R(r"ceramic dental bur"),),
    ),
    Intent("archwire", "en", (ORTHO_WIRE,), (), (BRACKET,)),
    Intent("clear aligner", "en", (ALIGNER,), (R(r"aligner/retainer seater"),), (RETAINER,)),
    Intent("dental mirror", "en", (MIRROR,)),
    Intent("extraction forceps", "en", (EXTRACTION_FORCEPS,), (), (ELEVATOR,)),
    Intent("root elevator", "en", (ELEVATOR,), (R(r"periosteal elevator"),), (EXTRACTION_FORCEPS,)),
    Intent("saliva ejector", "en", (R(SUCTION_TIP.cats, text=r"saliva|ejector"),), (SUCTION_TIP,)),
    Intent("glass ionomer cement", "en", (R(r"^glass ionomer dental cement"),), (CEMENT,)),
    Intent("dental cement", "en", (CEMENT,), (), (), (R(r"orthopaedic cement"),)),
    Intent("fluoride varnish", "en", (FLUORIDE_VARNISH,), (FLUORIDE,), (DESENSITIZER,)),
    Intent(
        "dental floss", "en", (FLOSS,), (R(r"dental floss dispenser"),), (R(r"water jet flosser"),)
    ),
    Intent("prophy paste", "en", (PROPHY_PASTE,), (), (POLISH_CUP,), (DENTIFRICE,)),
    Intent("matrix band", "en", (MATRIX_BAND,), (MATRIX_OTHER,)),
    Intent("rubber dam", "en", (RUBBER_DAM,), (RUBBER_DAM_ACC,)),
    Intent(
        "anesthetic syringe",
        "en",
        (R(r"anaesthesia syringe"),),
        (ANAESTHESIA,),
        (ANAESTHESIA_NEEDLE,),
    ),
    Intent("teeth whitening", "en", (WHITENING,), (WHITENING_REL,)),
    Intent("curing light", "en", (CURING_LIGHT,), (CURING_PART,)),
    Intent("ultrasonic scaler tip", "en", (ULTRASONIC_TIP,), (ULTRASONIC,)),
    Intent("electric toothbrush", "en", (ELECTRIC_TOOTHBRUSH,), (TOOTHBRUSH,)),
    Intent("bonding agent", "en", (BONDING,), (R(r"orthodontic bracket adhesive"),), (ETCHANT,)),
    Intent("paper points", "en", (PAPER_POINT,), (GUTTA,)),
    Intent("gutta percha", "en", (GUTTA,), (OBTURATION,), (PAPER_POINT,)),
    Intent("periodontal probe", "en", (PERIO_PROBE,), (PROBE,)),
    Intent("bone graft", "en", (BONE_GRAFT,), (MEMBRANE,)),
    Intent("collagen membrane", "en", (R(r"^collagen dental regeneration membrane"),), (MEMBRANE,)),
    Intent("temporary crown", "en", (TEMP_CROWN,), (TEMP_CROWN_RESIN,)),
    Intent("denture reliner", "en", (DENTURE_RELINER,), (R(r"denture repair kit"),)),
    Intent("desensitizer", "en", (DESENSITIZER,), (FLUORIDE,)),
    Intent("hand scaler", "en", (SCALER,), (CURETTE,), (ULTRASONIC,)),
    Intent("gracey curette", "en", (R(CURETTE.cats, text=r"gracey"),), (CURETTE,), (SCALER,)),
    Intent(
        "hu-friedy mirror",
        "en",
        (R(MIRROR.cats, text=MIRROR.text, brand=r"hu-?friedy"),),
        (MIRROR,),
    ),
    Intent(
        "anesthetic needle 30g short",
        "en",
        (R(ANAESTHESIA_NEEDLE.cats, text=r"30 ?g.*short|short.*30 ?g", no=r"irrigat"),),
        (ANAESTHESIA_NEEDLE,),
        (R(r"anaesthesia syringe"),),
        (R(r"^dental syringe needle", text=r"irrigat"),),
    ),
    Intent(
        "x-ray sensor holder",
        "en",
        (XRAY_HOLDER,),
        (R(r"beam alignment"),),
        (XRAY_BARRIER, XRAY_SYSTEM),
    ),
)

# Descriptions and paraphrases: what a clinic types when it does not know the product's
# name. Most share no word with the GUDID text (nor a synonym path), so only semantic
# retrieval can find them; judged with the same device-type rules as the queries above.
SEMANTIC = ("semantic",)
PANORAMIC = R(r"panoramic")
MILLING_CHAIRSIDE = R(r"^dental milling system, CAD/CAM, chairside")
SEMANTIC_INTENTS: tuple[Intent, ...] = (
    Intent(
        "något att fästa en tandställning med",
        "sv",
        (R(r"^orthodontic bracket adhesive"),),
        (),
        (BONDING,),
        tags=SEMANTIC,
    ),
    Intent("lampa som härdar fyllningar", "sv", (CURING_LIGHT,), (CURING_PART,), tags=SEMANTIC),
    Intent(
        "verktyg för att dra ut tänder",
        "sv",
        (EXTRACTION_FORCEPS,),
        (),
        (ELEVATOR,),
        tags=SEMANTIC,
    ),
    Intent(
        "genomskinliga skenor som rätar tänderna",
        "sv",
        (ALIGNER,),
        (R(r"aligner/retainer seater"),),
        (RETAINER,),
        tags=SEMANTIC,
    ),
    Intent(
        "gummiduk som isolerar tanden under behandlingen",
        "sv",
        (RUBBER_DAM,),
        (RUBBER_DAM_ACC,),
        tags=SEMANTIC,
    ),
    Intent(
        "material för att ta en kopia av tänderna",
        "sv",
        (IMPRESSION,),
        (IMPRESSION_TRAY,),
        tags=SEMANTIC,
    ),
    Intent(
        "fylla ut förlorat käkben",
        "sv",
        (BONE_GRAFT,),
        (MEMBRANE,),
        tags=SEMANTIC,
    ),
    Intent(
        "skruv som ersätter en tandrot",
        "sv",
        (IMPLANT,),
        (),
        (ABUTMENT,),
        tags=SEMANTIC,
    ),
    Intent(
        "mot ilningar i känsliga tänder",
        "sv",
        (DESENSITIZER,),
        (FLUORIDE,),
        tags=SEMANTIC,
    ),
    Intent("göra tänderna vitare", "sv", (WHITENING,), (WHITENING_REL,), tags=SEMANTIC),
    Intent(
        "skrapa bort tandsten för hand",
        "sv",
        (SCALER,),
        (CURETTE,),
        (ULTRASONIC,),
        tags=SEMANTIC,
    ),
    Intent(
        "mäta fickdjup runt tänderna",
        "sv",
        (PERIO_PROBE,),
        (PROBE,),
        tags=SEMANTIC,
    ),
    Intent("tvätta löständer", "sv", (DENTURE_CLEANSER,), (), (DENTURE_ADHESIVE,), tags=SEMANTIC),
    Intent(
        "få löständerna att sitta fast",
        "sv",
        (DENTURE_ADHESIVE,),
        (),
        (DENTURE_RELINER,),
        tags=SEMANTIC,
    ),
    Intent(
        "fylla och täta rotkanalen",
        "sv",
        (GUTTA,),
        (OBTURATION,),
        (PLUGGER,),
        tags=SEMANTIC,
    ),
    Intent("torka ur rotkanalen", "sv", (PAPER_POINT,), (), (GUTTA,), tags=SEMANTIC),
    Intent(
        "tillfällig tand medan kronan tillverkas",
        "sv",
        (TEMP_CROWN,),
        (TEMP_CROWN_RESIN,),
        tags=SEMANTIC,
    ),
    Intent(
        "röntgenbild av hela käken",
        "sv",
        (PANORAMIC,),
        (),
        (XRAY_SYSTEM,),
        tags=SEMANTIC,
    ),
    Intent(
        "metalltråd som flyttar tänderna",
        "sv",
        (ORTHO_WIRE,),
        (),
        (BRACKET,),
        tags=SEMANTIC,
    ),
    Intent(
        "förebygga karies med fluor",
        "sv",
        (FLUORIDE_VARNISH,),
        (FLUORIDE,),
        tags=SEMANTIC,
    ),
    Intent(
        "fräsa kronor direkt på kliniken",
        "sv",
        (MILLING_CHAIRSIDE,),
        (R(r"^dental milling system"),),
        (R(r"CAD/CAM software"),),
        tags=SEMANTIC,
    ),
    Intent(
        "suga upp saliv under behandlingen",
        "sv",
        (R(SUCTION_TIP.cats, text=r"saliva|ejector"),),
        (SUCTION_TIP,),
        tags=SEMANTIC,
    ),
)

# Identifier queries: devices picked by a stable hash (not by search), queried by their
# primary GTIN (as GTIN-14 and, for a GTIN-13 inside, without the leading zero) or by the
# catalog/model number when that number is unique in the catalog file.
N_GTIN_QUERIES = 5
N_MODEL_QUERIES = 5


def read_devices(path: Path = CATALOG) -> list[Device]:
    devices: list[Device] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            gtin = next(
                (
                    i["value"]
                    for i in r["identifiers"]
                    if i["scheme"] == "gs1" and i["level"] == "primary"
                ),
                None,
            ) or next((i["value"] for i in r["identifiers"] if i["scheme"] == "gs1"), None)
            if not gtin or len(gtin) > 14:
                continue
            devices.append(
                Device(
                    gtin=gtin,
                    name=r["name"],
                    description=r.get("description") or "",
                    category=r.get("category") or "",
                    brand=r.get("brand") or "",
                    manufacturer=r.get("manufacturer") or "",
                    mpn=r.get("mpn") or "",
                    catalog_number=r.get("catalog_number") or "",
                )
            )
    return devices


def _rank(query: str, gtin: str) -> str:
    return hashlib.sha256(f"{query}\t{gtin}".encode()).hexdigest()


def identifier_intents(devices: list[Device]) -> list[Intent]:
    by_hash = sorted(devices, key=lambda d: _rank("identifier", d.gtin))
    out: list[Intent] = []
    for i, d in enumerate(by_hash[:N_GTIN_QUERIES]):
        query = d.gtin[1:] if i % 2 and d.gtin.startswith("0") else d.gtin
        out.append(Intent(query, "id", (Rule(gtin=d.gtin),)))
    counts: dict[str, int] = {}
    for d in devices:
        for code in {d.mpn, d.catalog_number} - {""}:
            counts[code.upper()] = counts.get(code.upper(), 0) + 1
    for d in by_hash[N_GTIN_QUERIES:]:
        if len(out) >= N_GTIN_QUERIES + N_MODEL_QUERIES:
            break
        code = d.catalog_number or d.mpn
        if len(code) < 4 or not any(c.isdigit() for c in code) or counts.get(code.upper()) != 1:
            continue
        out.append(Intent(code, "id", (Rule(gtin=d.gtin),)))
    return out


def judge(intents: list[Intent], devices: list[Device]) -> Iterator[tuple[str, str, int]]:
    for intent in intents:
        graded = [(g, d.gtin) for d in devices if (g := intent.grade(d)) is not None]
        positives = sorted(
            ((g, gt) for g, gt in graded if g > 0), key=lambda x: (-x[0], _rank(intent.query, x[1]))
        )
        # the best grade a query has is kept complete (grade 3, or 1 for a query whose
        # catalog holds only related devices): unjudged, it would count as non-relevant
        best = positives[0][0] if positives else 3
        exact = sum(1 for g, _gt in positives if g == best)
        positives = positives[: max(MAX_POSITIVES, min(exact, MAX_EXACT))]
        negatives = sorted(
            (gt for g, gt in graded if g == 0), key=lambda gt: _rank(intent.query, gt)
        )[:MAX_NEGATIVES]
        for g, gtin in positives:
            yield intent.query, gtin, g
        for gtin in negatives:
            yield intent.query, gtin, 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", type=Path, default=CATALOG)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--show", help="print one query's judged devices instead of writing")
    args = parser.parse_args()
    devices = read_devices(args.catalog)
    intents = [*INTENTS, *identifier_intents(devices), *SEMANTIC_INTENTS]
    rows = list(judge(intents, devices))
    if args.show:
        by_gtin = {d.gtin: d for d in devices}
        for query, gtin, grade in rows:
            if query == args.show:
                d = by_gtin[gtin]
                print(f"{grade} {gtin} [{d.category[:40]}] {d.name[:90]}")
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tags = {i.query: ",".join(i.tags) for i in intents}
    with args.out.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("query\tgtin\tgrade\ttags\n")
        for query, gtin, grade in rows:
            tag = f"\t{tags[query]}" if tags[query] else ""
            fh.write(f"{query}\t{gtin}\t{grade}{tag}\n")
    langs = {i.query: i.lang for i in intents}
    n_lang = {lang: sum(1 for i in intents if i.lang == lang) for lang in ("sv", "en", "id")}
    print(f"{n_lang}")
    print(f"{len(intents)} queries, {len(rows)} rows -> {args.out}")
    for intent in intents:
        grades = [g for q, _gt, g in rows if q == intent.query]
        total = sum(1 for d in devices if (g := intent.grade(d)) is not None and g > 0)
        capped = " (capped)" if total > len([g for g in grades if g]) else ""
        counts = " ".join(f"{g}:{grades.count(g)}" for g in (3, 2, 1, 0))
        marker = " semantic" if intent.tags else ""
        print(
            f"  [{langs[intent.query]}{marker}] {intent.query:32} {counts}  "
            f"matching={total}{capped}"
        )


if __name__ == "__main__":
    main()
