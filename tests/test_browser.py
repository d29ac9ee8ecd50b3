"""The scorecards in a real browser: Debian's Chromium (/usr/bin/chromium), headless, driven by playwright.

A supervisor's path: the team overview, an agent's scorecard, a call; clicking a finding must
move the audio to the finding's start and highlight the evidence in the transcript. Markup
in names and transcripts must show as text and never run. Screenshots of every page kind go
to $QC_SCREENSHOTS, or else to a `screenshots` folder in pytest's temporary directory.
Without playwright or Chromium these tests are skipped, except in CI, where that is an error
(`make test` installs both).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bench.report import CHROMIUM, CHROMIUM_FLAGS, duplicate_calls, seed_from_scripts
from qc.report import ReportOptions, write_outputs
from qc.report.scorecards import agent_stem
from qc.run.store import Store
from test_calibration import calibrated  # noqa: F401 (a fixture: the report's calls calibrated by qc calibrate)
from test_report import MARKUP_NAME, MARKUP_TEXT, make_store

from helpers import call_file

PLAYER = "document.getElementById('player')"


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright, missing = None, "the playwright package is not installed (pip install playwright)"
    else:
        missing = None if os.access(CHROMIUM, os.X_OK) else f"{CHROMIUM} not found (apt-get install chromium)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh tab that records dialogs (a script that ran) and script errors; both must stay empty."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.dialogs, tab.errors = [], []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()
    assert tab.dialogs == [] and tab.errors == []


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    store = make_store(out / "qc.sqlite")
    write_outputs(store.latest_calls(), out, {"processed": 5, "skipped": 0, "failed": 1, "audio_min": 3.1,
                                              "wall_min": 2.0}, ReportOptions(audio="copy"))
    return out


@pytest.fixture(scope="session")
def screens(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("QC_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def url(site: Path, name: str) -> str:
    return (site / name).resolve().as_uri()


def current_time(page) -> float:
    return page.evaluate(f"{PLAYER}.currentTime")


def test_from_the_overview_to_the_moment_of_a_finding(page, site, screens):
    page.goto(url(site, "index.html"))
    page.screenshot(path=screens / "index.png", full_page=True)
    page.locator("table.agents a", has_text="小李").click()
    page.wait_for_url("**/agents/A1000.html")
    page.screenshot(path=screens / "agent.png", full_page=True)
    zh_bad = call_file(site, "zh-bad")
    page.locator(f'table.calls a[href$="{zh_bad}"]').click()
    page.wait_for_url(f"**/{zh_bad}")
    page.screenshot(path=screens / "call.png", full_page=True)

    finding = page.locator(".finding", has_text="服务禁语")
    start = float(finding.get_attribute("data-start"))
    assert start > 5  # not the start of the call: the seek is real
    finding.locator("b").click()
    assert current_time(page) == pytest.approx(start, abs=0.5)
    assert "active" in finding.get_attribute("class")
    hits = page.locator(".chat .seg.hit")
    assert hits.count() == 3  # the three sentences with forbidden phrases, and only those
    assert all("agent" in hits.nth(i).get_attribute("class") for i in range(3))
    assert "不知道" in hits.first.inner_text()
    assert page.locator("#timeline .mark.hit").count() == 3
    page.screenshot(path=screens / "call-finding-clicked.png", full_page=False)

    evidence = finding.locator(".evidence").nth(1)
    evidence.click()
    assert current_time(page) == pytest.approx(float(evidence.get_attribute("data-start")), abs=0.5)
    assert page.locator(".chat .seg.hit").count() == 1


def test_a_silence_finding_highlights_the_pause(page, site):
    page.goto(url(site, call_file(site, "zh-bad")))
    finding = page.locator(".finding", has_text="长时间静默")
    finding.locator("b").click()
    assert current_time(page) == pytest.approx(float(finding.get_attribute("data-start")), abs=0.5)
    assert "静默 7.0 秒" in page.locator(".chat .gap.hit").inner_text()


def test_clicking_a_sentence_or_the_timeline_seeks_there(page, site):
    page.goto(url(site, call_file(site, "zh-good")))
    sentence = page.locator(".msg.customer").nth(1)
    sentence.click()
    assert current_time(page) == pytest.approx(float(sentence.get_attribute("data-start")), abs=0.5)
    assert "hit" in sentence.get_attribute("class")
    timeline = page.locator("#timeline")
    box = timeline.bounding_box()
    x0, x1, duration = (float(timeline.get_attribute(a)) for a in ("data-x0", "data-x1", "data-duration"))
    target = 0.5 * duration
    page.mouse.click(box["x"] + (x0 + 0.5 * (x1 - x0)) / 1000 * box["width"], box["y"] + 25)
    assert current_time(page) == pytest.approx(target, abs=1.0)
    assert abs(float(page.locator("#timeline .playhead").get_attribute("x1")) - (x0 + x1) / 2) < 15


def test_a_coaching_quote_opens_the_call_at_its_moment(page, site):
    page.goto(url(site, "agents/A1000.html"))
    link = page.locator(".coach a").first
    start = float(link.get_attribute("href").split("#t=")[1].split("-")[0])
    link.click()
    page.wait_for_url("**/calls/*.html#t=*")
    assert current_time(page) == pytest.approx(start, abs=0.5)
    assert page.locator(".chat .seg.hit").count() >= 1


def test_the_recording_copy_plays_in_the_browser(page, site):
    page.goto(url(site, call_file(site, "zh-bad")))
    page.wait_for_function(f"{PLAYER}.readyState >= 1", timeout=10000)
    assert page.evaluate(f"{PLAYER}.duration") == pytest.approx(26.7, abs=0.5)
    assert page.evaluate(f"{PLAYER}.canPlayType('audio/mpeg')") in ("probably", "maybe")


def test_the_calibration_page_from_the_overview_to_a_disagreeing_call(page, calibrated, screens):
    out = calibrated["out"]
    page.goto(url(out, "index.html"))
    page.locator('a[href="calibration.html"]').click()
    page.wait_for_url("**/calibration.html")
    page.screenshot(path=screens / "calibration.png", full_page=True)
    below = page.locator("table.calibration tr.below")
    assert below.count() == 1 and "closing" in below.inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    page.screenshot(path=screens / "calibration-narrow.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#disagree-greeting a", has_text="zh-bad").click()
    page.wait_for_url("**/calls/zh-bad-*.html")
    assert "zh-bad" in page.locator("h1").inner_text()


def test_markup_in_names_and_transcripts_shows_as_text(page, site, screens):
    page.goto(url(site, "index.html"))
    assert MARKUP_NAME in page.inner_text("body")
    page.goto(url(site, f"agents/{agent_stem(MARKUP_NAME)}.html"))
    assert MARKUP_NAME in page.locator("h1").inner_text()
    page.goto(url(site, call_file(site, "markup")))
    assert MARKUP_TEXT in page.locator(".chat").inner_text()
    assert page.locator(".chat img, .chat b").count() == 0
    page.screenshot(path=screens / "call-markup.png", full_page=True)
    # the page fixture then asserts that no dialog opened and no script error happened


def test_pages_fit_a_narrow_window_and_print(browser, site, screens):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    for name, shot in (("index.html", "index-narrow.png"), ("agents/A1000.html", "agent-narrow.png"),
                       (call_file(site, "zh-bad"), "call-narrow.png")):
        tab.goto(url(site, name))
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (name, overflow)
        tab.screenshot(path=screens / shot, full_page=True)
    context.close()
    context = browser.new_context(viewport={"width": 1000, "height": 1400})
    tab = context.new_page()
    tab.goto(url(site, call_file(site, "zh-bad")))
    tab.emulate_media(media="print")
    assert tab.evaluate(f"getComputedStyle({PLAYER}).display") == "none"
    tab.screenshot(path=screens / "call-print.png", full_page=True)
    context.close()


def test_a_batch_of_200_calls_opens_and_renders(page, tmp_path, screens):
    seed = seed_from_scripts(Store(tmp_path / "seed.sqlite"))
    store = Store(tmp_path / "qc.sqlite")
    duplicate_calls(seed, store, 200)
    rows = store.latest_calls()
    started = time.monotonic()
    write_outputs(rows, tmp_path / "out", options=ReportOptions(audio="none"))
    render_s = time.monotonic() - started
    timings = {}
    for name, selector, expected in (("index.html", "table.agents tr", 12 + 3),
                                     ("agents/A1000.html", "table.calls tr", None),
                                     (call_file(tmp_path / "out", "c0000"), ".chat .msg", None)):
        started = time.monotonic()
        page.goto(url(tmp_path / "out", name), wait_until="load")
        timings[name] = time.monotonic() - started
        rows_shown = page.locator(selector).count()
        assert rows_shown == expected if expected else rows_shown > 1
    agent_calls = sum(r["agent_id"] == "A1000" for r in rows)
    page.goto(url(tmp_path / "out", "agents/A1000.html"))
    assert page.locator("table.calls tr").count() == agent_calls + 1  # every call, worst first, and the header
    page.goto(url(tmp_path / "out", "index.html"))
    page.screenshot(path=screens / "index-200-calls.png", full_page=True)
    page.goto(url(tmp_path / "out", "agents/A1000.html"))
    page.screenshot(path=screens / "agent-200-calls.png", full_page=True)
    report = f"200 calls: whole report {render_s:.2f} s; " + ", ".join(f"{n} {s:.2f} s" for n, s in timings.items())
    (screens / "timings-200-calls.txt").write_text(report + "\n")
    print(report)
