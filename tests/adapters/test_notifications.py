"""Notices that arrive: real receivers (an HTTP server and an SMTP server on loopback), the outbox
written with the change, retries, a restart between the change and its delivery, two dispatchers on
one database."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.factories import jsonl, upload
from tests.support.fakes import ADMIN, MEMBER, World

LITE = "bedrock:amazon.titan-text-lite-v1:0:4k"
SECRET = "whsec-test"


class Receiver(ThreadingHTTPServer):
    """Records every webhook; answers 500 to the first ``fail`` of them."""

    def __init__(self, fail: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fail = fail
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.got.append((dict(self.headers), body))
        failing = self.server.fail > 0
        self.server.fail -= 1
        self.send_response(500 if failing else 200)
        self.end_headers()
        self.wfile.write(b"try later" if failing else b"ok")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(fail=2)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def mailbox() -> Iterator[tuple[str, list[Any]]]:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
            received.append(envelope)
            return "250 OK"

    from tests.support.servers import free_port

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", received
    controller.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        import os

        base = os.environ.get("STUDIO_TEST_DATABASE_URL")
        monkeypatch.setenv("STUDIO_TEST_WORLD_DATABASE_URL", str(base))
        return str(url)
    monkeypatch.setenv("STUDIO_TEST_WORLD_DATABASE_URL", "sqlite")
    return "sqlite"


def world_of(root: Path, **settings: object) -> World:
    world = World(root, notify_retry_seconds=0.01, admins=["ada@example.com"], **settings)
    world.catalog.sync(actor=ADMIN)
    world.catalog.enable(LITE, actor=ADMIN)
    return world


def train(world: World) -> str:
    from services.customization import NewCustomModel

    data = jsonl(120)
    model = world.customization.create(NewCustomModel(name="bot", base_model_id=LITE), upload(data), actor=MEMBER)
    world.clock.advance(seconds=61)
    world.customization.refresh(model.id)  # Completed: the notice is written with this change
    return str(model.id)


def drain(world: World, rounds: int = 20) -> None:
    for _ in range(rounds):
        world.services.dispatcher.run_once()
        time.sleep(0.03)


def test_a_signed_webhook_arrives_once_after_two_failures(store_url: str, receiver: Receiver, tmp_path: Path) -> None:
    world = world_of(tmp_path, webhook_urls=[receiver.url], webhook_secret=SECRET, public_url="https://studio.test")
    model_id = train(world)
    (notice,) = [n for n in world.store.outbox.notices() if n.event == "job.completed"]
    assert notice.model_id == model_id and "Completed" in (notice.status or "")
    drain(world)
    completed = [(h, b) for h, b in receiver.got if json.loads(b)["Event"] == "job.completed"]
    assert len(completed) == 3  # two refusals, then once: never again after it was taken
    headers, body = completed[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Studio-Signature"], expected)  # as a receiver checks it
    sent = json.loads(body)
    assert sent["Id"] == notice.id and all(json.loads(b)["Id"] == notice.id for _, b in completed)
    assert sent["ModelName"] == "bot" and sent["Url"] == f"https://studio.test/custom-models?model={model_id}"
    assert "job.completed" in sent["text"] and sent["At"]
    log = {(d.receiver, n.event): d for d, n in world.store.outbox.deliveries()}
    delivery = log[(receiver.url, "job.completed")]
    assert (delivery.state, delivery.attempts) == ("sent", 3) and delivery.answer.startswith("HTTP 200")


def test_mail_reaches_the_owner_and_the_admins(store_url: str, mailbox, tmp_path: Path) -> None:
    url, received = mailbox
    world = world_of(tmp_path, smtp_url=url, notify_from="studio@example.com")
    train(world)
    drain(world, 5)
    to = sorted(rcpt for envelope in received for rcpt in envelope.rcpt_tos)
    assert to == ["ada@example.com", "mia@example.com"]  # the owner (MEMBER made it) and the admin
    text = received[0].content.decode()
    assert "job.completed" in text and "Subject: Model Studio: job.completed for bot" in text


def test_a_notice_written_before_a_crash_is_delivered_after_the_restart(
    store_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    if store_url != "sqlite":
        pytest.skip("one SQLite file shared by the two lives of the process is the case here")
    receiver.fail = 0
    first = world_of(tmp_path, webhook_urls=[receiver.url])
    train(first)  # the change and its notice are committed; nothing is delivered before the "crash"
    assert receiver.got == []
    again = World(tmp_path, webhook_urls=[receiver.url])  # a new process on the same database
    drain(again, 3)
    assert [json.loads(b)["Event"] for _, b in receiver.got] == ["job.completed"]


def test_two_dispatchers_on_one_database_deliver_each_notice_once(
    store_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.fail = 0
    world = world_of(tmp_path, webhook_urls=[receiver.url])
    from services.adapters.sql import SqlDatabase
    from services.notices.subscriptions import Subscriptions
    from services.outside import dispatcher

    train(world)
    for _ in range(5):  # more notices: throughput provisioned, InService, removed, ...
        world.customization.provision_throughput(world.customization.list()[0].id, actor=ADMIN)
        world.clock.advance(seconds=11)
        world.customization.refresh(world.customization.list()[0].id)
        world.customization.remove_throughput(world.customization.list()[0].id, actor=ADMIN)
    assert isinstance(world.store, SqlDatabase)
    other = SqlDatabase(world.store.engine)  # another replica's store: its own dispatcher
    settings = world.services.settings
    a, b = (
        world.services.dispatcher,
        dispatcher(settings, other.outbox, Subscriptions(other.outbox, other.custom_models, settings.admins)),
    )

    def run(dispatcher: Any) -> None:
        for _ in range(10):
            dispatcher.run_once()

    threads = [threading.Thread(target=run, args=(d,)) for d in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [json.loads(body)["Id"] for _, body in receiver.got]
    assert len(ids) == len(set(ids)) == len(world.store.outbox.notices()) >= 10
