"""The review actions: who may do what to a call's review, each recorded with an audit row.

Roles: a *reviewer* decides findings and rule statuses, adds manual items and signs; an
*agent* appeals the findings of their own calls; a *QA lead* does what a reviewer does and
decides and closes appeals. A reviewer's change to a signed review opens it again (the
signature covered what was there). Each action is one immediate transaction: read the call
and its review, check role and state, write, and write its audit row with the reviewed score
before and after. An action that changes nothing writes nothing, so importing the same sheet
twice is harmless. The tables are described in :mod:`qc.run.reviews`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Callable, Optional

from ..errors import ReviewError, environment_errors
from ..rules.review import FINDING_DECISIONS, RULE_STATUSES, apply_review, empty_review, stored_form
from ..schema import now
from .reviews import pack_pass_score, reviews_of, rows_of

ROLES = ("reviewer", "agent", "qa_lead")
REVIEWERS = ("reviewer", "qa_lead")
ROLE_NAMES = {"reviewer": "a reviewer", "agent": "an agent", "qa_lead": "a QA lead"}
MAX_ITEM_POINTS = 100.0
MACHINE = "machine"  # a rule status that gives the rule back to the machine's verdict


@dataclass(frozen=True)
class Actor:
    """Who acts, and as what: every action is attributed."""

    name: str
    role: str

    def __post_init__(self):
        if not self.name.strip():
            raise ReviewError("a name is needed: every review action is attributed")
        if self.role not in ROLES:
            raise ReviewError(f"role must be one of {', '.join(ROLES)}, not {self.role!r}")


class Reviews:
    """The review actions on one database (an autocommit connection, as ``Store.db``). Each returns
    the call's reviewed state after it (``apply_review``'s result) or raises :class:`ReviewError`."""

    def __init__(self, db: sqlite3.Connection, pass_score_of: Callable[[str], Optional[float]] = pack_pass_score,
                 via: str = ""):
        """``via``: where the actions come from when not the pages (``import``), kept in their audit rows."""
        self.db, self.pass_score_of, self.via = db, pass_score_of, via

    # -- reviewer -------------------------------------------------------------------------

    def decide_finding(self, actor: Actor, uid: str, rule_id: str, key: str, decision: str, comment: str = ""):
        _allow(actor, REVIEWERS, "decide on findings")
        if decision not in FINDING_DECISIONS:
            raise ReviewError(f"a finding is {' or '.join(FINDING_DECISIONS)}, not {decision!r}")

        def change(call, review, state):
            _current_finding(state, rule_id, key, machine=True)
            old = review["findings"].get(rule_id)
            if old and (old["decision"], old["finding_key"], old["comment"]) == (decision, key, comment):
                return None
            self.db.execute("INSERT OR REPLACE INTO review_decisions VALUES (?, ?, 'finding', ?, ?, 'fail', ?, ?, ?)",
                            (uid, rule_id, decision, key, comment, actor.name, now()))
            return {"decision": old and old["decision"]}, {"decision": decision, "finding_key": key}

        return self._act(actor, uid, "finding", rule_id, change, comment, reopens=True)

    def set_rule_status(self, actor: Actor, uid: str, rule_id: str, status: str, reason: str):
        _allow(actor, REVIEWERS, "change a rule's status")
        if status not in (*RULE_STATUSES, MACHINE):
            raise ReviewError(f"a rule's status is one of {', '.join((*RULE_STATUSES, MACHINE))}, not {status!r}")
        if not reason.strip():
            raise ReviewError("say why the rule's status changes: a reason is required")

        def change(call, review, state):
            rule = next((r for r in state["rules"] if r["rule_id"] == rule_id), None)
            if rule is None:
                raise ReviewError(f"this call has no rule {rule_id!r}")
            old = review["rules"].get(rule_id)
            if (old["status"] if old else MACHINE) == status:
                return None
            if status == MACHINE:
                self.db.execute("DELETE FROM review_decisions WHERE call_uid = ? AND rule_id = ? AND kind = 'rule'",
                                (uid, rule_id))
            else:
                self.db.execute("INSERT OR REPLACE INTO review_decisions VALUES (?, ?, 'rule', ?, ?, ?, ?, ?, ?)",
                                (uid, rule_id, status, rule["finding_key"], rule["machine_status"], reason,
                                 actor.name, now()))
            return {"status": rule["status"]}, {"status": rule["machine_status"] if status == MACHINE else status}

        return self._act(actor, uid, "rule_status", rule_id, change, reason, reopens=True)

    def add_item(self, actor: Actor, uid: str, points: float, label: str):
        _allow(actor, REVIEWERS, "add score items")
        if not points or abs(points) > MAX_ITEM_POINTS:
            raise ReviewError(f"an item is worth between -{MAX_ITEM_POINTS:g} and {MAX_ITEM_POINTS:g} points, not 0")
        if not label.strip():
            raise ReviewError("say what the item is for: a label is required")

        def change(call, review, state):
            item_id = self.db.execute("INSERT INTO review_items (call_uid, points, label, added_by, added_at) "
                                      "VALUES (?, ?, ?, ?, ?)", (uid, points, label, actor.name, now())).lastrowid
            return {}, {"item": item_id, "points": points, "label": label}

        return self._act(actor, uid, "item_added", "", change, label, reopens=True)

    def remove_item(self, actor: Actor, uid: str, item_id: int, comment: str = ""):
        _allow(actor, REVIEWERS, "remove score items")

        def change(call, review, state):
            item = next((i for i in review["items"] if i["id"] == item_id), None)
            if item is None:
                raise ReviewError(f"this call has no item {item_id}")
            self.db.execute("UPDATE review_items SET removed_by = ?, removed_at = ? WHERE id = ?",
                            (actor.name, now(), item_id))
            return {"item": item_id, "points": item["points"], "label": item["label"]}, {"item": None}

        return self._act(actor, uid, "item_removed", str(item_id), change, comment, reopens=True)

    def sign(self, actor: Actor, uid: str, comment: str = ""):
        _allow(actor, REVIEWERS, "sign reviews")

        def change(call, review, state):
            if review["status"] == "signed":
                raise ReviewError(f"already signed by {review['signed_by']} at {review['signed_at']}")
            self.db.execute("UPDATE reviews SET status = 'signed', signed_by = ?, signed_at = ? WHERE call_uid = ?",
                            (actor.name, now(), uid))
            return {"review": "open"}, {"review": "signed"}

        return self._act(actor, uid, "signed", "", change, comment)

    # -- appeals --------------------------------------------------------------------------

    def file_appeal(self, actor: Actor, uid: str, rule_id: str, key: str, comment: str):
        _allow(actor, ("agent",), "appeal findings")
        if not comment.strip():
            raise ReviewError("say why the finding is wrong: an appeal needs a comment")

        def change(call, review, state):
            if actor.name not in (call["agent_id"], call["agent_name"]):
                raise ReviewError(f"only the call's agent ({call['agent_name'] or call['agent_id']}) appeals it")
            _current_finding(state, rule_id, key, machine=False)
            if any(a["rule_id"] == rule_id and not a["closed"] for a in review["appeals"]):
                raise ReviewError("this finding already has an appeal that is not closed")
            appeal_id = self.db.execute("INSERT INTO appeals (call_uid, rule_id, finding_key, comment, filed_by, "
                                        "filed_at) VALUES (?, ?, ?, ?, ?, ?)",
                                        (uid, rule_id, key, comment, actor.name, now())).lastrowid
            return {"appeal": None}, {"appeal": "open", "id": appeal_id}

        return self._act(actor, uid, "appeal_filed", rule_id, change, comment)

    def decide_appeal(self, actor: Actor, uid: str, appeal_id: int, accept: bool, comment: str = ""):
        _allow(actor, ("qa_lead",), "decide appeals")

        def change(call, review, state):
            appeal = _appeal(review, appeal_id)
            if appeal["status"] != "open":
                raise ReviewError(f"this appeal was already {appeal['status']} by {appeal['decided_by']}")
            status = "accepted" if accept else "rejected"
            self.db.execute("UPDATE appeals SET status = ?, decided_by = ?, decided_at = ?, decision_comment = ? "
                            "WHERE id = ?", (status, actor.name, now(), comment, appeal_id))
            return {"appeal": "open", "id": appeal_id}, {"appeal": status, "id": appeal_id}

        return self._act(actor, uid, "appeal_accepted" if accept else "appeal_rejected", str(appeal_id), change,
                         comment)

    def close_appeal(self, actor: Actor, uid: str, appeal_id: int, ruling: str):
        _allow(actor, ("qa_lead",), "close appeals")
        if not ruling.strip():
            raise ReviewError("a final ruling needs its text")

        def change(call, review, state):
            appeal = _appeal(review, appeal_id)
            if appeal["status"] == "open" or appeal["closed"]:
                raise ReviewError("accept or reject the appeal first" if appeal["status"] == "open" else
                                  f"this appeal was closed by {appeal['closed_by']}")
            self.db.execute("UPDATE appeals SET ruling = ?, closed_by = ?, closed_at = ? WHERE id = ?",
                            (ruling, actor.name, now(), appeal_id))
            return {"appeal": appeal["status"], "closed": False}, {"appeal": appeal["status"], "closed": True}

        return self._act(actor, uid, "appeal_closed", str(appeal_id), change, ruling)

    # -- one action -----------------------------------------------------------------------

    def state(self, uid: str) -> dict:
        """The call's reviewed state now."""
        call = self._call(uid)
        return self._score(call, reviews_of(self.db, [uid]).get(uid))

    def _act(self, actor: Actor, uid: str, action: str, target: str, change, comment: str = "",
             reopens: bool = False) -> dict:
        with environment_errors("saving a review"):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                call = self._call(uid)
                review = reviews_of(self.db, [uid]).get(uid) or empty_review()
                before = self._score(call, review)
                self.db.execute("INSERT OR IGNORE INTO reviews (call_uid, updated_at) VALUES (?, ?)", (uid, now()))
                made = change(call, review, before)
                if made is None:
                    self.db.execute("ROLLBACK")
                    return before
                was, becomes = made
                if self.via:
                    becomes = {**becomes, "via": self.via}
                if reopens and review["status"] == "signed":
                    self.db.execute("UPDATE reviews SET status = 'open' WHERE call_uid = ?", (uid,))
                    was, becomes = {**was, "review": "signed"}, {**becomes, "review": "open"}
                self.db.execute("UPDATE reviews SET updated_at = ? WHERE call_uid = ?", (now(), uid))
                after = self._score(call, reviews_of(self.db, [uid])[uid])
                self.db.execute(
                    "INSERT INTO review_audit (call_uid, at, actor, role, action, target, before, after, comment) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (uid, now(), actor.name, actor.role, action, target,
                     json.dumps({**was, "score": before["score"], "passed": before["passed"]}, ensure_ascii=False),
                     json.dumps({**becomes, "score": after["score"], "passed": after["passed"]}, ensure_ascii=False),
                     comment))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return self.state(uid)

    def _call(self, uid: str) -> dict:
        found = rows_of(self.db, "SELECT call_id, agent_id, agent_name, status, score_detail, rules_name FROM calls "
                                 "WHERE call_uid = ? AND superseded = 0 ORDER BY updated_at DESC, rowid DESC LIMIT 1",
                        (uid,))
        if not found or found[0]["status"] != "ok" or not found[0]["score_detail"]:
            raise ReviewError(f"no scored call {uid!r} to review")
        row, detail = found[0], json.loads(found[0]["score_detail"])
        return {"uid": uid, "call_id": row["call_id"], "agent_id": row["agent_id"], "agent_name": row["agent_name"],
                "rules": detail["rules"], "score": detail["score"], "passed": detail["passed"],
                "rules_name": row["rules_name"] or "", "form": stored_form(detail)}

    def _score(self, call: dict, review: Optional[dict]) -> dict:
        return apply_review(call["rules"], call["score"], call["passed"], review,
                            self.pass_score_of(call["rules_name"]), call["form"])


def _allow(actor: Actor, roles: tuple[str, ...], what: str) -> None:
    if actor.role not in roles:
        raise ReviewError(f"{ROLE_NAMES[actor.role]} cannot {what} (that takes "
                          f"{' or '.join(ROLE_NAMES[r] for r in roles)})")


def _current_finding(state: dict, rule_id: str, key: str, machine: bool) -> dict:
    """The finding as shown when the action was asked for: a machine finding (``machine``) or one
    that counts now. A page shown before a re-scoring asks about evidence that is gone: refused."""
    rule = next((r for r in state["rules"] if r["rule_id"] == rule_id), None)
    if rule is None or (rule["machine_status"] if machine else rule["status"]) != "fail":
        raise ReviewError(f"the call has no {'' if machine else 'counted '}finding of rule {rule_id!r}")
    if rule["finding_key"] != key:
        raise ReviewError("the finding's evidence changed since this page was shown; reload it and decide again")
    return rule


def _appeal(review: dict, appeal_id: int) -> dict:
    appeal = next((a for a in review["appeals"] if a["id"] == appeal_id), None)
    if appeal is None:
        raise ReviewError(f"this call has no appeal {appeal_id}")
    return appeal
