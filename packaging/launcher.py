"""The bundle's entry point: ``dist/bpstudio/bpstudio`` runs this.

The training process is started with multiprocessing's "spawn" method, which in a frozen
bundle re-runs this same executable with multiprocessing's arguments: ``freeze_support()``
turns that run into the training process before anything else happens.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from bpstudio.cli import main

    sys.exit(main())
