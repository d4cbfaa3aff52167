"""A pair of periods that restates a change already asked for: "yoy change in january spend (jan 2025 vs jan 2024)",
"spend mom change, may vs april", "q1 spend growth yoy, q1 2025 vs q1 2024".

"Year over year" ("yoy") and "month over month" ("mom") already say the two periods: the question's period and the
one a year (a month) before it. A pair "P1 vs P2" written beside them, where P2 is exactly P1 a year (a whole month)
earlier, spells out the same two periods: P2 and the contrast word are taken as read, and P1 too when it restates a
period the question already names (the same days). What is left is the change over the one period, read as usual.
A pair that is not that change's two periods ("yoy change in june, may vs april") is left alone, and refused as
two periods.

A mixin of the grammar's Parser (grammar.py): its pass runs before the period pairs are read.
"""

from __future__ import annotations

from datetime import date

from c360_pipeline.semantic.query import QuestionNotUnderstood

_VERSUS = {"versus", "against", "vs"}
_OVER = {"over", "on"}


def _month_before(first: date, last: date) -> tuple[date, date] | None:
    """The whole month before a whole month (first..last), else None."""
    if first.day != 1 or (last.month == 12 and last.day != 31) or \
            (last.month != 12 and date(last.year, last.month + 1, 1).toordinal() - 1 != last.toordinal()) or \
            (first.year, first.month) != (last.year, last.month):
        return None
    year, month = (first.year - 1, 12) if first.month == 1 else (first.year, first.month - 1)
    end = date(first.year, first.month, 1).fromordinal(date(first.year, first.month, 1).toordinal() - 1)
    return date(year, month, 1), end


def _year_before(first: date, last: date) -> tuple[date, date] | None:
    try:
        return date(first.year - 1, first.month, first.day), date(last.year - 1, last.month, last.day)
    except ValueError:
        return None


class RestatedPeriodPairs:
    """Marks a "P1 vs P2" pair that spells out a year-over-year or month-over-month change's two periods."""

    def _change_over(self) -> str | None:
        norms = [token.norm for token in self.tokens]
        for k in range(len(norms) - 2):
            if norms[k + 1] in _OVER and norms[k] == norms[k + 2] and norms[k] in ("year", "month"):
                return norms[k]
        return None

    def _restated_period_pairs(self) -> None:
        unit = self._change_over()
        if unit is None:
            return
        items = self.items
        times = [k for k, item in enumerate(items) if item.kind == "time" and not item.used]
        if len(times) < 2:
            return
        for a, b in zip(times, times[1:]):
            between = [k for k in range(a + 1, b)]
            if len(between) != 1 or items[between[0]].kind != "word" or items[between[0]].norm not in _VERSUS:
                continue
            try:
                one = items[a].time.resolve(self.as_of())
                other = items[b].time.resolve(self.as_of())
            except (QuestionNotUnderstood, ValueError, TypeError, AttributeError):
                return
            before = _year_before(*one) if unit == "year" else _month_before(*one)
            if before is None or tuple(other) != before:
                return
            items[between[0]].used = True
            items[b].used = True
            earlier = [k for k in times if k not in (a, b)]
            if any(self._same_period(items[k].time, items[a].time) for k in earlier):
                items[a].used = True
            for k in range(len(items)):
                if items[k].kind == "punct" and items[k].text in ("(", ")") and not items[k].used:
                    items[k].used = True
            return
