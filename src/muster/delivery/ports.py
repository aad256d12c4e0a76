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

import http.client
import json
import smtplib
import socket
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

from muster.rules import destinations


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
class PinnedHttp:
    """POST to a partner's receiver; a 2xx answer is success, its status the reference.

    The host is resolved once and every address is judged (`rules.destinations`), then the
    connection goes to that address with the URL's Host header and TLS name, so a DNS answer
    cannot change between the check and the connection. Redirects are never followed: a 3xx is
    a failed attempt. Every failure is temporary: a partner's receiver that answers 3xx, 4xx or
    5xx, or none, is usually being deployed or repaired, and what gives up is dead-lettered and
    replayable."""

    timeout: float = 10.0
    allow_private: bool = False
    tls: ssl.SSLContext | None = None  # the system's trusted authorities unless given (tests give their own)

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> str:
        parts = urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise SendFailed("receiver unreachable: a malformed URL", temporary=True) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SendFailed("receiver unreachable: a malformed URL", temporary=True)
        address = self.resolve(parts.hostname, port)  # checked here, connected to below: pinned
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        conn = _pinned(parts.scheme, parts.hostname, address, port, self.timeout, self.tls)
        try:
            conn.request("POST", target, body=body, headers={**headers, "Host": parts.netloc.rpartition("@")[2]})
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, cut short, garbled, timed out
            raise SendFailed(f"receiver unreachable: {type(exc).__name__}", temporary=True) from None
        finally:
            conn.close()
        if 300 <= response.status < 400:
            raise SendFailed(f"receiver answered {response.status}, a redirect (webhooks never follow one)",
                             temporary=True)
        if not 200 <= response.status < 300:
            raise SendFailed(f"receiver answered {response.status}", temporary=True)
        return str(response.status)

    def resolve(self, host: str, port: int) -> str:
        try:
            return destination(host, port, self.allow_private)
        except DestinationRefused as exc:
            raise SendFailed(f"receiver refused: {exc}", temporary=True) from None


class DestinationRefused(ValueError):
    """A webhook host that does not resolve, or resolves to an address Muster must not send to."""


def destination(host: str, port: int, allow_private: bool) -> str:
    """The one address to connect to for a webhook host: DestinationRefused if the name does not
    resolve or any of its addresses is one Muster must not send to (`rules.destinations`)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DestinationRefused(f"{host} does not resolve ({type(exc).__name__})") from None
    addresses = [str(info[4][0]) for info in found]
    for address in addresses:
        problem = destinations.address_problem(address, allow_private)
        if problem:
            raise DestinationRefused(f"{host} resolves to {problem}")
    return addresses[0]


class _PinnedHttps(http.client.HTTPSConnection):
    """HTTPS to a fixed address, with the certificate checked for the URL's host name."""

    def __init__(self, hostname: str, address: str, port: int, timeout: float, tls: ssl.SSLContext | None):
        super().__init__(address, port, timeout=timeout, context=tls or ssl.create_default_context())
        self.hostname = hostname

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.hostname)  # type: ignore[attr-defined]


def _pinned(scheme: str, hostname: str, address: str, port: int, timeout: float,
            tls: ssl.SSLContext | None) -> http.client.HTTPConnection:
    if scheme == "https":
        return _PinnedHttps(hostname, address, port, timeout, tls)
    return http.client.HTTPConnection(address, port, timeout=timeout)


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
    return PinnedHttp(timeout, allow_private=settings.MUSTER_WEBHOOK_ALLOW_PRIVATE)
