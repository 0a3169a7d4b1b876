"""Every template learns what it is there to show, in its documented number of steps.

Each template is trained headlessly through the core :class:`Trainer` from the project the
app would open (its data, initial parameters, hyperparameters and seed), and its cost (and,
for a classifier, its accuracy on the whole training set) is checked against what a person
should see: the README's pictures train spirals for 4,000 steps and digits for 3,000 (the
Makefile's ``screenshots``); the others for as long as a class would watch. All of them
together train in about two seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bpstudio.core.data.source import load_examples, split_examples
from bpstudio.core.files.templates import TEMPLATES, make_project
from bpstudio.core.training.trainer import Evaluation, Trainer


@dataclass(frozen=True)
class Outcome:
    steps: int
    #: C on the training set after ``steps``, at most.
    cost_below: float
    #: The fraction of training examples classified right, at least (classifiers).
    accuracy_above: float | None = None


OUTCOMES = {
    "note": Outcome(1000, 1e-3),
    "note_examples": Outcome(1000, 0.01),
    "note_paths": Outcome(2000, 0.01),
    "xor": Outcome(2000, 0.1, 0.95),
    "spirals": Outcome(4000, 0.15, 0.95),
    "sine": Outcome(3000, 0.02),
    "digits": Outcome(3000, 0.1, 0.97),
}


def _train(name: str, steps: int) -> tuple[Evaluation, Evaluation]:
    project = make_project(name)
    train, validation = split_examples(project.data, load_examples(project.data))
    trainer = Trainer(
        project.spec,
        project.params,
        train,
        validation if validation.X.shape[0] else None,
        project.hyperparameters,
    )
    before = trainer.evaluate(record=False)
    assert trainer.train_steps(steps) == steps, trainer.divergence
    return before, trainer.evaluate(record=False)


def test_every_template_but_the_empty_one_has_an_outcome() -> None:
    assert set(OUTCOMES) == set(TEMPLATES) - {"empty"}  # it has no hidden layer to train


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_the_template_learns_in_its_steps(name: str) -> None:
    outcome = OUTCOMES[name]
    before, after = _train(name, outcome.steps)
    assert after.train_cost < outcome.cost_below, (
        f"{name}: C = {after.train_cost:.4f} after {outcome.steps} steps "
        f"(from {before.train_cost:.4f})"
    )
    assert after.train_cost < before.train_cost / 4
    if outcome.accuracy_above is not None:
        assert after.train_accuracy is not None
        assert after.train_accuracy >= outcome.accuracy_above, (
            f"{name}: {after.train_accuracy:.1%} of the training set right after "
            f"{outcome.steps} steps"
        )
