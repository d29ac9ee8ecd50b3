"""Reading the YAML that rule authors write (rule sets, rule test cases), with limits.

YAML aliases can make a 1 KB file expand into gigabytes ("billion laughs"): the node graph
is composed first (aliases stay shared, nothing expands) and its expanded size is counted
before anything is built, so such a file is one error line in milliseconds. Files are read
as UTF-8 or GB18030 (what Notepad on a Chinese Windows saves).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import RuleConfigError
from ..text import decode_text

MAX_FILE_BYTES = 1 << 20
MAX_EXPANDED_NODES = 200_000  # the maintained packs have about 1,000


def read_yaml(path: Path) -> Any:
    import yaml

    if not path.is_file():
        raise RuleConfigError(path, message="file not found")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise RuleConfigError(path, message=f"larger than {MAX_FILE_BYTES >> 20} MiB; a rule file is text")
    text = decode_text(path.read_bytes())
    if text is None:
        raise RuleConfigError(path, message="unknown text encoding; save it as UTF-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        expanded = _expanded_size(root, {})
        if expanded > MAX_EXPANDED_NODES:
            raise RuleConfigError(path, message=f"its aliases expand to {expanded:,} values (at most "
                                                f"{MAX_EXPANDED_NODES:,}): an alias bomb, or aliases nested too deep")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RuleConfigError(path, message=f"not valid YAML: {where}{getattr(exc, 'problem', exc)}") from None


def _expanded_size(node, memo: dict) -> int:
    """How many values the node becomes once every alias is expanded (each shared node counted once
    per use; computed once per node, so an alias bomb is measured without being expanded)."""
    import yaml

    if node is None:
        return 0
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 0  # a recursive alias: counts nothing more on the way round
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(item, memo) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    else:
        size = 1
    memo[id(node)] = min(size, 10 * MAX_EXPANDED_NODES)
    return memo[id(node)]
