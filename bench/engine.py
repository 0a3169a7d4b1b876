"""Engine benchmark: full training steps per second against references in the same process.

For each network (sigmoid everywhere, the note's squared-error cost, float64, random data
with a fixed seed, batch × 20 examples so that an epoch is several steps) it times one
gradient step (forward, cost, backward, SGD update, next mini-batch gathered with ``X[idx]``
from a shuffled order):

(a) this engine, through ``Trainer.train_steps``;
(b) a bare, hand-written NumPy loop of the same maths: the floor of Python overhead;
(c) the same model in ``torch.nn`` (float64, all cores, SGD), when torch is installed;
(d) raw ``np.dot`` GFLOP/s on the 784-128-10 step's matrix shapes and on 1024 x 1024, and
    the engine's achieved GFLOP/s on 784-128-10.

Every measurement is the best of several timed runs after a warm-up; implementations take
turns run by run, so a noisy neighbour affects them alike. Run ``python bench/engine.py``
(``--quick`` for a short run). Targets are printed with PASS/MISS; they are not tests.

On a small shared machine (2 vCPUs with other work running) multi-threaded BLAS can make
medium-sized products several times slower than one thread; ``OPENBLAS_NUM_THREADS=1
python bench/engine.py`` then gives steadier numbers. The header says which was used.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bpstudio.core.engine.network import NetworkSpec, initialize  # noqa: E402
from bpstudio.core.training.hyperparams import Hyperparameters  # noqa: E402
from bpstudio.core.training.trainer import EVAL_WORK_FACTOR, Trainer  # noqa: E402

LEARNING_RATE = 0.1
SEED = 0


@dataclass(frozen=True)
class Config:
    name: str
    sizes: tuple[int, ...]
    batch: int
    min_vs_bare: float
    min_vs_torch: float


CONFIGS = (
    Config("2-4-4-1", (2, 4, 4, 1), 10, 0.95, 5.0),
    Config("2-8-8-1", (2, 8, 8, 1), 200, 0.95, 3.0),
    Config("64-32-10", (64, 32, 10), 64, 0.95, 3.0),
    Config("784-128-10", (784, 128, 10), 128, 0.95, 1.2),
)
MIN_GFLOPS_SHARE = 0.75
BLAS_THREAD_VARS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)  # engine GFLOP/s over raw np.dot GFLOP/s on 784-128-10


@dataclass(frozen=True)
class Examples:
    X: np.ndarray
    Y: np.ndarray
    is_classification: bool = False


def make_data(cfg: Config) -> Examples:
    rng = np.random.default_rng(SEED)
    n = cfg.batch * 20
    X = rng.normal(size=(n, cfg.sizes[0]))
    Y = rng.uniform(size=(n, cfg.sizes[-1]))
    return Examples(X, Y)


# -- (a) the engine ------------------------------------------------------------------------


class EngineRun:
    """``run(steps)`` trains through ``Trainer.train_steps``, exactly as the app's worker."""

    def __init__(self, cfg: Config, data: Examples) -> None:
        spec = NetworkSpec.build(cfg.sizes, "sigmoid", loss="squared_error")
        hp = Hyperparameters(learning_rate=LEARNING_RATE, batch_size=cfg.batch, seed=SEED)
        self.trainer = Trainer(spec, initialize(spec, "xavier", SEED), data, hyperparameters=hp)

    def __call__(self, steps: int) -> None:
        if self.trainer.train_steps(steps) != steps:
            raise RuntimeError(f"the engine stopped: {self.trainer.divergence}")


# -- (b) the bare NumPy loop ---------------------------------------------------------------


def bare_runner(cfg: Config, data: Examples) -> Callable[[int], None]:
    spec = NetworkSpec.build(cfg.sizes, "sigmoid", loss="squared_error")
    params = initialize(spec, "xavier", SEED)
    Ws, bs = params.W, params.b
    X, Y = np.ascontiguousarray(data.X), np.ascontiguousarray(data.Y)
    n, batch, lr = X.shape[0], cfg.batch, LEARNING_RATE
    L = len(Ws)
    rng = np.random.default_rng(SEED)
    state = {"order": rng.permutation(n), "cursor": 0, "cost": 0.0}

    def run(steps: int) -> None:
        order, cursor = state["order"], state["cursor"]
        for _ in range(steps):
            if cursor >= n:
                order, cursor = rng.permutation(n), 0
            idx = order[cursor : cursor + batch]
            cursor += len(idx)
            A_prev = X[idx]
            Yb = Y[idx]
            As = [A_prev]
            for W, b in zip(Ws, bs, strict=True):
                Z = A_prev @ W.T
                Z += b
                A_prev = 1.0 / (1.0 + np.exp(-Z))  # the textbook σ (it overflows for z < -709)
                As.append(A_prev)
            m = A_prev.shape[0]
            D = A_prev - Yb
            state["cost"] = float(np.vdot(D, D)) / m
            G_A = (2.0 / m) * D
            for l in range(L - 1, -1, -1):
                A = As[l + 1]
                G_Z = G_A * (A * (1.0 - A))
                dW = G_Z.T @ As[l]
                db = G_Z.sum(axis=0)
                if l:
                    G_A = G_Z @ Ws[l]
                Ws[l] -= lr * dW
                bs[l] -= lr * db
        state["order"], state["cursor"] = order, cursor

    return run


