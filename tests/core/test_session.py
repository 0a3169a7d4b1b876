"""The training session (commands in, events out), the process loop that serves it, and the
wire format between them; all without Qt and without a second process (the loop runs in a
thread here; the GUI tests run it in a real process)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from multiprocessing import Pipe
from multiprocessing.connection import Connection

import numpy as np
import pytest

from bpstudio.core.data.source import DataSource, load_examples, split_examples
from bpstudio.core.engine.network import NetworkSpec, initialize
from bpstudio.core.training import session as session_module
from bpstudio.core.training.history import History
from bpstudio.core.training.hyperparams import Hyperparameters
from bpstudio.core.training.process import serve
from bpstudio.core.training.session import (
    StopConditions,
    TrainingData,
    TrainingSession,
    TrainingState,
)
from bpstudio.core.training.snapshot import Snapshot
from bpstudio.core.training.trainer import Phase, StepUnit
from bpstudio.core.training.wire import recv_message, send_message, widen_pipe

SPEC = NetworkSpec.build([2, 3, 1], "tanh", "sigmoid", "cross_entropy")


def xor_data() -> TrainingData:
    source = DataSource("generator", "xor", n_examples=40, noise=0.1, seed=1)
    train, validation = split_examples(source, load_examples(source))
    return TrainingData("xor", train, validation)


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def __call__(self, name: str, payload: object) -> None:
        self.events.append((name, payload))

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def last(self, name: str) -> object:
        return [p for n, p in self.events if n == name][-1]


@pytest.fixture
def session() -> tuple[TrainingSession, Recorder]:
    recorder = Recorder()
    return TrainingSession(recorder), recorder


def send_network(session: TrainingSession, hp: Hyperparameters | None = None) -> None:
    hp = hp or Hyperparameters(learning_rate=0.5, batch_size=4)
    session.set_network(SPEC, initialize(SPEC, "xavier", 0), hp, History(), 0, 0)


# -- the session -----------------------------------------------------------------------------------


def test_no_trainer_until_network_and_data(session: tuple[TrainingSession, Recorder]) -> None:
    s, rec = session
    send_network(s)
    assert s.trainer is None
    assert rec.events == []
    s.step(StepUnit.BATCH)  # nothing to step yet: ignored
    assert rec.events == []
    s.set_data(xor_data())
    assert s.trainer is not None
    assert rec.names() == ["problem", "snapshot"]
    assert rec.last("problem") == ""
    snapshot = rec.last("snapshot")
    assert isinstance(snapshot, Snapshot)
    assert snapshot.evaluation is not None
    assert snapshot.probe is not None


def test_data_that_does_not_fit_is_a_problem(session: tuple[TrainingSession, Recorder]) -> None:
    s, rec = session
    s.set_data(xor_data())
    wide = NetworkSpec.build([3, 2, 1], "tanh", "sigmoid", "cross_entropy")
    s.set_network(wide, initialize(wide, "xavier", 0), Hyperparameters(), History(), 0, 0)
    assert s.trainer is None
    message = rec.last("problem")
    assert isinstance(message, str)
    assert "has 2 inputs" in message
    assert "network has 3 inputs" in message


def test_phases_and_steps_report_what_changed(session: tuple[TrainingSession, Recorder]) -> None:
    s, rec = session
    send_network(s)
    s.set_data(xor_data())
    rec.events.clear()
    s.step(StepUnit.PHASE)
    s.step(StepUnit.PHASE)
    phases = [p.phase for n, p in rec.events if n == "snapshot"]  # type: ignore[attr-defined]
    assert phases == [Phase.FORWARD, Phase.BACKWARD]
    assert "stepped" not in rec.names()  # nothing learned yet
    s.step(StepUnit.PHASE)
    state = rec.last("stepped")
    assert isinstance(state, TrainingState)
    assert state.step == 1
    assert state.reason == "step"


def test_a_run_stops_at_its_condition_and_returns_its_state(
    session: tuple[TrainingSession, Recorder],
) -> None:
    s, rec = session
    send_network(s)
    s.set_data(xor_data())
    s.run(StopConditions(max_steps=50))
    assert s.running
    while (wait := s.train_chunk()) is not None:
        assert wait == 0.0
    names = rec.names()
    assert names.count("running") == 2
    assert names.index("stopped") > names.index("running")
    state = rec.last("stopped")
    assert isinstance(state, TrainingState)
    assert state.step == 50
    assert state.reason == "reached 50 steps"
    assert rec.last("running") is False


def test_a_paced_run_waits_between_chunks(session: tuple[TrainingSession, Recorder]) -> None:
    s, _ = session
    send_network(s)
    s.set_data(xor_data())
    s.run(StopConditions(steps_per_second=10))
    waits = [s.train_chunk() for _ in range(3)]
    assert all(w is not None and w == pytest.approx(0.1) for w in waits)
    assert s.trainer is not None
    assert s.trainer.step_count <= 1


class TickingClock:
    """A clock that moves on by ``tick`` seconds each time it is read."""

    def __init__(self, tick: float) -> None:
        self.now, self.tick = 0.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def test_snapshots_of_a_run_are_at_most_30_a_second() -> None:
    clock = TickingClock(0.001)
    recorder = Recorder()
    s = TrainingSession(recorder, clock=clock)
    send_network(s)
    s.set_data(xor_data())
    s.run(StopConditions(max_steps=3000))
    start = clock.now
    while s.train_chunk() is not None:
        pass
    seconds = clock.now - start
    snapshots = [p for n, p in recorder.events if n == "snapshot"]
    running = [p for p in snapshots if isinstance(p, Snapshot) and p.running]
    assert len(running) >= 2, "a run keeps sending snapshots"
    assert len(running) <= seconds * 30 + 1


def test_new_data_stops_a_run(session: tuple[TrainingSession, Recorder]) -> None:
    s, rec = session
    send_network(s)
    s.set_data(xor_data())
    s.run(StopConditions())
    s.train_chunk()
    s.set_data(None)
    assert not s.running
    assert s.trainer is None
    state = rec.last("stopped")
    assert isinstance(state, TrainingState)
    assert state.reason == "data changed"


# -- the wire --------------------------------------------------------------------------------------


@pytest.fixture
def pipe() -> Iterator[tuple[Connection, Connection]]:
    receiver, sender = Pipe(duplex=False)
    widen_pipe(sender)
    yield receiver, sender
    receiver.close()
    sender.close()


def test_arrays_cross_the_wire_intact_and_writable(pipe: tuple[Connection, Connection]) -> None:
    receiver, sender = pipe
    rng = np.random.default_rng(0)
    big = rng.standard_normal((300, 400))
    message = {
        "big": big,
        "transposed": big.T,  # Fortran-ordered: still out of band
        "strided": big[::3, ::2],  # not contiguous: pickled in band
        "empty": np.zeros((0, 4)),
        "ints": np.arange(5, dtype=np.int32),
        "text": "z",
    }
    done = threading.Thread(target=send_message, args=(sender, message))
    done.start()  # bigger than the pipe: the reader must run meanwhile
    received = recv_message(receiver)
    done.join()
    assert isinstance(received, dict)
    for key in ("big", "transposed", "strided", "empty", "ints"):
        np.testing.assert_array_equal(received[key], message[key])
        assert received[key].dtype == message[key].dtype
        assert received[key].flags.writeable
    assert received["text"] == "z"


# -- the process loop ----------------------------------------------------------------------------


class Served:
    """serve() on a thread, with the GUI's ends of both pipes."""

    def __init__(self) -> None:
        commands_in, self.commands = Pipe(duplex=False)
        self.events, events_out = Pipe(duplex=False)
        self.thread = threading.Thread(target=serve, args=(commands_in, events_out))
        self.thread.start()

    def send(self, name: str, *args: object) -> None:
        send_message(self.commands, (name, args))

    def until(self, name: str) -> list[tuple[str, object]]:
        seen: list[tuple[str, object]] = []
        while True:
            event = recv_message(self.events)
            assert isinstance(event, tuple)
            seen.append(event)
            if event[0] == name:
                return seen


