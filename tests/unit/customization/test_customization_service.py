"""The custom-model lifecycle through the service, on the local control plane and a fake clock."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from services.customization import NewCustomModel, Upload
from services.domain.custom import JobStatus, ThroughputStatus
from services.domain.errors import (
    ConcurrentUpdate,
    InvalidData,
    InvalidRequest,
    ObjectStoreError,
    ProviderRejected,
    ProviderUnavailable,
    TransitionNotAllowed,
)
from services.domain.models import Status
from tests.support import factories
from tests.support.factories import LLAMA
from tests.support.fakes import ADMIN, World


def jsonl(n: int = 120, start: int = 0) -> bytes:
    return factories.jsonl(n, start, prompt="Question {i}?", completion="Answer number {i}.")


def upload(data: bytes, name: str = "train.jsonl") -> Upload:
    return Upload(name=name, stream=io.BytesIO(data), size=len(data))


def request(name: str = "support-bot", **kw: object) -> NewCustomModel:
    return NewCustomModel.model_validate({"name": name, "base_model_id": LLAMA} | kw)


def create(w: World, name: str = "support-bot", data: bytes | None = None, **kw: object):
    return w.customization.create(request(name, **kw), upload(data or jsonl()), actor=ADMIN)


def nothing_created(w: World) -> None:
    assert w.customization.list() == []
    assert "create_job" not in w.backend.calls
    assert w.objects.list("s3://studio-test/runs/") == []


def test_create_uploads_the_data_and_starts_one_job(w: World) -> None:
    progress: list[tuple[str, int, int]] = []
    data = jsonl()
    model = w.customization.create(
        request(description="first try", hyperparameters={"epochCount": "3"}),
        upload(data),
        progress=lambda what, done, total: progress.append((what, done, total)),
        actor=ADMIN,
    )
    assert model.job_status is JobStatus.IN_PROGRESS and model.job_arn
    assert model.hyperparameters == {"epochCount": "3", "batchSize": "1", "learningRate": "0.0001"}
    assert model.training_records == 120 and model.training_tokens > 0
    assert w.objects.size(model.training_uri) == len(data)
    assert progress[-1] == ("training", len(data), len(data))
    assert w.backend.calls.count("create_job") == 1
    view = w.catalog.get_model(model.id)
    assert view.status is Status.RED and "in progress" in view.next_action
    assert view.record.vendor == "Meta"


def test_a_double_click_creates_one_model_and_one_job(w: World) -> None:
    first = create(w)
    second = create(w)
    assert second.id == first.id
    assert w.backend.calls.count("create_job") == 1
    assert len(w.customization.list()) == 1


@pytest.mark.parametrize(
    ("kw", "says"),
    [
        ({"name": "bad name!"}, "is not a Bedrock model name"),
        ({"name": "x" * 64}, "is not a Bedrock model name"),
        ({"name": ""}, "Model Name: required"),
        ({"name": "GPT-4O"}, "already used by another model"),
        ({"base_model_id": "bedrock:meta.llama3-3-70b-instruct-v1:0:128k"}, "only enabled (GREEN) models may be used"),
        ({"base_model_id": "bedrock:meta.llama2-13b-v1:0:4k"}, "LEGACY at Bedrock"),
        ({"base_model_id": "openai:gpt-4o"}, "is not an Amazon Bedrock base model"),
        ({"base_model_id": "bedrock:nope"}, "no model with id 'bedrock:nope'"),
        (
            {"customization_type": "IMPORTED"},
            "(Reinforcement fine-tuning); not 'IMPORTED'",
        ),
        ({"hyperparameters": {"epochCount": "11"}}, "epochCount: '11' is out of range (int from 1 to 10)"),
        ({"hyperparameters": {"epochCount": "2.5"}}, "must be a whole number"),
        ({"hyperparameters": {"learningRate": "fast"}}, "learningRate: 'fast' is not a number"),
        ({"hyperparameters": {"learningRate": "nan"}}, "is not a finite number"),
        ({"hyperparameters": {"warmup": "1"}}, "'warmup' is not one Meta Llama 3.1 8B / 70B Instruct takes"),
    ],
)
def test_bad_requests_are_refused_with_a_precise_message_and_nothing_is_created(w: World, kw, says: str) -> None:
    name = kw.pop("name", "support-bot")
    with pytest.raises(InvalidRequest) as info:
        w.customization.create(request(name, **kw), upload(jsonl()), actor=ADMIN)
    assert any(says in p for p in info.value.problems), info.value.problems
    nothing_created(w)


def test_the_name_is_unique_across_custom_models_too(w: World) -> None:
    create(w, "support-bot")
    with pytest.raises(InvalidRequest, match="already used"):
        create(w, "Support-Bot", data=jsonl(130))


def test_bad_data_is_refused_with_line_numbers_and_nothing_is_uploaded(w: World) -> None:
    data = jsonl(110) + b"oops\n" + orjson.dumps({"prompt": "q"}) + b"\n"
    with pytest.raises(InvalidData) as info:
        create(w, data=data)
    assert "Training Data, line 111: not valid JSON" in info.value.problems[0]
    assert "line 112: missing key(s) 'completion'" in info.value.problems[1]
    nothing_created(w)


def test_too_few_records_and_a_validation_set_count_together(w: World) -> None:
    with pytest.raises(InvalidData, match="1 problem"):
        create(w, data=jsonl(60))
    model = w.customization.create(request(), upload(jsonl(60)), upload(jsonl(45, 60), "val.jsonl"), actor=ADMIN)
    assert model.validation_records == 45 and model.validation_uri.endswith("validation-val.jsonl")


def test_a_file_that_is_not_jsonl_by_name_is_refused(w: World) -> None:
    with pytest.raises(InvalidData, match="problem"):
        w.customization.create(request(), upload(jsonl(), "train.csv"), actor=ADMIN)
    nothing_created(w)


def test_data_already_in_s3_is_validated_in_place(w: World) -> None:
    uri = "s3://my-data/sets/train.jsonl"
    w.objects.put_bytes(uri, jsonl())
    model = w.customization.create(request(), uri, actor=ADMIN)
    assert model.training_uri == uri
    for bad, says in [
        ("s3://My_Bucket/x.jsonl", "not a URI Bedrock accepts"),
        ("https://bucket/x.jsonl", "not an s3:// URI"),
        ("s3://my-data/sets/missing.jsonl", "does not exist"),
    ]:
        with pytest.raises(InvalidData) as info:
            w.customization.create(request("other-bot"), bad, actor=ADMIN)
        assert says in info.value.problems[0]


def test_a_refused_job_rolls_back_the_record_and_keeps_the_data(w: World) -> None:
    w.backend.fail["create_job"] = ProviderRejected("Bedrock CreateModelCustomizationJob: AccessDeniedException: no")
    with pytest.raises(ProviderRejected, match=r"Nothing was created\. The uploaded data was kept in S3"):
        create(w)
    assert w.customization.list() == [] and not w.catalog.list_models(None)[0].record.id.startswith("custom:")
    assert len(w.objects.list("s3://studio-test/runs/data/")) == 1
    assert create(w).job_status is JobStatus.IN_PROGRESS  # and a retry succeeds


def test_a_failed_upload_rolls_back_the_record(w: World) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ObjectStoreError("s3://studio-test/runs/...: access denied")

    w.objects.upload = broken  # type: ignore[method-assign]
    with pytest.raises(ObjectStoreError, match="Nothing was created"):
        create(w)
    nothing_created(w)


def test_the_job_completes_over_time_and_writes_bedrock_metrics(w: World) -> None:
    model = w.customization.create(
        request(hyperparameters={"epochCount": "2"}), upload(jsonl()), upload(jsonl(20), "v.jsonl"), actor=ADMIN
    )
    w.clock.advance(seconds=30)
    assert w.customization.refresh(model.id).job_status is JobStatus.IN_PROGRESS
    w.clock.advance(seconds=31)
    done = w.customization.refresh(model.id)
    assert done.job_status is JobStatus.COMPLETED and done.custom_model_arn and done.training_loss
    files = {uri.rsplit("/", 1)[-1]: uri for uri, _ in w.objects.list(done.output_uri)}
    assert set(files) == {"step_wise_training_metrics.csv", "validation_metrics.csv"}
    lines = w.objects.open(files["step_wise_training_metrics.csv"]).read().decode().splitlines()
    assert lines[0] == "step_number,epoch_number,training_loss,perplexity"
    assert len(lines) == 1 + 120 * 2  # steps = records / batch size 1, times 2 epochs
    assert "/model-customization-job-" in files["validation_metrics.csv"]
    assert w.catalog.get_model(model.id).next_action == "Provision throughput to use this model."


def test_throughput_lifecycle_turns_the_light_yellow_then_green_then_red(w: World) -> None:
    model = create(w)
    w.clock.advance(seconds=61)
    with pytest.raises(InvalidRequest, match="Model Units: 2 is out of range"):
        w.customization.provision_throughput(model.id, 2, actor=ADMIN)
    pt = w.customization.provision_throughput(model.id, 1, actor=ADMIN)
    assert pt.throughput_status is ThroughputStatus.CREATING and pt.throughput_arn
    assert w.catalog.get_model(model.id).status is Status.RED
    with pytest.raises(TransitionNotAllowed, match="already has throughput"):
        w.customization.provision_throughput(model.id, 1, actor=ADMIN)
    with pytest.raises(TransitionNotAllowed, match="RED"):
        w.catalog.enable(model.id, actor=ADMIN)
    w.clock.advance(seconds=11)
    assert w.customization.refresh(model.id).throughput_status is ThroughputStatus.IN_SERVICE
    assert w.catalog.get_model(model.id).status is Status.YELLOW
    assert w.catalog.enable(model.id, actor=ADMIN).status is Status.GREEN
    with pytest.raises(TransitionNotAllowed, match=r"Remove .* throughput before deleting"):
        w.customization.delete(model.id, actor=ADMIN)
    removed = w.customization.remove_throughput(model.id, actor=ADMIN)
    assert removed.throughput_status is None and not removed.enabled
    view = w.catalog.get_model(model.id)
    assert view.status is Status.RED and not view.record.enabled
    assert w.local_bedrock.get_throughput(pt.throughput_arn) is None


def test_throughput_only_for_completed_models_and_a_refusal_undoes_the_claim(w: World) -> None:
    model = create(w)
    with pytest.raises(TransitionNotAllowed, match="only for a completed model"):
        w.customization.provision_throughput(model.id, actor=ADMIN)
    w.clock.advance(seconds=61)
    w.backend.fail["create_throughput"] = ProviderRejected("ServiceQuotaExceededException")
    with pytest.raises(ProviderRejected):
        w.customization.provision_throughput(model.id, actor=ADMIN)
    assert w.customization.get(model.id).throughput_status is None
    assert w.customization.provision_throughput(model.id, actor=ADMIN).throughput_status is ThroughputStatus.CREATING


def test_the_account_quota_of_two_no_commitment_throughputs_is_bedrocks_answer(w: World) -> None:
    models = [create(w, f"bot-{i}", data=jsonl(100 + i)) for i in range(3)]
    w.clock.advance(seconds=61)
    for m in models[:2]:
        w.customization.provision_throughput(m.id, actor=ADMIN)
    with pytest.raises(ProviderRejected, match="at most 2 no-commitment"):
        w.customization.provision_throughput(models[2].id, actor=ADMIN)
    assert w.customization.active_throughputs() == 2


def test_stop_a_running_job(w: World) -> None:
    model = create(w)
    stopping = w.customization.stop(model.id, actor=ADMIN)
    assert stopping.job_status is JobStatus.STOPPING
    w.clock.advance(seconds=4)
    assert w.customization.refresh(model.id).job_status is JobStatus.STOPPED
    with pytest.raises(TransitionNotAllowed, match="Only a job in progress can be stopped"):
        w.customization.stop(model.id, actor=ADMIN)
    w.customization.delete(model.id, actor=ADMIN)  # a stopped job: only our record goes
    assert "delete_custom_model" not in w.backend.calls
    assert w.customization.list() == []


def test_delete_follows_the_rules(w: World) -> None:
    model = create(w)
    with pytest.raises(TransitionNotAllowed, match="while its job is InProgress"):
        w.customization.delete(model.id, actor=ADMIN)
    w.clock.advance(seconds=61)
    w.customization.delete(model.id, actor=ADMIN)
    assert "delete_custom_model" in w.backend.calls
    assert w.store.catalog.get_model(model.id) is None
    assert create(w, data=jsonl(121)).name == "support-bot"  # the name is free again


def test_data_bedrock_rejects_fails_the_job_with_its_reason(w: World) -> None:
    uri = "s3://my-data/train.jsonl"
    w.objects.put_bytes(uri, jsonl())
    model = w.customization.create(request(), uri, actor=ADMIN)
    w.objects.put_bytes(uri, b"changed after we checked\n")  # Bedrock sees other data than we did
    w.clock.advance(seconds=7)
    failed = w.customization.refresh(model.id)
    assert failed.job_status is JobStatus.FAILED
    assert "Data validation failed" in (failed.failure_message or "")
    assert "failed" in w.catalog.get_model(model.id).next_action
    w.customization.delete(model.id, actor=ADMIN)
    assert "delete_custom_model" not in w.backend.calls  # a failed job made no model


def test_refresh_survives_an_unreachable_provider_and_changes_nothing(w: World) -> None:
    model = create(w)
    w.clock.advance(seconds=61)
    w.backend.fail["get_job"] = ProviderUnavailable("Bedrock GetModelCustomizationJob: ThrottlingException")
    with pytest.raises(ProviderUnavailable):
        w.customization.refresh(model.id)
    assert w.customization.get(model.id).job_status is JobStatus.IN_PROGRESS
    assert w.customization.refresh(model.id).job_status is JobStatus.COMPLETED


def test_the_reconciler_adopts_or_rolls_back_a_submission_that_died_midway(w: World) -> None:
    # the process died after inserting the record and before/after creating the job
    for name in ("died-before-job", "died-after-job"):
        w.backend.fail["create_job"] = KeyboardInterrupt()  # stands in for the process being killed
        with pytest.raises(KeyboardInterrupt):
            create(w, name, data=jsonl(100 + len(name)))
    stuck = {m.name: m for m in w.customization.list()}
    assert {m.job_status for m in stuck.values()} == {JobStatus.SUBMITTING}
    from services.domain.custom import JobRequest

    after = stuck["died-after-job"]
    w.local_bedrock.create_job(
        JobRequest(
            job_name=after.job_name,
            custom_model_name=after.name,
            base_model_identifier="meta.llama3-1-8b-instruct-v1:0:128k",
            role_arn="arn:aws:iam::000000000000:role/x",
            training_uri=after.training_uri,
            validation_uri=None,
            output_uri=after.output_uri,
            hyperparameters=after.hyperparameters,
            client_token=after.client_token,
        )
    )
    assert w.reconciler.run_once().rolled_back == ()  # within the grace period: left alone
    w.clock.advance(seconds=301)
    report = w.reconciler.run_once()
    assert report.adopted == ("died-after-job",) and report.rolled_back == ("died-before-job",)
    assert [m.name for m in w.customization.list()] == ["died-after-job"]
    adopted = w.customization.list()[0]  # the job ran to the end meanwhile
    assert adopted.job_status is JobStatus.COMPLETED and adopted.custom_model_arn and adopted.job_arn


def test_reconcilers_share_a_lease_and_updates_are_version_checked(w: World) -> None:
    from services.customization.reconciler import Reconciler

    model = create(w)
    other = Reconciler(w.customization, w.store, 10, clock=w.clock, owner="other")
    assert w.reconciler.run_once() is not None
    assert other.run_once() is None  # the first holds the lease
    w.clock.advance(seconds=61)
    assert other.run_once().refreshed == 1  # the lease expired: the other takes over
    assert w.customization.get(model.id).job_status is JobStatus.COMPLETED
    stale = w.store.custom_models.get_custom(model.id)
    w.store.custom_models.update_custom(model.id, stale.version, {"description": "edited"})
    with pytest.raises(ConcurrentUpdate):
        w.store.custom_models.update_custom(model.id, stale.version, {"description": "lost update"})


def test_custom_models_appear_in_the_catalog_with_their_own_light(w: World) -> None:
    model = create(w)
    views = {v.id: v for v in w.catalog.list_models()}
    assert views[model.id].record.model_type.value == "Custom"
    assert views[model.id].status is Status.RED
    w.clock.advance(seconds=61)
    w.customization.refresh(model.id)
    assert w.catalog.changes_since(0).total == len(views)


def test_the_base_model_choices_are_green_fine_tunable_bedrock_models(w: World) -> None:
    assert [v.id for v in w.customization.base_model_choices()] == [LLAMA]
    w.catalog.enable("bedrock:meta.llama3-3-70b-instruct-v1:0:128k", actor=ADMIN)
    w.catalog.enable("openai:gpt-4o", actor=ADMIN)
    assert len(w.customization.base_model_choices()) == 2


def test_the_submission_grace_uses_the_last_heartbeat(w: World) -> None:
    w.backend.fail["create_job"] = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        create(w)
    w.clock.advance(seconds=200)
    assert w.reconciler.run_once().rolled_back == ()
    w.clock.advance(seconds=timedelta(seconds=101).total_seconds())
    assert w.reconciler.run_once().rolled_back == ("support-bot",)


def test_an_unreachable_s3_is_named_and_nothing_is_created(w: World) -> None:
    def unreachable(uri: str) -> int:
        raise ObjectStoreError(f"{uri}: S3 could not be reached (Connect timeout).")

    w.objects.size = unreachable  # type: ignore[method-assign]
    with pytest.raises(InvalidData) as info:
        w.customization.create(request(), "s3://my-data/train.jsonl", actor=ADMIN)
    assert info.value.problems == [
        "Training Data: s3://my-data/train.jsonl: S3 could not be reached (Connect timeout)."
    ]
    assert w.customization.list() == [] and "create_job" not in w.backend.calls


def test_without_a_role_arn_nothing_is_created(tmp_path: Path) -> None:
    w = World(tmp_path, backend="aws", allow_anonymous=True)  # aws mode with no STUDIO_CUSTOMIZATION_ROLE_ARN
    w.catalog.sync(actor=ADMIN)
    w.catalog.enable(LLAMA, actor=ADMIN)
    with pytest.raises(InvalidRequest, match="STUDIO_CUSTOMIZATION_ROLE_ARN"):
        create(w)
    assert w.customization.list() == []


def test_a_custom_model_gone_at_bedrock_is_said_and_only_its_record_goes(w: World) -> None:
    model = create(w)
    w.clock.advance(seconds=61)
    done = w.customization.refresh(model.id)
    assert w.local_bedrock.delete_custom_model(done.custom_model_arn)  # deleted in the console
    w.customization.delete(model.id, actor=ADMIN)
    [event] = w.store.audit.audit_events(model_id=model.id, action="delete")
    assert "already gone at Bedrock" in event.detail


def test_a_custom_model_bedrock_does_not_find_in_our_region_is_not_deleted(tmp_path: Path) -> None:
    w = World(tmp_path, aws_regions=["us-east-1", "us-west-2"])
    w.bedrock.models = [  # Llama is customized in us-west-2 only, as at AWS
        m.model_copy(update={"regions": ("us-west-2",)}) if m.key == LLAMA else m for m in w.bedrock.models
    ]
    w.catalog.sync(actor=ADMIN)
    w.catalog.enable(LLAMA, actor=ADMIN)
    model = create(w)
    assert model.region == "us-west-2"
    w.clock.advance(seconds=61)
    done = w.customization.refresh(model.id)
    assert done.custom_model_arn.split(":")[3] == "us-east-1"  # an ARN naming another region
    w.local_bedrock.delete_custom_model(done.custom_model_arn)
    with pytest.raises(ProviderRejected, match="nothing was deleted"):
        w.customization.delete(model.id, actor=ADMIN)
    assert w.customization.get(model.id)


def test_a_job_bedrock_cannot_find_is_not_taken_as_failed(w: World) -> None:
    model = create(w)
    (w.root / "local-bedrock" / "jobs" / f"{model.job_name}.json").unlink()  # a wrong region, say
    with pytest.raises(ProviderRejected, match="has no customization job"):
        w.customization.refresh(model.id)
    assert w.customization.get(model.id).job_status is JobStatus.IN_PROGRESS


def test_auto_where_bedrock_takes_it_and_cohere_commands_batch_size() -> None:
    from services.datasets.families import family_for

    image = family_for("amazon.titan-image-generator-v1:0")
    embed = family_for("amazon.titan-embed-image-v1:0")
    assert image is not None and image.hyperparameter("stepCount").allows_auto  # type: ignore[union-attr]
    assert embed is not None and embed.hyperparameter("epochCount").allows_auto  # type: ignore[union-attr]
    command, light = family_for("cohere.command-text-v14:7:4k"), family_for("cohere.command-light-text-v14:7:4k")
    assert command.hyperparameter("batchSize").max == 8  # type: ignore[union-attr]
    assert light.hyperparameter("batchSize").max == 32  # type: ignore[union-attr]


def test_auto_is_sent_as_auto_and_anything_else_is_checked(w: World) -> None:
    from services.domain.models import Lifecycle, ModelRecord, ModelType, Provider

    base = ModelRecord(
        id="bedrock:amazon.titan-embed-image-v1:0", provider=Provider.BEDROCK, model_id="amazon.titan-embed-image-v1:0",
        model_type=ModelType.BASE, name="Titan MM", vendor="Amazon", lifecycle=Lifecycle.ACTIVE,
        first_seen=w.clock(), updated_at=w.clock(),
    )  # fmt: skip
    hyper, problems = w.customization.check_hyperparameters(base, {"epochCount": "AUTO"})
    assert hyper["epochCount"] == "auto" and problems == []
    _, problems = w.customization.check_hyperparameters(base, {"epochCount": "many"})
    assert problems and 'or "auto"' in problems[0]


def test_titan_takes_fewer_tokens_per_record_at_larger_batch_sizes(w: World) -> None:
    """AWS: Titan Text Express 4,096 tokens per record at batch 1, 2,048 at 2-4 (Lite: 1-2 and 3-6)."""
    lite = "bedrock:amazon.titan-text-lite-v1:0:4k"
    w.catalog.enable(lite, actor=ADMIN)
    record = factories.jsonl(120, prompt="{i} " + "w" * 15_000, completion="ok")  # ~2,500 tokens a record
    fine = w.customization.check_data(lite, upload(record), hyperparameters={"batchSize": "2"})
    assert fine.ok, fine.problems
    refused = w.customization.check_data(lite, upload(record), hyperparameters={"batchSize": "3"})
    assert not refused.ok and "at batch size 3 takes at most 2,048 per record" in refused.problems[0]
    with pytest.raises(InvalidData, match="2,048"):
        w.customization.create(
            request(base_model_id=lite, hyperparameters={"batchSize": "4"}), upload(record), actor=ADMIN
        )


def test_check_data_checks_the_whole_request_in_one_step(w: World) -> None:
    """Data, hyperparameters and record counts together: epochCount 20 is refused, not priced."""
    result = w.customization.check_data(LLAMA, upload(jsonl(40)), hyperparameters={"epochCount": "20"})
    assert any("epochCount: '20' is out of range" in p for p in result.problems), result.problems
    assert any("needs at least 100" in p for p in result.problems)  # the record count, in the same answer
    fine = w.customization.check_data(LLAMA, upload(jsonl()), hyperparameters={"epochCount": "3"})
    assert fine.ok and fine.epochs == 3
    assert fine.billable_tokens == fine.training.tokens * 3 > 0  # type: ignore[union-attr]


def test_check_data_describes_the_data(w: World) -> None:
    data = jsonl(150) + jsonl(5)  # five lines repeated
    result = w.customization.check_data(LLAMA, upload(data))
    assert result.ok, result.problems
    stats = result.training.stats  # type: ignore[union-attr]
    assert stats.duplicates == 5 and stats.duplicates_checked == 155
    assert sum(b.records for b in stats.input_tokens.bins) == 155 == sum(stats.turns.values())
    assert 0 < stats.input_tokens.p50 <= stats.input_tokens.p90 <= stats.input_tokens.max
    assert stats.token_limit == 16_000 and stats.near_limit == 0 and stats.over_limit == 0
    assert [t.role for t in stats.samples[0]] == ["user", "assistant"] and "Question 0?" in stats.samples[0][0].text


def test_a_created_model_keeps_its_data_summary(w: World) -> None:
    model = create(w, hyperparameters={"epochCount": "2"})
    summary = w.customization.get(model.id).data_summary
    assert summary is not None and summary["epochs"] == 2
    assert summary["training"]["records"] == 120 and summary["billable_tokens"] == 2 * summary["training"]["tokens"]
    assert "samples" not in summary["training"]["stats"] and "issues" not in summary["training"]


def test_a_new_run_takes_the_next_free_name_and_the_same_settings(w: World) -> None:
    model = create(w, "bot", hyperparameters={"epochCount": "3"})
    request, training, validation = w.customization.rerun_request(model.id)
    assert request.name == "bot-2" and training == model.training_uri and validation is None
    assert request.hyperparameters == model.hyperparameters and request.base_model_id == model.base_model_id
    second = w.customization.create(request, training, actor=ADMIN)
    assert w.customization.rerun_request(second.id)[0].name == "bot-3"
    assert w.customization.rerun_request(model.id)[0].name == "bot-3"  # bot-2 is taken now


def test_a_running_jobs_metrics_appear_as_it_trains(w: World) -> None:
    """The local control plane writes the loss as training goes, the way Bedrock writes it while a job
    runs; the metrics service shows it live, and the final file starts with what was shown."""
    from services.customization.metrics import MetricsState, training_progress

    model = create(w, hyperparameters={"epochCount": "2"})
    early = w.metrics.load(model.id)
    assert early.state is MetricsState.NOT_YET and "appears here as the job writes it" in early.message
    w.clock.advance(seconds=35)
    w.customization.refresh(model.id)
    live = w.metrics.load(model.id)
    assert live.state is MetricsState.READY and "so far (live)" in live.notes[0]
    done, total = training_progress(live, 2, 120)
    assert 0 < done < total == 240  # 120 records at batch size 1, two epochs
    w.clock.advance(seconds=30)
    w.customization.refresh(model.id)
    final = w.metrics.load(model.id)
    assert final.training is not None and live.training is not None
    assert len(final.training.frame) == 240 and not any("live" in n for n in final.notes)
    assert final.training.frame.head(done).equals(live.training.frame)  # the live curve was the real start
