"""Diarization: the CAM++ network, the torchaudio fix script, and the real pyannote pipeline
on a short real telephone call (the first 15 s of pyannote-audio/sample.wav)."""

import subprocess
import sys

import numpy as np
import pytest

from qc.analysis.diarize import DiarizationOptions, Diarizer
from qc.errors import ModelError

from conftest import ROOT
from test_light_imports import loaded_after

CLIP_S = 15.0


def reference_turns(rttm_path, until_s=float("inf")):
    turns = []
    for line in rttm_path.read_text().splitlines():
        fields = line.split()
        start, end = float(fields[3]), float(fields[3]) + float(fields[4])
        if start < until_s:
            turns.append((fields[7], start, min(end, until_s)))
    return turns


def scored_der(reference, turns, until_s):
    """DER as bench/diarization.py scores it: collar 0.25, overlap excluded."""
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for annotation, rows in ((ref, reference), (hyp, turns)):
        for index, (speaker, start, end) in enumerate(rows):
            annotation[Segment(start, end), index] = speaker
    return DiarizationErrorRate(collar=0.25, skip_overlap=True)(ref, hyp, uem=Timeline([Segment(0, until_s)]))


@pytest.fixture(scope="module")
def diarizer():
    return Diarizer()


@pytest.fixture(scope="module")
def campplus_path():
    from qc import models

    directory = models.default_models_dir() / "campplus-zh-en"
    try:
        models.verify(directory)
    except Exception as exc:  # pragma: no cover - make test always installs it
        pytest.fail(f"campplus-zh-en is not installed ({exc}); run 'make models'")
    return directory / "campplus_cn_en_common.pt"


def test_importing_the_adapter_loads_no_heavy_library():
    assert not loaded_after("import qc.analysis.diarize") & {"torch", "pyannote"}


def test_missing_weights_say_how_to_install(tmp_path):
    with pytest.raises(ModelError, match="not installed.*qc models install"):
        Diarizer(models_dir=tmp_path).load()


def test_unknown_clustering_method_lists_the_choices():
    with pytest.raises(ModelError, match="choose one of average, centroid"):
        Diarizer(DiarizationOptions(clustering_method="kmeans"))


def test_torchaudio_fix_finds_nothing_left_to_fix():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "torchaudio-cpu-fix.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "nothing to do" in proc.stdout


def test_filterbank_matches_kaldi():
    import torch
    import torchaudio.compliance.kaldi as kaldi

    from qc.analysis.campplus import log_mel_fbank, mel_filterbank, povey_window

    waveform = torch.from_numpy(np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32))[None]
    ours = log_mel_fbank(waveform, mel_filterbank(), povey_window())[0]
    kaldis = kaldi.fbank(waveform * 32768, num_mel_bins=80, sample_frequency=16000, dither=0.0)
    assert ours.shape == kaldis.shape == (98, 80)
    assert torch.allclose(ours, kaldis, atol=2e-3)


def test_campplus_tells_the_two_callers_apart(eval_data, campplus_path):
    import torch

    from qc.analysis.audio import decode_audio
    from qc.analysis.campplus import load_campplus, log_mel_fbank, mel_filterbank, povey_window

    samples = decode_audio(eval_data / "pyannote-audio" / "sample.wav").mono()
    # each caller's longest stretch without overtalk in sample.rttm, cut in two halves
    pieces = [(11.03, 12.76), (12.76, 14.49), (21.8, 24.8), (24.8, 27.8)]
    model, bank, window = load_campplus(campplus_path), mel_filterbank(), povey_window()
    embeddings = []
    with torch.inference_mode():
        for start, end in pieces:
            wave = torch.from_numpy(samples[int(start * 16000):int(end * 16000)].copy())[None]
            features = log_mel_fbank(wave, bank, window)
            embedding = model(features - features.mean(dim=1, keepdim=True))[0]
            embeddings.append(embedding / embedding.norm())
    a1, a2, b1, b2 = embeddings
    same = min(float(a1 @ a2), float(b1 @ b2))
    different = max(float(a1 @ b1), float(a1 @ b2), float(a2 @ b1), float(a2 @ b2))
    assert same > different + 0.1, (same, different)


