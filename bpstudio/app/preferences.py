"""The user's preferences, remembered with QSettings and applied app-wide: the theme, the
notation of layers and the digits of numbers (:mod:`bpstudio.app.notation`), the training
backend (the same key as View ▸ Run Training) and the redraw pace
(:mod:`bpstudio.app.pacing`'s budget).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings

from bpstudio.app import notation
from bpstudio.app.notation import DIGITS_KEY, LAYER_STYLE_KEY, LayerStyle, Notation
from bpstudio.app.pacing import GUI_BUDGET, frame_clock
from bpstudio.app.theme import THEMES, use_theme
from bpstudio.app.worker import BACKENDS

THEME_KEY = "view/theme"
BUDGET_KEY = "view/redraw_budget"
BACKEND_KEY = "training/backend"

#: Theme choices: "system" follows the platform's colour scheme.
THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}
_NOTE_CHAIN = 3  # the note's chain: layers 0..3, so L = 3
LAYER_STYLE_LABELS = {
    style: f"{text}: "
    + ", ".join(
        Notation(_NOTE_CHAIN, style).symbol(s, layer, plain=True)
        for s, layer in (("a", 2), ("w", 3))
    )
    for style, text in (
        (LayerStyle.RELATIVE, "Relative to the output layer"),
        (LayerStyle.ABSOLUTE, "Absolute layer numbers"),
    )
}
#: Redraw paces: the share of one CPU the window may spend redrawing while training runs.
PACE_LABELS = {
    0.1: "Light: redraw less, train faster (10% of a core)",
    GUI_BUDGET: "Balanced (25% of a core)",
    0.5: "Smooth: redraw more often (50% of a core)",
}


@dataclass(frozen=True)
class Preferences:
    theme: str = "system"
    layer_style: LayerStyle = LayerStyle.ABSOLUTE
    digits: int = 6
    backend: str = BACKENDS[0]
    budget: float = GUI_BUDGET


def read_preferences(settings: QSettings) -> Preferences:
    """The saved preferences; a value that is missing or not understood is the default."""
    default = Preferences()
    chosen_theme = str(settings.value(THEME_KEY, default.theme))
    try:
        style = LayerStyle(str(settings.value(LAYER_STYLE_KEY, default.layer_style.value)))
    except ValueError:
        style = default.layer_style
    try:
        digits = int(str(settings.value(DIGITS_KEY, default.digits)))
    except ValueError:
        digits = default.digits
    backend = str(settings.value(BACKEND_KEY, default.backend))
    try:
        budget = float(str(settings.value(BUDGET_KEY, default.budget)))
    except ValueError:
        budget = default.budget
    return Preferences(
        theme=chosen_theme if chosen_theme in THEME_LABELS else default.theme,
        layer_style=style,
        digits=max(notation.MIN_DIGITS, min(notation.MAX_DIGITS, digits)),
        backend=backend if backend in BACKENDS else default.backend,
        budget=budget if budget in PACE_LABELS else default.budget,
    )


def write_preferences(settings: QSettings, preferences: Preferences) -> None:
    settings.setValue(THEME_KEY, preferences.theme)
    settings.setValue(LAYER_STYLE_KEY, preferences.layer_style.value)
    settings.setValue(DIGITS_KEY, preferences.digits)
    settings.setValue(BACKEND_KEY, preferences.backend)
    settings.setValue(BUDGET_KEY, preferences.budget)


def apply_preferences(preferences: Preferences) -> None:
    """Use the theme, notation, digits and pace of ``preferences`` from now on (the backend
    is the window's to switch: it may have to stop a run)."""
    use_theme(THEMES.get(preferences.theme))
    notation.set_layer_style(preferences.layer_style)
    notation.set_digits(preferences.digits)
    frame_clock().budget = preferences.budget
