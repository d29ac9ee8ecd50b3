"""Chat and IM logs: reading a file into conversations, each a list of timed messages.

Two shapes are read, in UTF-8 (with or without a BOM), UTF-16 or GB18030:

- qc's own: one message per line, as JSON Lines (``.jsonl``, ``.json``) or CSV with a header
  (``.csv``). Each message has ``conversation_id``, ``time``, ``role`` (agent, customer or bot)
  and ``text``; optionally ``sender`` (a display name) and ``message_id``. ``agent_id``,
  ``agent_name``, ``team``, ``channel`` (app, wechat, web...), ``language``, ``started_at``
  and ``direction`` describe the conversation, and so does any other field (a queue, a
  tier): each takes the first value its messages give. Exports with Chinese headers are read
  too (会话ID, 时间, 角色, 内容, 坐席工号, 渠道...: :data:`ALIASES`), and the usual names of the
  parties (客服, 访客, 机器人, visitor, staff...: :data:`ROLES`).
- Zendesk Chat's chat objects, as its Chat API returns them: one per line (``.jsonl``), or a
  list or ``{"chats": [...]}`` (``.json``). ``id`` names the conversation, ``agent_ids`` and
  ``agent_names`` the agent, ``department_name`` the team; the ``history`` entries of type
  ``chat.msg`` are the messages (``nick`` visitor is the customer, agent:trigger an automated
  message, agent:<id> the agent; ``name``, ``msg``, ``timestamp``). The channel is ``web``
  unless the object gives one. Offline messages (``type: offline_msg``) are no conversation.

Times are ISO 8601 (2026-11-21T09:30:05+08:00, 2026-11-21 09:30:05, 2026/11/21 9:30:05),
Unix time (seconds, or milliseconds above 10^11), seconds from the conversation's start
(numbers below 10^9) or clock times (09:30:05); one conversation uses one kind.

A message that cannot be read fails its conversation, saying where and why; a line whose
conversation cannot be told (not JSON, no conversation id) is a failed conversation of its
own, named after the file and line. The rest of the file is read.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Optional

from ..messages import Message, say
from ..text import decode_text

ALIASES = {  # a field: the names exports give it (compared in lower case)
    "conversation_id": ("conversation_id", "conversation", "session_id", "chat_id", "会话id", "会话编号", "会话"),
    "time": ("time", "timestamp", "sent_at", "created_at", "时间", "发送时间", "消息时间"),
    "role": ("role", "sender_role", "sender_type", "角色", "发送方", "发送方类型", "发送者类型"),
    "text": ("text", "message", "content", "msg", "内容", "消息内容", "消息"),
    "sender": ("sender", "sender_name", "发送人", "发送者", "昵称"),
    "message_id": ("message_id", "msg_id", "消息id"),
    "agent_id": ("agent_id", "坐席工号", "客服工号", "工号"),
    "agent_name": ("agent_name", "坐席姓名", "客服姓名", "客服"),
    "team": ("team", "技能组", "班组", "组别"),
    "channel": ("channel", "渠道", "来源渠道"),
    "language": ("language", "语言"),
    "started_at": ("started_at", "开始时间"),
    "direction": ("direction", "方向"),
}
ROLES = {  # a party: the names logs give it (compared in lower case)
    "agent": ("agent", "staff", "operator", "admin", "坐席", "客服", "人工", "人工客服"),
    "customer": ("customer", "visitor", "user", "client", "contact", "客户", "访客", "用户", "顾客"),
    "bot": ("bot", "robot", "system", "trigger", "机器人", "智能客服", "系统"),
}
REQUIRED = ("conversation_id", "time", "role", "text")
MESSAGE_FIELDS = ("time", "role", "text", "sender", "message_id")  # the rest describe the conversation
_FIELD = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_ROLE = {alias: name for name, aliases in ROLES.items() for alias in aliases}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?$")
_SLASHED = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
TIME_EXAMPLE = "2026-11-21T09:30:05+08:00"
NOT_A_LOG = "JSON Lines or CSV messages with conversation_id, time, role and text, or Zendesk Chat objects"
SNIFFED_LINES = 20  # a .jsonl is a chat log when one of its first lines is a message or a chat object


@dataclass(frozen=True)
class ChatMessage:
    at_s: float  # when it was sent: Unix time, or seconds of the log's own clock (see :func:`parse_time`)
    role: str  # agent | customer | bot
    text: str
    sender: str = ""
    line: int = 0


@dataclass(frozen=True)
class Conversation:
    """One conversation of a log, its messages in time order; ``problems`` say why it cannot be read."""

    conversation_id: str
    messages: tuple[ChatMessage, ...]
    fields: dict = field(hash=False)  # agent_id, agent_name, team, channel, ..., and the rest (extra)
    problems: tuple[Message, ...] = ()
    started_at: str = ""  # the first message's time as ISO 8601, when the log gives dates
    shape: str = "qc"  # qc | zendesk


@dataclass(frozen=True)
class ChatLog:
    conversations: tuple[Conversation, ...]
    recognised: bool  # whether the file is a chat log at all (a manifest CSV, a JSON of something else: not)
    by_id: dict = field(default_factory=dict, hash=False, compare=False)  # conversation id -> conversation


def read_log(path: Path) -> ChatLog:
    """The conversations of a chat log, read once per version of the file."""
    stat = path.stat()
    return _read(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _read(path: str, mtime_ns: int, size: int) -> ChatLog:
    name = Path(path).name
    text = decode_text(Path(path).read_bytes())
    if text is None:
        return ChatLog((), False)
    builder = _Builder(name)
    if path.lower().endswith(".csv"):
        recognised = _read_csv(text, builder)
    else:
        recognised = _read_json(text, builder)
    conversations = builder.conversations()
    return ChatLog(conversations, recognised, {c.conversation_id: c for c in conversations})


def _canonical(row: dict) -> dict:
    return {_FIELD.get(str(k).strip().lower(), str(k).strip()): v for k, v in row.items() if k is not None}


def _read_csv(text: str, builder: "_Builder") -> bool:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = {_FIELD.get((c or "").strip().lower()) for c in reader.fieldnames or ()}
    if not set(REQUIRED) <= columns:
        return False
    for row in reader:
        builder.row(_canonical(row), reader.line_num, f":{reader.line_num}")
    return True


def _read_json(text: str, builder: "_Builder") -> bool:
    stripped = text.lstrip()
    if stripped.startswith("[") or (stripped.startswith("{") and "\n{" not in stripped.rstrip()):
        try:  # one JSON document: a list of chats or messages, {"chats": [...]}, or a single chat
            document = json.loads(text)
        except ValueError:
            document = None
        if document is not None:
            items = document.get("chats", [document]) if isinstance(document, dict) else document
            items = items if isinstance(items, list) else []
            recognised = any(_kind(item) for item in items[:SNIFFED_LINES])
            for index, item in enumerate(items, start=1) if recognised else ():
                builder.item(item, index, f"[{index}]")
            return recognised
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    recognised = any(_kind(_loads(line)) for _, line in lines[:SNIFFED_LINES])
    for number, line in lines if recognised else ():
        builder.item(_loads(line), number, f":{number}")
    return recognised


def _loads(line: str):
    try:
        return json.loads(line)
    except ValueError:
        return None


def _kind(item) -> Optional[str]:
    """zendesk (a chat object), qc (a message) or None (something else)."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("history"), list) or item.get("type") == "offline_msg":
        return "zendesk"
    return "qc" if set(REQUIRED) <= set(_canonical(item)) else None


