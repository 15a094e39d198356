"""Every base-model family Model Studio has data rules for: its format, limits, hyperparameters and
the source of each rule (the table; the types are in services/datasets/specs.py)."""

from __future__ import annotations

from services.datasets.specs import (
    HAIKU_VALIDATOR,
    LLAMA_VALIDATOR,
    NOVA2_FEATURES,
    NOVA2_PREP,
    NOVA_PREP,
    NOVA_VALIDATOR,
    PREP,
    DataFormat,
    Family,
    HyperParameter,
    RecordRules,
)

GB = 1024**3
MB = 1024**2


def _hp(
    name: str, kind: str, lo: float, hi: float, default: float | None, help: str = "", auto: bool = False
) -> HyperParameter:
    return HyperParameter(name=name, kind=kind, min=lo, max=hi, default=default, help=help, allows_auto=auto)


_EPOCHS_HELP = "Passes over the training data; each one adds its tokens to the training cost."
_LLAMA_HP = (
    _hp("epochCount", "int", 1, 10, 5, _EPOCHS_HELP),
    _hp("batchSize", "int", 1, 1, 1),
    _hp("learningRate", "float", 5e-6, 0.1, 1e-4),
)
_NOVA_HP = (
    _hp("epochCount", "int", 1, 5, 2, _EPOCHS_HELP),
    _hp("learningRate", "float", 1e-6, 1e-4, 1e-5),
    _hp(
        "learningRateWarmupSteps",
        "int",
        0,
        100,
        10,
        "AWS suggests dataset size / 640 (Micro), / 160 (Lite), / 320 (Pro).",
    ),
)
# The guide lists "User:, Bot:, Assistant:, System:, <image>, <video>, [EOS]" as examples of reserved
# keywords; AWS's validator also has "Thought:" and "<unk>" and matches them in any case.
_NOVA_RESERVED = ("User:", "Bot:", "Assistant:", "System:", "Thought:", "<image>", "<video>", "<unk>", "[EOS]")
_NOVA_SOURCES = {
    "content": NOVA_PREP,
    "system": NOVA_PREP,
    "blocks": NOVA2_FEATURES,
    "image_formats": NOVA_VALIDATOR,
    "video_formats": NOVA_VALIDATOR,
    "document_formats": NOVA2_FEATURES,
    "max_images": NOVA_VALIDATOR,
    "max_videos": NOVA_PREP,
    "max_documents": NOVA_VALIDATOR,
    "images_with_video": NOVA_PREP,
    "non_empty_text": NOVA_VALIDATOR,
    "reserved": NOVA_PREP,
    "reserved_any_case": NOVA_VALIDATOR,
    "media_uri_pattern": NOVA_PREP,
    "tool_config": NOVA2_FEATURES,
}
_NOVA_TEXT = RecordRules(
    content="blocks",
    system="blocks",
    blocks=frozenset({"text", "toolUse", "toolResult"}),
    non_empty_text=True,
    reserved=_NOVA_RESERVED,
    reserved_any_case=True,
    tool_config=True,
    sources=_NOVA_SOURCES,
)
_NOVA_MEDIA = _NOVA_TEXT.model_copy(
    update={
        "blocks": frozenset({"text", "image", "video", "document", "toolUse", "toolResult"}),
        "image_formats": ("png", "jpeg", "gif", "webp"),
        "video_formats": ("mov", "mkv", "mp4", "webm"),
        "document_formats": ("pdf",),
        "max_images": 10,
        "max_videos": 1,
        "max_documents": 1,
        "media_uri_pattern": r"[\w\-/.]+",
    }
)
_NOVA2 = _NOVA_MEDIA.model_copy(
    update={
        "blocks": _NOVA_MEDIA.blocks | {"reasoningContent"},
        "image_formats": ("png", "jpeg", "gif"),
        "video_formats": ("mov", "mkv", "mp4"),
        "sources": _NOVA_SOURCES | {"blocks": NOVA2_FEATURES, "image_formats": NOVA2_PREP, "video_formats": NOVA2_PREP},
    }
)
_LLAMA_CONVERSATION = RecordRules(
    content="blocks",
    system="blocks",
    system_blocks=1,
    schema_version="bedrock-conversation-2024",
    sources={
        "content": LLAMA_VALIDATOR,
        "system": LLAMA_VALIDATOR,
        "system_blocks": LLAMA_VALIDATOR,
        "schema_version": PREP,
    },
)
_LLAMA_VISION = _LLAMA_CONVERSATION.model_copy(
    update={
        "blocks": frozenset({"text", "image"}),
        "image_formats": ("gif", "jpeg", "png", "webp"),
        "sources": _LLAMA_CONVERSATION.sources | {"blocks": PREP, "image_formats": PREP},
    }
)
# Claude 3 Haiku: the simple form (strings), text only; AWS's validator counts ~3 characters per token.
_HAIKU = RecordRules(
    content="string",
    system="string",
    reserved=("\nHuman:", "\nAssistant:"),
    chars_per_token=3,
    sources={
        "content": HAIKU_VALIDATOR,
        "system": HAIKU_VALIDATOR,
        "reserved": HAIKU_VALIDATOR,
        "chars_per_token": HAIKU_VALIDATOR,
    },
)