def test_utterances_batched_with_padding_embed_as_each_alone(eval_data, campplus_path):
    """The GPU path pads rows of other lengths into one pass: the mask must keep every frame past
    a row's end out of it (convolutions, context means, pooling), or embeddings drift with batch-mates."""
    import torch

    from qc.analysis.audio import decode_audio
    from qc.analysis.campplus import load_campplus, log_mel_fbank, mel_filterbank, povey_window
    from qc.analysis.pyannote_models import embed_utterances

    samples = decode_audio(eval_data / "pyannote-audio" / "sample.wav").mono()[: 12 * 16000]
    features = log_mel_fbank(torch.from_numpy(samples.copy())[None], mel_filterbank(), povey_window())[0]
    pieces = [features[start:start + length] for start, length in ((0, 733), (40, 421), (300, 250), (500, 90),
                                                                   (900, 411), (20, 37))]
    pieces = [piece - piece.mean(dim=0) for piece in pieces]
    model = load_campplus(campplus_path)
    with torch.inference_mode():
        alone = embed_utterances(model, pieces, frames_per_batch=0)
        together = embed_utterances(model, pieces, frames_per_batch=100_000)
        unmasked = model(torch.nn.utils.rnn.pad_sequence(pieces, batch_first=True))
    assert torch.allclose(alone, together, atol=1e-4), (alone - together).abs().max()
    assert not torch.allclose(alone, unmasked, atol=1e-2)  # padding without the mask would change them


def test_turn_pieces_embed_at_once_as_the_pipeline_embeds_each(diarizer, eval_data):
    import torch

    from qc.analysis.audio import decode_audio

    samples = decode_audio(eval_data / "pyannote-audio" / "sample.wav").mono()
    parts = [samples[int(a * 16000):int(b * 16000)] for a, b in ((0.5, 2.0), (3.0, 6.5), (7.0, 7.3), (11.0, 14.0))]
    model = diarizer.pipeline._embedding.model_
    each = np.array([diarizer.pipeline._embedding(torch.tensor(part)[None, None])[0] for part in parts])
    assert np.allclose(model.embed_waveforms(parts), each, atol=1e-4)
    assert np.allclose(model.embed_waveforms(parts, frames_per_batch=100_000), each, atol=1e-4)


def test_real_pipeline_on_a_real_telephone_call(diarizer, eval_data):
    """The first 15 s of a real call: quick exchanges, a 1 s reply, a 4 s turn, overtalk."""
    from qc.analysis.audio import decode_audio

    samples = decode_audio(eval_data / "pyannote-audio" / "sample.wav").mono()[: int(CLIP_S * 16000)]
    reference = reference_turns(eval_data / "pyannote-audio" / "sample.rttm", CLIP_S)
    turns = diarizer.diarize(samples, num_speakers=2)
    assert {speaker for speaker, _, _ in turns} == {"SPEAKER_00", "SPEAKER_01"}
    assert all(0 <= start < end <= CLIP_S + 0.01 for _, start, end in turns)
    assert [round(t[1], 1) for t in turns] == sorted(round(t[1], 1) for t in turns)
    longest = max(reference, key=lambda t: t[2] - t[1])  # speaker90, 10.57-14.70
    found = [t for t in turns if abs(t[1] - longest[1]) < 0.5 and abs(t[2] - longest[2]) < 0.5]
    assert len(found) == 1, (longest, turns)
    assert scored_der(reference, turns, CLIP_S) < 0.2


