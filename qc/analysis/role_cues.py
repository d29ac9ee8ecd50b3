"""What agents and customers typically say, per language: the evidence tables of roles.py (data).

Each :class:`Cue` is one class of evidence with a weight: positive for what an agent says,
negative for what a customer says. A phrase counts once per sentence, and a class counts at
most ``cap`` sentences of one speaker, so a long call does not outvote a clear one with
repetition. ``asked`` cues count only in a question (or a bare noun phrase said as one, 地址？):
the agent *asks* for a phone number, the customer *gives* it (that is ``gives identity``).

The classes, in both languages:

- ``script``: the scripted opening and closing (greeting with the company, 工号, "how may I help"),
  and an outbound call's (打扰您, 是本人吗, 是刘先生吧, "am I speaking with", "I'm calling about"; not with the
  caller's own "my": "I'm calling about my order" is an inbound caller's);
  doubled in the first 30 s of the call;
- ``service``: the forms of service: 为您/帮您/请您, "sir", "let me check", "I can help", the
  business's hours ("we're open till half five");
- ``asks identity``: asks for identity or account data (phone number, ID digits, name, date of
  birth, address, order/account/booking number), or to verify it (核实一下, not a question about a
  product's 二次验证);
- ``states account``: tells what the records show (查到了, 系统显示, 你这个账号, "I can see", "your
  order has"), not a customer asking whether something can be found (能查到…吗);
- ``describes problem``: what is wrong, from the caller's side (坏了, 一直, "my order hasn't"), and
  what the caller left with the business or will come and fetch ("I dropped off", "I'll come by");
- ``addresses company``: speaks to the company as "you" (你们, "you guys", "your website");
- ``turns down``: answers an outbound call's offer or asks who is calling (不需要, "not interested");
- ``gives identity``: gives their own data (我叫, 我的手机号, "my account number is").

Matching is :func:`qc.text.find_phrase`: Chinese ignores spaces and punctuation, English goes by
whole words, so "why" does not match inside "anyhow".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    name: str
    weight: float  # > 0: said by agents; < 0: said by customers
    phrases: tuple[str, ...]
    asked: bool = False  # counts only in a question: the one who asks for it
    cap: int = 3  # at most this many sentences of one speaker count
    unless: tuple[str, ...] = ()  # not in a sentence that also says one of these


CUES: dict[str, tuple[Cue, ...]] = {
    "zh": (
        Cue("script", 2.0, ("很高兴为您服务", "有什么可以帮您", "有什么可以帮到您", "有什么能帮您", "工号", "客服", "这里是",
                            "感谢您的来电", "感谢来电", "欢迎致电", "欢迎来电", "还有其他", "还有什么可以帮您",
                            "还有别的事吗", "还有别的问题吗", "还有别的需要吗", "祝您生活愉快", "请您稍等", "请稍等",
                            "请您对我的服务", "评价", "打扰您", "耽误您", "占用您",
                            "给您来电", "致电给您", "来电是想", "通知您", "提醒您", "是本人吗", "本人吗",
                            "服务热线", "客服热线", "客户热线", "为您服务", "有什么需要", "有什么可以为您", "有什么能为您"),
            # (not a caller asking for the agent's number: 您叫什么名字，工号多少; nor asking whether they reached the
            # service: 是南岭竹芋粉的客服吧？, 5 customer turns of the scripts and no agent's)
            unless=("工号多少", "工号是多少", "你的工号", "您的工号", "你工号", "您工号", "报一下工号", "工号报一下",
                    "的客服吧", "的客服吗", "是客服吗", "是客服吧", "是不是客服", "客服是吧", "客服对吧")),
        # the person asked for by title, an outbound agent's opening (喂，是刘先生吧？ 请问是王女士吗？): 238 of the
        # 239 such turns of the corpus scripts are the agent's, also where the agent skips the script
        Cue("script", 2.0, ("先生吗", "女士吗", "小姐吗", "先生吧", "女士吧", "小姐吧", "先生是吧", "女士是吧", "小姐是吧")),
        Cue("service", 1.0, ("为您", "帮您", "给您", "请您", "您的", "您看", "麻烦您", "您稍等", "非常抱歉", "抱歉",
                             "让您久等", "我这边", "我们这边", "我帮您", "我给您", "我来帮您", "我们会", "我们这里",
                             # a reassurance (您放心，明天中午之前送到): 94 agent turns of the scripts, no customer's
                             "您放心")),
        Cue("asks identity", 1.5, ("手机号", "电话号码", "联系电话", "身份证", "后四位", "后六位", "姓名", "贵姓", "怎么称呼",
                                   "全名", "出生日期", "生日", "地址", "订单号", "订单编号", "账号", "账户", "卡号",
                                   "会员号", "预订号", "预约号", "确认号", "验证码", "保单号", "运单号", "快递单号",
                                   "车牌号", "工单号", "核实一下", "核实身份", "身份核实", "核实您", "验证一下", "验证身份",
                                   "身份验证", "验证您"), asked=True,
            # (not the payer asking where the money goes: 转到哪个账户？)
            unless=("转到哪", "打到哪", "汇到哪", "付到哪", "转哪个", "打哪个", "汇哪个", "转给哪")),
        Cue("states account", 1.5, ("查到了", "查到您", "已经查到", "我查到", "这边查到", "帮您查到", "查询到", "查了一下",
                                    "系统显示", "系统里", "显示您", "您的订单", "您的账户",
                                    "您的套餐", "您这个订单", "您这边的", "已经为您", "已经帮您", "已经给您", "给您办理",
                                    "你的订单", "你这个订单", "你的账号", "你这个账号", "你的账户", "你这个账户", "你的套餐",
                                    "为您办理", "帮您办理", "为您登记", "帮您登记", "给您登记", "工作日内", "小时内",
                                    "预计", "专人", "工单", "已发货", "已经发出", "已到账", "余额", "欠费")),
        Cue("describes problem", -1.5, ("坏了", "一直", "不能用", "用不了", "没有收到", "没收到", "还没到", "还没有",
                                        "扣了", "扣费", "多扣", "投诉", "怎么回事", "为什么", "到现在", "没修好",
                                        "打不开", "连不上", "断网", "故障", "出问题", "有问题", "退款", "退货", "我想",
                                        "我要", "我需要", "我已经", "我打了")),
        # the caller's own booking, and what they want changed (我周六订了个台子，想改一下时间); an
        # agent's 给您订了个 is service
        Cue("describes problem", -1.5, ("订了个", "我订了", "我约了", "约了个", "想改一下", "想换一下"),
            unless=("给您", "为您", "帮您", "给你", "帮你")),
        # a service done in the familiar 你 (给你挪过去了, 帮你登记)
        Cue("service", 1.0, ("给你挪", "帮你挪", "给你改", "帮你改", "给你换", "帮你换", "给你登记", "帮你登记",
                             "给你订", "帮你订", "给你留", "帮你留", "给你记", "帮你记")),
        Cue("addresses company", -1.0, ("你们", "贵公司")),
        Cue("turns down", -1.0, ("不需要", "没兴趣", "不感兴趣", "不用了", "我考虑一下", "我再考虑", "你是哪位", "你哪位",
                                 "怎么有我的电话")),
        Cue("gives identity", -1.0, ("我叫", "我姓", "我的手机", "我的电话", "我的订单", "我的身份证", "我的账号",
                                     "我的账户", "我的卡号", "我的地址", "我住在", "我家")),
    ),
    "en": (
        Cue("script", 2.0, ("thank you for calling", "thanks for calling", "how may i help", "how can i help",
                            "how can i assist", "how may i assist", "what can i do for you", "please hold",
                            "is there anything else", "have a great day", "have a nice day", "for calling",
                            "welcome to", "you're through to", "you've reached", "calling from", "you're speaking to",
                            "you're speaking with", "you are speaking with", "am i speaking with",
                            "the reason for my call", "a quick reminder")),
        # why one calls: an outbound agent's opener, but also an inbound caller's ("I'm calling about
        # my acoustic", "calling because my son's bus was late"): the caller's own thing says which
        # ("calling from" stays above: "my name is Priya, calling from Curtain Call" is an agent's)
        Cue("script", 2.0, ("i'm calling about", "i'm calling to", "i am calling to", "just calling",
                            "calling because", "calling about", "just ringing", "ringing about", "just following up",
                            "following up on", "calling you back"), unless=("my",)),
        Cue("service", 1.0, ("sir", "madam", "ma'am", "let me check", "let me see", "let me look", "let me pull",
                             "i can help", "happy to help", "i'd be happy to", "bear with me", "one moment",
                             "just a moment", "certainly", "absolutely", "i apologize", "i apologise", "apologies",
                             "sorry for the inconvenience", "sorry to hear", "i understand", "on our end", "our system",
                             "i'll go ahead", "for you",
                             # the business's hours, said by the business
                             # ("we're closed on Sundays" is as likely a business caller's)
                             "we're open", "we are open", "we close at", "we open at", "our opening hours",
                             "our opening times")),
        Cue("asks identity", 1.5, ("phone number", "telephone number", "mobile number", "date of birth", "birthday",
                                   "your name", "full name", "your address", "postcode", "post code", "zip code",
                                   "account number", "order number", "booking reference", "reference number",
                                   "confirmation number", "membership number", "policy number", "serial number",
                                   "last four digits",
                                   "last four", "security question", "verify", "confirm your", "spell",
                                   "email address", "card number", "tracking number", "customer number",
                                   "ticket number", "email id", "registered email", "registered mobile",
                                   "registered phone", "job reference", "job number", "reference", "invoice number",
                                   "contract number", "surname", "first line of"), asked=True),
        Cue("states account", 1.5, ("i can see", "i see that", "i see here", "it shows", "it says here", "shows that",
                                    "according to our records", "our records", "your order", "your account",
                                    "your booking", "your payment", "your refund", "your balance", "your plan",
                                    "your subscription", "has been processed", "i've processed", "i've updated",
                                    "i've issued", "i've sent", "i've cancelled", "i've booked", "i've arranged",
                                    "business days", "working days")),
        Cue("describes problem", -1.5, ("my order", "my card", "my account", "my internet", "my phone", "my package",
                                        "my parcel", "my bill", "my booking", "my refund", "hasn't", "haven't",
                                        "has not", "didn't", "doesn't work", "not working", "isn't working",
                                        "it won't", "won't work", "won't load", "won't let me", "won't connect",
                                        "won't turn on", "won't start", "won't open", "broken", "still",
                                        "never arrived", "never received", "i ordered", "i was charged", "charged twice", "i paid", "i bought", "i've been",
                                        "i've called", "i called", "i need", "i want", "i'd like", "complaint",
                                        "cancel my", "why", "problem with", "issue with", "our website", "my website",
                                        "our internet", "our account", "our order", "not opening", "isn't opening",
                                        "not loading", "stopped working", "since this morning", "since yesterday",
                                        # the caller's own displeasure, in the first person
                                        "i'm annoyed", "pretty annoyed", "really annoyed", "i'm frustrated",
                                        "really frustrating", "so frustrating", "i'm fed up", "fed up with",
                                        "i'm disappointed", "really disappointed", "heard nothing", "nobody rang",
                                        # (and judged aloud: 128 customer turns of the scripts, no agent's)
                                        "unacceptable", "isn't acceptable", "not acceptable", "unbelievable", "ridiculous",
                                        "outrageous", "disgraceful",
                                        "nobody called", "nobody told me", "no one called", "no one told me",
                                        # a fault in the caller's words
                                        "playing up", "acting up", "cutting out", "keeps cutting", "keeps dropping",
                                        "keeps crashing", "keeps freezing", "keeps stopping", "keeps switching off",
                                        "keeps turning off", "keeps happening", "hopeless", "useless", "all week",
                                        "a whole week",
                                        # what the caller left with the business, or will come and fetch
                                        "i dropped off", "i dropped it off", "i dropped them off", "i brought in",
                                        "i brought it in", "i sent in", "i sent it in", "i handed in", "i left it with",
                                        "i'll come by", "i'll pop in", "i'll pop by", "i'll pop round", "can i pay",
                                        "i'll pick it up", "i'll pick them up", "i'll collect",
                                        # the caller's own business, by way of introduction ("I run a small bakery")
                                        "i run a", "we run a", "i own a", "we own a", "my business", "my little business"),
            # "I need you to look at it" / "I need your postcode" is the agent asking
            unless=("i need you", "i need your")),
        Cue("addresses company", -1.0, ("you guys", "your company", "you people", "your website", "your app",
                                        "your service", "your technician", "your driver",
                                        # the business's people ("since your engineer came": 22 customer turns of the
                                        # scripts, 1 agent's)
                                        "your engineer", "your engineers", "your fitter", "your fitters", "your installer",
                                        "your courier", "your plumber", "your electrician", "your workmen",
                                        # asking what the place allows ("Can we bring our own drinks?")
                                        "can we bring", "can i bring", "could we get")),
        # the business answering for itself ("Yep, that's us"), noting and confirming a booking
        Cue("service", 1.0, ("that's us", "i'll stick a note", "i'll make a note", "i'll put a note",
                             "you'll get a text", "you'll get an email", "you'll receive a text",
                             "you'll receive an email")),
        Cue("turns down", -1.0, ("not interested", "no thanks", "no thank you", "i'll think about it",
                                 "who is this", "who's calling", "how did you get my number", "get my number",
                                 "got my number", "have my number", "what's this about", "what is this about",
                                 "what company", "which company", "not signing", "take me off", "don't call")),
        Cue("gives identity", -1.0, ("my number is", "my phone number", "my account number", "my date of birth",
                                     "my address", "my postcode", "my email", "it's spelled", "i live at",
                                     "my order number", "my name's", "my name is")),
    ),
}

# How a question is asked, for ``asked`` cues: the sentence ends with a question mark, or holds one
# of these (zh: anywhere; en: the first word, or anywhere for the longer ones).
QUESTION_MARKS = ("?", "？")
QUESTION_WORDS = {
    "zh": ("吗", "呢", "多少", "什么", "哪", "几", "请问", "是否", "能否", "提供", "告诉我", "报一下", "说一下",
           "确认一下", "核对一下", "麻烦"),
    "en": ("can i have", "could i have", "may i have", "could you", "can you", "would you", "please provide",
           "please confirm", "can i get", "could i get", "i'll need", "i will need", "i need your"),
}
EN_QUESTION_STARTS = ("what", "which", "can", "could", "may", "would", "will", "do", "does", "did", "is", "are",
                      "have", "how", "and", "and your")
FIRST_PERSON = {"zh": ("我的", "我叫", "我是", "我姓"), "en": ("my", "i'm", "i am", "mine")}
ASKED_SHORT_CHARS = 4  # a sentence at most this much longer than the phrase is a bare question (地址？)
# Answering the phone: what the first speaker says when the called party picks up.
PICKUP = {"zh": ("喂", "你好", "您好", "哪位"), "en": ("hello", "hi", "yes", "hey", "who is this", "speaking")}
# ...unless they invite the caller to state the matter: an agent answering curtly (喂，说吧，什么问题; 喂，说)
INVITES = {"zh": ("说吧", "请讲", "什么问题", "啥问题", "喂说", "你说", "您说"),
           "en": ("go ahead", "what's the problem", "what's the issue")}
