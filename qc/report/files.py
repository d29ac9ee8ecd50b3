"""Every file a report writes is written whole or not at all.

Each goes to a hidden temporary name beside its target and is renamed over it only once
completely written, so a full disk or a killed process leaves the previous version (or
nothing), never a 0-byte or cut page, CSV or audio copy; the next run writes it again.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


def partial_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.part")


@contextmanager
def atomic_file(path: Path, binary: bool = False, **open_args) -> Iterator[IO]:
    partial = partial_name(path)
    try:
        with open(partial, "wb" if binary else "w", **open_args) as fh:
            yield fh
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    with atomic_file(path, encoding="utf-8") as fh:
        fh.write(text)
