"""Text sentiment of one sentence, in [-1, 1] (negative: unhappy), Chinese and English.

Chinese is read from a lexicon of call-centre cues alone (below); English also through
``vaderSentiment`` (a lexicon and rules for short social-media text), imported on first use.
Chinese had snownlp (naive Bayes trained on shop reviews) beside the cues, weighted to nudge
only: it held 408 MB per process, half of a stereo run's peak, and dropping it changed no
verdict of the 42 stereo and 42 mono corpus calls (bench/verdicts.py --rescore).

VADER reads a polite agent's apology ("I'm so sorry for the inconvenience") as unhappy, and a
customer's "No, that's all." too. Politeness and
empathy formulas and such neutral answers are therefore removed before scoring
(:func:`strip_politeness`, :func:`strip_neutral`); a sentence that is nothing but a formula
is neutral.

The score of the rest combines the model with a small lexicon of call-centre cues
(complaints such as 投诉 / 到底 / "third time", futility such as 有什么用 / "what's the point",
thanks and agreement such as 谢谢 / 好的 / "thanks", and at half weight a customer checking
that someone is still there or pressed for time, 还有人吗 / 很急 / "are you still there"),
which general-purpose models miss on conversational sentences. Sarcasm made of pleased words
("thanks for nothing") is a negative cue and is kept from the model, which reads it pleased::

    cues  = tanh(0.8 * (positive cues - negative cues))
    zh:     model = 0 (the cues carry Chinese polarity; a sentence without one is neutral)
    en:     model = VADER's compound score
    score = 0.7 * cues + 0.3 * model    when a cue is present
          = model                       otherwise
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Protocol

from ..text import CJK, CJK_CHARS

CONTENT = re.compile(f"[\\w{CJK_CHARS}]")
CUE_WEIGHT = 0.7
CUE_SLOPE = 0.8
MILD_WEIGHT = 0.5

_ZH_POLITE = (
    r"(非常|十分|很|真的|实在)?(抱歉|对不起|不好意思)(啊|哈)?",
    r"(给您|给你)?(带来|造成)(的)?(不便|困扰|麻烦)(了)?",
    r"(给您|给你)添麻烦(了)?",
    r"(让您|让你)久等(了)?",
    r"(非常|很|完全)?(能)?理解(您|你)(的)?(心情|感受|着急)",
    r"(请您|敬请|还请|请)(谅解|见谅|原谅)",
)
_EN_POLITE = (
    r"\b(i'?m|i am|we'?re|we are)?\s*(so|very|really|terribly|truly|deeply|extremely)?\s*sorry"
    r"(\s+(for|about)\s+(the|any|this|that|all the|your)\s+(inconvenience|trouble|wait|waiting|delay|confusion"
    r"|frustration|issue|problem))?(\s+to\s+hear\s+(that|this|about\s+that))?(\s+about\s+that)?",
    r"\b(i|we)\s+(sincerely\s+|do\s+)?apologi[sz]e(\s+for\s+(the|any|this)\s+(inconvenience|trouble|wait|delay"
    r"|confusion))?",
    r"\b(my|our)?\s*(sincere\s+)?apologies(\s+for\s+(the|any|this)\s+(inconvenience|trouble|wait|delay"
    r"|confusion))?",
    r"\b(i|we)\s+(completely\s+|totally\s+|fully\s+)?understand\s+(your|how\s+you)\s+"
    r"(frustration|feel|feeling|feelings|concern|concerns)",
    r"\bpardon\s+me\b|\bexcuse\s+me\b",
)
POLITENESS = {"zh": tuple(re.compile(p) for p in _ZH_POLITE),
              "en": tuple(re.compile(p, re.IGNORECASE) for p in _EN_POLITE)}

# Answers that sound negative to the models or contain a cue word but say nothing unhappy
# ("No, that's all." to "anything else?", 没问题): removed before scoring.
NEUTRAL = {
    "zh": tuple(re.compile(p) for p in (r"没问题", r"没关系", r"不客气", r"不用了", r"没事", r"不要紧", r"没有了")),
    "en": tuple(re.compile(p, re.IGNORECASE) for p in (
        r"\bno problem\b", r"\bno worries\b", r"\bnot a problem\b", r"\bthat'?s all\b", r"\bthat is all\b",
        r"\bnothing else\b", r"^\W*(no|nope|nah)\b(?!\s+(one|body|longer|way|more)\b)",
        # the caller running themselves down is no displeasure with the call: "I'm a bit hopeless with all this"
        r"\bi'?m (a bit |so |just |really )?(hopeless|useless|rubbish|terrible) (with|at)\b")),
}
NEGATIVE_CUES = {
    "zh": ("投诉", "太差", "差劲", "什么态度", "气死", "生气", "凭什么", "到底", "怎么回事", "搞什么", "一直没",
           "还没", "没有修好", "没修好", "没人", "没有人来", "没有人联系", "没人管", "不满意", "受不了", "太慢",
           "解决不了", "离谱", "垃圾", "无语", "失望", "骗", "坑", "退钱", "赔偿", "烦死", "不像话", "好几次",
           "三次", "第三次", "又是", "为什么", "不合理", "乱扣", "莫名其妙", "太过分", "过分", "急死",
           # futility and sarcasm: an angry customer's last words are often these, not insults
           "有什么用", "有啥用", "管什么用", "白说", "白打", "没用", "太惨",
           # exasperation and giving up on the company: 我算是服了你们, 推来推去, 你喊什么喊, 以后再也不用
           "服了你们", "算是服了", "真是服了", "我服了", "推来推去", "踢皮球", "白花了", "白花钱", "白交了", "白跑",
           "喊什么", "凶什么", "吼什么", "嚷什么", "再也不用你们", "再也不买", "再也不来", "你们看着办", "谁负责", "差评",
           # time wasted on the company, a threat to take it further: 白白浪费我一上午, 下次再这样我就打市长热线
           "浪费我", "白白浪费", "真是的", "下次再这样", "市长热线", "消协", "曝光",
           # 懒得跟你说, 我就不明白了 (…退钱就得等一个礼拜？), 你们就等着吧, 我倒要看看你们店长怎么说,
           # 行，你们等着 (吧 or not), 先给我退了再说
           "懒得", "我就不明白了", "就等着吧", "你等着吧", "你们等着吧", "你们等着", "走着瞧", "等着瞧", "倒要看看", "先给我退",
           # giving up on the call, or doing it without the company: 我自己再跑一趟 / 行了行了别说了 /
           # 我自己想办法 / 猪饿瘦了算谁的 / 你们这个供应商就别做了
           "行了行了", "别说了", "不想再听", "自己想办法", "我自己再跑", "算谁的", "别做了",
           # blame thrown back, taking the business elsewhere: 合着全是我的错呗？你们就这么做生意的？/
           # 以后不在你们家做了
           "我的错呗", "这么做生意", "不在你们家", "不找你们家", "不用你们家"),
    "en": ("unacceptable", "ridiculous", "complaint", "complain", "manager", "supervisor", "still not",
           "still haven't", "still hasn't", "not fixed", "third time", "nobody", "no one", "waste of",
           "urgent", "fed up", "sick of", "how many times", "terrible", "worst", "useless", "rude",
           "angry", "frustrated", "frustrating", "annoyed", "disappointed", "cancel my", "never again",
           "unbelievable", "what's the point", "pointless", "are you kidding", "pathetic",
           # giving up on the company or taking it further: "Don't bother, I'll get someone else
           # out", "I'm done with this company", "I'll be leaving a review", "Ten days. Unreal."
           "don't bother", "get someone else", "go elsewhere", "business elsewhere", "other suppliers",
           "another supplier", "looking at switching", "done with this", "done with you", "i've had enough",
           "ombudsman", "trading standards", "leaving a review", "leave a review", "bad review",
           "i'm cancelling", "i'm canceling", "unreal",
           # "This is nonsense. I will report all of you." / "Take our number off your list." /
           # "Don't call me on this number again."
           "nonsense", "report you", "report all of you", "losing money", "cancelling everything",
           "canceling everything", "off your list", "don't call me", "don't call us", "stop calling",
           # "Don't speak to me like that." / "I'm never hiring from you lot again."
           "don't speak to me like", "don't talk to me like", "never hiring", "never using you", "never ordering",
           "never booking", "never buying from", "never coming back", "never dealing with"),
}
# Sarcasm: negative cues made of pleased words, which the models read as pleased; they are
# taken out of the text the model scores.
SARCASM = {"zh": ("够可以的", "真够可以", "真有你们的"),  # 你们这服务真是够可以的
           "en": ("thanks for nothing", "thank you for nothing", "thanks a lot for nothing", "yeah right")}
# A customer checking whether anyone is still on the line (dead air), or pressed for time: half a complaint.
MILD_NEGATIVE_CUES = {
    "zh": ("还有人吗", "有人吗", "你还在吗", "还在吗", "人呢", "很急", "着急"),
    "en": ("are you still there", "is anyone there", "anyone there", "still on the line"),
}
POSITIVE_CUES = {
    "zh": ("谢谢", "感谢", "多谢", "太好了", "好的", "满意", "辛苦", "麻烦你了", "明白了", "可以了", "好了"),
    "en": ("thank", "thanks", "great", "perfect", "appreciate", "wonderful", "excellent", "awesome", "helpful",
           "that's fine", "all right", "sounds good"),
}


class Sentiment(Protocol):
    """Anything that scores one sentence in [-1, 1]; checks take this so tests can fake it."""

    def score(self, text: str) -> float: ...


def language_of(text: str) -> str:
    """zh for text with Chinese characters, else en (the two languages scored)."""
    return "zh" if CJK.search(text) else "en"


def strip_politeness(text: str, language: str | None = None) -> tuple[str, bool]:
    """Return ``text`` without politeness and apology formulas, and whether one was there."""
    language = language or language_of(text)
    stripped = text
    for pattern in POLITENESS.get(language, ()):
        stripped = pattern.sub(" ", stripped)
    return stripped, stripped != text


def strip_neutral(text: str, language: str | None = None) -> str:
    """Return ``text`` without the neutral answers of :data:`NEUTRAL` (No, that's all. 没问题)."""
    language = language or language_of(text)
    for pattern in NEUTRAL.get(language, ()):
        text = pattern.sub(" ", text)
    return text


def cue_balance(text: str, language: str | None = None) -> float:
    """Positive minus negative call-centre cues (mild ones count half), longest phrases first,
    each span counted once."""
    language = language or language_of(text)
    rest = strip_neutral(text, language).lower()
    tagged = ([(p, -1.0) for p in (*NEGATIVE_CUES.get(language, ()), *SARCASM.get(language, ()))]
              + [(p, -MILD_WEIGHT) for p in MILD_NEGATIVE_CUES.get(language, ())]
              + [(p, 1.0) for p in POSITIVE_CUES.get(language, ())])
    balance = 0.0
    for phrase, weight in sorted(tagged, key=lambda item: -len(item[0])):
        pattern = re.escape(phrase) if language == "zh" else rf"\b{re.escape(phrase)}"
        found = len(re.findall(pattern, rest))
        if found:
            balance += weight * found
            rest = re.sub(pattern, "|", rest)
    return balance


class TextSentiment:
    """Cues for Chinese, cues and VADER for English (imported on first use); cached per sentence."""

    def __init__(self):
        self._vader = None

    def score(self, text: str) -> float:
        return _cached_score(self, text)

    def _score(self, text: str) -> float:
        language = language_of(text)
        content = strip_neutral(strip_politeness(text, language)[0], language)
        if not CONTENT.search(content):
            return 0.0
        unsaid = content
        for phrase in SARCASM.get(language, ()):
            unsaid = re.sub(re.escape(phrase), " ", unsaid, flags=re.IGNORECASE)
        model = self._model(unsaid, language) if CONTENT.search(unsaid) else 0.0
        cues = cue_balance(content, language)
        if cues:
            return max(-1.0, min(1.0, CUE_WEIGHT * math.tanh(CUE_SLOPE * cues) + (1 - CUE_WEIGHT) * model))
        return model

    def _model(self, text: str, language: str) -> float:
        if language == "zh":
            return 0.0
        if self._vader is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            self._vader = SentimentIntensityAnalyzer()
        return float(self._vader.polarity_scores(text)["compound"])


@lru_cache(maxsize=4096)
def _cached_score(model: TextSentiment, text: str) -> float:
    return model._score(text)
