"""Review and appeal in a real browser, against a real `qc serve` process (headless Chromium, playwright).

A reviewer marks a false positive, the agent appeals another finding, a QA lead accepts the
appeal: the score and the audit trail change at each step, survive a restart of the server,
and the static pages show the reviewed score after `qc report`. Also the supervisors' pages:
sorting the agents, the static search, and the week and team comparison. Screenshots go where
test_browser.py puts them ($QC_SCREENSHOTS): serve-*.png and static-*.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import duplicate_calls
from qc.run.store import Store
from test_browser import browser, page, screens, site, url  # noqa: F401 - fixtures shared with the static tests
from test_report import make_store

from helpers import call_file

ROOT = Path(__file__).resolve().parent.parent


class Server:
    """``qc serve --port 0`` in a process of its own; ``url`` is where it listens."""

    def __init__(self, db: Path):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-m", "qc.cli", "serve", "--db", str(db), "--port", "0"],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.process.stdout.readline()
        if " at http://" not in line:
            self.stop()
            raise AssertionError(f"qc serve did not start: {line}{self.process.stderr.read()}")
        self.url = line.split(" at ")[1].split()[0]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def db(tmp_path) -> Path:
    make_store(tmp_path / "qc.sqlite").close()
    return tmp_path / "qc.sqlite"


def log_in(page, server: Server, name: str, role: str) -> None:
    page.goto(server.url + "login")
    page.fill("input[name=name]", name)
    page.check(f"input[name=role][value={role}]")
    with page.expect_navigation():
        page.click("form.login button")


def log_out(page) -> None:
    with page.expect_navigation():
        page.click("nav.top button.link")


def submit(page, form) -> None:
    with page.expect_navigation():
        form.locator("button").first.click()


def shot(page, path: Path) -> None:
    """A whole-page screenshot from the top (the sticky player would otherwise cover what is above it)."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=True)


def reviewed(page) -> tuple[str, str]:
    return page.locator(".reviewed-score").inner_text(), page.locator(".machine-score").inner_text()


def audit_actions(page) -> list[str]:
    rows = page.locator("table.audit tr")
    return [rows.nth(i).locator("td").nth(2).inner_text().split()[0] for i in range(1, rows.count())]


