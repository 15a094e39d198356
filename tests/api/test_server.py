"""`streamlit run server.py` serves the UI at / and the API under /api from one process."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.servers import running_server


def test_one_server_answers_the_ui_and_the_api(tmp_path: Path) -> None:
    with running_server(tmp_path / "server.log", {"STUDIO_DATA_DIR": str(tmp_path)}) as base:
        assert httpx.get(base + "/", timeout=10).status_code == 200
        assert '<div id="root">' in httpx.get(base + "/", timeout=10).text
        assert httpx.get(f"{base}/api/openapi.json", timeout=10).status_code == 200
        models = httpx.get(f"{base}/api/models", params={"search": "titan-text-lite"}, timeout=30).json()["Models"]
        assert {m["Id"] for m in models} >= {
            "bedrock:amazon.titan-text-lite-v1",
            "bedrock:amazon.titan-text-lite-v1:0:4k",
        }
        assert httpx.get(f"{base}/api/docs", timeout=10).status_code == 200
        missing = httpx.get(f"{base}/api/custom-models/custom:nope", timeout=10)
        assert missing.status_code == 404 and missing.json()["Code"] == "NotFound"
