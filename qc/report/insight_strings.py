"""Interface strings of the insights page (why customers call, agents' load), in English and Chinese."""

INSIGHT_STRINGS: dict[str, tuple[str, str]] = {
    "insights": ("Why customers call", "来电原因"),
    "insights_title": ("Why customers call, and the load agents carry", "来电原因与坐席承受的压力"),
    "reasons_intro": ("Each call's topic and service type, read from the customer's problem statement (their first "
                      "substantive turn) against the reasons taxonomy. Topics with a confidence below 0.5 are often "
                      "wrong: the example calls show what was read.",
                      "根据客户的问题陈述（客户第一段实质性发言），对照来电原因分类，为每通通话判定主题和服务类型。"
                      "置信度低于 0.5 的主题常有误判：示例通话显示了所读取的内容。"),
    "described_calls": ("{described} of {calls} calls have a reason", "{calls} 通中 {described} 通有来电原因"),
    "no_reasons": ("No call of this period has a reason: they were recorded without a taxonomy (qc run or qc score "
                   "with --reasons).", "该时间范围内的通话都没有来电原因：记录时未启用分类（qc run 或 qc score 的 --reasons）。"),
    "top_reasons": ("Top reasons", "主要来电原因"),
    "reason_topic": ("Reason", "来电原因"),
    "share": ("Share", "占比"),
    "week_change": ("Week before → this week", "上周 → 本周"),
    "complaint_share": ("Complaints", "投诉占比"),
    "example_calls": ("Example calls", "示例通话"),
    "reason_other": ("Other (no topic fits)", "其他（无匹配主题）"),
    "service_types": ("Service types", "服务类型"),
    "service_enquiry": ("Enquiry", "查询"),
    "service_advice": ("Advice", "咨询"),
    "service_request": ("Request", "办理"),
    "service_fault": ("Fault", "故障"),
    "service_complaint": ("Complaint", "投诉"),
    "by_team": ("Reasons by team", "各团队的来电原因"),
    "by_channel": ("Reasons by channel", "各渠道的来电原因"),
    "channel": ("Channel", "渠道"),
    "channel_phone": ("phone", "电话"),
    "channel_app": ("app", "应用"),
    "channel_wechat": ("WeChat", "微信"),
    "channel_web": ("web chat", "网页在线"),
    "channel_email": ("e-mail", "邮件"),
    "total": ("Total", "合计"),
    "emerging": ("Emerging topics", "新出现的话题"),
    "emerging_intro": ("Calls whose statement fits no topic of the taxonomy, grouped by what the customers said, each "
                       "group named by its most typical statement. A group that keeps growing is a topic to add to "
                       "the taxonomy.", "问题陈述不匹配任何主题的来电，按客户所说的内容归类，每类以最典型的一句命名。"
                       "持续增多的一类，就是应当加入分类的新主题。"),
    "no_emerging": ("No two calls without a topic say alike.", "没有内容相近的无主题来电。"),
    "customer_load": ("Calls with angry or abusive customers", "遇到愤怒或辱骂客户的通话"),
    "load_intro": ("A load to support, not a fault: how many of each agent's calls had a customer who was angry "
                   "(their words and raised voice) or abusive. It is no part of any score. Agents with a high share "
                   "may need a debrief, a break or a rotation.",
                   "这是需要关心和支持的工作压力，不是坐席的过错：每位坐席的通话中，客户情绪愤怒（言语和提高的音量）"
                   "或出言辱骂的通数。它不计入任何评分；占比高的坐席可能需要复盘疏导、休息或轮岗。"),
    "difficult_calls": ("Difficult calls", "高压通话"),
    "angry_customer": ("angry", "客户愤怒"),
    "abusive_customer": ("abusive", "客户辱骂"),
    "team_share": ("Team share", "团队占比"),
    "no_load": ("No call of this period could be read for this (who the customer is was unknown).",
                "该时间范围内没有可读取客户情绪的通话（无法区分客户）。"),
    "load_card": ("calls with angry or abusive customers · team {team}",
                  "通话中客户愤怒或辱骂 · 团队 {team}"),
    "reason_line": ("Why the customer called: {topic} · {service} (confidence {confidence})",
                    "来电原因：{topic} · {service}（置信度 {confidence}）"),
    "load_line": ("The customer was angry or abusive in this call: a load the agent carried, not scored.",
                  "本通话客户情绪愤怒或出言辱骂：这是坐席承受的压力，不计入评分。"),
    "week_counts": ("{last} → {this}", "{last} → {this}"),
}
