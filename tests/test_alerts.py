"""Alerts after a run: the alert file, the digest (fatal failures, failed calls, score drops), and
delivery to a webhook and an SMTP server that each test starts on 127.0.0.1. A channel that
cannot be reached is logged and never changes the exit code."""

import base64
import email
import email.policy
import hashlib
import hmac
import json
import re
import socket
import socketserver
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from qc.errors import ConfigError
from qc.run import alerts
from qc.run.alerts import AlertSettings, load_alerts, send
from qc.run.channels import Channel
from qc.run.digest import DropSettings, build_digest, render
from qc.run.store import Store
from qc.schema import (AudioInfo, CallAnalysis, CallMeta, CallScore, RuleResult, Segment, Transcript, analysis_to_dict,
                       score_to_dict)

from test_nights import fake_whisper, night, qc, stereo  # noqa: F401 (fake_whisper: the autouse fixture)


# -- local servers --------------------------------------------------------------------------


class Webhook(ThreadingHTTPServer):
    """Records every POST; answers from ``answers`` ((status, JSON) in turn), then 200 errcode 0."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _WebhookHandler)
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook?access_token=t0ken"


class _WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "type": self.headers["Content-Type"],
                                     "json": json.loads(body.decode("utf-8"))})
        status, answer = self.server.answers.pop(0) if self.server.answers else (200, {"errcode": 0, "errmsg": "ok"})
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class SmtpServer(socketserver.ThreadingTCPServer):
    """Just enough SMTP (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) to receive one message at a time."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.mails: list[dict] = []


class _SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        self.reply("220 localhost test SMTP")
        mail = {"from": None, "to": [], "auth": None, "data": b""}
        while line := self.rfile.readline():
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb == b"EHLO":
                self.reply("250-localhost\r\n250-8BITMIME\r\n250 AUTH PLAIN")
            elif verb == b"AUTH":
                mail["auth"] = base64.b64decode(line.split()[2]).split(b"\0")[1:]
                self.reply("235 2.7.0 accepted")
            elif verb in (b"MAIL", b"RCPT"):
                address = re.search(rb"<([^>]*)>", line).group(1).decode()
                mail["from"] = address if verb == b"MAIL" else mail["from"]
                mail["to"] += [address] if verb == b"RCPT" else []
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 end with .")
                while (data := self.rfile.readline()) != b".\r\n":
                    mail["data"] += data[1:] if data.startswith(b"..") else data
                self.server.mails.append(mail)
                self.reply("250 queued")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


def serving(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def webhook():
    server = serving(Webhook())
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp():
    server = serving(SmtpServer())
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 where nobody listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def quick_retry(monkeypatch):
    monkeypatch.setattr(alerts, "RETRY_PAUSE_S", 0.01)


# -- the alert file -------------------------------------------------------------------------


def alert_file(tmp_path, text: str):
    path = tmp_path / "alerts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_alert_file_loads_with_its_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_TEST_SMTP_PASSWORD", "s3cret")
    settings = load_alerts(alert_file(tmp_path, """
score_drop: {points: 15}
channels:
  - {type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=x", secret: SEC1}
  - {type: smtp, host: smtp.example.com, user: qc@example.com, password: "${QC_TEST_SMTP_PASSWORD}", to: qa@example.com}
  - {type: smtp, host: smtp.example.com, port: 465, from: qc@example.com, to: [a@example.com, b@example.com]}
"""))
    assert settings.score_drop == DropSettings(points=15, days=7, min_calls=3)
    assert (settings.language, settings.events, settings.timeout_s) == ("auto", ("fatal", "failed", "score_drop"), 10)
    ding, mail, ssl_mail = settings.channels
    assert (ding.type, ding.secret, ding.name) == ("dingtalk", "SEC1", "dingtalk oapi.dingtalk.com")
    assert (mail.tls, mail.port, mail.sender, mail.password, mail.to) == ("starttls", 587, "qc@example.com", "s3cret",
                                                                         ("qa@example.com",))
    assert (ssl_mail.tls, ssl_mail.port, ssl_mail.to) == ("ssl", 465, ("a@example.com", "b@example.com"))