def test_serve_runs_commands_and_survives_a_failing_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    monkeypatch.setattr(signal, "signal", lambda *args: None)  # not the main thread
    served = Served()
    try:
        send_network_args = (SPEC, initialize(SPEC, "xavier", 0), Hyperparameters(), History())
        served.send("set_network", *send_network_args, 0, 0)
        served.send("set_data", xor_data())
        served.send("set_probe", "not a number")
        served.send("no_such_command")
        served.send("step", "batch")
        served.send("sync", 7)
        seen = served.until("synced")
        names = [name for name, _ in seen]
        errors = [payload for name, payload in seen if name == "error"]
        assert len(errors) == 2
        assert "ValueError" in str(errors[0])
        assert "unknown training command 'no_such_command'" in str(errors[1])
        assert "stepped" in names  # the session carried on
        assert seen[-1] == ("synced", 7)

        served.send("run", StopConditions())
        seen = served.until("snapshot")
        served.send("pause")
        seen = served.until("stopped")
        state = seen[-1][1]
        assert isinstance(state, TrainingState)
        assert state.reason == "paused"
        served.send("exit")
        served.thread.join(10)
        assert not served.thread.is_alive()
    finally:
        served.commands.close()
        served.thread.join(10)
        served.events.close()


def test_serve_ends_when_the_gui_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    monkeypatch.setattr(signal, "signal", lambda *args: None)
    served = Served()
    served.send("run", StopConditions())
    served.commands.close()
    served.thread.join(10)
    assert not served.thread.is_alive()
    served.events.close()


def test_results_carry_the_generation_they_started_from(
    session: tuple[TrainingSession, Recorder],
) -> None:
    s, rec = session
    params = initialize(SPEC, "xavier", 0)
    s.set_network(SPEC, params, Hyperparameters(batch_size=4), History(), 0, 0, generation=7)
    s.set_data(xor_data())
    s.step(StepUnit.BATCH)
    stepped = rec.last("stepped")
    assert isinstance(stepped, TrainingState)
    assert stepped.generation == 7
    s.run(StopConditions())
    s.set_params(params, generation=8)  # an edit while running: the run goes on from it
    assert s.running
    s.pause()
    stopped = rec.last("stopped")
    assert isinstance(stopped, TrainingState)
    assert stopped.generation == 8


def test_a_stop_is_reported_even_when_its_snapshot_fails(
    session: tuple[TrainingSession, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    s, rec = session
    send_network(s)
    s.set_data(xor_data())
    s.run(StopConditions())
    s.train_chunk()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no picture")

    monkeypatch.setattr(session_module, "take_snapshot", broken)
    with pytest.raises(RuntimeError):
        s.stop("stopped by an error")
    assert not s.running
    assert rec.last("running") is False
    state = rec.last("stopped")
    assert isinstance(state, TrainingState)
    assert state.reason == "stopped by an error"
