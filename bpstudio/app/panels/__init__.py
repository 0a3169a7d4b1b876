"""Dockable panels: inspector, weight matrix, chain rule, training controls, dataset."""
