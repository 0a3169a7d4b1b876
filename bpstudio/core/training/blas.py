"""How many threads BLAS uses for training: measured, not assumed.

NumPy's BLAS (OpenBLAS, MKL) starts one thread per core. On a busy or small machine those
threads fight each other and everything else, and a medium network trains several times
slower than with one thread; on a quiet machine with many cores, large matrices gain from
them. :class:`BlasThreads` times a few forward and backward passes of the network at hand
with one thread and with all of them, keeps the faster, and measures again only when the
network's shapes change. It uses threadpoolctl, which sets the limit of whichever BLAS
library NumPy loaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import ThreadpoolController

from bpstudio.core.engine.backprop import backward, forward

if TYPE_CHECKING:
    from bpstudio.core.training.trainer import Trainer

_controller: ThreadpoolController | None = None


def one_thread() -> AbstractContextManager[object]:
    """A context in which BLAS uses one thread (its count before is restored after).

    The trainer evaluates the cost on a whole set in it: a product of thousands of rows
    wakes BLAS's other threads, which then spin for a while after it returns, and on a
    small machine they take the CPU from the steps that follow (measured: 64-32-10 trained
    0.7x as fast as without evaluations, 0.99x with this). A step's products, on a batch,
    are too small for BLAS to split anyway.
    """
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


#: Timed passes per thread count and round (after one warm-up pass), and rounds (the
#: counts alternate, so a drift of the machine's speed hits both alike).
TRIAL_PASSES = 3
TRIAL_ROUNDS = 2


class BlasThreads:
    """Chooses the BLAS thread count for the network being trained.

    Parameters
    ----------
    set_threads : applies a thread count (default: threadpoolctl, every BLAS library).
    most : the largest count to try (default: what BLAS uses when left alone).
    clock : seconds, monotonic.
    """

    def __init__(
        self,
        set_threads: Callable[[int], None] | None = None,
        most: int | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if set_threads is None or most is None:
            controller = ThreadpoolController().select(user_api="blas")
            if set_threads is None:

                def set_threads(n: int) -> None:
                    controller.limit(limits=n)

            if most is None:
                most = max((lib["num_threads"] for lib in controller.info()), default=1)
        self._set_threads = set_threads
        self.most = max(1, int(most))
        self._clock = clock
        self._key: Hashable = None
        #: The count in use (None until the first choice).
        self.threads: int | None = None
        #: How many times a choice was measured (tests, benchmarks).
        self.trials = 0

    def choose(self, key: Hashable, trial: Callable[[], object]) -> int:
        """The faster thread count for ``trial`` (one pass of the work), applied; measured
        again only when ``key`` (the work's shapes) differs from the last one."""
        if self.threads is not None and key == self._key:
            return self.threads
        self._key = key
        if self.most == 1:
            self.threads = 1
            self._set_threads(1)
            return 1
        self.trials += 1
        candidates = (1, self.most)
        best = dict.fromkeys(candidates, float("inf"))
        for _ in range(TRIAL_ROUNDS):
            for n in candidates:
                self._set_threads(n)
                trial()  # warm up: the threads start, the caches fill
                for _ in range(TRIAL_PASSES):
                    start = self._clock()
                    trial()
                    best[n] = min(best[n], self._clock() - start)
        self.threads = min(candidates, key=lambda n: (best[n], n))
        self._set_threads(self.threads)
        return self.threads

    def choose_for(self, trainer: Trainer) -> int:
        """:meth:`choose` for one mini-batch's forward and backward pass of ``trainer``."""
        n = min(trainer.hyperparameters.batch_size, trainer.n_train)
        spec, params = trainer.spec, trainer.params.copy()
        X, Y = trainer.X[:n], trainer.Y[:n]

        def trial() -> None:
            with np.errstate(all="ignore"):
                backward(spec, params, forward(spec, params, X), Y)

        return self.choose((spec.layer_sizes, n, str(spec.np_dtype)), trial)
