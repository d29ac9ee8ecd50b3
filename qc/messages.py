"""What qc tells a person about a call, as message ids with parameters, said in English or Chinese.

A :class:`Message` is made where something is found (a check's reason, the evidence of a
finding, why a call could not be processed, how the agent was told apart) and rendered once,
in the language of the call's rule pack, before it is stored: the stored reasons, evidence and
failure reasons are then already in the language the pages speak, beside the pack's own rule
titles. ``str(message)`` is the English, for the command line and logs.

Each layer keeps its own table of ``id: (English, Chinese)`` templates and makes messages
with the :func:`catalogue` over it (this module holds the ones made below the rules: failure
reasons, role notes, role words; ``qc.rules.messages`` those of the checks). Templates use
``str.format`` names and format specs (``{seconds:.1f}``); a parameter may be a message
(rendered in the same language), a :class:`Joined` list (phrases joined with 、 in Chinese and
", " in English; clauses with ； and "; ") or a plain value. Chinese templates give numbers
and units a space on each side, as the interface strings do (``静默 6.0 秒``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

LANGUAGES = ("en", "zh")
SEPARATORS = {"phrases": (", ", "、"), "clauses": ("; ", "；"), "or": (" or ", "或"), "none": ("", "")}
MORE = ("...", "…")  # after a list that was cut short


@dataclass(frozen=True)
class Message:
    """One thing to say: a template pair (English, Chinese) and its parameters. Hashable, so
    evidence made of messages can be compared and deduplicated like evidence made of text."""

    key: str
    texts: tuple[str, str]
    params: tuple[tuple[str, object], ...] = ()

    def __str__(self) -> str:
        return render(self, "en")


@dataclass(frozen=True)
class Joined:
    """Items said one after another; ``more``: some were left out (an ellipsis follows)."""

    items: tuple
    kind: str = "phrases"  # phrases | clauses | or | none (see SEPARATORS)
    more: bool = False


Text = Union[Message, Joined, str]


def catalogue(table: dict[str, tuple[str, str]]) -> Callable[..., Message]:
    """``say(id, **params)`` over one table; an unknown id is an error where the message is made."""

    def say(key: str, /, **params) -> Message:
        return Message(key, table[key], tuple(sorted((name, _frozen(value)) for name, value in params.items())))

    return say


def _frozen(value):
    return Joined(tuple(value)) if isinstance(value, (list, tuple)) else value


def text_language(language: str | None) -> str:
    """The catalogue column for a language code: English for en*, else Chinese (the packs are zh and
    en, and a call in another language is scored with the zh pack)."""
    return "en" if (language or "").lower().startswith("en") else "zh"


def render(text: Text, language: str | None) -> str:
    """A message (or a joined list, or plain text) as words in ``language``."""
    column = LANGUAGES.index(text_language(language))
    if isinstance(text, Message):
        values = {name: _rendered(value, language) for name, value in text.params}
        return text.texts[column].format(**values)
    if isinstance(text, Joined):
        said = SEPARATORS[text.kind][column].join(render(item, language) for item in text.items)
        return said + (MORE[column] if text.more else "")
    return str(text)


def _rendered(value, language):
    """A parameter ready for ``str.format``: words for messages and lists, numbers left as numbers."""
    return render(value, language) if isinstance(value, (Message, Joined)) else value


def joined(items, kind: str = "phrases", limit: int | None = None) -> Joined:
    """``items`` (at most ``limit`` of them) said as a list of ``kind``."""
    items = tuple(items)
    shown = items if limit is None else items[:limit]
    return Joined(shown, kind, len(shown) < len(items))


TEXTS = {
    # the parties
    "role.agent": ("agent", "坐席"),
    "role.customer": ("customer", "客户"),
    "role.unknown": ("speaker", "说话人"),
    "role.any": ("speaker", "说话人"),
    # why a call could not be processed
    "failure.no_file": ("{path}: no such file", "{path}：文件不存在"),
    "failure.empty_file": ("{path}: empty file (0 bytes)", "{path}：空文件（0 字节）"),
    "failure.not_audio": ("{path}: not a readable audio file ({detail})", "{path}：不是可读取的音频文件（{detail}）"),
    "failure.no_stream": ("no audio stream found", "未找到音频流"),
    "tool.invalid_data": ("invalid data found when processing input", "内容无法解析"),
    "tool.end_of_file": ("unexpected end of file", "文件意外结束"),
    "tool.permission_denied": ("permission denied", "没有读取权限"),
    "tool.no_decoder": ("no decoder for this format", "没有该格式的解码器"),
    "failure.truncated_wav": ("{path}: truncated or corrupt WAV: the header promises {promised} bytes of audio, "
                              "the file holds {available}",
                              "{path}：WAV 文件被截断或已损坏：文件头声明 {promised} 字节音频，实际只有 {available} 字节"),
    "failure.cannot_decode": ("{path}: cannot decode {codec} audio ({detail})", "{path}：无法解码 {codec} 音频（{detail}）"),
    "failure.no_samples": ("{path}: no audio samples (decoded {seconds:.2f} s)",
                           "{path}：没有音频采样（只解码出 {seconds:.2f} 秒）"),
    "failure.no_speech": ("no speech heard in the recording (silent or noise only): nothing to score",
                          "录音中没有听到说话（静音或只有噪声）：没有可评分的内容"),
    "failure.other_language": ("the call sounds like {heard} (probability {p}), not {given} as given: run it with "
                               "{option} {given},{heard} (each call's language detected) or correct the manifest's "
                               "{column} column",
                               "通话听起来是 {heard}（概率 {p}），不是指定的 {given}：请用 {option} {given},{heard}"
                               "（逐通识别语言）重新运行，或更正清单中的 {column} 列"),
    "failure.abandoned": ("qc ended while analysing this call (killed, crashed or out of memory)",
                          "分析本通话时程序意外结束（被终止、崩溃或内存不足）"),
    "failure.internal": ("internal error: {detail}", "内部错误：{detail}"),
    "failure.no_messages": ("no messages in the conversation: nothing to score", "会话中没有消息：没有可评分的内容"),
    # why a chat conversation could not be read (qc.sources.chat_log); a place is file:line or file[item]
    "chat.not_a_log": ("{path}: not a chat log (expected {expected})", "{path}：不是聊天记录（应为 {expected}）"),
    "chat.problems": ("{first}; and {n} more problem(s)", "{first}；另有 {n} 处问题"),
    "chat.not_json": ("{place}: not a {what} object", "{place}：不是 {what} 对象"),
    "chat.no_conversation": ("{place}: no conversation id", "{place}：缺少会话编号"),
    "chat.missing": ("{place}: {fields} missing", "{place}：缺少 {fields}"),
    "chat.role": ("{place}: unknown role '{role}'; expected {roles}", "{place}：未知角色“{role}”，应为 {roles}（坐席、客户或机器人）"),
    "chat.time": ("{place}: '{value}' is not a time (expected e.g. {example}, Unix time or seconds from the start)",
                  "{place}：“{value}”不是时间（应如 {example}、时间戳或距会话开始的秒数）"),
    "chat.zendesk_entry": ("{place}: a message of its {history} without a time or a known sender ({nick})",
                           "{place}：{history} 中有消息缺少时间或发送方无法识别（{nick}）"),
    "chat.mixed_times": ("{file}: conversation {id} mixes kinds of time (dates with and without a time zone, "
                         "dates and seconds)", "{file}：会话 {id} 混用了不同类型的时间（带与不带时区的日期、日期与秒数）"),
    "chat.not_found": ("{file}: no conversation {id} (the log changed since the batch was planned?)",
                       "{file}：找不到会话 {id}（计划批次后记录被修改？）"),
    "roles.chat": ("roles as the chat log gives them", "角色取自聊天记录"),
    # how the agent was told apart (said in the call's language: the analysis knows no pack)
    "roles.diarization_off": ("mono call, diarization off", "单声道通话，未区分说话人"),
    "roles.extra_channels": ("{reason}; {n} channels in the file, only the first two were analysed",
                             "{reason}；文件有 {n} 个声道，只分析了前两个"),
    "roles.nobody": ("nobody spoke", "没有人说话"),
    "roles.one_speaker": ("only one speaker heard; taken as the agent ({evidence})", "只听到一个说话人，视为坐席（{evidence}）"),
    "roles.decided": ("agent = {agent} (evidence {evidence}; {first})", "坐席 = {agent}（依据：{evidence}；{first}）"),
    "roles.points": ("{speaker} {points:+.1f}", "{speaker} {points:+.1f}"),
    "roles.points_found": ("{speaker} {points:+.1f} ({found})", "{speaker} {points:+.1f}（{found}）"),
    "roles.cue_count": ("{cue} {n}", "{cue} {n}"),
    "roles.first": ("{speaker} spoke first, {direction}", "{speaker}先说话，{direction}"),
    "roles.first_pickup": ("{speaker} spoke first ({words}), {direction}", "{speaker}先说话（{words}），{direction}"),
    "roles.given": ("one party per channel, agent on the {side} as given", "每方一个声道，按设定坐席在{side}声道"),
    "roles.contradicted": ("the layout puts the agent on the {side} channel, but the {other} channel says the agent's "
                           "lines ({reason})", "布局设定坐席在{side}声道，但{other}声道说的是坐席的话（{reason}）"),
    "roles.found_other": ("agent found on the {other} channel, not the usual {side} ({reason})",
                          "坐席在{other}声道，而不是通常的{side}声道（{reason}）"),
    "roles.assumed": ("agent assumed on the {side} channel ({reason})", "假定坐席在{side}声道（{reason}）"),
    "side.left": ("left", "左"),
    "side.right": ("right", "右"),
    "speaker.left": ("left", "左声道"),
    "speaker.right": ("right", "右声道"),
    "direction.inbound": ("inbound", "呼入"),
    "direction.outbound": ("outbound", "呼出"),
    "direction.unknown": ("direction unknown", "呼叫方向未知"),
    # the classes of evidence of qc.analysis.role_cues, by their names there
    "cue.script": ("script", "话术"),
    "cue.service": ("service", "服务用语"),
    "cue.asks identity": ("asks identity", "询问身份信息"),
    "cue.states account": ("states account", "说明账户情况"),
    "cue.describes problem": ("describes problem", "描述问题"),
    "cue.addresses company": ("addresses company", "称公司为“你们”"),
    "cue.turns down": ("turns down", "拒绝来电"),
    "cue.gives identity": ("gives identity", "提供本人信息"),
    "cue.site phrase": ("site phrase", "本站话术"),
    "cue.own name": ("own name or number", "报本人姓名或工号"),
}
say = catalogue(TEXTS)


def role(name: str) -> Message:
    """A party's name: agent, customer, speaker (a voice whose role is unknown)."""
    return say(f"role.{name}")
