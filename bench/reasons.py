"""Why customers call: qc's service type and topic of every labelled corpus call, against the labels.

The labels are the corpus scripts' own (``bench/corpus/calls/*.yaml``: ``service_type``, one of
查询 咨询 办理 故障 投诉, and ``reason``, a topic id of ``rules/reasons/default.yaml``). What is
classified is what qc stored for each rendering (the ASR transcript with its roles, read from a
database that ``bench/verdicts.py --set corpus`` or ``qc run`` over the rendered corpus filled),
exactly as ``qc run`` classifies it (:func:`qc.rules.reasons.classify_reason`, the e5-small model;
the call's direction as a manifest gives it). No audio is decoded: a run takes about 20 s.

Prints accuracy per rendering and overall for the service type and the topic, the service-type
confusion table, the service-type variants measured (embeddings only, cue words first, both),
accuracy by topic confidence, and every miss with the statement read. ``--script`` also
classifies the scripts' own text (perfect transcription and roles: an upper bound). Then the
agents' load: calls qc finds difficult (an angry or abusive customer,
:mod:`qc.rules.customer_load`) against the scripts that give the customer an angry voice.

    .venv/bin/python bench/reasons.py [--db FILE] [--taxonomy FILE] [--script] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.corpus.script import load_calls  # noqa: E402
from bench.verdicts import RENDERINGS  # noqa: E402
from qc.rules import reasons  # noqa: E402
from qc.rules.customer_load import customer_load  # noqa: E402
from qc.rules.providers import CheckModels, ModelSettings  # noqa: E402
from qc.rules.sentiment import language_of  # noqa: E402
from qc.rules.taxonomy import DEFAULT_TAXONOMY, SERVICE_TYPES, load_taxonomy  # noqa: E402
from qc.schema import CallAnalysis, Segment, Transcript, analysis_from_dict  # noqa: E402

SERVICE_LABELS = dict(zip(("查询", "咨询", "办理", "故障", "投诉"), SERVICE_TYPES))
SCRIPT = "script"
ALL = "all"
VARIANTS = {"embeddings only": 0.0, "cues + embeddings": reasons.CUE_WEIGHT, "cues first": 1.0}
CONFIDENCE_BANDS = ((0.0, 0.5), (0.5, 0.8), (0.8, 1.01))


@dataclass(frozen=True)
class Result:
    call: str  # the script id
    rendering: str  # a value of verdicts.RENDERINGS, or "script"
    service_label: str
    service: str
    topic_label: str
    topic: str
    confidence: float
    similarity: float
    statement: str
    variants: dict  # service type by variant name
    angry_label: bool = False  # the script gives the customer an angry voice somewhere
    difficult: object = None  # qc found an angry or abusive customer (None: roles unknown)


def stored_analyses(db: Path, scripts: dict) -> list[tuple[str, str, CallAnalysis]]:
    """``(script id, rendering, analysis)`` of every corpus rendering the database holds, newest row."""
    connection = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    rows = connection.execute(
        """SELECT call_id, analysis FROM calls WHERE status = 'ok' AND superseded = 0
           ORDER BY updated_at""").fetchall()
    newest = {call_id: analysis for call_id, analysis in rows}
    out = []
    for call_id, analysis in sorted(newest.items()):
        stem, _, suffix = call_id.partition(".")
        if stem in scripts and suffix in RENDERINGS:
            out.append((stem, RENDERINGS[suffix], analysis_from_dict(json.loads(analysis))))
    return out


def script_transcript(call) -> Transcript:
    """The script's own words, with roles and nominal times (an upper bound: no ASR, no diarization)."""
    return Transcript(call.language, tuple(Segment(t.speaker, t.speaker, float(i), i + 0.9, t.text)
                                           for i, t in enumerate(call.turns)), roles_known=True)


def classify(call, rendering: str, transcript: Transcript, taxonomy, models, analysis=None) -> Result:
    direction = call.direction
    reason = reasons.classify_reason(transcript, taxonomy, models, direction)
    variants = {}
    if reason is not None:  # the service type again, weighing the cues differently
        statement = reasons.statement_turns(transcript, direction)
        embedder = models.get("embedder")
        vectors = embedder.embed([t.text for t in statement])
        joined = " ".join(t.text for t in statement)
        customer = [t.text for t in reasons.joined_turns(transcript.segments) if t.role == "customer"]
        negative = sum(models.get("sentiment").score(text) <= reasons.NEGATIVE for text in customer)
        for name, weight in VARIANTS.items():
            scores = reasons.service_scores(vectors, joined, " ".join(customer) or joined, negative, taxonomy,
                                            language_of(joined), embedder, weight)
            variants[name] = max(reasons.PRECEDENCE, key=lambda s: (scores[s], -reasons.PRECEDENCE.index(s)))
    load = customer_load(analysis, models.get("sentiment")) if analysis is not None else None
    return Result(call.id, rendering, SERVICE_LABELS[call.service_type], reason.service_type if reason else "-",
                  call.reason, reason.topic if reason else "-", reason.confidence if reason else 0.0,
                  reason.similarity if reason else 0.0, reason.statement if reason else "", variants,
                  any(t.speaker == "customer" and t.style == "angry" for t in call.turns),
                  load.difficult if load is not None else None)


