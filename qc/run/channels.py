"""Where alerts go: the table of channel types, each a message body and a transport::

    type      sent as                                                     secret (optional)
    dingtalk  POST {"msgtype": "text", "text": {"content": ...}}          timestamp and sign on the URL
    wecom     POST {"msgtype": "text", "text": {"content": ...}}
    feishu    POST {"msg_type": "text", "content": {"text": ...}}         timestamp and sign in the body
    slack     POST {"text": ...}                                          (Slack-style incoming webhooks)
    webhook   POST {"title", "text", "language", "scored", "fatal", "failed", "score_drops"}
    smtp      a UTF-8 text e-mail: the title as subject, the text as body

Chat robots answer HTTP 200 with an error code in the body when they refuse a message (a bad
signature, a missing keyword, a text too long): that is a failure to deliver too. Texts are cut
at a line to the robots' size limits. Only the standard library is used (urllib, smtplib).
A new channel type is a function and an entry in ``CHANNEL_TYPES``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Callable, Optional

from .. import __version__
from .digest import Message, fit


@dataclass(frozen=True)
class Channel:
    """One destination of the alert file, validated (``qc.run.alerts``)."""

    type: str
    url: str = ""
    secret: str = ""  # DingTalk and Feishu signing
    host: str = ""
    port: int = 0
    tls: str = "starttls"  # ssl | starttls | none
    user: str = ""
    password: str = ""
    sender: str = ""  # the file's "from"
    to: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """How logs name it: its type and host, never the token in its URL."""
        where = f"{self.host}:{self.port}" if self.type == "smtp" else urllib.parse.urlsplit(self.url).netloc
        return f"{self.type} {where}"


class Refused(Exception):
    """A robot answered with an error code. Caught by ``qc.run.alerts.send``; never leaves qc.run."""


def post_json(url: str, body: dict, timeout_s: float, robot: bool = False) -> None:
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": f"qc/{__version__}"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:  # HTTPError past 2xx
        answer = response.read(1 << 16)
    if not robot:
        return
    try:
        data = json.loads(answer)
    except ValueError:
        return
    if isinstance(data, dict):
        code = next((data[k] for k in ("errcode", "code", "StatusCode") if k in data), 0)
        if code not in (0, "0", None):
            reason = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
            raise Refused(f"refused with code {code}: {reason}".rstrip(": "))


def chat_text(message: Message, limit_bytes: Optional[int]) -> str:
    return fit(f"{message.title}\n\n{message.text}", limit_bytes)


def hmac_base64(key: str, text: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), text.encode(), hashlib.sha256).digest()).decode()


def _dingtalk(channel: Channel, message: Message, timeout_s: float) -> None:
    url = channel.url
    if channel.secret:  # "加签": HMAC-SHA256 of "<ms>\n<secret>" keyed by the secret
        stamp = str(round(time.time() * 1000))
        sign = urllib.parse.quote_plus(hmac_base64(channel.secret, f"{stamp}\n{channel.secret}"))
        url += f"{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"
    post_json(url, {"msgtype": "text", "text": {"content": chat_text(message, 18_000)}}, timeout_s, robot=True)


def _wecom(channel: Channel, message: Message, timeout_s: float) -> None:
    post_json(channel.url, {"msgtype": "text", "text": {"content": chat_text(message, 2048)}}, timeout_s, robot=True)


def _feishu(channel: Channel, message: Message, timeout_s: float) -> None:
    body: dict = {"msg_type": "text", "content": {"text": chat_text(message, 18_000)}}
    if channel.secret:  # "签名校验": HMAC-SHA256 of nothing keyed by "<s>\n<secret>"
        stamp = str(int(time.time()))
        body = {"timestamp": stamp, "sign": hmac_base64(f"{stamp}\n{channel.secret}", ""), **body}
    post_json(channel.url, body, timeout_s, robot=True)


def _slack(channel: Channel, message: Message, timeout_s: float) -> None:
    post_json(channel.url, {"text": chat_text(message, 39_000)}, timeout_s)


def _webhook(channel: Channel, message: Message, timeout_s: float) -> None:
    post_json(channel.url, message.data, timeout_s)


def _smtp(channel: Channel, message: Message, timeout_s: float) -> None:
    import smtplib
    import ssl
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = message.title, channel.sender, ", ".join(channel.to)
    mail["Date"], mail["Message-ID"] = formatdate(localtime=True), make_msgid(domain="qc.local")
    mail.set_content(message.text)
    context = ssl.create_default_context()
    if channel.tls == "ssl":
        server = smtplib.SMTP_SSL(channel.host, channel.port, timeout=timeout_s, context=context)
    else:
        server = smtplib.SMTP(channel.host, channel.port, timeout=timeout_s)
    with server:
        if channel.tls == "starttls":
            server.starttls(context=context)
        if channel.user:
            server.login(channel.user, channel.password)
        server.send_message(mail)


@dataclass(frozen=True)
class ChannelType:
    name: str
    required: tuple[str, ...]  # keys of the alert file's channel entry
    optional: tuple[str, ...]
    send: Callable[[Channel, Message, float], None]


CHANNEL_TYPES: dict[str, ChannelType] = {t.name: t for t in (
    ChannelType("dingtalk", ("url",), ("secret",), _dingtalk),
    ChannelType("wecom", ("url",), (), _wecom),
    ChannelType("feishu", ("url",), ("secret",), _feishu),
    ChannelType("slack", ("url",), (), _slack),
    ChannelType("webhook", ("url",), (), _webhook),
    ChannelType("smtp", ("host", "to"), ("port", "tls", "user", "password", "from"), _smtp),
)}
