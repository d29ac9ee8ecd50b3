"""Every type that crosses a stage boundary.

All are frozen dataclasses with units in field names. Stages return new objects and never
mutate their inputs. ``to_dict`` / ``from_dict`` give the JSON shapes stored in the database
and written to ``calls/<call_id>.json``. Progress travels through a :data:`Hook`
(``hook(step, call_id, completed=, total=, **info)``; :func:`no_hook` by default), so no
stage prints.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Callable, Literal, NamedTuple, Optional

Role = Literal["agent", "customer", "unknown"]
NO_AGENT_ID = "unknown"  # a call whose manifest or file name gives no agent id
Status = Literal["pass", "fail", "na"]
LAYOUTS = ("mono", "stereo-agent-left", "stereo-agent-right")
CHAT_LAYOUT = "chat"  # the layout of a chat or IM conversation: messages with times, no sound
LOW_ROLE_CONFIDENCE = 0.6  # below this, which speaker is the agent is flagged as uncertain

Hook = Callable[..., None]


def no_hook(step: str, call_id: str = "", **info) -> None:
    """Default hook: report nothing."""


def call_uid(call_id: str, content_sha256: str) -> str:
    """A call's identity: its id and its recording's bytes. The next night's C0001 is another call;
    the same recording filed under two ids is two calls; a re-analysis is the same call."""
    return hashlib.sha256(f"{call_id}\0{content_sha256}".encode()).hexdigest()[:16]


def now() -> str:
    """The time stamps qc records: UTC, ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Turn(NamedTuple):
    """One speaker's stretch of a mono recording, as the diarizer found it (overlaps allowed)."""

    speaker: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class CallMeta:
    """What is known about a call before its audio is opened."""

    call_id: str
    path: str
    agent_id: str = NO_AGENT_ID
    agent_name: str = ""
    team: str = ""
    started_at: str = ""
    layout: Optional[str] = None  # None: decided from the channel count
    language: Optional[str] = None  # None: the run's language
    direction: str = ""  # inbound | outbound | "" (unknown)
    extra: dict = field(default_factory=dict, hash=False)  # manifest columns qc has no field for (queue, tier...)


@dataclass(frozen=True)
class Word:
    start_s: float
    end_s: float
    text: str
    probability: float = 1.0


@dataclass(frozen=True)
class Acoustics:
    """How a sentence sounded, measured on its speaker's channel."""

    loudness_db: float = 0.0  # RMS level of the voiced frames, dBFS
    pitch_hz: float = 0.0  # median fundamental frequency of voiced frames; 0 when none
    pitch_range_st: float = 0.0  # spread of the pitch (10th to 90th percentile), semitones


@dataclass(frozen=True)
class Segment:
    """One stretch of speech by one speaker: the unit rules read as a 'sentence'."""

    speaker: str
    role: Role
    start_s: float
    end_s: float
    text: str
    words: tuple[Word, ...] = ()
    acoustics: Optional[Acoustics] = None


@dataclass(frozen=True)
class SpeechRegion:
    """A stretch where voice activity detection heard one speaker."""

    speaker: str
    role: Role
    start_s: float
    end_s: float


@dataclass(frozen=True)
class AudioInfo:
    path: str
    duration_s: float
    channels: int
    layout: str
    sample_rate_hz: int
    codec: str = ""


@dataclass(frozen=True)
class Transcript:
    """Speaker-attributed text of a whole call, the input of every rule."""

    language: str
    segments: tuple[Segment, ...]
    speech: tuple[SpeechRegion, ...] = ()
    dropped_segments: int = 0
    roles_known: bool = False  # True when segments carry agent/customer roles
    redacted: Optional[tuple[tuple[float, float], ...]] = None  # masked: the spans (s) to silence; None: clear


