"""One runner per DAG step: read its inputs, apply the transforms, write the table, return a `StepResult`.

The runners are what the stored procedures call (`procedures/<step>.py` → `orchestration.procedures`);
the rules they apply live in `c360_pipeline.transforms` and `c360_pipeline.ml`, the tables' contracts in
`c360_pipeline.contracts`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass
class StepResult:
    """Outcome of one step: counts, time and a message a person can read."""

    step: str
    status: str = "succeeded"  # succeeded | skipped | warning | failed
    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=json_default, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "StepResult":
        return cls(**json.loads(text))


def json_default(value: object) -> object:
    """Dates as ISO text, anything else as its text: for a step's details in JSON."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)
