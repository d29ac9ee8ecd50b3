"""Messages: every text qc stores about a call is said in the language of its rule pack.

The catalogues hold each message in English and Chinese with the same parameters; a verdict's
reason and evidence come out in the pack's language; evidence for something missing says what
was looked for and where.
"""

import re
from pathlib import Path

import pytest

from qc import messages
from qc.analysis.role_cues import CUES
from qc.errors import AudioError
from qc.media import probe, tool_said
from qc.messages import Joined, joined, render
from qc.rules import messages as rule_messages
from qc.rules.casefile import call_from_case
from qc.rules.engine import evaluate_rule
from qc.rules.providers import CheckModels
from qc.rules.ruleset import build_rule
from qc.run import review_messages

CATALOGUES = {"qc.messages": messages.TEXTS, "qc.rules.messages": rule_messages.TEXTS,
              "qc.run.review_messages": review_messages.TEXTS}
PLACEHOLDER = re.compile(r"{(\w+)(?::[^}]*)?}")
ENGLISH_KEPT = {"dB", "dBFS", "WAV"}  # units and formats said the same in Chinese


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_every_message_is_said_in_both_languages_with_the_same_parameters(name):
    for key, (en, zh) in CATALOGUES[name].items():
        assert en and zh, key
        assert set(PLACEHOLDER.findall(en)) == set(PLACEHOLDER.findall(zh)), key
        words = set(re.findall(r"[A-Za-z]+", PLACEHOLDER.sub("", zh))) - ENGLISH_KEPT
        assert not words, f"{key}: English in the Chinese text: {words}"


def test_every_class_of_role_evidence_has_a_name_in_both_languages():
    names = {cue.name for cues in CUES.values() for cue in cues} | {"site phrase"}
    assert {name: render(messages.say(f"cue.{name}"), "zh") for name in names}  # a KeyError names a missing one


def test_lists_and_clauses_are_joined_as_each_language_writes_them():
    say = messages.catalogue({"said": ("said {phrases}", "说了：{phrases}")})
    said = say("said", phrases=joined(["您好", "欢迎致电", "你好"], limit=2))
    assert render(said, "zh") == "说了：您好、欢迎致电…" and render(said, "en") == "said 您好, 欢迎致电..."
    assert str(said) == "said 您好, 欢迎致电..."  # the command line's
    both = Joined((said, say("said", phrases=["再见"])), "clauses")
    assert render(both, "zh-CN") == "说了：您好、欢迎致电…；说了：再见"
    assert render(both, "en-US") == "said 您好, 欢迎致电...; said 再见"
    assert render("plain text", "zh") == "plain text"


def test_an_unknown_message_id_fails_where_it_is_made():
    with pytest.raises(KeyError):
        rule_messages.say("keyword.no_such_message")


def verdict(rule: dict, transcript: str, language: str):
    built = build_rule(Path("t.yaml"), {"id": "r", "title": "r", **rule})
    call = call_from_case({"name": "c", "transcript": transcript})
    return evaluate_rule(call, built.conditions, built.applies_when, built.require, built.forbid, CheckModels(),
                         language=language)


GREETING = {"require": {"check": "keyword", "role": "agent", "first_s": 15, "any": ["您好", "你好"]}}
NO_GREETING = "agent 0.5 1.5 喂，什么事？\ncustomer 2.0 3.0 你好\nagent 20.0 21.0 您好"


def test_a_missing_item_says_what_was_looked_for_and_where_not_an_unrelated_sentence():
    zh = verdict(GREETING, NO_GREETING, "zh")
    assert zh.status == "fail" and zh.reason == "没有说：您好、你好"
    [looked] = zh.evidence
    assert looked.text == "在开场 15 秒内坐席的话中未找到：您好、你好" and looked.role == "agent"
    assert (looked.start_s, looked.end_s) == (0.5, 0.5)  # where the looking began: the agent's first sentence
    en = verdict(GREETING, NO_GREETING, "en")
    assert en.reason == "said none of 您好, 你好"
    assert en.evidence[0].text == "looked for 您好, 你好 in what the agent said in the first 15 s"


