"""Render the labelled call scripts of bench/corpus/calls into audio with exact references.

Per call ``ID`` (the recipe of ../shared/data/README.md):

* ``ID.wav``: 16 kHz mono PCM16 mix; ``ID.tel8k.wav``: 8 kHz mono mu-law after a 300-3400 Hz
  band-pass; ``ID.stereo8k.wav``: 8 kHz stereo PCM16, left agent, right customer, same band-pass;
* ``ID.json``: the script's fields, the timed turns (speaker, start, end, text) and the labels;
  ``ID.rttm``, ``ID.uem``, ``ID.stm``: references exact by construction;

and ``manifest.csv`` for ``qc run`` over every rendering. Output goes to ``--out``, else
``$QC_BENCH_DATA``, else ``reports/bench-data/corpus``. A call whose script and recipe are
unchanged since its last rendering is skipped. Run it in the rendering environment:

    make bench-data      # or: build/tts-venv/bin/python -m bench.corpus.render [--ids ID ...] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import butter, resample_poly, sosfiltfilt

from .script import CallScript, load_calls
from .synth import SAMPLE_RATE_HZ, SYNTH_VERSION, synthesise

REPO_ROOT = Path(__file__).resolve().parents[2]
RENDER_VERSION = f"1/{SYNTH_VERSION}"  # part of every call's stamp: a new recipe renders everything again
AGENT_DBFS, CUSTOMER_DBFS = -23.0, -25.0  # the customer sits 2 dB below the agent
NOISE_DBFS = -58.0
TAIL_S = 0.8
MIN_TURN_HEAD_S = 0.3  # an overlapping turn never starts before this much of the turn it interrupts
RENDERINGS = ("stereo8k.wav", "tel8k.wav", "wav")


def default_out() -> Path:
    return Path(os.environ.get("QC_BENCH_DATA") or REPO_ROOT / "reports" / "bench-data" / "corpus")


def stamp(call: CallScript) -> str:
    """Of the whole script: any change (a label, a note) rewrites the call's references."""
    return hashlib.sha256(f"{RENDER_VERSION}\0{call.sha256}".encode()).hexdigest()


def audio_stamp(call: CallScript) -> str:
    """Of what is heard (turns, voices, recipe): only a change here renders the audio again, so
    fixing a label keeps the recordings byte for byte and qc's analyses of them stay valid."""
    heard = json.dumps([RENDER_VERSION, [t.__dict__ for t in call.turns],
                        {sp: v.__dict__ for sp, v in sorted(call.voices.items())}], ensure_ascii=False)
    return hashlib.sha256(heard.encode()).hexdigest()


def rendered(call: CallScript, out: Path) -> dict:
    """The call's JSON from its last rendering, or {} when some file is missing."""
    meta = out / f"{call.id}.json"
    if not meta.is_file() or not all((out / f"{call.id}.{r}").is_file() for r in RENDERINGS):
        return {}
    return json.loads(meta.read_text(encoding="utf-8"))


def is_current(call: CallScript, out: Path) -> bool:
    return rendered(call, out).get("stamp") == stamp(call)


def place(call: CallScript, clips: list[np.ndarray]) -> list[tuple[float, float]]:
    """Start and end of each turn: ``gap_s`` after every earlier turn has ended (negative: the
    turn starts that long before the previous one ends, both keep playing)."""
    times, latest_end = [], 0.0
    for i, (turn, clip) in enumerate(zip(call.turns, clips)):
        start = latest_end + turn.gap_s
        if turn.gap_s < 0:
            start = max(start, times[-1][0] + MIN_TURN_HEAD_S)
        start = round(start, 3)
        end = round(start + len(clip) / SAMPLE_RATE_HZ, 3)
        times.append((start, end))
        latest_end = max(latest_end, end)
    return times


def band_8k(track: np.ndarray) -> np.ndarray:
    sos = butter(4, [300, 3400], btype="bandpass", fs=SAMPLE_RATE_HZ, output="sos")
    return resample_poly(sosfiltfilt(sos, track), 1, 2)


