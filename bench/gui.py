"""Benchmark: does the GUI slow training down, and does training make the GUI stutter?

Run it offscreen (it is a script, not a test)::

    QT_QPA_PLATFORM=offscreen python bench/gui.py [--seconds 5] [--memory-steps 1000000]
        [--backends process,thread]

(a) Throughput: gradient steps per second of the bare ``Trainer.train_steps`` loop (what the
    CLI runs) against the same network trained by the real ``TrainingController`` while the
    window is shown and redrawn from its snapshots, once with each backend (training in its
    own process, training in a thread of the window's process). Target: ratio ≥ 0.8.
(b) Latency: a 10 ms ``Qt.PreciseTimer`` on the GUI thread while training runs; how late is
    each tick? Target: p99 ≤ 16 ms (one frame at 60 Hz). Beside it, the frames per second
    the frame clock published (every view redrawn from one snapshot) and the GUI thread's
    duty (its CPU time over wall time, against ``preferences.budget``, 0.25 by default).
(c) Memory: RSS of the GUI and of the training process before and after a long run of a
    2-4-4-1 network (history and snapshots must stay bounded).

Prints a markdown table. Reports ratios against a reference run in the same process.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# One BLAS thread unless told otherwise (before NumPy loads): on a small machine OpenBLAS's
# threads fight the GUI thread and each other (a 128×784 @ 784×128 product measured 14 ms
# with two threads against 0.9 ms with one on a 2-CPU VM), which would swamp what this
# benchmark measures. Set OPENBLAS_NUM_THREADS to compare.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QHBoxLayout, QWidget  # noqa: E402

from bpstudio.app.application import make_application  # noqa: E402
from bpstudio.app.document import Document  # noqa: E402
from bpstudio.app.pacing import frame_clock  # noqa: E402
from bpstudio.app.panels.chain_rule import ChainRulePanel  # noqa: E402
from bpstudio.app.plots.cost import CostPlot  # noqa: E402
from bpstudio.app.plots.gradient import GradientPlot  # noqa: E402
from bpstudio.app.selection import Selection, SelectionModel  # noqa: E402
from bpstudio.app.training import TrainingController  # noqa: E402
from bpstudio.app.worker import BACKENDS, StopConditions, WorkerOptions  # noqa: E402
from bpstudio.core.data.source import DataSource, load_examples, split_examples  # noqa: E402
from bpstudio.core.engine.network import NetworkSpec, initialize  # noqa: E402
from bpstudio.core.files.project import Project  # noqa: E402
from bpstudio.core.files.templates import make_project  # noqa: E402
from bpstudio.core.training.hyperparams import Hyperparameters  # noqa: E402
from bpstudio.core.training.snapshot import Snapshot  # noqa: E402
from bpstudio.core.training.trainer import Trainer  # noqa: E402

TICK_MS = 10


# -- helpers -------------------------------------------------------------------------------------


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process (Linux /proc), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Run the event loop until ``predicate()`` holds or ``timeout`` seconds pass."""
    deadline = time.perf_counter() + timeout
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(
        lambda: loop.quit() if predicate() or time.perf_counter() > deadline else None
    )
    timer.start()
    if not predicate():
        loop.exec()
    timer.stop()
    return predicate()


