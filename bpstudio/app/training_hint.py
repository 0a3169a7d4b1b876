"""What training is doing and what to do next, in words: the Training panel's hint and the
status bar's phase text.

Both are functions of the state (the last snapshot and whether a run is going on), never of
the order events arrived in: a pause, a divergence, an undo or a reopened project all read
the same as any other way of reaching that state.
"""

from __future__ import annotations

from bpstudio.app import notation
from bpstudio.core.training.snapshot import Snapshot
from bpstudio.core.training.trainer import Phase

PHASE_HINTS: dict[Phase, str] = {
    Phase.FORWARD: "forward pass: z = W a + b and a = σ(z) for every layer of the batch",
    Phase.BACKWARD: "backward pass: ∂C/∂a, ∂C/∂z, ∂C/∂w and ∂C/∂b, from the output back",
    Phase.UPDATE: (
        f"update: w ← w {notation.MINUS} {notation.ETA} ∂C/∂w and "
        f"b ← b {notation.MINUS} {notation.ETA} ∂C/∂b"
    ),
}

PHASE_DONE: dict[Phase, str] = {
    Phase.FORWARD: "Forward pass: z and a computed for the batch",
    Phase.BACKWARD: "Backward pass: ∂C/∂a, ∂C/∂w, ∂C/∂b computed",
    Phase.UPDATE: f"Update: w ← w {notation.MINUS} {notation.ETA} ∂C/∂w applied",
}


def epoch_text(snapshot: Snapshot) -> str:
    """``4 + 80%``: complete epochs and the share of the current one already seen."""
    return f"{snapshot.epoch:,} + {snapshot.epoch_progress:.0%}"


def panel_hint(snapshot: Snapshot | None, running: bool, step_unit: str) -> str:
    """The Training panel's line under the phase indicator; ``step_unit`` names what Step
    runs ("one mini-batch")."""
    if snapshot is None:
        return "Waiting for the training data…"
    if snapshot.divergence:
        return (
            f"Diverged at step {snapshot.step:,}: the last good parameters were kept. Lower "
            f"{notation.ETA} (the button above) or Reset, then Run or Step again."
        )
    if running:
        return (
            "Running: forward, backward and update repeat for every mini-batch "
            f"({notation.ETA} = {notation.format_value(snapshot.learning_rate, 3)}). "
            "Pause (Space) to look at one step."
        )
    next_text = f"Next: {PHASE_HINTS[snapshot.next_phase]}."
    if snapshot.phase is not None:
        return f"Ran the {snapshot.phase.value} phase. {next_text}"
    if snapshot.step == 0 and snapshot.next_phase is Phase.FORWARD:
        return f"Ready: Run (Space) trains; Step runs {step_unit}. {next_text}"
    return (
        f"Paused at step {snapshot.step:,}, epoch {epoch_text(snapshot)}: Run (Space) goes "
        f"on; Step runs {step_unit}. {next_text}"
    )


def status_text(snapshot: Snapshot, running: bool) -> str:
    """The status bar's phase text."""
    if snapshot.divergence:
        return f"Diverged at step {snapshot.step:,}  ·  lower {notation.ETA}, then run again"
    if running:
        return f"Training… {snapshot.steps_per_second:,.0f} steps/s"
    if snapshot.phase is not None:
        return f"{PHASE_DONE[snapshot.phase]}  ·  next: {snapshot.next_phase.value}"
    if snapshot.step == 0 and snapshot.next_phase is Phase.FORWARD:
        return f"Ready  ·  next phase: {snapshot.next_phase.value}"
    return f"Paused at step {snapshot.step:,}  ·  next phase: {snapshot.next_phase.value}"
