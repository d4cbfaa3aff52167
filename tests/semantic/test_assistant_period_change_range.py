"""A change from the previous period over a time range ("month over month change in spend in q2"): the range's first
period is compared with the one before it (read for that comparison, not shown), as an analyst computes it: each
answer against an independent pandas computation on the small test world."""

from __future__ import annotations

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, plain

from c360_pipeline.semantic.assistant import ask


def monthly_spend(frames) -> pd.Series:
    t = approved(frames)
    month = pd.to_datetime(t["DATE_KEY"].astype(str), format="%Y%m%d").dt.strftime("%Y-%m")
    return t.groupby(month)["TRANSACTION_AMOUNT"].sum()


@pytest.mark.parametrize("question", ["month over month change in total spend in q2", "mom spend change in q2 2025"])
def test_the_first_month_of_the_range_is_compared_with_the_month_before(world, frames, question):
    spend = monthly_spend(frames)
    assert "2025-03" in spend.index  # the month before the range has data to compare with
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    got = {row[0]: (float(plain(row[1])), row[2]) for row in answer.rows}
    assert list(got) == ["2025-04", "2025-05", "2025-06"]
    for month, previous in (("2025-04", "2025-03"), ("2025-05", "2025-04"), ("2025-06", "2025-05")):
        assert got[month][0] == pytest.approx(spend[month])
        assert float(plain(got[month][1])) == pytest.approx(spend[month] / spend[previous] - 1)


def test_without_a_range_the_first_month_of_the_data_has_no_change(world, frames):
    spend = monthly_spend(frames)
    answer = ask("month over month change in total spend", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert [row[0] for row in answer.rows] == list(spend.index)
    assert answer.rows[0][2] is None