def spin(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def frame_count() -> int:
    """Frames the window's frame clock has published so far."""
    return frame_clock().frames


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# -- the networks --------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    project: Project
    base_dir: str = ""
    #: backend -> measurement -> value
    results: dict[str, dict[str, float]] = field(default_factory=dict)


def spirals_case() -> Case:
    project = make_project("spirals")
    project.hyperparameters = project.hyperparameters.with_changes(batch_size=10)
    return Case("2-8-8-1 spirals, batch 10", project)


def mnist_sized_case(directory: Path) -> Case:
    """784-128-10 on 6,000 rows of random data (a CSV, loaded by the worker like any file)."""
    rng = np.random.default_rng(0)
    X = rng.random((6000, 784))
    labels = rng.integers(0, 10, 6000)
    path = directory / "random784.csv"
    header = ",".join([f"x{i}" for i in range(784)] + ["label"])
    rows = np.column_stack([X, labels])
    np.savetxt(path, rows, delimiter=",", header=header, comments="", fmt=["%.3f"] * 784 + ["%d"])
    spec = NetworkSpec.build([784, 128, 10], "relu", "softmax", "cross_entropy")
    source = DataSource("csv", path=str(path), label_column="label", validation_fraction=0.0)
    hp = Hyperparameters(learning_rate=0.05, batch_size=128)
    project = Project(spec, initialize(spec, "he", 0), source, hp)
    return Case("784-128-10 random, batch 128", project)


def note_sized_project() -> Project:
    spec = NetworkSpec.build([2, 4, 4, 1], "sigmoid", "sigmoid", "squared_error")
    source = DataSource("generator", "xor", n_examples=200, noise=0.1, validation_fraction=0.2)
    return Project(spec, initialize(spec, "xavier", 0), source, Hyperparameters(batch_size=10))


# -- (a) + (b) headless reference against the real thing ------------------------------------------


def make_trainer(project: Project) -> Trainer:
    examples = load_examples(project.data)
    train, validation = split_examples(project.data, examples)
    return Trainer(
        project.spec,
        project.params,
        train,
        validation if validation.n_examples else None,
        project.hyperparameters,
    )


def headless_rate(trainer: Trainer, seconds: float) -> float:
    """Steps/s of ``Trainer.train_steps`` in this thread (what the CLI runs)."""
    start_step, start = trainer.step_count, time.perf_counter()
    while time.perf_counter() - start < seconds:
        trainer.train_steps(10)
    return (trainer.step_count - start_step) / (time.perf_counter() - start)


class LatencyProbe:
    """A 10 ms precise timer on the GUI thread; records how late each tick is."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self._last = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _on_tick(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, (now - self._last) * 1000.0 - TICK_MS))
        self._last = now


def select_an_output_weight(selection: SelectionModel, spec: NetworkSpec) -> None:
    """What the chain-rule panel shows while training: w_01 of the output layer."""
    L = spec.n_layers
    selection.select(Selection.weight(L, 0, min(1, spec.layer_sizes[L - 1] - 1)))


class WindowUnderTest:
    """The whole main window (canvas, docks, plots) on the case's project, 1600×1000."""

    def __init__(self, project: Project, settings_dir: str, backend: str) -> None:
        from PySide6.QtCore import QSettings

        from bpstudio.app.main_window import MainWindow

        settings = QSettings(str(Path(settings_dir) / "bench.ini"), QSettings.Format.IniFormat)
        self.window = MainWindow(settings, worker=WorkerOptions(backend=backend))
        self.window.resize(1600, 1000)
        self.window.document.replace_project(project)
        self.document = self.window.document
        self.controller = self.window.controller
        select_an_output_weight(self.window.selection, project.spec)
        self.window.show()

    def draw_count(self) -> int:
        w = self.window
        return w.cost_plot.draw_count + w.gradient_plot.draw_count + w.chain_rule.draw_count

    def close(self) -> None:
        self.window.document.undo_stack.setClean()  # no "save changes?" question
        self.window.close()
        self.window.deleteLater()


class Views(QWidget):
    """The views that redraw on every snapshot, side by side in one window, offscreen."""

    def __init__(self, document: Document, controller: TrainingController) -> None:
        super().__init__()
        self.selection = SelectionModel(self)
        self.cost = CostPlot(document, controller, self)
        self.gradient = GradientPlot(document, self.selection, controller, self)
        self.chain = ChainRulePanel(document, self.selection, controller, self)
        layout = QHBoxLayout(self)
        layout.addWidget(self.cost, 2)
        layout.addWidget(self.gradient, 2)
        layout.addWidget(self.chain, 1)
        self.resize(1600, 420)
        select_an_output_weight(self.selection, document.spec)

    def draw_count(self) -> int:
        return self.cost.draw_count + self.gradient.draw_count + self.chain.draw_count


def compare(
    case: Case, backend: str, seconds: float, rounds: int, whole_window: bool, tmp: str
) -> None:
    """Alternate headless and GUI runs (``rounds`` of each) so that drifts of the machine's
    speed hit both alike; report the median ratio and the pooled tick lateness."""
    reference = make_trainer(case.project)
    reference.train_steps(20)  # warm up
    views: WindowUnderTest | Views
    if whole_window:
        views = WindowUnderTest(case.project.copy(), tmp, backend)
        controller = views.controller
    else:
        document = Document(case.project.copy())
        controller = TrainingController(document, options=WorkerOptions(backend=backend))
        views = Views(document, controller)
        views.show()
    if controller.backend != backend:
        raise RuntimeError(f"{case.name}: the {backend} backend did not start")
    probe = LatencyProbe()
    running: list[tuple[float, int]] = []

    def on_snapshot(snapshot: Snapshot) -> None:
        if snapshot.running:
            running.append((time.perf_counter(), snapshot.step))

    controller.worker.snapshotReady.connect(on_snapshot)  # each one the GUI receives
    headless, gui, snapshot_rates, duties, frame_rates = [], [], [], [], []
    redraws = 0
    try:
        if not wait_until(lambda: controller.snapshot is not None, timeout=120):
            raise RuntimeError(f"{case.name}: no snapshot from the worker ({controller.problem})")
        spin(0.3)
        # One unmeasured run first: the first frames of a run build caches (fonts, pixmaps,
        # plot items) once per session, which is not what running looks like.
        controller.run(StopConditions())
        spin(1.0)
        controller.pause()
        wait_until(lambda: not controller.running, timeout=30)
        spin(0.3)
        for _ in range(rounds):
            headless.append(headless_rate(reference, seconds / rounds))
            running.clear()
            controller.run(StopConditions())
            wait_until(lambda: len(running) >= 2, timeout=30)  # the run has settled
            mark, draws, frames = len(running), views.draw_count(), frame_count()
            cpu, wall = time.thread_time(), time.perf_counter()
            probe.start()
            spin(seconds / rounds)
            probe.stop()
            duties.append((time.thread_time() - cpu) / (time.perf_counter() - wall))
            frame_rates.append((frame_count() - frames) / (time.perf_counter() - wall))
            wait_until(lambda m=mark: len(running) >= m + 2, timeout=30)  # a slow machine
            window = running[mark:]
            redraws += views.draw_count() - draws
            controller.pause()
            wait_until(lambda: not controller.running, timeout=30)
            (t0, s0), (t1, s1) = window[0], window[-1]
            gui.append((s1 - s0) / (t1 - t0))
            snapshot_rates.append((len(window) - 1) / (t1 - t0))
            spin(0.2)
    finally:
        if isinstance(views, Views):
            controller.shutdown()
            views.close()
            views.deleteLater()
        else:
            views.close()  # closing the window shuts its controller down
    ratios = [g / h for g, h in zip(gui, headless, strict=True)]
    r = case.results.setdefault(backend, {})
    r["headless"] = float(np.median(headless))
    r["gui_rate"] = float(np.median(gui))
    r["ratio"] = float(np.median(ratios))
    r["ratio_min"], r["ratio_max"] = min(ratios), max(ratios)
    r["snapshots_per_s"] = float(np.median(snapshot_rates))
    r["redraws_per_s"] = redraws / seconds
    r["frames_per_s"] = float(np.median(frame_rates))
    r["duty"] = float(np.median(duties))
    r["p50"] = percentile(probe.lateness, 50)
    r["p99"] = percentile(probe.lateness, 99)
    r["max"] = max(probe.lateness)


def idle_latency(seconds: float) -> tuple[float, float, float]:
    probe = LatencyProbe()
    probe.start()
    spin(seconds)
    probe.stop()
    return (
        percentile(probe.lateness, 50),
        percentile(probe.lateness, 99),
        max(probe.lateness),
    )


# -- (c) memory over a long run ------------------------------------------------------------------


def memory_run(steps: int) -> dict[str, float]:
    document = Document(note_sized_project())
    controller = TrainingController(document)
    views = Views(document, controller)
    views.show()
    try:
        wait_until(lambda: controller.snapshot is not None, timeout=60)
        # Warm up: caches, pyqtgraph items and the first history points exist.
        controller.run(StopConditions(max_steps=2000))
        wait_until(lambda: document.project.step >= 2000 and not controller.running, 120)
        spin(0.3)
        pid = controller.worker.pid
        assert pid is not None
        before, before_training = rss_mb(), rss_mb(pid)
        start = time.perf_counter()
        controller.run(StopConditions(max_steps=2000 + steps))
        wait_until(lambda: controller.running, 30)
        wait_until(lambda: not controller.running, 3600)
        wait_until(lambda: document.project.step >= 2000 + steps, 60)
        elapsed = time.perf_counter() - start
        spin(0.3)
        after, after_training = rss_mb(), rss_mb(pid)
        history = document.project.history
        points = sum(len(s) for s in history.series.values())
        return {
            "steps": float(document.project.step - 2000),
            "seconds": elapsed,
            "before": before,
            "after": after,
            "training_before": before_training,
            "training_after": after_training,
            "history_points": float(points),
            "batch_cost_count": float(history["batch_cost"].count),
            "undo_commands": float(document.undo_stack.count()),
        }
    finally:
        controller.shutdown()
        views.close()
        views.deleteLater()


# -- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="training time measured per network"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternations of headless and GUI runs"
    )
    parser.add_argument(
        "--plots-only",
        action="store_true",
        help="measure with three views (cost, gradient, chain rule) instead of the whole window",
    )
    parser.add_argument(
        "--memory-steps", type=int, default=1_000_000, help="steps of the memory run (0: skip)"
    )
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="comma-separated backends to measure (process, thread)",
    )
    args = parser.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]
    app = make_application()  # as the app runs: garbage collected in the GUI thread
    idle = idle_latency(min(args.seconds, 3.0))
    with tempfile.TemporaryDirectory() as tmp:
        cases = [spirals_case(), mnist_sized_case(Path(tmp))]
        for case in cases:
            for backend in backends:
                compare(case, backend, args.seconds, args.rounds, not args.plots_only, tmp)
                print(f"done: {case.name}, {backend}", file=sys.stderr, flush=True)
    memory = memory_run(args.memory_steps) if args.memory_steps else None

    print("\n### (a) Throughput and (b) GUI latency while training\n")
    print(
        f"{os.cpu_count()} CPUs, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
        f"{args.seconds:g} s per network in {args.rounds} rounds, "
        f"{'three views' if args.plots_only else 'the whole main window (1600×1000)'}\n"
    )
    print(
        "| network | backend | headless steps/s | GUI steps/s | ratio, median (min–max) (≥ 0.8) | "
        "snapshots/s | frames/s | redraws/s | GUI duty | "
        "tick lateness p50 / p99 / max ms (p99 ≤ 16) |"
    )
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---|")
    idle_lateness = f"{idle[0]:.2f} / {idle[1]:.2f} / {idle[2]:.2f}"
    print(f"| idle (no training) | | | | | | | | | {idle_lateness} |")
    for case in cases:
        for backend, r in case.results.items():
            print(
                f"| {case.name} | {backend} | {r['headless']:,.0f} | {r['gui_rate']:,.0f} | "
                f"{r['ratio']:.2f} ({r['ratio_min']:.2f}–{r['ratio_max']:.2f}) | "
                f"{r['snapshots_per_s']:.1f} | {r['frames_per_s']:.1f} | "
                f"{r['redraws_per_s']:.1f} | {r['duty']:.2f} | "
                f"{r['p50']:.2f} / {r['p99']:.2f} / {r['max']:.2f} |"
            )
    if memory is not None:
        print("\n### (c) Memory over a long run (2-4-4-1, XOR, batch 10, views shown)\n")
        print(
            f"{memory['steps']:,.0f} steps in {memory['seconds']:.0f} s; the history keeps "
            f"{memory['history_points']:,.0f} points (of {memory['batch_cost_count']:,.0f} raw "
            "batch costs)\n"
        )
        print("| process | RSS before MiB | RSS after MiB | growth MiB |")
        print("|---|---:|---:|---:|")
        for name, key in (("GUI", ""), ("training", "training_")):
            before, after = memory[f"{key}before"], memory[f"{key}after"]
            print(f"| {name} | {before:.1f} | {after:.1f} | {after - before:+.1f} |")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
