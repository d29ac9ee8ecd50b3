"""The site's words for the recogniser: required phrases only, never a forbidden one, bounded."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from qc.analysis.asr import AsrOptions, WhisperTranscriber, call_hint
from qc.cli import cli
from qc.rules.ruleset import load_ruleset
from qc.rules.vocabulary import avoided_phrases, estimated_tokens, required_phrases, vocabulary_text, written
from qc.run.prompts import DEFAULT_PROMPT, site_prompts
from qc.sources.audio import AudioSettings
from qc.text import find_phrase

ROOT = Path(__file__).resolve().parent.parent

CONSTRUCTED = """
name: constructed
language: zh
rules:
  - id: greeting
    title: greeting
    require:
      all:
        - {check: keyword, role: agent, any: [您好, 欢迎致电]}
        - {check: keyword, role: agent, any: [客服中心, 热线]}
  - id: job-number
    title: job number
    conditions:
      jobword: {check: keyword, role: agent, any: [工号, 员工号]}
    require: {all: [jobword, {check: regex, role: agent, pattern: "[0-9]{3,}"}]}
  - id: name
    title: name
    require: {check: keyword, role: agent, any: ["我是{agent_name}", 很高兴为您服务]}
  - id: no-rush
    title: no rush
    require: {not: {check: keyword, role: agent, any: [快点说]}}
  - id: no-bye
    title: no early bye
    require: {check: keyword, role: agent, first_s: 10, none: [拜拜]}
  - id: apology
    title: apology
    conditions:
      complaint: {check: keyword, role: customer, any: [投诉, 太差]}
    applies_when: complaint
    require: {check: keyword, role: agent, anchor: {to: complaint, relation: after}, any: [抱歉, 没办法]}
  - id: forbidden
    title: forbidden
    forbid: {check: keyword, role: agent, pinyin: true, any: [没办法, 我挂了, 不知道]}
  - id: hold
    title: hold
    forbid: {check: silence, min_s: 5, excuse_phrases: [请稍等]}
  - id: promise
    title: promise
    forbid: {check: regex, role: agent, pattern: "保证|绝对", exclude: "不能保证"}
