"""The package version, kept apart so that any layer can read it without importing the rest."""

__version__ = "0.3.0"
