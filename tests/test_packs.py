"""The default packs on wording they were not written for (tests/packs/*.cases.yaml)."""

from pathlib import Path

import pytest

from qc.rules.casefile import evaluate_case, load_cases
from qc.rules.ruleset import load_ruleset

PACK_CASES = sorted((Path(__file__).parent / "packs").glob("*.cases.yaml"))


def pack_cases():
    for path in PACK_CASES:
        rules_path, cases = load_cases(path)
        for case in cases:
            yield pytest.param(path, rules_path, case, id=f"{path.name.split('.')[0]}: {case['name']}")


@pytest.mark.parametrize("path,rules_path,case", list(pack_cases()))
def test_pack_case(path, rules_path, case, check_models):
    verdict = evaluate_case(path, case, check_models, load_ruleset(rules_path))
    assert verdict.status == case["expect"], verdict.reason


def test_every_default_pack_has_cases():
    assert {p.name.split(".")[0] for p in PACK_CASES} >= {"zh-default", "en-default"}
