from qc.analysis.asr import RawSegment
from qc.analysis.guard import GuardOptions, filter_segments
from qc.analysis.roles import decide_roles
from qc.schema import Segment, Word
from qc.analysis.speakers import assign_words, speaker_of, turns_as_speech
from qc.report.exports import rttm

TURNS = [("SPK0", 0.0, 3.0), ("SPK1", 2.5, 6.0), ("SPK0", 7.0, 9.0)]


def test_word_goes_to_the_turn_it_overlaps_most():
    assert speaker_of(Word(2.6, 3.4, "x"), TURNS) == "SPK1"
    assert speaker_of(Word(0.5, 1.0, "x"), TURNS) == "SPK0"


def test_word_outside_every_turn_goes_to_the_nearest():
    assert speaker_of(Word(6.3, 6.5, "x"), TURNS) == "SPK1"
    assert speaker_of(Word(6.8, 6.9, "x"), TURNS) == "SPK0"


def test_words_become_speaker_sentences_with_roles_and_overlap_kept_in_speech():
    words = [Word(0.1, 0.5, "您好"), Word(0.5, 1.0, "请讲"), Word(3.2, 3.6, "我想"), Word(3.6, 4.0, "查话费"),
             Word(7.1, 7.5, "好的")]
    roles = {"SPK0": "agent", "SPK1": "customer"}
    sentences = assign_words(words, TURNS, roles)
    assert [(s.speaker, s.role, s.text) for s in sentences] == [
        ("SPK0", "agent", "您好请讲"), ("SPK1", "customer", "我想查话费"), ("SPK0", "agent", "好的")]
    speech = turns_as_speech(TURNS, roles)
    assert speech[0].end_s > speech[1].start_s  # the overlap 2.5-3.0 s stays
    assert [r.role for r in speech] == ["agent", "customer", "agent"]


def test_without_turns_everything_is_one_unknown_speaker():
    [sentence] = assign_words([Word(0, 1, "hello")], [], {})
    assert (sentence.speaker, sentence.role) == ("S0", "unknown")


def test_rttm_lines():
    text = rttm("call 1", TURNS[:1])
    assert text == "SPEAKER call_1 1 0.000 3.000 <NA> <NA> SPK0 <NA> <NA>\n"


def sentence(speaker, start, text):
    return Segment(speaker, "unknown", start, start + 2, text)


def test_agent_is_the_speaker_with_the_scripted_opening():
    sentences = [sentence("A", 0.5, "喂？"), sentence("B", 1.0, "您好，这里是星河通信客服中心，工号一零二四"),
                 sentence("A", 4.0, "我想查一下我的话费"), sentence("B", 7.0, "好的，请您稍等")]
    decision = decide_roles(sentences, "zh")
    assert decision.roles == {"A": "customer", "B": "agent"}
    assert decision.confidence > 0.8 and not decision.low_confidence


def test_homophone_openings_still_count():
    sentences = [sentence("A", 0.5, "你好，公号1024，很高兴为您服务"), sentence("B", 3.0, "你好")]
    assert decide_roles(sentences, "zh").roles["A"] == "agent"


def test_english_opening():
    sentences = [sentence("X", 0.5, "Hello?"), sentence("Y", 1.0, "Thank you for calling Northwind, how may I help?"),
                 sentence("X", 4.0, "I'd like to check my card")]
    assert decide_roles(sentences, "en").roles == {"X": "customer", "Y": "agent"}


def test_no_evidence_is_low_confidence():
    sentences = [sentence("A", 0.5, "嗯"), sentence("B", 2.0, "嗯")]
    decision = decide_roles(sentences, "zh")
    assert decision.low_confidence


def test_site_phrases_help():
    sentences = [sentence("A", 0.5, "ok"), sentence("B", 2.0, "Acme hotline")]
    decision = decide_roles(sentences, "en", extra_agent_phrases=["acme hotline"])
    assert decision.roles["B"] == "agent"


def raw(start, end, text, **kw):
    return RawSegment(start, end, text, (), **kw)


def test_guard_drops_loops_silence_text_and_stock_phrases():
    speech = [(0.0, 5.0), (20.0, 25.0)]
    segments = [raw(0.5, 4.0, "您好，请问有什么可以帮您"),
                raw(6.0, 18.0, "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目"),
                raw(20.0, 24.0, "谢谢谢谢谢谢谢谢谢谢谢谢"),
                raw(8.0, 15.0, "嗯嗯好的"),
                raw(21.0, 24.0, "text", compression_ratio=3.1),
                raw(21.0, 24.0, "maybe", no_speech_prob=0.9, avg_logprob=-1.4)]
    kept, dropped = filter_segments(segments, speech, GuardOptions())
    assert [s.text for s in kept] == ["您好，请问有什么可以帮您"]
    reasons = [reason for _, reason in dropped]
    assert reasons[0] == "stock hallucination phrase" and reasons[1].startswith("repeats")
    assert "voice activity" in reasons[2] and "compression" in reasons[3] and "no-speech" in reasons[4]


