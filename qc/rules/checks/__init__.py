"""The table of check types: a condition names one of these ids in its ``check:`` key.

Each check type is one module with a docstring (options, a PASS and a FAIL example), an
``ID``, a ``CONF`` table of option types, a ``DEFAULT`` for optional options, optionally
``SCOPED = True`` (it reads sentences narrowed by role, window and anchor) and a
``validate(options)`` for rules between options, and a pure
``evaluate(call, segments, options) -> Match``. Adding a type means adding its module here.
"""

from . import (duration, emotion, hangup, keyword, loudness, metadata, overtalk, regex, repetition,
               response_latency, sentence_count, silence, similarity, speech_rate, talk_ratio, unlisted)

CHECKS = {module.ID: module for module in (keyword, regex, silence, overtalk, speech_rate, response_latency,
                                           talk_ratio, sentence_count, duration, hangup, repetition, metadata,
                                           loudness, emotion, similarity, unlisted)}