def test_real_pipeline_keeps_both_sides_of_overtalk(diarizer, eval_data):
    """A simulated call from two real Mandarin speakers: S1 0.5-12.24 s, S2 11.44-16.51 s."""
    from qc.analysis.audio import decode_audio

    calls = eval_data / "simulated-from-real-zh"
    samples = decode_audio(calls / "sim_fireredtts2_S1S2_overlap.wav").mono()
    reference = reference_turns(calls / "sim_fireredtts2_S1S2_overlap.rttm")
    turns = diarizer.diarize(samples, num_speakers=2)
    assert len(turns) == 2, turns
    for (_, ref_start, ref_end), (speaker, start, end) in zip(reference, turns):
        assert abs(start - ref_start) < 0.5 and abs(end - ref_end) < 0.5, (reference, turns)
    assert turns[0][0] != turns[1][0] and turns[1][1] < turns[0][2]  # two speakers, overlapping


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory, campplus_path):
    """A standard pyannote pipeline directory laid out like community-1 (config.yaml with
    $model/segmentation, $model/embedding, $model/plda), built offline from the packaged
    weights: CAM++ saved as a pyannote checkpoint, and a neutral PLDA."""
    import lightning
    import pyannote.audio
    import torch
    import yaml
    from pyannote.audio.core.task import Problem, Resolution, Specifications

    from qc.analysis.pyannote_models import CamPlusPlusEmbedding

    root = tmp_path_factory.mktemp("pipeline")
    for sub in ("segmentation", "embedding", "plda"):
        (root / sub).mkdir()
    (root / "segmentation" / "pytorch_model.bin").symlink_to(campplus_path.parent.parent / "pyannote-segmentation-3.0"
                                                             / "pytorch_model.bin")
    model = CamPlusPlusEmbedding.from_checkpoint(campplus_path)
    torch.save({"state_dict": model.state_dict(), "hyper_parameters": dict(model.hparams),
                "pytorch-lightning_version": lightning.__version__,
                "pyannote.audio": {"versions": {"pyannote.audio": pyannote.audio.__version__},
                                   "architecture": {"module": "qc.analysis.pyannote_models", "class": "CamPlusPlusEmbedding"},
                                   "specifications": Specifications(problem=Problem.REPRESENTATION,
                                                                    resolution=Resolution.CHUNK, duration=10.0)}},
               root / "embedding" / "pytorch_model.bin")
    np.savez(root / "plda" / "xvec_transform.npz", mean1=np.zeros(192), mean2=np.zeros(128), lda=np.eye(192)[:, :128])
    np.savez(root / "plda" / "plda.npz", mu=np.zeros(128), tr=np.eye(128), psi=np.ones(128))
    config = {"pipeline": {"name": "pyannote.audio.pipelines.SpeakerDiarization",
                           "params": {"clustering": "VBxClustering", "embedding": "$model/embedding",
                                      "plda": "$model/plda", "segmentation": "$model/segmentation",
                                      "embedding_exclude_overlap": True}},
              "params": {"clustering": {"threshold": 0.6, "Fa": 0.07, "Fb": 0.8},
                         "segmentation": {"min_duration_off": 0.0}}}
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    return root


def test_a_standard_pipeline_directory_can_replace_the_default(pipeline_dir, eval_data):
    from qc.analysis.audio import decode_audio

    calls = eval_data / "simulated-from-real-zh"
    samples = decode_audio(calls / "sim_fireredtts2_S1S2_overlap.wav").mono()
    turns = Diarizer.from_pipeline_dir(pipeline_dir).diarize(samples, num_speakers=2)
    assert {speaker for speaker, _, _ in turns} == {"SPEAKER_00", "SPEAKER_01"}
    assert turns[0][0] == "SPEAKER_00" and abs(turns[0][1] - 0.5) < 0.5


def test_a_directory_without_config_is_refused(tmp_path):
    with pytest.raises(ModelError, match="no config.yaml"):
        Diarizer.from_pipeline_dir(tmp_path)


