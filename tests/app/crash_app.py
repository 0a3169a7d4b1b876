"""Backprop Studio as the crash-recovery test runs it, in a process of its own.

``python crash_app.py edit <project>``: start as the app starts (:func:`open_window`),
save the XOR template to ``<project>``, edit it (a weight, the learning rate, a neuron,
a run of training, a selection), wait for the autosave, print the window's state as one
JSON line and keep running until killed.

``python crash_app.py restore``: start again, accept the offer to restore, print the
window's state and what the offer said, and quit cleanly.

The recovery folder and the settings come from ``XDG_DATA_HOME`` and ``XDG_CONFIG_HOME``,
which the test points at its own temporary folder.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from collections.abc import Callable
from multiprocessing import resource_tracker
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QMessageBox

from bpstudio.app.application import _parse, make_application, open_window
from bpstudio.app.commands import (
    EditNetworkCommand,
    SetHyperparametersCommand,
    SetParameterCommand,
)
from bpstudio.app.main_window import MainWindow
from bpstudio.app.selection import Selection
from bpstudio.core.engine.address import ParamRef
from bpstudio.core.engine.edits import add_neuron
from bpstudio.core.files.recovery import RecoveryInfo

TIMEOUT = 60.0  # seconds; the test's own timeout ends a hung run sooner


def wait_until(predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("crash_app: timed out")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def state(window: MainWindow) -> dict[str, Any]:
    doc = window.document
    project = doc.project
    current = window.selection.selection
    return {
        "project": project.to_json() | {"written_by": None, "view": None},
        "params": {name: a.tolist() for name, a in project.params.named().items()},
        "path": str(doc.path) if doc.path else None,
        "modified": doc.is_modified(),
        "selection": None
        if current is None
        else [current.kind, current.layer, current.j, current.k],
        "layer": window.selection.layer,
        "edge_mode": window.canvas.view_state()["edge_mode"],
    }


def edit(window: MainWindow, target: Path) -> None:
    doc = window.document
    controller = window.controller
    assert window.save_to(target)
    doc.push(SetParameterCommand(doc, ParamRef.weight(1, 0, 1), 0.625))
    doc.push(
        SetHyperparametersCommand(
            doc, doc.hyperparameters.with_changes(learning_rate=0.375), "learning_rate"
        )
    )
    doc.push(EditNetworkCommand(doc, "Add a neuron", *add_neuron(doc.spec, doc.params, 1, doc.rng)))
    controller.worker.wait_for_data()
    controller.run()
    wait_until(lambda: controller.snapshot is not None and controller.snapshot.step > 200)
    controller.pause()
    wait_until(lambda: not controller.running and doc.project.step > 200)
    window.canvas.set_edge_mode("gradients")
    window.selection.select(Selection.weight(2, 0, 1))
    autosaver = window.autosaver
    assert autosaver is not None
    saves = autosaver.saves
    # The selection schedules an autosave a few seconds on; wait for it, as a user would.
    wait_until(lambda: autosaver.saves > saves and not autosaver.busy)


def main() -> None:
    mode = sys.argv[1]
    app = make_application()
    offers: list[RecoveryInfo] = []

    def confirm(info: RecoveryInfo) -> bool:
        offers.append(info)
        return True

    window = open_window(_parse(["--template", "xor"] if mode == "edit" else []), confirm)
    if mode == "edit":
        edit(window, Path(sys.argv[2]))
        tracker = resource_tracker._resource_tracker._pid  # type: ignore[attr-defined]
        children = [p.pid for p in multiprocessing.active_children()]
        out = state(window) | {"children": children + ([tracker] if tracker else [])}
        print(json.dumps(out), flush=True)
        app.exec()  # until killed
    else:
        out = state(window) | {
            "offers": [{"title": i.title, "path": str(i.project_path)} for i in offers]
        }
        print(json.dumps(out), flush=True)
        # Quit as a user who discards the restored changes: a clean exit.
        QMessageBox.warning = staticmethod(  # type: ignore[method-assign]
            lambda *args: QMessageBox.StandardButton.Discard
        )
        assert window.close()


if __name__ == "__main__":
    main()
