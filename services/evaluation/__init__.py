"""Evaluations: a custom model against its base model, scored with intervals and a judge."""
