"""Why customers call: the taxonomy file, the problem statement, the classifier (with a fake and with
the real e5 model), the customer's load on the agent, and the record step that stores both."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from qc.cli import cli
from qc.errors import RuleConfigError
from qc.rules.context import CallContext, context_from_dict, context_to_dict, decode_vector
from qc.rules.customer_load import abusive_words, customer_load
from qc.rules.describe import describe_call, redact_context
from qc.rules.providers import CheckModels
from qc.rules.reasons import classify_reason, statement_turns
from qc.rules.taxonomy import DEFAULT_TAXONOMY, SERVICE_TYPES, load_taxonomy
from qc.schema import Acoustics, AudioInfo, CallAnalysis, CallMeta, Segment, Transcript

# -- a taxonomy and an embedder small enough to reason about -----------------------------------

AXES = ("账单", "快递", "坏了", "投诉", "查", "办", "怎么")  # a text's vector: the axes it mentions, plus a bias


class KeywordEmbedder:
    def __init__(self):
        self.embedded = []

    def embed(self, texts):
        self.embedded += list(texts)
        rows = [[float(axis in text) for axis in AXES] + [0.5] for text in texts]
        return np.array([np.array(r) / np.linalg.norm(r) for r in rows], dtype=np.float32)


class FixedSentiment:
    def __init__(self, table=None):
        self.table = table or {}

    def score(self, text):
        return next((v for k, v in self.table.items() if k in text), 0.0)


SMALL = {  # service examples alike (no axis): their cues decide
    "min_similarity": 0.5,
    "topics": {"billing": {"name": {"zh": "账单", "en": "Billing"}, "examples": {"zh": ["账单不对", "账单太高"]}},
               "delivery": {"name": {"zh": "物流", "en": "Delivery"}, "examples": {"zh": ["快递没到", "快递丢了"]}}},
    "service_types": {s: {"cues": {"zh": [cue]}, "examples": {"zh": ["服务示例"]}} for s, cue in (
        ("enquiry", "查一下"), ("advice", "怎么"), ("request", "办理"), ("fault", "坏了"), ("complaint", "投诉"))},
}


def taxonomy_file(tmp_path: Path, data: dict, name: str = "reasons.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def transcript(*turns, roles_known=True) -> Transcript:
    """``(role, text)`` pairs, one second each."""
    return Transcript("zh", tuple(Segment("A" if role == "agent" else "B", role if roles_known else "unknown",
                                          float(i), i + 0.9, text) for i, (role, text) in enumerate(turns)),
                      roles_known=roles_known)


def models(sentiment=None):
    return CheckModels(embedder=KeywordEmbedder(), sentiment=sentiment or FixedSentiment())


# -- the taxonomy file ---------------------------------------------------------------------------


def test_the_default_taxonomy_covers_any_industry_in_both_languages():
    taxonomy = load_taxonomy()
    assert len(taxonomy.topics) >= 10 and [s.id for s in taxonomy.service_types] == list(SERVICE_TYPES)
    for topic in taxonomy.topics:
        assert set(topic.names) == set(topic.examples) == {"zh", "en"}, topic.id
        assert all(len(examples) >= 6 for examples in topic.examples.values()), topic.id
    assert taxonomy.threshold("zh") > taxonomy.threshold("en")


def test_the_fingerprint_changes_with_what_classifies(tmp_path):
    base = load_taxonomy(taxonomy_file(tmp_path, SMALL, "a.yaml"))
    assert base.fingerprint() == load_taxonomy(taxonomy_file(tmp_path, SMALL, "b.yaml")).fingerprint()
    edited = {**SMALL, "topics": {**SMALL["topics"], "billing": {**SMALL["topics"]["billing"],
                                                                 "examples": {"zh": ["账单不对"]}}}}
    assert load_taxonomy(taxonomy_file(tmp_path, edited, "c.yaml")).fingerprint() != base.fingerprint()


@pytest.mark.parametrize("edit,message", [
    (lambda d: d["topics"]["billing"].update(exampels=d["topics"]["billing"].pop("examples")),
     'option "topics.billing.exampels": unknown key (did you mean "examples"?): expected one of name, examples'),
    (lambda d: d["service_types"].update(complain=d["service_types"].pop("complaint")),
     'option "service_types.complain": unknown service type (did you mean "complaint"?)'),
    (lambda d: d["topics"]["billing"]["examples"].update(cn=["x"]),
     'option "topics.billing.examples.cn": unknown language'),
    (lambda d: d["topics"]["billing"]["examples"].update(zh=[]), 'expected a non-empty list of texts, found []'),
    (lambda d: d.update(min_similarity=1.5), 'option "min_similarity": invalid value: expected a number between 0 '
                                             'and 1, found 1.5'),
    (lambda d: d.update(min_similarity={"zh": 0.9, "cn": 0.8}), 'option "min_similarity.cn": unknown language'),
    (lambda d: d["topics"].update(other=d["topics"]["billing"]), 'option "topics.other": invalid value: expected an id'),
    (lambda d: d["service_types"].pop("fault"), 'option "service_types": missing fault'),
    (lambda d: d.update(topic={}), 'option "topic": unknown key (did you mean "topics"?)'),
])
def test_a_mistake_in_the_taxonomy_is_one_clear_line(tmp_path, edit, message):
    data = yaml.safe_load(yaml.safe_dump(SMALL))
    edit(data)
    with pytest.raises(RuleConfigError) as error:
        load_taxonomy(taxonomy_file(tmp_path, data))
    assert message in str(error.value) and "\n" not in str(error.value)
    assert str(error.value).startswith(str(tmp_path / "reasons.yaml"))


def test_the_commands_stop_on_a_bad_taxonomy_before_any_call(tmp_path):
    bad = tmp_path / "reasons.yaml"
    bad.write_text("topics: [billing\n", encoding="utf-8")
    from qc.run.store import Store

    Store(tmp_path / "qc.sqlite").close()
    result = CliRunner().invoke(cli, ["score", "--db", str(tmp_path / "qc.sqlite"), "--reasons", str(bad)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "reasons.yaml: not valid YAML: line" in result.output


# -- the problem statement --------------------------------------------------------------------


def test_the_statement_is_the_customers_first_substantive_turn():
    said = transcript(("agent", "您好，很高兴为您服务"), ("customer", "喂，你好"), ("customer", "我的快递三天了还没到"),
                      ("agent", "请问您的手机号是多少"), ("customer", "我叫王芳，尾号六六八八"))
    assert [t.text for t in statement_turns(said)] == ["喂，你好我的快递三天了还没到"]
    english = transcript(("agent", "Hello, how can I help?"), ("customer", "Hi, yes."),
                         ("customer", "My parcel never arrived"), ("agent", "Sorry"), ("customer", "It is four four one"))
    assert [t.text for t in statement_turns(english)] == ["Hi, yes. My parcel never arrived"]


def test_outbound_reads_the_agents_opening_and_unknown_roles_read_the_second_voice():
    said = transcript(("agent", "您好，这边是对您上次反映的问题做个回访"), ("customer", "是我，什么事"),
                      ("customer", "问题已经解决了，谢谢你们"))
    assert [t.role for t in statement_turns(said, "outbound")] == ["agent", "customer"]
    assert [t.role for t in statement_turns(said)] == ["customer"]
    unknown = transcript(("agent", "您好，很高兴为您服务"), ("customer", "我的账单好像不太对"), roles_known=False)
    assert [t.text for t in statement_turns(unknown)] == ["我的账单好像不太对"]
    one_voice = Transcript("zh", (Segment("A", "agent", 0, 1, "您好，很高兴为您服务"),
                                  Segment("A", "agent", 1, 2, "我的账单好像不太对")), roles_known=True)
    assert [t.text for t in statement_turns(one_voice)] == ["我的账单好像不太对"]
    assert statement_turns(transcript(("agent", "您好，很高兴为您服务"), ("customer", "喂？"))) == []


# -- the classifier -------------------------------------------------------------------------------


def test_the_closest_topic_wins_and_a_statement_like_none_is_other_with_its_vector(tmp_path):
    taxonomy = load_taxonomy(taxonomy_file(tmp_path, SMALL))
    reason = classify_reason(transcript(("agent", "您好"), ("customer", "我想查一下快递到哪了")), taxonomy, models())
    assert (reason.topic, reason.topic_names["zh"], reason.service_type) == ("delivery", "物流", "enquiry")
    assert reason.confidence > 0.9 and reason.statement == "我想查一下快递到哪了" and reason.vector == ""
    assert reason.example in ("快递没到", "快递丢了") and reason.start_s == 1.0
    other = classify_reason(transcript(("agent", "您好"), ("customer", "请问你们周末上班吗今天")), taxonomy, models())
    assert other.topic == "other" and other.topic_names == {} and other.similarity < 0.5
    assert decode_vector(other.vector).shape == (len(AXES) + 1,)
    assert classify_reason(transcript(("agent", "您好"), ("customer", "嗯")), taxonomy, models()) is None


def test_complaint_cues_count_anywhere_the_customer_speaks_and_so_do_negative_turns(tmp_path):
    taxonomy = load_taxonomy(taxonomy_file(tmp_path, SMALL))
    said = [("agent", "您好"), ("customer", "我想查一下这个月的账单"), ("agent", "好的"), ("customer", "这个月的钱扣得莫名其妙")]
    assert classify_reason(transcript(*said), taxonomy, models()).service_type == "enquiry"
    complained = transcript(*said, ("customer", "我要投诉，一定要投诉"))
    assert classify_reason(complained, taxonomy, models()).service_type == "complaint"
    negative = models(FixedSentiment({"莫名其妙": -0.8, "账单": -0.5}))
    assert classify_reason(transcript(*said), taxonomy, negative).service_type == "complaint"
    mildly = models(FixedSentiment({"莫名其妙": -0.8}))  # one negative turn: a tie with the enquiry cue
    assert classify_reason(transcript(*said), taxonomy, mildly).service_type == "complaint"  # ties go to complaint


@pytest.fixture(scope="module")
def real_models():
    return CheckModels()


# General statements, none from the corpus, with the topic a reader gives them.
GENERAL = [("我上个月的电费账单比平时多了一倍，想问问怎么回事", "billing"), ("我在网上买的鞋子尺码不对，想退货", "refund-return"),
           ("我的包裹三天了还显示在转运中", "delivery"), ("家里的宽带从昨晚开始就连不上了", "fault"),
           ("我的信用卡被人盗刷了两笔", "account-security"), ("我想把下周二的预约改到周四", "booking"),
           ("我的车被追尾了，想问问保险怎么赔", "claim"), ("你们的快递员把我的包裹扔在门口就走了", "delivery"),
           ("My electricity bill doubled last month and I don't know why", "billing"),
           ("The shoes I bought online are the wrong size and I want to send them back", "refund-return"),
           ("My parcel has been stuck in transit for three days", "delivery"),
           ("My home internet has been down since last night", "fault"),
           ("Someone used my credit card for two purchases I didn't make", "account-security"),
           ("I'd like to move my appointment from Tuesday to Thursday", "booking"),
           ("Somebody drove into my car and I want to know how the insurance pays", "claim"),
           ("Your courier left my parcel at the door in the rain", "delivery")]


def test_the_real_model_finds_the_topic_of_general_statements(real_models):
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    got = {text: classify_reason(transcript(("agent", "您好，请问有什么可以帮您"), ("customer", text)), taxonomy,
                                 real_models).topic for text, _ in GENERAL}
    wrong = {text: (topic, got[text]) for text, topic in GENERAL if got[text] != topic}
    assert len(wrong) <= 3, wrong  # 14 of 16 when written


# -- the customer's load on the agent --------------------------------------------------------------


def call(*turns, roles_known=True) -> CallAnalysis:
    said = transcript(*turns, roles_known=roles_known)
    loud = tuple(replace(s, acoustics=Acoustics(-10.0 if "!" in s.text else -25.0, 200.0, 3.0))
                 for s in said.segments)
    return CallAnalysis(CallMeta("c", "c.wav"), AudioInfo("c.wav", 10.0, 2, "stereo-agent-left", 8000),
                        replace(said, segments=loud))


def test_abusive_words_are_insults_not_dissatisfaction():
    assert abusive_words("你们这帮废物，我要投诉") == ["废物"]
    assert abusive_words("You idiots. This is terrible, I want to complain. What the fuck?") == ["idiots", "fuck"]
    assert abusive_words("太差了，我要投诉，这服务真是离谱") == []
    assert abusive_words("I'm disappointed and I want a manager") == []


def test_an_angry_or_abusive_customer_makes_the_call_difficult_and_unknown_roles_say_nothing():
    sentiment = FixedSentiment({"到底": -0.9})
    calm = call(("agent", "您好"), ("customer", "我想查话费"), ("customer", "好的谢谢"), ("customer", "再见了"))
    assert customer_load(calm, sentiment) == customer_load(calm, sentiment)
    assert not customer_load(calm, sentiment).difficult
    angry = call(("agent", "您好"), ("customer", "我想查话费"), ("customer", "你们到底管不管!"), ("customer", "好的"))
    load = customer_load(angry, sentiment)
    assert (load.angry_sentences, load.abusive_words, load.difficult) == (1, (), True)
    assert [m.text for m in load.moments] == ["你们到底管不管!"]
    abusive = customer_load(call(("agent", "您好"), ("customer", "你们这帮废物")), sentiment)
    assert abusive.abusive_words == ("废物",) and abusive.angry_sentences == 0 and abusive.difficult
    assert customer_load(call(("agent", "您好"), ("customer", "废物"), roles_known=False), sentiment) is None
    typed = replace(angry, transcript=transcript(*[(s.role, s.text) for s in angry.transcript.segments]))
    assert customer_load(typed, sentiment).angry_sentences == 1  # a chat: no voice, the words alone
    assert customer_load(typed, FixedSentiment({"到底": -0.5})).angry_sentences == 0


def test_a_context_survives_its_json_and_redaction_masks_what_it_quotes(tmp_path):
    taxonomy = load_taxonomy(taxonomy_file(tmp_path, SMALL))
    analysis = call(("agent", "您好"), ("customer", "我的快递没到，电话13912345678，废物"))
    context = describe_call(analysis, taxonomy, models())
    assert isinstance(context, CallContext) and context_from_dict(context_to_dict(context)) == context
    masked = redact_context(context)
    assert "13912345678" in context.reason.statement and "13912345678" not in masked.reason.statement
    assert "5678" in masked.reason.statement and "13912345678" not in masked.customer.moments[0].text


# -- the record step stores it, and makes it again when the taxonomy changes ---------------------------


def test_the_record_step_stores_the_context_beside_an_unchanged_score(tmp_path):
    from qc.analysis.asr import ChannelTranscript, RawSegment
    from qc.run.pipeline import RunSettings, rescore_stored, run_batch
    from qc.run.store import Store
    from qc.rules.ruleset import load_ruleset
    from qc.schema import Word
    from qc.sources.audio import AudioSettings, AudioSource

    from helpers import tone, write_wav
    from test_pipeline import ROOT, ScriptedTranscriber

    class Customer(ScriptedTranscriber):  # the customer's channel states a problem, with a phone number
        def transcribe(self, samples, language, **options):
            said = super().transcribe(samples, language)
            if float(np.abs(samples).max()) > 0.2:
                return said
            text = "我的快递三天了还没到，电话13912345678"
            return ChannelTranscript("zh", (RawSegment(2.0, 4.0, text, (Word(2.0, 4.0, text),)),))

    wav = write_wav(tmp_path / "c.wav", [tone(5.0, amp=0.3), tone(5.0, 300, amp=0.1)])
    rules = load_ruleset(ROOT / "rules" / "zh-default.yaml")
    taxonomy = load_taxonomy(taxonomy_file(tmp_path, SMALL))
    transcriber = Customer()
    source = {"audio": AudioSource(AudioSettings(), lambda: transcriber, None)}

    def night(store, reasons, redact=False):
        return run_batch([CallMeta("c1", str(wav), "A1")], RunSettings(reasons=reasons, redact=redact), store, source,
                         lambda meta: rules, models())

    plain, described = Store(tmp_path / "plain.sqlite"), Store(tmp_path / "qc.sqlite")
    night(plain, None)
    night(described, taxonomy)
    [without], [row] = plain.latest_calls(), described.latest_calls()
    assert without["context"] is None and row["score_detail"] == without["score_detail"]
    assert row["context"]["reason"]["topic"] == "delivery" and row["context"]["customer"]["difficult"] is False
    heard = transcriber.calls
    edited = yaml.safe_load(yaml.safe_dump(SMALL))
    edited["topics"]["delivery"]["examples"]["zh"] = ["账单寄丢了"]
    night(described, load_taxonomy(taxonomy_file(tmp_path, edited, "edited.yaml")))
    [again] = described.latest_calls()
    assert transcriber.calls == heard and again["context"]["reason"]["topic"] != "delivery"  # no audio: described
    assert again["context"]["version"] != row["context"]["version"]
    assert rescore_stored(described, lambda meta: rules, models(), reasons=taxonomy) == 1
    assert described.latest_calls()[0]["context"] == row["context"]
    masked = Store(tmp_path / "masked.sqlite")
    night(masked, taxonomy, redact=True)
    statement = masked.latest_calls()[0]["context"]["reason"]["statement"]
    assert "13912345678" not in statement and "5678" in statement
