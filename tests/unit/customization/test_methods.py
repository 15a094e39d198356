"""A customization method is one object the form, the API, the checks and the metrics ask."""

from __future__ import annotations

from services.customization.methods import FINE_TUNING, METHODS, method_for, method_problem
from services.customization.metrics import TRAINING_FILE, VALIDATION_FILE
from tests.support.factories import LLAMA
from tests.support.fakes import ADMIN, World


def test_fine_tuning_is_a_method_with_its_data_rules_epochs_and_metrics_files(w: World) -> None:
    assert method_for("FINE_TUNING") is FINE_TUNING and set(METHODS) == {"FINE_TUNING"}
    base = w.catalog.get_model(LLAMA).record
    assert FINE_TUNING.offered_by(base)
    family = FINE_TUNING.family(base)
    assert family is not None and family.key == "llama3.1"
    assert [h.name for h in FINE_TUNING.hyperparameters(family)] == ["epochCount", "batchSize", "learningRate"]
    assert FINE_TUNING.epochs({"epochCount": "3"}) == 3 and FINE_TUNING.epochs({"stepCount": "40"}) == 1
    assert FINE_TUNING.epochs({"epochCount": "auto"}) == 1
    assert tuple(FINE_TUNING.metrics_files.values()) == (TRAINING_FILE, VALIDATION_FILE)
    assert FINE_TUNING.job_fields({"epochCount": "2"}) == {}


def test_a_method_not_offered_is_refused_in_the_forms_words_and_the_form_offers_what_a_method_allows(
    w: World,
) -> None:
    said = method_problem("DISTILLATION")
    assert said == "Customization Type: Model Studio runs FINE_TUNING (Supervised fine-tuning); not 'DISTILLATION'."
    assert method_problem("FINE_TUNING") is None
    offered = w.customization.base_model_choices(FINE_TUNING)
    assert [v.id for v in offered] == [LLAMA]  # the one GREEN model that offers it
    w.catalog.disable(LLAMA, actor=ADMIN)
    assert w.customization.base_model_choices(FINE_TUNING) == []
