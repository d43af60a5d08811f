"""The one place a :class:`SearchService` is assembled, and where its ranking configs come from.

Every user of search (the API and the UI, the CLI's ``valbar search`` and ``valbar eval
ranking``, the ranking preview, the console, the benchmark) builds its service here::

    service = build_search_service(settings, session_factory)          # the live configs
    service = build_search_service(settings, factory, config=RankingConfigs.files())
    service = build_search_service(settings, factory, backend=b, config=RankingConfig())

By default the service ranks with the **published** ranking configs (``ranking.versions``),
the ones the website uses, and follows new publications (every ``config_check_seconds``). A
name never published falls back to its file in ``configs/ranking/``, and the configured
default name to the built-in defaults (a fresh install must be able to search). The
merchandisers' published synonym rules are followed the same way (``PublishedSynonyms``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from catalog.settings import Settings
from ranking.config import RankingConfig, load_named
from ranking.errors import UnknownConfig
from ranking.versions import publication_stamp, published
from search.prices import rate_table
from search.protocol import SearchBackend
from search.semantic.index import SemanticIndex
from search.service import SearchService
from search.synonym_versions import PublishedSynonyms


def live_config(session: Session, name: str, default_name: str) -> RankingConfig:
    """The live config of ``name``: published, else its file, else (for the configured
    ``default_name`` only) the built-in defaults; :class:`UnknownConfig` otherwise."""
    try:
        return published(session, name)
    except UnknownConfig:
        if name == default_name:
            return RankingConfig(name=name)
        raise


class RankingConfigs:
    """Ranking configs by name, for the search service: call it with a name.

    Made by one of the constructors: :meth:`published` (what the site serves),
    :meth:`files` (``configs/ranking/<name>.toml`` only) or :meth:`fixed` (given configs).
    ``stamp`` is set when the configs can change while the service runs (publications);
    the service compares it, cheaply, to decide when to drop its cached configs.
    """

    def __init__(
        self,
        load: Callable[[str], RankingConfig],
        stamp: Callable[[], object] | None = None,
        description: str = "",
    ) -> None:
        self._load = load
        self.stamp = stamp
        self.description = description

    def __call__(self, name: str) -> RankingConfig:
        return self._load(name)

    def __repr__(self) -> str:
        return f"RankingConfigs({self.description})"

    @classmethod
    def published(cls, factory: sessionmaker[Session], default_name: str) -> RankingConfigs:
        """The published versions (:func:`live_config`), each read in a short session."""

        def load(name: str) -> RankingConfig:
            with factory() as session:
                return live_config(session, name, default_name)

        def stamp() -> object:
            with factory() as session:
                return publication_stamp(session)

        return cls(load, stamp, "published")

    @classmethod
    def files(cls, config_dir: Path | None = None) -> RankingConfigs:
        """The config files only (``<config_dir>/<name>.toml``), ignoring publications."""
        return cls(lambda name: load_named(name, config_dir), None, "files")

    @classmethod
    def fixed(cls, configs: RankingConfig | Mapping[str, RankingConfig]) -> RankingConfigs:
        """One config for every name, or the configs of a mapping (an unknown name raises
        :class:`UnknownConfig`)."""
        if isinstance(configs, RankingConfig):
            one = configs
            return cls(lambda _name: one, None, f"fixed {one.name!r}")
        by_name = dict(configs)

        def load(name: str) -> RankingConfig:
            found = by_name.get(name)
            if found is None:
                raise UnknownConfig(name, where="the given configs")
            return found

        return cls(load, None, f"fixed {sorted(by_name)}")


def _now() -> datetime:
    return datetime.now(UTC)


def build_search_service(
    settings: Settings,
    session_factory: sessionmaker[Session],
    *,
    backend: SearchBackend | None = None,
    config: RankingConfigs | RankingConfig | None = None,
    semantic: SemanticIndex | bool = True,
    clock: Callable[[], datetime] = _now,
) -> SearchService:
    """A search service over ``backend`` (default: the settings' backend, opened here).

    ``config``: ``None`` ranks with the published configs (:meth:`RankingConfigs.published`,
    the configured ``ranking_config`` as the default name), a :class:`RankingConfigs` with
    those, a :class:`RankingConfig` with that one config whatever the requested name.
    ``semantic``: ``True`` opens the embeddings index when the settings enable it, ``False``
    ranks without it, an index is used as given.
    """
    if backend is None:
        from search.registry import get_backend

        backend = get_backend(settings)
    if config is None:
        config = RankingConfigs.published(session_factory, settings.ranking_config)
    elif isinstance(config, RankingConfig):
        config = RankingConfigs.fixed(config)
    if semantic is True:
        from search.indexing import open_semantic

        index = open_semantic(settings)
    else:
        index = semantic or None
    return SearchService(
        backend,
        session_factory,
        config,
        clock=clock,
        semantic=index,
        config_stamp=config.stamp,
        config_check_seconds=settings.config_check_seconds,
        rates=rate_table(settings),
        synonyms=PublishedSynonyms(session_factory, settings.config_check_seconds),
    )


def with_config(service: SearchService, config: RankingConfig) -> SearchService:
    """A service over ``service``'s backend and database ranking with ``config`` whatever
    the requested name (previews: a draft next to the published config), without the
    embeddings index, as previews always ranked."""
    return SearchService(
        service.backend,
        service.session_factory,
        RankingConfigs.fixed(config),
        clock=service.clock,
        rates=service.rates,
        synonyms=service.synonyms,
    )
