"""Attacks over real HTTP against a running server: DNS rebinding (2), cross-site requests (3),
oversized uploads (4), S3 URI escapes (5), denial of service (9), text the database refuses (10),
framing (14), over-long S3 keys (15), repeated JSON keys (17)."""

from __future__ import annotations

import httpx
import pytest
import websockets.sync.client as ws_client
from websockets.exceptions import InvalidStatus

from tests.security.conftest import UPLOAD_MB, Target, enable, put_object, vm
from tests.support.factories import LLAMA, jsonl


@pytest.fixture(scope="module")
def victim(target: Target) -> dict[str, str]:
    """A custom model with training data, and an enabled base model: what an attacker goes after."""
    enable(target, LLAMA)
    uri = put_object(target, "sets/victim.jsonl", jsonl(130))
    r = httpx.post(
        f"{target.url}/api/custom-models",
        json={"ModelName": "victim", "BaseModelId": LLAMA, "TrainingDataLocation": uri},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    return {"model": r.json()["Id"], "uri": uri}


# ---- 2. DNS rebinding: a name that resolves to 127.0.0.1 is not a name we serve ------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/api/models"),
        ("GET", "/api/custom-models/{model}/download?type=training"),
        ("DELETE", "/api/custom-models/{model}"),
        ("POST", "/api/models/sync"),
        ("GET", "/_stcore/health"),
    ],
)
def test_dns_rebinding_is_refused(target: Target, victim: dict[str, str], method: str, path: str) -> None:
    before = target.snapshot()
    port = target.url.rsplit(":", 1)[1]
    r = httpx.request(method, target.url + path.format(**victim), headers={"Host": f"attacker.test:{port}"}, timeout=30)
    assert r.status_code == 400 and "attacker.test" in r.json()["Message"]
    assert b"prompt" not in r.content  # no training data left the server
    assert target.snapshot() == before
    # the same request under the name the server is reached by works (the test can fail)
    assert httpx.get(target.url + "/api/custom-models/" + victim["model"], timeout=30).status_code == 200


def test_dns_rebinding_cannot_open_the_ui_stream(target: Target) -> None:
    port = target.url.rsplit(":", 1)[1]
    with pytest.raises(InvalidStatus) as refused:
        ws_client.connect(
            f"ws://127.0.0.1:{port}/_stcore/stream",
            additional_headers={"Host": f"attacker.test:{port}", "Origin": f"http://attacker.test:{port}"},
            open_timeout=10,
        )
    assert refused.value.response.status_code in (400, 403)
    with ws_client.connect(f"ws://127.0.0.1:{port}/_stcore/stream", open_timeout=10) as ok:  # control
        assert ok.protocol.state.name == "OPEN"


def test_a_page_of_another_site_cannot_open_the_ui_stream(target: Target) -> None:
    port = target.url.rsplit(":", 1)[1]
    with pytest.raises(InvalidStatus):
        ws_client.connect(
            f"ws://127.0.0.1:{port}/_stcore/stream", additional_headers={"Origin": "http://evil.test"}, open_timeout=10
        )
    with ws_client.connect(
        f"ws://127.0.0.1:{port}/_stcore/stream", additional_headers={"Origin": target.url}, open_timeout=10
    ):
        pass


# ---- 3. CSRF: cross-site writes without a token are refused -------------------------------------
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.test"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:1"},  # another port on this machine
        {"Origin": "http://127.0.0.1:1"},
    ],
)
@pytest.mark.parametrize("action", ["/api/models/{model}/disable", "/api/models/{model}/enable", "/api/models/sync"])
def test_cross_site_writes_are_refused(target: Target, headers: dict[str, str], action: str) -> None:
    enable(target, LLAMA)
    other = "bedrock:amazon.titan-text-lite-v1:0:4k"
    model = LLAMA if "disable" in action else other
    before = target.snapshot()
    r = httpx.post(target.url + action.format(model=model), headers=headers, timeout=30)  # no body, no preflight
    assert r.status_code == 403 and r.json()["Code"] == "CrossSiteRequest"
    assert target.snapshot() == before


