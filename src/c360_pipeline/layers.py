"""Imports every layer module so that their table contracts are declared."""

from c360_pipeline import bronze, churn, gold, marts, silver  # noqa: F401
