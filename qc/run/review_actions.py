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
from ..messages import joined
from ..rules.review import FINDING_DECISIONS, RULE_STATUSES, apply_review, empty_review, stored_form
from ..schema import now
from .review_messages import not_allowed, say
from .reviews import pack_pass_score, reviews_of, rows_of

ROLES = ("reviewer", "agent", "qa_lead")
REVIEWERS = ("reviewer", "qa_lead")
MAX_ITEM_POINTS = 100.0
MACHINE = "machine"  # a rule status that gives the rule back to the machine's verdict


@dataclass(frozen=True)
class Actor:
    """Who acts, and as what: every action is attributed."""

    name: str
    role: str

    def __post_init__(self):
        if not self.name.strip():
            raise ReviewError(say("no_name"))
        if self.role not in ROLES:
            raise ReviewError(say("bad_role", roles=joined(ROLES), role=repr(self.role)))


class Reviews:
    """The review actions on one database (an autocommit connection, as ``Store.db``). Each returns
    the call's reviewed state after it (``apply_review``'s result) or raises :class:`ReviewError`."""

    def __init__(self, db: sqlite3.Connection, pass_score_of: Callable[[str], Optional[float]] = pack_pass_score,
                 via: str = ""):
        """``via``: where the actions come from when not the pages (``import``), kept in their audit rows."""
        self.db, self.pass_score_of, self.via = db, pass_score_of, via

    # -- reviewer -------------------------------------------------------------------------

    def decide_finding(self, actor: Actor, uid: str, rule_id: str, key: str, decision: str, comment: str = ""):
        _allow(actor, REVIEWERS, "decide_findings")
        if decision not in FINDING_DECISIONS:
            raise ReviewError(say("bad_decision", decisions=joined(FINDING_DECISIONS, "or"), decision=repr(decision)))

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
        _allow(actor, REVIEWERS, "rule_status")
        if status not in (*RULE_STATUSES, MACHINE):
            raise ReviewError(say("bad_status", statuses=joined((*RULE_STATUSES, MACHINE)), status=repr(status)))
        if not reason.strip():
            raise ReviewError(say("no_reason"))

        def change(call, review, state):
            rule = next((r for r in state["rules"] if r["rule_id"] == rule_id), None)
            if rule is None:
                raise ReviewError(say("no_rule", rule=repr(rule_id)))
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
        _allow(actor, REVIEWERS, "add_items")
        if not points or abs(points) > MAX_ITEM_POINTS:
            raise ReviewError(say("item_points", most=MAX_ITEM_POINTS))
        if not label.strip():
            raise ReviewError(say("no_label"))

        def change(call, review, state):
            item_id = self.db.execute("INSERT INTO review_items (call_uid, points, label, added_by, added_at) "
                                      "VALUES (?, ?, ?, ?, ?)", (uid, points, label, actor.name, now())).lastrowid
            return {}, {"item": item_id, "points": points, "label": label}

        return self._act(actor, uid, "item_added", "", change, label, reopens=True)

    def remove_item(self, actor: Actor, uid: str, item_id: int, comment: str = ""):
        _allow(actor, REVIEWERS, "remove_items")

        def change(call, review, state):
            item = next((i for i in review["items"] if i["id"] == item_id), None)
            if item is None:
                raise ReviewError(say("no_item", item=item_id))
            self.db.execute("UPDATE review_items SET removed_by = ?, removed_at = ? WHERE id = ?",
                            (actor.name, now(), item_id))
            return {"item": item_id, "points": item["points"], "label": item["label"]}, {"item": None}

        return self._act(actor, uid, "item_removed", str(item_id), change, comment, reopens=True)

    def sign(self, actor: Actor, uid: str, comment: str = ""):
        _allow(actor, REVIEWERS, "sign")

        def change(call, review, state):
            if review["status"] == "signed":
                raise ReviewError(say("signed", who=review["signed_by"], at=review["signed_at"]))
            self.db.execute("UPDATE reviews SET status = 'signed', signed_by = ?, signed_at = ? WHERE call_uid = ?",
                            (actor.name, now(), uid))
            return {"review": "open"}, {"review": "signed"}

        return self._act(actor, uid, "signed", "", change, comment)

    # -- appeals --------------------------------------------------------------------------

    def file_appeal(self, actor: Actor, uid: str, rule_id: str, key: str, comment: str):
        _allow(actor, ("agent",), "appeal")
        if not comment.strip():
            raise ReviewError(say("no_comment"))

        def change(call, review, state):
            if actor.name not in (call["agent_id"], call["agent_name"]):
                raise ReviewError(say("not_own_call", agent=call["agent_name"] or call["agent_id"]))
            _current_finding(state, rule_id, key, machine=False)
            if any(a["rule_id"] == rule_id and not a["closed"] for a in review["appeals"]):
                raise ReviewError(say("appeal_open"))
            appeal_id = self.db.execute("INSERT INTO appeals (call_uid, rule_id, finding_key, comment, filed_by, "
                                        "filed_at) VALUES (?, ?, ?, ?, ?, ?)",
                                        (uid, rule_id, key, comment, actor.name, now())).lastrowid
            return {"appeal": None}, {"appeal": "open", "id": appeal_id}

        return self._act(actor, uid, "appeal_filed", rule_id, change, comment)

    def decide_appeal(self, actor: Actor, uid: str, appeal_id: int, accept: bool, comment: str = ""):
        _allow(actor, ("qa_lead",), "decide_appeals")

        def change(call, review, state):
            appeal = _appeal(review, appeal_id)
            if appeal["status"] != "open":
                raise ReviewError(say("appeal_decided", status=say(f"appeal.{appeal['status']}"),
                                      who=appeal["decided_by"]))
            status = "accepted" if accept else "rejected"
            self.db.execute("UPDATE appeals SET status = ?, decided_by = ?, decided_at = ?, decision_comment = ? "
                            "WHERE id = ?", (status, actor.name, now(), comment, appeal_id))
            return {"appeal": "open", "id": appeal_id}, {"appeal": status, "id": appeal_id}

        return self._act(actor, uid, "appeal_accepted" if accept else "appeal_rejected", str(appeal_id), change,
                         comment)

    def close_appeal(self, actor: Actor, uid: str, appeal_id: int, ruling: str):
        _allow(actor, ("qa_lead",), "close_appeals")
        if not ruling.strip():
            raise ReviewError(say("no_ruling"))

        def change(call, review, state):
            appeal = _appeal(review, appeal_id)
            if appeal["status"] == "open" or appeal["closed"]:
                raise ReviewError(say("decide_first") if appeal["status"] == "open" else
                                  say("appeal_closed", who=appeal["closed_by"]))
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
            raise ReviewError(say("no_call", uid=repr(uid)))
        row, detail = found[0], json.loads(found[0]["score_detail"])
        return {"uid": uid, "call_id": row["call_id"], "agent_id": row["agent_id"], "agent_name": row["agent_name"],
                "rules": detail["rules"], "score": detail["score"], "passed": detail["passed"],
                "rules_name": row["rules_name"] or "", "form": stored_form(detail)}

    def _score(self, call: dict, review: Optional[dict]) -> dict:
        return apply_review(call["rules"], call["score"], call["passed"], review,
                            self.pass_score_of(call["rules_name"]), call["form"])


def _allow(actor: Actor, roles: tuple[str, ...], what: str) -> None:
    """Refused unless the actor has one of ``roles``; ``what`` names the action (review_messages what.*)."""
    if actor.role not in roles:
        raise ReviewError(not_allowed(actor.role, roles, what))


def _current_finding(state: dict, rule_id: str, key: str, machine: bool) -> dict:
    """The finding as shown when the action was asked for: a machine finding (``machine``) or one
    that counts now. A page shown before a re-scoring asks about evidence that is gone: refused."""
    rule = next((r for r in state["rules"] if r["rule_id"] == rule_id), None)
    if rule is None or (rule["machine_status"] if machine else rule["status"]) != "fail":
        raise ReviewError(say("no_finding" if machine else "no_counted_finding", rule=repr(rule_id)))
    if rule["finding_key"] != key:
        raise ReviewError(say("stale"))
    return rule


def _appeal(review: dict, appeal_id: int) -> dict:
    appeal = next((a for a in review["appeals"] if a["id"] == appeal_id), None)
    if appeal is None:
        raise ReviewError(say("no_appeal", appeal=appeal_id))
    return appeal
