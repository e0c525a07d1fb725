"""Distans: an open-source contact center for teams that work from anywhere."""

__version__ = "0.1.0"
