"""Why a review action is refused, in English and Chinese (:mod:`qc.messages`).

A :class:`~qc.errors.ReviewError` carries one of these: ``qc serve`` shows it in the page's
language; the command line (``qc review import``) and logs read ``str()``, the English.
"""

from __future__ import annotations

from ..messages import Message, catalogue, joined

TEXTS = {
    "no_name": ("a name is needed: every review action is attributed", "需要姓名：每项复核操作都要署名"),
    "bad_role": ("role must be one of {roles}, not {role}", "角色须为 {roles} 之一，而不是 {role}"),
    "bad_decision": ("a finding is {decisions}, not {decision}", "问题的判定只能是 {decisions}，而不是 {decision}"),
    "bad_status": ("a rule's status is one of {statuses}, not {status}", "规则状态只能是 {statuses} 之一，而不是 {status}"),
    "no_reason": ("say why the rule's status changes: a reason is required", "请说明改判理由：理由必填"),
    "no_rule": ("this call has no rule {rule}", "本通话没有规则 {rule}"),
    "item_points": ("an item is worth between -{most:g} and {most:g} points, not 0",
                    "加减分项的分值须在 -{most:g} 到 {most:g} 之间，且不能为 0"),
    "no_label": ("say what the item is for: a label is required", "请说明加减分事由：事由必填"),
    "no_item": ("this call has no item {item}", "本通话没有加减分项 {item}"),
    "signed": ("already signed by {who} at {at}", "已由 {who} 于 {at} 签署"),
    "no_comment": ("say why the finding is wrong: an appeal needs a comment", "请说明问题判错的理由：申诉须填写理由"),
    "not_own_call": ("only the call's agent ({agent}) appeals it", "只有本通话的坐席（{agent}）可以申诉"),
    "appeal_open": ("this finding already has an appeal that is not closed", "该问题已有未关闭的申诉"),
    "appeal_decided": ("this appeal was already {status} by {who}", "该申诉已由 {who} 处理（{status}）"),
    "appeal.accepted": ("accepted", "通过"),
    "appeal.rejected": ("rejected", "驳回"),
    "no_ruling": ("a final ruling needs its text", "最终裁定须填写内容"),
    "decide_first": ("accept or reject the appeal first", "请先通过或驳回该申诉"),
    "appeal_closed": ("this appeal was closed by {who}", "该申诉已由 {who} 关闭"),
    "no_call": ("no scored call {uid} to review", "没有可复核的已评分通话 {uid}"),
    "not_allowed": ("{actor} cannot {what} (that takes {roles})", "{actor}不能{what}（须由{roles}操作）"),
    "as.reviewer": ("a reviewer", "质检员"),
    "as.agent": ("an agent", "坐席"),
    "as.qa_lead": ("a QA lead", "质检主管"),
    "what.decide_findings": ("decide on findings", "判定问题"),
    "what.rule_status": ("change a rule's status", "改判规则"),
    "what.add_items": ("add score items", "添加加减分项"),
    "what.remove_items": ("remove score items", "删除加减分项"),
    "what.sign": ("sign reviews", "签署复核"),
    "what.appeal": ("appeal findings", "申诉问题"),
    "what.decide_appeals": ("decide appeals", "处理申诉"),
    "what.close_appeals": ("close appeals", "关闭申诉"),
    "no_finding": ("the call has no finding of rule {rule}", "本通话没有规则 {rule} 的问题"),
    "no_counted_finding": ("the call has no counted finding of rule {rule}", "本通话没有规则 {rule} 的计分问题"),
    "stale": ("the finding's evidence changed since this page was shown; reload it and decide again",
              "页面显示后该问题的证据已变化：请刷新页面后重新判定"),
    "no_appeal": ("this call has no appeal {appeal}", "本通话没有申诉 {appeal}"),
    "not_number": ("expected a number, found {text}", "须为数字，而不是 {text}"),
    "not_id": ("expected an id, found {text}", "须为编号，而不是 {text}"),
}
say = catalogue(TEXTS)


def not_allowed(role: str, roles: tuple[str, ...], what: str) -> Message:
    """``role`` may not do ``what`` (a ``what.*`` id): only one of ``roles`` may."""
    return say("not_allowed", actor=say(f"as.{role}"), what=say(f"what.{what}"),
               roles=joined((say(f"as.{r}") for r in roles), "or"))
