"""The ``bpstudio`` command: the desktop app, and headless ``train``, ``grad``,
``gradcheck`` and ``export`` subcommands for scripts and tests (and ``install-desktop``).

Every error a person can cause (a bad file, a shape mismatch, an unknown name) ends as one
line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np

from bpstudio import __version__
from bpstudio.core.data.datasets import GENERATORS, Dataset
from bpstudio.core.data.source import DataSource, file_sha256, load_examples, split_examples
from bpstudio.core.engine.activations import ACTIVATIONS
from bpstudio.core.engine.address import param_refs
from bpstudio.core.engine.backprop import gradients
from bpstudio.core.engine.footprint import check_training_memory
from bpstudio.core.engine.gradcheck import DEFAULT_TOLERANCE, gradient_check
from bpstudio.core.engine.init import INITIALIZERS
from bpstudio.core.engine.losses import LOSSES
from bpstudio.core.engine.network import NetworkSpec, Params, initialize
from bpstudio.core.engine.optim import (
    OPTIMIZER_LABELS,
    SCHEDULES,
    add_penalty_gradient,
    cost_formula,
    penalty,
)
from bpstudio.core.errors import BPStudioError
from bpstudio.core.files.outputs import check_output_paths
from bpstudio.core.files.project import SUFFIX, Project
from bpstudio.core.training.blas import BlasThreads
from bpstudio.core.training.hyperparams import MAX_SEED, Hyperparameters
from bpstudio.core.training.trainer import Trainer

SUBCOMMANDS = ("train", "grad", "gradcheck", "values", "export", "install-desktop")

EXIT_USAGE = 2
EXIT_CHECK_FAILED = 1
EXIT_INTERNAL = 70  # EX_SOFTWARE of sysexits.h


# -- argument parsing ------------------------------------------------------------------------


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None
    if len(values) < 2 or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(
            f"expected at least two positive layer sizes (input,...,output), got {text!r}"
        )
    return values


_N = TypeVar("_N", int, float)


def _number(text: str, convert: Callable[[str], _N], kind: str) -> _N:
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None


def _positive_float(text: str) -> float:
    value = _number(text, float, "a number")
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = _number(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def _seed(text: str) -> int:
    value = _number(text, int, "a whole number")
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"expected a seed from 0 to {MAX_SEED}, got {text!r}")
    return value


def _name_list(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _add_network_options(parser: argparse.ArgumentParser, layers_required: bool) -> None:
    group = parser.add_argument_group("network")
    group.add_argument(
        "--layers",
        type=_int_list,
        required=layers_required,
        help="layer sizes from input to output, e.g. 2,4,1",
    )
    group.add_argument(
        "--activation",
        choices=[a for a in ACTIVATIONS if a != "softmax"],
        default="sigmoid",
        help="activation of the hidden layers (default: sigmoid, the note's σ)",
    )
    group.add_argument(
        "--output-activation",
        choices=list(ACTIVATIONS),
        help="activation of the output layer (default: the same as --activation)",
    )
    group.add_argument(
        "--loss",
        choices=list(LOSSES),
        default="squared_error",
        help="cost function (default: squared_error, the note's C0)",
    )
    group.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    group.add_argument("--init", choices=list(INITIALIZERS), default="xavier")
    group.add_argument("--params", type=Path, help="start from the weights in this .npz file")


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("data")
    group.add_argument(
        "--dataset",
        help=f"built-in set ({', '.join(GENERATORS)}) or csv:PATH",
    )
    group.add_argument("--n-examples", type=int, help="size of a generated dataset")
    group.add_argument("--noise", type=float, help="noise of a generated dataset")
    group.add_argument("--classes", type=int, help="number of classes (blobs)")
    group.add_argument(
        "--label-column", help="CSV: a class-label column, one-hot encoded as the targets"
    )
    group.add_argument(
        "--targets", type=_name_list, help="CSV: comma-separated names of the target columns"
    )
    group.add_argument(
        "--standardize", action="store_true", help="standardise inputs (training statistics)"
    )
    group.add_argument(
        "--validation", type=float, default=0.0, help="fraction held out for validation"
    )
    group.add_argument("--seed", type=_seed, default=0, help="seed for data, init and shuffling")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bpstudio",
        description="Backprop Studio: see and step through backpropagation. "
        "Without a subcommand, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"bpstudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser(
        "train",
        help="train a network headless",
        description="Train a network (or continue a saved project) and print a summary.",
    )
    train.add_argument("project", nargs="?", type=Path, help=f"a {SUFFIX} project to continue")
    _add_network_options(train, layers_required=False)
    _add_data_options(train)
    opt = train.add_argument_group("training")
    opt.add_argument("--epochs", type=int, default=None, help="epochs to train (default 100)")
    opt.add_argument("--steps", type=int, default=None, help="train this many steps instead")
    opt.add_argument("--batch-size", type=int, default=None)
    opt.add_argument("--lr", type=float, default=None, help="learning rate η")
    opt.add_argument("--optimizer", choices=list(OPTIMIZER_LABELS), default=None)
    opt.add_argument("--momentum", type=float, default=None)
    opt.add_argument("--nesterov", action="store_true", default=None)
    opt.add_argument("--l1", type=float, default=None)
    opt.add_argument("--l2", type=float, default=None)
    opt.add_argument("--beta1", type=float, default=None, help="Adam's β₁ (default 0.9)")
    opt.add_argument("--beta2", type=float, default=None, help="Adam's β₂ (default 0.999)")
    opt.add_argument("--eps", type=float, default=None, help="Adam's ε, added to √v (default 1e-8)")
    opt.add_argument("--schedule", choices=list(SCHEDULES), default=None)
    opt.add_argument(
        "--schedule-every",
        type=int,
        default=None,
        help="step schedule: multiply η by the factor every this many steps (default 1000)",
    )
    opt.add_argument(
        "--schedule-factor", type=float, default=None, help="step schedule's factor (default 0.5)"
    )
    opt.add_argument(
        "--schedule-rate",
        type=float,
        default=None,
        help="exponential schedule: η_t = η₀ e^(−rate·t) (default ln 2 / 1000)",
    )
    opt.add_argument("--target-cost", type=float, help="stop once the training cost is below")
    out = train.add_argument_group("output")
    out.add_argument("--save-params", type=Path, help="write the trained weights (.npz)")
    out.add_argument("--save", type=Path, help=f"write the whole project ({SUFFIX})")
    out.add_argument("--json", action="store_true", help="print the summary as JSON")
    out.add_argument("-q", "--quiet", action="store_true", help="no progress output")

    for name, help_text in (
        ("grad", "print the cost and every component of ∇C"),
        ("gradcheck", "compare backprop with finite differences"),
        ("values", "print every neuron's z, a, σ′(z), ∂C/∂a, ∂C/∂z and every ∂C/∂w, ∂C/∂b"),
    ):
        p = sub.add_parser(name, help=help_text, description=help_text + ".")
        p.add_argument("project", nargs="?", type=Path, help=f"a {SUFFIX} project")
        _add_network_options(p, layers_required=False)
        _add_data_options(p)
        p.add_argument(
            "--data", type=Path, help="CSV with a header; the last n_L columns are the targets"
        )
        if name == "values":
            _add_values_options(p)
            continue
        p.add_argument("--json", action="store_true", help="print JSON")
        if name in ("grad", "gradcheck"):
            p.add_argument(
                "--l2",
                type=float,
                default=None,
                help="L2 penalty λ₂: C = C_data + (λ₂/2) Σ w² (default: the project's, or 0)",
            )
            p.add_argument(
                "--l1",
                type=float,
                default=None,
                help="L1 penalty λ₁: C = C_data + λ₁ Σ |w| (default: the project's, or 0)",
            )
        if name == "gradcheck":
            p.add_argument("--epsilon", type=_positive_float, default=1e-6)
            p.add_argument("--tolerance", type=_positive_float, default=DEFAULT_TOLERANCE)
            p.add_argument(
                "--max-params",
                type=_positive_int,
                help="check a seeded sample of this many parameters",
            )

    from bpstudio.core.files.export import EXPORT_FORMATS

    export = sub.add_parser(
        "export",
        help="export trained weights",
        description="Write a project's weights in another format, then verify the file.",
    )
    export.add_argument("project", type=Path, help=f"a {SUFFIX} project")
    export.add_argument("--format", "-f", choices=list(EXPORT_FORMATS), required=True)
    export.add_argument("-o", "--output", type=Path, required=True)

    desktop = sub.add_parser(
        "install-desktop",
        help="add Backprop Studio to the desktop's application menu (this user)",
        description="Install the desktop entry, icons, metainfo and file type under "
        "$XDG_DATA_HOME (~/.local/share).",
    )
    desktop.add_argument("--exec", dest="exec_command", help="the command the entry runs")
    desktop.add_argument("--uninstall", action="store_true", help="remove them again")
    return parser


# -- shared steps ----------------------------------------------------------------------------


def _digits(text: str) -> int:
    from bpstudio.core.engine.values_table import MAX_DIGITS

    value = _positive_int(text)
    if value > MAX_DIGITS:
        raise argparse.ArgumentTypeError(f"at most {MAX_DIGITS} digits (float64 holds no more)")
    return value


def _add_values_options(parser: argparse.ArgumentParser) -> None:
    from bpstudio.core.engine.values_table import DEFAULT_DIGITS, FORMATS

    table = parser.add_argument_group("table")
    which = table.add_mutually_exclusive_group()
    which.add_argument(
        "--example",
        type=int,
        default=0,
        metavar="K",
        help="the values of example K alone, for its own cost (default 0)",
    )
    which.add_argument(
        "--batch", action="store_true", help="the values averaged over every example"
    )
    table.add_argument("--format", "-f", choices=FORMATS, default="text")
    table.add_argument(
        "--digits", type=_digits, default=DEFAULT_DIGITS, help="significant digits (1 to 17)"
    )
    table.add_argument(
        "--notation",
        choices=("absolute", "relative"),
        default="absolute",
        help="layers as numbers, w^(2), or as the note writes them, w^(L)",
    )


def _data_source(args: argparse.Namespace, default: str = "note") -> DataSource:
    name = args.dataset or default
    common = {"seed": args.seed, "validation_fraction": args.validation}
    if name.startswith("csv:"):
        path = Path(name[4:])
        if not path.is_file():
            raise BPStudioError(f"{path}: no such data file")
        return DataSource(
            "csv",
            path=str(path.resolve()),
            sha256=file_sha256(path),
            label_column=args.label_column,
            target_columns=tuple(args.targets or ()),
            standardize=args.standardize,
            **common,
        )
    return DataSource(
        "generator",
        name,
        n_examples=args.n_examples,
        noise=args.noise,
        n_classes=args.classes,
        standardize=args.standardize,
        **common,
    )


def _spec_from_args(args: argparse.Namespace, data: Dataset | None) -> NetworkSpec:
    if args.layers is None:
        raise BPStudioError("give the network with --layers (e.g. --layers 2,4,1) or a project")
    spec = NetworkSpec.build(
        args.layers, args.activation, args.output_activation, args.loss, args.dtype
    )
    if data is not None:
        _check_fits(spec, data)
    batch = getattr(args, "batch_size", None) or Hyperparameters().batch_size
    check_training_memory(spec, data.n_examples if data is not None else 1, batch)
    return spec


def _check_fits(spec: NetworkSpec, data: Dataset) -> None:
    if data.n_inputs != spec.input_size or data.n_outputs != spec.output_size:
        raise BPStudioError(
            f"the data has {data.n_inputs} inputs and {data.n_outputs} targets, but the network "
            f"{'-'.join(map(str, spec.layer_sizes))} has {spec.input_size} inputs and "
            f"{spec.output_size} outputs"
        )


def _initial_params(args: argparse.Namespace, spec: NetworkSpec) -> Params:
    if args.params is not None:
        from bpstudio.core.files.export.npz import load_params_npz

        return load_params_npz(args.params, spec)
    return initialize(spec, args.init, args.seed)


# -- train -----------------------------------------------------------------------------------


class Progress:
    """A progress bar on a terminal, a few plain lines otherwise."""

    def __init__(self, total: int, unit: str, stream: IO[str], quiet: bool) -> None:
        self.total, self.unit, self.stream, self.quiet = max(total, 1), unit, stream, quiet
        self.tty = stream.isatty()
        self._last_print = 0.0
        self._last_decile = -1

    def update(self, done: int, cost: float) -> None:
        if self.quiet:
            return
        fraction = min(done / self.total, 1.0)
        if self.tty:
            now = time.perf_counter()
            if now - self._last_print < 0.1 and done < self.total:
                return
            self._last_print = now
            width = 30
            filled = int(width * fraction)
            bar = "=" * filled + (">" if filled < width else "") + " " * (width - filled - 1)
            self.stream.write(
                f"\r{self.unit} {done}/{self.total} [{bar}] {fraction:4.0%}  cost {cost:.6g}"
            )
            if done >= self.total:
                self.stream.write("\n")
            self.stream.flush()
        else:
            decile = int(fraction * 10)
            if decile != self._last_decile:
                self._last_decile = decile
                print(f"{self.unit} {done}/{self.total}  cost {cost:.6g}", file=self.stream)


def cmd_train(args: argparse.Namespace) -> int:
    check_output_paths([p for p in (args.save_params, args.save) if p is not None])
    if args.project is not None:
        project = Project.load(args.project)
        if args.dataset:
            project.data = _data_source(args)
    else:
        source = _data_source(args, default="note")
        examples = load_examples(source)
        spec = _spec_from_args(args, examples)
        project = Project(spec, _initial_params(args, spec), source)
    examples = load_examples(project.data, args.project.parent if args.project else None)
    _check_fits(project.spec, examples)
    train_set, validation_set = split_examples(project.data, examples)

    overrides: dict[str, Any] = {
        "learning_rate": args.lr,
        "batch_size": args.batch_size,
        "optimizer": args.optimizer,
        "momentum": args.momentum,
        "nesterov": args.nesterov,
        "l1": args.l1,
        "l2": args.l2,
        "beta1": args.beta1,
        "beta2": args.beta2,
        "eps": args.eps,
        "schedule": args.schedule,
        "schedule_every": args.schedule_every,
        "schedule_factor": args.schedule_factor,
        "schedule_rate": args.schedule_rate,
    }
    if args.project is None:
        overrides["seed"] = args.seed
    hp = project.hyperparameters.with_changes(
        **{k: v for k, v in overrides.items() if v is not None}
    )
    project.hyperparameters = hp
    trainer = Trainer(
        project.spec,
        project.params,
        train_set,
        validation_set,
        hp,
        history=project.history,
        step=project.step,
        epoch=project.epoch,
        examples_seen=project.examples_seen,
    )
    # One BLAS thread or all of them, whichever trains this network faster here.
    blas_threads = BlasThreads().choose_for(trainer)
    by_steps = args.steps is not None
    total = args.steps if by_steps else (args.epochs if args.epochs is not None else 100)
    if total < 0:
        raise BPStudioError("--epochs and --steps must not be negative")
    progress = Progress(total, "step" if by_steps else "epoch", sys.stderr, args.quiet)
    start_step, start_epoch = trainer.step_count, trainer.epoch
    stopped = ""
    warned = False
    t0 = time.perf_counter()
    done = 0
    while done < total:
        ok = trainer.train_batch() if by_steps else trainer.train_epoch()
        if trainer.vanishing is not None and not warned:
            warned = True
            if progress.tty and not args.quiet:
                sys.stderr.write("\n")  # off the progress bar's line
            print(f"bpstudio: warning: {trainer.vanishing.message}", file=sys.stderr)
        if not ok:
            stopped = trainer.divergence or "diverged"
            break
        done = trainer.step_count - start_step if by_steps else trainer.epoch - start_epoch
        last = trainer.history["batch_cost"].last
        progress.update(done, last[1] if last else math.nan)
        if args.target_cost is not None and last is not None and last[1] <= args.target_cost:
            evaluation = trainer.evaluate(record=False)
            if evaluation.train_cost <= args.target_cost:
                stopped = f"reached the target cost {args.target_cost:g}"
                break
    elapsed = time.perf_counter() - t0
    evaluation = trainer.evaluate()
    steps = trainer.step_count - start_step

    project.params = trainer.params.copy()
    project.step, project.epoch = trainer.step_count, trainer.epoch
    project.examples_seen = trainer.examples_seen_in_epoch
    if args.save_params is not None:
        from bpstudio.core.files.export import export_params, info_for_data

        info = info_for_data(project.spec, project.data, examples)
        export_params("npz", project.spec, project.params, args.save_params, info=info)
    if args.save is not None:
        project.save(args.save)

    summary: dict[str, Any] = {
        "network": project.spec.describe(),
        "steps": steps,
        "epochs": trainer.epoch - start_epoch,
        "seconds": round(elapsed, 4),
        "steps_per_second": round(steps / elapsed, 1) if elapsed > 0 else None,
        "blas_threads": blas_threads,
        "cost": cost_formula(hp.l1, hp.l2),
        "train_cost": evaluation.train_cost,
        "train_data_cost": evaluation.train_data_cost,
        "validation_cost": evaluation.validation_cost,
        "validation_data_cost": evaluation.validation_data_cost,
        "train_accuracy": evaluation.train_accuracy,
        "validation_accuracy": evaluation.validation_accuracy,
        "stopped": stopped or None,
        "vanishing": trainer.vanishing.message if trainer.vanishing is not None else None,
    }
    if args.json:
        print(json.dumps(summary, allow_nan=True))
    else:
        _print_train_summary(summary)
    if trainer.divergence:
        print(f"bpstudio: {trainer.divergence}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    return 0


def _print_train_summary(s: dict[str, Any]) -> None:
    print(f"network: {s['network']}")
    rate = f"{s['steps_per_second']:,.0f} steps/s" if s["steps_per_second"] else "-"
    threads = s["blas_threads"]
    rate += f", {threads} BLAS thread{'s' if threads != 1 else ''}"
    print(f"trained: {s['steps']} steps, {s['epochs']} epochs in {s['seconds']:.2f} s ({rate})")
    penalised = s["cost"] != "C = C_data"
    for which in ("train", "validation"):
        cost, data = s[f"{which}_cost"], s[f"{which}_data_cost"]
        if cost is None:
            continue
        if penalised:
            print(f"{which} cost C: {cost:.6g} (C_data {data:.6g}; {s['cost']})")
        else:
            print(f"{which} cost C: {cost:.6g}")
    if s["train_accuracy"] is not None:
        print(f"train accuracy: {s['train_accuracy']:.3f}")
    if s["validation_accuracy"] is not None:
        print(f"validation accuracy: {s['validation_accuracy']:.3f}")
    if s["stopped"]:
        print(f"stopped: {s['stopped']}")


# -- grad / gradcheck --------------------------------------------------------------------------


def _network_and_batch(
    args: argparse.Namespace,
) -> tuple[NetworkSpec, Params, np.ndarray, np.ndarray]:
    spec, params, X, Y, _ = _network_batch_and_settings(args)
    return spec, params, X, Y


def _network_batch_and_settings(
    args: argparse.Namespace,
) -> tuple[NetworkSpec, Params, np.ndarray, np.ndarray, Hyperparameters]:
    """The network, its parameters, the batch and the training settings (a project's own,
    or the defaults)."""
    hp = Hyperparameters()
    if args.project is not None:
        project = Project.load(args.project)
        spec, params, hp = project.spec, project.params, project.hyperparameters
        if args.params is not None:
            from bpstudio.core.files.export.npz import load_params_npz

            params = load_params_npz(args.params, spec)
    else:
        spec = _spec_from_args(args, None)
        params = _initial_params(args, spec)
    if args.data is not None:
        from bpstudio.core.data.csv_data import read_csv

        data = read_csv(
            args.data,
            target_columns=args.targets,
            label_column=args.label_column,
            n_targets=None if (args.targets or args.label_column) else spec.output_size,
        ).dataset
    elif args.dataset is not None or args.project is None:
        data = load_examples(_data_source(args))
    else:
        data = load_examples(project.data, args.project.parent)
    _check_fits(spec, data)
    return spec, params, data.X, data.Y, hp


def _penalised_batch(
    args: argparse.Namespace,
) -> tuple[NetworkSpec, Params, np.ndarray, np.ndarray, Hyperparameters]:
    """:func:`_network_batch_and_settings` with ``--l1`` / ``--l2`` over the project's λ."""
    spec, params, X, Y, hp = _network_batch_and_settings(args)
    changes = {
        name: getattr(args, name) for name in ("l1", "l2") if getattr(args, name) is not None
    }
    return spec, params, X, Y, hp.with_changes(**changes)