def test_a_loop_at_the_end_of_a_long_segment_is_cut_back_and_the_speech_before_it_kept():
    """Whisper decoding a whole channel at once can end in a loop (再见 37 times after the real
    closing, on examples/calls/zh-good.wav with ctranslate2 4.8): too little of the segment for the
    loop rule, but enough to make the agent's speech rate 432 characters a minute."""
    said = ["您好", "，", "这里是", "客服", "中心", "，", "感谢", "您的", "来电", "，", "再见", "，"]
    loop = ["再见", ","] * 30 + [" 再", "见", ","] * 5
    words = tuple(Word(0.3 * i, 0.3 * i + 0.25, text) for i, text in enumerate(said + loop))
    segment = RawSegment(0.0, words[-1].end_s, "".join(w.text for w in words), words, -0.1, 0.01, 2.1)
    kept, dropped = filter_segments([segment], [(0.0, 40.0)], GuardOptions())
    assert dropped == [] and len(kept) == 1
    assert kept[0].text == "您好，这里是客服中心，感谢您的来电，再见，再见,"
    assert [w.text for w in kept[0].words] == said + ["再见", ","] and kept[0].end_s == kept[0].words[-1].end_s
    english = [" Thank", " you", " for", " calling.", " Bye.", " Bye.", " Bye.", " Bye.", " Bye.", " Bye."]
    words = tuple(Word(0.4 * i, 0.4 * i + 0.3, text) for i, text in enumerate(english))
    kept, _ = filter_segments([RawSegment(0.0, 4.0, "".join(english), words)], [(0.0, 5.0)], GuardOptions())
    assert kept[0].text == "Thank you for calling. Bye. Bye." and kept[0].end_s == 2.3
    twice = tuple(Word(0.4 * i, 0.4 * i + 0.3, text) for i, text in enumerate(["好的", "好的", "好的", "谢谢"]))
    assert filter_segments([RawSegment(0.0, 1.5, "好的好的好的谢谢", twice)], [(0.0, 2.0)])[0][0].words == twice
    number = tuple(Word(0.4 * i, 0.4 * i + 0.3, text) for i, text in enumerate(["尾号", "八", "八", "八", "八", "对吧"]))
    assert filter_segments([RawSegment(0.0, 2.5, "尾号八八八八对吧", number)], [(0.0, 3.0)])[0][0].words == number


def test_a_word_whisper_aligned_back_in_time_keeps_its_place_in_the_segment():
    from qc.analysis.guard import in_order

    words = (Word(54.25, 54.43, "车"), Word(55.01, 55.19, "到站"), Word(22.08, 22.82, "不好意思"), Word(23.26, 23.26, "案"),
             Word(55.3, 55.5, "了"))
    fixed = in_order(words)
    assert [w.text for w in fixed] == [w.text for w in words]
    assert [(w.start_s, w.end_s) for w in fixed] == [(54.25, 54.43), (55.01, 55.19), (55.19, 55.19), (55.19, 55.19),
                                                     (55.3, 55.5)]
    overlapping = (Word(1.0, 1.3, "a"), Word(1.25, 1.6, "b"))  # a word starting inside the last one is left as it is
    assert in_order(overlapping) == list(overlapping)


def test_no_sentence_of_a_call_ends_before_it_starts_when_whisper_misaligns_a_word(tmp_path, monkeypatch):
    from helpers import tone, write_wav
    from qc.analysis.asr import ChannelTranscript
    from qc.schema import CallMeta
    from qc.sources.audio import AudioSettings, AudioSource

    class Misaligns:
        def transcribe(self, samples, language, **options):
            words = (Word(3.0, 3.4, "your"), Word(3.4, 3.8, "parcel"), Word(3.8, 4.2, "arrived."),
                     Word(0.6, 0.9, "Sorry."))
            segment = RawSegment(3.0, 4.2, "your parcel arrived. Sorry.", words, -0.2, 0.01, 1.1)
            return ChannelTranscript("en", (segment,))

    monkeypatch.setattr("qc.sources.audio.speech_regions", lambda samples: [(2.9, 4.3)])
    path = write_wav(tmp_path / "call.wav", [tone(5.0, amp=0.3), tone(5.0, 300, amp=0.2)])
    analysis = AudioSource(AudioSettings(), lambda: Misaligns()).analyse(CallMeta("call", str(path)), "en")
    segments = analysis.transcript.segments
    assert segments and all(s.end_s >= s.start_s >= 2.9 for s in segments)
    assert [s.start_s for s in segments] == sorted(s.start_s for s in segments)
