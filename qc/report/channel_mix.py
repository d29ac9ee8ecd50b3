"""Calls and chats: which documents are chat conversations, and how many of each per channel.

A call's channel is its metadata's ``channel`` (the manifest's column, a chat log's field),
else ``phone`` for a recording and ``chat`` for a chat (:func:`qc.schema.channel_of`, given in
the call JSON as ``channel``). A chat that failed before it was read has no layout yet: its
log's extension tells.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..media import CHAT_EXTENSIONS
from ..schema import CHAT_LAYOUT


def is_chat_doc(doc: dict) -> bool:
    """Whether a call JSON is a chat conversation's."""
    audio = doc["audio"]
    return audio["layout"] == CHAT_LAYOUT or Path(audio["path"] or "").suffix.lower() in CHAT_EXTENSIONS


def channel_mix(calls: list[dict]) -> list[dict]:
    """``[{"channel", "calls", "chats"}]`` for call views (``channel``, ``chat_log``), most used first."""
    counts = Counter((c.get("channel") or "phone", bool(c.get("chat_log"))) for c in calls)
    channels = sorted({channel for channel, _ in counts}, key=lambda ch: (-sum(n for (c, _), n in counts.items()
                                                                             if c == ch), ch))
    return [{"channel": ch, "calls": counts[ch, False], "chats": counts[ch, True]} for ch in channels]
