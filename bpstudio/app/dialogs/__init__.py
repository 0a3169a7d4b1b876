"""Dialogs: new project from a template, initialise weights."""
