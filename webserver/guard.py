"""The server's front door, in front of the UI and the REST API alike (pure ASGI, so it sees
HTTP and WebSocket requests before Streamlit or FastAPI do). It decides, in this order:

1. **Host**: only the names in STUDIO_ALLOWED_HOSTS are served (DNS rebinding: a page on
   attacker.test that resolves to 127.0.0.1 must not reach the local admin). Others: 400.
2. **Origin** of WebSocket connections: the UI's stream must come from a page of this origin.
3. **Cross-site writes** (CSRF): a state-changing request that is not authenticated by a Bearer
   token must come from this origin (``Origin`` / ``Sec-Fetch-Site``); cross-site: 403.
4. **Body size**: REST API bodies at most API_MAX_BODY bytes (413); file uploads at most
   STUDIO_MAX_UPLOAD_MB, streamed to disk, never held whole in memory (see ui/uploads.py).
5. **Framing**: every response says it may not be framed (clickjacking), and more.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from webserver.uploads import SPOOLED_TYPE, STALE_UPLOAD_SECONDS, clean_spool, spool, spool_dir, spooled_file

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_MAX_BODY = 1024 * 1024  # the REST API takes JSON requests, none larger than this
UPLOAD_ROUTE = re.compile(r"^/_stcore/upload_file/(?P<session>[^/]+)/(?P<file>[^/]+)$")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MULTIPART_MARGIN = 64 * 1024  # the multipart framing around one file
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]

log = logging.getLogger("model_studio.guard")


class _Refused(Exception):
    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def _header(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == name]


def _host_name(host: str) -> str:
    """The name part of a Host header value ('[::1]:8501' -> '[::1]', 'a.test:80' -> 'a.test')."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: list[str],
        max_upload_bytes: int,
        data_dir: Path,
        api_prefix: str = "/api",
    ) -> None:
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.hosts = frozenset(h.lower() for h in allowed_hosts)
        self.max_upload_bytes = max_upload_bytes
        self.data_dir = data_dir
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        try:
            self._check_host(scope)
            if kind == "websocket":
                self._check_same_origin(scope, websocket=True)
            else:
                self._check_cross_site(scope)
        except _Refused as refused:
            await self._refuse(scope, receive, send, refused)
            return
        if kind == "websocket":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(send)
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        try:
            match = UPLOAD_ROUTE.match(path)
            if match and method == "PUT":
                await self._spool_upload(scope, receive, send, match["session"], match["file"])
                return
            if match and method == "DELETE":
                self._forget_upload(match["session"], match["file"])
            if path == self.api_prefix or path.startswith(self.api_prefix + "/"):
                receive = await self._bounded_body(scope, receive)
        except _Refused as refused:
            await self._refuse(scope, receive, send, refused)
            return
        await self.app(scope, receive, send)

    # ---- the checks --------------------------------------------------------------------------
    def _check_host(self, scope: Scope) -> None:
        hosts = _header(scope, b"host")
        if len(hosts) != 1:
            raise _Refused(400, "Exactly one Host header is needed.", "BadHost")
        if self.any_host:
            return
        if _host_name(hosts[0]) not in self.hosts:
            raise _Refused(
                400,
                f"This server does not answer to {_host_name(hosts[0])!r} (STUDIO_ALLOWED_HOSTS).",
                "BadHost",
            )

    def _check_same_origin(self, scope: Scope, *, websocket: bool) -> None:
        origins = _header(scope, b"origin")
        if not origins:
            return  # not a browser (browsers always send Origin on WebSockets and cross-site writes)
        host = _header(scope, b"host")[0].strip().lower()
        origin = origins[0].strip().lower()
        netloc = urlsplit(origin).netloc if origin != "null" else ""
        if netloc and _same_host(netloc, host, urlsplit(origin).scheme):
            return
        what = "A WebSocket" if websocket else "A state-changing request"
        raise _Refused(403, f"{what} from another site ({origin}) is refused.", "CrossSiteRequest")

    def _check_cross_site(self, scope: Scope) -> None:
        if scope.get("method") not in UNSAFE_METHODS:
            return
        auth = _header(scope, b"authorization")
        if auth and auth[0].lower().startswith("bearer "):
            return  # a token is not sent by a browser on its own: no CSRF
        fetch_site = _header(scope, b"sec-fetch-site")
        if fetch_site and fetch_site[0].strip().lower() not in ("same-origin", "none"):
            raise _Refused(
                403, f"A state-changing request from another site ({fetch_site[0]}) is refused.", "CrossSiteRequest"
            )
        self._check_same_origin(scope, websocket=False)

    async def _bounded_body(self, scope: Scope, receive: Receive) -> Receive:
        """Read an API request's body (at most API_MAX_BODY bytes) and replay it to the app."""
        if scope.get("method") not in UNSAFE_METHODS:
            return receive
        _check_length(scope, API_MAX_BODY)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                chunks = []
                break
            body = message.get("body", b"")
            size += len(body)
            if size > API_MAX_BODY:
                raise _Refused(413, f"The request body is larger than {API_MAX_BODY:,} bytes.", "TooLarge")
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        if whole and b"json" in b"".join(v for k, v in scope.get("headers", ()) if k == b"content-type").lower():
            _refuse_repeated_keys(whole)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": whole, "more_body": False}

        return replay

    # ---- uploads: to disk, bounded ---------------------------------------------------------------
    async def _spool_upload(self, scope: Scope, receive: Receive, send: Send, session_id: str, file_id: str) -> None:
        """Streamlit's upload endpoint, with the size limit enforced here and the file kept on disk:
        the session gets a record naming the file, not its bytes."""
        from starlette.datastructures import UploadFile
        from starlette.requests import Request
        from streamlit.runtime import Runtime
        from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
        from streamlit.runtime.uploaded_file_manager import UploadedFileRec
        from streamlit.web.server.server_util import is_xsrf_enabled
        from streamlit.web.server.starlette.starlette_app_utils import validate_xsrf_token
        from streamlit.web.server.starlette.starlette_server_config import XSRF_COOKIE_NAME

        limit = self.max_upload_bytes
        _check_length(scope, limit + MULTIPART_MARGIN)
        request = Request(scope)
        if is_xsrf_enabled() and not validate_xsrf_token(
            request.headers.get("x-xsrftoken"), request.cookies.get(XSRF_COOKIE_NAME)
        ):
            raise _Refused(403, "XSRF token missing or invalid.", "Forbidden")
        runtime = Runtime.instance()
        if not runtime.is_active_session(session_id):
            raise _Refused(400, "Invalid session_id.", "BadRequest")
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit + MULTIPART_MARGIN:
                raise _Refused(413, _too_large(limit), "TooLarge")
            return message

        spool_dir(self.data_dir).mkdir(parents=True, exist_ok=True)
        clean_spool(self.data_dir, STALE_UPLOAD_SECONDS)
        form = await Request(scope, limited).form(max_files=1, max_fields=10)
        try:
            uploads = [v for v in form.values() if isinstance(v, UploadFile)]
            if len(uploads) != 1:
                raise _Refused(400, f"Expected 1 file, got {len(uploads)}.", "BadRequest")
            upload = uploads[0]
            if (upload.size or 0) > limit:
                raise _Refused(413, _too_large(limit), "TooLarge")
            value = spool(self.data_dir, upload.file)  # written and measured in one pass
            manager: MemoryUploadedFileManager = runtime.uploaded_file_mgr  # type: ignore[assignment]
            manager.add_file(
                session_id,
                UploadedFileRec(file_id=file_id, name=upload.filename or "", type=SPOOLED_TYPE, data=value),
            )
        finally:
            await form.close()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def _forget_upload(self, session_id: str, file_id: str) -> None:
        from streamlit.runtime import Runtime

        try:
            for rec in Runtime.instance().uploaded_file_mgr.get_files(session_id, [file_id]):
                found = spooled_file(self.data_dir, rec.data) if rec.type == SPOOLED_TYPE else None
                if found is not None:
                    found[0].unlink(missing_ok=True)
        except RuntimeError:  # no runtime (not served by Streamlit)
            return

    # ---- responses ---------------------------------------------------------------------------------
    def _with_headers(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        return wrapped

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, refused: _Refused) -> None:
        log.warning("refused %s %s: %s", scope.get("method", "WS"), scope.get("path"), refused.message)
        shape: dict[str, Any] = {"Message": refused.message, "Code": refused.code}
        if str(scope.get("path", "")).startswith(self.api_prefix + "/v1/"):  # as OpenAI's SDKs read errors
            shape = {"error": {"message": refused.message, "type": refused.code, "code": refused.code, "param": None}}
        body = json.dumps(shape).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if scope["type"] == "websocket":
            if "websocket.http.response" in scope.get("extensions", {}):
                await send({"type": "websocket.http.response.start", "status": refused.status, "headers": headers})
                await send({"type": "websocket.http.response.body", "body": body})
            else:  # closing before accepting: the server answers the handshake with 403
                await send({"type": "websocket.close", "code": 1008})
            return
        await send({"type": "http.response.start", "status": refused.status, "headers": headers + SECURITY_HEADERS})
        await send({"type": "http.response.body", "body": body})


