"""A short clip may decode to a bounded number of tokens: a clip Whisper loops on (a language it
was not told, noise) must not write 448 tokens at each of six fallback temperatures."""

from types import SimpleNamespace

import numpy as np
import pytest

from qc.analysis.asr import MAX_LENGTH, AsrOptions, WhisperTranscriber, token_budget
from qc.analysis.audio import decode_audio
from qc.media import SAMPLE_RATE_HZ


def test_the_budget_grows_with_the_clip_and_stops_where_whisper_s_own_bound_takes_over():
    assert token_budget(1.0) < token_budget(6.4) < token_budget(10.0) < MAX_LENGTH - 228
    assert token_budget(6.4) == 144
    assert token_budget(10.5) is None and token_budget(30.0) is None
    # a long prompt leaves less room than the budget: Whisper's own bound, never an error
    assert token_budget(6.4, prompt_tokens=290) == 144
    assert token_budget(6.4, prompt_tokens=320) is None


class CountingTokenizer:
    def encode(self, text):
        return SimpleNamespace(ids=text.split())


class FakeWhisper:
    hf_tokenizer = CountingTokenizer()

    def __init__(self):
        self.budgets = []

    def transcribe(self, audio, max_new_tokens=None, **options):
        self.budgets.append(max_new_tokens)
        return iter(()), SimpleNamespace(language="en")


def whisper(**options):
    transcriber = WhisperTranscriber(AsrOptions(**options), "unused")
    transcriber._model = FakeWhisper()
    return transcriber


def seconds(duration_s):
    return np.zeros(int(duration_s * SAMPLE_RATE_HZ), dtype=np.float32)


def test_short_clips_are_decoded_with_a_budget_and_long_ones_without():
    transcriber = whisper()
    for duration_s in (2.0, 9.0, 45.0):
        transcriber.transcribe(seconds(duration_s), "en")
    assert transcriber.model.budgets == [56, 196, None]


def test_the_prompt_s_tokens_leave_room_for_the_budget_or_it_is_not_used():
    words = " ".join(["word"] * 150)
    prompted = whisper(initial_prompt=(("*", words),))
    prompted.transcribe(seconds(9.0), "en")
    prompted.transcribe(seconds(9.0), "en", prompted=False)  # a customer's channel: no prompt
    both = whisper(initial_prompt=(("*", words),), hotwords=(("*", words),))
    both.transcribe(seconds(2.0), "en")
    both.transcribe(seconds(9.0), "en")  # 8 + 150 + 150 + 196 > 448
    assert prompted.model.budgets == [196, 196] and both.model.budgets == [56, None]


@pytest.mark.slow
def test_real_whisper_takes_the_budget_with_the_longest_prompts_and_still_hears_every_word(eval_data,
                                                                                           whisper_model_path):
    samples = decode_audio(eval_data / "joinly" / "OSR_us_000_0034_8k.wav").mono()[: int(5.5 * SAMPLE_RATE_HZ)]
    prompt = "Northwind Telecom, thank you for calling, how can I help you today? " * 30  # cut to 223 tokens
    hotwords = "Northwind Telecom, broadband, router, refund, " * 9
    transcriber = WhisperTranscriber(AsrOptions(initial_prompt=(("*", prompt),), hotwords=(("*", hotwords),)),
                                     whisper_model_path)
    room = MAX_LENGTH - transcriber.prompt_tokens(prompt, hotwords)
    assert room < token_budget(5.5)
    transcriber.transcribe(samples, "en")  # no budget: the prompts leave less room
    tight_s = (room - 1 - 16) / 20  # the longest clip whose budget still fits beside the prompts
    assert token_budget(tight_s, MAX_LENGTH - room) == room - 1
    transcriber.transcribe(samples[: int(tight_s * SAMPLE_RATE_HZ)], "en")  # faster-whisper raises past 448
    plain = WhisperTranscriber(AsrOptions(), whisper_model_path).transcribe(samples, "en")
    text = " ".join(seg.text for seg in plain.segments).lower()
    assert "gold ring" in text and "please most any girl" in text