# -- (c) torch -----------------------------------------------------------------------------


def torch_runner(cfg: Config, data: Examples) -> Callable[[int], None] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(SEED)
    layers: list[torch.nn.Module] = []
    for fan_in, fan_out in zip(cfg.sizes[:-1], cfg.sizes[1:], strict=True):
        layers += [torch.nn.Linear(fan_in, fan_out, dtype=torch.float64), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    X = torch.from_numpy(np.ascontiguousarray(data.X))
    Y = torch.from_numpy(np.ascontiguousarray(data.Y))
    n, batch = X.shape[0], cfg.batch
    rng = np.random.default_rng(SEED)
    state = {"order": torch.from_numpy(rng.permutation(n)), "cursor": 0}

    def run(steps: int) -> None:
        order, cursor = state["order"], state["cursor"]
        for _ in range(steps):
            if cursor >= n:
                order, cursor = torch.from_numpy(rng.permutation(n)), 0
            idx = order[cursor : cursor + batch]
            cursor += len(idx)
            xb, yb = X[idx], Y[idx]
            opt.zero_grad(set_to_none=True)
            loss = ((model(xb) - yb) ** 2).sum() / xb.shape[0]  # the note's C, averaged
            loss.backward()
            opt.step()
            loss.item()  # the engine records every step's cost
        state["order"], state["cursor"] = order, cursor

    return run


# -- timing --------------------------------------------------------------------------------


def calibrate(run: Callable[[int], None], target_seconds: float) -> int:
    """Steps per timed run so that one run lasts about ``target_seconds``."""
    steps = 1
    while True:
        t0 = time.perf_counter()
        run(steps)
        elapsed = time.perf_counter() - t0
        if elapsed >= target_seconds / 4 or steps >= 1 << 20:
            return max(1, int(steps * target_seconds / max(elapsed, 1e-9)))
        steps *= 4


def best_rates(
    runners: dict[str, Callable[[int], None]], repeats: int, run_seconds: float
) -> dict[str, float]:
    """Best steps/s of each runner over ``repeats`` timed runs, taking turns."""
    steps = {}
    for name, run in runners.items():
        run(3)  # warm-up: first-call allocations, BLAS thread start-up
        steps[name] = calibrate(run, run_seconds)
    best = dict.fromkeys(runners, 0.0)
    for _ in range(repeats):
        for name, run in runners.items():
            t0 = time.perf_counter()
            run(steps[name])
            best[name] = max(best[name], steps[name] / (time.perf_counter() - t0))
    return best


def step_flops(sizes: tuple[int, ...], n: int) -> int:
    """Matmul FLOPs of one step: forward, dW for every layer, dA for all but the first."""
    pairs = [a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    return 2 * n * sum(pairs) + 2 * n * sum(pairs) + 2 * n * sum(pairs[1:])


def matmul_runner(sizes: tuple[int, ...], n: int) -> Callable[[int], None]:
    """np.dot on the matrix products of one step of ``sizes`` with batch ``n``, per "step"."""
    rng = np.random.default_rng(SEED)
    products: list[tuple[np.ndarray, np.ndarray]] = []
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        A_prev = rng.normal(size=(n, fan_in))
        W = rng.normal(size=(fan_out, fan_in))
        G_Z = rng.normal(size=(n, fan_out))
        products += [(A_prev, W.T), (G_Z.T, A_prev)]  # Z = A_prev W^T, dW = G_Z^T A_prev
        if l:
            products.append((G_Z, W))  # G_A_prev = G_Z W
    flops = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b in products)
    assert flops == step_flops(sizes, n)

    def run(k: int) -> None:
        for _ in range(k):
            for a, b in products:
                np.dot(a, b)

    return run


def square_gflops(size: int, repeats: int, run_seconds: float) -> float:
    rng = np.random.default_rng(SEED)
    a, b = rng.normal(size=(size, size)), rng.normal(size=(size, size))

    def run(k: int) -> None:
        for _ in range(k):
            np.dot(a, b)

    return 2 * size**3 * best_rates({"dot": run}, repeats, run_seconds)["dot"] / 1e9


# -- machine -------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_description() -> str:
    parts = []
    try:
        with redirect_stdout(io.StringIO()):
            config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]  # type: ignore[index]
        parts.append(f"{blas.get('name')} {blas.get('version', '')}".strip())
    except Exception:  # noqa: BLE001 - older numpy: no dict mode
        parts.append("unknown")
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                parts.append(
                    f"{pool.get('internal_api')} {pool.get('version')}, "
                    f"{pool.get('num_threads')} threads, {pool.get('architecture')}"
                )
    except ImportError:
        limits = [f"{k}={os.environ[k]}" for k in BLAS_THREAD_VARS if k in os.environ]
        parts.append(", ".join(limits) if limits else "default threads (one per CPU)")
    return "; ".join(parts)


