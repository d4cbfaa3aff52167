"""Cortex Search's filter language, validated and evaluated on one row (a dict of attribute → value).

    {"@eq": {"doc_type": "policy"}}                 attribute equals the value
    {"@contains": {"topics": "fees"}}               an array attribute contains the value (a text one: equals it)
    {"@gte": {"position": 2}}, {"@lte": {...}}      numeric or date bounds
    {"@and": [f, ...]}, {"@or": [f, ...]}, {"@not": f}

Attributes are matched case-insensitively, as Snowflake resolves unquoted column names.
"""

from __future__ import annotations

from typing import Any, Mapping

LEAF_OPERATORS = ("@eq", "@contains", "@gte", "@lte")
LIST_OPERATORS = ("@and", "@or")


class FilterError(ValueError):
    """A filter that Cortex Search would refuse; the message names the operator or attribute."""


def validate_filter(spec: Any, attributes: tuple[str, ...]) -> None:
    """FilterError unless `spec` is a well-formed filter over `attributes` (the service's ATTRIBUTES)."""
    known = {a.lower() for a in attributes}
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise FilterError(f"a filter is an object with one operator ({', '.join(LEAF_OPERATORS + LIST_OPERATORS)}, @not), "
                          f"got {spec!r}")
    (operator, operand), = spec.items()
    if operator in LEAF_OPERATORS:
        if not isinstance(operand, Mapping) or len(operand) != 1:
            raise FilterError(f"{operator} takes one attribute and its value, e.g. {{\"{operator}\": {{\"doc_type\": \"policy\"}}}}")
        (attribute, value), = operand.items()
        if attribute.lower() not in known:
            raise FilterError(f"{operator}: '{attribute}' is not an attribute of the service; attributes: {', '.join(attributes)}")
        if isinstance(value, (Mapping, list)):
            raise FilterError(f"{operator}: the value of '{attribute}' must be a single value, got {value!r}")
    elif operator in LIST_OPERATORS:
        if not isinstance(operand, list) or not operand:
            raise FilterError(f"{operator} takes a non-empty list of filters")
        for part in operand:
            validate_filter(part, attributes)
    elif operator == "@not":
        validate_filter(operand, attributes)
    else:
        raise FilterError(f"unknown filter operator '{operator}'; operators: {', '.join(LEAF_OPERATORS + LIST_OPERATORS)}, @not")


def _value(row: Mapping[str, Any], attribute: str) -> Any:
    for key, value in row.items():
        if key.lower() == attribute.lower():
            return value
    return None


def matches(spec: Mapping[str, Any] | None, row: Mapping[str, Any]) -> bool:
    """True when `row` passes the (validated) filter; no filter passes every row."""
    if spec is None:
        return True
    (operator, operand), = spec.items()
    if operator == "@and":
        return all(matches(part, row) for part in operand)
    if operator == "@or":
        return any(matches(part, row) for part in operand)
    if operator == "@not":
        return not matches(operand, row)
    (attribute, wanted), = operand.items()
    value = _value(row, attribute)
    if value is None:
        return False
    if operator == "@eq":
        return value == wanted
    if operator == "@contains":
        return wanted in value if isinstance(value, (list, tuple, set)) else value == wanted
    if operator == "@gte":
        return value >= wanted
    return value <= wanted  # @lte
