"""Every check type's YAML cases (tests/cases/<check>.yaml), collected by one generator.

``pytest -k keyword`` runs one check's cases; ``_composition.yaml`` tests the engine
(applies_when, all/any/not, anchors). The same files run through ``qc rules test``.
"""

import inspect
from pathlib import Path

import pytest
import yaml

from qc.rules.casefile import evaluate_case, load_cases
from qc.rules.checks import CHECKS

CASES_DIR = Path(__file__).parent / "cases"


def all_cases():
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in load_cases(path)[1]:
            yield pytest.param(path, case, id=f"{path.stem}: {case['name']}")


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        metafunc.parametrize("path,case", list(all_cases()))


def test_case(path, case, check_models):
    verdict = evaluate_case(path, case, check_models)
    assert verdict.status == case["expect"], verdict.reason
    assert verdict.reason
    if "reason" in case:
        assert case["reason"] in verdict.reason, verdict.reason
    if "evidence" in case:
        assert len(verdict.evidence) == case["evidence"], verdict.evidence
    for item in verdict.evidence:
        assert item.start_s <= item.end_s and item.text


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_every_check_has_a_passing_and_a_failing_case(check_id):
    path = CASES_DIR / f"{check_id}.yaml"
    assert path.is_file(), f"no test cases for {check_id}"
    expected = {case["expect"] for case in load_cases(path)[1]}
    assert {"pass", "fail"} <= expected


def docstring_examples(module):
    """(expected, rule, transcript) for each ``PASS::`` / ``FAIL ...::`` block of a docstring."""
    lines = inspect.cleandoc(module.__doc__).splitlines()
    for i, line in enumerate(lines):
        if line.startswith(("PASS", "FAIL")) and line.rstrip().endswith("::"):
            block = []
            for following in lines[i + 1:]:
                if following.strip() and not following.startswith("    "):
                    break
                block.append(following.strip())
            body = [b for b in block if b]
            rule = yaml.safe_load(body[0].split(":", 1)[1])
            yield line[:4].lower(), rule, "\n".join(body[1:])


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_check_module_documents_itself_and_its_examples_hold(check_id, check_models):
    module = CHECKS[check_id]
    assert set(module.DEFAULT) <= set(module.CONF)
    examples = list(docstring_examples(module))
    assert {e[0] for e in examples} == {"pass", "fail"}
    for expected, rule, transcript in examples:
        case = {"name": f"{check_id} docstring {expected}", "rule": rule, "transcript": transcript}
        assert evaluate_case(Path(module.__file__), case, check_models).status == expected
