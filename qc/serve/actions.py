"""The review forms' targets: ``POST /review/<call uid>/<action>``, then back to the call page.

Each action is one entry in :data:`ACTIONS`: the fields it reads from the form and the
:class:`~qc.run.review_actions.Reviews` method it calls. A refused action (wrong role, a
page older than the last re-scoring, a missing reason) comes back as a message on the call
page, in the page's language; nothing is written. Plain forms and redirects (303 See Other): no script is needed.
"""

from __future__ import annotations

from typing import Callable
from urllib.parse import quote

from flask import Blueprint, current_app, flash, redirect, request, session

from ..errors import ReviewError
from ..messages import render
from ..report.i18n import translator
from ..run.review_actions import Actor, Reviews
from ..run.review_messages import say

review = Blueprint("review", __name__)


def _number(text: str) -> float:
    try:
        return float(text.replace("−", "-"))
    except ValueError:
        raise ReviewError(say("not_number", text=repr(text))) from None


def _whole(text: str) -> int:
    if not text.isdigit():
        raise ReviewError(say("not_id", text=repr(text)))
    return int(text)


ACTIONS: dict[str, Callable] = {  # action -> (reviews, actor, uid, form) -> the call's reviewed state
    "finding": lambda r, a, uid, f: r.decide_finding(a, uid, f["rule_id"], f["key"], f["decision"],
                                                     f.get("comment", "").strip()),
    "rule": lambda r, a, uid, f: r.set_rule_status(a, uid, f["rule_id"], f["status"], f["reason"].strip()),
    "item": lambda r, a, uid, f: r.add_item(a, uid, _number(f["points"]), f["label"].strip()),
    "item-remove": lambda r, a, uid, f: r.remove_item(a, uid, _whole(f["item_id"])),
    "sign": lambda r, a, uid, f: r.sign(a, uid, f.get("comment", "").strip()),
    "appeal": lambda r, a, uid, f: r.file_appeal(a, uid, f["rule_id"], f["key"], f["comment"].strip()),
    "appeal-decide": lambda r, a, uid, f: r.decide_appeal(a, uid, _whole(f["appeal_id"]), f["decision"] == "accept",
                                                          f.get("comment", "").strip()),
    "appeal-close": lambda r, a, uid, f: r.close_appeal(a, uid, _whole(f["appeal_id"]), f["ruling"].strip()),
}


@review.route("/review/<uid>/<action>", methods=["POST"])
def act(uid: str, action: str):
    site = current_app.config["QC_SITE"]
    data = site.data()
    call = next((c for c in data.calls.values() if c["uid"] == uid), None)
    back = f"/{call['page']}" if call else "/"
    if "user" not in session:
        return redirect(f"/login?next={back}", code=303)
    t = translator(data.language)
    if action not in ACTIONS:
        flash(t("no_action", action=repr(action)), "error")
        return redirect(back, code=303)
    try:
        actor = Actor(session["user"], session["role"])
        with site.lock:
            state = ACTIONS[action](Reviews(site.store.db), actor, uid, request.form)
        flash(t("saved_score", score=f"{state['score']:g}", machine=f"{state['machine_score']:g}"), "ok")
    except ReviewError as exc:
        flash(render(exc.args[0], data.language), "error")
    except KeyError as exc:
        flash(t("form_lacks", field=str(exc)), "error")
    anchor = request.form.get("rule_id")
    return redirect(f"{back}#f-{quote(anchor)}" if anchor else f"{back}#review", code=303)