def render(call: CallScript, out: Path, cache_dir: Path) -> dict:
    levels = {"agent": AGENT_DBFS, "customer": CUSTOMER_DBFS}
    clips = [synthesise(t, call.voices[t.speaker], levels[t.speaker], cache_dir) for t in call.turns]
    times = place(call, clips)
    duration_s = round(max(end for _, end in times) + TAIL_S, 3)
    n = int(round(duration_s * SAMPLE_RATE_HZ))
    tracks = {"agent": np.zeros(n), "customer": np.zeros(n)}
    for turn, clip, (start, _) in zip(call.turns, clips, times):
        at = int(round(start * SAMPLE_RATE_HZ))
        tracks[turn.speaker][at:at + len(clip)] += clip[: n - at]
    rng = np.random.default_rng(int(audio_stamp(call)[:8], 16))
    noise = 10 ** (NOISE_DBFS / 20)
    mix = tracks["agent"] + tracks["customer"] + rng.normal(0, noise, n)
    left, right = (tracks[s] + rng.normal(0, noise, n) for s in ("agent", "customer"))
    peak = max(np.abs(mix).max(), np.abs(left).max(), np.abs(right).max())
    scale = min(1.0, 0.98 / peak)  # never clip: an angry overlap is the loudest moment
    soundfile.write(out / f"{call.id}.wav", mix * scale, SAMPLE_RATE_HZ, subtype="PCM_16")
    soundfile.write(out / f"{call.id}.tel8k.wav", np.clip(band_8k(mix * scale), -1, 1), 8000, subtype="ULAW")
    stereo = np.stack([band_8k(left * scale), band_8k(right * scale)], axis=1)
    soundfile.write(out / f"{call.id}.stereo8k.wav", np.clip(stereo, -1, 1), 8000, subtype="PCM_16")
    return write_references(call, times, duration_s, out)


def write_references(call: CallScript, times: list, duration_s: float, out: Path) -> dict:
    turns = [{"spk": t.speaker, "start": s, "end": e, "text": t.text, "style": t.style, "tags": list(t.tags)}
             for t, (s, e) in zip(call.turns, times)]
    meta = {"uri": call.id, "duration": duration_s, "language": call.language, "industry": call.industry,
            "direction": call.direction, "company": call.company, "agent_name": call.agent_name,
            "agent_id": call.agent_id, "service_type": call.service_type, "topic": call.topic,
            "voices": {sp: v.__dict__ for sp, v in call.voices.items()}, "turns": turns,
            "stereo8k_channels": {"left": "agent", "right": "customer"}, "labels": call.labels,
            "notes": call.notes, "compliant": call.compliant, "stamp": stamp(call), "audio_stamp": audio_stamp(call),
            "note": "turn times exact (placement of trimmed TTS clips); scripts in bench/corpus/calls"}
    (out / f"{call.id}.rttm").write_text("".join(
        f"SPEAKER {call.id} 1 {t['start']:.3f} {t['end'] - t['start']:.3f} <NA> <NA> {t['spk']} <NA> <NA>\n"
        for t in turns))
    (out / f"{call.id}.uem").write_text(f"{call.id} 1 0.000 {duration_s:.3f}\n")
    (out / f"{call.id}.stm").write_text("".join(
        f"{call.id} 1 {t['spk']} {t['start']:.3f} {t['end']:.3f} {t['text']}\n" for t in turns), encoding="utf-8")
    (out / f"{call.id}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return meta


def write_manifest(calls: list[CallScript], out: Path) -> Path:
    """What a real manifest would give qc for each rendering (``ID.RENDERING`` as the call id)."""
    rows = ["call_id,file,agent_id,agent_name,team,started_at,channels_layout,language"]
    for call in calls:
        for rendering in RENDERINGS:
            layout = "stereo-agent-left" if rendering.startswith("stereo") else "mono"
            rows.append(f"{call.id}.{rendering},{out / f'{call.id}.{rendering}'},{call.agent_id},{call.agent_name},"
                        f",,{layout},{call.language}")
    path = out / "manifest.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Render the labelled call scripts of bench/corpus/calls.")
    parser.add_argument("--out", type=Path, default=None, help="[default: $QC_BENCH_DATA or reports/bench-data/corpus]")
    parser.add_argument("--ids", nargs="+", help="only these call ids")
    parser.add_argument("--force", action="store_true", help="render again even when up to date")
    args = parser.parse_args(argv)
    out = args.out or default_out()
    out.mkdir(parents=True, exist_ok=True)
    calls = load_calls(ids=args.ids)
    done = skipped = 0
    for call in calls:
        previous = {} if args.force else rendered(call, out)
        if previous.get("stamp") == stamp(call) or previous.get("audio_stamp") == audio_stamp(call):
            if previous.get("stamp") != stamp(call) or "audio_stamp" not in previous:  # labels or notes changed
                times = [(t["start"], t["end"]) for t in previous["turns"]]
                write_references(call, times, previous["duration"], out)
            skipped += 1
            continue
        t0 = time.perf_counter()
        meta = render(call, out, out / ".clips")
        done += 1
        print(f"{call.id}: {meta['duration']:.1f} s audio, {len(call.turns)} turns, "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
    everything = load_calls()
    manifest = write_manifest([c for c in everything if is_current(c, out)], out)
    print(f"rendered {done}, audio up to date {skipped}; {out} ({manifest.name} lists the renderings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