@dataclass(frozen=True)
class Diarization:
    """Who spoke when, and how sure qc is about which speaker is the agent."""

    method: str  # channels | pyannote | none
    num_speakers: int
    role_confidence: float  # 1.0 for stereo channels; 0 when roles are unknown
    turns: tuple[Turn, ...] = ()
    reason: str = ""

    @property
    def low_confidence(self) -> bool:
        return self.role_confidence < LOW_ROLE_CONFIDENCE


@dataclass(frozen=True)
class CallAnalysis:
    """Everything measured from the audio: stored once, re-scored any number of times."""

    meta: CallMeta
    audio: AudioInfo
    transcript: Transcript
    diarization: Optional[Diarization] = None


@dataclass(frozen=True)
class Evidence:
    start_s: float
    end_s: float
    text: str  # a message (qc.messages) until the engine renders it in the pack's language
    role: str = ""  # whose words or doing it shows, so pages mark that party; "" for nobody's (a silence)


@dataclass(frozen=True)
class Match:
    """What one condition found in a call: whether it hit, and where; ``reason`` and evidence texts
    are messages (``qc.rules.messages``) the engine renders in the pack's language."""

    hit: bool
    reason: object
    evidence: tuple[Evidence, ...] = ()
    context: tuple[Evidence, ...] = ()  # a miss: what it can still show (the closest sentences)
    sought: object = None  # a miss: what it looked for; the engine says where, as evidence


@dataclass(frozen=True)
class Verdict:
    """What one check says about one call."""

    status: Status
    reason: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    title: str
    status: Status
    severity: str
    points: float  # deducted when it failed (see qc.rules.forms), else the rule's points
    fatal: bool
    category: str = "compliance"
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()
    bonus: float = 0.0  # added to the score: the rule passed and has a bonus
    section: str = ""  # the scoring form's section it counts in


@dataclass(frozen=True)
class CallScore:
    rules: tuple[RuleResult, ...]
    score: float
    passed: bool
    fatal_failed: bool = False
    rules_name: str = ""
    rules_version: str = ""  # the rule set's fingerprint: what the call was scored with
    sections: tuple[tuple[str, str, float, Optional[float]], ...] = ()  # (id, title, weight, score; None: all na)
    form: dict = field(default_factory=dict, hash=False)  # the set's scoring form (qc.rules.forms.form_record)


# -- (de)serialisation --------------------------------------------------------------------


def _round(value):
    return round(value, 3) if isinstance(value, float) else value


def segment_to_dict(seg: Segment, with_words: bool = False) -> dict:
    out = {"speaker": seg.speaker, "role": seg.role, "start_s": _round(seg.start_s),
           "end_s": _round(seg.end_s), "text": seg.text}
    if with_words:
        out["words"] = [[_round(w.start_s), _round(w.end_s), w.text, _round(w.probability)]
                        for w in seg.words]
    if seg.acoustics is not None:
        out["acoustics"] = {k: _round(v) for k, v in asdict(seg.acoustics).items()}
    return out


def analysis_to_dict(analysis: CallAnalysis) -> dict:
    """The full analysis, words included: what the database keeps for re-scoring."""
    t = analysis.transcript
    d = analysis.diarization
    return {
        "diarization": ({"method": d.method, "num_speakers": d.num_speakers, "role_confidence": d.role_confidence,
                         "turns": [[sp, _round(a), _round(b)] for sp, a, b in d.turns], "reason": d.reason}
                        if d else None),
        "meta": asdict(analysis.meta),
        "audio": asdict(analysis.audio),
        "transcript": {
            "language": t.language,
            "segments": [segment_to_dict(s, with_words=True) for s in t.segments],
            "speech": [[r.speaker, r.role, _round(r.start_s), _round(r.end_s)] for r in t.speech],
            "dropped_segments": t.dropped_segments,
            "roles_known": t.roles_known,
            **({"redacted": [[_round(a), _round(b)] for a, b in t.redacted]} if t.redacted is not None else {}),
        },
    }


