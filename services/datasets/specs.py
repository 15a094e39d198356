"""What each Bedrock base-model family accepts for fine-tuning: data format, limits, what one
record may hold (RecordRules, each rule with the page that states it) and hyperparameters.
A limit AWS does not give is None (not checked) and says so. This is data: correct it here
when AWS changes a number; the validator (services/datasets/validate.py and its parts) has no
per-family branches.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DataFormat(StrEnum):
    PROMPT_COMPLETION = "prompt-completion"
    CONVERSATION = "bedrock-conversation-2024"
    IMAGE_CAPTION = "image-caption"
    INPUT_TEXT = "input-text"  # continued pre-training: unlabeled {"input": text} records
    OPENAI_CHAT = "openai-chat"  # reinforcement fine-tuning: messages and a reference_answer

    @property
    def described(self) -> str:
        """What a record of this format holds, in a person's words."""
        return {
            "prompt-completion": 'records of a "prompt" and its "completion"',
            "bedrock-conversation-2024": "bedrock-conversation-2024 records (a system prompt and messages)",
            "image-caption": "records of an image and its caption",
            "input-text": 'unlabeled records of an "input" text',
            "openai-chat": 'OpenAI chat records ("messages" and a "reference_answer" for the grader)',
        }[self.value]


class HyperParameter(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    kind: str  # "int" | "float" | "choice" (one of ``choices``)
    min: float = 0
    max: float = 0
    default: float | None = None  # None: no default, must be given (unless optional)
    help: str = ""
    allows_auto: bool = False  # Bedrock also takes "auto" (it picks the value)
    choices: tuple[str, ...] = ()
    optional: bool = False  # left blank, it is not sent and Bedrock uses its own default

    def normalized(self, raw: str) -> str:
        """The value as Bedrock takes it, or ValueError saying what is wrong."""
        if self.kind == "choice":
            text = raw.strip().lower()
            if text not in self.choices:
                raise ValueError(f"{self.name}: {raw!r} is not one of {', '.join(self.choices)}.")
            return text
        return self.format(self.parse(raw))

    def typed(self, value: str) -> int | float | str:
        """A normalized value as a typed field of a Bedrock config (RFT's hyperParameters are typed)."""
        if self.kind == "choice":
            return value
        return int(float(value)) if self.kind == "int" else float(value)

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
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)

        def show(x: float) -> str:
            return str(int(x)) if self.kind == "int" else f"{x:g}"

        return f"{self.kind} from {show(self.min)} to {show(self.max)}" + (', or "auto"' if self.allows_auto else "")


# Where the rules come from (the AWS user guide; AWS's published validators only where the guide
# is silent, and then said so).
PREP = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html"
REQUIREMENTS = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-training-validation-requirements.html"
NOVA_PREP = "https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html"
NOVA2_PREP = "https://docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html"
NOVA2_FEATURES = "https://docs.aws.amazon.com/nova/latest/nova2-userguide/nova-data-prep-sft-2.html"
NOVA_VALIDATOR = (
    "https://github.com/aws-samples/amazon-nova-samples/tree/main/customization/bedrock-finetuning/"
    "understanding/dataset_validation"
)
LLAMA_VALIDATOR = (
    "https://github.com/aws-samples/amazon-bedrock-samples/tree/main/custom-models/bedrock-fine-tuning/"
    "meta-llama/dataset_validation"
)
HAIKU_VALIDATOR = (
    "https://github.com/aws-samples/amazon-bedrock-samples/tree/main/custom-models/bedrock-fine-tuning/"
    "claude-haiku/DataValidation"
)
CONVERSE_TOOLS = "https://docs.aws.amazon.com/bedrock/latest/userguide/tool-use-inference-call.html"

Form = Literal["string", "blocks", "either"]
# Which turn a content block may be in (the Converse format: the user shows media and returns tool
# results; the assistant calls tools and reasons). NOVA_PREP, NOVA2_PREP, CONVERSE_TOOLS.
USER_ONLY_BLOCKS = frozenset({"image", "video", "document", "toolResult"})
ASSISTANT_ONLY_BLOCKS = frozenset({"toolUse", "reasoningContent"})


class RecordRules(BaseModel):
    """What one conversation record may hold, for one family. The defaults are the plain
    bedrock-conversation-2024 text format of the Bedrock guide (PREP); every other value names its
    source in ``sources`` (a test checks that none is missing)."""

    model_config = ConfigDict(frozen=True)

    content: Form = "either"  # a message's content: a string, a list of blocks, or either
    system: Form = "either"
    system_blocks: int | None = None  # when "system" is a list: exactly this many blocks
    schema_version: str | None = None  # the one value Bedrock takes (required); None: any string, or none
    blocks: frozenset[str] = frozenset({"text"})  # the content blocks a message may hold
    image_formats: tuple[str, ...] = ()
    video_formats: tuple[str, ...] = ()
    document_formats: tuple[str, ...] = ()
    max_images: int | None = None  # per record
    max_videos: int | None = None
    max_documents: int | None = None
    images_with_video: bool = False  # both in one record (or one dataset)
    non_empty_text: bool = False  # a turn of only empty text is refused
    reserved: tuple[str, ...] = ()  # words that make the job fail wherever they appear in a text
    reserved_any_case: bool = False
    media_uri_pattern: str | None = None  # what an image/video/document URI may hold after s3://
    tool_config: bool = False  # "toolConfig" (and toolUse / toolResult blocks) accepted
    answer_optional: bool = False  # prompts (distillation): the last turn may be the user's, which a teacher answers
    max_user_turns: int | None = None  # user turns per record (single-turn prompts: 1)
    chars_per_token: int = 6  # how AWS estimates tokens for the family's limits
    sources: dict[str, str] = Field(default_factory=dict)  # rule (field name) -> URL

    def source(self, rule: str) -> str:
        return self.sources.get(rule, PREP)

    def changed(self) -> list[str]:
        """The rules that differ from the plain text format (each must have a source)."""
        plain = RecordRules()
        return [
            name
            for name in type(self).model_fields
            if name != "sources" and getattr(self, name) != getattr(plain, name)
        ]


TEXT_ONLY = RecordRules()


class Family(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    id_prefixes: tuple[str, ...]
    data_format: DataFormat
    method: str = "FINE_TUNING"  # the customization method these rules are for (Bedrock's customizationType)
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
    rules: RecordRules = TEXT_ONLY
    notes: str = ""
    # Bedrock serves its custom models on demand (CreateCustomModelDeployment), billed per token:
    # https://docs.aws.amazon.com/bedrock/latest/userguide/deploy-custom-model-on-demand.html
    on_demand: bool = False
    # (model id prefix, smallest batch size, largest, tokens per record): a smaller per-record limit at
    # larger batch sizes (Titan Text: REQUIREMENTS)
    batch_token_limits: tuple[tuple[str, int, int, int], ...] = ()
    # where the record-count, size and token limits above come from
    limits_source: str = REQUIREMENTS

    @property
    def chars_per_token(self) -> int:
        return self.rules.chars_per_token

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


class Teacher(BaseModel):
    """A distillation teacher (a Bedrock model id prefix), the students it may teach, and the page that says so."""

    model_config = ConfigDict(frozen=True)

    id_prefix: str
    students: tuple[str, ...]
    source: str

    def teaches(self, student_model_id: str) -> bool:
        return any(student_model_id.removeprefix("bedrock:").startswith(s) for s in self.students)


# On-demand deployment: custom models customized on or after this date, in these regions (bedrock-2026.md).
ON_DEMAND_SINCE = "2025-07-16"
ON_DEMAND_REGIONS = ("us-east-1", "us-west-2")