"""


@pytest.fixture
def constructed(tmp_path):
    path = tmp_path / "constructed.yaml"
    path.write_text(CONSTRUCTED, encoding="utf-8")
    return load_ruleset(path)


def test_required_phrases_come_from_require_only_one_list_at_a_time(constructed):
    texts = [p.text for p in required_phrases(constructed)]
    # first phrase of every required list, then the second ones; named conditions followed
    assert texts == ["您好", "客服中心", "工号", "很高兴为您服务", "抱歉", "欢迎致电", "热线", "员工号", "没办法"]
    # never: templates, phrases under not or none, gates (applies_when), forbid, excuse lists
    for absent in ("我是{agent_name}", "快点说", "拜拜", "投诉", "太差", "我挂了", "请稍等"):
        assert absent not in texts


def test_avoided_phrases_are_forbidden_ones_and_required_absences(constructed):
    phrases, patterns = avoided_phrases(constructed)
    assert {p.text for p in phrases} == {"没办法", "我挂了", "不知道", "快点说", "拜拜"}
    assert next(p for p in phrases if p.text == "没办法").pinyin
    assert patterns == ("保证|绝对",)


def test_a_forbidden_phrase_never_reaches_the_hotwords(constructed):
    text = vocabulary_text(constructed, ["星河通信"])
    assert text.startswith("星河通信, ")
    assert "没办法" not in text  # required by one rule, forbidden by another: forbidden wins
    phrases, _ = avoided_phrases(constructed)
    assert not any(find_phrase(text, p.text, p.pinyin, p.tolerance) for p in phrases)


def test_names_and_phrases_that_lean_forbidden_are_dropped(constructed):
    # a company holding a forbidden regex word, a homophone of a forbidden phrase (pinyin),
    # and two harmless words that would spell 我挂了 across the separator (matching ignores it)
    text = vocabulary_text(constructed, ["绝对通信", "没半法", "我挂", "了解", "联讯"])
    names = text.split(", ")
    assert "绝对通信" not in names and "没半法" not in names
    assert "我挂" in names and "了解" not in names and "联讯" in names
    assert not find_phrase(text, "我挂了")


def test_duplicates_and_phrases_holding_a_shorter_one_are_dropped(constructed):
    names = vocabulary_text(constructed, ["星河客服中心", "星河客服中心"]).split(", ")
    assert names.count("星河客服中心") == 1
    assert "客服中心" not in names  # the company name already says it
    assert "工号" in names and "员工号" not in names  # keyword matching finds 工号 in 员工号


def test_the_text_stays_within_its_token_budget(constructed):
    text = vocabulary_text(constructed, ["星河通信"], max_tokens=20)
    assert estimated_tokens(text) <= 20 and text.startswith("星河通信")
    assert len(text.split(", ")) < len(vocabulary_text(constructed, ["星河通信"]).split(", "))
    assert estimated_tokens("您好") == 4 and estimated_tokens("thank you") == 3


def test_english_is_written_as_sentences_and_chinese_with_ascii_commas():
    # Whisper continues in the prompt's style: a lowercase list made it write lowercase lists
    assert written(["Northwind Bank", "how may i help"], "en") == "Northwind Bank. How may I help."
    assert written(["星河通信", "您好"], "zh") == "星河通信, 您好"  # after "，" it wrote Ｇ and ４


@pytest.mark.parametrize("pack,company", [("zh-default.yaml", "星河通信"), ("en-default.yaml", "Northwind Bank")])
def test_the_default_packs_give_bounded_text_without_forbidden_words(pack, company):
    ruleset = load_ruleset(ROOT / "rules" / pack)
    text = vocabulary_text(ruleset, [company])
    assert text.startswith(company) and 20 < estimated_tokens(text) <= 120
    phrases, _ = avoided_phrases(ruleset)
    assert phrases and not any(find_phrase(text, p.text, p.pinyin, p.tolerance) for p in phrases)


def test_site_prompts_per_language(constructed):
    sets = {"zh": constructed, "en": load_ruleset(ROOT / "rules" / "en-default.yaml")}
    auto = dict(site_prompts("auto", sets, ["Northwind"]))
    assert set(auto) == {"zh", "en"} and all(text.startswith("Northwind") for text in auto.values())
    assert site_prompts("off", sets, ["Northwind"]) == () == site_prompts(None, sets)
    assert site_prompts("星河通信 宽带", sets) == (("*", "星河通信 宽带"),)


class FakeWhisper:
    """faster-whisper's WhisperModel as far as WhisperTranscriber uses it."""

    hf_tokenizer = SimpleNamespace(encode=lambda text: SimpleNamespace(ids=text.split()))

    def __init__(self):
        self.calls = []

    def detect_language(self, audio, **options):
        self.calls.append(("detect", options.get("vad_filter")))
        return "en", 0.9, [("en", 0.9), ("zh", 0.1)]

    def transcribe(self, audio, language=None, initial_prompt=None, hotwords=None, **options):
        self.calls.append(("transcribe", language, initial_prompt, hotwords))
        return iter(()), SimpleNamespace(language=language or "zh")


def whisper(**options):
    transcriber = WhisperTranscriber(AsrOptions(**options), "unused")
    transcriber._model = FakeWhisper()
    return transcriber


def test_each_language_gets_its_own_words_and_auto_detects_first():
    transcriber = whisper(initial_prompt=(("en", "Northwind Bank, goodbye"), ("zh", "星河通信, 再见")))
    transcriber.transcribe(np.zeros(16000, dtype=np.float32), "zh")
    assert transcriber.transcribe(np.zeros(16000, dtype=np.float32), "auto").language == "en"
    assert transcriber.model.calls == [("transcribe", "zh", "星河通信, 再见", None), ("detect", True),
                                       ("transcribe", "en", "Northwind Bank, goodbye", None)]
    anywhere = whisper(hotwords=(("*", "宽带"),))
    anywhere.transcribe(np.zeros(16000, dtype=np.float32), "auto")  # the same words whatever the language
    assert anywhere.model.calls == [("transcribe", None, None, "宽带")]
    assert AsrOptions().prompt_for("zh") == (None, None)


