"""CLI commands: batch (registered on docgen.cli.app)."""
from __future__ import annotations

from .cli import app  # noqa: F401
