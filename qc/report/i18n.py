"""Interface strings of the scorecard pages, in English and Chinese.

The pages speak the language of the rule pack (Chinese for zh packs, English for en), which
is the language of the calls it scored; ``--ui-language`` overrides it. Rule titles come
from the pack; reasons, evidence, failure reasons and role notes were said in the pack's
language when they were stored (:mod:`qc.messages`) and are shown as they are.
Placeholders use ``str.format`` names: ``t("n_calls", n=3)``. The review's and the login's
strings are in :mod:`review_strings`.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable

from .review_strings import REVIEW_STRINGS

LANGUAGES = ("en", "zh")

STRINGS: dict[str, tuple[str, str]] = {  # key: (English, Chinese)
    # navigation and headings
    "app": ("Quality inspection", "智能质检"),
    "team_overview": ("Team overview", "团队总览"),
    "all_agents": ("All agents", "全部坐席"),
    "scorecard": ("Scorecard", "质检成绩单"),
    "call": ("Call", "通话"),
    "period": ("Period", "时间范围"),
    "all_time": ("all stored calls", "全部已存通话"),
    "from": ("from", "自"),
    "until": ("until", "至"),
    "filtered_team": ("team", "团队"),
    "filtered_agent": ("agent", "坐席"),
    "generated": ("generated", "生成于"),
    "hours": ("{n} h", "{n} 小时"),
    "minutes": ("{n} min", "{n} 分钟"),
    "seconds": ("{n} s", "{n} 秒"),
    "unit_s": ("s", "秒"),
    # overview
    "batch_summary": ("Batch summary", "批次概况"),
    "calls_in_report": ("calls in this report", "本报告通话数"),
    "scored": ("scored", "已评分"),
    "not_processed": ("not processed", "未能处理"),
    "audio_length": ("of audio", "录音时长"),
    "processing_time": ("processing time", "处理耗时"),
    "this_run": ("this run", "本次运行"),
    "run_line": ("{processed} processed, {skipped} already done, {failed} failed, {audio_min} min of audio in "
                 "{wall_min} min", "处理 {processed} 通，跳过已完成 {skipped} 通，失败 {failed} 通；"
                 "{audio_min} 分钟录音，用时 {wall_min} 分钟"),
    "rule_packs": ("rule packs", "规则包"),
    "rule_set": ("Rule set", "规则集"),
    "rule_set_version": ("rule set version: changes whenever a rule or a score of the set changes",
                         "规则集版本：规则或计分方式变化时随之变化"),
    "n_calls": ("{n} calls", "{n} 通"),
    "mixed_packs": ("Scores of this team come from {n} rule sets and do not compare as one:",
                    "本团队的分数来自 {n} 个规则集，不能直接比较："),
    "sections": ("Sections", "评分分项"),
    "section": ("Section", "分项"),
    "weight": ("Weight", "权重"),
    "bonus": ("+{points} points", "加 {points} 分"),
    "calibration": ("Calibration: qc against human reviewers", "校准：机器与人工质检对比"),
    "calibration_intro": ("Per rule, over the calls both qc and a human judged: how often they agree, how often a "
                          "qc fail is a human fail (precision) and how many human fails qc catches (recall), and "
                          "Cohen's kappa, agreement beyond chance over pass, fail and na. Rules with kappa below "
                          "{min_kappa} are marked: check them before trusting their scores.",
                          "按规则统计机器与人工都评过的通话：一致率、机器判不合格中人工也判不合格的比例（精确率）、"
                          "人工判不合格中机器判出的比例（召回率），以及 Cohen's kappa（扣除偶然一致后的一致程度，"
                          "按合格、不合格、不适用计算）。kappa 低于 {min_kappa} 的规则已标出，采信其分数前请先核查。"),
    "human_read": ("{n} human verdicts read ({sources})", "读取人工结论 {n} 条（{sources}）"),
    "human_skipped": ("{n} left out: {reason}", "{n} 条未计入：{reason}"),
    "no_human_verdicts": ("No human verdict matches a scored call of this period.",
                          "该时间范围内没有与已评分通话对应的人工结论。"),
    "human_checked": ("Human-checked calls", "人工复核通话"),
    "agreement": ("Agreement", "一致率"),
    "precision_fail": ("Precision of fail", "不合格精确率"),
    "recall_fail": ("Recall of fail", "不合格召回率"),
    "kappa": ("Kappa", "Kappa"),
    "below_threshold": ("below {min_kappa}", "低于 {min_kappa}"),
    "n_disagreements": ("{n} disagreeing calls", "{n} 通不一致"),
    "confusion_cell": ("qc {machine} / human {human}: {n}", "机器 {machine} / 人工 {human}：{n}"),
    "calibration_legend": ("– : undefined (qc or the human failed no call; for kappa, both gave one status only).",
                           "–：无法计算（机器或人工没有判不合格的通话；kappa：双方都只给出同一种结论）。"),
    "qc_verdict": ("qc", "机器"),
    "st_pass": ("pass", "合格"),
    "st_fail": ("fail", "不合格"),
    "st_na": ("n/a", "不适用"),
    "skipped_unknown_call": ("call not among the stored calls of the period", "通话不在该时间范围的已存通话中"),
    "skipped_ambiguous_call": ("call id shared by several calls (add a call_uid column)",
                               "通话编号对应多通通话（请加 call_uid 列）"),
    "skipped_not_scored": ("call not scored", "通话未评分"),
    "skipped_unknown_rule": ("rule not in the call's rule set", "该通话的规则集中没有此规则"),
    "human_verdict": ("Human", "人工"),
    "agents_ranked": ("Agents ranked by mean score", "坐席排名（按平均分）"),
    "team": ("Team", "团队"),
    "no_team": ("(no team)", "（未分组）"),
    "agent": ("Agent", "坐席"),
    "calls": ("Calls", "通话数"),
    "mean_score": ("Mean score", "平均分"),
    "pass_rate": ("Pass rate", "合格率"),
    "fatal": ("Fatal", "致命项"),
    "fatal_failures": ("Fatal failures", "致命项不合格"),
    "most_failed": ("Most failed", "最常失分项"),
    "most_failed_rules": ("Most failed rules", "最常失分的规则"),
    "rule": ("Rule", "规则"),
    "failed_in": ("Failed in", "不合格通话"),
    "fail_rate": ("Fail rate", "不合格率"),
    "score_trend": ("Score trend by day", "每日平均分趋势"),
    "failed_calls": ("Calls that could not be processed", "未能处理的通话"),
    "file": ("File", "文件"),
    "reason": ("Reason", "原因"),
    "no_calls": ("No calls in this period.", "该时间范围内没有通话。"),
    "filter_agents": ("Filter agents…", "筛选坐席…"),
    # agent page
    "vs_team": ("team {value}", "团队 {value}"),
    "score_distribution": ("Score distribution", "分数分布"),
    "trend_over_period": ("Score trend over the period", "期间分数趋势"),
    "agent_series": ("agent", "坐席"),
    "team_series": ("team", "团队"),
    "rules_by_category": ("Rule results by category", "分类规则结果"),
    "fails_of": ("{failed} of {checked}", "{checked} 通中 {failed} 通"),
    "team_rate": ("team {rate} %", "团队 {rate} %"),
    "emotion_summary": ("Emotion", "情绪"),
    "no_emotion_rules": ("The rule pack has no emotion rules (customer emotion at the end, agent raised voice).",
                         "规则包中没有情绪类规则（客户结束时情绪、坐席提高音量）。"),
    "conversation": ("Conversation habits against team norms", "沟通习惯与团队常模对比"),
    "measure": ("Measure", "指标"),
    "this_agent": ("This agent", "本坐席"),
    "team_norm": ("Team norm", "团队常模"),
    "talk_ratio": ("Agent talk share", "坐席说话占比"),
    "silence_share": ("Silence in the call", "通话静默占比"),
    "longest_silence": ("Longest silence (mean per call)", "最长静默（每通平均）"),
    "interruptions": ("Interruptions by the agent (per call)", "坐席抢话次数（每通）"),
    "speech_rate": ("Speech rate", "语速"),
    "chars_per_min": ("characters/min", "字/分钟"),
    "words_per_min": ("words/min", "词/分钟"),
    "coaching": ("Coaching points", "辅导要点"),
    "no_coaching": ("No rule failed often enough to coach on.", "没有需要重点辅导的失分项。"),
    "coach_line": ("Failed in {failed} of {checked} calls ({rate} %; team {team_rate} %).",
                   "{checked} 通中有 {failed} 通不合格（{rate} %，团队 {team_rate} %）。"),
    "expected": ("Expected", "要求"),
    "found": ("What qc found", "质检发现"),
    "example": ("Example", "示例"),
    "listen": ("listen", "收听"),
    "calls_worst_first": ("Calls, worst first", "通话（最差在前）"),
    "started": ("Started", "开始时间"),
    "duration": ("Duration", "时长"),
    "score": ("Score", "得分"),
    "findings": ("Findings", "问题"),
    "all_passed": ("all rules passed", "全部规则通过"),
    "roles_uncertain": ("roles uncertain ({pct} %): check who is the agent",
                        "角色判断不确定（{pct} %）：请核对谁是坐席"),
    "uncertain_calls": ("{n} with uncertain roles", "{n} 通角色不确定"),
    "not_processed_reason": ("not processed: {error}", "未能处理：{error}"),
    "error_interrupted": ("interrupted while processing; will be retried on the next run", "处理时中断，下次运行时重试"),
    "error_quarantined": ("quarantined after failing {attempts} times (qc run --retry-quarantined): {error}",
                          "失败 {attempts} 次后已隔离，不再重试（qc run --retry-quarantined）：{error}"),
    "several": ("several", "多"),
    # call page
    "passed": ("passed", "合格"),
    "failed": ("failed", "不合格"),
    "fatal_failed": ("fatal rule failed", "致命项不合格"),
    "recording": ("Recording", "录音"),
    "no_audio": ("The recording is not part of this report.", "本报告未附带录音。"),
    "audio_missing": ("The recording was not found: {path}", "找不到录音：{path}"),
    "audio_linked": ("Linked to the original recording; some formats (8 kHz A-law WAV, AMR) do not play in "
                     "browsers.", "链接至原始录音；部分格式（8 kHz A-law WAV、AMR）浏览器无法播放。"),
    "original": ("original file", "原始文件"),
    "timeline": ("Who spoke when", "说话时间轴"),
    "legend_silence": ("silence", "静默"),
    "legend_overtalk": ("overtalk", "抢话/重叠"),
    "legend_finding": ("finding", "问题"),
    "transcript": ("Transcript", "转写文本"),
    "silence_gap": ("{seconds} s silence", "静默 {seconds} 秒"),
    "findings_click": ("Click a finding or a sentence to hear that moment.", "点击问题或句子即可跳转收听。"),
    "rules_passed": ("Passed", "通过"),
    "rules_na": ("Not applicable", "不适用"),
    "no_transcript": ("No transcript.", "无转写文本。"),
    "download_json": ("call JSON", "通话 JSON"),
    "diarization": ("Speakers: {reason}", "说话人：{reason}"),
    # supervisors' pages
    "compare": ("Compare", "对比"),
    "search": ("Search", "搜索"),
    "worst_first": ("worst first; click a heading to sort", "最差在前；点击表头排序"),
    "failing_calls": ("Calls that failed this rule, worst first", "该规则不合格的通话（最差在前）"),
    "evidence": ("Evidence", "证据"),
    "comparison": ("Period and team comparison", "时段与团队对比"),
    "week_against_week": ("The week of {this} against the week before", "{this} 当周与上一周对比"),
    "all_teams": ("all teams", "全部团队"),
    "last_week": ("week before", "上一周"),
    "this_week": ("this week", "本周"),
    "change": ("change", "变化"),
    "rules_week": ("Fail rates of the most failed rules (▮ = the week before)",
                   "最常失分规则的不合格率（▮ = 上一周）"),
    "team_against_team": ("Team against team", "团队对比"),
    "agents_n": ("Agents", "坐席数"),
    "no_dated_calls": ("No calls with a start time.", "没有带开始时间的通话。"),
    "pick_week": ("Week of", "选择周"),
    "search_calls": ("Search calls", "搜索通话"),
    "phrase": ("Phrase said", "说过的话"),
    "any_rule": ("any failed rule", "任意不合格规则"),
    "any_agent": ("any agent", "任意坐席"),
    "matches": ("{n} calls match", "{n} 通匹配"),
    "more_hits": ("+{n} more", "另有 {n} 处"),
    "search_needs_js": ("Searching these pages needs JavaScript; qc serve searches without it.",
                        "静态页面搜索需要启用 JavaScript；qc serve 无需。"),
    # vocabulary
    "role_agent": ("Agent", "坐席"),
    "role_customer": ("Customer", "客户"),
    "role_unknown": ("Speaker", "说话人"),
    "cat_compliance": ("Compliance", "合规"),
    "cat_service": ("Service", "服务"),
    "cat_emotion": ("Emotion", "情绪"),
    "sev_critical": ("critical", "严重"),
    "sev_major": ("major", "重要"),
    "sev_minor": ("minor", "轻微"),
    "points": ("−{points} points", "扣 {points} 分"),
}
STRINGS.update(REVIEW_STRINGS)


def translator(language: str) -> Callable[..., str]:
    """``t(key, **values)`` in ``language``; an unknown key is an error, as undefined template variables are."""
    column = LANGUAGES.index(language)

    def t(key: str, **values) -> str:
        text = STRINGS[key][column]
        return text.format(**values) if values else text

    return t


def interface_language(requested: str, call_languages: Iterable[str | None]) -> str:
    """``requested`` (en or zh), or for ``auto`` the language of most calls (their rule pack's), Chinese on a tie."""
    if requested in LANGUAGES:
        return requested
    counts = Counter("zh" if (lang or "zh").lower().startswith(("zh", "yue", "cmn")) else "en"
                     for lang in call_languages)
    return "en" if counts["en"] > counts["zh"] else "zh"
