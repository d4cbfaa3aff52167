"""Words of a question and the semantic model's vocabulary: tokeniser, normaliser and lexicon.

The tokeniser turns a question into typed tokens (words, numbers with `,`/k/M/%/$, dates,
comparison operators, customer and transaction ids). Every word is normalised the same way on both
sides — lower case, abbreviations expanded, plurals folded to the singular — so the lexicon, built
from the model's names, synonyms and sample values, matches "avg LTV per segments" like "average
ltv per segment". The lexicon maps token sequences to senses (metric, fact, dimension, value, ...);
the parser picks the longest match and resolves the sense from its context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlglot import exp

from c360_pipeline.catalog import US_STATES
from c360_pipeline.semantic.model import SemanticModel, Table, parse_expression

# Tables the offline engine answers from; the other tables of the model are there for Cortex Analyst.
ENGINE_TABLES = ("customer_360_profile", "fct_transactions", "dim_date", "dim_merchant_category")

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50,
    "hundred": 100, "dozen": 12,
}
_SUFFIX = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "avg": ("average",), "ave": ("average",), "av": ("average",), "mean": ("average",),
    "tot": ("total",), "sum": ("total",), "num": ("number",), "cnt": ("count",), "nbr": ("number",),
    "cust": ("customer",), "custs": ("customer",), "client": ("customer",), "clients": ("customer",),
    "txn": ("transaction",), "txns": ("transaction",), "trx": ("transaction",), "trxs": ("transaction",),
    "trans": ("transaction",), "amt": ("amount",), "pct": ("percent",), "perc": ("percent",),
    "yr": ("year",), "yrs": ("year",), "mo": ("month",), "mos": ("month",), "mth": ("month",),
    "mths": ("month",), "wk": ("week",), "wks": ("week",), "qtr": ("quarter",), "qtrs": ("quarter",),
    "mom": ("month", "over", "month"), "yoy": ("year", "over", "year"), "ytd": ("year", "to", "date"), "mtd": ("month", "to", "date"), "qtd": ("quarter", "to", "date"),
    "vs": ("versus",), "thru": ("through",), "thruout": ("throughout",), "lim": ("limit",), "lmt": ("limit",), "acct": ("account",), "accts": ("account",), "max": ("maximum",),
    "min": ("minimum",), "biggest": ("largest",), "greatest": ("largest",), "spent": ("spend",),
    "spends": ("spend",), "spending": ("spend",), "churning": ("churn",), "churned": ("churn",),
    "churners": ("churner",), "cardholder": ("cardholder",), "card-holders": ("cardholder",),
    "utilisation": ("utilization",), "behaviour": ("behavior",), "behavioural": ("behavioral",),
    "travellers": ("traveler",), "traveller": ("traveler",), "e-mail": ("email",),
    "but": ("and",), "&": ("and",), "#": ("number", "of"), "$": (), "%": ("percent",),
}

_IRREGULAR = {
    "people": "person", "movies": "movie", "series": "series", "children": "child", "data": "data",
    "statuses": "status", "buses": "bus", "analyses": "analysis", "categories": "category",
    "queries": "query", "countries": "country", "cities": "city", "companies": "company",
    "businesses": "business", "classes": "class", "gases": "gas",
}
_KEEP = {
    "status", "bus", "plus", "gas", "this", "his", "its", "is", "was", "has", "does", "less", "across",
    "always", "news", "perhaps", "whereas", "yes", "thus", "versus", "previous", "various", "analysis",
    "illinois", "kansas", "texas", "arkansas", "christmas", "us", "always", "towards", "afterwards",
    "sometimes", "besides", "unless", "as",
}

# 2-letter state codes that are also common words: matched only when written in capitals ("OR", "IN").
_WORDLIKE_STATE_CODES = {"AL", "AR", "CO", "DE", "HI", "ID", "IN", "LA", "MA", "ME", "MO", "MS", "MT",
                         "ND", "NE", "OH", "OK", "OR", "PA", "SD", "IA", "MI"}


def singular(word: str) -> str:
    """Fold an English plural to its singular (consistently, which is what matching needs)."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or word in _KEEP or word.endswith(("ss", "us", "is", "ous")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("'s"):
        return word[:-1]
    return word