def test_a_prompt_is_in_the_cache_key_but_not_its_words():
    assert AudioSettings(asr=AsrOptions(initial_prompt=(("zh", "星河通信"),))).fingerprint() != \
        AudioSettings().fingerprint() != AudioSettings(asr=AsrOptions(hotwords=(("zh", "星河通信"),))).fingerprint()
    # a rule edit changes the words, not whether there are any: stored transcripts stay valid
    assert AudioSettings(asr=AsrOptions(initial_prompt=(("zh", "星河通信, 您好"),))).fingerprint() == \
        AudioSettings(asr=AsrOptions(initial_prompt=(("zh", "星河通信"),))).fingerprint()


def test_qc_run_gives_each_language_its_words(tmp_path, monkeypatch):
    seen = {}

    class Runner:
        def __init__(self, settings, audio, *args, **kwargs):
            seen.update(prompt=dict(audio.asr.initial_prompt), hotwords=dict(audio.asr.hotwords))
            raise SystemExit(0)

    monkeypatch.setattr("qc.run.runner.Runner", Runner)
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"")
    args = ["run", str(wav), "--out", str(tmp_path / "out"), "--company", "星河通信", "--company", "Northwind"]
    assert DEFAULT_PROMPT == "auto" and CliRunner().invoke(cli, args).exit_code == 0
    assert set(seen["prompt"]) == {"zh", "en"} and seen["prompt"]["zh"].startswith("星河通信, Northwind, ")
    assert seen["hotwords"] == {}
    CliRunner().invoke(cli, [*args, "--initial-prompt", "off", "--hotwords", "宽带"])
    assert seen == {"prompt": {}, "hotwords": {"*": "宽带"}}


def test_the_call_agent_goes_before_the_site_words_of_the_agent_channel_only():
    """Whisper base misses names on telephone audio ("My name is Turner" for Hannah); told the
    manifest's agent it writes the name that was said (bench/README.md)."""
    transcriber = whisper(initial_prompt=(("en", "Thank you for calling."), ("zh", "您好, 再见")), agent_hint=True)
    audio = np.zeros(16000, dtype=np.float32)
    transcriber.transcribe(audio, "en", agent=("Priya Nair", "4410"))
    transcriber.transcribe(audio, "zh", agent=("王芳", "3385"))
    transcriber.transcribe(audio, "en", prompted=False, agent=("Priya Nair", "4410"))  # the customer's channel
    transcriber.transcribe(audio, "en", agent=("", "unknown"))  # a manifest without the agent
    assert [call[2] for call in transcriber.model.calls] == [
        "Priya Nair, 4410. Thank you for calling.", "王芳, 工号3385, 您好, 再见", None, "Thank you for calling."]


def test_the_agent_hint_needs_the_site_words_and_the_option():
    audio = np.zeros(16000, dtype=np.float32)
    never_alone = whisper(agent_hint=True)  # no site words: a bare prompt made Whisper loop
    never_alone.transcribe(audio, "en", agent=("Priya Nair", "4410"))
    exact = whisper(initial_prompt=(("*", "Northwind"),))  # --initial-prompt <text>: that text only
    exact.transcribe(audio, "en", agent=("Priya Nair", "4410"))
    assert never_alone.model.calls[0][2] is None and exact.model.calls[0][2] == "Northwind"
    assert call_hint("  Dana   Whitfield ", "", "en") == "Dana Whitfield." and call_hint("", "", "zh") == ""
    assert call_hint("x" * 300, "E-1", "en") == "x" * 40 + ", E-1."  # a stray column cannot fill the prompt
    # like the prompt's words, the hint is not in the cache key: stored calls keep their transcripts
    assert AsrOptions(agent_hint=True).fingerprint() == AsrOptions().fingerprint()


def test_qc_run_hints_the_agent_with_the_automatic_prompt_only(tmp_path, monkeypatch):
    seen = []

    class Runner:
        def __init__(self, settings, audio, *args, **kwargs):
            seen.append(audio.asr.agent_hint)
            raise SystemExit(0)

    monkeypatch.setattr("qc.run.runner.Runner", Runner)
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"")
    args = ["run", str(wav), "--out", str(tmp_path / "out")]
    for extra in ([], ["--initial-prompt", "off"], ["--initial-prompt", "Northwind"]):
        assert CliRunner().invoke(cli, [*args, *extra]).exit_code == 0
    assert seen == [True, False, False]
