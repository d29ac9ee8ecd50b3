"""What a report folder already holds, so a night renders only what changed.

``.qc-report.json`` beside the pages records, per call, a fingerprint of everything its
page and files are made from (the stored row's key, metadata, status, score and rule pack, plus
what every page shares: qc's version, the interface language, the audio mode, the period
and pass mark) and the call's team. A call whose fingerprint is unchanged and whose page
is there is not written again; agent pages are rewritten for the teams with a new, changed
or removed call (their team norms moved); the overview and the tables every time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .files import write_text

STATE_FILE = ".qc-report.json"


@dataclass
class RenderState:
    shared: str = ""
    calls: dict[str, list] = field(default_factory=dict)  # uid -> [fingerprint, team]
    audio_before: str = ""  # retention: calls started before this keep no audio copy (qc purge --audio-only)

    @classmethod
    def load(cls, out_dir: Path) -> "RenderState":
        try:
            data = json.loads((out_dir / STATE_FILE).read_text(encoding="utf-8"))
            return cls(data.get("shared", ""), data.get("calls", {}), data.get("audio_before", ""))
        except (OSError, ValueError):
            return cls()  # no state (or a damaged one): everything is written

    def save(self, out_dir: Path) -> None:
        write_text(out_dir / STATE_FILE, json.dumps({"shared": self.shared, "calls": self.calls,
                                                     "audio_before": self.audio_before}))


def fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:20]


def plan_render(previous: RenderState, shared: str, calls: dict[str, tuple[str, str]],
                present: set[str]) -> tuple[set[str], set[str], RenderState]:
    """``calls``: uid -> (fingerprint, team) of the calls shown; ``present``: uids whose page exists.
    Returns the calls to write, the teams whose agent pages to write, and the new state."""
    everything = previous.shared != shared
    changed = {uid for uid, (fp, _) in calls.items()
               if everything or uid not in present or previous.calls.get(uid, [None])[0] != fp}
    removed = set(previous.calls) - set(calls)
    teams = {calls[uid][1] for uid in changed} | {previous.calls[uid][1] for uid in removed}
    return changed, teams, RenderState(shared, {uid: [fp, team] for uid, (fp, team) in calls.items()},
                                       previous.audio_before)
