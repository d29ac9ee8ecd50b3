"""Every error qc raises on purpose, in one tree.

::

    QcError                      base: the CLI turns any of these into one line
    ├── ConfigError              before any work; exit code 2
    │   ├── RuleConfigError      a rule file is wrong: names file, rule, option, expected, found
    │   ├── ManifestError        the call manifest CSV is wrong (missing column, unknown layout, ...)
    │   └── ModelError           a model is missing, corrupt or unloadable; says how to install it
    ├── CallError                one call cannot be processed; it is recorded as failed, the batch goes on
    │   └── AudioError           the recording cannot be decoded (empty, corrupt, not audio, unknown format)
    ├── EnvironmentFailure       the machine stops the batch (disk full, database unwritable); exit code 3
    ├── ReviewError              a review action is refused (role, state, a finding changed since shown)
    └── Busy                     another qc process is using the same database; exit code 4

    Interrupted (a BaseException, not a QcError: nothing may swallow it) is raised in the
    batch by SIGTERM or SIGINT; the batch stops, the pages are written, exit code 143 or 130.

Library code raises these; only ``qc.cli`` maps them to exit codes. :func:`environment_errors`
turns what the machine says (a full disk, a locked or unwritable database) into an
:class:`EnvironmentFailure` line.
"""

import errno
import sqlite3
from contextlib import contextmanager
from typing import Iterator


class QcError(Exception):
    """Base of every error qc raises on purpose."""


class ConfigError(QcError):
    """The run is misconfigured; nothing has been processed yet."""


class RuleConfigError(ConfigError):
    """A rule file is invalid."""

    def __init__(self, file, rule=None, option=None, expected=None, found=None, message=None):
        self.file, self.rule, self.option = str(file), rule, option
        self.expected, self.found = expected, found
        parts = [self.file]
        if rule is not None:
            parts.append(f'rule "{rule}"')
        if option is not None:
            parts.append(f'option "{option}"')
        text = message or "invalid value"
        if expected is not None:
            text += f": expected {expected}"
        if found is not None or expected is not None:
            text += f", found {found!r}"
        super().__init__(": ".join(parts) + ": " + text)


class ManifestError(ConfigError):
    """The call manifest cannot be used."""


class ModelError(ConfigError):
    """A model is missing, corrupt or cannot be loaded."""


class CallError(QcError):
    """One call failed; the batch continues. Its argument is a message (``qc.messages``): the
    batch stores it in the language of the call's rule pack; ``str()`` is English."""


class AudioError(CallError):
    """A recording cannot be decoded."""


class EnvironmentFailure(QcError):
    """The environment stops the whole batch (full disk, unwritable database)."""


@contextmanager
def environment_errors(what: str) -> Iterator[None]:
    """Turn disk-full and unwritable-database errors into one EnvironmentFailure line."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise EnvironmentFailure(f"{what}: database error: {exc}") from exc
    except OSError as exc:
        reason = "disk full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
        raise EnvironmentFailure(f"{what}: {reason} ({getattr(exc, 'filename', '') or ''})") from exc


class ReviewError(QcError):
    """A review action cannot be done: the actor's role, the review's state or a stale page forbids it."""


class Busy(QcError):
    """Another qc process holds the database: this one did nothing."""


class Interrupted(BaseException):
    """A signal asked the batch to stop; ``exit_code`` is 128 + the signal number."""

    def __init__(self, signal_name: str, exit_code: int):
        super().__init__(signal_name)
        self.signal_name, self.exit_code = signal_name, exit_code
