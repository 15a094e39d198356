"""Delivering the outbox: each notice to every receiver (webhooks, e-mail), at least once, with retries
and exponential backoff, safe with several replicas: a delivery is claimed by one dispatcher at a time
(NoticeStore.claim), so each receiver gets each notice once unless a dispatcher dies mid-send (then
again, with the same Id)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from services.background import Background
from services.domain.errors import DeliveryFailed
from services.domain.notices import Delivery, Notice
from services.notices.subscriptions import Subscriptions
from services.ports import NoticeStore

CLAIM_SECONDS = 60.0


class Sender(Protocol):
    def send(self, receiver: str, notice: Notice) -> str:
        """Deliver; the receiver's answer. Raises DeliveryFailed with it when not taken."""


class Dispatcher:
    def __init__(
        self,
        store: NoticeStore,
        subscriptions: Subscriptions,
        *,
        webhook: Sender | None,
        webhook_urls: Sequence[str],
        email: Sender | None,
        retry_seconds: float = 30.0,
        attempts: int = 8,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        poll_seconds: float = 2.0,
    ) -> None:
        self._store = store
        self._subscriptions = subscriptions
        self._webhook = webhook
        self._urls = tuple(webhook_urls)
        self._email = email
        self._retry = retry_seconds
        self._attempts = attempts
        self._clock = clock
        self.owner = f"dispatcher-{uuid.uuid4().hex[:12]}"
        self._background = Background("model-studio-dispatcher", poll_seconds, self.run_once)

    def receivers(self, notice: Notice) -> list[str]:
        """Every webhook (the team's channels get every event); by e-mail the model's owner and the
        admins who want it (services/notices/subscriptions.py), when SMTP is set."""
        found = list(self._urls) if self._webhook is not None else []
        if self._email is not None:
            found += self._subscriptions.email_receivers(notice)
        return found

    def log(self, limit: int = 500) -> list[tuple[Delivery, Notice]]:
        """The delivery log: each notice to each receiver, most recently changed first."""
        return self._store.deliveries(limit)

    def run_once(self) -> list[Delivery]:
        """Fan out new notices, then try every due delivery this dispatcher can claim."""
        now = self._clock()
        for notice in self._store.unfanned():
            self._store.fan_out(notice.id, self.receivers(notice), now)
        done = []
        for delivery, notice in self._store.claim(self.owner, now, CLAIM_SECONDS):
            sender = self._email if delivery.receiver.startswith("mailto:") else self._webhook
            attempts = delivery.attempts + 1
            try:
                if sender is None:
                    raise DeliveryFailed("this receiver's channel is no longer configured")
                answer = sender.send(delivery.receiver, notice)
            except DeliveryFailed as exc:
                last = attempts >= self._attempts
                wait = min(self._retry * 2 ** (attempts - 1), 6 * 3600)
                result = delivery.model_copy(
                    update={
                        "state": "failed" if last else "retrying",
                        "attempts": attempts,
                        "next_at": self._clock() + timedelta(seconds=wait),
                        "answer": str(exc)[:500],
                        "updated_at": self._clock(),
                    }
                )
            else:
                result = delivery.model_copy(
                    update={"state": "sent", "attempts": attempts, "answer": answer[:500], "updated_at": self._clock()}
                )
            self._store.finish(result, self.owner)
            done.append(result)
        return done

    def start(self) -> None:
        self._background.start()

    def stop(self) -> None:
        self._background.stop()
