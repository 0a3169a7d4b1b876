"""The trainer: gradient descent in explicit phases, over an example, a batch or an epoch.

One gradient step is three phases, exactly as the note describes them:

1. **forward**: z and a for every layer of the batch (the :class:`Trace`);
2. **backward**: every component of ∇C and ∂C/∂a per layer (the :class:`Grads`);
3. **update**: θ ← θ - η ∇C (or the chosen optimiser's step).

The phases can be run one at a time (:meth:`Trainer.step_phase`), or a whole step over
one example, one mini-batch or one epoch at a time. The trainer is deterministic for a seed,
keeps a bounded history, and guards against divergence: when the cost or a parameter
becomes NaN/inf, or the cost explodes, it stops with the last good parameters and a reason.
Beside that guard, a notice for vanishing gradients (:mod:`.vanishing`) says when learning
has stalled without diverging.

With an L1 or L2 penalty on, the cost it reports, records and guards is the whole
C = C_data + (λ₂/2) Σ w² + λ₁ Σ |w|; the data term C_data is recorded beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np

from bpstudio.core.engine.activations import Array
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.backprop import (
    Grads,
    Trace,
    Workspace,
    backward,
    check_batch,
    forward,
    packed_copy,
    predict,
)
from bpstudio.core.engine.metrics import accuracy
from bpstudio.core.engine.network import NetworkSpec, Params
from bpstudio.core.engine.optim import Optimizer, add_penalty_gradient, make_optimizer, penalty
from bpstudio.core.engine.plan import StepPlan
from bpstudio.core.errors import BPStudioError
from bpstudio.core.training.blas import one_thread
from bpstudio.core.training.history import History
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.vanishing import VanishingGradients, detect_vanishing

#: The cost counts as exploded past this multiple of max(first cost, 1).
EXPLOSION_FACTOR = 1e6
#: Periodic evaluations cost at most 1/EVAL_WORK_FACTOR of the work trained: one runs at
#: the end of an epoch once this many times the evaluation's work has been trained since
#: the last one. A forward pass is a third to a half of a step (measured: 45% on
#: 784-128-10), so this is 1-1.5% of the work on large networks.
EVAL_WORK_FACTOR = 32
#: The fixed cost of a step (and of an evaluation), counted as this many examples: on small
#: networks the calls, not the examples, are the work. Counting examples alone, XOR (160 + 40
#: examples, batches of 10) was evaluated once in 40 epochs (640 steps) and the cost plot's
#: "train C" was hundreds of steps old; with it, once in 5 epochs (80 steps), measured 1.4%
#: of a 1000-step run's time there (0.2% before), and 4% on digits as before.
STEP_OVERHEAD = 128
#: Periodic evaluations use at most this many examples of each set (a fixed, seeded sample);
#: :meth:`Trainer.evaluate` with ``full=True`` uses everything.
EVAL_SAMPLE = 4096
#: Evaluations keep the arrays of their forward pass up to this size (both sets together
#: at most twice this).
EVAL_BUFFER_BYTES = 16 << 20
#: The vanishing-gradient detector looks at every this many steps' batch (from step 0).
VANISHING_CHECK_INTERVAL = 16


class Phase(StrEnum):
    FORWARD = "forward"
    BACKWARD = "backward"
    UPDATE = "update"


class StepUnit(StrEnum):
    PHASE = "phase"
    EXAMPLE = "example"
    BATCH = "batch"
    EPOCH = "epoch"


class Examples(Protocol):
    """What the trainer needs of a dataset."""

    @property
    def X(self) -> Array: ...
    @property
    def Y(self) -> Array: ...
    @property
    def is_classification(self) -> bool: ...


@dataclass(frozen=True)
class Evaluation:
    step: int
    epoch: int
    train_cost: float
    validation_cost: float | None
    train_accuracy: float | None
    validation_accuracy: float | None
    #: The data terms C_data of the costs above (equal to them when no penalty is on).
    train_data_cost: float | None = None
    validation_data_cost: float | None = None


class Trainer:
    """Runs gradient descent on its own copy of the parameters.

    Parameters
    ----------
    spec, params : the network; ``params`` is copied.
    train : the training examples (``X : (n, d0)``, ``Y : (n, n_L)``).
    validation : held-out examples, or None.
    hyperparameters : learning rate, batch size, optimiser, penalties, seed.
    """

    def __init__(
        self,
        spec: NetworkSpec,
        params: Params,
        train: Examples,
        validation: Examples | None = None,
        hyperparameters: Hyperparameters | None = None,
        history: History | None = None,
        step: int = 0,
        epoch: int = 0,
        examples_seen: int = 0,
    ) -> None:
        params.check(spec)
        dtype = spec.np_dtype
        self.spec = spec
        self.X = np.ascontiguousarray(train.X, dtype=dtype)
        self.Y = np.ascontiguousarray(train.Y, dtype=dtype)
        check_batch(spec, self.X, self.Y)
        self._n_train = int(self.X.shape[0])
        if self._n_train == 0:
            raise BPStudioError("the training set is empty")
        self.classification = bool(train.is_classification)
        self.X_val: Array | None = None
        self.Y_val: Array | None = None
        if validation is not None and validation.X.shape[0] > 0:
            self.X_val = np.ascontiguousarray(validation.X, dtype=dtype)
            self.Y_val = np.ascontiguousarray(validation.Y, dtype=dtype)
            check_batch(spec, self.X_val, self.Y_val)
        self.hyperparameters = hyperparameters or Hyperparameters()
        self.optimizer: Optimizer = self._make_optimizer(self.hyperparameters)
        self._set_buffers(params)
        self.history = history if history is not None else History()
        self.step_count = step
        self.epoch = epoch
        self.divergence: str | None = None
        self.vanishing: VanishingGradients | None = None
        #: C and C_data of the batch of the last backward pass (None before one).
        self.cost: float | None = None
        self.data_cost: float | None = None
        self.next_phase = Phase.FORWARD
        self.trace: Trace | None = None
        self.grads: Grads | None = None
        self.batch_indices: np.ndarray = np.empty(0, dtype=np.intp)
        # The arrays each step writes into, per batch size (a full batch, the epoch's last).
        self._workspaces: dict[int, Workspace] = {}
        self._plans: dict[int, StepPlan] = {}
        self._eval_workspaces: dict[int, Workspace] = {}
        self._order = self._epoch_order()
        # Where the epoch stood (a saved project, an undo): the same examples come next.
        self._cursor = examples_seen if 0 <= examples_seen < self.n_train else 0
        self._reference_cost: float | None = None
        self._last_eval_step = step if step else -1
        self._trained_since_eval = 0
        sample_rng = np.random.default_rng(self.hyperparameters.seed)
        self._eval_train = self._eval_sample(self.X, self.Y, sample_rng)
        self._eval_val = (
            self._eval_sample(self.X_val, self.Y_val, sample_rng)
            if self.X_val is not None and self.Y_val is not None
            else None
        )

    @staticmethod
    def _eval_sample(X: Array, Y: Array, rng: np.random.Generator) -> tuple[Array, Array]:
        if X.shape[0] <= EVAL_SAMPLE:
            return X, Y
        rows = np.sort(rng.choice(X.shape[0], EVAL_SAMPLE, replace=False))
        return X[rows], Y[rows]

    # -- settings ----------------------------------------------------------------------------

    @property
    def n_train(self) -> int:
        return self._n_train

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.n_train / min(self.hyperparameters.batch_size, self.n_train))

    @property
    def learning_rate(self) -> float:
        return self.hyperparameters.learning_rate_at(self.step_count)

    def set_hyperparameters(self, hyperparameters: Hyperparameters) -> None:
        """Apply new settings between steps; the optimiser keeps its state when it can."""
        old = self.hyperparameters
        self.hyperparameters = hyperparameters
        if hyperparameters.optimizer != old.optimizer:
            self.optimizer = self._make_optimizer(hyperparameters)
        else:
            for name in ("momentum", "nesterov", "beta1", "beta2", "eps"):
                if hasattr(self.optimizer, name):
                    setattr(self.optimizer, name, getattr(hyperparameters, name))

    def set_params(self, params: Params) -> None:
        """Replace the parameters (e.g. an edit made while paused); resets the phases."""
        params.check(self.spec)
        self._set_buffers(params)
        self.divergence = None
        self.vanishing = None
        self._reference_cost = None
        self._discard_pending()

    def _set_buffers(self, params: Params) -> None:
        """Two parameter buffers, each one vector θ with the arrays as views: the update
        writes into the spare one, so the parameters before the last update are kept for
        the divergence guard without a copy, and one NumPy call updates every array."""
        self._theta, self.params = packed_copy(self.spec, params)
        self._spare_theta, self._spare = packed_copy(self.spec, params)

    def _swap_buffers(self) -> None:
        self._theta, self._spare_theta = self._spare_theta, self._theta
        self.params, self._spare = self._spare, self.params

    def set_parameter(self, ref: ParamRef, value: float) -> None:
        """Set one weight or bias between steps."""
        ref.check(self.spec)
        ref.set(self.params, value)
        self._discard_pending()

    @staticmethod
    def _make_optimizer(hp: Hyperparameters) -> Optimizer:
        return make_optimizer(hp.optimizer, hp.momentum, hp.nesterov, hp.beta1, hp.beta2, hp.eps)

    def reset_optimizer(self) -> None:
        self.optimizer.reset()

    # -- batches -----------------------------------------------------------------------------

    def _epoch_order(self) -> np.ndarray:
        """The order of the current epoch's examples: a function of the seed and the epoch
        number, so that a trainer rebuilt mid-epoch (undo, a reopened project) draws the
        examples the epoch has not seen yet."""
        if self.hyperparameters.shuffle:
            rng = np.random.default_rng((self.hyperparameters.seed, self.epoch))
            return rng.permutation(self.n_train)
        return np.arange(self.n_train)

    def _take(self, size: int) -> np.ndarray:
        """The next ``size`` example indices of the epoch (fewer at the epoch's end)."""
        cursor = self._cursor
        if cursor >= self._n_train:
            self._order = self._epoch_order()
            cursor = 0
        indices = self._order[cursor : cursor + size]
        self._cursor = cursor + len(indices)
        return indices

    @property
    def examples_seen_in_epoch(self) -> int:
        """How many examples of the current epoch have been drawn into batches (0 once an
        epoch is complete: the next one has begun)."""
        return self._cursor

    @property
    def epoch_progress(self) -> float:
        """Fraction of the current epoch already seen (0..1)."""
        return self._cursor / self.n_train

    def _discard_pending(self) -> None:
        """Forget a half-done step (its batch goes back to the epoch)."""
        if self.next_phase is not Phase.FORWARD:
            self._cursor -= len(self.batch_indices)
            self.next_phase = Phase.FORWARD
        self.trace = None
        self.grads = None
        self.cost = self.data_cost = None

    @property
    def trace_params(self) -> Params:
        """The parameters :attr:`trace` and :attr:`grads` were computed with: after an
        update these are the ones before it (kept in the spare buffer until the next
        update writes into it), otherwise :attr:`params`."""
        if self.trace is not None and self.next_phase is Phase.FORWARD:
            return self._spare
        return self.params

    # -- the three phases --------------------------------------------------------------------

    def forward(self, size: int | None = None) -> Trace:
        """Phase 1: take the next batch and compute z and a for every layer."""
        if self.next_phase is not Phase.FORWARD:
            raise BPStudioError(f"the next phase is {self.next_phase}, not forward")
        indices = self.batch_indices = self._take(size or self.hyperparameters.batch_size)
        n = len(indices)
        X = self.X if n == self._n_train else self.X[indices]  # the whole set needs no gather
        self.trace = forward(self.spec, self.params, X, self._workspace(n))
        self.grads = None
        self.cost = self.data_cost = None
        self.next_phase = Phase.BACKWARD
        return self.trace

    def backward(self) -> Grads:
        """Phase 2: every component of ∇C for the batch of the last forward pass."""
        if self.next_phase is not Phase.BACKWARD or self.trace is None:
            raise BPStudioError(f"the next phase is {self.next_phase}, not backward")
        indices = self.batch_indices
        n = len(indices)
        Y = self.Y if n == self._n_train else self.Y[indices]
        grads = self.grads = backward(
            self.spec, self.params, self.trace, Y, workspace=self._workspace(n)
        )
        self.next_phase = Phase.UPDATE
        cost = self.data_cost = grads.cost
        hp = self.hyperparameters
        if hp.l1 or hp.l2:
            cost += self._penalty()
        self.cost = cost
        reason = self._divergence(cost)
        if reason is not None:
            self._diverge(reason)
        elif self.step_count % VANISHING_CHECK_INTERVAL == 0:
            self.vanishing = detect_vanishing(
                self.spec, self.trace, grads, cost, self.step_count, self.classification
            )
        return grads

    def _divergence(self, cost: float) -> str | None:
        """Why the batch cost of the step under way means training diverged, or None; the
        first finite cost sets what counts as exploded."""
        if self._reference_cost is None and math.isfinite(cost):
            self._reference_cost = max(cost, 1.0)
        if not math.isfinite(cost):
            return f"the cost became {cost} at step {self.step_count + 1}"
        if cost > EXPLOSION_FACTOR * (self._reference_cost or 1.0):
            return f"the cost exploded to {cost:.3g} at step {self.step_count + 1}"
        return None

    def _workspace(self, n: int) -> Workspace:
        workspace = self._workspaces.get(n)
        if workspace is None:
            if len(self._workspaces) >= 4:  # sizes change only with the settings
                self._workspaces.clear()
            workspace = self._workspaces[n] = Workspace(self.spec, n)
        return workspace

    def _penalty(self) -> float:
        """(λ₂/2) Σ w² + λ₁ Σ |w| of the current parameters; 0.0 when both are off."""
        hp = self.hyperparameters
        return penalty(self.params, hp.l1, hp.l2) if hp.l1 or hp.l2 else 0.0

    def update(self, check_params: bool = False) -> float:
        """Phase 3: one optimiser step; returns the cost of the batch it learned from."""
        if self.next_phase is not Phase.UPDATE or self.grads is None:
            raise BPStudioError(f"the next phase is {self.next_phase}, not update")
        hp = self.hyperparameters
        n = len(self.batch_indices)
        lr = hp.learning_rate_at(self.step_count)
        workspace = self._workspaces.get(n)
        if hp.l1 or hp.l2 or workspace is None or workspace.dW[0] is not self.grads.dW[0]:
            grads = add_penalty_gradient(self.params, self.grads.as_params(), hp.l1, hp.l2)
            self.optimizer.update(self.params, grads, lr, self._spare)
        else:  # ∇C is the workspace's vector: one update for the whole network
            self.optimizer.update_vector(self._theta, workspace.gradient, lr, self._spare_theta)
        self._swap_buffers()
        self.step_count += 1
        self._trained_since_eval += n + STEP_OVERHEAD
        self.next_phase = Phase.FORWARD
        cost = self.grads.cost if self.cost is None else self.cost
        self.history["batch_cost"].append(self.step_count, cost)
        if self.data_cost is not None and self.data_cost != cost:
            self.history["batch_data_cost"].append(self.step_count, self.data_cost)
        if check_params and not all(np.isfinite(a).all() for a in self.params.arrays()):
            self._diverge(f"a parameter became NaN or infinite at step {self.step_count}")
        if self._cursor >= self._n_train:
            self._end_epoch()
        return cost

    def _diverge(self, reason: str) -> None:
        """Stop: keep the parameters that gave the last finite cost, and say why."""
        if self.next_phase is Phase.UPDATE:
            # The parameters of this forward pass gave a bad cost; the previous ones did not.
            if self.step_count > 0:
                self._swap_buffers()
        elif self.next_phase is Phase.FORWARD:
            self._swap_buffers()
        self._set_buffers(self.params)
        self.divergence = (
            f"Training diverged: {reason}. The last good parameters were kept. "
            "Try a lower learning rate, a smaller initialisation, or a bounded output activation."
        )
        self.optimizer.reset()
        self._discard_pending()

    def _end_epoch(self) -> None:
        self.epoch += 1
        self._order = self._epoch_order()
        self._cursor = 0
        evaluated = self._eval_train[0].shape[0] + STEP_OVERHEAD
        if self._eval_val is not None:
            evaluated += self._eval_val[0].shape[0]
        # The first epoch's end always evaluates, so the cost curve starts at once.
        first = self._last_eval_step < 0
        if first or self._trained_since_eval >= EVAL_WORK_FACTOR * evaluated:
            self.evaluate(full=False)

    # -- whole steps -------------------------------------------------------------------------

    def step_phase(self) -> Phase:
        """Run the next phase alone and return which one ran."""
        phase = self.next_phase
        if phase is Phase.FORWARD:
            self.forward()
        elif phase is Phase.BACKWARD:
            self.backward()
        else:
            self.update(check_params=True)
        return phase

    def _finish_step(self) -> bool:
        """Complete a step that was started phase by phase; False if training diverged."""
        if self.next_phase is Phase.BACKWARD:
            self.backward()
            if self.divergence:
                return False
        if self.next_phase is Phase.UPDATE:
            self.update()
        return self.divergence is None

    def train_batch(self, size: int | None = None) -> bool:
        """One whole gradient step over the next mini-batch (or ``size`` examples).

        Returns False when the divergence guard stopped training.
        """
        if self.divergence:
            return False
        if self.next_phase is not Phase.FORWARD:
            return self._finish_step()
        self.forward(size)
        self.backward()
        if self.divergence:
            return False
        self.update()
        return True

    def train_example(self) -> bool:
        """One gradient step on a single example (stochastic gradient descent)."""
        return self.train_batch(1)

    def train_epoch(self) -> bool:
        """Gradient steps until the current epoch is complete."""
        start = self.epoch
        while self.epoch == start:
            if not self.train_batch():
                return False
        return True

    def train_steps(self, n_steps: int) -> int:
        """Up to ``n_steps`` mini-batch steps; returns how many ran.

        The same steps as :meth:`train_batch` one after another, with the same numbers, the
        same history and the same guards; without an L1 or L2 penalty they run through a
        :class:`StepPlan` per batch size, which makes the NumPy calls of a step and little
        else, and :attr:`trace` and :attr:`grads` are built once, for the last step.
        """
        if n_steps <= 0:
            return n_steps
        done = 0
        if self.next_phase is not Phase.FORWARD:  # finish the step begun phase by phase
            if not self.train_batch():
                return 0
            done = 1
        hp = self.hyperparameters
        if hp.l1 or hp.l2:  # the penalty's cost and gradient: the phases' own path
            while done < n_steps:
                if not self.train_batch():
                    return done
                done += 1
            return done
        if self.divergence:
            return 0
        return done + self._planned_steps(n_steps - done) if done < n_steps else done

    def steps_to_epoch_end(self) -> int:
        """How many mini-batch steps complete the current epoch (at least 1)."""
        size = min(self.hyperparameters.batch_size, self.n_train)
        left = self.n_train - self._cursor if self._cursor < self.n_train else self.n_train
        return max(1, math.ceil(left / size))

    def _plan(self, n: int) -> StepPlan:
        plan = self._plans.get(n)
        workspace = self._workspace(n)
        if plan is None or plan.workspace is not workspace:
            plan = self._plans[n] = StepPlan(workspace)
        if len(self._plans) > 4:
            self._plans = {n: plan}
        plan.bind(self.params, self._spare)
        return plan

    def _planned_steps(self, n_steps: int) -> int:
        """:meth:`train_steps` without a penalty: ``n_steps`` > 0 whole steps, or fewer when
        the divergence guard stops them."""
        costs: list[float] = []  # batch C of each step, into the history once, at the end
        first_step = self.step_count
        try:
            return self._run_plan(n_steps, costs)
        finally:
            steps = range(first_step + 1, first_step + 1 + len(costs))
            self.history["batch_cost"].extend(steps, costs)

    def _run_plan(self, n_steps: int, costs: list[float]) -> int:
        hp = self.hyperparameters
        size, n_train, X_all, Y_all = hp.batch_size, self._n_train, self.X, self.Y
        constant_lr = hp.schedule == "constant"
        lr = hp.learning_rate
        optimizer, spec, classification = self.optimizer, self.spec, self.classification
        record = costs.append
        plan = self._plan(min(size, n_train))
        done = 0
        indices = self.batch_indices
        while done < n_steps:
            indices = self._take(size)
            n = len(indices)
            if n != plan.n:
                plan = self._plan(n)
            if n == n_train:  # the whole set needs no gather
                X, Y = X_all, Y_all
            else:
                X, Y = X_all[indices], Y_all[indices]
            cost = plan.run(self.params, X, Y)
            step = self.step_count
            reason = self._divergence(cost)
            if reason is not None:
                # Where the phases would stand: forward and backward done, no update.
                self.batch_indices = indices
                self.trace, self.grads = plan.trace(), plan.grads()
                self.cost = self.data_cost = cost
                self.next_phase = Phase.UPDATE
                self._diverge(reason)
                return done
            if step % VANISHING_CHECK_INTERVAL == 0:
                self.vanishing = detect_vanishing(
                    spec, plan.trace(), plan.grads(), cost, step, classification
                )
            optimizer.update_vector(
                self._theta,
                plan.workspace.gradient,
                lr if constant_lr else hp.learning_rate_at(step),
                self._spare_theta,
            )
            self._swap_buffers()
            self.step_count = step + 1
            self._trained_since_eval += n + STEP_OVERHEAD
            record(cost)
            done += 1
            if self._cursor >= n_train:
                self._end_epoch()
        self.batch_indices = indices
        self.trace, self.grads = plan.trace(), plan.grads()
        self.cost = self.data_cost = self.grads.cost
        self.next_phase = Phase.FORWARD
        return done

    # -- evaluation --------------------------------------------------------------------------

    def _cost_and_accuracy(self, X: Array, Y: Array) -> tuple[float, float, float | None]:
        """C (with the penalty), C_data and the accuracy of the current parameters."""
        # One BLAS thread for the products and the sums over a whole set alike (np.vdot
        # of 10,000 entries or more wakes the other threads too): see blas.one_thread.
        with one_thread():
            trace = forward(self.spec, self.params, X, self._eval_workspace(X.shape[0]))
            c = self.spec.loss_fn.value(trace.Z[-1], trace.output, Y, self.spec.output_activation)
            penalised = c + self._penalty()
            acc = accuracy(trace.output, Y) if self.classification else None
        return penalised, c, acc

    def _eval_workspace(self, n: int) -> Workspace | None:
        """Arrays for the forward pass of an evaluation on ``n`` examples, kept from one
        evaluation to the next when they are small (a fresh 1 MB array costs its page
        faults every time); None (fresh arrays) for large sets."""
        workspace = self._eval_workspaces.get(n)
        if workspace is None:
            sizes = self.spec.layer_sizes[1:]
            nbytes = 2 * n * sum(sizes) * np.dtype(self.spec.np_dtype).itemsize
            if nbytes > EVAL_BUFFER_BYTES:
                return None
            if len(self._eval_workspaces) >= 2:  # the training and the validation sample
                self._eval_workspaces.clear()
            workspace = self._eval_workspaces[n] = Workspace(self.spec, n, backward=False)
        return workspace

    def evaluate(self, record: bool = True, full: bool = True) -> Evaluation:
        """Cost (and accuracy) on the training and validation sets.

        ``full=False`` uses the fixed sample of at most ``EVAL_SAMPLE`` examples per set
        that periodic evaluations use; ``record`` adds the result to the history.
        """
        train = (self.X, self.Y) if full else self._eval_train
        train_cost, train_data, train_acc = self._cost_and_accuracy(*train)
        val_cost = val_data = val_acc = None
        if self.X_val is not None and self.Y_val is not None:
            assert self._eval_val is not None
            val = (self.X_val, self.Y_val) if full else self._eval_val
            val_cost, val_data, val_acc = self._cost_and_accuracy(*val)
        result = Evaluation(
            self.step_count,
            self.epoch,
            train_cost,
            val_cost,
            train_acc,
            val_acc,
            train_data,
            val_data,
        )
        # The data terms are recorded only while they differ from C (a penalty is on).
        penalised = self._penalty() != 0.0
        if record and self._last_eval_step != self.step_count:
            self._last_eval_step = self.step_count
            self._trained_since_eval = 0
            for name, value in (
                ("train_cost", train_cost),
                ("validation_cost", val_cost),
                ("train_accuracy", train_acc),
                ("validation_accuracy", val_acc),
                ("train_data_cost", train_data if penalised else None),
                ("validation_data_cost", val_data if penalised else None),
            ):
                if value is not None and math.isfinite(value):
                    self.history[name].append(self.step_count, value)
        return result

    def predict(self, X: Array) -> Array:
        return predict(self.spec, self.params, np.asarray(X, dtype=self.spec.np_dtype))
