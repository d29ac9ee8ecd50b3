"""Two speakers found again turn by turn, with a fake embedding: what pyannote merged is split where
the voices change, overlaps keep both parties, and an odd piece does not become a speaker."""

import numpy as np

from qc.analysis.turn_clustering import MAX_PIECE_S, two_speakers_by_turn
from qc.schema import Turn

AGENT, CUSTOMER = np.array([1.0, 0.0, 0.3]), np.array([0.8, 0.5, 0.3])  # close voices: cosine 0.9


def voices(truth, noise=0.02, seed=0):
    """``embed(stretches)``: for each, the voice that speaks most of it in ``truth``, with noise."""
    rng = np.random.default_rng(seed)

    def embed(start, end):
        held = {}
        for who, a, b in truth:
            held[who] = held.get(who, 0.0) + max(0.0, min(end, b) - max(start, a))
        voice = {"agent": AGENT, "customer": CUSTOMER, "odd": np.array([0.0, 0.0, 1.0])}[max(held, key=held.get)]
        return voice + rng.normal(0, noise, 3)

    return each(embed)


def each(embed):
    """The ``embed(stretches)`` two_speakers_by_turn takes, from an embedding of one stretch."""
    return lambda stretches: np.array([embed(start, end) for start, end in stretches])


TRUTH = [("agent", 0.5, 6.0), ("customer", 6.6, 9.0), ("agent", 9.5, 12.0), ("customer", 12.4, 16.0),
         ("agent", 16.6, 18.0)]


def parties(turns, truth=TRUTH):
    """Each found speaker's party, by time held; and whether every turn is its speaker's party's."""
    held = {}
    for speaker, a, b in turns:
        for who, c, d in truth:
            held.setdefault(speaker, {}).setdefault(who, 0.0)
            held[speaker][who] += max(0.0, min(b, d) - max(a, c))
    return {speaker: max(h, key=h.get) for speaker, h in held.items()}


def test_one_speaker_that_swallowed_the_other_is_split_where_the_voices_change():
    # pyannote's turns, cut at the pauses, all given to one speaker but the first
    merged = [Turn("SPEAKER_00", 0.5, 3.0), Turn("SPEAKER_01", 3.0, 6.0), Turn("SPEAKER_01", 6.6, 9.0),
              Turn("SPEAKER_01", 9.5, 12.0), Turn("SPEAKER_01", 12.4, 16.0), Turn("SPEAKER_01", 16.6, 18.0)]
    found = two_speakers_by_turn(merged, voices(TRUTH))
    names = parties(found)
    assert sorted(names.values()) == ["agent", "customer"]
    assert [names[t.speaker] for t in found] == ["agent", "customer", "agent", "customer", "agent"]
    assert [(t.start_s, t.end_s) for t in found] == [(0.5, 6.0), (6.6, 9.0), (9.5, 12.0), (12.4, 16.0), (16.6, 18.0)]


def test_long_turns_are_embedded_in_parts_so_a_change_without_pause_is_found():
    truth = [("agent", 0.0, 4.5), ("customer", 4.5, 9.0), ("agent", 9.5, 12.0)]
    found = two_speakers_by_turn([Turn("A", 0.0, 9.0), Turn("A", 9.5, 12.0)], voices(truth))
    names = parties(found, truth)
    assert sorted(set(names.values())) == ["agent", "customer"]
    assert max(t.end_s - t.start_s for t in found) <= 2 * MAX_PIECE_S  # cut, then joined per speaker


def test_where_turns_overlap_both_parties_keep_speaking():
    truth = [("agent", 0.0, 6.0), ("customer", 5.0, 9.0), ("agent", 9.5, 12.0)]
    turns = [Turn("A", 0.0, 6.0), Turn("A", 5.0, 9.0), Turn("A", 9.5, 12.0)]
    found = two_speakers_by_turn(turns, voices(truth))
    overlapping = [t for t in found if t.start_s <= 5.0 and t.end_s >= 6.0]
    assert len({t.speaker for t in overlapping}) == 2


def test_an_odd_short_piece_does_not_become_the_second_speaker():
    truth = [("agent", 0.0, 30.0), ("odd", 30.0, 31.2)]  # under 5 % of the speech
    turns = [Turn("A", 0.0, 30.0), Turn("A", 30.0, 31.2)]
    assert two_speakers_by_turn(turns, voices(truth)) == turns


def test_too_little_speech_to_cluster_leaves_the_turns_alone():
    turns = [Turn("A", 0.0, 0.6), Turn("B", 1.0, 1.5)]
    assert two_speakers_by_turn(turns, voices([("agent", 0.0, 0.6), ("customer", 1.0, 1.5)])) == turns


