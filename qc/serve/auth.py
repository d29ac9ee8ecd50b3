"""Who is acting: a name and a role from a login form, an optional shared token, and CSRF tokens.

There are no accounts: qc attributes each action to the name and role given at login
(reviewer, agent or QA lead), and a shared token from the configuration (``--token-file``
or ``$QC_SERVE_TOKEN``) keeps out whoever does not know it; with a token every page needs a
login, without one the pages are open and only the actions need a name. The session is a
signed cookie (HttpOnly, SameSite=Lax) holding the name, the role and a random CSRF token
that every form posts back; a POST without the matching token is refused.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Optional
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, get_flashed_messages, redirect, request, session

from ..report.i18n import translator
from ..run.review_actions import REVIEWERS, ROLES

auth = Blueprint("auth", __name__)
OPEN_ENDPOINTS = {"auth.login", "static"}


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_request() -> Optional[object]:
    """Before every request: POSTs carry this session's CSRF token; with a shared token, every page
    but the login form needs a login."""
    if request.method == "POST":
        expected = session.get("csrf")  # none yet (no page shown to this browser): nothing matches
        if not expected or not hmac.compare_digest(request.form.get("csrf", ""), expected):
            abort(400, "the form's CSRF token is missing or stale: reload the page and try again")
    if current_app.config["QC_TOKEN"] and "user" not in session and request.endpoint not in OPEN_ENDPOINTS:
        return redirect(f"/login?next={request.full_path.rstrip('?')}")
    return None


def actions(call: Optional[dict] = None) -> dict:
    """What the logged-in user may do on a page, for the templates (``actions``)."""
    user, role = session.get("user"), session.get("role")
    return {"user": user, "role": role, "csrf": csrf_token(), "login": f"/login?next={request.path}",
            "reviewer": role in REVIEWERS, "lead": role == "qa_lead",
            "own_call": bool(call and role == "agent" and user in (call["agent_id"], call["agent_name"])),
            "post": f"/review/{call['uid']}" if call else "",
            "messages": get_flashed_messages(with_categories=True)}


@auth.route("/login", methods=["GET", "POST"])
def login():
    site = current_app.config["QC_SITE"].data()
    t, error = translator(site.language), None
    if request.method == "POST":
        name, role = request.form.get("name", "").strip(), request.form.get("role", "")
        token = current_app.config["QC_TOKEN"]
        if token and not hmac.compare_digest(request.form.get("token", "").encode(), token.encode()):
            error = t("wrong_token")
        elif not name or role not in ROLES:
            error = t("name_and_role", roles=t("list_sep").join(t(f"user_role_{r}") for r in ROLES))
        else:
            session.clear()  # a new session: a new CSRF token for the new user
            session.update(user=name, role=role, csrf=secrets.token_urlsafe(32))
            return redirect(_local(request.args.get("next")), code=303)
    page = site.env.get_template("login.html").render(
        root="/", roles=ROLES, error=error, needs_token=bool(current_app.config["QC_TOKEN"]),
        name=request.form.get("name", ""), actions=actions(), **site.common)
    return page, 401 if error else 200


@auth.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect("/", code=303)


def _local(target: Optional[str]) -> str:
    """Only a path on this server: never an open redirect to another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or urlsplit(target).netloc:
        return "/"
    return target
