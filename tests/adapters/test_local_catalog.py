from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.adapters.local_catalog import BUNDLED_SNAPSHOT, LocalBedrockCatalog, LocalOpenAICatalog
from services.domain.errors import ProviderDataError, ProviderUnavailable

# bedrock-facts.md §2.1 (newest table plus the older one) and §1.4.
FINE_TUNABLE = {
    "amazon.nova-2-lite-v1:0:256k",
    "amazon.nova-canvas-v1:0",
    "amazon.nova-lite-v1:0:300k",
    "amazon.nova-micro-v1:0:128k",
    "amazon.nova-pro-v1:0:300k",
    "amazon.titan-image-generator-v2:0",
    "amazon.titan-embed-image-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0:200k",
    "meta.llama3-1-8b-instruct-v1:0:128k",
    "meta.llama3-1-70b-instruct-v1:0:128k",
    "meta.llama3-2-1b-instruct-v1:0:128k",
    "meta.llama3-2-3b-instruct-v1:0:128k",
    "meta.llama3-2-11b-instruct-v1:0:128k",
    "meta.llama3-2-90b-instruct-v1:0:128k",
    "meta.llama3-3-70b-instruct-v1:0:128k",
    "amazon.titan-image-generator-v1:0",
    "amazon.titan-text-express-v1:0:8k",
    "amazon.titan-text-lite-v1:0:4k",
    "cohere.command-text-v14:7:4k",
    "cohere.command-light-text-v14:7:4k",
    "meta.llama2-13b-v1:0:4k",
    "meta.llama2-70b-v1:0:4k",
}


def test_the_bundled_snapshot_has_every_fine_tunable_bedrock_model() -> None:
    models = {m.model_id: m for m in LocalBedrockCatalog(BUNDLED_SNAPSHOT, ["us-east-1", "us-west-2"]).fetch()}
    assert set(models) >= FINE_TUNABLE
    assert all("FINE_TUNING" in models[i].customizations for i in FINE_TUNABLE)
    assert models["anthropic.claude-3-haiku-20240307-v1:0:200k"].regions == ("us-west-2",)
    assert models["meta.llama2-13b-v1:0:4k"].lifecycle.value == "LEGACY"
    # common chat and embedding models too
    chat = [m for m in models.values() if m.chat and "ON_DEMAND" in m.inference_types]
    embed = [m for m in models.values() if "EMBEDDING" in m.output_modalities]
    assert len(chat) >= 10 and len(embed) >= 3


def test_the_bundled_snapshot_has_common_openai_models() -> None:
    ids = {m.model_id for m in LocalOpenAICatalog(BUNDLED_SNAPSHOT).fetch()}
    assert {
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1",
        "o3",
        "text-embedding-3-small",
        "text-embedding-3-large",
    } <= ids


def test_only_configured_regions_are_served_and_unknown_ones_are_named() -> None:
    east = LocalBedrockCatalog(BUNDLED_SNAPSHOT, ["us-east-1"]).fetch()
    assert all(m.regions == ("us-east-1",) for m in east)
    with pytest.raises(ProviderUnavailable, match="no Bedrock data for region\\(s\\) eu-west-3"):
        LocalBedrockCatalog(BUNDLED_SNAPSHOT, ["us-east-1", "eu-west-3"]).fetch()


def test_a_broken_snapshot_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "snap.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ProviderDataError, match="not valid JSON"):
        LocalOpenAICatalog(bad).fetch()
    bad.write_text(json.dumps({"openai": {"data": [{"id": "x"}]}}), encoding="utf-8")
    with pytest.raises(ProviderDataError, match="missing field"):
        LocalOpenAICatalog(bad).fetch()
    with pytest.raises(ProviderUnavailable, match="does not exist"):
        LocalOpenAICatalog(tmp_path / "missing.json").fetch()
