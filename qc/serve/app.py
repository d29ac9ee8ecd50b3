"""The WSGI application: the report's pages at the report's addresses, from the database.

``/`` and ``/index.html``, ``/agents/<agent>.html``, ``/calls/<call>.html`` (and ``.json``),
``/rules/<rule>.html``, ``/compare.html?week=DAY``, ``/search.html?q=&rule=&agent=&since=&until=``
(searched here, no script needed) and ``/audio/<call>`` (the report's MP3 copy, else the
recording; byte ranges, so the player can seek). The review forms post to :mod:`.actions`;
logging in is :mod:`.auth`. :func:`create_app` returns a Flask app, which any WSGI server
can run; ``qc serve`` runs it on Werkzeug's threaded server.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Optional

from flask import Flask, abort, jsonify, request, send_file

from ..report.insights import comparison, search
from ..report.options import ReportOptions
from ..report.pages import SEARCH_FIELDS, render, search_choices
from ..run.store import Store
from .actions import review
from .auth import actions, auth, check_request
from .site import Site


def create_app(db_path: Path, token: Optional[str] = None, audio_dir: Optional[Path] = None,
               ui_language: str = "auto") -> Flask:
    """The app over the database at ``db_path``; ``audio_dir``: a report folder whose ``audio/``
    copies to play; ``token``: the shared token a login needs (None: none)."""
    from ..rules.ruleset import RULES_DIR

    app = Flask("qc.serve")
    app.config.update(SECRET_KEY=secrets.token_bytes(32), SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_HTTPONLY=True, QC_TOKEN=token or None, MAX_CONTENT_LENGTH=1 << 20,
                      QC_SITE=Site(Store(db_path, threads=True), ReportOptions(ui_language=ui_language,
                                                                                 rules_dir=RULES_DIR), audio_dir))
    app.before_request(check_request)
    app.register_blueprint(auth)
    app.register_blueprint(review)
    app.add_url_rule("/", "index", index)
    app.add_url_rule("/index.html", "index_page", index)
    app.add_url_rule("/calls/<stem>.html", "call", call_page)
    app.add_url_rule("/calls/<stem>.json", "call_json", call_json)
    app.add_url_rule("/agents/<stem>.html", "agent", agent_page)
    app.add_url_rule("/rules/<stem>.html", "rule", rule_page)
    app.add_url_rule("/compare.html", "compare", compare_page)
    app.add_url_rule("/search.html", "search", search_page)
    app.add_url_rule("/audio/<stem>", "audio", audio)
    app.after_request(_no_store)
    return app


def _site():
    from flask import current_app

    return current_app.config["QC_SITE"].data()


def _page(kind: str, root: str = "/", call: Optional[dict] = None, **context) -> str:
    site = _site()
    if call is not None:
        context["call"] = call
    return render(site.env, kind, root, actions=actions(call), **{**site.common, **context})


def index():
    site = _site()
    return _page("index", overview=site.overview, batch={}, calibration=False,  # (a page of qc calibrate's)
                 rule_pages={r["rule_id"]: r["page"] for r in site.rules.values()})


def call_page(stem: str):
    call = _site().calls.get(stem) or abort(404)
    return _page("call", call=call)


def call_json(stem: str):
    return jsonify(_site().docs.get(stem) or abort(404))


def agent_page(stem: str):
    return _page("agent", agent=_site().agents.get(stem) or abort(404))


def rule_page(stem: str):
    return _page("rule", rule=_site().rules.get(stem) or abort(404))


def compare_page():
    site, week = _site(), request.args.get("week", "")
    try:
        compared = comparison(site.views, site.language, week or None)
    except ValueError:
        abort(400, f"week: expected a day such as 2026-11-16, found {week!r}")
    return _page("compare", comparison=compared)


def search_page():
    site = _site()
    query = {name: request.args.get(name, "").strip() for name in SEARCH_FIELDS}
    asked = any(query.values())
    found = search(site.views, query["q"], query["rule"], query["agent"], query["since"], query["until"])
    return _page("search", index=None, results=found if asked else None, query=query,
                 **search_choices(site.views))


def audio(stem: str):
    path = _site().audio.get(stem) or abort(404)
    return send_file(Path(path), conditional=True, mimetype="audio/mpeg" if path.suffix == ".mp3" else None)


def _no_store(response):
    """Pages change with every review action: never cached; recordings may be."""
    if request.endpoint != "audio":
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