def cmd_grad(args: argparse.Namespace) -> int:
    spec, params, X, Y, hp = _penalised_batch(args)
    params = params.astype(spec.np_dtype)
    grads = gradients(spec, params, X.astype(spec.np_dtype), Y.astype(spec.np_dtype))
    # C = C_data + penalty, and ∇C is the gradient of that whole C (the penalty's part is
    # λ₂ w + λ₁ sign(w) on the weights; biases are not penalised), as training descends it.
    data_cost, extra = grads.cost, penalty(params, hp.l1, hp.l2)
    total = add_penalty_gradient(params, grads.as_params(), hp.l1, hp.l2)
    formula = cost_formula(hp.l1, hp.l2)
    penalised = hp.l1 != 0.0 or hp.l2 != 0.0
    if args.json:
        out = {
            "cost_formula": formula,
            "cost": data_cost + extra,
            "data_cost": data_cost,
            "penalty": extra,
            "gradient": {name: arr.tolist() for name, arr in total.named().items()},
            "data_gradient": {name: arr.tolist() for name, arr in grads.named().items()},
        }
        print(json.dumps(out))
        return 0
    print(f"network: {spec.describe()}   examples: {X.shape[0]}")
    if penalised:
        print(f"cost C = {data_cost + extra:.12g}   ({formula})")
        print(f"  C_data = {data_cost:.12g}")
        print(f"  penalty = {extra:.12g}")
        print(
            "∇C of this C, the penalty's gradient included (λ₂ w + λ₁ sign(w) on every weight; "
            "biases are not penalised), in the note's order ∂C/∂w^(1), ∂C/∂b^(1), ..., "
            "∂C/∂b^(L):"
        )
    else:
        print(f"cost C = {data_cost:.12g}   ({formula}: no penalty)")
        print("∇C (the note's order: ∂C/∂w^(1), ∂C/∂b^(1), ..., ∂C/∂b^(L)):")
    for ref, value in zip(param_refs(spec), total.vector(), strict=True):
        print(f"  ∂C/∂{ref.name:<12} = {value: .12e}")
    return 0


