"""Pure transforms: `DataFrame -> DataFrame` functions with the business rules, one module per table family.

No transform opens a session, collects rows or writes a table; the runners in `c360_pipeline.steps`
do that. Each function's docstring states the grain of what it returns.
"""
