"""A call's transcript as subtitles and plain text (pure: a published call document in, text out).

Every sentence becomes one cue, labelled with its speaker in the call's language: 坐席/客户 on
Chinese calls, Agent/Customer otherwise; speakers whose role is unknown (a mono call that was
not diarized) are 说话人 1, 说话人 2 / Speaker 1, Speaker 2 in order of first appearance. The
text is the document's, so a redacted call's subtitles are masked like its JSON.

``srt``::

    1
    00:00:00,500 --> 00:00:01,500
    坐席：您好，星河通信客服

``vtt`` (the label in a voice span too)::

    WEBVTT

    00:00:00.500 --> 00:00:01.500
    <v 坐席>坐席：您好，星河通信客服</v>

``txt``::

    [00:00:00] 坐席：您好，星河通信客服

Cues keep the recognizer's times (both parties may speak at once: cues then overlap, which
players show together). Times are rounded to the millisecond (``01:02:05,457``).
"""

from __future__ import annotations

import re
from typing import Optional

from .i18n import interface_language, translator


def clock(seconds: float, decimal: str = ".") -> str:
    """``HH:MM:SS.mmm`` (``,`` before the milliseconds for SRT), rounded to the millisecond."""
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{ms:03d}"


def cues(doc: dict) -> list[tuple[float, float, str, str]]:
    """(start_s, end_s, speaker label, text) of every sentence, in time order; the text on one line."""
    language = interface_language("auto", [doc.get("language")])
    t = translator(language)
    labels: dict[str, str] = {}
    out = []
    for seg in sorted(doc["segments"], key=lambda s: (s["start_s"], s["end_s"])):
        text = re.sub(r"\s+", " ", seg["text"]).strip()
        if not text:
            continue
        if seg["role"] in ("agent", "customer"):
            label = t(f"role_{seg['role']}")
        else:
            label = labels.setdefault(seg["speaker"], f"{t('role_unknown')} {len(labels) + 1}")
        out.append((seg["start_s"], max(seg["end_s"], seg["start_s"]), label, text))
    return out


def _separator(doc: dict) -> str:
    return "：" if interface_language("auto", [doc.get("language")]) == "zh" else ": "


def srt(doc: dict) -> Optional[str]:
    """SubRip text, or None when the call has no sentence (an empty SRT file is not a subtitle file)."""
    sep = _separator(doc)
    blocks = [f"{i}\n{clock(start, ',')} --> {clock(end, ',')}\n{label}{sep}{text.replace('-->', '->')}\n"
              for i, (start, end, label, text) in enumerate(cues(doc), 1)]
    return "\n".join(blocks) if blocks else None


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt(doc: dict) -> Optional[str]:
    """WebVTT with each cue in a voice span (``<v 坐席>``) and the label shown too (browsers do not
    show voice names); None when the call has no sentence."""
    sep = _separator(doc)
    blocks = [f"{clock(start)} --> {clock(end)}\n<v {label}>{label}{sep}{_vtt_escape(text)}</v>\n"
              for start, end, label, text in cues(doc)]
    return "WEBVTT\n\n" + "\n".join(blocks) if blocks else None


def txt(doc: dict) -> Optional[str]:
    """One line per sentence: ``[HH:MM:SS] speaker：text``; None when the call has no sentence."""
    sep = _separator(doc)
    lines = [f"[{clock(start)[:8]}] {label}{sep}{text}\n" for start, _, label, text in cues(doc)]
    return "".join(lines) if lines else None