def cmd_values(args: argparse.Namespace) -> int:
    from bpstudio.app.notation import LayerStyle, Notation
    from bpstudio.core.engine.values_table import caption, render, values_table

    spec, params, X, Y = _network_and_batch(args)
    table = values_table(spec, params, X, Y, example=None if args.batch else args.example)
    symbols = Notation(spec.n_layers, LayerStyle(args.notation))
    text = render(table, args.format, args.digits, symbols)
    if args.format == "text":
        text = f"{caption(table, args.digits)}\n\n{text}"
    sys.stdout.write(text)
    return 0


def cmd_gradcheck(args: argparse.Namespace) -> int:
    spec, params, X, Y, hp = _penalised_batch(args)
    result = gradient_check(
        spec,
        params,
        X,
        Y,
        epsilon=args.epsilon,
        max_parameters=args.max_params,
        seed=args.seed,
        l1=hp.l1,
        l2=hp.l2,
    )
    worst = result.worst
    passed = result.passed(args.tolerance)
    if args.json:
        print(
            json.dumps(
                {
                    "passed": passed,
                    "cost_formula": result.cost_formula,
                    "max_relative_error": result.max_relative_error,
                    "worst": worst.name,
                    "per_layer": {str(k): v for k, v in result.per_layer.items()},
                    "checked": len(result.checks),
                    "parameters": result.n_parameters,
                    "at_kink": [ref.name for ref in result.at_kink],
                    "components": {
                        c.name: {"backprop": c.backprop, "numeric": c.numeric}
                        for c in result.checks
                    },
                }
            )
        )
    else:
        print(f"network: {spec.describe()}   examples: {X.shape[0]}")
        what = "the penalty's gradient included" if result.penalised else "no penalty"
        print(f"checks ∇C of {result.cost_formula} ({what})")
        print(
            f"checked {len(result.checks)} of {result.n_parameters} parameters "
            f"with central differences of that C, ε = {result.epsilon:g}"
        )
        if result.at_kink:
            print(f"  {result.kink_note}")
        for layer, err in sorted(result.per_layer.items()):
            print(f"  layer {layer}: worst relative error {err:.3e}")
        print(
            f"worst: {worst.name}  backprop {worst.backprop:.12e}  numeric {worst.numeric:.12e}  "
            f"relative error {worst.relative_error:.3e}"
        )
        print(f"{'PASS' if passed else 'FAIL'} (tolerance {args.tolerance:g})")
    return 0 if passed else EXIT_CHECK_FAILED