FAMILIES: tuple[Family, ...] = (
    Family(
        key="titan-text",
        label="Amazon Titan Text G1 Lite / Express",
        id_prefixes=("amazon.titan-text-lite-v1", "amazon.titan-text-express-v1"),
        data_format=DataFormat.PROMPT_COMPLETION,
        batch_token_limits=(("amazon.titan-text-express-v1", 2, 4, 2048), ("amazon.titan-text-lite-v1", 3, 6, 2048)),
        hyperparameters=(
            _hp("epochCount", "int", 1, 10, 5, _EPOCHS_HELP),
            _hp("batchSize", "int", 1, 64, 1),
            _hp("learningRate", "float", 0.0, 1, 1e-5),
            _hp("learningRateWarmupSteps", "int", 0, 250, 5),
        ),
        max_tokens_per_record=4096,  # batch size 1; 2,048 for larger batches (Express 2-4, Lite 3-6)
        max_training_bytes=1 * GB,
        max_validation_bytes=100 * MB,
        notes="Record-count quotas are account quotas whose defaults are UNCONFIRMED: not checked.",
    ),
    Family(
        key="titan-text-premier",
        label="Amazon Titan Text G1 Premier",
        id_prefixes=("amazon.titan-text-premier-v1",),
        data_format=DataFormat.PROMPT_COMPLETION,
        hyperparameters=(
            _hp("epochCount", "int", 1, 5, 2, _EPOCHS_HELP),
            _hp("batchSize", "int", 1, 1, 1),
            _hp("learningRate", "float", 1e-7, 1e-5, 1e-6),
            _hp("learningRateWarmupSteps", "int", 0, 20, 5),
        ),
        max_tokens_per_record=4096,
        max_training_bytes=1 * GB,
        max_validation_bytes=100 * MB,
    ),
    *(
        Family(  # the batch size is the one difference: 8 for Command, up to 32 for Light (AWS's table)
            key=key,
            label=label,
            id_prefixes=(prefix,),
            data_format=DataFormat.PROMPT_COMPLETION,
            hyperparameters=(
                _hp("epochCount", "int", 1, 100, 1, _EPOCHS_HELP),
                _hp("batchSize", "int", 8, max_batch, 8, f"8 to {max_batch} for {label}."),
                _hp("learningRate", "float", 5e-6, 0.1, 1e-5, "AWS: leave it unset with a validation set."),
                _hp("earlyStoppingThreshold", "float", 0, 0.1, 0.01),
                _hp("earlyStoppingPatience", "int", 1, 10, 6),
                _hp("evalPercentage", "float", 5, 50, 20, "Used only without a validation set."),
            ),
            max_training_records=10_000,
            max_validation_records=1_000,
            max_input_tokens=4096,
            max_output_tokens=2048,
        )
        for key, label, prefix, max_batch in (
            ("cohere-command", "Cohere Command", "cohere.command-text-v14", 8),
            ("cohere-command-light", "Cohere Command Light", "cohere.command-light-text-v14", 32),
        )
    ),
    Family(
        key="llama2",
        label="Meta Llama 2 13B / 70B",
        id_prefixes=("meta.llama2-13b-v1", "meta.llama2-70b-v1"),
        data_format=DataFormat.PROMPT_COMPLETION,
        hyperparameters=_LLAMA_HP,
        max_tokens_per_record=4096,  # the 4k context of these variants; the record limit is UNCONFIRMED
    ),
    Family(
        key="llama3.1",
        label="Meta Llama 3.1 8B / 70B Instruct",
        id_prefixes=("meta.llama3-1-8b-instruct-v1", "meta.llama3-1-70b-instruct-v1"),
        data_format=DataFormat.PROMPT_COMPLETION,
        hyperparameters=_LLAMA_HP,
        min_records=100,
        max_total_records=10_000,
        max_tokens_per_record=16_000,
        max_input_tokens=16_000,
        max_output_tokens=16_000,
    ),
    Family(
        key="llama3.2-90b",
        label="Meta Llama 3.2 90B Instruct",
        id_prefixes=("meta.llama3-2-90b-instruct-v1",),
        data_format=DataFormat.CONVERSATION,
        hyperparameters=_LLAMA_HP,
        min_records=100,
        max_total_records=10_000,
        max_tokens_per_record=10_000,
        rules=_LLAMA_VISION,
    ),
    Family(
        key="llama3.2-vision",
        label="Meta Llama 3.2 11B Instruct",
        id_prefixes=("meta.llama3-2-11b-instruct-v1",),
        data_format=DataFormat.CONVERSATION,
        hyperparameters=_LLAMA_HP,
        min_records=100,
        max_total_records=10_000,
        max_tokens_per_record=16_000,
        rules=_LLAMA_VISION,
    ),
    Family(
        key="llama3.2",
        label="Meta Llama 3.2 1B / 3B Instruct",
        id_prefixes=("meta.llama3-2-1b-instruct-v1", "meta.llama3-2-3b-instruct-v1"),
        data_format=DataFormat.CONVERSATION,
        hyperparameters=_LLAMA_HP,
        min_records=100,
        max_total_records=10_000,
        max_tokens_per_record=16_000,
        rules=_LLAMA_CONVERSATION,  # text only (AWS's Llama validator: ModelType.TEXT)
    ),
    Family(
        key="llama3.3",
        label="Meta Llama 3.3 70B Instruct",
        id_prefixes=("meta.llama3-3-70b-instruct-v1",),
        data_format=DataFormat.CONVERSATION,
        hyperparameters=_LLAMA_HP,
        min_records=100,
        max_total_records=10_000,
        max_tokens_per_record=16_000,
        rules=_LLAMA_CONVERSATION,
    ),
    Family(
        key="claude3-haiku",
        label="Anthropic Claude 3 Haiku",
        id_prefixes=("anthropic.claude-3-haiku-20240307-v1",),
        data_format=DataFormat.CONVERSATION,
        hyperparameters=(
            _hp("epochCount", "int", 1, 10, 2, _EPOCHS_HELP),
            _hp("batchSize", "int", 4, 256, 32),
            _hp("learningRateMultiplier", "float", 0.1, 2, 1),
            _hp("earlyStoppingThreshold", "float", 0, 0.1, 0.001),
            _hp("earlyStoppingPatience", "int", 1, 10, 2),
        ),
        min_records=32,
        max_training_records=10_000,
        max_validation_records=1_000,
        max_total_records=10_000,
        max_tokens_per_record=32_000,
        max_training_bytes=10 * GB,
        max_validation_bytes=1 * GB,
        rules=_HAIKU,
    ),
    Family(
        key="nova-2-lite",
        label="Amazon Nova 2 Lite",
        id_prefixes=("amazon.nova-2-lite-v1",),
        data_format=DataFormat.CONVERSATION,
        hyperparameters=_NOVA_HP,
        min_records=200,
        max_total_records=20_000,
        validation_supported=False,  # NOVA2_PREP: "will not be supported during SFT training"
        rules=_NOVA2,
        limits_source=NOVA_VALIDATOR,
    ),
    Family(
        key="nova-micro",
        label="Amazon Nova Micro",
        id_prefixes=("amazon.nova-micro-v1",),
        data_format=DataFormat.CONVERSATION,
        hyperparameters=_NOVA_HP,
        min_records=8,
        max_total_records=20_000,
        rules=_NOVA_TEXT,  # text only
        on_demand=True,
        limits_source=NOVA_VALIDATOR,
    ),
    Family(
        key="nova",
        label="Amazon Nova Lite / Pro",
        id_prefixes=("amazon.nova-lite-v1", "amazon.nova-pro-v1"),
        data_format=DataFormat.CONVERSATION,
        hyperparameters=_NOVA_HP,
        min_records=8,
        max_total_records=20_000,
        rules=_NOVA_MEDIA,
        on_demand=True,
        limits_source=NOVA_VALIDATOR,
    ),
    Family(
        key="nova-canvas",
        label="Amazon Nova Canvas",
        id_prefixes=("amazon.nova-canvas-v1",),
        data_format=DataFormat.IMAGE_CAPTION,
        hyperparameters=(
            _hp("batchSize", "int", 8, 192, 8),
            _hp("stepCount", "int", 10, 20_000, 500),
            _hp("learningRate", "float", 1e-7, 1e-4, 1e-5),
        ),
        validation_supported=False,
        max_caption_chars=1024,
        min_caption_chars=3,
        notes="Image files are not opened: only the JSONL records are checked.",
    ),
    Family(
        key="titan-image",
        label="Amazon Titan Image Generator G1",
        id_prefixes=("amazon.titan-image-generator-v1", "amazon.titan-image-generator-v2"),
        data_format=DataFormat.IMAGE_CAPTION,
        hyperparameters=(
            _hp("batchSize", "int", 8, 192, 8),
            _hp("stepCount", "int", 10, 40_000, None, "No default: give a number or auto.", auto=True),
            _hp("learningRate", "float", 1e-7, 1, 1e-5),
        ),
        min_records=5,
        max_training_records=10_000,
        validation_supported=False,
        max_caption_chars=1024,
        min_caption_chars=3,
        notes="Image files are not opened: only the JSONL records are checked.",
    ),
    Family(
        key="titan-mm-embed",
        label="Amazon Titan Multimodal Embeddings G1",
        id_prefixes=("amazon.titan-embed-image-v1",),
        data_format=DataFormat.IMAGE_CAPTION,
        hyperparameters=(
            _hp("epochCount", "int", 1, 100, None, "No default: give a number or auto.", auto=True),
            _hp("batchSize", "int", 256, 9216, 576),
            _hp("learningRate", "float", 5e-8, 1, 5e-5),
        ),
        min_records=1_000,
        max_training_records=500_000,
        validation_supported=False,
        max_caption_chars=2560,
        notes="Image files are not opened: only the JSONL records are checked.",
    ),
)


def family_for(base_model_id: str) -> Family | None:
    """The family of a Bedrock base model id, or None when we have no table for it."""
    for family in FAMILIES:
        if any(base_model_id.startswith(prefix) for prefix in family.id_prefixes):
            return family
    return None
