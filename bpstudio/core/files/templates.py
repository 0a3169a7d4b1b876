"""Starting points for a new project: the note's chain and classic teaching problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bpstudio.core.data.source import DataSource
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.errors import lookup
from bpstudio.core.files.project import Project
from bpstudio.core.training.hyperparams import Hyperparameters


@dataclass(frozen=True)
class Template:
    name: str
    label: str
    description: str
    build: Callable[[], Project]


def _project(
    sizes: list[int],
    hidden: str,
    output: str,
    loss: str,
    data: DataSource,
    hp: Hyperparameters,
    init: str = "xavier",
) -> Project:
    spec = NetworkSpec.build(sizes, hidden, output, loss)
    return Project(spec, initialize(spec, init, hp.seed), data, hp)


def _note_examples() -> Project:
    """The note's chain and parameters on four examples, all of them in every batch."""
    project = Project.note_example()
    project.data = DataSource("generator", "note_examples")
    project.hyperparameters = replace(project.hyperparameters, batch_size=4)
    return project


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "note",
            "The note's 1-1-1-1 chain",
            "Three weights and three biases, sigmoid neurons, one example (x = 1, y = 0.25): "
            "the worked example of 'Backpropagation Calculus'.",
            Project.note_example,
        ),
        Template(
            "note_examples",
            "The note's chain, four examples",
            "The 1-1-1-1 chain of 'Backpropagation Calculus' on four examples: the cost C is "
            "the average (1/n) Σ_k C_k of the examples' costs.",
            lambda: _note_examples(),
        ),
        Template(
            "note_paths",
            "The note's two-neuron output (2-3-2)",
            "A 3-neuron layer L−1 feeding a 2-neuron output layer L (the note's n_L = 2), "
            "sigmoid neurons, squared error, four examples: ∂C₀/∂a_k^(L−1) sums over two paths.",
            lambda: _project(
                [2, 3, 2],
                "sigmoid",
                "sigmoid",
                "squared_error",
                DataSource("generator", "note_two_outputs"),
                Hyperparameters(learning_rate=1.0, batch_size=4),
            ),
        ),
        Template(
            "xor",
            "XOR (2-4-1)",
            "Four clusters that no straight line separates; one hidden layer of tanh neurons.",
            lambda: _project(
                [2, 4, 1],
                "tanh",
                "sigmoid",
                "cross_entropy",
                DataSource("generator", "xor", n_examples=200, noise=0.1, validation_fraction=0.2),
                Hyperparameters(learning_rate=0.3, batch_size=10),
            ),
        ),
        Template(
            "spirals",
            "Two spirals (2-8-8-1)",
            "TensorFlow Playground's hardest problem: two hidden layers of tanh neurons.",
            lambda: _project(
                [2, 8, 8, 1],
                "tanh",
                "sigmoid",
                "cross_entropy",
                DataSource(
                    "generator", "spirals", n_examples=400, noise=0.05, validation_fraction=0.2
                ),
                # Batches of 10 left Adam's steps too noisy to leave C ≈ 0.64 (65% of the
                # examples right after 4,000 steps); batches of 64 reach 97% by then.
                Hyperparameters(learning_rate=0.03, batch_size=64, optimizer="adam"),
            ),
        ),
        Template(
            "sine",
            "Sine regression (1-16-16-1)",
            "Fit y = sin(x) with a linear output and the note's squared-error cost.",
            lambda: _project(
                [1, 16, 16, 1],
                "tanh",
                "linear",
                "squared_error",
                DataSource(
                    "generator", "sine", n_examples=100, noise=0.05, validation_fraction=0.2
                ),
                Hyperparameters(learning_rate=0.01, batch_size=10, optimizer="adam"),
            ),
        ),
        Template(
            "digits",
            "Handwritten digits (64-32-10)",
            "The 8x8 optical digits (1,797 images): a sigmoid hidden layer and a softmax output.",
            lambda: _project(
                [64, 32, 10],
                "sigmoid",
                "softmax",
                "cross_entropy",
                DataSource("generator", "digits", validation_fraction=0.2),
                Hyperparameters(learning_rate=0.5, batch_size=32),
            ),
        ),
        Template(
            "empty",
            "Empty (input and output only)",
            "A 2-input, 1-output network: drag hidden layers in from the palette.",
            lambda: _project(
                [2, 1],
                "sigmoid",
                "sigmoid",
                "cross_entropy",
                DataSource("generator", "xor", n_examples=200, noise=0.1, validation_fraction=0.2),
                Hyperparameters(learning_rate=0.3, batch_size=10),
            ),
        ),
    )
}


def make_project(name: str) -> Project:
    return lookup(TEMPLATES, name, "template").build()
