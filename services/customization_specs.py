"""What each Bedrock base-model family accepts for fine-tuning: data format, limits and
hyperparameters. Sources: ../shared/reference/bedrock-facts.md §2 (hyperparameters), §3
(formats and limits). A limit the facts do not give is None (not checked) and says so.
This is data: correct it here when AWS changes a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class DataFormat(StrEnum):
    PROMPT_COMPLETION = "prompt-completion"
    CONVERSATION = "bedrock-conversation-2024"
    IMAGE_CAPTION = "image-caption"


class HyperParameter(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    kind: str  # "int" | "float"
    min: float
    max: float
    default: float | None  # None: no default, must be given
    help: str = ""
    allows_auto: bool = False  # Bedrock also takes "auto" (it picks the value)

    def parse(self, raw: str) -> float:
        """The value as a number, or ValueError saying what is wrong."""
        text = raw.strip()
        if not text:
            raise ValueError(f"{self.name}: a value is required ({self.range_text()}).")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{self.name}: {raw!r} is not a number ({self.range_text()}).") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{self.name}: {raw!r} is not a finite number.")
        if self.kind == "int" and not value.is_integer():
            raise ValueError(f"{self.name}: {raw!r} must be a whole number ({self.range_text()}).")
        if not self.min <= value <= self.max:
            raise ValueError(f"{self.name}: {raw!r} is out of range ({self.range_text()}).")
        return value

    def format(self, value: float) -> str:
        """How Bedrock wants it: a string; ints without a decimal point."""
        return str(int(value)) if self.kind == "int" else repr(float(value))

    def range_text(self) -> str:
        def show(x: float) -> str:
            return str(int(x)) if self.kind == "int" else f"{x:g}"

        return f"{self.kind} from {show(self.min)} to {show(self.max)}" + (', or "auto"' if self.allows_auto else "")


class Family(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    id_prefixes: tuple[str, ...]
    data_format: DataFormat
    hyperparameters: tuple[HyperParameter, ...]
    # records: training+validation together where AWS states it so
    min_records: int | None = None
    max_training_records: int | None = None
    max_validation_records: int | None = None
    max_total_records: int | None = None
    max_tokens_per_record: int | None = None  # input + output
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    max_training_bytes: int | None = None
    max_validation_bytes: int | None = None
    validation_supported: bool = True
    max_caption_chars: int | None = None
    min_caption_chars: int = 0
    reserved_keywords: tuple[str, ...] = ()
    notes: str = ""
    # Bedrock serves its custom models on demand (CreateCustomModelDeployment), billed per token:
    # https://docs.aws.amazon.com/bedrock/latest/userguide/deploy-custom-model-on-demand.html
    on_demand: bool = False
    # (model id prefix, smallest batch size, largest, tokens per record): a smaller per-record limit at
    # larger batch sizes (Titan Text: model-training-validation-requirements.html in the Bedrock guide)
    batch_token_limits: tuple[tuple[str, int, int, int], ...] = ()

    def hyperparameter(self, name: str) -> HyperParameter | None:
        return next((h for h in self.hyperparameters if h.name == name), None)

    def for_request(self, model_id: str, hyperparameters: Mapping[str, str]) -> Family:
        """The family's rules for one request: a hyperparameter may change a limit (Titan's batch size)."""
        try:
            batch = int(float(hyperparameters.get("batchSize", "")))
        except ValueError:
            return self
        model_id = model_id.removeprefix("bedrock:")
        for prefix, low, high, limit in self.batch_token_limits:
            if model_id.startswith(prefix) and low <= batch <= high:
                return self.model_copy(
                    update={"max_tokens_per_record": limit, "label": f"{self.label} at batch size {batch}"}
                )
        return self


# On-demand deployment: custom models customized on or after this date, in these regions (bedrock-2026.md).
ON_DEMAND_SINCE = "2025-07-16"
ON_DEMAND_REGIONS = ("us-east-1", "us-west-2")

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
_NOVA_RESERVED = ("User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]")

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
    ),
    Family(
        key="llama3.2",
        label="Meta Llama 3.2 1B / 3B / 11B Instruct",
        id_prefixes=("meta.llama3-2-",),
        data_format=DataFormat.CONVERSATION,
        hyperparameters=_LLAMA_HP,
        min_records=100,
        max_total_records=10_000,
        max_tokens_per_record=16_000,
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
    ),
    Family(
        key="nova-2-lite",
        label="Amazon Nova 2 Lite",
        id_prefixes=("amazon.nova-2-lite-v1",),
        data_format=DataFormat.CONVERSATION,
        hyperparameters=_NOVA_HP,
        min_records=200,
        max_total_records=20_000,
        reserved_keywords=_NOVA_RESERVED,
    ),
    Family(
        key="nova",
        label="Amazon Nova Micro / Lite / Pro",
        id_prefixes=("amazon.nova-micro-v1", "amazon.nova-lite-v1", "amazon.nova-pro-v1"),
        data_format=DataFormat.CONVERSATION,
        hyperparameters=_NOVA_HP,
        min_records=8,
        max_total_records=20_000,
        reserved_keywords=_NOVA_RESERVED,
        on_demand=True,
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
