"""What the checks and the engine say about a call: reasons, evidence and where a missing item
was looked for, as ids with parameters in English and Chinese (:mod:`qc.messages`).

Checks make messages and never choose a language; the engine renders a rule's verdict in the
language of the pack that scores the call. Keep the numbers, phrases and thresholds a reason
carries in both languages: a reviewer reads the reason to judge the finding.
"""

from __future__ import annotations

from typing import Optional

from ..messages import Message, catalogue, role

TEXTS = {
    # the engine
    "does_not_apply": ("does not apply: {reason}", "不适用：{reason}"),
    "not": ("not ({reason})", "并非（{reason}）"),
    "no_value": ("no value for {names} on this call (site file or manifest)",
                 "本通话没有 {names} 的取值（站点文件或清单）"),
    "roles_unknown": ("speaker roles unknown, cannot tell {what}", "说话人角色未知，无法判断{what}"),
    "needs_audio": ("a chat has no sound: {check} is judged on recordings only", "在线会话没有声音：{check} 只用于录音"),
    "looked_for": ("looked for {sought} in {where}", "在{where}中未找到：{sought}"),
    "where": ("{who}{qualifiers}", "{qualifiers}{who}"),
    "where.call": ("the whole call", "整通电话"),
    "where.role": ("what the {role} said", "{role}的话"),
    "where.first_s": (" in the first {s:g} s", "开场 {s:g} 秒内"),
    "where.last_s": (" in the last {s:g} s", "最后 {s:g} 秒内"),
    "where.first_sentences": (" (first {n} sentence(s))", "前 {n} 句"),
    "where.last_sentences": (" (last {n} sentence(s))", "最后 {n} 句"),
    "where.first_turns": (" (first {n} turn(s))", "前 {n} 个话轮"),
    "where.last_turns": (" (last {n} turn(s))", "最后 {n} 个话轮"),
    "where.anchor": (" {within}{relation} {first}«{to}»", "{first}「{to}」{relation}{within}"),
    "where.within_s": ("within {n:g} s ", " {n:g} 秒内"),
    "where.within_sentences": ("within {n} sentence(s) ", " {n} 句内"),
    "where.within_turns": ("within {n} turn(s) ", " {n} 个话轮内"),
    "where.first_hit": ("the first ", "首次"),
    "relation.after": ("after", "之后"),
    "relation.before": ("before", "之前"),
    "relation.around": ("around", "前后"),
    # what the checks share
    "who.any": ("all speakers", "所有说话人"),
    "who.role": ("the {role}", "{role}"),
    "what.said": ("what the {role} said", "{role}说了什么"),
    "what.sentences": ("which sentences are the {role}'s", "哪些句子是{role}说的"),
    "quote": ("{role} «{text}»", "{role}「{text}」"),
    "no_text": ("(no text)", "（无文字）"),
    "no_sentence_in_scope": ("no sentence in scope", "范围内没有句子"),
    "bounds.between": ("allowed {low}-{high}", "允许 {low}–{high}"),
    "bounds.min": ("at least {low}", "至少 {low}"),
    "bounds.max": ("at most {high}", "至多 {high}"),
    "unit.s": ("{value:g} s", "{value:g} 秒"),
    "unit.pct": ("{value:.0%}", "{value:.0%}"),
    "unit.n": ("{value:g}", "{value:g}"),
    # keyword
    "keyword.said": ("said {phrases}", "说了：{phrases}"),
    "keyword.said_all": ("said all of {phrases}", "全部说到：{phrases}"),
    "keyword.said_none": ("said none of {phrases}", "没有说：{phrases}"),
    "keyword.not_said": ("did not say {phrases}", "没有说：{phrases}"),
    "keyword.not_together": ("did not say {phrases} in one sentence", "没有在同一句中说：{phrases}"),
    "keyword.said_only": ("said only {phrases} ({n} phrase(s) in {hits} sentence(s); needs {at_least} in {min_hits})",
                          "只说了：{phrases}（{n} 个短语，{hits} 句；要求 {at_least} 个短语，{min_hits} 句）"),
    # regex
    "regex.match": ("{n} sentence(s) match /{pattern}/", "{n} 句匹配 /{pattern}/"),
    "regex.too_few": ("{n} sentence(s) match /{pattern}/, {min_hits} needed", "{n} 句匹配 /{pattern}/，要求 {min_hits} 句"),
    "regex.sought": ("a sentence matching /{pattern}/", "匹配 /{pattern}/ 的句子"),
    "unlisted.match": ("{n} sentence(s) hold {min} or more words in a row no list knows: {words}",
                       "{n} 句含连续 {min} 个以上未列出的词：{words}"),
    "unlisted.too_few": ("{n} sentence(s) hold {min} or more words in a row no list knows, {min_hits} needed",
                         "{n} 句含连续 {min} 个以上未列出的词，要求 {min_hits} 句"),
    "unlisted.sought": ("a sentence with {min} or more words in a row no list knows", "含连续 {min} 个以上未列出的词的句子"),
    # silence
    "silence.found": ("{n} silence(s) longer than {limit:g} s, longest {longest:.1f} s{note}",
                      "{n} 次静默超过 {limit:g} 秒，最长 {longest:.1f} 秒{note}"),
    "silence.none": ("no silence longer than {limit:g} s{note}", "没有超过 {limit:g} 秒的静默{note}"),
    "silence.none_unannounced": ("no unannounced silence longer than {limit:g} s{note}",
                                 "没有超过 {limit:g} 秒且未告知的静默{note}"),
    "silence.share": ("silence was {share:.0%} of the call ({silent:.1f} of {duration:.1f} s in gaps longer than "
                      "{limit:g} s{note}; limit {max_share:.0%})",
                      "静默占通话的 {share:.0%}（{duration:.1f} 秒中有 {silent:.1f} 秒是超过 {limit:g} 秒的静默{note}；"
                      "上限 {max_share:.0%}）"),
    "silence.excused": (" ({n} announced hold(s) excused)", "（{n} 次已告知的等待不计）"),
    "silence.gap": ("{seconds:.1f} s without speech after: {before}", "{seconds:.1f} 秒无人说话，之前：{before}"),
    "silence.call_start": ("(start of call)", "（通话开始）"),
    # overtalk
    "overtalk.evidence": ("{party} starts {into:.1f} s into the {other}'s turn, {together:.1f} s together: {said}",
                          "{party}在{other}说话 {into:.1f} 秒时插话，重叠 {together:.1f} 秒：{said}"),
    "overtalk.none": ("no interruption by {whom} (overlap > {overlap:g} s, starting >= {delay} ms into the other's turn)",
                      "{whom}没有打断对方（重叠超过 {overlap:g} 秒，且在对方开口 {delay} 毫秒后开始）"),
    "overtalk.either": ("either party", "双方"),
    "overtalk.count": ("the {party} talked over the {other} {n} time(s)", "{party}打断{other} {n} 次"),
    "overtalk.found": ("{counts} ({total:.1f} s in all, longest {longest:.1f} s{needed})",
                       "{counts}（共 {total:.1f} 秒，最长 {longest:.1f} 秒{needed}）"),
    "overtalk.limit": ("; limit {limit:g} s in all", "；上限共 {limit:g} 秒"),
    "overtalk.share": ("; {share:.0%} of the call, limit {limit:.0%}", "；占通话的 {share:.0%}，上限 {limit:.0%}"),
    "overtalk.needed": ("; {n} needed", "；要求 {n} 次"),
    "what.overtalk": ("who talks over whom", "谁打断了谁"),
    # response latency
    "latency.unanswered": ("no {other} turn answered by the {role}", "{role}没有应答过{other}的话轮"),
    "latency.measured": ("{n} answer(s), median {median:.1f} s, longest {longest:.1f} s",
                         "应答 {n} 次，中位数 {median:.1f} 秒，最长 {longest:.1f} 秒"),
    "latency.evidence": ("{seconds:.1f} s before the {role} answered {said}", "{role}过了 {seconds:.1f} 秒才应答{said}"),
    "latency.slow": ("the {role} took longer than {limit:g} s to answer {n} time(s) ({measured})",
                     "{role}有 {n} 次超过 {limit:g} 秒才应答（{measured}）"),
    "latency.too_few": ("the {role} took longer than {limit:g} s to answer {n} time(s), {min_count} needed ({measured})",
                        "{role}有 {n} 次超过 {limit:g} 秒才应答，要求 {min_count} 次（{measured}）"),
    "latency.fast": ("the {role} answered within {limit:g} s every time ({measured})",
                     "{role}每次都在 {limit:g} 秒内应答（{measured}）"),
    "what.answers": ("how fast the {role} answers", "{role}的应答速度"),
    "latency.measured_chat": ("{n} answer(s), the first after {first:.0f} s, the longest wait {longest:.0f} s",
                              "应答 {n} 次，首次响应 {first:.0f} 秒，最长等待 {longest:.0f} 秒"),
    "latency.first_slow": ("the {role}'s first answer took {seconds:.0f} s, more than {limit:g} s ({measured})",
                           "{role}首次响应用了 {seconds:.0f} 秒，超过 {limit:g} 秒（{measured}）"),
    "latency.chat_evidence": ("{seconds:.0f} s of waiting before the {role} answered {said}",
                              "等了 {seconds:.0f} 秒{role}才回复{said}"),
    # talk ratio, speech rate, sentence count, duration
    "talk.no_speech": ("no speech to measure", "没有可测量的语音"),
    "talk.share": ("the {role} spoke {share:.0%} of the speech time ({own:.1f} of {total:.1f} s; {bounds})",
                   "{role}说话时间占 {share:.0%}（{total:.1f} 秒中的 {own:.1f} 秒；{bounds}）"),
    "talk.evidence": ("{role} {share:.0%} of {total:.1f} s of speech", "{role}占 {total:.1f} 秒语音的 {share:.0%}"),
    "what.talk": ("how much the {role} spoke", "{role}说话多少"),
    "rate.chars": ("characters/min", "字/分钟"),
    "rate.words": ("words/min", "词/分钟"),
    "rate.no_speech": ("no speech of {who} to measure", "{who}没有可测量的语音"),
    "rate.call": ("speech rate of {who}: {rate:.0f} {unit} over {seconds:.1f} s of speech ({allowed})",
                  "{who}语速 {rate:.0f} {unit}（{seconds:.1f} 秒语音；{allowed}）"),
    "rate.evidence": ("{rate:.0f} {unit}: {text}", "{rate:.0f} {unit}：{text}"),
    "rate.sentences": ("{off} of {n} sentence(s) of {who} out of range ({allowed}); rates {low:.0f}-{high:.0f} {unit}",
                       "{who} {n} 句中有 {off} 句超出范围（{allowed}）；语速 {low:.0f}–{high:.0f} {unit}"),
    "count.sentences": ("{count} sentence(s) of {who} ({bounds})", "{who}共 {count} 句（{bounds}）"),
    "count.evidence": ("{count} sentence(s) of {who}, first: {text}", "{who}共 {count} 句，第一句：{text}"),
    "count.none": ("no sentence of {who} in the call", "通话中{who}没有说话"),
    "duration.lasts": ("the call lasts {seconds:.1f} s ({bounds})", "通话时长 {seconds:.1f} 秒（{bounds}）"),
    "duration.evidence": ("call of {seconds:.1f} s", "通话 {seconds:.1f} 秒"),
    # hangup
    "hangup.no_sentence": ("no sentence in the call", "通话中没有句子"),
    "hangup.cut": ("the recording ends {tail:.1f} s after the last sentence, mid-sentence",
                   "录音在最后一句后 {tail:.1f} 秒结束，话没说完就断了"),
    "hangup.tail": ("the recording ends {tail:.1f} s after the last sentence", "录音在最后一句后 {tail:.1f} 秒结束"),
    "hangup.roles_unknown": ("roles unknown, so who spoke last is not judged", "角色未知，不判断谁最后说话"),
    "hangup.chat_not_cut": ("a chat ends on its last message, never mid-sentence", "在线会话以最后一条消息结束，不存在说到一半被切断"),
    "hangup.normal": ("normal ending: {notes}", "正常结束：{notes}"),
    "hangup.customer_silent": ("the customer never spoke", "客户没有说话"),
    "hangup.agent_after": ("the agent spoke after the customer", "坐席在客户之后还说了话"),
    "hangup.unanswered": ("the customer's last question is never answered", "客户最后的问题没有得到回答"),
    "hangup.ends_after": ("the call ends {gap:.1f} s after the customer's last words",
                          "通话在客户最后一句话后 {gap:.1f} 秒结束"),
    "what.last_speaker": ("who spoke last", "谁最后说话"),
    # repetition
    "repetition.none": ("no {role} sentence said {min_count} times (at most {most})",
                        "{role}没有哪句话说了 {min_count} 次（最多 {most} 次）"),
    "repetition.found": ("{role} said «{text}» {n} times", "{role}把「{text}」说了 {n} 次"),
    # loudness
    "loudness.no_acoustics": ("acoustics unavailable for the {n} sentence(s) in scope", "范围内 {n} 句没有声学测量"),
    "loudness.ignored": ("; {n} sentence(s) without acoustics ignored", "；{n} 句没有声学测量，未计入"),
    "loudness.evidence": ("{db:.1f} dBFS, {rise:+.1f} dB against the speaker's usual {usual:.1f}{pitch}: {text}",
                          "{db:.1f} dBFS，比该说话人平时的 {usual:.1f} 高 {rise:+.1f} dB{pitch}：{text}"),
    "loudness.found": ("{n} sentence(s) {limits}{note}", "{n} 句{limits}{note}"),
    "loudness.too_few": ("{n} sentence(s) {limits}, needs {min_hits} (loudest {loudest:.1f} dBFS, largest rise "
                         "{rise:+.1f} dB){note}",
                         "{n} 句{limits}，要求 {min_hits} 句（最响 {loudest:.1f} dBFS，最大升幅 {rise:+.1f} dB）{note}"),
    "loudness.none": ("no sentence(s) {limits} (loudest {loudest:.1f} dBFS, largest rise {rise:+.1f} dB){note}",
                      "没有句子{limits}（最响 {loudest:.1f} dBFS，最大升幅 {rise:+.1f} dB）{note}"),
    "loudness.max_db": ("louder than {db:g} dBFS", "响度超过 {db:g} dBFS"),
    "loudness.max_jump": ("more than {db:g} dB above the speaker's usual level", "比该说话人平时高出 {db:g} dB 以上"),
    "loudness.pitch_not_lower": (" with a pitch no lower than usual", "且音高不低于平时"),
    "loudness.pitch_rise": (" with a pitch {st:g} semitones or more above usual", "且音高比平时高 {st:g} 个半音以上"),
    "loudness.pitch_not_below": (" with a pitch no more than {st:g} semitones below usual", "且音高不比平时低 {st:g} 个半音以上"),
    "loudness.min_duration": (" (sentences under {s:g} s not judged)", "（短于 {s:g} 秒的句子不计）"),
    "loudness.evidence_pitch": (", pitch {st:+.1f} semitones", "，音高 {st:+.1f} 个半音"),
    # metadata
    "metadata.is": ("{key} is {value}", "{key}为 {value}"),
    "metadata.not": ("{key} is {value}, not {allowed}", "{key}为 {value}，不是 {allowed}"),
    "metadata.unset": ("(unset)", "（未设置）"),
    "metadata.duration": ("duration {seconds:.1f} s", "时长 {seconds:.1f} 秒"),
    "metadata.duration_not": ("duration {seconds:.1f} s, not {bounds}", "时长 {seconds:.1f} 秒，不符合（{bounds}）"),
    "metadata.known": ("known: {names}", "已配置：{names}"),
    "field.team": ("team", "团队"),
    "field.agent_id": ("agent_id", "坐席工号"),
    "field.agent_name": ("agent_name", "坐席姓名"),
    "field.direction": ("direction", "呼叫方向"),
    "field.language": ("language", "语言"),
    "field.source": ("source", "来源"),
    # similarity
    "similarity.pair": ('"{clause}" ~ "{example}" {score:.3f}', "“{clause}” ~ “{example}” {score:.3f}"),
    "similarity.pair_negative": ('"{clause}" ~ "{example}" {score:.3f} (negative "{negative}" {against:.3f})',
                                "“{clause}” ~ “{example}” {score:.3f}（反例“{negative}” {against:.3f}）"),
    "similarity.rule": ("threshold {threshold:g}", "阈值 {threshold:g}"),
    "similarity.rule_margin": ("threshold {threshold:g}, margin {margin:g}", "阈值 {threshold:g}，间隔 {margin:g}"),
    "similarity.found": ("{n} sentence(s) like the examples ({rule}): {shown}", "{n} 句与示例相似（{rule}）：{shown}"),
    "similarity.no_scope": ("no sentence in scope to compare with the examples", "范围内没有可与示例比较的句子"),
    "similarity.only": ("only {n} sentence(s) like the examples, needs {min_hits}", "只有 {n} 句与示例相似，要求 {min_hits} 句"),
    "similarity.none": ("no sentence like the examples", "没有与示例相似的句子"),
    "similarity.missed": ("{found} ({rule}); closest: {closest}", "{found}（{rule}）；最接近：{closest}"),
    # emotion
    "emotion.negative": ("negative", "负面"),
    "emotion.angry": ("angry", "愤怒"),
    "emotion.neutral": ("neutral", "中性"),
    "emotion.negative_or_angry": ("negative or angry", "负面或愤怒"),
    "emotion.evidence": ("{label} {score:+.2f} (words {words:+.2f}{voice}): {text}",
                         "{label} {score:+.2f}（文字 {words:+.2f}{voice}）：{text}"),
    "emotion.voice": (", voice {cues}", "，声音 {cues}"),
    "emotion.loud": ("{value:+.1f} dB", "响度 {value:+.1f} dB"),
    "emotion.pitch": ("pitch {value:+.1f} st", "音高 {value:+.1f} 半音"),
    "emotion.range": ("range {value:+.1f} st", "音域 {value:+.1f} 半音"),
    "emotion.rate": ("{value:+.0f}% faster", "语速 {value:+.0f}%"),
    "emotion.said_nothing": ("{who} said nothing", "{who}没有说话"),
    "emotion.ended": ("{who} ended {label} (mean score {score:+.2f} over the last {n} turn(s))",
                      "{who}结束时情绪{label}（最后 {n} 个话轮平均 {score:+.2f}）"),
    "emotion.ended_calm": ("{who} ended calm in words and voice after a mean score of {score:+.2f} over the last {n} "
                           "turn(s)", "{who}最后一个话轮用词与语气都平静（此前最后 {n} 个话轮平均 {score:+.2f}）"),
    "emotion.few_turns": ("{who} spoke {n} turn(s), too few to see a change", "{who}只说了 {n} 个话轮，不足以判断变化"),
    "emotion.worsened": ("the mean score of {who} went from {before:+.2f} in the first third of turns to {after:+.2f} "
                         "in the last (limit: a drop of {drop:g})",
                         "{who}的平均分从前三分之一话轮的 {before:+.2f} 变为最后三分之一的 {after:+.2f}（界限：下降 {drop:g}）"),
    "emotion.found": ("{n} {wanted} sentence(s) of {who}", "{who}有 {n} 句{wanted}"),
    "emotion.none": ("no {wanted} sentence of {who} (lowest score {lowest:+.2f})",
                     "{who}没有{wanted}的句子（最低分 {lowest:+.2f}）"),
    "emotion.chat_not_angry": ("anger is told by the voice, and a chat has none", "愤怒要听声音判断，在线会话没有声音"),
    "what.felt": ("how the {role} felt", "{role}的情绪"),
}
say = catalogue(TEXTS)


def who(name: str) -> Message:
    """A role as the subject of a reason: all speakers, the agent, the customer."""
    return say("who.any") if name == "any" else say("who.role", role=role(name))


def quantity(value: float, unit: Optional[str] = None) -> Message:
    """A number with its unit: ``s`` (seconds), ``%`` (a share) or none."""
    return say({"s": "unit.s", "%": "unit.pct"}.get(unit or "", "unit.n"), value=value)