class _Builder:
    """Gathers messages into conversations, in the order the log first names them."""

    def __init__(self, name: str):
        self.name = name
        self.found: dict[str, dict] = {}

    def _conversation(self, conversation_id: str, shape: str = "qc") -> dict:
        return self.found.setdefault(conversation_id, {"messages": [], "fields": {}, "problems": [], "shape": shape})

    def _unreadable(self, place: str, problem: Message) -> None:
        """A line or item of no known conversation: a failed conversation named after it."""
        self._conversation(place)["problems"].append(problem)

    def item(self, item, number: int, where: str) -> None:
        """``where``: the line (:17) or the list item ([3]) after the file's name."""
        kind, place = _kind(item), self.name + where
        if kind == "zendesk":
            self.chat(item, number, place)
        elif kind == "qc" or isinstance(item, dict):
            self.row(_canonical(item), number, where)
        else:
            self._unreadable(place, say("chat.not_json", place=place, what="JSON"))

    def row(self, row: dict, number: int, where: str) -> None:
        place = self.name + where
        conversation_id = _plain(row.get("conversation_id"))
        if not conversation_id:
            self._unreadable(place, say("chat.no_conversation", place=place))
            return
        found = self._conversation(conversation_id)
        missing = [name for name in REQUIRED if row.get(name) is None or (name != "text" and not _plain(row[name]))]
        role = _ROLE.get(_plain(row.get("role")).lower())
        if missing:
            found["problems"].append(say("chat.missing", place=place, fields=", ".join(missing)))
        elif role is None:
            found["problems"].append(say("chat.role", place=place, role=_plain(row["role"]), roles="agent, customer, bot"))
        else:
            self._message(found, row["time"], role, _plain(row["text"]), _plain(row.get("sender")), number, place)
        for key, value in row.items():
            if key not in MESSAGE_FIELDS and key != "conversation_id" and _plain(value):
                found["fields"].setdefault(key, _plain(value))

    def chat(self, chat: dict, number: int, place: str) -> None:
        if chat.get("type") == "offline_msg":
            return
        conversation_id = _plain(chat.get("id"))
        if not conversation_id:
            self._unreadable(place, say("chat.no_conversation", place=place))
            return
        found = self._conversation(conversation_id, "zendesk")
        agents = [_plain(a) for a in chat.get("agent_ids") or () if _plain(a)]
        names = [_plain(a) for a in chat.get("agent_names") or () if _plain(a)]
        fields = {"agent_id": agents[0] if agents else "", "agent_name": names[0] if names else "",
                  "team": _plain(chat.get("department_name")), "channel": _plain(chat.get("channel")) or "web"}
        for entry in chat["history"]:
            if not isinstance(entry, dict) or entry.get("type", "chat.msg") != "chat.msg":
                continue  # joins, leaves, ratings, file transfers
            nick = _plain(entry.get("nick")).lower()
            role = "customer" if nick.startswith("visitor") else "bot" if nick == "agent:trigger" else \
                "agent" if nick.startswith("agent") else None
            if role is None or entry.get("timestamp") is None:
                found["problems"].append(say("chat.zendesk_entry", place=place, history="history",
                                                             nick=f"nick {nick or '-'}"))
                continue
            if role == "agent" and not fields["agent_id"] and ":" in nick:
                fields["agent_id"] = nick.split(":", 1)[1]
            self._message(found, entry["timestamp"], role, _plain(entry.get("msg")), _plain(entry.get("name")), number,
                          place)
        found["fields"].update({k: v for k, v in fields.items() if v})

    def _message(self, found: dict, value, role: str, text: str, sender: str, number: int, place: str) -> None:
        parsed = parse_time(value)
        if parsed is None:
            found["problems"].append(say("chat.time", place=place, value=_plain(value), example=TIME_EXAMPLE))
        else:
            found["messages"].append((parsed, ChatMessage(parsed[0], role, text, sender, number)))

    def conversations(self) -> tuple[Conversation, ...]:
        return tuple(_conversation(cid, found, self.name) for cid, found in self.found.items())


