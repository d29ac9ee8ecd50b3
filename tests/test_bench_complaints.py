"""bench/complaints.py: the sentence banks are well formed and a sentence is scored as a call is."""

from pathlib import Path

import pytest

from bench.complaints import BANKS, detected, score
from qc.rules.providers import CheckModels
from qc.rules.ruleset import load_ruleset
from qc.rules.yamlfile import read_yaml

RULES = Path(__file__).resolve().parent.parent / "rules"


@pytest.fixture(scope="module")
def rulesets():
    return {lang: load_ruleset(RULES / f"{lang}-default.yaml") for lang in ("zh", "en")}


@pytest.mark.parametrize("path", BANKS, ids=[p.stem for p in BANKS])
def test_every_bank_has_both_kinds_in_both_languages_and_no_sentence_twice(path):
    bank = read_yaml(path)
    assert set(bank) == {"zh", "en"}
    for language, lists in bank.items():
        assert set(lists) == {"complaint", "other"}
        complaints, others = lists["complaint"], lists["other"]
        assert len(complaints) >= 100 and len(others) >= 100
        assert len(set(complaints)) == len(complaints) and len(set(others)) == len(others)
        assert not set(complaints) & set(others), f"{path.name} {language}: a sentence in both lists"
        assert not any(c.isascii() and c.isdigit() for s in complaints + others for c in s)


def test_a_complaint_is_detected_and_thanks_are_not(rulesets):
    models = CheckModels()
    assert detected(rulesets["zh"], "这都第三次了，你们到底管不管？", "zh", models)
    assert not detected(rulesets["zh"], "好的，谢谢你，没有别的问题了。", "zh", models)
    assert detected(rulesets["en"], "I was told it was sorted, and clearly it isn't.", "en", models)
    assert not detected(rulesets["en"], "That's great, thanks for your help.", "en", models)


def test_score_counts_found_complaints_and_flagged_others(rulesets):
    bank = {"en": {"complaint": ["This is unacceptable.", "The sky is blue today."],
                   "other": ["Thanks so much.", "I want to make a complaint."]}}
    rows = score(bank, rulesets, CheckModels())
    found = next(r for r in rows if r[:2] == ("en", "complaint"))
    flagged = next(r for r in rows if r[:2] == ("en", "other"))
    assert found[2:4] == (1, 2) and found[4] == ["The sky is blue today."]
    assert flagged[2:4] == (1, 2) and flagged[4] == ["I want to make a complaint."]
