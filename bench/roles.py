"""Agent-role accuracy of ``qc run`` on the mono renderings of the regression corpus (used by
bench/diarization.py).

qc diarizes a mono call, transcribes it, and gives each diarized speaker a role
(``qc.analysis.roles.decide_roles``); the call JSON's ``segments`` carry ``speaker`` (the
diarization label) and ``role``. Against the corpus reference turns, by time overlap:

* each diarized speaker is the reference party it overlaps most;
* the call is right when the speaker qc called the agent is the reference agent and the one it
  called the customer the reference customer; when every segment went to one speaker (the
  customer lost in diarization), it is counted apart as ``one-speaker``, neither right nor wrong;
* the time share is the segment time whose role equals the role of the reference turns under it.

``qc run`` goes through the database of bench/verdicts.py with the same call ids, so recordings that
benchmark already analysed are not analysed again (and the reverse).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bench.verdicts import LabelledCall, call_json, corpus_calls, run_qc

MONO = ("tel8k", "16k wav")


@dataclass(frozen=True)
class RoleResult:
    call_id: str
    status: str  # right | wrong | one-speaker
    time_right: float  # seconds of segment speech whose role matches the reference
    time_total: float  # seconds of segment speech over any reference turn
    speakers: dict  # diarized speaker -> {"role": qc's, "reference": the party it overlaps most}
    reason: str  # qc's own account of the decision

    @property
    def agent_right(self) -> bool:
        return self.status == "right"

    @property
    def time_share(self) -> float:
        return self.time_right / self.time_total if self.time_total else 0.0


def overlap(a_start: float, a_end: float, b_start: float, b_end: float) -> float:
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))


def score_roles(call_id: str, doc: dict, reference: list[tuple[str, float, float]]) -> RoleResult:
    """Pure: qc's call JSON against reference ``(party, start_s, end_s)`` turns."""
    per_speaker: dict = {}
    right = total = 0.0
    for segment in doc.get("segments", []):
        shares = {party: 0.0 for party in ("agent", "customer")}
        for party, start, end in reference:
            shares[party] += overlap(segment["start_s"], segment["end_s"], start, end)
        speaker = per_speaker.setdefault(segment.get("speaker", "?"), {"role": segment.get("role") or "unknown",
                                                                        "agent": 0.0, "customer": 0.0})
        for party, seconds in shares.items():
            speaker[party] += seconds
        right += shares.get(segment.get("role"), 0.0)
        total += sum(shares.values())
    speakers = {sp: {"role": v["role"], "reference": "agent" if v["agent"] >= v["customer"] else "customer"}
                for sp, v in per_speaker.items() if v["agent"] + v["customer"] > 0}
    matched = all(v["role"] == v["reference"] for v in speakers.values())
    status = "one-speaker" if len(speakers) < 2 else "right" if matched else "wrong"
    return RoleResult(call_id, status, round(right, 2), round(total, 2), speakers,
                      (doc.get("diarization") or {}).get("reason", ""))


def reference_turns(spec_path: Path) -> list[tuple[str, float, float]]:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    return [(t["spk"], float(t["start"]), float(t["end"])) for t in spec["turns"]]


def mono_calls(corpus: Path, ids=None) -> list[LabelledCall]:
    return [c for c in corpus_calls(corpus, ids) if c.rendering in MONO]


def role_accuracy(calls: list[LabelledCall], corpus: Path, db: Path) -> tuple[list[RoleResult], list[str]]:
    """Run qc on the calls (cached in ``db``) and score each call JSON; also the ids with no result."""
    out = db.parent
    run_qc(calls, out, db, rescore=False)
    results, missing = [], []
    for call in calls:
        path = call_json(call, out)
        if not path.is_file():
            missing.append(call.call_id)
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        results.append(score_roles(call.call_id, doc, reference_turns(corpus / f"{call.call_id.split('.')[0]}.json")))
    return results, missing


def counts(rows: list[RoleResult]) -> str:
    one = sum(r.status == "one-speaker" for r in rows)
    return (f"{sum(r.agent_right for r in rows)}/{len(rows)} calls right, {sum(r.status == 'wrong' for r in rows)} "
            f"wrong, {one} with every segment on one speaker")


def print_roles(results: list[RoleResult], missing: list[str]) -> None:
    if not results:
        return
    width = max(len(r.call_id) for r in results)
    print(f"\nagent role on mono renderings (qc run: diarization, transcription, role assignment)")
    print(f"{'file':<{width}} {'agent':>11} {'time%':>6}  speakers (qc role / reference party)")
    for r in results:
        speakers = ", ".join(f"{sp}: {v['role']}/{v['reference']}" for sp, v in r.speakers.items())
        print(f"{r.call_id:<{width}} {r.status.replace('wrong', 'WRONG'):>11} {100 * r.time_share:6.1f}  {speakers}")
    for rendering in MONO:
        rows = [r for r in results if r.call_id.endswith(".tel8k.wav") == (rendering == "tel8k")]
        if rows:
            time_share = sum(r.time_right for r in rows) / max(1e-9, sum(r.time_total for r in rows))
            print(f"agent role {rendering:<8}: {counts(rows)}, {100 * time_share:.1f} % of speech time with the right role")
    print(f"agent role all     : {counts(results)}")
    if missing:
        print(f"no qc result for: {', '.join(missing)}")
