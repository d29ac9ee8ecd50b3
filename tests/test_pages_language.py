"""Chinese throughout: no English sentence on any page of a zh-pack run (issue 12).

A night of calls in one language goes through what a real one does: the sample calls' scripts
scored by the default pack, a call whose roles qc is unsure of, recordings that fail (one of
them quarantined), a silent one, one interrupted mid-processing, and a human review; then every
page the report writes is read as a person sees it (the text and the tooltips, not scripts or
styles) and searched for a sentence of English words. A Chinese night must have none; an
English night, scanned the same way, must have some, so the scan can fail.
"""

import ast
import json
import re
from collections import Counter
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from bench.report import AGENTS, EXAMPLES, default_ruleset, script_analysis, store_call
from qc.analysis.roles import channel_roles
from qc.report import ReportOptions, i18n, review_strings, write_outputs
from qc.rules.providers import CheckModels
from qc.run.pipeline import RunSettings, run_batch
from qc.run.review_actions import Actor, Reviews
from qc.rules.review import finding_key
from qc.run.store import Store
from qc.schema import CallMeta, Diarization
from qc.serve.app import create_app
from qc.sources.audio import AudioSettings, AudioSource

from helpers import tone, write_wav
from test_pipeline import ScriptedTranscriber
from test_serve import csrf, form_fields, login

# Three words of two letters or more in a row, separated by spaces only: a sentence. Ids, file
# names and paths (zh-default, forbidden-phrase, calls/zh-good.wav) are not sentences.
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?:[,;:]?\s+[A-Za-z]+)+[,;:]?\s+[A-Za-z]{2,}\b")
SHOWN_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")


