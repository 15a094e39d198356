"""Human-readable traits derived from model metadata, e.g. "Text generation · Chat · Fine-tunable"."""

from __future__ import annotations

from services.domain.models import Lifecycle, ProviderModel

# Order in which traits are shown.
TRAIT_ORDER = (
    "Text generation",
    "Chat",
    "Embedding",
    "Image generation",
    "Vision",
    "Audio",
    "Video",
    "Fine-tunable",
    "Continued pre-training",
    "Distillation",
    "Streaming",
    "On-demand",
    "Provisioned only",
    "Legacy",
)

_CUSTOMIZATION_TRAITS = {
    "FINE_TUNING": "Fine-tunable",
    "CONTINUED_PRE_TRAINING": "Continued pre-training",
    "DISTILLATION": "Distillation",
}


def derive_traits(model: ProviderModel) -> tuple[str, ...]:
    traits: set[str] = set()
    inputs, outputs = set(model.input_modalities), set(model.output_modalities)
    if "TEXT" in outputs:
        traits.add("Text generation")
    if model.chat:
        traits.add("Chat")
    if "EMBEDDING" in outputs:
        traits.add("Embedding")
    if "IMAGE" in outputs:
        traits.add("Image generation")
    if "IMAGE" in inputs and outputs & {"TEXT", "EMBEDDING"}:
        traits.add("Vision")
    if "AUDIO" in inputs or "SPEECH" in inputs or outputs & {"AUDIO", "SPEECH"}:
        traits.add("Audio")
    if "VIDEO" in inputs or "VIDEO" in outputs:
        traits.add("Video")
    for customization in model.customizations:
        if customization in _CUSTOMIZATION_TRAITS:
            traits.add(_CUSTOMIZATION_TRAITS[customization])
    if model.streaming:
        traits.add("Streaming")
    if "ON_DEMAND" in model.inference_types:
        traits.add("On-demand")
    elif "PROVISIONED" in model.inference_types:
        traits.add("Provisioned only")
    if model.lifecycle is Lifecycle.LEGACY:
        traits.add("Legacy")
    return tuple(t for t in TRAIT_ORDER if t in traits)