def analysis_from_dict(data: dict) -> CallAnalysis:
    t = data["transcript"]
    segments = tuple(
        Segment(s["speaker"], s["role"], s["start_s"], s["end_s"], s["text"],
                tuple(Word(*w) for w in s.get("words", ())),
                Acoustics(**s["acoustics"]) if s.get("acoustics") else None)
        for s in t["segments"]
    )
    speech = tuple(SpeechRegion(*r) for r in t.get("speech", ()))
    meta_fields = {f.name for f in fields(CallMeta)}
    meta = CallMeta(**{k: v for k, v in data["meta"].items() if k in meta_fields})
    d = data.get("diarization")
    diarization = Diarization(d["method"], d["num_speakers"], d["role_confidence"],
                              tuple(Turn(*t) for t in d.get("turns", ())), d.get("reason", "")) if d else None
    return CallAnalysis(meta=meta, audio=AudioInfo(**data["audio"]), diarization=diarization,
                        transcript=Transcript(t["language"], segments, speech,
                                              t.get("dropped_segments", 0), t.get("roles_known", False),
                                              tuple(tuple(r) for r in t["redacted"]) if "redacted" in t else None))


def rule_result_to_dict(r: RuleResult) -> dict:
    return {**asdict(r), "evidence": [{"start_s": _round(e.start_s), "end_s": _round(e.end_s), "text": e.text,
                                      "role": e.role} for e in r.evidence]}


def score_from_dict(data: dict) -> CallScore:
    rules = tuple(RuleResult(**{**r, "evidence": tuple(Evidence(**e) for e in r["evidence"])}) for r in data["rules"])
    known = {f.name for f in fields(CallScore)} - {"rules", "sections"}
    return CallScore(rules=rules, sections=tuple(tuple(s) for s in data.get("sections", ())),
                     **{k: v for k, v in data.items() if k in known})


def score_to_dict(score: CallScore) -> dict:
    return {**asdict(score), "rules": [rule_result_to_dict(r) for r in score.rules]}


def _diarization_summary(d: Diarization) -> dict:
    return {"method": d.method, "num_speakers": d.num_speakers, "role_confidence": d.role_confidence,
            "low_confidence": d.low_confidence, "reason": d.reason}


def channel_of(meta: CallMeta, layout: Optional[str]) -> str:
    """Where the conversation took place: the metadata's ``channel`` (app, wechat, web...), else chat or phone."""
    return str(meta.extra.get("channel") or ("chat" if layout == CHAT_LAYOUT else "phone"))


CALL_STATUSES = ("ok", "failed", "empty", "quarantined")  # empty: nothing said, nothing to score


def call_json(meta: CallMeta, analysis: Optional[CallAnalysis], score: Optional[CallScore],
              error: Optional[str] = None, uid: str = "", status: Optional[str] = None) -> dict:
    """The published per-call JSON contract (``calls/<call_id>-<uid>.json``)."""
    audio = analysis.audio if analysis else None
    return {
        "call_id": meta.call_id, "uid": uid, "agent_id": meta.agent_id, "agent_name": meta.agent_name,
        "team": meta.team, "started_at": meta.started_at, "direction": meta.direction, "metadata": dict(meta.extra),
        "channel": channel_of(meta, audio.layout if audio else meta.layout),
        "audio": {"path": meta.path, "duration_s": _round(audio.duration_s) if audio else None,
                  "channels": audio.channels if audio else None, "layout": audio.layout if audio else meta.layout},
        "language": analysis.transcript.language if analysis else meta.language,
        "diarization": _diarization_summary(analysis.diarization) if analysis and analysis.diarization else None,
        "segments": [segment_to_dict(s) for s in analysis.transcript.segments] if analysis else [],
        "rules": [rule_result_to_dict(r) for r in score.rules] if score else [],
        "rule_set": {"name": score.rules_name, "version": score.rules_version} if score else None,
        "sections": [dict(zip(("id", "title", "weight", "score"), s)) for s in score.sections] if score else [],
        "score": score.score if score else None,
        "passed": score.passed if score else None,
        "status": status or ("failed" if error else "ok"),
        "error": error,
    }


