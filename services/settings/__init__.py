"""The one settings object. No setting is read anywhere else.

Sources, highest priority first: constructor arguments, environment variables
(prefix ``STUDIO_``), the ``[studio]`` table of ``.streamlit/secrets.toml``, defaults.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings import (
    SettingsError as PydanticSettingsError,
)

from services.domain.errors import SettingsError
from services.settings import checks

ENV_PREFIX = "STUDIO_"
SECRETS_FILE = Path(".streamlit/secrets.toml")


class _SecretsTomlSource(PydanticBaseSettingsSource):
    """Reads the ``[studio]`` table of ``.streamlit/secrets.toml`` (if present)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self._values: dict[str, Any] = {}
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise SettingsError(f"{path}: not valid TOML ({exc})") from exc
            table = data.get("studio", {})
            if isinstance(table, dict):
                self._values = {str(k).lower(): v for k, v in table.items()}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._values.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", env_ignore_empty=True, validate_default=True
    )

    backend: Literal["local", "aws"] = Field(
        "local", description="local: embedded backend, no account; aws: real AWS and OpenAI."
    )
    data_dir: Path = Field(Path("./data"), description="Where the local backend keeps its state.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite at <data_dir>/studio.db.")
    aws_regions: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["us-east-1", "us-west-2"],
        description="Comma-separated Bedrock regions to sync from.",
    )
    openai_api_key: SecretStr | None = Field(None, description="OpenAI API key (aws backend).")
    openai_base_url: str | None = Field(None, description="OpenAI-compatible base URL.")
    local_inference_url: str | None = Field(
        None,
        description="Local backend: an OpenAI-compatible server (Ollama, vLLM, llama.cpp) that answers every "
        "call for real, instead of the simulation.",
    )
    local_inference_model: str | None = Field(
        None, description="The model name sent to STUDIO_LOCAL_INFERENCE_URL (default: the model's own id)."
    )
    provider_timeout_seconds: float = Field(20.0, gt=0, le=300, description="Timeout for one provider call.")
    catalog_snapshot: Path | None = Field(
        None, description="Catalog snapshot served by the local backend (default: bundled)."
    )
    poll_seconds: float = Field(5.0, gt=0, le=3600, description="UI refresh interval.")
    s3_bucket: str = Field("model-studio", description="Bucket for training data and job output.")
    s3_prefix: str = Field("model-studio", description="Key prefix under the bucket.")
    s3_buckets: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="Per region, the bucket for its jobs' data and output: us-east-1=bucket-a,us-west-2=bucket-b "
        "(regions not listed use STUDIO_S3_BUCKET; Bedrock reads data best from the job's region).",
    )
    allowed_buckets: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated buckets whose s3:// URIs users may give, besides STUDIO_S3_BUCKET.",
    )
    customization_role_arn: str | None = Field(
        None, description="IAM role Bedrock assumes for customization jobs (aws backend)."
    )
    customization_region: str | None = Field(
        None,
        description="The preferred region for customization jobs (default: the first of STUDIO_AWS_REGIONS); "
        "a base model that cannot be customized there runs in a configured region where it can.",
    )
    job_tags: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="key=value,... tags on every job, custom model, throughput and deployment (cost allocation).",
    )
    kms_key_id: str | None = Field(None, description="KMS key (id, ARN or alias) that encrypts custom models.")
    vpc_subnets: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated subnet ids a customization job runs in (with security groups).",
    )
    vpc_security_groups: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated security group ids for the job's VPC."
    )
    max_upload_mb: int = Field(200, ge=1, le=10_240, description="Largest browser upload; bigger data: give an S3 URI.")
    no_commit_max_model_units: int = Field(
        1, ge=1, le=100, description="Model units one no-commitment Provisioned Throughput may have."
    )
    sim_job_seconds: float = Field(60.0, gt=0, description="Local backend: how long a job runs.")
    sim_throughput_seconds: float = Field(10.0, gt=0, description="Local backend: Creating -> InService.")
    sim_inference_seconds: float = Field(
        0.0, ge=0, le=60, description="Local backend: how long a simulated model takes to answer."
    )
    webhook_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated URLs that receive every notice as signed JSON."
    )
    webhook_secret: SecretStr | None = Field(None, description="Signs webhooks: X-Studio-Signature, HMAC-SHA256.")
    smtp_url: str | None = Field(
        None, description="E-mail notices: smtp://[user:password@]host[:port] (starttls), or smtps:// (TLS)."
    )
    notify_from: str = Field("model-studio@localhost", description="The From address of notice e-mails.")
    notify_retry_seconds: float = Field(30.0, gt=0, description="First wait before a failed delivery is retried.")
    notify_attempts: int = Field(8, ge=1, le=50, description="Tries per delivery before it is marked failed.")
    public_url: str = Field(
        "", description="Where users reach Model Studio (links in notices), e.g. https://studio.example.com"
    )
    idle_warn_hours: float = Field(24.0, gt=0, description="Warn (throughput.idle) of throughput idle this long.")
    auto_remove_idle_hours: float | None = Field(
        None, gt=0, description="The idle guard (off when unset): remove throughput idle this long, after a warning."
    )
    auto_remove_grace_hours: float = Field(
        2.0, ge=0, description="The idle warning goes out at least this long before the guard removes a throughput."
    )
    monthly_budget: float | None = Field(
        None, gt=0, description="US dollars a month: budget.warning at 80% of it, budget.exceeded at 100%."
    )
    eval_max_records: int = Field(2000, ge=1, le=100_000, description="Most records one evaluation may take.")
    eval_batch_min_records: int = Field(
        100, ge=1, le=100_000, description="Fewest records an evaluation may run on Bedrock batch inference."
    )
    eval_retry_seconds: float = Field(
        1.0, gt=0, le=60, description="An evaluation's first wait before retrying a throttled call (then doubled)."
    )
    eval_attempts: int = Field(6, ge=1, le=20, description="Tries per call of an evaluation, the first included.")
    eval_lease_seconds: float = Field(
        30.0, gt=0, description="A running evaluation is resumed by another process this long after its runner stops."
    )
    eval_max_running: int = Field(
        4, ge=1, le=64, description="Evaluations one server process runs at once (the oldest queued first)."
    )
    eval_max_running_per_user: int = Field(
        1, ge=1, le=64, description="Evaluations one engineer may have running at once, across every replica."
    )
    api_workers: int = Field(
        2,
        ge=0,
        le=64,
        description="REST API worker processes `make run` starts beside the UI, on STUDIO_API_PORT (0: none; the "
        "UI's port serves /api either way).",
    )
    api_port: int | None = Field(None, ge=1, le=65535, description="The API workers' port (default: the UI's + 1).")
    model_call_concurrency: int = Field(
        64, ge=1, le=1024, description="Model calls (/invoke, /api/v1) one server process makes at once."
    )
    model_call_queue: int = Field(
        256,
        ge=0,
        le=100_000,
        description="Model calls that may wait for a free place; beyond it: 429 with Retry-After.",
    )
    prices_file: Path | None = Field(None, description="Price catalog JSON (default: the bundled one).")
    price_overrides: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description='JSON: {"<model id prefix>": {"training": 0.0005, "storage_month": 1.95, '
        '"inference_no_commit": 7.1}}',
    )
    throughput_warn_hours: float = Field(
        24.0, gt=0, description="Warn when no-commitment throughput has run longer than this."
    )
    trusted_user_header: str | None = Field(
        None, description="Sign-in by an authenticating proxy: the header holding the user's e-mail."
    )
    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated e-mails of admins."
    )
    admin_group: str | None = Field(
        None, description="Members of this group (OIDC groups claim, or STUDIO_TRUSTED_GROUPS_HEADER) are admins."
    )
    groups_claim: str = Field("groups", description="The OIDC claim that lists a user's groups.")
    trusted_groups_header: str | None = Field(
        None,
        description="Header sign-in: the header the authenticating proxy sets to the user's groups (comma-separated). "
        "No default: a header is trusted only when named on purpose, and the proxy must overwrite it.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "[::1]"],
        description="Comma-separated host names the server answers to (any port); others get 400 (DNS rebinding). "
        "Add the name users reach Model Studio by; '*' allows any.",
    )
    allow_anonymous: bool = Field(False, description="aws backend without sign-in: allowed only when set on purpose.")
    reconcile_seconds: float = Field(15.0, gt=0, description="Background refresh interval of in-flight work.")
    submit_grace_seconds: float = Field(
        300.0, gt=0, description="A submission older than this with no job is rolled back by the reconciler."
    )

    @field_validator("job_tags", "s3_buckets", mode="before")
    @classmethod
    def _split_pairs(cls, value: Any) -> Any:
        """key=value,key=value into a dict; what a key or value may be is checked after."""
        return checks.split_pairs(value)

    @field_validator("job_tags")
    @classmethod
    def _check_tags(cls, value: dict[str, str]) -> dict[str, str]:
        return checks.tags(value)

    @field_validator("kms_key_id")
    @classmethod
    def _check_kms(cls, value: str | None) -> str | None:
        return checks.kms(value)

    @field_validator(
        "aws_regions",
        "allowed_buckets",
        "admins",
        "allowed_hosts",
        "vpc_subnets",
        "vpc_security_groups",
        "webhook_urls",
        mode="before",
    )
    @classmethod
    def _split_regions(cls, value: Any) -> Any:
        return checks.split_regions(value)

    @field_validator("aws_regions")
    @classmethod
    def _check_regions(cls, value: list[str]) -> list[str]:

        return checks.regions(value)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        return checks.database_url(value)

    @field_validator("s3_buckets")
    @classmethod
    def _check_region_buckets(cls, value: dict[str, str]) -> dict[str, str]:
        return checks.region_buckets(value)

    @field_validator("allowed_hosts")
    @classmethod
    def _check_hosts(cls, value: list[str]) -> list[str]:
        return checks.hosts(value)

    @field_validator("trusted_user_header", "trusted_groups_header")
    @classmethod
    def _check_header_name(cls, value: str | None) -> str | None:
        return checks.header_name(value)

    @field_validator("s3_bucket")
    @classmethod
    def _check_bucket(cls, value: str) -> str:
        return checks.bucket(value)

    @field_validator("allowed_buckets")
    @classmethod
    def _check_buckets(cls, value: list[str]) -> list[str]:
        return checks.buckets(value)

    @field_validator("s3_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        return checks.prefix(value)

    @field_validator("customization_role_arn")
    @classmethod
    def _check_role(cls, value: str | None) -> str | None:
        return checks.role(value)

    @field_validator("price_overrides")
    @classmethod
    def _check_overrides(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        return checks.overrides(value)

    @property
    def oidc_configured(self) -> bool:
        """Whether .streamlit/secrets.toml has an [auth] section for st.login."""
        try:
            data = tomllib.loads(SECRETS_FILE.read_text(encoding="utf-8")) if SECRETS_FILE.is_file() else {}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            return False
        return isinstance(data.get("auth"), dict) and bool(data["auth"])

    @property
    def sign_in(self) -> str:
        """oidc | header | none"""
        if self.oidc_configured:
            return "oidc"
        return "header" if self.trusted_user_header else "none"

    def startup_problems(self, address: str | None) -> list[str]:
        """Why the server must not start with these settings on this address (empty: fine)."""
        problems = []
        loopback = address in ("127.0.0.1", "localhost", "::1")
        if self.sign_in == "header" and self.admin_group and not self.trusted_groups_header:
            problems.append(
                "STUDIO_ADMIN_GROUP with header sign-in needs STUDIO_TRUSTED_GROUPS_HEADER: the header your "
                "authenticating proxy sets (and overwrites) with the user's groups. Groups are never read from "
                "any other header."
            )
        if (
            self.sign_in == "header"
            and self.trusted_groups_header
            and self.trusted_groups_header.lower() == (self.trusted_user_header or "").lower()
        ):
            problems.append("STUDIO_TRUSTED_GROUPS_HEADER must differ from STUDIO_TRUSTED_USER_HEADER.")
        if self.sign_in == "none":
            if self.backend == "aws" and not self.allow_anonymous:
                problems.append(
                    "The aws backend needs sign-in: configure [auth] in .streamlit/secrets.toml (OIDC) or "
                    "STUDIO_TRUSTED_USER_HEADER, or set STUDIO_ALLOW_ANONYMOUS=true on purpose."
                )
            if self.backend == "local" and not loopback:
                problems.append(
                    f"Without sign-in the local backend listens on loopback only (everyone is the local admin), "
                    f"not on {address or 'all interfaces'}: use ADDRESS=127.0.0.1 or configure sign-in."
                )
        return problems

    @property
    def job_region(self) -> str:
        return self.customization_region or self.aws_regions[0]

    @property
    def output_root(self) -> str:
        return self.output_root_for(self.job_region)

    def readable_buckets(self) -> frozenset[str]:
        """The buckets whose s3:// URIs users may give (services/domain/s3uri.py: user_uri)."""
        return frozenset(self.allowed_buckets) | {self.s3_bucket} | set(self.s3_buckets.values())

    def output_root_for(self, region: str) -> str:
        bucket = self.s3_buckets.get(region, self.s3_bucket)
        return f"s3://{bucket}/{self.s3_prefix}" if self.s3_prefix else f"s3://{bucket}"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'studio.db').as_posix()}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _SecretsTomlSource(settings_cls, SECRETS_FILE))


def _describe(error: dict[str, Any]) -> str:
    field = ".".join(str(part) for part in error.get("loc", ())) or "settings"
    name = f"{ENV_PREFIX}{field.upper()}"
    value = error.get("input")
    shown = "" if isinstance(value, dict) or field == "openai_api_key" else f" (got {value!r})"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{name}: {message}{shown}"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning any bad value into one SettingsError naming each variable."""
    try:
        return Settings(**overrides)
    except PydanticSettingsError as exc:
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"{ENV_PREFIX}{field.group(1).upper()}" if field else "a STUDIO_ variable"
        raise SettingsError(f"Invalid settings:\n  - {name}: not valid JSON") from None
    except ValidationError as exc:
        lines = [_describe(dict(err)) for err in exc.errors()]
        raise SettingsError("Invalid settings:\n" + "\n".join(f"  - {line}" for line in lines)) from None
