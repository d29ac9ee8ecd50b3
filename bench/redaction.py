"""Recall and false hits of qc.redact, per entity type, on labelled text.

Two sets, both printed:

- generated: personal numbers rendered the ways a recogniser writes them (Arabic digits
  with or without spaces and dashes, Chinese digits with 幺/两/零/〇 and pauses, English
  digit words, e-mail addresses), inside call-centre sentences, plus near misses that must
  stay (agent numbers, last-four digits, amounts, dates). Seeded: the same set every run.
- dialogues: every turn of the scripted calls in ../shared/data (or $QC_EVAL_DATA) and the
  sample calls' scripts; they hold agent numbers and last-four digits, no full personal
  number, so every masked character there is a false hit.

    .venv/bin/python bench/redaction.py [--seed 7] [--per-type 60]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from qc.redact import ENTITIES, find  # noqa: E402

HANZI = "零一二三四五六七八九"
WORDS = "zero one two three four five six seven eight nine".split()


def render(digits: str, rng: random.Random, language: str) -> str:
    """``digits`` as a recogniser might write them."""
    groups = [digits[:3], digits[3:7], digits[7:]] if len(digits) == 11 else [digits[i:i + 4]
                                                                             for i in range(0, len(digits), 4)]
    style = rng.choice(["plain", "spaced", "dashed"] + (["hanzi", "hanzi-pauses"] if language == "zh" else ["words"]))
    if style == "plain":
        return digits
    if style in ("spaced", "dashed"):
        return (" " if style == "spaced" else "-").join(g for g in groups if g)
    if style == "words":
        return " ".join("oh" if d == "0" and rng.random() < 0.3 else WORDS[int(d)] if d.isdigit() else d
                        for d in digits)
    text = "".join("幺" if d == "1" and rng.random() < 0.3 else HANZI[int(d)] if d.isdigit() else d for d in digits)
    if style == "hanzi-pauses":
        text = "，".join(text[i:i + 4] for i in range(0, len(text), 4))
    return text


def personal(kind: str, rng: random.Random) -> str:
    if kind == "phone":
        return rng.choice(["13", "15", "18", "19"]) + "".join(rng.choice("0123456789") for _ in range(9))
    if kind == "id_card":
        return f"{rng.randrange(110000, 659000)}19{rng.randrange(50, 99)}{rng.randrange(1, 12):02d}" \
               f"{rng.randrange(1, 28):02d}{rng.randrange(100, 999)}{rng.choice('0123456789X')}"
    return rng.choice(["6222", "6228", "4111", "5500"]) + "".join(rng.choice("0123456789")
                                                                for _ in range(rng.choice([12, 15])))


ZH = {"phone": ["我的手机号是{}。", "您的联系电话{}对吗？", "号码是{}，对"], "id_card": ["身份证号{}。", "证件号码是{}"],
      "bank_card": ["卡号是{}。", "银行卡{}，尾号对一下"]}
EN = {"phone": ["my number is {}", "you can reach me on {}."], "id_card": ["my ID number is {}"],
      "bank_card": ["the card number is {}", "card {} please"]}
NEAR = ["我是客服专员小王，工号一零二四。", "我的工号是1024", "尾号是六六八八。", "it is four four one nine.",
        "费用五十多块钱", "每月二十五元", "三个工作日内退回", "订单金额 199 元", "2026年11月21号", "my name is Alex, ID 4472",
        "a charge of forty nine dollars", "within five business days", "room 1208", "三单元五零二"]


def generated(rng: random.Random, per_type: int) -> list[tuple[str, list[str]]]:
    items = []
    for kind in ("phone", "id_card", "bank_card"):
        for i in range(per_type):
            language = "zh" if i % 2 == 0 else "en"
            number = personal(kind, rng)
            shown = render(number if kind != "id_card" or language == "zh" else number, rng, language)
            items.append((rng.choice((ZH if language == "zh" else EN)[kind]).format(shown), [kind]))
    for i in range(per_type):
        name = rng.choice(["li.ming", "wang_fang88", "j.smith", "service-desk"])
        items.append((f"email: {name}@{rng.choice(['example.com', 'qq.com', 'mail.example.cn'])}", ["email"]))
    items += [(text, []) for text in NEAR]
    return items


def dialogue_turns() -> list[tuple[str, list[str]]]:
    data = Path(os.environ.get("QC_EVAL_DATA") or REPO_ROOT.parent / "shared" / "data")
    turns = [t["text"] for p in sorted((data / "synthetic-tts-dialogues").glob("*.json"))
             for t in json.loads(p.read_text(encoding="utf-8"))["turns"]]
    scripts = json.loads((REPO_ROOT / "examples" / "calls" / "scripts.json").read_text(encoding="utf-8"))["calls"]
    turns += [t["text"] for call in scripts for t in call.get("turns", [])]
    return [(t, []) for t in turns]


def score(items: list[tuple[str, list[str]]]) -> tuple[Counter, Counter, int]:
    labelled, masked, false_hits = Counter(), Counter(), 0
    for text, kinds in items:
        found = [f.kind for f in find(text)]
        for kind in kinds:
            labelled[kind] += 1
            masked[kind] += kind in found or bool(found)  # masked under any type still masks it
        false_hits += len(found) - len(kinds) if len(found) > len(kinds) else 0
    return labelled, masked, false_hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-type", type=int, default=60)
    args = parser.parse_args()
    for name, items in (("generated", generated(random.Random(args.seed), args.per_type)),
                        ("dialogues", dialogue_turns())):
        labelled, masked, false_hits = score(items)
        print(f"{name}: {len(items)} texts, {false_hits} false hits (numbers masked that are not personal)")
        for kind in ENTITIES:
            if labelled[kind]:
                print(f"  {kind:<10} masked {masked[kind]}/{labelled[kind]} ({100 * masked[kind] / labelled[kind]:.1f} %)")
        if not sum(labelled.values()):
            print("  no personal number or e-mail in these texts")


if __name__ == "__main__":
    main()
