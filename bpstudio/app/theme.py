"""Every colour of the app, light and dark (one place, as TensorFlow Playground keeps its
single ``colorScale``).

- One diverging scale for values (weights, biases, activations): blue for negative, orange
  for positive, the neutral colour at zero. The canvas's edges and neurons, the weight
  matrix, the decision boundary and the data previews all draw with it, so a colour means
  the same sign everywhere.
- A second diverging scale, green and pink, for gradients (∂C/∂a rings, ∂C/∂w edges), so a
  glance tells a value from a gradient.
- One colour per factor of the chain rule, ∂z/∂w, ∂a/∂z and ∂C/∂a (and their product), and
  one per phase of a training step (forward, backward, update).
- The pens of the plots, the colours of classes and of messages.

:func:`theme` returns the theme in use: the one chosen with :func:`use_theme`, else the one
that matches the system's colour scheme (:func:`system_theme`). Scales are computed for
whole layers at once with NumPy, because snapshots arrive up to 30 times a second.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget


@dataclass(frozen=True, eq=False)  # hashed by identity: a key of cached colour tables
class DivergingScale:
    """``negative`` at −scale, ``zero`` at 0, ``positive`` at +scale, linear in between."""

    negative: QColor
    zero: QColor
    positive: QColor

    def rgb(self, values: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """RGB rows (0..255) of ``values : (m,)`` clipped at ±``scale``; NaN is drawn as 0.

        Returns
        -------
        (m, 3) float array
        """
        t = np.clip(np.asarray(values, dtype=float) / max(scale, 1e-12), -1.0, 1.0)
        t = np.nan_to_num(t, nan=0.0)[:, None]
        zero = rgb_array(self.zero)
        target = np.where(t >= 0, rgb_array(self.positive), rgb_array(self.negative))
        return zero + np.abs(t) * (target - zero)

    def sign(self, value: float) -> QColor:
        """The full colour of ``value``'s sign (0 counts as positive)."""
        return QColor(self.positive if value >= 0 else self.negative)

    def stops(self) -> list[tuple[float, QColor]]:
        """The scale as the stops of a QLinearGradient from −1 (0.0) to +1 (1.0)."""
        return [(0.0, self.negative), (0.5, self.zero), (1.0, self.positive)]


@dataclass(frozen=True)
class ChainFactors:
    """The note's three factors of ∂C/∂w = ∂z/∂w · ∂a/∂z · ∂C/∂a, and the product."""

    dz_dw: QColor  # a_k^(l-1)
    da_dz: QColor  # σ'(z_j^(l))
    dC_da: QColor  # ∂C/∂a_j^(l)
    product: QColor


@dataclass(frozen=True)
class Phases:
    """The three phases of a training step."""

    forward: QColor
    backward: QColor
    update: QColor


@dataclass(frozen=True)
class PlotPens:
    """Colours of the plots' curves, bars and marks."""

    batch_cost: QColor
    batch_cost_text: QColor  # the summary's "batch C" (the curve's colour is too pale to read)
    train_cost: QColor
    validation_cost: QColor
    train_accuracy: QColor
    validation_accuracy: QColor
    layers: tuple[QColor, ...]  # one hue per layer, cycled
    outline: QColor  # the selected bar, a single output's curve over the inputs
    shade: QColor  # bars of the other parameters behind the selected ones
    boundary: QColor  # the decision boundary, a point's outline
    probe: QColor  # the probe example's ring
    single_output: QColor  # the curve of a one-output regression
    point_outline: QColor


@dataclass(frozen=True)
class Messages:
    """Colours of text that reports: passed, failed, a warning box."""

    ok: QColor
    error: QColor
    warning_text: QColor
    warning_background: QColor
    warning_border: QColor
    notice_background: QColor  # a highlighted paragraph of rich text


