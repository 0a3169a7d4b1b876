"""The drag-and-drop payload of a layer: ``application/x-bpstudio-layer`` carrying JSON
``{"kind": "hidden", "activation": "tanh", "size": 4}``."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QByteArray, QMimeData

from bpstudio.core.engine.activations import HIDDEN_ACTIVATIONS
from bpstudio.core.engine.edits import MAX_LAYER_SIZE

LAYER_MIME = "application/x-bpstudio-layer"
LAYER_KINDS = ("input", "hidden", "output")


def layer_mime_data(payload: dict[str, Any]) -> QMimeData:
    mime = QMimeData()
    mime.setData(LAYER_MIME, QByteArray(json.dumps(payload).encode("utf-8")))
    kind = payload.get("kind", "")
    mime.setText(f"{kind} layer")
    return mime


def parse_layer_mime(mime: QMimeData | None) -> dict[str, Any] | None:
    """The payload of ``mime`` if it carries a valid layer, else None."""
    if mime is None or not mime.hasFormat(LAYER_MIME):
        return None
    try:
        payload = json.loads(bytes(mime.data(LAYER_MIME).data()).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return validate_payload(payload)


def validate_payload(payload: object) -> dict[str, Any] | None:
    """A clean copy of a layer payload, or None when it is not one."""
    if not isinstance(payload, dict) or payload.get("kind") not in LAYER_KINDS:
        return None
    clean: dict[str, Any] = {"kind": payload["kind"]}
    if payload["kind"] == "hidden":
        activation = payload.get("activation", "tanh")
        size = payload.get("size", 4)
        if activation not in HIDDEN_ACTIVATIONS:
            return None
        if not isinstance(size, int) or isinstance(size, bool):
            return None
        if not 1 <= size <= MAX_LAYER_SIZE:
            return None
        clean["activation"] = activation
        clean["size"] = size
    return clean
