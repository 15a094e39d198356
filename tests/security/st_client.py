"""A minimal Streamlit client over real HTTP: what a browser does to get a session, so a test can
call the session-bound endpoints (file uploads) as an attacker with a valid session would."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


@dataclass(frozen=True)
class Session:
    base_url: str
    session_id: str
    xsrf: str

    def upload(
        self,
        data: bytes | None = None,
        *,
        name: str = "train.jsonl",
        file_id: str = "f1",
        content: httpx.SyncByteStream | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        url = f"{self.base_url}/_stcore/upload_file/{self.session_id}/{file_id}"
        cookies = {"_streamlit_xsrf": self.xsrf}
        hdrs = {"X-Xsrftoken": self.xsrf} | (headers or {})
        if content is not None:
            return httpx.put(url, content=content, headers=hdrs, cookies=cookies, timeout=120)
        return httpx.put(
            url,
            files={"file": (name, data or b"", "application/octet-stream")},
            headers=hdrs,
            cookies=cookies,
            timeout=120,
        )


async def _open(
    base_url: str,
    hold: asyncio.Event,
    ready: asyncio.Future[Session],
    headers: list[tuple[str, str]] | None = None,
    received: list[bytes] | None = None,
) -> None:
    async with httpx.AsyncClient() as client:
        page = await client.get(base_url + "/_stcore/health")  # sets the XSRF cookie, as for a browser
        xsrf = page.cookies.get("_streamlit_xsrf") or ""
    ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(
        ws_url,
        subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],  # type: ignore[list-item]
        additional_headers=[("Cookie", f"_streamlit_xsrf={xsrf}"), ("Origin", base_url), *(headers or [])],
        max_size=None,
    ) as ws:
        back = BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_script_hash = ""
        await ws.send(back.SerializeToString())
        while True:
            raw = await ws.recv()
            if received is not None:
                received.append(bytes(raw))  # type: ignore[arg-type]
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            if msg.HasField("new_session"):
                ready.set_result(Session(base_url, msg.new_session.initialize.session_id, xsrf))
                break
        while not hold.is_set():  # keep the session alive (and draining) until the test is done
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.2)
            except TimeoutError:
                continue
            if received is not None:
                received.append(bytes(raw))  # type: ignore[arg-type]
