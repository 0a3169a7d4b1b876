"""Backprop Studio: draw a network, step through backpropagation, see the chain rule."""

__version__ = "0.1.0"
