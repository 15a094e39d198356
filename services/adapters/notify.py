"""Delivering a notice: a webhook (httpx, signed) or an e-mail (smtplib). Each returns the receiver's
answer and raises DeliveryFailed with it when the receiver did not take the notice."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import orjson

from services.domain.errors import DeliveryFailed
from services.domain.notices import Notice
from services.notices.events import payload, signature


class WebhookSender:
    def __init__(self, secret: str | None, base_url: str = "", timeout: float = 10.0) -> None:
        self._secret = secret
        self._base_url = base_url
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def send(self, receiver: str, notice: Notice) -> str:
        body = orjson.dumps(payload(notice, self._base_url))
        headers = {"Content-Type": "application/json", "X-Studio-Event": notice.event, "X-Studio-Id": notice.id}
        if self._secret:
            headers["X-Studio-Signature"] = signature(body, self._secret)
        try:
            answer = self._client.post(receiver, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        said = f"HTTP {answer.status_code} {answer.text[:200]}".strip()
        if not answer.is_success:
            raise DeliveryFailed(said)
        return said


class EmailSender:
    def __init__(self, smtp_url: str, sender: str, base_url: str = "", timeout: float = 20.0) -> None:
        self._url = urlsplit(smtp_url)
        self._sender = sender
        self._base_url = base_url
        self._timeout = timeout

    def send(self, receiver: str, notice: Notice) -> str:
        body: dict[str, Any] = payload(notice, self._base_url)
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = receiver.removeprefix("mailto:")
        message["Subject"] = body["text"][:200]
        message["Message-ID"] = f"<{notice.id}@model-studio>"  # the stable id, as for webhooks
        message.set_content(
            "\n".join(f"{k}: {v}" for k, v in body.items() if k != "text" and v) + "\n\n" + body["text"] + "\n"
        )
        url = self._url
        try:
            make = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
            with make(
                url.hostname or "localhost", url.port or (465 if url.scheme == "smtps" else 25), timeout=self._timeout
            ) as smtp:
                if url.scheme == "smtp" and smtp.has_extn("starttls"):
                    smtp.starttls()
                if url.username:
                    smtp.login(unquote(url.username), unquote(url.password or ""))
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if refused:
            raise DeliveryFailed(f"refused: {refused}")
        return "250 accepted"
