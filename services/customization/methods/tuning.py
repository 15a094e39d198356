"""Supervised fine-tuning and continued pre-training: the same job and output layout, labelled examples
or unlabeled text, no request fields of their own."""

from __future__ import annotations

from services.customization.methods.base import Method

FINE_TUNING = Method(
    key="FINE_TUNING",
    label="Supervised fine-tuning",
    summary="Trains the base model on labelled examples: prompts with the answers you want.",
    source="https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-fine-tuning.html",
    metrics_files={"training": "step_wise_training_metrics.csv", "validation": "validation_metrics.csv"},
)

CONTINUED_PRE_TRAINING = Method(
    key="CONTINUED_PRE_TRAINING",
    label="Continued pre-training",
    summary='Teaches the base model your domain\'s language from unlabeled text: one {"input": text} per line.',
    source="https://docs.aws.amazon.com/bedrock/latest/userguide/dataset-prep-continued-pretraining.html",
    metrics_files=FINE_TUNING.metrics_files,  # the same output layout as fine-tuning
)
