"""Every check type's YAML cases (tests/cases/<check>.yaml), collected by one generator.

``pytest -k max-silence`` runs one check's cases.
"""

from pathlib import Path

import pytest

from qc.casefile import load_cases, parse_transcript
from qc.checks import CHECKS
from qc.ruleset import validate_options

CASES_DIR = Path(__file__).parent / "cases"


def all_cases():
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in load_cases(path):
            yield pytest.param(path, case, id=f"{case['check']}: {case['name']}")


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        metafunc.parametrize("path,case", list(all_cases()))


def test_case(path, case):
    module = CHECKS[case["check"]]
    options = validate_options(path, case["name"], module, case.get("options") or {})
    transcript = parse_transcript(case["transcript"], roles_known=case.get("roles", "known") != "unknown")
    verdict = module.check(transcript, options)
    assert verdict.status == case["expect"], verdict.reason
    assert verdict.reason
    if "evidence" in case:
        assert len(verdict.evidence) == case["evidence"]
    for item in verdict.evidence:
        assert item.start_s <= item.end_s and item.text


def test_every_check_has_a_passing_and_a_failing_case():
    expected = {}
    for path in CASES_DIR.glob("*.yaml"):
        for case in load_cases(path):
            expected.setdefault(case["check"], set()).add(case["expect"])
    for check_id in CHECKS:
        assert {"pass", "fail"} <= expected.get(check_id, set()), f"{check_id} lacks a pass or a fail case"


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_check_module_documents_itself(check_id):
    module = CHECKS[check_id]
    assert "PASS" in module.__doc__ and "FAIL" in module.__doc__
    assert set(module.DEFAULT) <= set(module.CONF)


def docstring_examples(module):
    """(expected, options, transcript) for each ``PASS::`` / ``FAIL ...::`` block of a docstring."""
    import inspect

    import yaml

    lines = inspect.cleandoc(module.__doc__).splitlines()
    for i, line in enumerate(lines):
        if line.startswith(("PASS", "FAIL")) and line.rstrip().endswith("::"):
            block = []
            for following in lines[i + 1:]:
                if following.strip() and not following.startswith("    "):
                    break
                block.append(following.strip())
            body = [b for b in block if b]
            options = yaml.safe_load(body[0].split(":", 1)[1])
            yield line[:4].lower(), options, "\n".join(body[1:])


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_docstring_examples_hold(check_id):
    module = CHECKS[check_id]
    examples = list(docstring_examples(module))
    assert {e[0] for e in examples} == {"pass", "fail"}
    for expected, options, transcript in examples:
        opts = validate_options("docstring", check_id, module, options)
        assert module.check(parse_transcript(transcript), opts).status == expected
