"""Times of the day: "before 5am", "after 10 pm", "between 9am and 5pm", "from 9 am to noon", "at 3pm".

A clock time is an hour 1..12 with "am" / "pm" (or "noon", "midday", "midnight": hour 0), read on the hour of the transaction timestamp (the
model's transaction_hour, 0..23): "before 5am" is hours 0..4, "after 10pm" hours 22..23 (the hour that starts at
the time named onwards), "between 9am and 5pm" hours 9..16, "at 3pm" hour 15, "between midnight and 5am" hours 0..4. Minutes ("5:30am") are not read: the
hour is the finest grain of the model, so such a time is refused rather than rounded.

A mixin of the grammar's Parser (grammar.py): its pass reads and marks the same tagged items, before the periods
are read (so "before" is not left for a date).
"""

from __future__ import annotations

from c360_pipeline.semantic.query import FACT, Condition

HOUR_DIMENSION = "transaction_hour"
_MERIDIEM = {"am": 0, "pm": 12}


class HoursOfTheDay:
    """Conditions on the transaction's hour of the day from clock times."""

    def _clock_time(self, i: int) -> tuple[int, int] | None:
        """(hour 0..23, items it spans) of a clock time starting at item i, else None."""
        items = self.items
        item = items[i] if 0 <= i < len(items) else None
        if item is None:
            return None
        if item.kind == "word" and item.norm in ("noon", "midday"):
            return 12, 1
        if item.kind == "word" and item.norm == "midnight":
            return 0, 1
        if item.kind != "number" or i + 1 >= len(items):
            return None
        after = items[i + 1]
        if after.kind != "word" or after.norm not in _MERIDIEM:
            return None
        value = item.token.value if item.token is not None else None
        if not isinstance(value, int) or not 1 <= value <= 12:
            if isinstance(value, float) or (item.token is not None and ":" in item.token.raw):
                raise self.refuse(f"'{item.text} {after.text}': times are read to the hour of the day")
            return None
        return value % 12 + _MERIDIEM[after.norm], 2

    def _hours_of_the_day(self) -> None:
        items = self.items
        for i, item in enumerate(items):
            if item.used or item.kind != "word":
                continue
            word = item.norm
            first = self._clock_time(i + 1)
            if word in ("between", "from") and first is not None:
                k = i + 1 + first[1]
                if k < len(items) and items[k].kind in ("word", "op", "punct") and \
                        items[k].norm in ("and", "to", "until", "till", "-"):
                    second = self._clock_time(k + 1)
                    if second is not None:
                        low, high = first[0], second[0]
                        if high <= low:
                            raise self.refuse("a span of hours that runs past midnight is not read; "
                                              "ask for the hours before and after it separately")
                        self._hour_condition(">=", low, high, f"between {low}:00 and {high}:00")
                        for used in items[i:k + 1 + second[1]]:
                            used.used = True
                        continue
            if first is None:
                continue
            hour, length = first
            if word in ("before", "until", "till", "by"):
                if hour == 0:
                    continue
                self._hour_condition("<", hour, None, f"before {hour}:00")
            elif word == "after" and hour != 0:
                self._hour_condition(">=", hour, None, f"from {hour}:00")
            elif word == "at":
                self._hour_condition("=", hour, None, f"at {hour}:00")
            else:
                continue
            for used in items[i:i + 1 + length]:
                used.used = True

    def _hour_condition(self, op: str, hour: int, below: int | None, text: str) -> None:
        ref = self.catalog.field(FACT, HOUR_DIMENSION)
        if below is not None:
            self.draft.conditions.append(Condition(FACT, "between", (hour, below - 1), ref,
                                                   title=f"{ref.title} {text} (hours {hour} to {below - 1})"))
            return
        shown = {"<": f"hours 0 to {hour - 1}", ">=": f"hours {hour} to 23", "=": f"hour {hour}"}[op]
        self.draft.conditions.append(Condition(FACT, op, (hour,), ref, title=f"{ref.title} {text} ({shown})"))