@dataclass(frozen=True)
class Token:
    """One unit of a question: its text, normalised form and kind; numbers carry their value."""

    raw: str
    norm: str
    kind: str  # word | number | ordinal | date | month_key | op | id | punct
    start: int
    end: int
    value: object = None
    percent: bool = False
    plus: bool = False
    upper: bool = False
    plural: bool = False


_TOKEN = re.compile(
    r"""
    (?P<id>\b(?:CUST\d{8}|TXN\d{12})\b)
  | (?P<date>\b\d{4}-\d{1,2}-\d{1,2}\b)
  | (?P<month_key>\b(?:19|20)\d{2}-(?:0[1-9]|1[0-2])\b)
  | (?P<ord>\b\d+(?:st|nd|rd|th)\b)
  | (?P<num>(?:(?<![\w.])[-+])?\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|(?<![\w.])\$?\.\d+)
    (?P<suffix>\s?(?:k|mm|mn|m|bn|b|thousand|million|billion)\b)?
    (?P<pct>\s?(?:%|percent\b|pct\b))?
    (?P<plus>\+)?
  | (?P<op><=|>=|!=|<>|=>|=<|<|>|==|=)
  | (?P<word>[^\W\d_][\w']*)
  | (?P<sym>[&#%$])
  | (?P<punct>\S)
    """,
    re.VERBOSE | re.IGNORECASE,
)