# -- export ------------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from bpstudio.core.files.export import export_params, info_for_data, verify_export

    check_output_paths([args.output])
    project = Project.load(args.project)
    try:
        examples: Dataset | None = load_examples(project.data, args.project.parent)
    except BPStudioError:
        examples = None  # info_for_data refuses if the preprocessing needed them
    info = info_for_data(project.spec, project.data, examples)
    written = export_params(
        args.format,
        project.spec,
        project.params,
        args.output,
        metadata={"project": args.project.name, "step": project.step},
        info=info,
    )
    fits = examples is not None and examples.n_inputs == project.spec.input_size
    difference = verify_export(
        args.format,
        args.output,
        project.spec,
        project.params,
        info=info,
        X=examples.X if fits and examples is not None else None,
    )
    for path in written:
        print(f"wrote {path}")
    print(f"verified on raw inputs: max |difference| from the app's predictions = {difference:.3g}")
    return 0


def cmd_install_desktop(args: argparse.Namespace) -> int:
    from bpstudio.desktop import run

    return run(args.exec_command, args.uninstall)


COMMANDS = {
    "train": cmd_train,
    "grad": cmd_grad,
    "gradcheck": cmd_gradcheck,
    "values": cmd_values,
    "export": cmd_export,
    "install-desktop": cmd_install_desktop,
}


# -- entry points ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        return gui_main(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            return COMMANDS[args.command](args)
    except BPStudioError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except OSError as exc:
        name = exc.filename or ""
        _error(f"{name}{': ' if name else ''}{exc.strerror or exc}")
        return EXIT_USAGE
    except MemoryError:
        _error("not enough memory for this command; try a smaller network or data set")
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("bpstudio: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line, with the exception's type to report
        _error(f"internal error ({type(exc).__name__}: {exc}); please report it")
        return EXIT_INTERNAL


def _error(message: str) -> None:
    """One line on stderr: NumPy's and others' multi-line messages are joined."""
    print(f"bpstudio: error: {' '.join(message.split())}", file=sys.stderr)


def gui_main(argv: Sequence[str] | None = None) -> int:
    """Open the desktop app (optionally on a project file)."""
    import multiprocessing

    from bpstudio.app.application import run_app

    # Training runs in a child process; a frozen bundle's executable must act as that child.
    multiprocessing.freeze_support()

    return run_app(list(sys.argv[1:] if argv is None else argv))