@dataclass(frozen=True, eq=False)  # hashed by identity: a key of cached pens
class Theme:
    """The colours of one variant (light or dark)."""

    name: str
    # Surfaces and text of the canvas and its overlays.
    background: QColor
    grid_dot: QColor
    text: QColor
    text_muted: QColor
    on_fill: QColor  # text and marks drawn on a strong fill (accent, a dark neuron)
    outline: QColor
    outline_hover: QColor
    card: QColor
    card_hover: QColor
    card_marked: QColor
    card_border: QColor
    card_border_strong: QColor
    shadow: QColor
    accent: QColor  # selection, drop indicator
    accent_soft: QColor
    danger: QColor  # a drop that is not allowed
    kinds: dict[str, QColor]  # input / hidden / output layers: headers, palette, miniatures
    values: DivergingScale
    gradients: DivergingScale
    chain: ChainFactors
    phases: Phases
    plots: PlotPens
    classes: tuple[QColor, ...]  # class c; the first two are the value scale's ends
    right: QColor  # a right prediction
    wrong: QColor  # a wrong one
    messages: Messages

    def kind(self, kind: str) -> QColor:
        return self.kinds.get(kind, self.text_muted)

    def class_color(self, c: int) -> QColor:
        """The colour of class ``c`` (cycling after ten, a darker shade each round)."""
        base = self.classes[c % len(self.classes)]
        return base.darker(100 + 30 * (c // len(self.classes)))

    def class_rgb(self, k: int) -> np.ndarray:
        """``(k, 3)`` RGB rows (0..255) of the first ``k`` class colours."""
        return np.array([rgb_array(self.class_color(c)) for c in range(k)]).reshape(k, 3)

    def layer_color(self, layer: int) -> QColor:
        """The hue of layer ``layer`` (1..L) in the gradient plot."""
        return QColor(self.plots.layers[(layer - 1) % len(self.plots.layers)])

    def readable_on(self, fill: QColor) -> QColor:
        """Text colour that reads on ``fill``: :attr:`on_fill` on dark fills, else dark."""
        return QColor(self.on_fill) if is_dark(fill) else QColor(LIGHT.text)


def _c(spec: str, alpha: int | None = None) -> QColor:
    color = QColor(spec)
    if alpha is not None:
        color.setAlpha(alpha)
    return color


#: A colour of the table below: ``"#rrggbb"``, or ``("#rrggbb", alpha)``.
_Spec = str | tuple[str, int]

# TensorFlow Playground's value pair and its zero; the gradient pair.
_BLUE, _ORANGE = "#0877bd", "#f59322"
_GREEN, _PINK = "#059669", "#db2777"
# The dark theme's value and gradient scales: the same hues, towards a dark zero (a neuron
# at 0 is the colour of the cards).
_DARK_BLUE, _DARK_ZERO = "#3b9fe0", "#2a303b"

#: Every colour role of the two themes, side by side: ``role: (light, dark)``. A dotted
#: role is a field of one of the theme's groups (``chain.dz_dw`` is ``Theme.chain.dz_dw``).
_ROLES: dict[str, tuple[_Spec, _Spec]] = {
    # Surfaces and text of the canvas and its overlays.
    "background": ("#f6f7f9", "#161a21"),
    "grid_dot": ("#d3d8e0", "#2c333f"),
    "text": ("#1e293b", "#e2e8f0"),
    "text_muted": ("#64748b", "#94a3b8"),
    "on_fill": ("#ffffff", "#ffffff"),
    "outline": ("#94a3b8", "#64748b"),
    "outline_hover": ("#334155", "#cbd5e1"),
    "card": ("#ffffff", "#1f2530"),
    "card_hover": ("#f8fafc", "#262d3a"),
    "card_marked": ("#eef2ff", "#2a2f55"),
    "card_border": ("#e2e8f0", "#334155"),
    "card_border_strong": ("#cbd5e1", "#475569"),
    "shadow": (("#0f172a", 22), ("#000000", 60)),
    "accent": ("#4f46e5", "#818cf8"),
    "accent_soft": (("#4f46e5", 40), ("#818cf8", 50)),
    "danger": ("#dc2626", "#f87171"),
    "right": ("#2e8b57", "#4abe7d"),
    "wrong": ("#d62728", "#ef5350"),
    "kinds.input": ("#64748b", "#94a3b8"),
    "kinds.hidden": ("#6366f1", "#818cf8"),
    "kinds.output": ("#10b981", "#34d399"),
    "values.negative": (_BLUE, _DARK_BLUE),
    "values.zero": ("#ffffff", _DARK_ZERO),
    "values.positive": (_ORANGE, _ORANGE),
    "gradients.negative": (_GREEN, "#10b981"),
    "gradients.zero": ("#ffffff", _DARK_ZERO),
    "gradients.positive": (_PINK, "#f472b6"),
    "chain.dz_dw": ("#2f6fb3", "#6ea8e8"),
    "chain.da_dz": ("#2e8b57", "#5cc48a"),
    "chain.dC_da": ("#c45a12", "#f0904a"),
    "chain.product": ("#6a1b9a", "#c08ae0"),
    "phases.forward": ("#2f6fb3", "#6ea8e8"),
    "phases.backward": ("#c45a12", "#f0904a"),
    "phases.update": ("#2e8b57", "#5cc48a"),
    "plots.batch_cost": ("#9db8d9", "#4a6585"),
    "plots.batch_cost_text": ("#5b7ea6", "#8fb0d6"),
    "plots.train_cost": ("#1f5fa8", "#6ea8e8"),
    "plots.validation_cost": ("#d4621a", "#f0904a"),
    "plots.train_accuracy": ("#2e8b57", "#5cc48a"),
    "plots.validation_accuracy": ("#8e44ad", "#c08ae0"),
    "plots.outline": ("#111111", "#f1f5f9"),
    "plots.shade": (("#000000", 70), ("#ffffff", 70)),
    "plots.boundary": ("#334155", "#cbd5e1"),
    "plots.probe": ("#111827", "#f8fafc"),
    "plots.single_output": ("#1f5fa8", "#6ea8e8"),
    "plots.point_outline": ("#475569", "#cbd5e1"),
    "messages.ok": ("#1b7f3b", "#5cc48a"),
    "messages.error": ("#b00020", "#ff6b81"),
    "messages.warning_text": ("#9f1239", "#fecdd3"),
    "messages.warning_background": ("#fff1f2", "#4c1d2a"),
    "messages.warning_border": ("#fecdd3", "#9f1239"),
    "messages.notice_background": ("#fff4d6", "#3d3420"),
}
# Okabe & Ito's colour-blind friendly hues, one per layer (both themes).
_OKABE_ITO = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#999933")
# Classes after the first two, which are the value scale's ends (both themes).
_MORE_CLASSES = (
    "#2e9e5b",
    "#d62728",
    "#8e5ac8",
    "#8c564b",
    "#e377c2",
    "#6b7280",
    "#a3a31a",
    "#17becf",
)


def _theme(name: str, column: int) -> Theme:
    """The theme of one column of :data:`_ROLES` (0: light, 1: dark)."""
    top: dict[str, QColor] = {}
    groups: dict[str, dict[str, QColor]] = {}
    for role, specs in _ROLES.items():
        spec = specs[column]
        color = _c(spec) if isinstance(spec, str) else _c(*spec)
        group, _, field = role.rpartition(".")
        (groups.setdefault(group, {}) if group else top)[field] = color
    values = DivergingScale(**groups["values"])
    return Theme(
        name=name,
        **top,
        kinds=groups["kinds"],
        values=values,
        gradients=DivergingScale(**groups["gradients"]),
        chain=ChainFactors(**groups["chain"]),
        phases=Phases(**groups["phases"]),
        plots=PlotPens(**groups["plots"], layers=tuple(_c(h) for h in _OKABE_ITO)),
        classes=(
            QColor(values.negative),
            QColor(values.positive),
            *(_c(h) for h in _MORE_CLASSES),
        ),
        messages=Messages(**groups["messages"]),
    )


LIGHT = _theme("light", 0)
DARK = _theme("dark", 1)

THEMES: dict[str, Theme] = {LIGHT.name: LIGHT, DARK.name: DARK}

_chosen: Theme | None = None
_system: Theme | None = None  # system_theme(), remembered until the colour scheme changes
_watched: set[int] = set()  # applications whose colour-scheme signal clears _system
_palette_set = False  # whether use_theme gave the application a palette of its own


def system_theme() -> Theme:
    """The theme that matches the system: its colour scheme where Qt knows it (Qt ≥ 6.5),
    else the lightness of the application palette's window colour. Light without an app."""
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return LIGHT
    scheme = getattr(app.styleHints(), "colorScheme", None)
    if scheme is not None:
        value = scheme()
        if value == Qt.ColorScheme.Dark:
            return DARK
        if value == Qt.ColorScheme.Light:
            return LIGHT
    window = app.palette().color(QPalette.ColorRole.Window)
    return DARK if window.lightness() < 128 else LIGHT


class ThemeNotifier(QObject):
    """Says when the theme in use changed (a choice, or the system's colour scheme), so
    views re-read its colours and redraw."""

    themeChanged = Signal()


_notifier: ThemeNotifier | None = None


def notifier() -> ThemeNotifier:
    """The one :class:`ThemeNotifier` (created on first use)."""
    global _notifier
    if _notifier is None:
        _notifier = ThemeNotifier()
    return _notifier


def use_theme(chosen: Theme | None) -> None:
    """Use ``chosen`` from now on; None follows the system again. Views hear of it through
    :func:`notifier`'s ``themeChanged``; the application's palette follows a manual choice
    (:func:`application_palette`)."""
    global _chosen, _system, _palette_set
    before = theme()
    _chosen, _system = chosen, None
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication) and (chosen is not None or _palette_set):
        # An empty palette resolves to the platform's own: following the system again.
        app.setPalette(application_palette(chosen) if chosen is not None else QPalette())
        _palette_set = chosen is not None
        if isinstance(app, QApplication):
            refresh_style_sheets()
    if theme() is not before:
        notifier().themeChanged.emit()


def set_palette_style(widget: QWidget, sheet: str) -> None:
    """Give ``widget`` a style sheet that names palette colours (``color: palette(mid)``),
    and set it again whenever the theme changes the application's palette: Qt resolves
    ``palette(role)`` once, when a sheet is set."""
    widget.setStyleSheet(sheet)
    _palette_styled[widget] = sheet


# The widgets given such sheets, and only those: walking QApplication.allWidgets() instead
# wraps every widget Qt made itself (a combo box's popup, a scroll area's bars), whose
# deletion the wrappers never hear of, and touching one later crashes the process.
_palette_styled: weakref.WeakKeyDictionary[QWidget, str] = weakref.WeakKeyDictionary()


def refresh_style_sheets() -> None:
    """Resolve again the ``palette(role)`` colours of the sheets set with
    :func:`set_palette_style`, so they follow a new application palette."""
    for widget, sheet in list(_palette_styled.items()):
        if shiboken6.isValid(widget):
            widget.setStyleSheet("")
            widget.setStyleSheet(sheet)


def application_palette(chosen: Theme) -> QPalette:
    """A palette for widgets in ``chosen``'s colours: window and base from its background,
    text from its text, the highlight its accent. Light is the Fusion style's own palette
    (what most platforms' light palettes look like), whatever the system's scheme is."""
    if chosen is not DARK:
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None:
            return fusion.standardPalette()
    palette = QPalette()
    dark = chosen is DARK
    window = chosen.card if dark else QColor("#efefef")
    base = chosen.background if dark else QColor("#ffffff")
    text = chosen.text
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: blend(text, 0.06, base),
        QPalette.ColorRole.ToolTipBase: chosen.card,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: chosen.text_muted,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: blend(text, 0.08, window),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff5050"),
        QPalette.ColorRole.Light: window.lighter(150),
        QPalette.ColorRole.Midlight: window.lighter(125),
        QPalette.ColorRole.Mid: blend(text, 0.35, window),
        QPalette.ColorRole.Dark: blend(text, 0.55, window),
        QPalette.ColorRole.Shadow: QColor(0, 0, 0),
        QPalette.ColorRole.Highlight: chosen.accent,
        QPalette.ColorRole.HighlightedText: chosen.on_fill,
        QPalette.ColorRole.Link: chosen.accent.lighter(130) if dark else chosen.accent,
        QPalette.ColorRole.LinkVisited: chosen.accent,
    }
    for role, colour in roles.items():
        palette.setColor(role, colour)
    # Disabled fields look disabled: muted text on the window's colour, not the base's.
    disabled = {
        QPalette.ColorRole.WindowText: chosen.text_muted,
        QPalette.ColorRole.Text: chosen.text_muted,
        QPalette.ColorRole.ButtonText: chosen.text_muted,
        QPalette.ColorRole.Base: window,
        QPalette.ColorRole.Button: window,
        QPalette.ColorRole.Highlight: blend(chosen.accent, 0.4, window),
    }
    for role, colour in disabled.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, colour)
    return palette


