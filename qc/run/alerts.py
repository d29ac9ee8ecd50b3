"""Alerts after a run (``qc run --alert alerts.yaml``): a digest of the run's fatal failures,
the calls it could not process and the agents whose score dropped, sent to chat robots, a
webhook or by e-mail.

The alert file::

    language: auto            # zh | en | auto: the language of most calls of the run
    events: [fatal, failed, score_drop]   # the sections of the digest
    fatal_severities: [critical]          # besides rules marked fatal: true
    score_drop: {points: 10, days: 7, min_calls: 3}
    send_when_clean: false    # true: also send when there is nothing to report
    timeout_s: 10             # per attempt; a failed delivery is tried once more
    channels:
      - type: dingtalk        # 钉钉 group robot
        url: https://oapi.dingtalk.com/robot/send?access_token=...
        secret: SEC...        # optional: the robot's signing secret (加签)
      - type: wecom           # 企业微信 group robot
        url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...
      - type: feishu          # 飞书 custom bot
        url: https://open.feishu.cn/open-apis/bot/v2/hook/...
        secret: ...           # optional: signature verification (签名校验)
      - type: slack           # Slack and the chat tools that take its incoming-webhook JSON
        url: https://hooks.slack.com/services/...
      - type: webhook         # any HTTP endpoint: the digest as JSON
        url: https://qa.example.com/qc-digest
      - type: smtp
        host: smtp.example.com
        port: 465             # default: 465 with tls ssl, 587 with starttls, 25 with none
        tls: ssl              # ssl | starttls | none [default: ssl on port 465, else starttls]
        user: qc@example.com
        password: ${QC_SMTP_PASSWORD}   # ${NAME} is read from the environment, anywhere in the file
        from: qc@example.com  # default: user
        to: [qa-lead@example.com, ops@example.com]

Every key but ``channels`` is optional. Fatal failures are failed rules of the calls scored in
this run that are marked ``fatal: true`` or have a listed severity. An agent's score dropped
when their mean score in this run is at least ``score_drop.points`` below the mean of their
calls started in the ``days`` days before (with at least ``min_calls`` of them). The message
is in the calls' language and lists each fatal failure (call id, agent, rule), each failed
call (id, reason) and each agent whose score dropped; with ``--redact`` call ids and reasons
are masked. Nothing is sent when there is nothing to report, unless ``send_when_clean``.

A channel that cannot be reached in ``timeout_s`` or refuses the message is tried once more;
if it fails again, one line on stderr says so (``qc: alert not delivered: dingtalk
oapi.dingtalk.com: HTTP Error 500: ...``), the run summary records it, and the exit code is
what the run's calls made it. A mistake in the alert file is found before any audio is
decoded (exit code 2). DingTalk robots with "custom keywords" security need a keyword that
every message carries: ``qc``.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..errors import ConfigError
from ..rules.yamlfile import read_yaml
from .channels import CHANNEL_TYPES, Channel
from .digest import DropSettings, build_digest, render
from .store import Store

EVENTS = ("fatal", "failed", "score_drop")
TLS_MODES = ("ssl", "starttls", "none")
PORTS = {"ssl": 465, "starttls": 587, "none": 25}
RETRY_PAUSE_S = 2.0
FILE_KEYS = ("language", "events", "fatal_severities", "score_drop", "send_when_clean", "timeout_s", "channels")


@dataclass(frozen=True)
class AlertSettings:
    channels: tuple[Channel, ...]
    language: str = "auto"
    events: tuple[str, ...] = EVENTS
    fatal_severities: tuple[str, ...] = ("critical",)
    score_drop: DropSettings = field(default_factory=DropSettings)
    send_when_clean: bool = False
    timeout_s: float = 10.0


def load_alerts(path: Path) -> AlertSettings:
    """The alert file, checked: a mistake names the file, the channel, the key, what was expected and found."""
    data = _expand_env(path, read_yaml(Path(path)))
    if not isinstance(data, dict):
        raise _invalid(path, "", "", "a mapping with a 'channels' list", data)
    _known_keys(path, "", data, FILE_KEYS)
    channels = data.get("channels")
    if not isinstance(channels, list) or not channels:
        raise _invalid(path, "", "channels", "a list of at least one channel", channels)
    drop = data.get("score_drop") or {}
    if not isinstance(drop, dict):
        raise _invalid(path, "", "score_drop", "a mapping of points, days, min_calls", drop)
    _known_keys(path, "score_drop: ", drop, ("points", "days", "min_calls"))
    return AlertSettings(
        channels=tuple(_channel(path, i, entry) for i, entry in enumerate(channels, 1)),
        language=_choice(path, "", "language", data.get("language", "auto"), ("auto", "zh", "en")),
        events=tuple(_choice(path, "", "events", e, EVENTS) for e in _strings(path, "", "events", data.get(
            "events", list(EVENTS)))),
        fatal_severities=tuple(_strings(path, "", "fatal_severities", data.get("fatal_severities", ["critical"]))),
        score_drop=DropSettings(points=_number(path, "score_drop: ", "points", drop.get("points", 10), 0),
                                days=int(_number(path, "score_drop: ", "days", drop.get("days", 7), 1, integer=True)),
                                min_calls=int(_number(path, "score_drop: ", "min_calls", drop.get("min_calls", 3), 1,
                                                      integer=True))),
        send_when_clean=_flag(path, "send_when_clean", data.get("send_when_clean", False)),
        timeout_s=_number(path, "", "timeout_s", data.get("timeout_s", 10), 0.1))


def _channel(path: Path, number: int, entry) -> Channel:
    where = f"channel {number}: "
    if not isinstance(entry, dict):
        raise _invalid(path, where, "", "a mapping with a type", entry)
    kind = CHANNEL_TYPES.get(entry.get("type"))
    if kind is None:
        raise _invalid(path, where, "type", f"one of {', '.join(CHANNEL_TYPES)}", entry.get("type"))
    where = f"channel {number} ({kind.name}): "
    _known_keys(path, where, entry, ("type", *kind.required, *kind.optional))
    for key in kind.required:
        if entry.get(key) in (None, "", []):
            raise _invalid(path, where, key, "a value (required)", entry.get(key))
    values = {key: entry[key] for key in (*kind.required, *kind.optional) if key in entry}
    if "url" in values and not re.match(r"https?://[^/\s]+", str(values["url"])):
        raise _invalid(path, where, "url", "an http:// or https:// URL", values["url"])
    if kind.name != "smtp":
        return Channel(kind.name, url=str(values["url"]), secret=str(values.get("secret") or ""))
    to = [values["to"]] if isinstance(values["to"], str) else values["to"]
    if not isinstance(to, list) or not all(isinstance(a, str) and "@" in a for a in to):
        raise _invalid(path, where, "to", "an e-mail address or a list of them", values["to"])
    port = values.get("port")
    default_tls = "ssl" if port == 465 else "starttls"
    tls = _choice(path, where, "tls", values.get("tls", default_tls), TLS_MODES)
    port = int(_number(path, where, "port", port or PORTS[tls], 1, integer=True, most=65535))
    sender = str(values.get("from") or values.get("user") or "")
    if "@" not in sender:
        raise _invalid(path, where, "from", "an e-mail address (or a user that is one)", sender)
    return Channel("smtp", host=str(values["host"]), port=port, tls=tls, user=str(values.get("user") or ""),
                   password=str(values.get("password") or ""), sender=sender, to=tuple(to))


def _invalid(path, where: str, key: str, expected: str, found) -> ConfigError:
    option = f'option "{key}": ' if key else ""
    return ConfigError(f"{path}: {where}{option}expected {expected}, found {found!r}")


def _known_keys(path, where: str, data: dict, keys: Sequence[str]) -> None:
    for key in data:
        if key not in keys:
            raise _invalid(path, where, key, f"one of the keys {', '.join(keys)}", key)


def _choice(path, where, key, value, choices):
    if value not in choices:
        raise _invalid(path, where, key, f"one of {', '.join(choices)}", value)
    return value


def _strings(path, where, key, value) -> list:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(path, where, key, "a list of strings", value)
    return value


def _number(path, where, key, value, least: float, integer: bool = False, most: float = float("inf")) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and value != int(value)) \
            or not least <= value <= most:
        kind = "an integer" if integer else "a number"
        raise _invalid(path, where, key, f"{kind} from {least:g}" + (f" to {most:g}" if most < float("inf") else ""),
                       value)
    return float(value)


def _flag(path, key, value) -> bool:
    if not isinstance(value, bool):
        raise _invalid(path, "", key, "true or false", value)
    return value


def _expand_env(path, value):
    """``${NAME}`` in any string becomes the environment variable's value (secrets stay out of the file)."""
    if isinstance(value, dict):
        return {k: _expand_env(path, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(path, v) for v in value]
    if not isinstance(value, str):
        return value

    def variable(match: re.Match) -> str:
        if match.group(1) not in os.environ:
            raise ConfigError(f"{path}: ${{{match.group(1)}}} is not set in the environment")
        return os.environ[match.group(1)]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", variable, value)


def send(settings: AlertSettings, message, sleep=time.sleep) -> tuple[list[str], list[str]]:
    """Deliver ``message`` on every channel, each tried twice; return (delivered, failed) as lines."""
    delivered, failed = [], []
    for channel in settings.channels:
        for attempt in (1, 2):
            try:
                CHANNEL_TYPES[channel.type].send(channel, message, settings.timeout_s)
            except Exception as exc:  # whatever the network or the server says, the run goes on
                if attempt == 1:
                    sleep(RETRY_PAUSE_S)
                    continue
                failed.append(f"{channel.name}: {exc}".replace("\n", " "))
            else:
                delivered.append(channel.name)
            break
    return delivered, failed


def alert_run(settings: AlertSettings, store: Store, summary, redact: bool = False) -> tuple[list[str], list[str]]:
    """Build the run's digest and send it; return (delivered, failed). Never raises."""
    try:
        digest = build_digest(store, summary.scored, summary.failed, settings.events, settings.score_drop,
                              settings.fatal_severities, settings.language, redact)
        if digest.clean and not settings.send_when_clean:
            return [], []
        return send(settings, render(digest))
    except Exception as exc:  # an alert never costs the night its exit code
        logging.getLogger("qc").debug("alert", exc_info=True)
        return [], [f"not sent: internal error: {exc!r}"]

