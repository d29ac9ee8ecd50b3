"""Who said what in a mono call: Whisper's words joined to pyannote's turns so that no sentence
holds two speakers, where word times and turn edges disagree (constructed words and turns)."""

from qc.analysis.speakers import assign_words, exclusive_turns
from qc.schema import Turn, Word

ROLES = {"A": "agent", "B": "customer"}


def words(*items):
    """``(text, start, end)`` triples as words."""
    return [Word(start, end, text) for text, start, end in items]


def said(sentences):
    return [(s.speaker, s.text) for s in sentences]


def test_a_short_reply_inside_a_turn_pyannote_stretched_over_it_goes_to_its_speaker():
    # pyannote filled the agent's pause over the customer's 0.6 s reply: both turns hold it
    turns = [Turn("A", 0.0, 6.0), Turn("B", 3.0, 3.7)]
    heard = words(("请问", 0.2, 0.6), ("您的", 0.6, 1.0), ("订单号", 1.0, 1.8), ("是多少？", 1.8, 2.6),
                  ("不", 3.05, 3.3), ("知道。", 3.3, 3.65), ("那", 4.1, 4.3), ("我帮您", 4.3, 4.9), ("查一下", 4.9, 5.6))
    assert said(assign_words(heard, turns, ROLES)) == [("A", "请问您的订单号是多少？"), ("B", "不知道。"),
                                                         ("A", "那我帮您查一下")]


def test_overlapped_time_goes_to_the_turn_that_ends_first():
    # a reply inside the agent's turn, then the customer starting before the agent has finished
    turns = [Turn("A", 0.0, 6.0), Turn("B", 3.0, 3.7), Turn("B", 5.5, 8.0)]
    assert exclusive_turns(turns) == [Turn("A", 0.0, 3.0), Turn("B", 3.0, 3.7), Turn("A", 3.7, 6.0),
                                      Turn("B", 6.0, 8.0)]


def test_the_words_of_a_speaker_finishing_under_an_interruption_stay_theirs():
    turns = [Turn("B", 16.3, 26.3), Turn("A", 24.1, 29.8)]
    heard = words(("上", 22.56, 22.76), ("个月", 22.76, 23.2), ("也是", 23.2, 23.52), ("最后", 23.52, 24.1),
                  ("是在", 24.1, 24.48), ("楼下", 24.48, 24.9), ("快递柜", 24.9, 25.72), ("找到的", 25.72, 26.12),
                  ("签收人", 26.5, 27.1), ("写的是", 27.1, 27.6), ("快递柜", 27.6, 28.2))
    assert said(assign_words(heard, turns, ROLES)) == [("B", "上个月也是最后是在楼下快递柜找到的"),
                                                         ("A", "签收人写的是快递柜")]


def test_a_first_word_stretched_back_into_the_pause_goes_by_its_inner_part():
    # Whisper's 那 begins where the agent's 管 ends, 0.6 s early: in the gap and the agent's turn.
    # With a comma after it, it is a clause of its own: only its stretch is judged
    turns = [Turn("A", 18.0, 20.4), Turn("B", 20.8, 24.4)]
    agent = (("不", 19.36, 19.5), ("归", 19.5, 19.68), ("我", 19.68, 19.88), ("管。", 19.88, 20.16))
    customer = (("你们", 20.94, 21.22), ("到底", 21.22, 21.56), ("谁", 21.56, 21.76), ("管", 21.76, 21.88))
    heard = words(*agent, ("那，", 20.16, 20.94), *customer)
    assert said(assign_words(heard, turns, ROLES)) == [("A", "不归我管。"), ("B", "那，你们到底谁管")]


def test_a_reply_in_the_segment_whisper_began_there_is_not_glued_to_the_previous_speaker():
    turns = [Turn("A", 18.0, 20.4), Turn("B", 20.8, 24.4)]
    agent = (("不", 19.36, 19.5), ("归", 19.5, 19.68), ("我", 19.68, 19.88), ("管", 19.88, 20.16))
    customer = (("那", 20.16, 20.94), ("你们", 20.94, 21.22), ("到底", 21.22, 21.56), ("谁管", 21.56, 21.88))
    heard = words(*agent, *customer)
    assert said(assign_words(heard, turns, ROLES, segment_starts_s=[19.36, 20.16])) == [("A", "不归我管"),
                                                                                        ("B", "那你们到底谁管")]


def test_a_stray_word_inside_a_clause_joins_the_clause():
    # a 0.2 s turn pyannote gave the agent in the middle of the customer's clause
    turns = [Turn("B", 20.8, 23.4), Turn("A", 23.35, 23.55), Turn("B", 23.6, 24.4)]
    heard = words(("我", 22.6, 22.7), ("每", 22.7, 22.85), ("个月", 22.85, 23.2), ("都", 23.2, 23.38),
                  ("按", 23.38, 23.52), ("时", 23.52, 23.7), ("交钱", 23.7, 24.1), ("的", 24.1, 24.3))
    assert said(assign_words(heard, turns, ROLES)) == [("B", "我每个月都按时交钱的")]


def test_a_clause_that_crosses_a_real_speaker_change_is_cut_there():
    # no pause, no punctuation, but both sides are whole stretches of speech
    turns = [Turn("A", 0.0, 1.6), Turn("B", 1.6, 3.0)]
    heard = words(("是", 0.3, 0.6), ("多少", 0.6, 1.1), ("呢", 1.1, 1.5), ("不", 1.6, 1.9), ("知道", 1.9, 2.6))
    sentences = assign_words(heard, turns, ROLES)
    assert said(sentences) == [("A", "是多少呢"), ("B", "不知道")]
    assert [s.role for s in sentences] == ["agent", "customer"]


def test_english_words_and_a_word_in_no_turn():
    turns = [Turn("A", 0.0, 2.0), Turn("B", 2.6, 4.0)]
    heard = words((" Order", 0.2, 0.5), (" number?", 0.5, 1.0), (" It's", 2.65, 2.9), (" 5521.", 2.9, 3.6),
                  (" Thanks.", 4.3, 4.6))
    assert said(assign_words(heard, turns, ROLES)) == [("A", "Order number?"), ("B", "It's 5521."), ("B", "Thanks.")]