@pytest.mark.parametrize("text,message", [
    ("channels: []", 'option "channels": expected a list of at least one channel, found []'),
    ("channels: [{type: teams, url: 'https://x'}]",
     'channel 1: option "type": expected one of dingtalk, wecom, feishu, slack, webhook, smtp, found \'teams\''),
    ("channels: [{type: slack}]", 'channel 1 (slack): option "url": expected a value (required), found None'),
    ("channels: [{type: wecom, url: 'file:///etc/passwd'}]",
     'channel 1 (wecom): option "url": expected an http:// or https:// URL'),
    ("channels: [{type: wecom, url: 'https://x', secret: s}]", 'channel 1 (wecom): option "secret": expected one of '
                                                               'the keys type, url'),
    ("channels: [{type: smtp, host: h, to: nobody}]", 'channel 1 (smtp): option "to": expected an e-mail address'),
    ("channels: [{type: smtp, host: h, to: a@b.c, tls: yes}]", 'option "tls": expected one of ssl, starttls, none'),
    ("score_drop: {points: -1}\nchannels: [{type: slack, url: 'https://x'}]",
     'score_drop: option "points": expected a number from 0, found -1'),
    ("events: [fatal, calls]\nchannels: [{type: slack, url: 'https://x'}]",
     'option "events": expected one of fatal, failed, score_drop'),
    ("channels: [{type: slack, url: 'https://x/${QC_TEST_UNSET}'}]", "${QC_TEST_UNSET} is not set in the environment"),
])
def test_alert_file_mistakes_name_the_file_the_channel_and_the_key(tmp_path, text, message):
    path = alert_file(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_alerts(path)
    assert str(error.value).startswith(str(path)) and message in str(error.value), str(error.value)


# -- the digest -----------------------------------------------------------------------------

FORBIDDEN = ("forbidden-phrase", "服务禁语", "critical", False)
GREETING = ("greeting", "开场问候", "major", False)
PROMISE = ("over-promise", "过度承诺", "major", True)


def stored(store: Store, call_id: str, agent: str, started_at: str, score: float, failed=(), language="zh") -> str:
    """A scored call as qc run stores it; returns its key."""
    meta = CallMeta(call_id, f"/calls/{call_id}.wav", agent, {"A1": "王芳", "A2": "李雷"}.get(agent, ""), "宽带组",
                    started_at)
    analysis = CallAnalysis(meta, AudioInfo(meta.path, 60.0, 2, "stereo-agent-left", 8000),
                            Transcript(language, (Segment("left", "agent", 0.5, 2.0, "您好"),), roles_known=True))
    rules = tuple(RuleResult(rule_id, title, "fail", severity, 10.0, fatal)
                  for rule_id, title, severity, fatal in failed)
    key = f"key-{call_id}-{started_at}"
    store.mark_processing(key, meta)
    store.save_ok(key, analysis_to_dict(analysis), score_to_dict(CallScore(rules, score, score >= 80, rules_name="zh")),
                  "rules-hash", 1.0)
    return key


@pytest.fixture
def night_store(tmp_path):
    """A1 fell from 90 to 65; A2 from 80 to 75 (within the threshold); A3 has too short a history."""
    store = Store(tmp_path / "qc.sqlite")
    for day, score in (("2026-11-15", 92), ("2026-11-18", 88), ("2026-11-20", 90)):
        stored(store, f"old-{day}", "A1", f"{day}T10:00:00+08:00", score)
        stored(store, f"old2-{day}", "A2", f"{day}T10:00:00+08:00", 80)
    stored(store, "older", "A1", "2026-11-01T10:00:00+08:00", 10)  # before the 7 days: not in the baseline
    for day in ("2026-11-19", "2026-11-20"):
        stored(store, f"old3-{day}", "A3", f"{day}T10:00:00+08:00", 95)
    keys = [stored(store, "C0001", "A1", "2026-11-21T09:00:00+08:00", 70, [GREETING]),
            stored(store, "13800138000", "A1", "2026-11-21T10:00:00+08:00", 60, [FORBIDDEN]),
            stored(store, "C0003", "A2", "2026-11-21T11:00:00+08:00", 75, [PROMISE]),
            stored(store, "C0004", "A3", "2026-11-21T12:00:00+08:00", 50)]
    return store, keys


FAILED = [("bad", "not a readable audio file: /calls/bad.wav")]


def test_the_digest_lists_fatal_failures_failed_calls_and_agents_whose_score_dropped(night_store):
    store, keys = night_store
    digest = build_digest(store, keys, FAILED)
    message = render(digest)
    assert message.title == "qc 质检告警：致命项 2 条，未能处理 1 通，分数下降 1 人"
    assert message.text == "\n".join([
        "本次运行评分 4 通。", "",
        "致命项不合格（2 条）：",
        "· 13800138000｜A1 王芳｜服务禁语（forbidden-phrase）",  # critical
        "· C0003｜A2 李雷｜过度承诺（over-promise）", "",  # fatal: true
        "未能处理的通话（1 通）：", "· bad｜not a readable audio file: /calls/bad.wav", "",
        "分数下降 10 分及以上的坐席（1 人）：",
        "· A1 王芳：本次 65.0 分（2 通），前 7 天 90.0 分（3 通），下降 25.0 分"])
    assert message.data["score_drops"] == [{"agent_id": "A1", "agent_name": "王芳", "score": 65.0, "calls": 2,
                                            "baseline_score": 90.0, "baseline_calls": 3, "days": 7}]
    tighter = build_digest(store, keys, [], drop=DropSettings(points=5, days=30, min_calls=2))
    assert [(d.agent_id, d.baseline_calls) for d in tighter.drops] == [("A1", 4), ("A2", 3), ("A3", 2)]


def test_the_digest_speaks_english_for_english_calls_masks_with_redact_and_keeps_to_its_events(tmp_path):
    store = Store(tmp_path / "qc.sqlite")
    keys = [stored(store, "13800138000", "E1", "2026-11-21T10:00:00", 0, [FORBIDDEN], language="en")]
    digest = build_digest(store, keys, [("call 13912345678", "not a readable audio file: /x/13912345678.wav")],
                          redact=True)
    text = render(digest).text
    assert digest.language == "en" and "Fatal failures (1):\n- *******8000 | E1 | 服务禁语 (forbidden-phrase)" in text
    assert "- call *******5678 | not a readable audio file: /x/*******5678.wav" in text
    assert "13800138000" not in text and "1391234" not in text
    assert render(build_digest(store, keys, FAILED, events=("failed",))).title == (
        "qc alert: 0 fatal failures, 1 failed calls, 0 score drops")
    clean = render(build_digest(store, keys, [], events=("failed",)))
    assert clean.title == "qc: 1 calls scored, nothing to report" and clean.text.endswith("or score drops.")


# -- delivery -------------------------------------------------------------------------------


def settings_for(*channels, timeout_s=5.0) -> AlertSettings:
    return AlertSettings(channels=channels, timeout_s=timeout_s)


@pytest.fixture
def message(night_store):
    store, keys = night_store
    return render(build_digest(store, keys, FAILED))


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu", "slack", "webhook"])
def test_each_chat_robot_gets_its_json_body(webhook, message, kind):
    delivered, failed = send(settings_for(Channel(kind, url=webhook.url)), message)
    assert (delivered, failed) == ([f"{kind} 127.0.0.1:{webhook.server_address[1]}"], [])
    [request] = webhook.requests
    body, text = request["json"], f"{message.title}\n\n{message.text}"
    assert request["type"] == "application/json; charset=utf-8" and request["path"] == "/hook?access_token=t0ken"
    shown = {"dingtalk": lambda: body["text"]["content"], "wecom": lambda: body["text"]["content"],
             "feishu": lambda: body["content"]["text"], "slack": lambda: body["text"], "webhook": lambda: body["text"]}
    assert shown[kind]() == (message.text if kind == "webhook" else text)
    assert ("msgtype" in body) == (kind in ("dingtalk", "wecom")) and ("msg_type" in body) == (kind == "feishu")
    if kind == "webhook":
        assert body["fatal"][0] == {"call_id": "13800138000", "agent_id": "A1", "agent_name": "王芳",
                                    "rule_id": "forbidden-phrase", "title": "服务禁语"}


def test_dingtalk_and_feishu_messages_are_signed_as_their_robots_check(webhook, message):
    secret = "SECf00"
    send(settings_for(Channel("dingtalk", url=webhook.url, secret=secret),
                      Channel("feishu", url=webhook.url, secret=secret)), message)
    ding, feishu = webhook.requests
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(ding["path"]).query)
    stamp = query["timestamp"][0]  # DingTalk: HMAC-SHA256 of "<ms>\n<secret>" keyed by the secret
    expected = base64.b64encode(hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest())
    assert query["sign"] == [expected.decode()] and query["access_token"] == ["t0ken"] and len(stamp) == 13
    stamp = feishu["json"]["timestamp"]  # Feishu: HMAC-SHA256 of nothing keyed by "<s>\n<secret>"
    expected = base64.b64encode(hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest())
    assert feishu["json"]["sign"] == expected.decode() and len(stamp) == 10


