from __future__ import annotations

from services.domain.models import Lifecycle
from services.domain.traits import derive_traits
from tests.support.fakes import bedrock_model, openai_model


def test_a_fine_tunable_chat_model_reads_like_the_seed() -> None:
    model = bedrock_model(
        "meta.llama3-1-8b-instruct-v1:0:128k", chat=True, streaming=True, inference_types=("ON_DEMAND",)
    )
    assert " · ".join(derive_traits(model)) == ("Text generation · Chat · Fine-tunable · Streaming · On-demand")


def test_embedding_image_vision_legacy_and_provisioned_only() -> None:
    embed = bedrock_model(
        "amazon.titan-embed-image-v1:0",
        input_modalities=("TEXT", "IMAGE"),
        output_modalities=("EMBEDDING",),
        streaming=None,
        lifecycle=Lifecycle.LEGACY,
    )
    assert derive_traits(embed) == ("Embedding", "Vision", "Fine-tunable", "Provisioned only", "Legacy")
    image = bedrock_model("amazon.nova-canvas-v1:0", output_modalities=("IMAGE",), customizations=())
    assert "Image generation" in derive_traits(image)
    assert "Fine-tunable" not in derive_traits(image)


def test_audio_model() -> None:
    assert "Audio" in derive_traits(openai_model("whisper-1", input_modalities=("AUDIO",), chat=False))
