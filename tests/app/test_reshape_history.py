"""Data that reshapes the network starts a new training history; undo brings the old one
back. Data that fits keeps the history going."""

from __future__ import annotations

import numpy as np

from bpstudio.app.commands import SetDataSourceCommand, TrainCommand
from bpstudio.app.document import Document
from bpstudio.core.data.fit import fit_to_dataset
from bpstudio.core.data.source import DataSource, load_examples
from bpstudio.core.training.history import History


def _trained(document: Document, steps: int = 500) -> History:
    history = History()
    for step in range(1, steps + 1, 50):
        history["batch_cost"].append(step, 1.0 / step)
    document.push(TrainCommand(document, document.params, history, steps, 12))
    return history


def test_reshaping_for_other_data_starts_a_new_history(document: Document) -> None:
    old = _trained(document)
    blobs = DataSource(kind="generator", name="blobs", n_classes=4)
    fitted = load_examples(blobs, None)
    plan = fit_to_dataset(document.spec, document.params, fitted, document.rng, True)
    document.push(SetDataSourceCommand(document, blobs, (plan.spec, plan.params)))
    assert document.spec.output_size == 4
    project = document.project
    assert (project.step, project.epoch) == (0, 0)
    assert len(project.history["batch_cost"]) == 0

    document.undo_stack.undo()
    project = document.project
    assert (project.step, project.epoch) == (500, 12)
    restored, original = project.history["batch_cost"].data(), old["batch_cost"].data()
    np.testing.assert_array_equal(restored[0], original[0])
    document.undo_stack.redo()
    assert document.project.step == 0


def test_data_that_fits_keeps_the_history(document: Document) -> None:
    _trained(document)
    noisier = DataSource(kind="generator", name="xor", noise=0.3)
    document.push(SetDataSourceCommand(document, noisier))
    assert document.project.step == 500
    assert len(document.project.history["batch_cost"]) == 10