def _conversation(conversation_id: str, found: dict, name: str) -> Conversation:
    problems = list(found["problems"])
    kinds = {kind for (_, kind, _), _ in found["messages"]}
    if len(kinds) > 1:
        problems.append(say("chat.mixed_times", file=name, id=conversation_id))
    ordered = sorted(found["messages"], key=lambda item: item[0][0])  # stable: file order for equal times
    started = next((iso for (_, _, iso), _ in ordered if iso), "")
    return Conversation(conversation_id, tuple(m for _, m in ordered), dict(found["fields"]), tuple(problems),
                        started, found["shape"])


def parse_time(value) -> Optional[tuple[float, str, str]]:
    """``(seconds, kind, iso)``: Unix time for dates (kind ``zoned``, or ``local`` without a zone,
    counted as if UTC: only differences matter), else seconds on the log's own clock (``offset``);
    ``iso`` the date as ISO 8601 ("" for offsets). None when it is no time."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and _number(value.strip()) is not None):
        number = float(value) if not isinstance(value, str) else _number(value.strip())
        if number >= 1e9:
            seconds = number / 1000 if number >= 1e11 else number
            return seconds, "zoned", datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")
        return (number, "offset", "") if number >= 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds = int(clock[1]), int(clock[2]), float(clock[3] or 0)
        return (hours * 3600 + minutes * 60 + seconds, "offset", "") if hours < 24 and minutes < 60 else None
    text = _SLASHED.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text).replace("Z", "+00:00")
    text = re.sub(r"([T ])(\d):", r"\g<1>0\2:", text)  # 9:30 -> 09:30
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc).timestamp(), "local", moment.isoformat(timespec="seconds")
    return moment.timestamp(), "zoned", moment.isoformat(timespec="seconds")


def _number(text: str) -> Optional[float]:
    try:
        return float(text)
    except ValueError:
        return None


def _plain(value) -> str:
    return "" if value is None else str(value).strip()