def test_same_origin_and_token_writes_still_work(target: Target) -> None:
    from tests.security.conftest import create_token

    r = httpx.post(
        f"{target.url}/api/models/{LLAMA}/disable",
        headers={"Origin": target.url, "Sec-Fetch-Site": "same-origin"},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["Enabled"] is False
    token = create_token(target, "ci@example.com", "admin")
    r = httpx.post(  # a Bearer token is never sent by a browser on its own: no CSRF, whatever the Origin
        f"{target.url}/api/models/{LLAMA}/enable",
        headers={"Authorization": f"Bearer {token}", "Origin": "http://evil.test"},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["Enabled"] is True


# ---- 4. uploads: the server's limit, never held whole in memory --------------------------------------
def test_an_upload_over_the_limit_is_refused_by_the_server(target: Target) -> None:
    with target.session() as session:
        before = target.snapshot()
        too_big = b"x" * (UPLOAD_MB * 1024 * 1024 + 1)
        r = session.upload(too_big)
        assert (r.status_code == 413 and "STUDIO_MAX_UPLOAD_MB" in r.text) or "larger than" in r.text

        def chunks():  # no Content-Length: the limit holds while the body streams
            boundary = b"--b\r\nContent-Disposition: form-data; name=file; filename=t.jsonl\r\n\r\n"
            yield boundary
            for _ in range(UPLOAD_MB + 2):
                yield b"y" * (1024 * 1024)
            yield b"\r\n--b--\r\n"

        r = session.upload(content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"})
        assert r.status_code == 413
        assert target.snapshot() == before
        ok = session.upload(jsonl(10), file_id="small")  # control: within the limit
        assert ok.status_code == 204
        assert len(target.snapshot()["uploads"]) == len(before["uploads"]) + 1


def test_an_upload_is_kept_on_disk_not_in_memory(tmp_path) -> None:
    from tests.security.conftest import serving

    mb = 96
    with serving(tmp_path, STUDIO_MAX_UPLOAD_MB=str(mb)) as target, target.session() as session:
        data = jsonl(10) * (mb * 1024 * 1024 // len(jsonl(10)) - 1)
        assert session.upload(b"{}\n", file_id="warm").status_code == 204
        rss_before = vm(target.url.pid, "VmRSS")
        r = session.upload(data, file_id="big")
        assert r.status_code == 204
        grown_mb = (vm(target.url.pid, "VmHWM") - rss_before) / 1024
        assert grown_mb < mb / 3, f"the server's peak memory grew by {grown_mb:.0f} MB for a {mb} MB upload"
        kept = [p for p in (target.data / "uploads").iterdir() if p.stat().st_size == len(data)]
        assert len(kept) == 1 and kept[0].read_bytes()[:100] == data[:100]


# ---- 5 and 15: S3 URIs that name something else, or that no store can hold ----------------------
@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("s3://model-studio/../my-data/train.jsonl", "'..' segment"),
        ("s3://model-studio/./sets/victim.jsonl", "'.' segment"),
        ("s3://model-studio//sets/victim.jsonl", "empty segment"),
        ("s3://model-studio/sets/%2e%2e/victim.jsonl", "%-escape"),
        ("s3://model-studio/" + "a" * 300 + ".jsonl", "at most 255 bytes"),
    ],
)
def test_s3_uris_that_escape_or_overflow_are_refused(target: Target, uri: str, says: str) -> None:
    outside = target.data / "s3" / "my-data" / "train.jsonl"
    outside.parent.mkdir(parents=True, exist_ok=True)
    outside.write_bytes(jsonl(130))  # data in a bucket Model Studio may not read
    before = target.snapshot()
    r = httpx.post(
        f"{target.url}/api/custom-models",
        json={"ModelName": "escape", "BaseModelId": LLAMA, "TrainingDataLocation": uri},
        timeout=60,
    )
    assert r.status_code == 422, r.text
    assert says in r.text and "Traceback" not in r.text
    assert target.snapshot() == before


# ---- 9. denial of service by a signed-in user ------------------------------------------------------------
def test_huge_bodies_and_maps_are_refused_cheaply(target: Target) -> None:
    before = target.snapshot()
    body = {"ModelName": "dos", "BaseModelId": LLAMA, "TrainingDataLocation": "s3://model-studio/x.jsonl"}
    huge = httpx.post(
        f"{target.url}/api/custom-models",
        json=body | {"HyperParameters": {f"k{i}": "v" for i in range(2_500_000)}},
        timeout=120,
    )
    assert huge.status_code == 413 and len(huge.content) < 1000
    many = httpx.post(
        f"{target.url}/api/custom-models",
        json=body | {"HyperParameters": {f"k{i}": "v" for i in range(5000)}},
        timeout=60,
    )
    assert many.status_code == 422 and len(many.content) < 10_000
    long_value = httpx.post(
        f"{target.url}/api/custom-models", json=body | {"HyperParameters": {"epochCount": "9" * 5000}}, timeout=60
    )
    assert long_value.status_code == 422

    def chunked():
        for _ in range(3):
            yield b" " * (1024 * 1024)

    streamed = httpx.post(
        f"{target.url}/api/custom-models",
        content=chunked(),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert streamed.status_code == 413
    assert target.snapshot() == before


def test_a_file_of_blank_or_invalid_lines_is_refused_with_a_bounded_answer(target: Target) -> None:
    before = target.snapshot()
    for name, data in (("blank", b"\n" * 10_000_000), ("invalid", b"not json\n" * 1_000_000)):
        uri = put_object(target, f"sets/{name}.jsonl", data)
        r = httpx.post(
            f"{target.url}/api/custom-models",
            json={"ModelName": f"dos-{name}", "BaseModelId": LLAMA, "TrainingDataLocation": uri},
            timeout=120,
        )
        assert r.status_code == 422 and len(r.content) < 20_000
        assert "stopped checking after 1,000 problems" in r.text
    after = target.snapshot()
    assert {k: v for k, v in after.items() if k != "objects"} == {k: v for k, v in before.items() if k != "objects"}


# ---- 10. text the database refuses: refused or bounded, never a 500 ------------------------------------
def test_nul_and_long_request_ids_never_break_a_write(target: Target) -> None:
    uri = put_object(target, "sets/nul.jsonl", jsonl(130, prompt="nul{i}"))
    before = target.snapshot()
    r = httpx.post(
        f"{target.url}/api/custom-models",
        json={"ModelName": "nul-bot", "BaseModelId": LLAMA, "TrainingDataLocation": uri, "Description": "a\x00b"},
        timeout=60,
    )
    assert r.status_code == 422 and "U+0000" in r.text
    assert target.snapshot() == before
    httpx.post(f"{target.url}/api/models/{LLAMA}/disable", timeout=30)
    audited = target.snapshot()["audit"]
    # A control character in a header is not HTTP (RFC 9110 5.5): the server's parser refuses it, nothing written.
    r = httpx.post(f"{target.url}/api/models/{LLAMA}/enable", headers={"X-Request-Id": "r" * 500 + "\x01"}, timeout=30)
    assert r.status_code in (200, 400), r.text
    assert target.snapshot()["audit"] == audited + (r.status_code == 200)
    r = httpx.post(f"{target.url}/api/models/{LLAMA}/enable", headers={"X-Request-Id": "r" * 500}, timeout=30)
    assert r.status_code in (200, 409), r.text  # a long id never breaks the write (409: enabled just above)
    assert target.snapshot()["audit"] >= audited + 1


# ---- 14. framing ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/api/models", "/_stcore/health"])
def test_no_page_may_be_framed(target: Target, path: str) -> None:
    r = httpx.get(target.url + path, timeout=30)
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


# ---- 17. repeated keys in a record ---------------------------------------------------------------------------
def test_a_record_with_a_repeated_key_is_refused_with_its_line(target: Target) -> None:
    data = jsonl(130) + b'{"prompt": "a", "prompt": "b", "completion": "c"}\n'
    uri = put_object(target, "sets/dupes.jsonl", data)
    before = target.snapshot()
    r = httpx.post(
        f"{target.url}/api/custom-models",
        json={"ModelName": "dupes", "BaseModelId": LLAMA, "TrainingDataLocation": uri},
        timeout=60,
    )
    assert r.status_code == 422 and "line 131" in r.text and "'prompt' appears twice" in r.text
    assert target.snapshot() == before


def test_nul_and_long_request_ids_on_postgresql(tmp_path, postgres_url: str) -> None:
    """The same attack on a server whose database is PostgreSQL, where a NUL used to give a 500."""
    from tests.security.conftest import serving

    with serving(tmp_path, postgres_url) as pg:
        enable(pg, LLAMA)
        uri = put_object(pg, "sets/nul.jsonl", jsonl(130, prompt="nul{i}"))
        before = pg.snapshot()
        body = {"ModelName": "nul-bot", "BaseModelId": LLAMA, "TrainingDataLocation": uri}
        r = httpx.post(f"{pg.url}/api/custom-models", json=body | {"Description": "a\x00b"}, timeout=60)
        assert r.status_code == 422 and "U+0000" in r.text
        assert pg.snapshot() == before
        r = httpx.post(f"{pg.url}/api/custom-models", json=body, headers={"X-Request-Id": "r" * 100}, timeout=60)
        assert r.status_code == 201, r.text
        assert pg.snapshot()["audit"] > before["audit"]
