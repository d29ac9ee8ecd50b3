"""The table of check types. A rule names one of these ids in its ``check:`` field.

Each check type is one module with a docstring (options, a PASS and a FAIL example), an
``ID``, a ``CONF`` table of option types, a ``DEFAULT`` for optional options, and a pure
``check(transcript, options) -> Verdict``. Adding a type means adding its module here.
"""

from . import forbidden_phrase, max_silence, phrase_required

CHECKS = {module.ID: module for module in (phrase_required, forbidden_phrase, max_silence)}