def test_wecom_texts_are_cut_at_a_line_to_its_2048_bytes(webhook, message):
    long = type(message)(message.title, "\n".join(f"· C{i:04d}｜A1 王芳｜服务禁语" for i in range(200)), {})
    send(settings_for(Channel("wecom", url=webhook.url)), long)
    content = webhook.requests[0]["json"]["text"]["content"]
    assert len(content.encode()) <= 2048 and content.endswith("服务禁语\n…") and content.startswith(message.title)


def test_smtp_delivers_the_digest_as_a_utf8_mail(smtp, message):
    channel = Channel("smtp", host="127.0.0.1", port=smtp.server_address[1], tls="none", user="qc@example.com",
                      password="pw", sender="qc@example.com", to=("qa@example.com", "ops@example.com"))
    assert send(settings_for(channel), message) == ([f"smtp 127.0.0.1:{smtp.server_address[1]}"], [])
    [mail] = smtp.mails
    assert mail["auth"] == [b"qc@example.com", b"pw"]
    assert (mail["from"], mail["to"]) == ("qc@example.com", ["qa@example.com", "ops@example.com"])
    parsed = email.message_from_bytes(mail["data"], policy=email.policy.default)
    assert parsed["Subject"] == message.title and parsed["To"] == "qa@example.com, ops@example.com"
    assert parsed.get_content().rstrip("\n") == message.text


