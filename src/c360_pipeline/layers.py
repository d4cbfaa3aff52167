"""Imports every layer module so that their table contracts are declared."""

from c360_pipeline import bronze, gold, marts, silver  # noqa: F401
