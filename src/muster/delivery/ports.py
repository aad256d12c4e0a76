"""Ports for the channels that leave the building: email, SMS and HTTP (partners' webhooks).

Each port has implementations chosen by a function here (email and SMS by
settings, MUSTER_EMAIL_URL and MUSTER_SMS_URL: a real SMTP server or HTTP
gateway, or a folder, the development default), so the senders never touch
a protocol library and tests can swap a port. A send either returns the
provider's reference or raises SendFailed, saying whether trying again may
help; muster.delivery.outbound decides what happens next. Printing letters
has its port in muster.delivery.pdf.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol
from urllib import error, request
from urllib.parse import unquote, urlsplit

from django.conf import settings


class SendFailed(Exception):
    def __init__(self, message: str, temporary: bool):
        super().__init__(message)
        self.temporary = temporary


class EmailPort(Protocol):
    def send(self, to: str, subject: str, body: str) -> str: ...


class SmsPort(Protocol):
    def send(self, to: str, text: str) -> str: ...


class HttpPort(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> str: ...


@dataclass
class SmtpEmail:
    host: str
    port: int
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0

    def send(self, to: str, subject: str, body: str) -> str:
        message = EmailMessage()
        message["From"] = settings.DEFAULT_FROM_EMAIL
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="muster.invalid")
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendFailed(f"SMTP refused the recipient: {_codes(exc.recipients)}", temporary=False) from None
        except smtplib.SMTPResponseException as exc:
            raise SendFailed(f"SMTP {exc.smtp_code}", temporary=exc.smtp_code < 500) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"SMTP server unreachable: {type(exc).__name__}", temporary=True) from None
        return str(message["Message-ID"])


def _codes(recipients: dict) -> str:
    return ", ".join(str(code) for code, _ in recipients.values())


@dataclass
class FolderOutbox:
    """Writes each message to a file: for development and demos, never for production."""

    folder: Path
    suffix: str

    def _write(self, content: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        ref = uuid.uuid4().hex
        (self.folder / f"{ref}{self.suffix}").write_text(content, encoding="utf-8")
        return ref

    def send(self, to: str, *parts: str) -> str:
        return self._write(f"To: {to}\n" + "\n\n".join(parts) + "\n")


@dataclass
class HttpSms:
    """An HTTP SMS gateway: POST {"to": ..., "text": ...} as JSON; 2xx with an optional "id"."""

    url: str
    timeout: float = 5.0

    def send(self, to: str, text: str) -> str:
        body = json.dumps({"to": to, "text": text}).encode()
        req = request.Request(self.url, data=body, method="POST",
                              headers={"Content-Type": "application/json"})
        try:
            with request.urlopen(req, timeout=self.timeout) as response:
                answer = response.read()
        except error.HTTPError as exc:
            raise SendFailed(f"SMS gateway answered {exc.code}", temporary=exc.code >= 500 or exc.code == 429) from None
        except (error.URLError, TimeoutError, OSError) as exc:
            raise SendFailed(f"SMS gateway unreachable: {type(exc).__name__}", temporary=True) from None
        try:
            return str(json.loads(answer).get("id", ""))
        except (ValueError, AttributeError):
            return ""


@dataclass
class UrllibHttp:
    """POST with the standard library; a 2xx answer is success, its status the reference.

    Every failure is temporary: a partner's receiver that answers 4xx or 5xx, or none, is
    usually being deployed or repaired, and what gives up is dead-lettered and replayable."""

    timeout: float = 10.0

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> str:
        try:
            req = request.Request(url, data=body, method="POST", headers=dict(headers))
            with request.urlopen(req, timeout=self.timeout) as response:  # noqa: S310 (URL set by an administrator)
                response.read()
                return str(response.status)
        except error.HTTPError as exc:
            raise SendFailed(f"receiver answered {exc.code}", temporary=True) from None
        except (error.URLError, TimeoutError, OSError, ValueError) as exc:  # ValueError: a malformed URL
            reason = getattr(exc, "reason", None) or type(exc).__name__
            raise SendFailed(f"receiver unreachable: {reason}", temporary=True) from None


def email_port() -> EmailPort:
    parts = urlsplit(settings.MUSTER_EMAIL_URL)
    if parts.scheme == "file":
        return FolderOutbox(Path(unquote(parts.path)), ".eml")  # type: ignore[return-value]
    return SmtpEmail(host=parts.hostname or "127.0.0.1", port=parts.port or 25,
                     username=unquote(parts.username or ""), password=unquote(parts.password or ""),
                     starttls="starttls=true" in parts.query)


def sms_port() -> SmsPort:
    parts = urlsplit(settings.MUSTER_SMS_URL)
    if parts.scheme == "file":
        return FolderOutbox(Path(unquote(parts.path)), ".sms")  # type: ignore[return-value]
    return HttpSms(settings.MUSTER_SMS_URL)


def http_port(timeout: float) -> HttpPort:
    return UrllibHttp(timeout)