def test_a_failed_delivery_is_tried_once_more(webhook, message):
    webhook.answers = [(500, {"error": "busy"})]
    assert send(settings_for(Channel("slack", url=webhook.url)), message)[1] == []
    assert len(webhook.requests) == 2


def test_a_robot_that_refuses_twice_is_a_failure_with_its_reason(webhook, message):
    webhook.answers = [(200, {"errcode": 310000, "errmsg": "sign not match"})] * 2
    delivered, failed = send(settings_for(Channel("dingtalk", url=webhook.url)), message)
    assert delivered == [] and len(webhook.requests) == 2
    assert failed == [f"dingtalk 127.0.0.1:{webhook.server_address[1]}: refused with code 310000: sign not match"]


def test_a_channel_that_does_not_answer_times_out(message):
    silent = socket.socket()  # accepts connections (backlog) but never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        delivered, [failure] = send(settings_for(Channel("webhook", url=url), timeout_s=0.3), message)
    finally:
        silent.close()
    assert delivered == [] and "timed out" in failure


# -- qc run --alert -------------------------------------------------------------------------


def test_qc_run_alert_posts_the_digest_and_a_dead_channel_never_changes_the_exit_code(tmp_path, webhook, closed_port):
    config = alert_file(tmp_path, f"""
send_when_clean: true
timeout_s: 2
channels:
  - {{type: dingtalk, url: "http://127.0.0.1:{closed_port}/robot/send?access_token=secret-token"}}
  - {{type: webhook, url: "{webhook.url}"}}
""")
    out = tmp_path / "reports"
    folder = night(tmp_path / "calls", "2026-11-21", {"A1_C0001": 440, "A2_C0002": 450})
    result = qc("run", folder, "--out", out, "--audio", "none", "--alert", config)
    assert result.exit_code == 0, result.output
    lines = [l for l in result.output.splitlines() if l.startswith("qc: alert")]
    assert lines[0].startswith(f"qc: alert not delivered: dingtalk 127.0.0.1:{closed_port}: ") and len(lines) == 2
    assert "secret-token" not in result.output
    assert lines[1] == f"qc: alert sent: webhook 127.0.0.1:{webhook.server_address[1]}"
    [digest] = [r["json"] for r in webhook.requests]
    assert (digest["scored"], digest["failed"], digest["language"]) == (2, [], "zh")
    # the next night: an unreadable recording fails (exit 1, alerts or not); the done calls are not scored again
    (folder / "20261121-100000_A1_C0009.wav").write_text("not audio")
    result = qc("run", folder, "--out", out, "--audio", "none", "--alert", config)
    assert result.exit_code == 1, result.output
    digest = webhook.requests[-1]["json"]
    assert digest["scored"] == 0 and [f["call_id"] for f in digest["failed"]] == ["C0009"]
    assert digest["title"] == "qc 质检告警：致命项 0 条，未能处理 1 通，分数下降 0 人"


def test_nothing_is_sent_for_a_clean_run_unless_asked(tmp_path, webhook):
    config = alert_file(tmp_path, f"channels: [{{type: webhook, url: '{webhook.url}'}}]")
    stereo(tmp_path / "calls" / "20261121-093000_A1_C1.wav", 440)
    result = qc("run", tmp_path / "calls", "--out", tmp_path / "out", "--audio", "none", "--alert", config)
    assert result.exit_code == 0 and webhook.requests == [] and "qc: alert" not in result.output


def test_a_mistake_in_the_alert_file_stops_qc_run_before_any_audio(tmp_path):
    config = alert_file(tmp_path, "channels: [{type: dingtalk}]")
    stereo(tmp_path / "calls" / "20261121-093000_A1_C1.wav", 440)
    result = qc("run", tmp_path / "calls", "--out", tmp_path / "out", "--alert", config)
    assert result.exit_code == 2 and 'channel 1 (dingtalk): option "url"' in result.output
    assert not (tmp_path / "out").exists()