class VisibleText(HTMLParser):
    """The text a person reads on a page: element text and tooltips, without scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        attrs = dict(attrs)
        self.parts += [attrs[name] for name in SHOWN_ATTRIBUTES if attrs.get(name)]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def english_sentences(html: str) -> list[str]:
    reader = VisibleText()
    reader.feed(html)
    return [m.group(0) for part in reader.parts for m in ENGLISH_SENTENCE.finditer(part)]


def night(tmp_path, language: str):
    """A report folder of one night in ``language``: scored calls with the notes qc's role code
    writes (one whose roles qc is unsure of), failures, a review."""
    store = Store(tmp_path / "qc.sqlite")
    scripts = [s for s in json.loads((EXAMPLES / "scripts.json").read_text(encoding="utf-8"))["calls"]
               if s["language"] == language]
    rows = []
    for i, script in enumerate(scripts):
        agent_id, name, team = AGENTS[language][i % 2]
        meta = CallMeta(script["call_id"], str(EXAMPLES / script["file"]), agent_id, name, team,
                        f"2026-11-21T{9 + i:02d}:00:00+08:00", language=language)
        analysis = with_roles(script_analysis(script, meta), "left")
        rows.append(store_call(store, analysis, processing_s=20.0))
    # the layout says the agent is on the right, the words say left: flagged, not trusted
    unsure = with_roles(analysis, "right")
    store_call(store, replace(unsure, meta=replace(unsure.meta, call_id="unsure",
                                                   started_at="2026-11-20T10:00:00+08:00")))
    # recordings the batch cannot score: one quarantined at once, one failed, one silent
    broken, bad = tmp_path / "broken.wav", tmp_path / "bad.wav"
    broken.write_text("not audio at all\n")
    bad.write_bytes(b"")
    silent = write_wav(tmp_path / "silent.wav", [tone(3.0, amp=0.0), tone(3.0, amp=0.0)])
    source = {"audio": AudioSource(AudioSettings(), ScriptedTranscriber)}
    pack = lambda lang: default_ruleset(language)  # noqa: E731
    failing = lambda call_id, path: CallMeta(call_id, str(path), agent_id, name, team)  # noqa: E731
    for calls, attempts in (([failing("broken", broken)], 1), ([failing("bad", bad), failing("silent", silent)], 3)):
        run_batch(calls, RunSettings(language=language, max_attempts=attempts), store, source, pack, CheckModels())
    store.mark_processing("stuck", failing("stuck", tmp_path / "stuck.wav"))
    # a review: a finding judged, a rule's status set, an item, an appeal
    worst = min(rows, key=lambda r: r["score"])
    failed = [r for r in worst["score_detail"]["rules"] if r["status"] == "fail"]
    reviewer, reviews = Actor("张审核", "reviewer"), Reviews(store.db)
    reviews.decide_finding(reviewer, worst["call_uid"], failed[0]["rule_id"], finding_key(failed[0]), "false_positive")
    reviews.set_rule_status(reviewer, worst["call_uid"], failed[1]["rule_id"], "pass", "复听无误")
    reviews.add_item(reviewer, worst["call_uid"], -2, "语气生硬")
    reviews.file_appeal(Actor(worst["agent_id"], "agent"), worst["call_uid"], failed[2]["rule_id"],
                        finding_key(failed[2]), "我说过了")
    out = tmp_path / "out"
    write_outputs(store.latest_calls(), out, {"processed": 3, "skipped": 0, "failed": 2, "audio_min": 1.0,
                                              "wall_min": 1.0}, ReportOptions(audio="none"))
    return out


def with_roles(analysis, layout_side: str):
    """The call as qc stores a stereo call whose layout puts the agent on ``layout_side``: with the
    confidence and the note of its role code (qc.analysis.roles.channel_roles)."""
    side, confidence, reason = channel_roles(analysis.transcript.segments, layout_side, True,
                                             analysis.transcript.language)
    return replace(analysis, diarization=Diarization("channels", 2, confidence, reason=reason))


def page_names(out) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in [*out.glob("*.html"), *out.glob("*/*.html")])


def scan(out) -> dict[str, list[str]]:
    found = {name: english_sentences((out / name).read_text(encoding="utf-8")) for name in page_names(out)}
    return {page: sentences for page, sentences in found.items() if sentences}


@pytest.fixture(scope="module")
def zh_night(tmp_path_factory):
    return night(tmp_path_factory.mktemp("zh"), "zh")


def test_no_english_sentence_on_any_page_of_a_chinese_night(zh_night):
    assert len(list(zh_night.glob("calls/*.html"))) == 7  # zh-good, zh-bad, unsure, broken, bad, silent, stuck
    assert "⚠" in next(zh_night.glob("calls/unsure-*.html")).read_text(encoding="utf-8")  # roles flagged
    assert scan(zh_night) == {}


def test_no_english_sentence_on_the_served_pages_either(zh_night):
    """qc serve draws the same pages from the database, plus the login form, the review forms of a
    logged-in user and the message of a refused action."""
    client = create_app(zh_night.parent / "qc.sqlite").test_client()
    seen = {"login": client.get("/login").get_data(as_text=True)}
    login(client, "张审核", "reviewer")
    seen.update({name: client.get(f"/{name}").get_data(as_text=True) for name in page_names(zh_night)})
    login(client, "小李", "agent")
    page = next(name for name in page_names(zh_night) if name.startswith("calls/zh-bad"))
    action, hidden = form_fields(seen[page], "finding")
    client.post(action, data={**hidden, "csrf": csrf(client, f"/{page}"), "decision": "false_positive"})
    seen["refused"] = client.get(f"/{page}").get_data(as_text=True)
    assert 'class="flash error"' in seen["refused"] and "review" in seen[page]
    assert {name: found for name, html in seen.items() if (found := english_sentences(html))} == {}


def test_the_same_scan_finds_english_on_an_english_night(tmp_path):
    found = scan(night(tmp_path, "en"))
    assert "index.html" in found and any(page.startswith("calls/") for page in found)
    every = [s for sentences in found.values() for s in sentences]
    assert any(s.startswith(("said", "looked for", "not a readable audio file")) for s in every), every


@pytest.mark.parametrize("text,english", [
    ("<p>未能处理：not a readable audio file</p>", ["not a readable audio file"]),
    ('<span title="agent assumed on the left channel">⚠</span>', ["agent assumed on the left channel"]),
    ("<script>var said = 'hello there my friend';</script><p>zh-default · forbidden-phrase</p>", []),
    ("<p>calls/zh-good-0123abcd.html 坐席 A1000 qc run --retry-quarantined</p>", []),
])
def test_the_scan_reads_what_a_person_sees(text, english):
    assert english_sentences(text) == english


def test_no_interface_string_is_defined_twice():
    """A second entry of a key in a STRINGS literal, or in both tables, silently replaces the first's words."""
    keys = []
    for module in (i18n, review_strings):
        tree = ast.parse(open(module.__file__, encoding="utf-8").read())
        table = next(node.value for node in tree.body if isinstance(node, ast.AnnAssign))
        keys += [key.value for key in table.keys]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
