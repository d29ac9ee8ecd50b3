"""Docs are generated from the code; these tests fail when the committed copies drift."""

import pytest
from click.testing import CliRunner

from qc.cli import docs
from qc.cli import cli


@pytest.mark.parametrize("name", sorted(docs.GENERATED))
def test_committed_docs_are_current(name):
    committed = (docs.DOCS_DIR / name).read_text(encoding="utf-8")
    assert committed == docs.GENERATED[name](), f"docs/{name} is stale: run 'python -m qc.cli.docs'"


def test_every_command_has_help():
    import click

    def walk(command, path):
        ctx = click.Context(command, info_name=path)
        assert command.help, f"{path} has no help text"
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), f"{path} {name}")

    walk(cli, "qc")


def test_every_check_is_documented():
    text = docs.checks_markdown()
    from qc.rules.checks import CHECKS

    for check_id, module in CHECKS.items():
        assert f"## `{check_id}`" in text
        for option in module.CONF:
            assert f"`{option}`" in text


def test_rules_docs_command_prints_the_reference():
    result = CliRunner().invoke(cli, ["rules", "docs"])
    assert result.exit_code == 0 and result.output == docs.checks_markdown()
