"""Analysis stages: from samples to a speaker-attributed timeline.

Adapters around models (``asr`` for faster-whisper, ``vad`` for Silero, ``diarize`` with
``pyannote_models`` and ``campplus`` for pyannote.audio, ``devices`` and ``gpu`` for where they run)
and pure stages (``audio`` decoding, ``guard`` against hallucinations, ``timeline``,
``speakers``, ``roles``, ``acoustics``). torch, faster-whisper and pyannote are imported
only inside the adapters, when a call needs them. The order the stages run in is written
once, in :mod:`qc.sources.audio`.
"""
