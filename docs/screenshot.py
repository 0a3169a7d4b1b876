"""Regenerate docs/screenshot.png: the spirals template after a short run, one weight selected.

Run with a display (or ``QT_QPA_PLATFORM=offscreen``)::

    python docs/screenshot.py [docs/screenshot.png] [--seconds 4]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, QTimer

from bpstudio.app.application import make_application
from bpstudio.app.selection import Selection
from bpstudio.app.worker import StopConditions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=Path("docs/screenshot.png"))
    parser.add_argument("--seconds", type=float, default=4.0, help="training time before the shot")
    parser.add_argument("--template", default="spirals")
    args = parser.parse_args()

    app = make_application()
    from bpstudio.app.main_window import MainWindow

    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        window.new_from_template(args.template)
        window.resize(1560, 980)
        window.show()

        def start() -> None:
            window.controller.run(StopConditions(steps_per_second=None))
            QTimer.singleShot(int(args.seconds * 1000), pause)

        def pause() -> None:
            window.controller.pause()
            QTimer.singleShot(600, step)

        def step() -> None:
            window.controller.step("batch")
            QTimer.singleShot(1000, select)

        def select() -> None:
            # Show the chain rule for the hidden weight with the largest gradient.
            snapshot = window.controller.snapshot
            layer = 2
            if snapshot is not None and snapshot.batch_grads is not None:
                dW = np.abs(snapshot.batch_grads.dW[layer - 1])
                j, k = np.unravel_index(int(np.argmax(dW)), dW.shape)
                window.selection.select(Selection.weight(layer, int(j), int(k)))
            QTimer.singleShot(600, shoot)

        def shoot() -> None:
            window.grab().save(str(args.output))
            print(f"saved {args.output}")
            window.document.undo_stack.setClean()
            window.close()

        QTimer.singleShot(800, start)
        app.exec()


if __name__ == "__main__":
    main()
