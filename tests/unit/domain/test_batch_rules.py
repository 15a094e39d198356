"""Which model of an evaluation Bedrock batches: the modelId rule is botocore's own pattern, kept in step with it."""

from __future__ import annotations

import botocore.session

from services.domain.batch import BATCH_MODEL_ID


def test_the_batch_model_id_rule_is_botocores_pattern() -> None:
    model = botocore.session.get_session().get_service_model("bedrock")
    pattern = model.operation_model("CreateModelInvocationJob").input_shape.members["modelId"].metadata["pattern"]
    assert BATCH_MODEL_ID.pattern == pattern
    assert BATCH_MODEL_ID.fullmatch("us.amazon.nova-micro-v1:0")
    assert not BATCH_MODEL_ID.fullmatch("arn:aws:bedrock:us-east-1:123456789012:imported-model/abcdef012345")
    assert not BATCH_MODEL_ID.fullmatch("arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abc")