def torch_description() -> str:
    try:
        import torch
    except ImportError:
        return "not installed"
    return f"{torch.__version__}, {torch.get_num_threads()} threads"


# -- report --------------------------------------------------------------------------------


def verdict(value: float, target: float) -> str:
    return "PASS" if value >= target else "MISS"


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs, fewer repeats")
    args = parser.parse_args(argv)
    repeats, run_seconds = (3, 0.1) if args.quick else (7, 0.4)
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"

    print("## Machine\n")
    print(f"- CPU: {cpu_model()} ({os.cpu_count()} logical CPUs, {affinity} usable)")
    print(f"- Python {platform.python_version()}, NumPy {np.__version__}")
    print(f"- BLAS: {blas_description()}")
    print(f"- timing: best of {repeats} runs of ~{run_seconds:g} s each, after a warm-up\n")

    rows = []
    dot_step = engine_784 = 0.0
    for cfg in CONFIGS:
        data = make_data(cfg)
        engine = EngineRun(cfg, data)
        runners = {"engine": engine, "bare": bare_runner(cfg, data)}
        if cfg.name == "784-128-10":  # raw matmuls of one step, timed in turn with the engine
            runners["dot"] = matmul_runner(cfg.sizes, cfg.batch)
        rates = best_rates(runners, repeats, run_seconds)
        if "dot" in rates:
            flops = step_flops(cfg.sizes, cfg.batch)
            dot_step, engine_784 = flops * rates["dot"] / 1e9, flops * rates["engine"] / 1e9
        # torch after the NumPy runs of the same network, not in turn with them: its
        # OpenMP workers spin for a while after each call and would slow the next NumPy
        # run down. The pause lets them go to sleep before the next network.
        torch_run = torch_runner(cfg, data)
        if torch_run is not None:
            rates.update(best_rates({"torch": torch_run}, repeats, run_seconds))
            time.sleep(0.5)
        rows.append((cfg, rates))
    dot_square = square_gflops(1024, repeats, run_seconds)

    print(f"- torch: {torch_description()}\n")
    print("## Training steps per second (forward + cost + backward + SGD update)\n")
    print(
        "| network | batch | engine | bare NumPy | torch | engine/bare | target "
        "| engine/torch | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---|")
    for cfg, rates in rows:
        vs_bare = rates["engine"] / rates["bare"]
        torch_rate = rates.get("torch")
        if torch_rate is None:
            vs_torch, torch_target = "n/a", "n/a"
        else:
            ratio = rates["engine"] / torch_rate
            vs_torch = f"{ratio:.2f}x"
            torch_target = f"≥ {cfg.min_vs_torch:g}x {verdict(ratio, cfg.min_vs_torch)}"
        print(
            f"| {cfg.name} | {cfg.batch} | {fmt_rate(rates['engine'])} | {fmt_rate(rates['bare'])} "
            f"| {fmt_rate(torch_rate)} | {vs_bare:.2f}x "
            f"| ≥ {cfg.min_vs_bare:g}x {verdict(vs_bare, cfg.min_vs_bare)} "
            f"| {vs_torch} | {torch_target} |"
        )
    print(
        "\nThe engine's numbers include its periodic evaluations of the cost on the training "
        f"set (for the cost curve), bounded to 1/{EVAL_WORK_FACTOR} of the examples trained; "
        "the bare loop and torch do no such work."
    )

    cfg = CONFIGS[-1]
    flops = step_flops(cfg.sizes, cfg.batch)
    share = engine_784 / dot_step
    print("\n## Matmul throughput (float64)\n")
    print("| measurement | GFLOP/s |")
    print("|---|---:|")
    print(f"| np.dot, the shapes of one 784-128-10 batch-128 step | {dot_step:.1f} |")
    print(f"| np.dot, 1024 x 1024 | {dot_square:.1f} |")
    print(f"| engine, 784-128-10 ({flops / 1e6:.1f} MFLOP of matmuls a step) | {engine_784:.1f} |")
    print(
        f"\nengine / np.dot (step shapes): {share:.0%} "
        f"(target ≥ {MIN_GFLOPS_SHARE:.0%}: {verdict(share, MIN_GFLOPS_SHARE)}); "
        f"engine / np.dot (1024²): {engine_784 / dot_square:.0%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