def theme() -> Theme:
    """The theme in use (see :func:`use_theme`). Views call it whenever they paint, so it
    is cheap: the system's theme is looked up once, and again when the system's colour
    scheme changes."""
    global _system
    if _chosen is not None:
        return _chosen
    if _system is None:
        app = QGuiApplication.instance()
        if not isinstance(app, QGuiApplication):
            return LIGHT
        _system = system_theme()
        changed = getattr(app.styleHints(), "colorSchemeChanged", None)
        if changed is not None and id(app) not in _watched:
            _watched.add(id(app))
            changed.connect(_forget_system_theme)
    return _system


def theme_on(background: QColor) -> Theme:
    """The theme whose colours read on ``background``: the one in use, or the other variant
    where the surface is not its own (presenter mode lays black on white over the dark
    theme)."""
    chosen = theme()
    if is_dark(chosen.background) == is_dark(background):
        return chosen
    return DARK if is_dark(background) else LIGHT


def _forget_system_theme() -> None:
    global _system
    _system = None
    if _chosen is None:
        notifier().themeChanged.emit()


class ThemeColour:
    """One colour of the theme in use, looked up when it is written: ``f"{colour}"`` gives
    its CSS (see :func:`css`). For rich text built with f-strings, so a page written after
    the theme changes uses the new colours."""

    def __init__(self, pick: Callable[[Theme], QColor]) -> None:
        self._pick = pick

    def __str__(self) -> str:
        return css(self._pick(theme()))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


