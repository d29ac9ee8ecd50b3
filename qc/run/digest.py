"""What a run's alert says: its fatal failures, the calls it could not process, and the agents
whose score dropped, gathered from the store (:func:`build_digest`) and written as a message in
the call centre's language (:func:`render`).

Fatal failures are the failed rules of the calls scored in this run that are marked
``fatal: true`` or have a severity listed in ``fatal_severities`` (``critical``). An agent's
score dropped when the mean score of their calls scored in this run is at least
``score_drop.points`` below the mean of their other calls started in the ``score_drop.days``
days before the first of them (at least ``score_drop.min_calls`` such calls). With
``--redact`` call ids and failure reasons are masked like every other output.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from statistics import mean
from typing import Callable, Optional, Sequence

from ..redact import mask
from ..report.i18n import interface_language
from ..schema import now
from .store import Store

MAX_ITEMS = 20  # per section of the text; the generic webhook's JSON lists everything


@dataclass(frozen=True)
class DropSettings:
    points: float = 10.0  # the agent's run mean at least this far below their baseline
    days: int = 7  # the baseline: their calls started in the days before this run's
    min_calls: int = 3  # fewer baseline calls than this: no comparison


@dataclass(frozen=True)
class FatalFailure:
    call_id: str
    agent_id: str
    agent_name: str
    rule_id: str
    title: str


@dataclass(frozen=True)
class FailedCall:
    call_id: str
    reason: str


@dataclass(frozen=True)
class ScoreDrop:
    agent_id: str
    agent_name: str
    score: float  # mean of this run's calls
    calls: int
    baseline_score: float  # mean of the calls of the days before
    baseline_calls: int
    days: int


@dataclass(frozen=True)
class Digest:
    scored: int  # calls scored in this run
    fatal: tuple[FatalFailure, ...] = ()
    failed: tuple[FailedCall, ...] = ()
    drops: tuple[ScoreDrop, ...] = ()
    language: str = "zh"  # of the message
    drop_points: float = 10.0

    @property
    def clean(self) -> bool:
        return not (self.fatal or self.failed or self.drops)


@dataclass(frozen=True)
class Message:
    title: str
    text: str  # plain text, one item a line
    data: dict  # the digest as JSON, for the generic webhook


def build_digest(store: Store, scored_keys: Sequence[str], failed: Sequence[tuple[str, str]],
                 events: Sequence[str] = ("fatal", "failed", "score_drop"), drop: DropSettings = DropSettings(),
                 fatal_severities: Sequence[str] = ("critical",), language: str = "auto",
                 redact: bool = False) -> Digest:
    """The digest of one run: ``scored_keys`` are the stored calls it scored, ``failed`` its
    (call id, reason) failures."""
    rows = sorted(store.scored_rows(scored_keys), key=lambda r: (r["started_at"], r["call_id"], r["call_uid"]))
    hide: Callable[[str], str] = (lambda text: mask(text)[0]) if redact else (lambda text: text)
    fatal = tuple(FatalFailure(hide(row["call_id"]), row["agent_id"], row["agent_name"], r["rule_id"], r["title"])
                  for row in rows for r in (row["score_detail"] or {}).get("rules", ())
                  if r["status"] == "fail" and (r["fatal"] or r["severity"] in fatal_severities))
    return Digest(
        scored=len(rows),
        fatal=fatal if "fatal" in events else (),
        failed=tuple(FailedCall(hide(c), hide(r)) for c, r in failed) if "failed" in events else (),
        drops=score_drops(store, rows, drop) if "score_drop" in events else (),
        language=interface_language(language, [row["language"] for row in rows]),
        drop_points=drop.points)


def score_drops(store: Store, rows: list[dict], drop: DropSettings) -> tuple[ScoreDrop, ...]:
    """The agents of ``rows`` (this run's scored calls) whose mean fell ``drop.points`` below their baseline."""
    by_agent: dict[str, list[dict]] = {}
    for row in rows:
        if row["agent_id"] not in ("", "unknown"):  # calls of no known agent are not one person's work
            by_agent.setdefault(row["agent_id"], []).append(row)
    drops = []
    for agent_id, calls in sorted(by_agent.items()):
        first = min((c["started_at"] for c in calls if c["started_at"]), default=now())
        try:
            since = (date.fromisoformat(first[:10]) - timedelta(days=drop.days)).isoformat()
        except ValueError:  # a start time that is no date: nothing to compare with
            continue
        this_run = {c["call_uid"] for c in calls}
        baseline = [r["score"] for r in store.agent_scores(agent_id, since, first) if r["call_uid"] not in this_run]
        score = mean(c["score"] for c in calls)
        if len(baseline) >= drop.min_calls and mean(baseline) - score >= drop.points:
            drops.append(ScoreDrop(agent_id, calls[0]["agent_name"], round(score, 1), len(calls),
                                   round(mean(baseline), 1), len(baseline), drop.days))
    return tuple(drops)


TEXTS = {  # key: (English, Chinese)
    "title": ("qc alert: {fatal} fatal failures, {failed} failed calls, {drops} score drops",
              "qc 质检告警：致命项 {fatal} 条，未能处理 {failed} 通，分数下降 {drops} 人"),
    "clean_title": ("qc: {scored} calls scored, nothing to report", "qc 质检：{scored} 通已评分，无异常"),
    "scored": ("{scored} calls scored in this run.", "本次运行评分 {scored} 通。"),
    "clean": ("No fatal failures, failed calls or score drops.", "没有致命项、未能处理的通话或分数下降。"),
    "fatal": ("Fatal failures ({n}):", "致命项不合格（{n} 条）："),
    "fatal_line": ("- {call_id} | {agent} | {title} ({rule_id})", "· {call_id}｜{agent}｜{title}（{rule_id}）"),
    "failed": ("Calls that could not be processed ({n}):", "未能处理的通话（{n} 通）："),
    "failed_line": ("- {call_id} | {reason}", "· {call_id}｜{reason}"),
    "drops": ("Agents whose score dropped {points:g} points or more ({n}):", "分数下降 {points:g} 分及以上的坐席（{n} 人）："),
    "drop_line": ("- {agent}: {score:.1f} in this run ({calls} calls), {baseline:.1f} over the previous {days} days "
                  "({baseline_calls} calls), down {down:.1f}",
                  "· {agent}：本次 {score:.1f} 分（{calls} 通），前 {days} 天 {baseline:.1f} 分（{baseline_calls} 通），"
                  "下降 {down:.1f} 分"),
    "more": ("  ... and {n} more", "  ……另有 {n} 条"),
}


def render(digest: Digest) -> Message:
    """The digest as a title and a plain text in its language, plus its data."""
    column = 1 if digest.language == "zh" else 0

    def t(key: str, **values) -> str:
        return TEXTS[key][column].format(**values)

    def agent(agent_id: str, name: str) -> str:
        return f"{agent_id} {name}".strip()

    lines = [t("scored", scored=digest.scored)]
    sections = (
        ("fatal", [t("fatal_line", call_id=f.call_id, agent=agent(f.agent_id, f.agent_name), title=f.title,
                     rule_id=f.rule_id) for f in digest.fatal], {}),
        ("failed", [t("failed_line", call_id=f.call_id, reason=f.reason) for f in digest.failed], {}),
        ("drops", [t("drop_line", agent=agent(d.agent_id, d.agent_name), score=d.score, calls=d.calls,
                     baseline=d.baseline_score, baseline_calls=d.baseline_calls, days=d.days,
                     down=d.baseline_score - d.score) for d in digest.drops], {"points": digest.drop_points}),
    )
    for key, items, values in sections:
        if items:
            lines += ["", t(key, n=len(items), **values), *items[:MAX_ITEMS]]
            if len(items) > MAX_ITEMS:
                lines.append(t("more", n=len(items) - MAX_ITEMS))
    if digest.clean:
        lines.append(t("clean"))
        title = t("clean_title", scored=digest.scored)
    else:
        title = t("title", fatal=len(digest.fatal), failed=len(digest.failed), drops=len(digest.drops))
    data = {"title": title, "text": "\n".join(lines), "language": digest.language, "scored": digest.scored,
            "fatal": [asdict(f) for f in digest.fatal], "failed": [asdict(f) for f in digest.failed],
            "score_drops": [asdict(d) for d in digest.drops]}
    return Message(title, "\n".join(lines), data)


def fit(text: str, limit_bytes: Optional[int]) -> str:
    """``text`` cut at a line so that its UTF-8 fits ``limit_bytes`` (chat robots refuse longer ones)."""
    if not limit_bytes or len(text.encode()) <= limit_bytes:
        return text
    kept: list[str] = []
    size = len("…".encode())
    for line in text.split("\n"):
        size += len(line.encode()) + 1
        if size > limit_bytes:
            break
        kept.append(line)
    return "\n".join(kept + ["…"])
