"""The Qt shell around :mod:`bpstudio.core`: document, undo commands, views, worker."""
