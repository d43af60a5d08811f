"""An in-memory view of the catalog for matching: exact identifier maps plus a blocking index.

* GTIN map: every GS1 identifier of a product, at any packaging level -> (product, level, qty);
* code map: normalized MPN and catalog number -> product ids;
* blocking postings: title tokens and model-number keys (and their variant stems) -> product
  ids, as compact ``array('i')`` lists. `candidates` walks an offer's keys rarest first and
  stops at a postings budget, so the cost per offer is bounded whatever the catalog size.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, replace
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from indexer.matching.batch_features import TextVectors, text_vectors
from indexer.matching.features import Profile, make_profile
from indexer.matching.keys import brand_key, code_key, code_stem, gtin_key, model_codes, tokens
from indexer.matching.text_stats import TextStats

CODE_PREFIX = "#"
BRAND_PREFIX = "@"
GRAM_SAMPLE = 8
PROFILE_CACHE = 3_000  # digested products kept per process (about 18 KB each with vectors)


@dataclass(frozen=True, slots=True)
class PackagedGtin:
    """A GS1 identifier of a packaging level above the base unit (e.g. a box of 50)."""

    gtin: str
    level: str  # e.g. "package", "case"
    quantity: int | None = None  # base units inside


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    product_id: int
    name: str
    brand: str | None = None
    manufacturer: str | None = None
    mpn: str | None = None
    catalog_number: str | None = None
    identifiers: tuple[str, ...] = ()  # base-unit GTINs (and any other GS1 identifier)
    packaging: tuple[PackagedGtin, ...] = ()


@dataclass(frozen=True, slots=True)
class GtinHit:
    product_id: int
    level: str | None  # None for the base unit
    quantity: int | None


def blocking_keys(name: str, codes: Iterable[str], brands: Iterable[str | None] = ()) -> set[str]:
    """The postings keys of a title: its words (2+ chars), codes, code stems and brand keys."""
    keys = {t for t in tokens(name) if len(t) > 1}
    for brand in brands:
        key = brand_key(brand)
        if key:
            keys.add(BRAND_PREFIX + key)
    for code in codes:
        keys.add(CODE_PREFIX + code)
        stem = code_stem(code)
        if stem:
            keys.add(CODE_PREFIX + stem)
    return keys


@dataclass(frozen=True, slots=True)
class IndexTables:
    """A built index's lookup tables without its entries: what a build worker sends back."""

    gtins: dict[str, GtinHit]
    codes: dict[str, list[int]]
    postings: dict[str, array[int]]
    stats: TextStats