def _same_host(netloc: str, host: str, scheme: str) -> bool:
    default = {"http": "80", "https": "443"}.get(scheme, "")

    def norm(value: str) -> str:
        name = _host_name(value)
        port = value[len(name) :].lstrip(":") or default
        return f"{name}:{port}"

    return norm(netloc) == norm(host)


def _check_length(scope: Scope, limit: int) -> None:
    lengths = _header(scope, b"content-length")
    if len(lengths) > 1:
        raise _Refused(400, "More than one Content-Length header.", "BadRequest")
    if lengths:
        try:
            length = int(lengths[0])
        except ValueError:
            raise _Refused(400, "Content-Length is not a number.", "BadRequest") from None
        if length > limit:
            raise _Refused(413, f"The request body ({length:,} bytes) is larger than {limit:,} bytes.", "TooLarge")


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _Refused(
                422,
                f"The JSON body has the key {key[:100]!r} twice in one object; give each key once "
                "(which one counts would be a guess).",
                "ValidationError",
            )
        seen.add(key)
    return dict(pairs)


def _refuse_repeated_keys(body: bytes) -> None:
    """A REST JSON body with a key repeated in one object is refused (422), as training data is: a
    parser keeps the last, a reviewer may read the first. Not JSON at all: the API says so itself."""
    try:
        json.loads(body, object_pairs_hook=_no_repeats)
    except ValueError:
        return


def _too_large(limit: int) -> str:
    return (
        f"The file is larger than {limit // (1024 * 1024):,} MB (STUDIO_MAX_UPLOAD_MB); "
        "upload bigger data to S3 and give its s3:// URI."
    )