@pytest.fixture
def fix_script(monkeypatch, tmp_path):
    """scripts/torchaudio-cpu-fix.py against a fake torchaudio folder and a scripted probe."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("torchaudio_cpu_fix", ROOT / "scripts" / "torchaudio-cpu-fix.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    package = tmp_path / "torchaudio"
    (package / "lib").mkdir(parents=True)
    (package / "lib" / "_torchaudio.abi3.so").write_bytes(b"ELF")
    (package / "version.py").write_text("__version__ = '2.11.0+cu130'\n")
    monkeypatch.setattr(script, "torchaudio_dir", lambda: package)
    return script, package


CUDA_FAILURE = {"torchaudio_error": "OSError: libc10_cuda.so: cannot open shared object file",
                "unloadable": {"_torchaudio.abi3.so": "libc10_cuda.so: cannot open shared object file"}}


def test_fix_script_leaves_a_cuda_torch_alone(fix_script, monkeypatch, capsys):
    script, package = fix_script
    works = {"torch": "2.13.0+cu130", "torch_cuda": "13.0", "torch_hip": None, "torchaudio": "2.13.0+cu130"}
    monkeypatch.setattr(script, "probe", lambda lib: works)
    assert script.main([]) == 0 and "nothing to do" in capsys.readouterr().out
    monkeypatch.setattr(script, "probe", lambda lib: {**works, **CUDA_FAILURE})  # broken, but not our case
    assert script.main([]) == 1 and "does not fix" in capsys.readouterr().out
    assert (package / "lib" / "_torchaudio.abi3.so").is_file()


def test_fix_script_sets_cuda_libraries_aside_once(fix_script, monkeypatch, capsys):
    script, package = fix_script
    cpu = {"torch": "2.13.0+cpu", "torch_cuda": None, "torch_hip": None}
    lib = package / "lib"
    monkeypatch.setattr(script, "probe", lambda d: cpu if not (d / "_torchaudio.abi3.so").exists() else
                        {**cpu, **CUDA_FAILURE})
    assert script.main(["--check"]) == 1 and (lib / "_torchaudio.abi3.so").is_file()
    assert script.main([]) == 0
    assert not (lib / "_torchaudio.abi3.so").exists() and (lib / script.DISABLED_DIR / "_torchaudio.abi3.so").is_file()
    assert "moved _torchaudio.abi3.so" in capsys.readouterr().out
    assert script.main([]) == 0 and "nothing to do" in capsys.readouterr().out  # idempotent
    assert script.main(["--undo"]) == 0 and (lib / "_torchaudio.abi3.so").is_file()


def test_a_long_call_is_diarized_in_blocks_with_its_speakers_linked(eval_data):
    """A scripted call three times over (234 s) in 60 s blocks: the same two voices throughout,
    so every block's speakers must be linked to the same two call speakers."""
    import numpy as np

    from qc.analysis.audio import decode_audio
    from qc.analysis.vad import speech_regions

    folder = eval_data / "synthetic-tts-dialogues"
    names = ("dlg_zh_compliant",) * 3
    parts = [decode_audio(folder / f"{name}.tel8k.wav").mono() for name in names]
    samples = np.concatenate(parts)
    reference, offset = [], 0.0
    for name, part in zip(names, parts):
        reference += [(sp, a + offset, b + offset) for sp, a, b in reference_turns(folder / f"{name}.rttm")]
        offset += len(part) / 16000
    blocked = Diarizer(DiarizationOptions(block_s=60.0, whole_up_to_s=120.0))
    turns = blocked.diarize(samples, num_speakers=2, speech=speech_regions(samples))
    assert {t.speaker for t in turns} == {"SPEAKER_00", "SPEAKER_01"}
    assert max(t.end_s for t in turns) > offset - 5 and min(t.start_s for t in turns) < 5
    assert scored_der(reference, turns, offset) < 0.15


def test_speaker_linker_matches_blocks_by_embedding():
    from qc.analysis.diarize import SpeakerLinker

    a, b = np.array([1.0, 0.1, 0.0]), np.array([0.0, 1.0, 0.2])
    linker = SpeakerLinker(limit=2)
    assert linker.link(["X", "Y"], np.stack([a, b]), [30.0, 20.0]) == {"X": "S0", "Y": "S1"}
    # the next block names them the other way round, and its voices are a little different
    assert linker.link(["X", "Y"], np.stack([b + 0.05, a - 0.05]), [10.0, 10.0]) == {"X": "S1", "Y": "S0"}
    # a block where only one of them speaks
    assert linker.link(["Z"], np.stack([b]), [5.0]) == {"Z": "S1"}
    # no room for a third speaker: the closest one
    assert linker.link(["W"], np.stack([np.array([0.0, 0.0, 1.0])]), [5.0]) == {"W": "S1"}
    unlimited = SpeakerLinker()
    unlimited.link(["X"], np.stack([a]), [1.0])
    assert unlimited.link(["W"], np.stack([np.array([0.0, 0.0, 1.0])]), [5.0]) == {"W": "S1"}  # a new voice


def test_blocks_are_cut_in_the_longest_pause_near_their_end():
    from qc.analysis.blocks import blocks

    speech = [(0.0, 50.0), (52.0, 55.0), (58.5, 70.0), (71.0, 130.0), (131.0, 200.0)]
    cuts = blocks(200.0, speech, 60.0)
    assert cuts[0] == (0.0, 56.75)  # the 3.5 s pause 55-58.5 s, not the limit at 60 s
    assert all(b - a <= 60.0 for a, b in cuts[:-1]) and cuts[-1][1] - cuts[-1][0] <= 90.0 and cuts[-1][1] == 200.0
    assert all(x[1] == y[0] for x, y in zip(cuts, cuts[1:]))
    assert blocks(80.0, speech, 60.0) == [(0.0, 80.0)]  # not worth a 20 s tail block