def accuracy(results: list[Result], got, label) -> str:
    if not results:
        return "   -"
    right = sum(got(r) == label(r) for r in results)
    return f"{100 * right / len(results):3.0f}% {right:>3}/{len(results):<3}"


def print_tables(results: list[Result]) -> None:
    renderings = [r for r in (*RENDERINGS.values(), SCRIPT) if any(x.rendering == r for x in results)]
    asr = [r for r in results if r.rendering != SCRIPT]
    columns = [*renderings, ALL]
    pick = {name: [r for r in results if r.rendering == name] for name in renderings} | {ALL: asr}
    print(f"{'':<28}" + "".join(f"| {name:<13}" for name in columns) + f"   ({ALL}: the three renderings)")
    print(f"{'service type':<28}" + "".join(f"| {accuracy(pick[c], lambda r: r.service, lambda r: r.service_label)} "
                                            for c in columns))
    print(f"{'topic':<28}" + "".join(f"| {accuracy(pick[c], lambda r: r.topic, lambda r: r.topic_label)} "
                                     for c in columns))
    for name in VARIANTS:
        print(f"{'  service: ' + name:<28}" + "".join(
            f"| {accuracy(pick[c], lambda r, n=name: r.variants.get(n), lambda r: r.service_label)} " for c in columns))
    print(f"\ntopic 'other' (below min_similarity): {sum(r.topic == 'other' for r in asr)} of {len(asr)} recordings")
    print("topic accuracy by confidence (the three renderings):")
    for low, high in CONFIDENCE_BANDS:
        band = [r for r in asr if low <= r.confidence < high]
        print(f"  {low:.1f}-{min(high, 1.0):.1f}: {accuracy(band, lambda r: r.topic, lambda r: r.topic_label)}")
    print("\nservice type confusion (the three renderings; rows: label, columns: qc)")
    counts = Counter((r.service_label, r.service) for r in asr)
    print(f"{'':<10}" + "".join(f"{s:>10}" for s in (*SERVICE_TYPES, "-")))
    for label in SERVICE_TYPES:
        print(f"{label:<10}" + "".join(f"{counts[(label, s)]:>10}" for s in (*SERVICE_TYPES, "-")))


def print_load(results: list[Result]) -> None:
    print("\nagents' load: difficult calls (angry or abusive customer) against scripts with an angry customer voice")
    for name in RENDERINGS.values():
        of = [r for r in results if r.rendering == name and r.difficult is not None]
        found = sum(r.difficult and r.angry_label for r in of)
        said, labelled = sum(bool(r.difficult) for r in of), sum(r.angry_label for r in of)
        print(f"  {name:<9} {len(of)} calls with roles: qc says difficult {said}, labelled angry {labelled}, both {found}"
              f" (precision {found / said if said else 0:.2f}, recall {found / labelled if labelled else 0:.2f})")


def print_misses(results: list[Result]) -> None:
    misses = [r for r in results if r.topic != r.topic_label or r.service != r.service_label]
    print(f"\n{len(misses)} recordings with a miss (call, rendering, service label -> qc, topic label -> qc "
          f"(confidence, similarity), statement):")
    for r in misses:
        service = r.service if r.service == r.service_label else f"{r.service_label}->{r.service}"
        topic = r.topic if r.topic == r.topic_label else f"{r.topic_label}->{r.topic}"
        print(f"  {r.call:<18} {r.rendering:<8} {service:<20} {topic:<30} ({r.confidence:.2f}, {r.similarity:.3f}) "
              f"{r.statement[:110]}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("QC_BENCH_DB") or
                                                        REPO_ROOT / "reports" / "bench" / "verdicts.sqlite"),
                        help="database with the corpus renderings analysed [default: $QC_BENCH_DB or "
                             "reports/bench/verdicts.sqlite, what bench/verdicts.py writes]")
    parser.add_argument("--taxonomy", type=Path, default=DEFAULT_TAXONOMY, help="reasons taxonomy YAML")
    parser.add_argument("--script", action="store_true", help="also classify the scripts' own text (upper bound)")
    parser.add_argument("--models-dir", type=Path, default=None, help="[default: $QC_MODELS_DIR or ./models]")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every result")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.db.is_file():
        print(f"no database at {args.db}: run bench/verdicts.py --set corpus first (or pass --db)", file=sys.stderr)
        return 2
    scripts = {c.id: c for c in load_calls()}
    taxonomy = load_taxonomy(args.taxonomy)
    models = CheckModels(ModelSettings(models_dir=args.models_dir))
    started = time.perf_counter()
    stored = stored_analyses(args.db, scripts)
    if not stored:
        print(f"{args.db} holds no analysed corpus rendering", file=sys.stderr)
        return 2
    results = [classify(scripts[stem], rendering, analysis.transcript, taxonomy, models, analysis)
               for stem, rendering, analysis in stored]
    if args.script:
        results += [classify(call, SCRIPT, script_transcript(call), taxonomy, models) for call in scripts.values()]
    print(f"{len(stored)} recordings of {len({s for s, _, _ in stored})} calls from {args.db}, taxonomy "
          f"{args.taxonomy} ({len(taxonomy.topics)} topics, min_similarity {taxonomy.min_similarity}); "
          f"{time.perf_counter() - started:.0f} s\n")
    print_tables(results)
    print_load(results)
    print_misses(results)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
