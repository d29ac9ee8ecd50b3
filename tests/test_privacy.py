"""Personal data: what qc.redact finds in the forms Whisper writes, and `qc run --redact` leaving
no personal number or e-mail in any output (pages, JSON, CSV, Parquet, RTTM, the database),
with the spoken numbers silenced in the audio copy."""

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest

from qc.redact import find, mask
from qc.schema import Word

from helpers import tone, write_wav
from test_nights import pages, qc
from test_pipeline import ChannelTranscript, RawSegment

FOUND = [
    ("我的手机号是13800138000", "phone", "我的手机号是*******8000"),
    ("手机一三八零零一三八零零零。", "phone", "手机*******八零零零。"),
    ("号码是 138 0013 8000", "phone", "号码是 *** **** 8000"),
    ("座机010-62345678", "phone", "座机***-****5678"),
    ("身份证号11010519491231002X", "id_card", "身份证号**************002X"),
    ("卡号是六二二二，零二零二，零零一二，三四五六七", "bank_card", "卡号是****，****，****，*四五六七"),
    ("card number 4111 1111 1111 1111", "bank_card", "card number **** **** **** 1111"),
    ("call me on five five five one two three four five six seven", "phone",
     "call me on **** **** **** *** *** ***** four five six seven"),
    ("email me at john.smith@example.com please", "email", "email me at **********@example.com please"),
]
KEPT = ["工号一零二四", "我的工号是1024", "尾号是六六八八", "it is four four one nine", "费用五十多块钱", "二十五元",
        "three business days", "订单金额 199 元"]


@pytest.mark.parametrize("text,kind,masked", FOUND)
def test_personal_numbers_are_found_and_masked_but_the_last_four_digits(text, kind, masked):
    assert [f.kind for f in find(text)] == [kind]
    assert mask(text)[0] == masked


@pytest.mark.parametrize("text", KEPT)
def test_short_numbers_are_not_personal_data(text):
    assert find(text) == [] and mask(text)[0] == text


AGENT = "您好，星河通信客服，工号1024。请问您的手机号是一三八零零一三八零零零吗？"
CUSTOMER = "对，身份证11010519491231002X，卡号6222020200123456789，邮箱li.ming@example.com，再见"
CLEAR = ["13800138000", "一三八零零一三八", "1101051949", "622202020012", "li.ming"]


class PersonalWhisper:
    """Says the agent's and the customer's lines above, one word per character, 0.1 s each."""

    def __init__(self, options=None, model_path=None, cpu_threads=0, num_workers=1):
        pass

    def transcribe(self, samples, language, **options):
        text, start = (AGENT, 0.5) if float(np.abs(samples).max()) > 0.2 else (CUSTOMER, 5.0)
        words = tuple(Word(round(start + 0.1 * i, 2), round(start + 0.1 * (i + 1), 2), c) for i, c in enumerate(text))
        return ChannelTranscript("zh", (RawSegment(words[0].start_s, words[-1].end_s, text, words),))


def every_text(out: Path) -> str:
    texts = [p.read_text(encoding="utf-8-sig") for p in out.rglob("*")
             if p.suffix in (".html", ".json", ".csv", ".rttm")]
    import pyarrow.parquet as pq

    texts += [str(pq.read_table(p).to_pylist()) for p in out.glob("*.parquet")]
    db = sqlite3.connect(out / "qc.sqlite")  # all but the recording's path (and the id from its name): qc needs
    texts += [" ".join(str(v) for v in row)  # them to find the recording again
              for row in db.execute("SELECT analysis, score_detail, error, agent_name, team FROM calls")]
    return "\n".join(texts)


def night_with(tmp_path, monkeypatch, name: str) -> Path:
    """A folder with one stereo call named ``name`` whose fake transcript is the lines above."""
    from qc.analysis import asr

    monkeypatch.setattr(asr, "WhisperTranscriber", PersonalWhisper)
    folder = tmp_path / "night"
    folder.mkdir()
    write_wav(folder / name, [tone(9.0, amp=0.3), tone(9.0, 300, amp=0.1)])
    return folder


def test_redact_leaves_no_personal_number_in_any_output_and_silences_it(tmp_path, monkeypatch):
    folder = night_with(tmp_path, monkeypatch, "20261121-093000_A1_13800138000.wav")
    out = tmp_path / "out"
    result = qc("run", folder, "--out", out, "--redact")
    assert result.exit_code == 0, result.output
    text = every_text(out)
    for clear in CLEAR:
        assert clear not in text, clear
    hashes = r"[0-9a-f]{16,}|(?<=规则集版本：规则或计分方式变化时随之变化\">)[0-9a-f]{8}(?=<)"  # ids, the rule set's version
    assert not re.search(r"\d{7,}", re.sub(hashes, "", text).replace("20261121-093000", ""))
    assert "*******八零零零" in text and "1024" in text and "@example.com" in text
    [doc] = pages(out)
    assert doc["call_id"] == "*******8000"  # the PBX named the file after the caller's number
    assert {r["rule_id"]: r["status"] for r in doc["rules"]}["job-number"] == "pass"  # judged before masking
    [copy] = (out / "audio").glob("*.mp3")
    assert copy.name.endswith("-redacted.mp3") and "13800138000" not in copy.name
    pcm = subprocess.run(["ffmpeg", "-v", "error", "-i", str(copy), "-f", "f32le", "-ac", "1", "-ar", "16000", "-"],
                         capture_output=True, check=True).stdout
    samples = np.frombuffer(pcm, dtype=np.float32)
    stored = json.loads(sqlite3.connect(out / "qc.sqlite").execute("SELECT analysis FROM calls").fetchone()[0])
    spans = stored["transcript"]["redacted"]
    assert len(spans) == 7 + 14 + 15 + 7  # the masked characters: phone, ID card, bank card, e-mail
    first = slice(int((spans[0][0] + 0.15) * 16000), int((spans[6][1] - 0.15) * 16000))  # 一三八零零一三 (MP3 delay)
    greeting = slice(int(0.6 * 16000), int(1.4 * 16000))
    assert np.sqrt(np.mean(samples[first] ** 2)) < 0.01 < np.sqrt(np.mean(samples[greeting] ** 2))


def test_redaction_can_be_turned_on_later_and_masks_what_was_stored(tmp_path, monkeypatch):
    folder = night_with(tmp_path, monkeypatch, "20261121-093000_A1_C1.wav")
    out = tmp_path / "out"
    assert qc("run", folder, "--out", out, "--audio", "none").exit_code == 0
    assert "13800138000" in every_text(out) or "一三八零零一三八" in every_text(out)
    assert qc("run", folder, "--out", out, "--audio", "none", "--redact").exit_code == 0
    text = every_text(out)
    assert not any(clear in text for clear in CLEAR)
    assert qc("report", "--out", out, "--audio", "link").exit_code == 2  # the originals are not masked
