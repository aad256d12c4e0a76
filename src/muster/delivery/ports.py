"""Ports for the channels that leave the building: email, SMS and HTTP (partners' webhooks).

Each port has implementations chosen by a function here (email and SMS by
settings, MUSTER_EMAIL_URL and MUSTER_SMS_URL: a real SMTP server or HTTP
gateway, or a folder, the development default), so the senders never touch
a protocol library and tests can swap a port. A send either returns the
provider's reference or raises SendFailed, saying whether trying again may
help; muster.delivery.outbound decides what happens next. Printing letters
has its port in muster.delivery.pdf.

Every email and SMS carries an idempotency key (the delivery's or message's own, e.g.
"muster-delivery-17"): in the email's Message-ID and an Idempotency-Key header, in the SMS
gateway request's Idempotency-Key header, and as the folder outbox's file name. A send a crash
cut off before it was recorded is repeated with the same key, so a provider can drop the copy;
`sent_before` tells whether a port can see that the message already left (only the folder can).
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
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
    def send(self, to: str, subject: str, body: str, *, key: str) -> str: ...

    def sent_before(self, key: str) -> str | None:
        """The reference of the message with this key if it is known to have left, else None."""
        ...


class SmsPort(Protocol):
    def send(self, to: str, text: str, *, key: str) -> str: ...

    def sent_before(self, key: str) -> str | None: ...


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

    def send(self, to: str, subject: str, body: str, *, key: str) -> str:
        message = email_message(to, subject, body, key)
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

    def sent_before(self, key: str) -> str | None:
        return None  # SMTP cannot be asked: the message is sent again with the same Message-ID


def email_message(to: str, subject: str, body: str, key: str) -> EmailMessage:
    """The email, its Message-ID and Idempotency-Key header made from `key`: the same for every
    attempt, so a server or provider that has it already can tell the copy."""
    sender = settings.DEFAULT_FROM_EMAIL
    domain = sender.rpartition("@")[2].strip("> ") or "muster.invalid"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{key}@{domain}>"
    message["Idempotency-Key"] = key
    message.set_content(body)
    return message


def _codes(recipients: dict) -> str:
    return ", ".join(str(code) for code, _ in recipients.values())


@dataclass
class FolderOutbox:
    """Writes each message to a file named by its key: for development and demos, never for
    production. A file appears whole or not at all (written under a temporary name in the same
    folder, flushed to disk, then renamed), and a message sent twice is the same file."""

    folder: Path
    suffix: str

    def path(self, key: str) -> Path:
        return self.folder / f"{key}{self.suffix}"

    def _write(self, key: str, content: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".partial")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, self.path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        folder = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a crash of the machine
        finally:
            os.close(folder)
        return key

    def send(self, to: str, *parts: str, key: str) -> str:
        return self._write(key, f"To: {to}\nIdempotency-Key: {key}\n" + "\n\n".join(parts) + "\n")

    def sent_before(self, key: str) -> str | None:
        return key if self.path(key).exists() else None


@dataclass
class HttpSms:
    """An HTTP SMS gateway: POST {"to": ..., "text": ...} as JSON with an Idempotency-Key header;
    2xx with an optional "id"."""

    url: str
    timeout: float = 5.0

    def send(self, to: str, text: str, *, key: str) -> str:
        body = json.dumps({"to": to, "text": text}).encode()
        req = request.Request(self.url, data=body, method="POST",
                              headers={"Content-Type": "application/json", "Idempotency-Key": key})
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

    def sent_before(self, key: str) -> str | None:
        return None  # the gateway is not asked: the request is repeated with the same Idempotency-Key


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
