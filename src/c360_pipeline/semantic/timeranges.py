"""Time expressions in questions: "last 90 days", "last month", "March 2025", "Q1", "since January".

Recognition is pure (tokens in, spans with time specs out); a spec is resolved against the data's
as-of date, never the clock. Ranges are inclusive calendar days. Rolling windows end on the as-of
date ("last 3 months" on 2025-06-30 is 2025-04-01 … 2025-06-30); "last month" is the previous
calendar month; "this month" runs from its first day to the as-of date; a month without a year is its
latest occurrence on or before the as-of date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta

from c360_pipeline.semantic.vocabulary import Token

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
UNITS = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
ORDINAL_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": 4}
_ROLLING = {"last", "past", "previous", "trailing", "recent"}
_PREPOSITIONS = {"in", "during", "for", "of", "within", "over", "on", "throughout"}
EARLIEST = date(1900, 1, 1)


class FutureTime(ValueError):
    """The question asks about a period after the data ends."""


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class TimeSpec:
    """A period named in a question; `resolve(as_of)` gives its first and last day and a label."""

    kind: str  # rolling | previous | current | today | yesterday | month | year | quarter | day | between | since | before | after | until | week_of | part
    n: int = 0
    unit: str = ""
    year: int | None = None
    month: int | None = None
    quarter: int | None = None
    half: int | None = None  # 1: January-June, 2: July-December
    day: date | None = None
    first: "TimeSpec | None" = None
    second: "TimeSpec | None" = None
    text: str = ""

    @property
    def relative(self) -> bool:
        """True when the period depends on the as-of date."""
        if self.kind in ("rolling", "previous", "current", "today", "yesterday", "since", "after"):
            return True
        if self.kind in ("month", "quarter", "half", "monthday") and self.year is None:
            return True
        return any(part is not None and part.relative for part in (self.first, self.second))

    def resolve(self, as_of: date) -> tuple[date, date]:
        """First and last day (inclusive) of the period, measured from the as-of date."""
        if self.kind == "rolling":
            if self.unit == "day":
                return as_of - timedelta(days=self.n - 1), as_of
            if self.unit == "week":
                return as_of - timedelta(days=7 * self.n - 1), as_of
            months = {"month": 1, "quarter": 3, "year": 12}[self.unit] * self.n
            if as_of == _month_end(as_of.year, as_of.month):
                # a month-end as-of date: whole calendar months ("last 3 months" on 30 June is April-June)
                return _add_months(date(as_of.year, as_of.month, 1), 1 - months), as_of
            return _add_months(as_of, -months) + timedelta(days=1), as_of
        if self.kind == "previous":
            if self.unit == "day":
                return as_of - timedelta(days=1), as_of - timedelta(days=1)
            if self.unit == "week":
                monday = as_of - timedelta(days=as_of.weekday())
                return monday - timedelta(days=7), monday - timedelta(days=1)
            if self.unit == "month":
                previous = _add_months(date(as_of.year, as_of.month, 1), -1)
                return previous, _month_end(previous.year, previous.month)
            if self.unit == "quarter":
                first_month = 3 * ((as_of.month - 1) // 3) + 1
                start = _add_months(date(as_of.year, first_month, 1), -3)
                return start, _add_months(start, 3) - timedelta(days=1)
            return date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31)
        if self.kind == "current":
            if self.unit == "year" and self.year is not None and self.year != as_of.year:
                # "2024 ytd": that year to the same day of the year as the data's
                day = min(as_of.day, calendar.monthrange(self.year, as_of.month)[1])
                return date(self.year, 1, 1), date(self.year, as_of.month, day)
            if self.unit == "day":
                return as_of, as_of
            if self.unit == "week":
                return as_of - timedelta(days=as_of.weekday()), as_of
            if self.unit == "month":
                return date(as_of.year, as_of.month, 1), as_of
            if self.unit == "quarter":
                return date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1), as_of
            return date(as_of.year, 1, 1), as_of
        if self.kind == "today":
            return as_of, as_of
        if self.kind == "yesterday":
            return as_of - timedelta(days=1), as_of - timedelta(days=1)
        if self.kind == "day":
            return self.day, self.day
        if self.kind == "monthday":
            # "jan 15" without a year: the last such day up to the as-of date
            year = as_of.year if (self.month, self.n) <= (as_of.month, as_of.day) else as_of.year - 1
            if self.n > _month_end(year, self.month).day:
                year -= 1  # "feb 29" in a year without one: the leap year before
                while self.n > _month_end(year, self.month).day:
                    year -= 1
            day = date(year, self.month, self.n)
            return day, day
        if self.kind == "month":
            year = self.year
            if year is None:
                year = as_of.year if self.month <= as_of.month else as_of.year - 1
            return date(year, self.month, 1), _month_end(year, self.month)
        if self.kind == "quarter":
            year = self.year
            first_month = 3 * (self.quarter - 1) + 1
            if year is None:
                year = as_of.year if first_month <= as_of.month else as_of.year - 1
            return date(year, first_month, 1), _month_end(year, first_month + 2)
        if self.kind == "half":
            year = self.year
            first_month = 6 * (self.half - 1) + 1
            if year is None:
                year = as_of.year if first_month <= as_of.month else as_of.year - 1
            return date(year, first_month, 1), _month_end(year, first_month + 5)
        if self.kind == "year":
            return date(self.year, 1, 1), date(self.year, 12, 31)
        if self.kind in ("last_year", "this_year"):
            # "q2 last year", "june a year ago": the month or quarter in the calendar year before the as-of date's;
            # "the first quarter of this year", "march this year": the month or quarter in the as-of date's year
            year = as_of.year - 1 if self.kind == "last_year" else as_of.year
            return TimeSpec(self.first.kind, year=year, month=self.first.month,
                            quarter=self.first.quarter, half=self.first.half).resolve(as_of)
        if self.kind == "week_of":
            # "the week of june 9": the Monday-to-Sunday week holding that day; "the week starting / beginning
            # june 9": that day and the six after it; "the week ending june 15": that day and the six before it
            day = self.first.resolve(as_of)[0]
            start = {"of": day - timedelta(days=day.weekday()), "from": day, "to": day - timedelta(days=6)}[self.unit]
            return start, start + timedelta(days=6)
        if self.kind == "part":
            # "the first day of 2025", "the last week of june": the period's first or last n days
            first, last = self.first.resolve(as_of)
            if self.half == 1:
                return first, min(last, first + timedelta(days=self.n - 1))
            return max(first, last - timedelta(days=self.n - 1)), last
        if self.kind == "same_last_year":
            raise ValueError("'the same period a year ago' is only read against another period (periodpairs.py)")
        if self.kind == "between":
            return self.first.resolve(as_of)[0], self.second.resolve(as_of)[1]
        if self.kind == "since":
            return self.first.resolve(as_of)[0], as_of
        if self.kind == "after":
            return self.first.resolve(as_of)[1] + timedelta(days=1), as_of
        if self.kind == "before":
            return EARLIEST, self.first.resolve(as_of)[0] - timedelta(days=1)
        if self.kind == "until":
            return EARLIEST, self.first.resolve(as_of)[1]
        raise ValueError(f"unknown time expression kind {self.kind}")

    def label(self, as_of: date | None) -> str:
        if as_of is None:
            return self.text
        start, end = self.resolve(as_of)
        if start == EARLIEST:
            return f"{self.text} (up to {end.isoformat()})"
        return f"{self.text} ({start.isoformat()} to {end.isoformat()})"


@dataclass(frozen=True)
class TimeMatch:
    """A time expression found at tokens[start:end]."""

    start: int
    end: int
    spec: TimeSpec


def _is_year(token: Token) -> bool:
    """A year is written as four digits: "2k", "2,000" and "$2000" are amounts."""
    return (token.kind == "number" and isinstance(token.value, int) and 1990 <= token.value <= 2099 and not token.percent
            and token.raw.isdigit())


def _numbered_period(tokens: list[Token], i: int, length: int, kind: str, number: int) -> tuple[int, TimeSpec]:
    """A quarter or half-year numbered `number` whose words end at i + length, with the year written after it
    ("q1 2025", "the first half of 2024") when one follows: the tokens it takes and its TimeSpec."""
    label = f"{kind[0].upper()}{number}"  # Q1, H2
    j = i + length
    if j < len(tokens) and tokens[j].norm == "of":
        j += 1
    if j < len(tokens) and _is_year(tokens[j]):
        return j + 1 - i, TimeSpec(kind, year=tokens[j].value, text=f"{label} {tokens[j].value}", **{kind: number})
    return length, TimeSpec(kind, text=label, **{kind: number})


# Holidays on a fixed day of the year (their words as the tokeniser folds them: "new year's day" is new / year /
# day): that day, of the year written after it ("christmas day 2024") or, without one, of the last such day up to
# the as-of date, as a month and day without a year are read. Holidays whose day moves (Easter, Thanksgiving) are not.
HOLIDAYS: dict[tuple[str, ...], tuple[int, int, str]] = {
    ("christmas", "day"): (12, 25, "Christmas Day"), ("christmas", "eve"): (12, 24, "Christmas Eve"),
    ("new", "year", "day"): (1, 1, "New Year's Day"), ("new", "year", "eve"): (12, 31, "New Year's Eve"),
    ("independence", "day"): (7, 4, "Independence Day"), ("halloween",): (10, 31, "Halloween"),
    ("valentine", "day"): (2, 14, "Valentine's Day"), ("st", "patrick", "day"): (3, 17, "St. Patrick's Day"),
    ("saint", "patrick", "day"): (3, 17, "St. Patrick's Day"),
}


def _holiday(tokens: list[Token], i: int) -> tuple[int, TimeSpec] | None:
    """A fixed-date holiday at tokens[i], with its year when one follows: the tokens it takes and its day."""
    for words, (month, day, name) in HOLIDAYS.items():
        if tuple(t.norm for t in tokens[i:i + len(words)]) != words or any(t.kind != "word" for t in tokens[i:i + len(words)]):
            continue
        taken, spec = _month_day(tokens, i + len(words), month, day)
        text = f"{name} {spec.day.year}" if spec.kind == "day" else name
        return len(words) - 1 + taken, replace(spec, text=f"{text} ({calendar.month_name[month]} {day})")
    return None


def _point(tokens: list[Token], i: int) -> tuple[int, TimeSpec] | None:
    """A named period starting at tokens[i]: month [year], Qn [year], nth quarter [of year], year, date, holiday."""
    if i >= len(tokens):
        return None
    token = tokens[i]
    norm = token.norm
    if token.kind == "date":
        return 1, TimeSpec("day", day=token.value, text=token.raw)
    holiday = _holiday(tokens, i)
    if holiday is not None:
        return holiday
    if token.kind == "month_key":
        year, month = token.value
        return 1, TimeSpec("month", year=year, month=month, text=token.raw)
    day_first = _day_of_month(tokens, i, before_month=True)
    if day_first is not None and i + 1 < len(tokens):
        # "15th of june", "3rd june 2025", "on 1 march": the day written before its month
        m = i + 2 if tokens[i + 1].norm == "of" and i + 2 < len(tokens) else i + 1
        if tokens[m].kind == "word" and tokens[m].norm in MONTHS:
            dated = _month_day(tokens, m + 1, MONTHS[tokens[m].norm], day_first)
            if dated is not None:
                return m + dated[0] - i, dated[1]
    if token.kind == "word" and norm in MONTHS and not (norm == "may" and _modal_may(tokens, i)):
        j = i + 1
        day = _day_of_month(tokens, j)
        if day is not None:
            dated = _month_day(tokens, j + 1, MONTHS[norm], day)
            if dated is not None:
                return 1 + dated[0], dated[1]
        if j < len(tokens) and tokens[j].norm == "of":
            j += 1
        if j < len(tokens) and _is_year(tokens[j]):
            return j + 1 - i, TimeSpec("month", year=tokens[j].value, month=MONTHS[norm],
                                        text=f"{calendar.month_name[MONTHS[norm]]} {tokens[j].value}")
        return 1, TimeSpec("month", month=MONTHS[norm], text=calendar.month_name[MONTHS[norm]])
    quarter = None
    length = 0
    if token.kind == "word" and len(norm) == 2 and norm[0] == "q" and norm[1] in "1234":
        quarter, length = int(norm[1]), 1
    elif (token.kind == "ordinal" and token.value in (1, 2, 3, 4)) or (token.kind == "word" and norm in ORDINAL_QUARTERS and norm != "last"):
        if i + 1 < len(tokens) and tokens[i + 1].norm == "quarter":
            quarter = token.value if token.kind == "ordinal" else ORDINAL_QUARTERS[norm]
            length = 2
    if quarter:
        return _numbered_period(tokens, i, length, "quarter", quarter)
    # a half-year: "h1 2024", "h2 last year", "the first half of 2024", "second half of 2024"
    half = None
    if token.kind == "word" and norm in ("h1", "h2"):
        half, length = int(norm[1]), 1
    elif ((token.kind == "ordinal" and token.value in (1, 2)) or (token.kind == "word" and norm in ("first", "second"))) \
            and i + 1 < len(tokens) and tokens[i + 1].norm == "half":
        half, length = (token.value if token.kind == "ordinal" else ORDINAL_QUARTERS[norm]), 2
    if half:
        return _numbered_period(tokens, i, length, "half", half)
    if _is_year(token):
        return 1, TimeSpec("year", year=token.value, text=str(token.value))
    return None


# what may follow a day of the month ("jan 15 and ...", "march 3rd, 2025", "june 1 to june 15")
_AFTER_DAY = {"and", "to", "through", "thru", "till", "until", "vs", "versus", "by", "for", "in", "compared", "against",
              "with", "on", "from", "between", "-"}


def _day_of_month(tokens: list[Token], i: int, before_month: bool = False) -> int | None:
    """A day of the month at tokens[i] ("15", "3rd", "1st"): 1..31, not a year or an amount. Written before its
    month ("3rd june") it must be an ordinal or come after "on" / "from" / "since" / "between" / "to" / "and" (so
    "top 3 june spenders" keeps its 3)."""
    if i >= len(tokens):
        return None
    token = tokens[i]
    if token.kind == "ordinal" and isinstance(token.value, int) and 1 <= token.value <= 31:
        return token.value
    if token.kind != "number" or not isinstance(token.value, int) or token.percent or not token.raw.isdigit() \
            or not 1 <= token.value <= 31:
        return None
    if before_month:
        return token.value if i > 0 and tokens[i - 1].norm in ("on", "from", "since", "between", "to", "and",
                                                                 "until", "till", "through", "the") else None
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    if following is None or following.kind == "punct" or _is_year(following) or following.norm in _AFTER_DAY:
        return token.value
    return None


def _month_day(tokens: list[Token], k: int, month: int, day: int) -> tuple[int, TimeSpec] | None:
    """A day of a month, with the year written after it when one follows ("jan 15 2025", "jan 15, 2025"): the tokens
    it takes after the month (the day's included) and its TimeSpec; None for a day the month does not have."""
    if day > calendar.monthrange(2024, month)[1]:
        return None
    name = f"{calendar.month_name[month]} {day}"
    j = k + 1 if k < len(tokens) and tokens[k].raw == "," else k
    if j < len(tokens) and _is_year(tokens[j]):
        year = tokens[j].value
        if day > calendar.monthrange(year, month)[1]:
            return None
        return j + 1 - k + 1, TimeSpec("day", day=date(year, month, day), text=f"{name}, {year}")
    return 1, TimeSpec("monthday", month=month, n=day, text=name)


def _modal_may(tokens: list[Token], i: int) -> bool:
    """'may' as a verb ("may I see", "it may"), not the month ("may spend by segment" opens with the month)."""
    if i == 0:
        return tokens[i].raw[0].islower() and len(tokens) > 1 and tokens[1].norm in {"i", "we", "you"}
    return tokens[i].raw[0].islower() and tokens[i - 1].norm in {"i", "we", "you", "it", "that", "this"}


def find_time_expressions(tokens: list[Token]) -> list[TimeMatch]:
    """Every time expression in the tokens, left to right, without overlaps."""
    found: list[TimeMatch] = []
    i = 0
    while i < len(tokens):
        match = _match_at(tokens, i)
        if match is None:
            i += 1
            continue
        found.append(match)
        i = match.end
    return found


def _match_at(tokens: list[Token], i: int) -> TimeMatch | None:
    norms = [t.norm for t in tokens]
    n = len(tokens)
    start = i
    # optional leading preposition / article, kept inside the span so it is consumed
    j = i
    if j < n and norms[j] in _PREPOSITIONS:
        j += 1
    if j < n and norms[j] == "the":
        j += 1
    word = norms[j] if j < n else ""
    part = _part_of_period(tokens, j, start)
    if part is not None:
        return part
    # next N units / next month: the data has no future
    if word in ("next", "coming", "upcoming") and j + 1 < n and (norms[j + 1] in UNITS or tokens[j + 1].kind == "number"):
        end = j + 2 if norms[j + 1] in UNITS else j + 3
        return TimeMatch(start, min(end, n), TimeSpec("future", text=" ".join(t.raw for t in tokens[j:min(end, n)])))
    if word in _ROLLING:
        if j + 2 < n and tokens[j + 1].kind == "number" and norms[j + 2] in UNITS and isinstance(tokens[j + 1].value, int):
            count = tokens[j + 1].value
            unit = UNITS[norms[j + 2]]
            return TimeMatch(start, j + 3, TimeSpec("rolling", n=count, unit=unit,
                                                    text=f"last {count} {unit}{'s' if count != 1 else ''}"))
        if word in ("past", "trailing") and j + 1 < n and norms[j + 1] in UNITS:
            # "over the past year": the twelve months up to the data's date, not the previous calendar year
            unit = UNITS[norms[j + 1]]
            return TimeMatch(start, j + 2, TimeSpec("rolling", n=1, unit=unit, text=f"past {unit}"))
    if word in ("last", "previous", "prior", "preceding") and j + 1 < n and norms[j + 1] in UNITS:
        # "last year", "the prior year", "in the preceding quarter": the calendar period before this one
        unit = UNITS[norms[j + 1]]
        return TimeMatch(start, j + 2, TimeSpec("previous", unit=unit, text=f"last {unit}"))
    if word in ("this", "current") and j + 1 < n and norms[j + 1] in UNITS:
        unit = UNITS[norms[j + 1]]
        return TimeMatch(start, j + 2, TimeSpec("current", unit=unit, text=f"this {unit}"))
    if j + 3 < n and _is_year(tokens[j]) and tuple(norms[j + 1:j + 4]) == ("year", "to", "date"):
        # "2025 ytd": that year to the data's day of the year
        year = tokens[j].value
        return TimeMatch(start, j + 4, TimeSpec("current", unit="year", year=year, text=f"{year} year to date"))
    if word in UNITS and j + 2 < n and norms[j + 1] == "to" and norms[j + 2] == "date":
        unit = UNITS[word]
        if unit == "year" and j + 3 < n and _is_year(tokens[j + 3]):
            year = tokens[j + 3].value  # "ytd 2025"
            return TimeMatch(start, j + 4, TimeSpec("current", unit="year", year=year, text=f"{year} year to date"))
        return TimeMatch(start, j + 3, TimeSpec("current", unit=unit, text=f"{unit} to date"))
    if word == "today":
        return TimeMatch(start, j + 1, TimeSpec("today", text="today"))
    if word == "yesterday":
        return TimeMatch(start, j + 1, TimeSpec("yesterday", text="yesterday"))
    if word in ("since", "after", "before", "until", "through", "till", "prior") and j + 1 < n:
        if word == "prior" and not (j + 2 < n and norms[j + 1] == "to"):
            return None
        k = j + 2 if word == "prior" else j + 1
        if k < n and norms[k] == "the" and k + 1 < n and tokens[k + 1].kind in ("ordinal", "number"):
            k += 1  # "since the 15th of may"
        point = _point(tokens, k)
        if point:
            length, spec = point
            kind = {"since": "since", "after": "after", "before": "before", "prior": "before",
                    "until": "until", "through": "until", "till": "until"}[word]
            return TimeMatch(start, k + length, TimeSpec(kind, first=spec, text=f"{word} {spec.text}"))
    if word in ("from", "between") and j + 1 < n:
        first = _point(tokens, j + 1)
        if first:
            k = j + 1 + first[0]
            if k < n and norms[k] in ("to", "and", "through", "until", "till") or (k < n and tokens[k].raw == "-"):
                second = _point(tokens, k + 1)
                if second:
                    a, b = first[1], second[1]
                    # "from January to March 2025": the year written once applies to both ends
                    if a.year is None and b.year is not None and a.kind in ("month", "quarter", "half"):
                        a = TimeSpec(a.kind, year=b.year, month=a.month, quarter=a.quarter, half=a.half,
                                     text=f"{a.text} {b.year}")
                    # "between jan 15 and feb 15 2025": the day without a year is in the other end's year
                    b_year = b.year if b.year is not None else (b.day.year if b.kind == "day" else None)
                    if a.kind == "monthday" and b_year is not None:
                        a = TimeSpec("day", day=date(b_year, a.month, a.n), text=f"{a.text}, {b_year}")
                    return TimeMatch(start, k + 1 + second[0], TimeSpec("between", first=a, second=b,
                                                                        text=f"{a.text} to {b.text}"))
            if word == "from":
                return TimeMatch(start, k, TimeSpec("since", first=first[1], text=f"since {first[1].text}"))
    if j < n:
        # "jan through jun 2025", "jan-mar 2025": two points of one kind joined by "through" / "thru" / a dash, without
        # "from", are the range between them too ("q1 to q2" is left as two periods: "compare q1 to q2")
        first = _point(tokens, j)
        if first and first[1].kind in ("month", "quarter", "half", "year"):
            k = j + first[0]
            if k < n and (norms[k] in ("through", "thru") or tokens[k].raw == "-"):
                second = _point(tokens, k + 1)
                if second and second[1].kind == first[1].kind:
                    a, b = first[1], second[1]
                    if a.year is None and b.year is not None and a.kind != "year":
                        a = TimeSpec(a.kind, year=b.year, month=a.month, quarter=a.quarter, half=a.half,
                                     text=f"{a.text} {b.year}")
                    return TimeMatch(start, k + 1 + second[0], TimeSpec("between", first=a, second=b,
                                                                        text=f"{a.text} to {b.text}"))
    same = _same_period_a_year_ago(tokens, j, start)
    if same is not None:
        return same
    point = _point(tokens, j)
    if point:
        length, spec = point
        if spec.kind in ("month", "quarter", "half") and spec.year is None:
            for phrases, kind, said in ((_YEAR_BACK, "last_year", "last year"), (_THIS_YEAR, "this_year", "this year")):
                words = _phrase_at(norms, j + length, phrases)
                if words:
                    return TimeMatch(start, j + length + words, TimeSpec(kind, first=spec, text=f"{spec.text} {said}"))
        # a bare year needs a preposition ("in 2024"); a bare number is more often an amount
        if spec.kind == "year" and j == start and not _year_context(tokens, start):
            return None
        if spec.kind == "year" and j == start + 1 and norms[start] == "over":
            return None  # "spent over 2000": an amount as often as a year; the grammar asks which (over_a_year)

        return TimeMatch(start, j + length, spec)
    return None


_WEEK_ANCHORS = {"of": "of", "starting": "from", "beginning": "from", "commencing": "from", "ending": "to"}
_PART_DAYS = {"day": 1, "week": 7}


def _part_of_period(tokens: list[Token], j: int, start: int) -> TimeMatch | None:
    """A week named by one of its days ("the week of june 9, 2025", "the week starting 2025-06-16", "the week ending
    june 15") or the first / last day or week of a period ("the first day of 2025", "the last week of june"), at
    tokens[j]; None when there is neither."""
    norms = [t.norm for t in tokens]
    n = len(tokens)
    if j + 1 < n and norms[j] == "week" and norms[j + 1] in _WEEK_ANCHORS:
        k = j + 2 + (1 if j + 2 < n and norms[j + 2] == "on" else 0)
        point = _point(tokens, k)
        if point is not None and point[1].kind in ("day", "monthday"):
            said = " ".join(t.raw for t in tokens[j:k])
            return TimeMatch(start, k + point[0], TimeSpec("week_of", unit=_WEEK_ANCHORS[norms[j + 1]], first=point[1],
                                                           text=f"the {said} {point[1].text}"))
    if j + 2 < n and norms[j] in ("first", "last") and norms[j + 1] in _PART_DAYS and norms[j + 2] == "of":
        k = j + 3 + (1 if j + 3 < n and norms[j + 3] == "the" else 0)
        point = _point(tokens, k)
        if point is not None and point[1].kind in ("month", "quarter", "half", "year"):
            length, spec = point
            words = _phrase_at(norms, k + length, _YEAR_BACK + _THIS_YEAR) if spec.kind != "year" and spec.year is None \
                else 0
            if words:
                said = "last year" if _phrase_at(norms, k + length, _YEAR_BACK) else "this year"
                spec = TimeSpec("last_year" if said == "last year" else "this_year", first=spec, text=f"{spec.text} {said}")
            return TimeMatch(start, k + length + words,
                             TimeSpec("part", n=_PART_DAYS[norms[j + 1]], half=1 if norms[j] == "first" else 2,
                                      first=spec, text=f"the {norms[j]} {norms[j + 1]} of {spec.text}"))
    return None


# Nouns a year written before them dates: "2025 spend", "2024 signups", "the 2024 cohort" (an amount is never written
# before them: "2,000 spend" is not English; a count before "transactions" or "customers" is, so those are not here).
YEAR_NOUNS = {"spend", "sales", "revenue", "volume", "signup", "cohort", "vintage", "decline", "approval"}


# "last year", "a year ago", "a year earlier", "the year before", "the previous year", "the prior year", "one year ago"
_YEAR_BACK = (("last", "year"), ("a", "year", "ago"), ("one", "year", "ago"), ("1", "year", "ago"), ("a", "year", "earlier"),
              ("the", "year", "before"), ("the", "previous", "year"), ("the", "prior", "year"), ("previous", "year"),
              ("prior", "year"), ("of", "last", "year"), ("ly",))
_SAME_UNITS = {"month": "month", "quarter": "quarter", "period": "period", "week": "week", "year": "year"}


_THIS_YEAR = (("of", "this", "year"), ("this", "year"), ("of", "the", "current", "year"), ("the", "current", "year"),
              ("of", "the", "year"), ("of", "current", "year"), ("current", "year"))


def _phrase_at(norms: list[str], i: int, phrases: tuple[tuple[str, ...], ...]) -> int:
    """The length of the first of the phrases that the words at norms[i] spell (0 if none)."""
    for words in phrases:
        if tuple(norms[i:i + len(words)]) == words:
            return len(words)
    return 0


def _a_year_back(norms: list[str], i: int) -> int:
    """The length of the words at norms[i] that say "a year before" (0 if none)."""
    return _phrase_at(norms, i, _YEAR_BACK)


def _same_period_a_year_ago(tokens: list[Token], j: int, start: int) -> TimeMatch | None:
    """ "the same month a year ago", "same period last year", "the same quarter the year before": the period another
    one of the question names, a year earlier (only read against that period: periodpairs.py)."""
    norms = [t.norm for t in tokens]
    if j >= len(tokens) or norms[j] != "same" or j + 1 >= len(tokens) or norms[j + 1] not in _SAME_UNITS:
        return None
    back = _a_year_back(norms, j + 2)
    if not back:
        return None
    return TimeMatch(start, j + 2 + back, TimeSpec("same_last_year", unit=_SAME_UNITS[norms[j + 1]],
                                                   text=f"the same {norms[j + 1]} a year earlier"))


def over_a_year(tokens: list[Token], i: int) -> bool:
    """Whether tokens[i] is "over" before a bare year ("spent over 2000", "spend over 2024"): an amount or the
    period, which the question does not say."""
    return tokens[i].norm == "over" and i + 1 < len(tokens) and _is_year(tokens[i + 1])


def _year_context(tokens: list[Token], i: int) -> bool:
    """A bare year at the end of a question or before a comma reads as a year ("spend 2024"), and so does one before
    a noun it dates ("2025 spend of custs under 25", "2024 cohorts")."""
    previous = tokens[i - 1].norm if i > 0 else ""
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    if previous in {"over", "above", "under", "below", "than", "least", "most", "exceeding", "top", "bottom", "=", ">", "<"}:
        return False
    if following is None or following.kind == "punct":
        return True
    if following.norm in ("vs", "versus", "to", "through", "thru", "-") and i + 2 < len(tokens) and _is_year(tokens[i + 2]):
        return True  # "spend 2024 vs 2025", "2023 to 2025": a year set against (or running to) another
    # "2024 online spend", "2024 grocery store spend": the kind of spend between the year and the noun it dates
    # (up to three words, none a unit of money or a word of a comparison: "2000 dollars of spend" is an amount)
    for k in range(i + 1, min(i + 5, len(tokens))):
        token = tokens[k]
        if token.kind == "word" and token.norm in YEAR_NOUNS:
            return True
        if token.kind != "word" or token.norm in _NOT_A_KIND:
            return False
    return False


# Words that cannot stand between a year and the noun it dates ("2000 dollars of spend", "2000 or more spend").
_NOT_A_KIND = {"or", "and", "more", "less", "than", "of", "in", "on", "at", "for", "to", "from", "by", "with", "per",
               "dollar", "usd", "buck", "worth", "plus", "over", "under", "above", "below", "the", "a", "an", "not",
               "no", "is", "are", "was", "were", "their", "total", "k"}