class CatalogIndex:
    """Lookup structures over catalog entries; grow it with `add`, build it with `build`."""

    def __init__(self, *, max_postings: int = 1000, max_df_share: float = 0.05) -> None:
        self._entries: dict[int, CatalogEntry] = {}
        self._gtins: dict[str, GtinHit] = {}
        self._codes: dict[str, list[int]] = {}
        self._postings: dict[str, array[int]] = {}
        self._profiles: dict[int, Profile] = {}
        # text vectors per product, valid for one `TextStats` object at one version
        self._vectors: dict[int, tuple[Profile, TextVectors]] = {}
        self._vectors_of: tuple[TextStats, int] | None = None
        # token / n-gram IDF and brands of the catalog names (n-grams of a 1/8 sample)
        self.stats = TextStats(gram_every=GRAM_SAMPLE)
        self._max_postings = max_postings
        self._max_df_share = max_df_share

    @classmethod
    def build(cls, entries: Iterable[CatalogEntry], **options: float) -> CatalogIndex:
        index = cls(
            max_postings=int(options.get("max_postings", 1000)),
            max_df_share=float(options.get("max_df_share", 0.05)),
        )
        for entry in entries:
            index.add(entry)
        return index

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: CatalogEntry) -> None:
        """Add (or replace the lookups of) one product. Replacing keeps stale postings out."""
        pid = entry.product_id
        if pid in self._entries:
            self._remove(self._entries[pid])
        self._entries[pid] = entry
        self._profiles.pop(pid, None)
        self._vectors.pop(pid, None)
        for ident in entry.identifiers:
            key = gtin_key(ident)
            if key:
                self._gtins.setdefault(key, GtinHit(pid, None, None))
        for pack in entry.packaging:
            key = gtin_key(pack.gtin)
            if key:
                self._gtins.setdefault(key, GtinHit(pid, pack.level, pack.quantity))
        own_codes = []
        for value in (entry.mpn, entry.catalog_number):
            key = code_key(value)
            if key:
                ids = self._codes.setdefault(key, [])
                if pid not in ids:
                    ids.append(pid)
                own_codes.append(key)
        self._count(entry, 1)
        for key in self._entry_keys(entry, own_codes):
            postings = self._postings.get(key)
            if postings is None:
                self._postings[key] = array("i", (pid,))
            elif not postings or postings[-1] < pid:
                postings.append(pid)
            else:  # keep postings sorted: `candidates` binary-searches them
                postings.insert(bisect_left(postings, pid), pid)

    @staticmethod
    def _entry_keys(entry: CatalogEntry, own_codes: list[str]) -> set[str]:
        codes = (*own_codes, *model_codes(entry.name))
        return blocking_keys(entry.name, codes, (entry.brand, entry.manufacturer))

    def _count(self, entry: CatalogEntry, sign: int) -> None:
        self.stats.add(entry.name, sign)
        self.stats.add_brand(entry.brand, sign)
        if entry.manufacturer != entry.brand:
            self.stats.add_brand(entry.manufacturer, sign)

    def _remove(self, entry: CatalogEntry) -> None:
        pid = entry.product_id
        self._count(entry, -1)
        for table_key in [k for k, hit in self._gtins.items() if hit.product_id == pid]:
            del self._gtins[table_key]
        own_codes = []
        for value in (entry.mpn, entry.catalog_number):
            key = code_key(value)
            if key and key in self._codes:
                self._codes[key] = [i for i in self._codes[key] if i != pid]
                own_codes.append(key)
        for key in self._entry_keys(entry, own_codes):
            postings = self._postings.get(key)
            if postings is not None:
                self._postings[key] = array("i", (i for i in postings if i != pid))

    def tables(self) -> IndexTables:
        return IndexTables(self._gtins, self._codes, self._postings, self.stats)

    def merge_tables(self, entries: Iterable[CatalogEntry], tables: IndexTables) -> None:
        """Add `entries`, whose lookups were built elsewhere into `tables`, as `add` would.

        Every entry must have a higher product id than any already here, so postings lists
        stay sorted by appending (the slices of a parallel build come in id order).
        """
        newest = max(self._entries, default=-1)
        for entry in entries:
            if entry.product_id <= newest or entry.product_id in self._entries:
                raise ValueError(
                    f"merged product {entry.product_id} is not above the index's {newest}"
                )
            self._entries[entry.product_id] = entry
        for key, hit in tables.gtins.items():
            self._gtins.setdefault(key, hit)
        for key, ids in tables.codes.items():
            self._codes.setdefault(key, []).extend(ids)
        for key, postings in tables.postings.items():
            mine = self._postings.get(key)
            if mine is None:
                self._postings[key] = postings
            else:
                mine.extend(postings)
        self.stats.merge(tables.stats)

    # ------------------------------------------------------------------ lookups

    def entry(self, product_id: int) -> CatalogEntry:
        return self._entries[product_id]

    def by_gtin(self, gtin: str) -> GtinHit | None:
        key = gtin_key(gtin)
        return self._gtins.get(key) if key else None

    def by_code(self, key: str) -> list[int]:
        """Products whose normalized MPN or catalog number equals `key`."""
        return self._codes.get(key, [])

    def profile(self, product_id: int) -> Profile:
        """The entry digested for pairwise features (memoized per product)."""
        prof = self._profiles.get(product_id)
        if prof is None:
            prof = self._make_profile(product_id)
            if len(self._profiles) >= PROFILE_CACHE:
                self._profiles.clear()
            self._profiles[product_id] = prof
        return prof

    def _make_profile(self, product_id: int) -> Profile:
        e = self._entries[product_id]
        return make_profile(
            e.name, brand=e.brand or e.manufacturer, identifiers=(e.mpn, e.catalog_number)
        )

    def profile_vectors(self, product_id: int, stats: TextStats) -> tuple[Profile, TextVectors]:
        """The entry's profile, without its n-gram counts (`fast_pair_features` reads them from
        the vectors), and its text vectors under `stats` (memoized while the statistics stay
        unchanged: adding a product changes the IDFs and empties the memo)."""
        if self._vectors_of is None or (
            self._vectors_of[0] is not stats or self._vectors_of[1] != stats.version
        ):
            self._vectors.clear()
            self._vectors_of = (stats, stats.version)
        hit = self._vectors.get(product_id)
        if hit is None:
            prof = self._profiles.get(product_id) or self._make_profile(product_id)
            # kept without its n-gram counts, which the vectors hold as weights: half the memory
            hit = (replace(prof, grams={}), text_vectors(prof, stats))
            if len(self._vectors) >= PROFILE_CACHE:
                self._vectors.clear()
            self._vectors[product_id] = hit
        return hit

    def candidates(self, keys: Iterable[str], k: int = 10) -> list[tuple[int, float]]:
        """The top-`k` products sharing the rarest of `keys` (IDF-weighted), best first.

        Keys are visited from the rarest up; a key held by more than `max_df_share` of the
        catalog is never used, and once `max_postings` ids were visited no new key is opened.
        """
        n = len(self._entries)
        if n == 0:
            return []
        max_df = min(self._max_postings, max(50, int(n * self._max_df_share)))
        lists = []
        common = []  # too frequent to open, but still telling apart the candidates found
        for key in set(keys):
            postings = self._postings.get(key)
            if postings is None:
                continue
            if len(postings) <= max_df:
                lists.append((len(postings), key, postings))
            else:
                common.append((len(postings), postings))
        if not lists:
            return []
        lists.sort(key=itemgetter(0))
        chosen: list[npt.NDArray[np.int32]] = []
        weights: list[float] = []
        spent = 0
        for df, key, postings in lists:
            if spent and spent + df > self._max_postings:
                break
            spent += df
            weight = math.log((n + 1) / (df + 1)) + 1.0
            chosen.append(np.frombuffer(postings, dtype=np.int32))
            weights.append(weight * 2.0 if key[0] == CODE_PREFIX else weight)
        ids = np.concatenate(chosen)
        per_id = np.repeat(np.asarray(weights), [a.size for a in chosen])
        unique, inverse = np.unique(ids, return_inverse=True)
        totals = np.bincount(inverse, weights=per_id)
        if unique.size > k:
            # Many products share the rare keys (a product line, a model family): the
            # frequent words of the title (size, shade, device type, brand) break the tie.
            for df, postings in common:
                sorted_ids = np.frombuffer(postings, dtype=np.int32)
                at = np.minimum(np.searchsorted(sorted_ids, unique), sorted_ids.size - 1)
                totals += (math.log((n + 1) / (df + 1)) + 1.0) * (sorted_ids[at] == unique)
            top = np.argpartition(-totals, k - 1)[:k]
            unique, totals = unique[top], totals[top]
        order = np.argsort(-totals, kind="stable")
        return [(int(unique[i]), float(totals[i])) for i in order]

    def brand_in_title(self, name: str) -> str | None:
        """A catalog brand spelled by the first one to three words of a title, if any."""
        words = name.split()[:3]
        for n in (3, 2, 1):
            key = brand_key(" ".join(words[:n])) if len(words) >= n else None
            if key and BRAND_PREFIX + key in self._postings:
                return key
        return None

    def brand_of(self, product_id: int) -> tuple[str | None, str | None]:
        e = self._entries[product_id]
        return brand_key(e.brand), brand_key(e.manufacturer)