def test_false_positive_appeal_and_acceptance_survive_a_restart_and_reach_the_static_pages(page, db, screens,
                                                                                          tmp_path):
    server = Server(db)
    try:
        log_in(page, server, "张审核", "reviewer")
        page.goto(server.url + "agents/A1000.html")
        with page.expect_navigation():
            page.locator("table.calls a", has_text="zh-bad").click()
        call_url = page.url
        assert page.locator("h1").inner_text().split()[2] == "45"
        finding = page.locator("#f-forbidden-phrase")
        finding.locator("input[value=false_positive]").check()
        finding.locator("form.decide input[name=comment]").fill("客户的原话，不是坐席说的")
        submit(page, finding.locator("form.decide"))
        assert reviewed(page) == ("复核得分 65", "机器评分 45")
        assert "overturned" in page.locator("#f-forbidden-phrase").get_attribute("class")
        assert "已保存：复核得分 65（机器评分 45）。" in page.locator(".flash").inner_text()
        shot(page, screens / "serve-false-positive.png")

        log_out(page)
        log_in(page, server, "小李", "agent")
        page.goto(call_url)
        silence = page.locator("#f-long-silence")
        silence.locator("form.appeal input[name=comment]").fill("静默前我说了请稍等，是在查系统")
        submit(page, silence.locator("form.appeal"))
        assert "1 条申诉待质检主管处理" in page.locator("section.review").inner_text()
        assert page.locator("form.decide").count() == 0  # an agent sees no reviewer forms
        shot(page, screens / "serve-appeal-filed.png")

        log_out(page)
        log_in(page, server, "陈主管", "qa_lead")
        page.goto(call_url)
        decide = page.locator("#f-long-silence form.appeal-decide")
        decide.locator("input[name=comment]").fill("录音中确有告知")
        with page.expect_navigation():
            decide.locator("button[value=accept]").click()
        assert reviewed(page) == ("复核得分 70", "机器评分 45")
        assert audit_actions(page) == ["申诉通过", "提出申诉", "判定问题"]  # newest first
        assert "65 → 70" in page.locator("table.audit tr").nth(1).inner_text()
        shot(page, screens / "serve-appeal-accepted.png")
    finally:
        server.stop()

    server = Server(db)  # a new process: everything came from the database
    try:
        page.goto(server.url + call_url.split("/", 3)[3])
        assert reviewed(page) == ("复核得分 70", "机器评分 45")
        assert audit_actions(page) == ["申诉通过", "提出申诉", "判定问题"]
        assert "陈主管" in page.locator("table.audit").inner_text()
    finally:
        server.stop()

    out = tmp_path / "report"
    result = subprocess.run([sys.executable, "-m", "qc.cli", "report", "--db", str(db), "--out", str(out),
                             "--audio", "none"], capture_output=True, text=True, env={**os.environ,
                                                                                     "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    page.goto(url(out, call_file(out, "zh-bad")))
    assert page.locator("h1").inner_text().split()[2] == "70"
    assert reviewed(page) == ("复核得分 70", "机器评分 45")
    assert page.locator("form").count() == 0  # static pages show the review, never its forms
    shot(page, screens / "static-reviewed-call.png")
    page.goto(url(out, "agents/A1000.html"))
    assert page.locator(".card .big").first.inner_text() == "85"  # the mean of 100 and the reviewed 70


def test_the_agents_sort_by_any_column(page, site):
    page.goto(url(site, "index.html"))
    table = page.locator("table.agents").nth(1)  # 宽带组: three agents, worst first

    def names():
        return [table.locator("tr").nth(i).locator("td").nth(1).locator("a").inner_text() for i in (1, 2, 3)]

    assert names()[1:] == ["小李", "王芳"]
    table.locator("th", has_text="平均分").click()
    assert names()[1:] == ["小李", "王芳"] and table.locator("th[aria-sort=ascending]").count() == 1
    table.locator("th", has_text="平均分").click()
    assert names()[:2] == ["王芳", "小李"]


def test_the_static_search_finds_calls_by_phrase_rule_and_agent(page, site, screens):
    page.goto(url(site, "search.html"))
    assert page.locator("#results li").count() == 7  # every call, before any filter
    page.fill("input[name=q]", "不知道")
    page.click("#search button")
    assert page.locator("#count").inner_text() == "2 通匹配"
    assert page.locator("#results mark").first.inner_text() == "不知道"
    page.select_option("select[name=agent]", "A1000")
    page.click("#search button")
    assert page.locator("#results li").count() == 1
    shot(page, screens / "static-search.png")
    link = page.locator("#results li a").first
    with page.expect_navigation():
        link.click()
    assert "#t=" in page.url and page.locator(".chat .seg.hit").count() >= 1


def test_the_comparison_under_qc_serve(page, tmp_path, screens):
    store = Store(tmp_path / "qc.sqlite")
    duplicate_calls(make_store(tmp_path / "seed.sqlite").latest_calls(), store, 60, days=14)
    store.close()
    server = Server(tmp_path / "qc.sqlite")
    try:
        page.goto(server.url + "compare.html")
        assert "2026-10-12 – 2026-10-18" in page.locator("h2").first.inner_text()
        rows = page.locator("table.weeks tr")
        assert rows.count() == 1 + 1 + 3  # heading, all teams, 宽带组, 投诉组, Cards
        assert int(rows.nth(1).locator("td").nth(1).inner_text()) > 0  # calls in the week before too
        shot(page, screens / "serve-compare.png")
        page.fill("input[name=week]", "2026-10-06")
        with page.expect_navigation():
            page.click("form.inline button")
        assert "2026-10-05 – 2026-10-11" in page.locator("h2").first.inner_text()
        page.goto(server.url + "search.html?q=不知道")
        assert page.locator("#results li").count() > 0
        shot(page, screens / "serve-search.png")
    finally:
        server.stop()
