"""``qc serve``: the report's pages served from the database, with review and appeal added.

Reviewers mark findings confirmed or false positive, set a rule's status with a reason, add
manual score items and sign; an agent appeals a finding of their own call; a QA lead accepts
or rejects the appeal and closes it with a final ruling. Every action is stored (and
audited) by :mod:`qc.run.review_actions`; the pages show the reviewed score beside the
machine's. ``app`` is the WSGI application and its pages, ``actions`` the form targets,
``auth`` logging in and CSRF, ``site`` the views kept between requests.

The web stack is Flask (Werkzeug): the same maintainers and the same Jinja2 and click qc
already uses, a signed session cookie, form parsing, byte ranges for the audio, and a
threaded server for a few reviewers on one machine; any WSGI server can run the app for more.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def serve(db_path: Path, host: str = "127.0.0.1", port: int = 8765, token: Optional[str] = None,
          audio_dir: Optional[Path] = None, ui_language: str = "auto",
          ready: Callable[[str], None] = lambda url: None) -> None:
    """Serve until interrupted; ``ready(url)`` is called once the socket listens (port 0: any free one)."""
    from werkzeug.serving import make_server

    from .app import create_app

    server = make_server(host, port, create_app(db_path, token, audio_dir, ui_language), threaded=True)
    shown = f"[{host}]" if ":" in host else host
    ready(f"http://{shown}:{server.server_port}/")
    try:
        server.serve_forever()
    finally:
        server.server_close()
