"""Training: the trainer's phases, its bounded history and settings, the command-driven
session, the child process that serves it, the snapshots it sends and their wire format."""
