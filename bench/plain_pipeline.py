"""The plain library pipeline a user would write, for bench/throughput.py to compare qc with.

Stereo: faster-whisper per channel. Mono: faster-whisper on the call plus pyannote.audio's
``SpeakerDiarization`` with its default hyper-parameters (1 s hops; batches of 32 as its published pipelines set them), each word given to the speaker
whose turn covers it. Same model files as qc (the packaged whisper-base, pyannote
segmentation-3.0 and the CAM++ embedding, which pyannote cannot load by itself), same
threads; everything else is the libraries' defaults (beam 5, no VAD filter, word
timestamps since a rule engine needs them). Prints one JSON line: seconds per stage and
the text of each call.

    python bench/plain_pipeline.py --layout stereo --model DIR --threads 2 a.wav:zh b.wav:en
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layout", choices=("stereo", "mono"), required=True)
    parser.add_argument("--model", required=True, help="CTranslate2 Whisper directory")
    parser.add_argument("--models-dir", default=str(REPO_ROOT / "models"))
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--vad", action="store_true", help="faster-whisper's vad_filter=True")
    parser.add_argument("files", nargs="+", help="PATH:LANGUAGE")
    args = parser.parse_args()
    stages = {"load": 0.0, "decode": 0.0, "asr": 0.0, "diarization": 0.0, "join": 0.0}
    t0 = time.perf_counter()
    from faster_whisper import WhisperModel, decode_audio

    model = WhisperModel(args.model, device="cpu", compute_type="int8", cpu_threads=args.threads,
                         local_files_only=True)
    pipeline = diarization_pipeline(Path(args.models_dir)) if args.layout == "mono" else None
    stages["load"] += time.perf_counter() - t0
    texts = {}
    for item in args.files:
        path, language = item.rsplit(":", 1)
        t = time.perf_counter()
        channels = decode_audio(path, split_stereo=args.layout == "stereo")
        channels = list(channels) if args.layout == "stereo" else [channels]
        stages["decode"] += time.perf_counter() - t
        words = []
        for channel in channels:
            t = time.perf_counter()
            segments, _ = model.transcribe(channel, language=language, beam_size=5, word_timestamps=True,
                                           vad_filter=args.vad)
            words.append([w for s in segments for w in s.words])
            stages["asr"] += time.perf_counter() - t
        if pipeline is not None:
            import torch

            t = time.perf_counter()
            diarization = pipeline({"waveform": torch.from_numpy(channels[0]).unsqueeze(0), "sample_rate": 16000},
                                   num_speakers=2)
            annotation = getattr(diarization, "speaker_diarization", diarization)
            stages["diarization"] += time.perf_counter() - t
            t = time.perf_counter()
            turns = [(turn.start, turn.end, speaker) for turn, _, speaker in annotation.itertracks(yield_label=True)]
            words = [[(w, max(turns, key=lambda x: min(x[1], w.end) - max(x[0], w.start))[2] if turns else "")
                      for w in words[0]]]
            stages["join"] += time.perf_counter() - t
            texts[path] = {"all": "".join(w.word for w, _ in words[0])}
        else:  # the README's layout: the agent on the left
            texts[path] = {"agent": "".join(w.word for w in words[0]), "customer": "".join(w.word for w in words[1])}
    print(json.dumps({"stages": stages, "texts": texts}, ensure_ascii=False))
    return 0


def diarization_pipeline(models_dir: Path):
    """pyannote's SpeakerDiarization, its default hyper-parameters, the packaged weights."""
    from pyannote.audio import Model
    from pyannote.audio.pipelines import SpeakerDiarization

    from qc.analysis.pyannote_models import CamPlusPlusEmbedding, NoPLDA

    segmentation = Model.from_pretrained(str(models_dir / "pyannote-segmentation-3.0" / "pytorch_model.bin"))
    embedding = CamPlusPlusEmbedding.from_checkpoint(models_dir / "campplus-zh-en" / "campplus_cn_en_common.pt",
                                                     pooling="weighted")
    # pyannote 4's default clustering (VBx) needs PLDA weights that are not shipped offline: its
    # agglomerative clustering with the pyannote 3.1 pipeline's published hyper-parameters instead
    # batches of 32, as pyannote's published pipelines (config.yaml) set them; the constructor's 1 is far slower
    pipeline = SpeakerDiarization(segmentation=segmentation, embedding=embedding, plda=NoPLDA(),
                                  clustering="AgglomerativeClustering", segmentation_batch_size=32,
                                  embedding_batch_size=32)
    pipeline.instantiate({"segmentation": {"min_duration_off": 0.0},
                          "clustering": {"method": "centroid", "min_cluster_size": 12, "threshold": 0.7045654963945799}})
    return pipeline


if __name__ == "__main__":
    sys.exit(main())