def test_speech_the_diarizer_missed_goes_to_the_voice_it_sounds_like():
    # the agent's short "Not my department. Whatever." between two customer turns: voice activity
    # heard it, pyannote gave it no turn (its words would have gone to the nearest, the customer)
    truth = TRUTH + [("agent", 19.0, 26.0), ("customer", 26.9, 33.2), ("agent", 33.7, 35.3),
                     ("customer", 36.2, 39.0)]
    turns = [Turn("A", a, b) for _, a, b in truth if (a, b) != (33.7, 35.3)]
    voiced = [(a - 0.1, b + 0.1) for _, a, b in truth]
    found = two_speakers_by_turn(turns, voices(truth), voiced=voiced)
    names = parties(found, truth)
    filled = [t for t in found if t.start_s < 35.0 and t.end_s > 34.0]
    assert [names[t.speaker] for t in filled] == ["agent"]
    assert filled[0].start_s <= 33.7 + 0.2 and filled[0].end_s >= 35.3 - 0.2
    # slivers of voice beside a turn (the VAD's padding) add nothing
    assert len(found) == len(truth)


def pitches(truth, hz, spread=0.03, seed=1):
    """``pitch(start, end)``: the median F0 of the party that holds the stretch, with a little spread."""
    rng = np.random.default_rng(seed)

    def pitch(start, end):
        held = {}
        for who, a, b in truth:
            held[who] = held.get(who, 0.0) + max(0.0, min(end, b) - max(start, a))
        return hz[max(held, key=held.get)] * (1 + rng.normal(0, spread))

    return pitch


LONG_TRUTH = [(("agent", "customer")[i % 2], 3.0 * i + 0.2, 3.0 * i + 2.9) for i in range(12)]
LONG_MERGED = [Turn("SPEAKER_00", a, b) for _, a, b in LONG_TRUTH]


def _one_voice_collapsed(start, end):
    """One voice for every stretch, with noise; the split into two collapses onto one odd piece (a
    cough at 9 s), as CAM++ did on calls of one synthetic voice at two pitches."""
    odd = 0.3 if 9.0 <= start < 12.0 else 0.0
    return AGENT + np.array([odd, -odd, 0.0]) + np.random.default_rng(int(start * 10)).normal(0, 0.02, 3)


one_voice_collapsed = each(_one_voice_collapsed)


def test_voices_the_embedding_cannot_tell_apart_are_split_by_their_pitch():
    # one synthetic voice at two pitches: the embeddings cannot tell them apart
    without = two_speakers_by_turn(LONG_MERGED, one_voice_collapsed)
    found = two_speakers_by_turn(LONG_MERGED, one_voice_collapsed, pitch=pitches(LONG_TRUTH, {"agent": 150.0, "customer": 190.0}))
    names = parties(found, LONG_TRUTH)
    assert [names[t.speaker] for t in found] == [who for who, _, _ in LONG_TRUTH]
    names_without = parties(without, LONG_TRUTH)
    assert [names_without[t.speaker] for t in without] != [who for who, _, _ in LONG_TRUTH]


def test_two_clear_voices_at_one_pitch_keep_the_embeddings_split():
    found = two_speakers_by_turn(LONG_MERGED, voices(LONG_TRUTH, noise=0.01),
                                 pitch=pitches(LONG_TRUTH, {"agent": 160.0, "customer": 160.0}, spread=0.08))
    names = parties(found, LONG_TRUTH)
    assert [names[t.speaker] for t in found] == [who for who, _, _ in LONG_TRUTH]


def test_unvoiced_pieces_leave_the_embeddings_split():
    found = two_speakers_by_turn(LONG_MERGED, voices(LONG_TRUTH), pitch=lambda start, end: 0.0)
    names = parties(found, LONG_TRUTH)
    assert [names[t.speaker] for t in found] == [who for who, _, _ in LONG_TRUTH]


def test_a_real_voices_pitch_range_is_no_second_speaker():
    # the embeddings tell the parties apart; the agent's pitch moves between two levels (questions
    # asked high), the customer's sits between: the pitch split would cut across the parties
    levels = {"agent": (140.0, 200.0), "customer": (170.0, 170.0)}

    def pitch(start, end):
        who = next(w for w, a, b in LONG_TRUTH if a <= start < b)
        return levels[who][int(start // 6) % 2]

    found = two_speakers_by_turn(LONG_MERGED, voices(LONG_TRUTH, noise=0.1), pitch=pitch)
    names = parties(found, LONG_TRUTH)
    assert [names[t.speaker] for t in found] == [who for who, _, _ in LONG_TRUTH]


def test_pitch_groups_within_one_voices_spread_leave_a_collapsed_split_alone():
    # the embeddings collapse onto one piece, but the pitches are one voice's spread (normal, no two
    # groups): splitting them in two would invent a speaker
    rng = np.random.default_rng(3)
    spread = {round(a, 1): 160.0 * 2 ** (rng.normal(0, 1.5) / 12) for _, a, _ in LONG_TRUTH}
    found = two_speakers_by_turn(LONG_MERGED, one_voice_collapsed, pitch=lambda start, end: spread[round(start, 1)])
    assert found == two_speakers_by_turn(LONG_MERGED, one_voice_collapsed)