# -- colour arithmetic -------------------------------------------------------------------------


def rgb_array(color: QColor) -> np.ndarray:
    """``(3,)`` float RGB (0..255) of ``color``."""
    return np.array([color.red(), color.green(), color.blue()], dtype=float)


def to_qcolors(rgb: np.ndarray) -> list[QColor]:
    """QColors of RGB rows (0..255)."""
    rounded = np.rint(rgb).astype(int)
    return [QColor(int(r), int(g), int(b)) for r, g, b in rounded]


def with_alpha(color: QColor, alpha: int) -> QColor:
    c = QColor(color)
    c.setAlpha(max(0, min(255, int(alpha))))
    return c


def blend(color: QColor, strength: float, background: QColor) -> QColor:
    """``color`` laid over ``background`` at ``strength`` (0..1), as an opaque colour."""
    t = min(max(strength, 0.0), 1.0)
    return QColor(
        round(background.red() + t * (color.red() - background.red())),
        round(background.green() + t * (color.green() - background.green())),
        round(background.blue() + t * (color.blue() - background.blue())),
    )


def is_dark(color: QColor) -> bool:
    """Whether light text reads better than dark text on ``color`` (relative luminance)."""
    r, g, b = color.redF(), color.greenF(), color.blueF()
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.52


def css(color: QColor) -> str:
    """``color`` for a style sheet or rich text (``#rrggbb``, or ``rgba(...)`` if translucent)."""
    if color.alpha() == 255:
        return color.name()
    return f"rgba({color.red()}, {color.green()}, {color.blue()}, {color.alpha()})"