def tokenize(text: str) -> list[Token]:
    """Typed, normalised tokens of a question (hyphens between words become word breaks)."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        raw = match.group(0)
        start, end = match.span()
        if match.group("id"):
            tokens.append(Token(raw, raw.upper(), "id", start, end, value=raw.upper()))
        elif match.group("date"):
            try:
                year, month, day = (int(part) for part in raw.split("-"))
                tokens.append(Token(raw, raw, "date", start, end, value=date(year, month, day)))
            except ValueError:
                tokens.append(Token(raw, raw, "punct", start, end))
        elif match.group("month_key"):
            year, month = (int(part) for part in raw.split("-"))
            tokens.append(Token(raw, raw, "month_key", start, end, value=(year, month)))
        elif match.group("ord"):
            tokens.append(Token(raw, raw.lower(), "ordinal", start, end, value=int(re.match(r"\d+", raw).group(0))))
        elif match.group("num"):
            number_text = match.group("num").replace("$", "").replace(",", "")
            value = float(number_text)
            suffix = (match.group("suffix") or "").strip().lower()
            if suffix:
                value *= _SUFFIX[suffix]
            if value == int(value) and not suffix and "." not in number_text:
                value = int(value)
            elif value == int(value):
                value = int(value)
            tokens.append(Token(raw, str(value), "number", start, end, value=value,
                                percent=bool(match.group("pct")), plus=bool(match.group("plus"))))
        elif kind == "op":
            tokens.append(Token(raw, {"=>": ">=", "=<": "<=", "<>": "!=", "==": "="}.get(raw, raw), "op", start, end))
        elif raw == "$":
            # "declined $", "$ spent", "total $": a dollar sign without a number is an amount; beside a number
            # ("$ 500", "500$") or the word itself ("$ amount") it adds nothing
            after = re.match(r"\s*([\w.]*)", text[end:]).group(1).lower()
            if not (tokens and tokens[-1].kind == "number" and tokens[-1].end == start) \
                    and not re.match(r"[\d.]", after) and after not in ("amount", "amounts", "amt", "value"):
                tokens.append(Token(raw, "amount", "word", start, end))
        elif kind in ("word", "sym"):
            tokens.extend(_word_tokens(raw, start, end))
        else:
            tokens.append(Token(raw, raw, "punct", start, end))
    return _lowercase_states(_join_hyphenated(tokens))


# Lower-case codes that are also words are read as states only where the words around them say so (_lowercase_states);
# "in" and "or" never are (Indiana and Oregon only in capitals). These are read after "in" / "for" / "from" only in a
# list with a comma: "for me" is the asker, "in la" Los Angeles, "in ne" the north-east, "for id" an identifier.
_NEVER_LOWERCASE_CODES = {"in", "or"}
_LISTED_ONLY_CODES = {"me", "la", "id", "ne"}
_STATE_PREPOSITIONS = {"in", "for", "from"}
# what may follow a code read after a preposition: the end, a mark, a conjunction or a word that starts another part
_AFTER_STATE = {"and", "or", "by", "versus", "vs", "with", "per", "in", "for", "during", "since", "over", "last",
                "this", "ytd", "mtd", "qtd", "compared", "against", "only", "state", "year", "to", "between", "from",
                "sorted", "ranked", "broken", "split", "grouped", "excluding", "except"}
_LIST_SEPARATORS = {",", "and", "or", "versus", "vs"}  # "oh vs mi": two codes set against each other


def _lowercase_state(token: Token) -> bool:
    return (token.kind == "word" and len(token.raw) == 2 and token.raw.islower() and token.raw.upper() in US_STATES
            and token.raw not in _NEVER_LOWERCASE_CODES)


def _lowercase_states(tokens: list[Token]) -> list[Token]:
    """A lower-case two-letter state code that is also a word ("pa", "oh", "mi") read as the state where nothing else
    is meant: in a list of state codes ("pa, oh and mi", "ca or pa") or alone after "in" / "for" / "from" before the
    end or the next part of the question ("avg utilization for pa by tier"). Never the first word ("oh, and ...")."""
    def code_like(token: Token) -> bool:
        return token.norm.startswith("state:") or _lowercase_state(token) or (
            token.kind == "word" and len(token.raw) == 2 and token.raw.lower() in _SAFE_LOWERCASE_CODES)

    read: set[int] = set()
    i, n = 0, len(tokens)
    while i < n:
        if not code_like(tokens[i]):
            i += 1
            continue
        items, commas, j = [i], False, i
        while j + 2 < n and (tokens[j + 1].raw == "," or tokens[j + 1].norm in _LIST_SEPARATORS) \
                and tokens[j + 1].kind in ("word", "punct") and code_like(tokens[j + 2]):
            # a comma, or "vs" setting two codes against each other ("me vs nh"), marks codes as codes
            commas = commas or tokens[j + 1].raw == "," or tokens[j + 1].norm in ("versus", "vs")
            items.append(j + 2)
            j += 2
        if len(items) >= 2:
            read.update(k for k in items if k > 0 and (commas or tokens[k].raw not in _LISTED_ONLY_CODES))
        i = j + 1
    for k, token in enumerate(tokens):
        if k in read or not _lowercase_state(token) or token.raw in _LISTED_ONLY_CODES or k == 0:
            continue
        following = tokens[k + 1] if k + 1 < n else None
        if tokens[k - 1].norm in _STATE_PREPOSITIONS and tokens[k - 1].kind == "word" and (
                following is None or (following.kind == "punct" and following.raw not in "-'/")
                or following.kind in ("date", "month_key") or following.norm in _AFTER_STATE):
            read.add(k)
    return [Token(t.raw, f"state:{t.raw}", "word", t.start, t.end) if k in read and _lowercase_state(t) else t
            for k, t in enumerate(tokens)]


def _join_hyphenated(tokens: list[Token]) -> list[Token]:
    """Drop the hyphen inside hyphenated words ("high-risk" reads as "high risk"); keep it between numbers."""
    kept: list[Token] = []
    for i, token in enumerate(tokens):
        if token.kind == "punct" and token.raw in "-–/" and 0 < i < len(tokens) - 1:
            before, after = tokens[i - 1], tokens[i + 1]
            if before.end == token.start and after.start == token.end and before.kind == "word" and after.kind == "word":
                continue
        kept.append(token)
    return kept


def _word_tokens(raw: str, start: int, end: int) -> list[Token]:
    lower = raw.lower().replace("’", "'")
    upper = raw.isupper() and len(raw) >= 2
    if lower.endswith("'s"):
        lower = lower[:-2]
    lower = lower.strip("'")
    if lower in NUMBER_WORDS:
        return [Token(raw, lower, "number", start, end, value=NUMBER_WORDS[lower], upper=upper)]
    if upper and raw in US_STATES:
        # keep the code visible to the lexicon even where the word is also an abbreviation ("MO")
        return [Token(raw, f"state:{raw.lower()}", "word", start, end, upper=True)]
    if lower in ABBREVIATIONS:
        return [Token(raw, part, "word", start, end, upper=upper) for part in ABBREVIATIONS[lower]]
    folded = singular(lower)
    return [Token(raw, folded, "word", start, end, upper=upper, plural=folded != lower)]


def normalize_phrase(text: str) -> tuple[str, ...]:
    """The lexicon key of a phrase: its normalised word and number tokens."""
    return tuple(t.norm for t in tokenize(text) if t.kind in ("word", "number", "ordinal"))


# --- lexicon ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sense:
    """What a phrase can mean: a model object (kind, table, name) or a value of a dimension."""

    kind: str  # metric | fact | dimension | time_dimension | value | filter | entity
    table: str
    name: str
    value: str | None = None


# Phrases that name a whole table's rows ("customers", "transactions") and count them.
ENTITY_COUNT_METRIC = {"customer_360_profile": "customer_count", "fct_transactions": "transaction_count"}


@dataclass
class Lexicon:
    """Normalised phrase → senses, with the longest phrase length for the scanner."""

    phrases: dict[tuple[str, ...], list[Sense]] = field(default_factory=dict)
    longest: int = 1
    # Phrases of one row's value that the model spells with the rows' noun in the singular: a date ("most recent
    # transaction", "last purchase") or the largest / smallest row ("biggest transaction" = MAX(TRANSACTION_AMOUNT)).
    # The noun in the plural ("most recent transactions", "biggest transactions") names the rows themselves and is
    # not part of the phrase. The value is what the rows are then ranked by (a RowRanking) for a largest / smallest,
    # or None for a date (the newest / oldest rows' own reading).
    singular_row_phrases: dict[tuple[str, ...], RowRanking | None] = field(default_factory=dict)
    _spelled: list[str] = field(default_factory=list, repr=False)
    # A lexicon with values read from the data (with_data_values): the model's own lexicon it extends (misspellings
    # are read against that one: a slip is never taken for a city), and the phrases that are both a value read from
    # the data and a name of the model, with the value (refused where a place is read, never guessed).
    base: "Lexicon | None" = field(default=None, repr=False)
    collisions: dict[tuple[str, ...], Sense] = field(default_factory=dict, repr=False)

    def add(self, phrase: str | tuple[str, ...], sense: Sense) -> None:
        key = normalize_phrase(phrase) if isinstance(phrase, str) else phrase
        if not key:
            return
        senses = self.phrases.setdefault(key, [])
        if sense not in senses:
            senses.append(sense)
        self.longest = max(self.longest, len(key))

    def spelled(self) -> list[str]:
        """Every phrase as text (for "did you mean"), built once."""
        if len(self._spelled) != len(self.phrases):
            self._spelled = [" ".join(key) for key in self.phrases]
        return self._spelled

    def match(self, norms: list[str], start: int) -> tuple[int, list[Sense]]:
        """Length and senses of the longest phrase starting at `start` (0 and [] if none)."""
        for length in range(min(self.longest, len(norms) - start), 0, -1):
            senses = self.phrases.get(tuple(norms[start:start + length]))
            if senses:
                return length, senses
        return 0, []


def _spelled(name: str) -> str:
    return name.replace("_", " ")


def build_lexicon(model: SemanticModel) -> Lexicon:
    """The lexicon of the engine's tables: names, synonyms, sample values, value filters' synonyms, state names."""
    lexicon = Lexicon()
    one_row: list[tuple[str, RowRanking | None]] = []
    dated: list[tuple[str, Sense]] = []
    for table in model.tables:
        if table.name not in ENGINE_TABLES:
            continue
        if table.name in ENTITY_COUNT_METRIC:  # rows people count and list: customers, transactions
            for synonym in table.synonyms:
                lexicon.add(synonym, Sense("entity", table.name, table.name))
        for kind, items in (("dimension", table.dimensions), ("time_dimension", table.time_dimensions),
                            ("fact", table.facts), ("metric", table.metrics), ("filter", table.filters)):
            for item in items:
                sense = Sense(kind, table.name, item.name)
                if kind == "filter":
                    sense = value_filter_sense(table, item.expr) or sense
                # a flag's name ("is_travel", "is_retention_target") spelled out would swallow the verb of
                # "share of spend is travel": its synonyms name it, and its value is read as a filter
                spelled = () if kind == "dimension" and item.name.startswith(("is_", "has_")) else (_spelled(item.name),)
                for phrase in (*spelled, *item.synonyms):
                    lexicon.add(phrase, sense)
                    if kind == "time_dimension" and " " in phrase.strip():
                        one_row.append((phrase, None))
                        dated.append((phrase, sense))
                    elif kind == "metric" and " " in phrase.strip() and (ranked := _extreme_of_a_fact(table, item)):
                        one_row.append((phrase, ranked))
        for dimension in table.dimensions:
            if not dimension.is_enum:
                continue
            for value in dimension.sample_values:
                if dimension.name == "state":
                    continue
                if any(ch.isdigit() for ch in value) and dimension.name != "quarter":
                    continue  # bands such as 18-24 are read as ranges of the underlying number
                if dimension.name == "quarter":
                    continue
                lexicon.add(value, Sense("value", table.name, dimension.name, value))
    _add_states(lexicon)
    for phrase, sense in dated:
        _add_date_grains(lexicon, phrase, sense)
    for phrase, ranked in one_row:
        key, last = normalize_phrase(phrase), phrase.split()[-1].lower()
        rows = [sense.table for sense in lexicon.phrases.get(key[-1:], []) if sense.kind == "entity"]
        if rows and key[-1] == last and (ranked is None or ranked.table in rows):  # the rows' noun, in the singular
            lexicon.singular_row_phrases[key] = ranked
    return lexicon


# The calendar grains a date is grouped by, said in place of its "date": "join month", "first purchase year".
DATE_GRAIN_NOUNS = ("week", "month", "quarter", "year")


def _add_date_grains(lexicon: Lexicon, phrase: str, sense: Sense) -> None:
    """A date's synonym "<words> date" also names the date at a calendar grain: "join date" gives "join month",
    "join quarter", "join year" and "join week" (the grain is the phrase's last word), unless the model already
    names those words otherwise."""
    key = normalize_phrase(phrase)
    if len(key) < 2 or key[-1] != "date":
        return
    for grain in DATE_GRAIN_NOUNS:
        grained = (*key[:-1], grain)
        if grained not in lexicon.phrases:
            lexicon.add(grained, sense)


@dataclass(frozen=True)
class RowRanking:
    """What "biggest transactions" ranks the rows by: the fact of the model's MAX / MIN metric ("biggest transaction"
    is largest_transaction_amount, MAX(IFF(STATUS = 'approved', TRANSACTION_AMOUNT, NULL))), the direction, the
    metric itself and the rows it takes (the IFF's condition, model SQL, or None for every row)."""

    table: str
    fact: str
    descending: bool
    metric: str
    condition: str | None = None


def _extreme_of_a_fact(table: Table, metric) -> RowRanking | None:
    """How a metric that is the MAX or MIN of one of its table's facts ranks that table's rows, else None."""
    tree = parse_expression(metric.expr)
    if not isinstance(tree, (exp.Max, exp.Min)):
        return None
    argument, condition = tree.this, None
    if isinstance(argument, exp.If) and isinstance(argument.args.get("false"), exp.Null):
        condition, argument = argument.this, argument.args.get("true")
    if not isinstance(argument, exp.Column):
        return None
    facts = [fact.name for fact in table.facts if fact.expr.upper() == argument.name.upper()]
    if len(facts) != 1:
        return None
    return RowRanking(table.name, facts[0], isinstance(tree, exp.Max), metric.name,
                      condition.sql(dialect="snowflake") if condition is not None else None)


def value_filter_sense(table: Table, expression: str) -> Sense | None:
    """A named filter `<enum dimension> = '<one of its values>'` read as that value (its synonyms spell the value)."""
    tree = parse_expression(expression)
    if not (isinstance(tree, exp.EQ) and isinstance(tree.this, exp.Column) and isinstance(tree.expression, exp.Literal)
            and tree.expression.is_string):
        return None
    column, value = tree.this.name.upper(), tree.expression.this
    for dimension in table.dimensions:
        if dimension.is_enum and dimension.expr.upper() == column and value in dimension.sample_values:
            return Sense("value", table.name, dimension.name, value)
    return None


_SAFE_LOWERCASE_CODES = {"ca", "ny", "tx", "fl", "nj", "nc", "ga", "az", "nv", "il", "mn", "wi", "ks", "ky", "tn",
                         "sc", "nm", "nh", "ak", "ct", "dc", "md", "vt", "wv", "wy", "ri", "ut", "va", "wa"}


def _add_states(lexicon: Lexicon) -> None:
    for code, name in US_STATES.items():
        sense = Sense("value", "customer_360_profile", "state", code)
        lexicon.add((f"state:{code.lower()}",), sense)
        if code.lower() in _SAFE_LOWERCASE_CODES:
            lexicon.add((code.lower(),), sense)
        lexicon.add(name, sense)
    lexicon.add("washington dc", Sense("value", "customer_360_profile", "state", "DC"))
    lexicon.add("washington d c", Sense("value", "customer_360_profile", "state", "DC"))


# Dimensions with too many values for the model's sample_values (a customer's city): their values are read from the
# data of the warehouse asked (assistant.data_values) and known as values of the dimension, as sample values are.
DATA_VALUED_DIMENSIONS = {("customer_360_profile", "city"): "CITY"}


def with_data_values(lexicon: Lexicon, values: tuple[tuple[str, str, str], ...], reserved: set[str]) -> Lexicon:
    """A copy of the lexicon that also knows each (table, dimension, value) read from the data as that dimension's
    value ("west charles" → city West Charles). A value spelled as a word of the grammar (reserved: "may", "top") is
    left out; one spelled as a name the model already has ("gold") keeps the model's name and is noted as a
    collision."""
    extended = Lexicon({key: list(senses) for key, senses in lexicon.phrases.items()}, lexicon.longest,
                       dict(lexicon.singular_row_phrases), base=lexicon.base or lexicon)
    for table, name, value in values:
        key = normalize_phrase(value)
        if not key or not all(part.isalpha() for part in key) or (len(key) == 1 and key[0] in reserved):
            continue
        sense = Sense("value", table, name, value)
        if key in lexicon.phrases:
            extended.collisions[key] = sense
            continue
        extended.add(key, sense)
    return extended


@lru_cache(maxsize=4)
def lexicon_for(model: SemanticModel) -> Lexicon:
    return build_lexicon(model)
