"""Chat and IM conversations as calls: a log's conversation becomes the transcript the rules read.

One file holds many conversations (:mod:`qc.sources.chat_log` reads it); each is one call,
its id the conversation's, its path the file's. Each message is one sentence, a moment
(start and end at its time, in seconds from the conversation's first message; messages of
one second keep their order 1 ms apart). The agent's and the customer's messages carry
their roles; a bot's (automated greetings, menus, "transferring you") are kept with role
``unknown`` and speaker ``bot``, so they are shown and answer nothing for the agent.
The audio is a chat: layout ``chat``, no channels, the duration the last message's time.
Checks that need sound are ``na`` (see :mod:`qc.rules.engine`).

The call's content hash is the conversation's own (its id and messages), so a rerun skips
conversations already done and redoes one that changed, whatever else changed in its file.
The language is the manifest's or the conversation's ``language``, else the one its text is
written in (zh when it has more Chinese characters than Latin words), never the run's
default: a chat's words are known, not heard.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

from ..errors import ChatError
from ..media import CHAT_EXTENSIONS
from ..messages import render, say
from ..schema import (CHAT_LAYOUT, AudioInfo, CallAnalysis, CallMeta, Diarization, Segment, Transcript)
from ..text import CJK, LATIN_WORD
from .chat_log import NOT_A_LOG, Conversation, read_log

TIE_S = 0.001  # messages stamped with the same time keep their order this far apart
DEFAULT_CHANNEL = "chat"
LANGUAGES = ("zh", "en")
KNOWN_FIELDS = ("agent_id", "agent_name", "team", "started_at", "language", "direction")


class ChatSource:
    """Reads conversations from chat logs; needs no model."""

    kind = "chat"
    extensions = CHAT_EXTENSIONS

    def fingerprint(self) -> str:
        return json.dumps({"source": self.kind, "tie_s": TIE_S})

    @staticmethod
    def recognises(path: Path) -> bool:
        """Whether a file found in a folder is a chat log (a manifest or another JSON is not)."""
        try:
            return read_log(path).recognised
        except OSError:
            return True  # unreadable: analysing it says why

    def content(self, meta: CallMeta) -> str:
        """The conversation's own hash: its id and its messages (or why they cannot be read)."""
        try:
            found = _find(meta)
        except (ChatError, OSError) as exc:
            detail = str(exc.args[0]) if exc.args else repr(exc)
            return "unreadable:" + hashlib.sha256(f"{meta.path}\0{meta.call_id}\0{detail}".encode()).hexdigest()
        data = [found.conversation_id, [[m.at_s, m.role, m.text, m.sender] for m in found.messages],
                [str(p) for p in found.problems]]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()

    def identity(self, meta: CallMeta, content: str) -> str:
        """With its id, what makes a conversation one call: its log's path, not its messages, so a
        conversation exported again with more messages replaces its earlier version."""
        return hashlib.sha256(meta.path.encode()).hexdigest()

    def analyse(self, meta: CallMeta, language: str) -> CallAnalysis:
        return analyse_conversation(_find(meta), meta, language)


def _find(meta: CallMeta) -> Conversation:
    path = Path(meta.path)
    if not path.is_file():
        raise ChatError(say("failure.no_file", path=meta.path))
    log = read_log(path)
    if not log.recognised:
        raise ChatError(say("chat.not_a_log", path=meta.path, expected=NOT_A_LOG))
    found = log.by_id.get(meta.call_id)
    if found is None:
        raise ChatError(say("chat.not_found", file=path.name, id=meta.call_id))
    return found


def analyse_conversation(conversation: Conversation, meta: CallMeta, language: str) -> CallAnalysis:
    """The transcript of one conversation (pure)."""
    if conversation.problems:
        raise ChatError(conversation.problems[0] if len(conversation.problems) == 1
                        else say("chat.problems", first=conversation.problems[0], n=len(conversation.problems) - 1))
    language = meta.language if meta.language in LANGUAGES else chat_language(conversation)
    origin = conversation.messages[0].at_s if conversation.messages else 0.0
    segments, previous = [], None
    for message in conversation.messages:
        at = round(message.at_s - origin, 3)
        at = at if previous is None or at > previous else round(previous + TIE_S, 3)
        previous = at
        role = message.role if message.role in ("agent", "customer") else "unknown"
        segments.append(Segment("bot" if message.role == "bot" else message.role, role, at, at, message.text))
    roles = {s.role for s in segments}
    info = AudioInfo(path=meta.path, duration_s=previous or 0.0, channels=0, layout=CHAT_LAYOUT, sample_rate_hz=0,
                     codec=conversation.shape)
    diarization = Diarization("chat", len(roles), 1.0, reason=render(say("roles.chat"), language))
    return CallAnalysis(meta=replace(meta, layout=CHAT_LAYOUT, language=language), audio=info,
                        transcript=Transcript(language, tuple(segments), roles_known=True), diarization=diarization)


def chat_language(conversation: Conversation) -> str:
    """The conversation's own language (zh or en), else the one its text is written in."""
    given = (conversation.fields.get("language") or "").lower()
    if given in LANGUAGES:
        return given
    text = " ".join(m.text for m in conversation.messages)
    return "zh" if len(CJK.findall(text)) > len(LATIN_WORD.findall(text)) else "en"


def calls_in(path: Path, listed: dict[str, CallMeta]) -> list[CallMeta]:
    """One call per conversation of the log at ``path``; ``listed`` (manifest rows by call id) fill in
    or override what the log says of a conversation. A log that cannot be read is one call, failing."""
    try:
        log = read_log(path)
    except OSError:
        return list(listed.values()) or [CallMeta(call_id=path.stem, path=str(path), layout=CHAT_LAYOUT)]
    if not log.recognised:
        return [CallMeta(call_id=path.stem, path=str(path), layout=CHAT_LAYOUT)]
    calls = [_meta(c, path, listed.get(c.conversation_id)) for c in log.conversations]
    known = {c.conversation_id for c in log.conversations}
    return calls + [m for call_id, m in listed.items() if call_id not in known]


def _meta(conversation: Conversation, path: Path, row) -> CallMeta:
    fields = conversation.fields
    meta = CallMeta(call_id=conversation.conversation_id, path=str(path), agent_id=fields.get("agent_id") or "unknown",
                    agent_name=fields.get("agent_name", ""), team=fields.get("team", ""),
                    started_at=fields.get("started_at") or conversation.started_at, layout=CHAT_LAYOUT,
                    language=chat_language(conversation), direction=fields.get("direction", "").lower(),
                    extra={"channel": DEFAULT_CHANNEL, **{k: v for k, v in fields.items() if k not in KNOWN_FIELDS}})
    if row is None:
        return meta
    given = {k: v for k, v in vars(row).items() if k not in ("call_id", "path", "layout", "extra") and v
             and not (k == "agent_id" and v == "unknown")}
    return replace(meta, **given, extra={**meta.extra, **row.extra})