def test_an_anchored_miss_names_the_anchor():
    rule = {"conditions": {"complaint": {"check": "keyword", "role": "customer", "any": ["投诉"]}},
            "applies_when": "complaint",
            "require": {"check": "keyword", "role": "agent", "any": ["抱歉"],
                        "anchor": {"to": "complaint", "relation": "after", "within_sentences": 2}}}
    transcript = "customer 0.5 2.0 我要投诉\nagent 2.5 4.0 请讲\ncustomer 4.5 6.0 宽带坏了\nagent 6.5 7.0 好的\nagent 30.0 31.0 抱歉"
    [looked] = verdict(rule, transcript, "zh").evidence
    assert looked.text == "在「complaint」之后 2 句内坐席的话中未找到：抱歉" and (looked.start_s, looked.end_s) == (2.5, 2.5)
    assert verdict(rule, transcript, "en").evidence[0].text == (
        "looked for 抱歉 in what the agent said within 2 sentence(s) after «complaint»")


def test_found_evidence_quotes_the_sentence_and_names_its_party():
    result = verdict(GREETING, "agent 0.5 2.0 您好，星河通信\ncustomer 2.5 3.0 你好", "zh")
    assert result.status == "pass" and result.reason == "说了：您好"
    assert [(e.text, e.role) for e in result.evidence] == [("您好，星河通信", "agent")]


def test_reasons_evidence_and_not_applicable_come_in_the_pack_language():
    silence = {"forbid": {"check": "silence", "min_s": 5}}
    transcript = "agent 0.5 3.0 你自己去营业厅问吧\ncustomer 11.0 12.0 喂？"
    zh, en = verdict(silence, transcript, "zh"), verdict(silence, transcript, "en")
    assert zh.reason == "1 次静默超过 5 秒，最长 8.0 秒" and en.reason == "1 silence(s) longer than 5 s, longest 8.0 s"
    assert zh.evidence[0].text == "8.0 秒无人说话，之前：坐席「你自己去营业厅问吧」"
    assert en.evidence[0].text == "8.0 s without speech after: agent «你自己去营业厅问吧»"
    unknown = call_from_case({"name": "c", "roles": "unknown", "transcript": "unknown 0.5 2.0 您好"})
    built = build_rule(Path("t.yaml"), {"id": "r", "title": "r", **GREETING})
    na = evaluate_rule(unknown, built.conditions, None, built.require, None, CheckModels(), language="zh")
    assert na.status == "na" and na.reason == "说话人角色未知，无法判断坐席说了什么"


def test_a_recording_that_cannot_be_read_says_so_in_both_languages(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioError) as info:
        probe(path)
    assert str(info.value) == f"{path}: empty file (0 bytes)"
    assert render(info.value.args[0], "zh") == f"{path}：空文件（0 字节）"


def test_the_usual_tool_errors_are_said_not_quoted():
    said = tool_said(b"[wav @ 0x1] bad chunk\n/calls/x.wav: Invalid data found when processing input\n")
    assert render(said, "zh") == "内容无法解析" and str(said) == "invalid data found when processing input"
    assert tool_said("/calls/x.wav: Some new complaint\n") == "/calls/x.wav: Some new complaint"  # quoted as is


def test_a_clause_two_branches_share_is_said_once():
    rule = {"require": {"any": [{"check": "keyword", "role": "agent", "any": ["您好"]},
                                {"check": "keyword", "role": "agent", "first_s": 5, "any": ["您好"]},
                                {"check": "keyword", "role": "agent", "any": ["你好"]}]}}
    assert verdict(rule, "agent 0.5 2.0 喂", "zh").reason == "没有说：您好；没有说：你好"
