"""Backend-agnostic contract tests: every SearchBackend must pass these.

A backend's test module subclasses :class:`BackendContract` and implements
``make_backend(tmp_path)``; pytest collects the inherited ``test_*`` methods::

    class TestMyBackend(BackendContract):
        def make_backend(self, tmp_path: Path) -> SearchBackend:
            return MyBackend(...)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from search.analysis.tokens import tokenize
from search.documents import ProductDocument, StoredOffer
from search.prices import NO_RATES, RateTable
from search.protocol import BackendQuery, BackendResult, Filters, SearchBackend, SortOrder

GTIN_GLOVES = "7350012345679"  # GTIN-13 with a valid check digit


def offer(
    offer_id: int,
    retailer_id: int,
    price: str | None,
    *,
    stock: str = "in_stock",
    days: int | None = 2,
    vat_included: bool | None = True,
    currency: str = "SEK",
) -> StoredOffer:
    return StoredOffer(
        offer_id=offer_id,
        retailer_id=retailer_id,
        retailer_slug=f"retailer-{retailer_id}",
        price=None if price is None else Decimal(price),
        vat_included=vat_included,
        currency=currency,
        stock_status=stock,
        delivery_days=days,
    )


def sample_documents() -> list[ProductDocument]:
    """Five products; product 1 has 3 offers from 2 retailers, product 3 none."""
    return [
        ProductDocument(
            product_id=1,
            name="Nitrilhandskar puderfria blå M",
            brand="Abena",
            manufacturer="Abena A/S",
            category="Handskar",
            gtins=(GTIN_GLOVES,),
            offers=(
                offer(11, 1, "99.00"),
                offer(12, 2, "120.00", days=1),
                offer(13, 2, "80.00", vat_included=False),  # 100.00 incl. VAT
            ),
        ),
        ProductDocument(
            product_id=2,
            name="Filtek Supreme XTE universal composite A2",
            brand="3M",
            manufacturer="3M ESPE",
            category="Komposit",
            description="Light-cured nano composite for anterior and posterior restorations",
            mpn="4910A2",
            offers=(offer(21, 1, "700.00", days=5),),
        ),
        ProductDocument(
            product_id=3,
            name="Impregum Penta avtrycksmaterial",
            brand="3M",
            manufacturer="3M ESPE",
            category="Avtrycksmaterial",
        ),
        ProductDocument(
            product_id=4,
            name="Opalescence tandblekning gel 16%",
            brand="Ultradent",
            manufacturer="Ultradent Products",
            category="Tandblekning",
            # out of stock: its same-day promise never sorts, filters or counts as delivery
            offers=(offer(41, 3, "300.00", stock="out_of_stock", days=0),),
        ),
        ProductDocument(
            product_id=5,
            name="Diamantborr FG cylinder 0,5 mm",
            brand="Komet",
            manufacturer="Gebr. Brasseler",
            category="Borrar",
            skus=("KOM-8837-314",),
            offers=(offer(51, 3, "45.00", days=3), offer(52, 1, "6000.00", days=2)),
        ),
    ]


def facet(result: BackendResult, name: str) -> dict[str, int]:
    return dict(result.facets[name])


class BackendContract:
    """The behaviour every search backend promises (see ``search.protocol``)."""

    def make_backend(self, tmp_path: Path) -> SearchBackend:
        raise NotImplementedError("a backend's test class implements make_backend")

    @pytest.fixture()
    def backend(self, tmp_path: Path) -> Iterator[SearchBackend]:
        backend = self.make_backend(tmp_path)
        backend.index_documents(sample_documents())
        yield backend
        backend.close()

    def run(
        self,
        backend: SearchBackend,
        text: str,
        filters: Filters | None = None,
        sort: SortOrder = "relevance",
        limit: int = 50,
    ) -> BackendResult:
        return backend.search(
            BackendQuery(
                query=backend.analyze_query(text),
                filters=filters or Filters(),
                sort=sort,
                limit=limit,
            )
        )

    def ids(self, result: BackendResult) -> list[int]:
        return [pid for pid, _score in result.hits]

    # ------------------------------------------------------------ indexing

    def test_count_after_bulk_index(self, backend: SearchBackend) -> None:
        assert backend.count() == 5

    def test_update_replaces_by_product_id(self, backend: SearchBackend) -> None:
        changed = sample_documents()[1]
        renamed = ProductDocument(
            product_id=changed.product_id, name="Tetric EvoCeram composite", brand="Ivoclar"
        )
        assert backend.update_documents([renamed]) == 1
        assert backend.count() == 5
        assert self.ids(self.run(backend, "filtek")) == []
        result = self.run(backend, "evoceram")
        assert self.ids(result) == [2]
        assert result.documents[2].brand == "Ivoclar"

    def test_delete_removes_product(self, backend: SearchBackend) -> None:
        assert "Ultradent" in facet(self.run(backend, ""), "brand")
        assert backend.delete_documents([4]) == 1
        assert "Ultradent" not in facet(self.run(backend, ""), "brand")  # no stale facets
        assert backend.count() == 4
        assert self.run(backend, "tandblekning").total == 0

    def test_unlisting_a_retailer_rewrites_its_products(self, backend: SearchBackend) -> None:
        """A suspended retailer's products are rewritten without its offers (and back when
        it is reactivated): its facet, filter, prices and offers go and come back."""
        docs = {doc.product_id: doc for doc in sample_documents()}
        touched = [docs[1], docs[2], docs[5]]  # the products retailer 1 offers
        unlisted = [
            replace(doc, offers=tuple(o for o in doc.offers if o.retailer_id != 1))
            for doc in touched
        ]
        assert backend.update_documents(unlisted) == 3
        result = self.run(backend, "")
        assert facet(result, "retailer") == {"retailer-2": 1, "retailer-3": 2}
        assert self.run(backend, "", Filters(retailer=("retailer-1",))).total == 0
        assert backend.count() == 5  # the products stay, findable by their own words
        gloves = self.run(backend, "nitrilhandskar")
        assert [o.offer_id for o in gloves.documents[1].offers] == [12, 13]
        assert self.run(backend, "filtek").documents[2].offers == ()
        assert backend.update_documents(touched) == 3
        again = self.run(backend, "")
        assert facet(again, "retailer") == {"retailer-1": 3, "retailer-2": 1, "retailer-3": 2}
        assert self.ids(self.run(backend, "", Filters(retailer=("retailer-1",)))) != []

    # ------------------------------------------------------------ matching

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("handskar", 1),  # exact Swedish word in a compound name (via compound parts)
            ("handske", 1),  # Swedish singular, same stem
            ("nitrile gloves", 1),  # English via synonyms
            ("composite", 2),
            ("komposit", 2),  # Swedish synonym of an English name
            ("komposti", 2),  # typo
            ("impression material", 3),  # English phrase -> Swedish compound
            ("avtryck", 3),  # compound part
            ("bleaching", 4),
            ("borr", 5),
            ("bur", 5),  # English synonym of borr
            ("0,5 mm", 5),  # decimal comma equals decimal point
            ("0.5 mm kr", 5),
        ],
    )
    def test_text_matching(self, backend: SearchBackend, text: str, expected: int) -> None:
        assert self.ids(self.run(backend, text))[:1] == [expected]

    def test_minimum_should_match_counts_clauses(self, backend: SearchBackend) -> None:
        query = backend.analyze_query("filtek supreme opalescence")
        assert len(query.clauses) == 3
        strict = backend.search(BackendQuery(query=query))
        assert self.ids(strict) == []
        two = backend.search(BackendQuery(query=query, operator="or", minimum_should_match=2))
        assert self.ids(two) == [2]
        one = backend.search(BackendQuery(query=query, operator="or", minimum_should_match=1))
        assert sorted(self.ids(one)) == [2, 4]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [(GTIN_GLOVES, 1), ("0" + GTIN_GLOVES, 1), ("4910-a2", 2), ("kom 8837 314", 5)],
    )
    def test_identifier_match_is_first(
        self, backend: SearchBackend, text: str, expected: int
    ) -> None:
        result = self.run(backend, text)
        assert self.ids(result)[0] == expected
        assert expected in result.identifier_matches

    def test_empty_query_browses_everything(self, backend: SearchBackend) -> None:
        result = self.run(backend, "")
        assert result.total == 5
        assert sorted(self.ids(result)) == [1, 2, 3, 4, 5]

    def test_documents_carry_offers(self, backend: SearchBackend) -> None:
        result = self.run(backend, "nitrilhandskar")
        stored = result.documents[1]
        assert [o.offer_id for o in stored.offers] == [11, 12, 13]
        assert stored.offers[2].comparable_price(NO_RATES) == Decimal("100.0000")
        assert stored.gtin == GTIN_GLOVES

    # ------------------------------------------------------------ facets and filters

    def test_facets_count_products_not_offers(self, backend: SearchBackend) -> None:
        result = self.run(backend, "")
        retailers = facet(result, "retailer")
        # product 1 has 3 offers from 2 retailers: it counts once per retailer
        assert retailers == {"retailer-1": 3, "retailer-2": 1, "retailer-3": 2}
        assert facet(result, "brand") == {"3M": 2, "Abena": 1, "Ultradent": 1, "Komet": 1}
        prices = facet(result, "price")  # over each product's lowest price incl. VAT
        assert prices == {"<100": 2, "100-500": 1, "500-1000": 1, "1000-5000": 0, ">5000": 0}
        assert facet(result, "delivery") == {"1": 1, "3": 2, "7": 3}
        assert facet(result, "in_stock") == {"true": 3}

    def test_facets_cover_whole_match_not_page(self, backend: SearchBackend) -> None:
        result = self.run(backend, "", limit=1)
        assert len(result.hits) == 1
        assert sum(facet(result, "brand").values()) == 5

    def test_filters(self, backend: SearchBackend) -> None:
        def ids(filters: Filters) -> list[int]:
            return sorted(self.ids(self.run(backend, "", filters)))

        assert ids(Filters(brand=("3M",))) == [2, 3]
        assert ids(Filters(retailer=("retailer-2",))) == [1]
        assert ids(Filters(in_stock=True)) == [1, 2, 5]
        assert ids(Filters(max_delivery_days=3)) == [1, 5]
        assert ids(Filters(min_price=Decimal("100"), max_price=Decimal("1000"))) == [2, 4]
        assert ids(Filters(category=("Borrar",), in_stock=True)) == [5]

    def test_product_ids_restrict_to_those_products_under_the_filters(
        self, backend: SearchBackend
    ) -> None:
        """What semantic search asks for: its neighbours' documents, filters applied."""

        def ids(product_ids: tuple[int, ...], filters: Filters | None = None) -> list[int]:
            request = BackendQuery(
                filters=filters or Filters(), product_ids=product_ids, facets=False
            )
            result = backend.search(request)
            assert set(result.documents) == {pid for pid, _ in result.hits}
            return sorted(self.ids(result))

        assert ids((2, 4, 99)) == [2, 4]
        assert ids((1, 2, 3), Filters(brand=("3M",))) == [2, 3]
        assert ids(()) == []

    def test_filtered_facet_keeps_other_values(self, backend: SearchBackend) -> None:
        result = self.run(backend, "", Filters(brand=("3M",)))
        assert result.total == 2
        assert facet(result, "brand")["Abena"] == 1  # disjunctive: own filter not applied
        assert facet(result, "category") == {"Komposit": 1, "Avtrycksmaterial": 1}

    def test_sort_by_price(self, backend: SearchBackend) -> None:
        ascending = self.ids(self.run(backend, "", sort="price_asc"))
        assert ascending == [5, 1, 4, 2, 3]  # no price last
        descending = self.ids(self.run(backend, "", sort="price_desc"))
        assert descending == [2, 4, 1, 5, 3]

    def test_converted_offers_sort_and_filter_by_their_sek_equivalent(
        self, backend: SearchBackend
    ) -> None:
        """Issue 13, 10: 10.00 EUR at 11.42 SEK/EUR is priced 114.20 SEK in the index; a CZK
        offer without a rate stays unpriced (sorted last, outside every price filter)."""
        rates = RateTable({"EUR": Decimal("11.42")}, date(2026, 12, 1))
        backend.index_documents(
            [
                ProductDocument(
                    product_id=6,
                    name="Munspegel nr 5",
                    offers=(offer(61, 4, "10.00", currency="EUR"),),
                    rates=rates,
                ),
                ProductDocument(
                    product_id=7,
                    name="Munspegel nr 4",
                    offers=(offer(71, 4, "5.00", currency="CZK"),),
                    rates=rates,
                ),
            ]
        )
        ascending = self.ids(self.run(backend, "", sort="price_asc"))
        assert ascending[:5] == [5, 1, 6, 4, 2]  # 45, 99, 114.20, 300, 700
        assert set(ascending[5:]) == {3, 7}  # no comparable price last
        descending = self.ids(self.run(backend, "", sort="price_desc"))
        assert descending[:5] == [2, 4, 6, 1, 5]
        within = self.run(backend, "", Filters(min_price=Decimal("110"), max_price=Decimal("120")))
        assert self.ids(within) == [6]
        cheap = self.run(backend, "", Filters(max_price=Decimal("20")))
        assert 6 not in self.ids(cheap) and 7 not in self.ids(cheap)  # not 10 or 5 "SEK"

    def test_sort_by_delivery(self, backend: SearchBackend) -> None:
        # by the fastest BUYABLE offer: product 4's only offer (0 days) is out of stock, so
        # it sorts with the products that promise no delivery (issue 13 item 6)
        ordered = self.ids(self.run(backend, "", sort="delivery"))
        assert ordered[:3] == [1, 5, 2]
        assert set(ordered[3:]) == {3, 4}

    # ------------------------------------------------------------ other reads

    def test_suggest_completes_words(self, backend: SearchBackend) -> None:
        suggestions = backend.suggest("nitril", 5)
        assert suggestions
        # shown as written ("Nitrilhandskar ..."), matched on the normalized form
        assert all(" ".join(tokenize(s)).startswith("nitril") for s in suggestions)
        assert any(s != s.lower() for s in suggestions)
        assert backend.suggest("", 5) == []

    def test_health(self, backend: SearchBackend) -> None:
        health = backend.health()
        assert health["status"] == "ok"
        assert health["documents"] == 5

    def test_reindex_keeps_answering_during_rebuild(self, backend: SearchBackend) -> None:
        seen_during: list[int] = []

        def docs() -> Iterator[ProductDocument]:
            for doc in sample_documents()[:3]:
                seen_during.append(self.run(backend, "").total)
                yield doc

        assert backend.reindex(docs()) == 3
        assert seen_during == [5, 5, 5]  # the old index answered while the new one was built
        assert backend.count() == 3
        assert self.ids(self.run(backend, "tandblekning")) == []
        assert self.ids(self.run(backend, "handskar")) == [1]
