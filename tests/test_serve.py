"""`qc serve` without a browser: Flask's test client against test_report's sample calls.

Logging in, CSRF, roles, each review action through its form, what the pages then show, the
shared token, search and comparison from the database, and the audio with byte ranges. The
browser tests (test_browser_serve.py) run the same actions in Chromium against `qc serve`.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from qc.cli import cli
from qc.serve.app import create_app
from test_report import make_store

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def db(tmp_path):
    make_store(tmp_path / "qc.sqlite").close()
    return tmp_path / "qc.sqlite"


@pytest.fixture
def client(db):
    return create_app(db, audio_dir=db.parent).test_client()


def csrf(client, path="/login") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def login(client, name, role, **extra):
    return client.post("/login", data={"name": name, "role": role, "csrf": csrf(client), **extra})


def call_page(client, call_id="zh-bad") -> str:
    index = client.get("/agents/A1000.html").get_data(as_text=True)
    return re.search(rf'href="(/calls/{call_id}-[0-9a-f]+\.html)', index).group(1)


def form_fields(html: str, action_suffix: str, rule_id: str = "") -> tuple[str, dict]:
    """The action and hidden fields of the first form posting to ``.../action_suffix`` (for a rule)."""
    for match in re.finditer(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', html, re.S):
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', match.group(2)))
        if match.group(1).endswith("/" + action_suffix) and (not rule_id or hidden.get("rule_id") == rule_id):
            return match.group(1), hidden
    raise AssertionError(f"no {action_suffix} form for {rule_id!r}")


def post(client, page, suffix, rule_id="", **fields):
    action, hidden = form_fields(client.get(page).get_data(as_text=True), suffix, rule_id)
    response = client.post(action, data={**hidden, **fields})
    assert response.status_code == 303 and response.headers["Location"].startswith(page)
    return client.get(page).get_data(as_text=True)


def test_pages_are_served_and_forms_need_a_login(client):
    index = client.get("/").get_data(as_text=True)
    assert "团队总览" in index and 'href="/login?next=/"' in index and "/review/" not in index
    page = client.get(call_page(client)).get_data(as_text=True)
    assert "登录后可复核或申诉" in page and 'class="inline decide"' not in page
    assert client.get("/calls/nothing-1234.html").status_code == 404
    for path in ("/compare.html", "/search.html", "/rules/forbidden-phrase.html"):
        assert client.get(path).status_code == 200, path


def test_a_post_without_the_sessions_csrf_token_is_refused(db, client):
    assert client.post("/login", data={"name": "x", "role": "reviewer"}).status_code == 400
    login(client, "张审核", "reviewer")
    action, hidden = form_fields(client.get(call_page(client)).get_data(as_text=True), "sign")
    assert client.post(action, data={**hidden, "csrf": "forged"}).status_code == 400
    other = client.application.test_client()  # another browser: a token of its own session does not do
    login(other, "张审核", "reviewer")
    assert other.post(action, data=hidden).status_code == 400
    assert client.post(action, data=hidden).status_code == 303


def test_review_and_appeal_through_the_forms(client):
    page = call_page(client)
    login(client, "张审核", "reviewer")
    html = post(client, page, "finding", "forbidden-phrase", decision="false_positive", comment="客户的原话")
    assert "已保存：复核得分 65（机器评分 45）。" in html and "张审核：误判: 客户的原话" in html
    html = post(client, page, "item", points="-2.5", label="语气生硬")
    assert "复核得分 62.5" in html and "-2.5 · 语气生硬" in html
    action, greeting = form_fields(html, "finding", "greeting")
    login(client, "小李", "agent")
    html = post(client, page, "appeal", "long-silence", comment="我说了请稍等")
    assert "小李 申诉: 我说了请稍等" in html and "1 条申诉待质检主管处理" in html
    assert 'class="inline decide"' not in html  # no form for what an agent may not do, and if posted:
    client.post(action, data={**greeting, "csrf": csrf(client, page), "decision": "false_positive"})
    html = client.get(page).get_data(as_text=True)
    assert "坐席不能判定问题（须由质检员或质检主管操作）" in html and "复核得分 62.5" in html  # in the page's language
    login(client, "陈主管", "qa_lead")
    html = post(client, page, "appeal-decide", "", decision="accept", comment="同意")
    assert "复核得分 67.5" in html and "陈主管：申诉通过: 同意" in html
    html = post(client, page, "appeal-close", "", ruling="申诉成立")
    assert "陈主管 最终裁定: 申诉成立" in html
    html = post(client, page, "sign", comment="")
    assert "陈主管 于" in html and "签署" in html
    audit = html[html.index("操作记录"):]
    for action in ("签署", "最终裁定", "申诉通过", "提出申诉", "添加加减分", "判定问题"):
        assert action in audit, action
    assert "45 → 65" in audit and "62.5 → 67.5" in audit
    assert ">67.5<" in client.get("/").get_data(as_text=True) or "67.5" in client.get("/agents/A1000.html").get_data(
        as_text=True)


def test_a_stale_form_is_refused_with_a_message_and_changes_nothing(client):
    page = call_page(client)
    login(client, "张审核", "reviewer")
    action, hidden = form_fields(client.get(page).get_data(as_text=True), "finding", "greeting")
    client.post(action, data={**hidden, "key": hidden["key"] + "0", "decision": "false_positive"})
    html = client.get(page).get_data(as_text=True)
    assert "页面显示后该问题的证据已变化" in html and "复核得分" not in html


def test_with_a_shared_token_every_page_needs_a_login(db):
    client = create_app(db, token="s3cret").test_client()
    response = client.get("/agents/A1000.html")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/agents/A1000.html"
    refused = login(client, "张审核", "reviewer", token="wrong")
    assert refused.status_code == 401 and "口令错误" in refused.get_data(as_text=True)
    response = client.post("/login?next=/agents/A1000.html",
                           data={"name": "张审核", "role": "reviewer", "token": "s3cret", "csrf": csrf(client)})
    assert response.status_code == 303 and response.headers["Location"] == "/agents/A1000.html"
    assert client.get("/agents/A1000.html").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_to_another_site(client, target):
    response = client.post(f"/login?next={target}", data={"name": "x", "role": "agent", "csrf": csrf(client)})
    assert response.headers["Location"] == "/"


def test_search_and_comparison_come_from_the_database(client):
    html = client.get("/search.html?q=不知道").get_data(as_text=True)
    assert "2 通匹配" in html and "<mark>不知道</mark>" in html and 'id="search-index"' not in html
    html = client.get("/search.html?rule=forbidden-phrase&agent=A1000").get_data(as_text=True)
    assert "1 通匹配" in html and "zh-bad" in html
    assert "2026-11-09 – 2026-11-15" in client.get("/compare.html?week=2026-11-12").get_data(as_text=True)
    assert client.get("/compare.html?week=monday").status_code == 400


def test_the_recording_is_served_with_byte_ranges(client):
    html = client.get(call_page(client)).get_data(as_text=True)
    src = re.search(r'<audio id="player" controls preload="metadata" src="([^"]+)"', html).group(1)
    response = client.get(src, headers={"Range": "bytes=0-99"})
    assert response.status_code == 206 and len(response.data) == 100


def test_serve_command_checks_its_options(tmp_path, db):
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 2 and "no database at" in result.output
    (tmp_path / "token").write_text("")
    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--token-file", str(tmp_path / "token")])
    assert result.exit_code == 2 and "is empty" in result.output


def test_a_rule_status_set_through_its_form_and_given_back_to_the_machine(client):
    page = call_page(client)
    login(client, "张审核", "reviewer")
    html = post(client, page, "rule", "speech-rate", status="fail", reason="语速明显过快")
    assert "复核得分 40" in html and "张审核 改判为“不合格”: 语速明显过快" in html
    html = post(client, page, "rule", "speech-rate", status="machine", reason="复听后无问题")
    assert "复核得分 45" in html and "改判规则" in html


def test_what_another_process_writes_shows_on_the_next_request(client, db):
    from qc.run.review_actions import Actor, Reviews
    from qc.run.store import Store

    page = call_page(client)
    assert "复核得分" not in client.get(page).get_data(as_text=True)
    other = Store(db)  # as qc review import (or qc score) would, in a process of its own
    uid = next(r["call_uid"] for r in other.latest_calls() if r["call_id"] == "zh-bad")
    Reviews(other.db).add_item(Actor("王审核", "reviewer"), uid, 5, "主动安抚客户")
    other.close()
    assert "复核得分 50" in client.get(page).get_data(as_text=True)
