"""Second stage: tag the tokens of a question with what they name in the semantic model.

A span is a time expression (timeranges.py), else the longest phrase of the model's lexicon starting at
that word — a metric, fact, dimension, value, named filter or the customer / transaction entity, with
every sense the phrase has (the grammar resolves which one from the context) — else the token itself
(a number, an id, an operator, a word, punctuation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from c360_pipeline.semantic.timeranges import TimeSpec, find_time_expressions
from c360_pipeline.semantic.vocabulary import Lexicon, RowRanking, Sense, Token
from c360_pipeline.semantic.words import ORDINAL_PLACES, STOPWORDS


@dataclass
class Item:
    """A span of the question: a lexicon match, a time expression, a number, an operator or a word."""

    kind: str  # sense | time | number | id | op | word | punct
    start: int
    end: int
    text: str
    norm: str = ""
    senses: list[Sense] = field(default_factory=list)
    time: TimeSpec | None = None
    token: Token | None = None
    used: bool = False
    # a largest / smallest word split from a phrase of one row's value ("biggest | transactions"): what it ranks the
    # rows by
    ranks: RowRanking | None = None

    def has(self, kind: str, table: str | None = None) -> Sense | None:
        for sense in self.senses:
            if sense.kind == kind and (table is None or sense.table == table):
                return sense
        return None

    @property
    def plural(self) -> bool:
        return bool(self.token and self.token.plural) or self.text.lower().endswith("s")


LEADING_AGGREGATIONS = {"average", "avg", "mean", "total", "median"}
# The transactions fact and the small dimensions only transactions reach (a merchant category, a day).
TRANSACTIONS = "fct_transactions"
TRANSACTION_TABLES = {TRANSACTIONS, "dim_merchant_category", "dim_date"}


def tag(tokens: list[Token], lexicon: Lexicon) -> list[Item]:
    """The question's spans: time expressions first, then the longest model phrase at each word, else the token."""
    times = {m.start: m for m in find_time_expressions(tokens)}
    items: list[Item] = []
    norms = [t.norm for t in tokens]
    ranked_rows: dict[int, RowRanking] = {}
    i = 0
    while i < len(tokens):
        if i in times:
            match = times[i]
            text = " ".join(t.raw for t in tokens[match.start:match.end])
            items.append(Item("time", match.start, match.end, text, time=match.spec))
            i = match.end
            continue
        token = tokens[i]
        if token.kind in ("word", "number", "ordinal"):
            # a phrase may not run into a time expression
            limit = min((s for s in times if s > i), default=len(tokens))
            length, senses = lexicon.match(norms[:limit], i)
            for k in range(i + 1, i + length):
                # a longer phrase starting inside this one wins ("total | customer lifetime value"), and so does
                # one that reaches a word nothing else reads ("lowest | risk score", not "lowest risk | score")
                overlap, inner = lexicon.match(norms[:limit], k)
                # a filler word is stranded too when it ends the figure the phrase after spells ("approved |
                # transaction value": "value" alone is a filler, "transaction value" the amount)
                stranded = i + length < limit and lexicon.match(norms[:limit], i + length)[0] == 0 \
                    and tokens[i + length].kind == "word" and (tokens[i + length].norm not in STOPWORDS or (
                        k + overlap == i + length + 1 and any(sense.kind in ("fact", "metric") for sense in inner)))
                # an aggregation word is read on its own, so it gives way to an equally long name after it
                # ("average | monthly spend change", not "average monthly spend | change")
                leading = overlap == length and norms[i] in LEADING_AGGREGATIONS
                if k + overlap > i + length and (overlap > length or stranded or leading):
                    length, senses = lexicon.match(norms[:k], i)
                    break
            key = tuple(norms[i:i + length])
            if length > 1 and key in lexicon.singular_row_phrases and (tokens[i + length - 1].plural
                                                                       or _ordinal_place(tokens, i - 1)):
                # "most recent transactions", "biggest transactions": the plural noun names the rows, it is not part
                # of the phrase of one row's value; a largest / smallest says what ranks them ("the second largest
                # transaction" too: a place in the ranking of the rows)
                ranks = lexicon.singular_row_phrases[key]
                if ranks is not None:
                    ranked_rows[i] = ranks
                length, senses = lexicon.match(norms[:i + length - 1], i)
            if length > 1 and senses and all(sense.kind in ("value", "filter") and sense.table in TRANSACTION_TABLES
                                             for sense in senses):
                # "travel spend": a kind of transaction spelled with a figure of transactions after it ("spend" is
                # total_spend) is that kind and that figure, when the words before the figure already spell the kind
                prefix_length, prefix = lexicon.match(norms[:i + length - 1], i)
                _, last = lexicon.match(norms[:i + length], i + length - 1)
                if prefix_length == length - 1 and set(prefix) == set(senses) \
                        and any(s.kind == "metric" and s.table == TRANSACTIONS for s in last):
                    length, senses = prefix_length, prefix
            if token.kind == "number" and length == 1 and not token.raw[0].isalpha():
                # a figure alone is an amount, not a phrase; "90 day spend" is a phrase
                length, senses = 0, []
            if length:
                text = " ".join(t.raw for t in tokens[i:i + length])
                previous = items[-1] if items else None
                if previous is not None and previous.kind == "sense" and previous.end == i and previous.senses == list(senses) \
                        and all(sense.kind == "metric" for sense in senses):
                    # "all txn attempts": two phrases of one metric side by side ("all transactions", "attempts") are
                    # one mention of it
                    items[-1] = Item("sense", previous.start, i + length, f"{previous.text} {text}",
                                     f"{previous.norm} {' '.join(norms[i:i + length])}", previous.senses,
                                     token=previous.token)
                    i += length
                    continue
                items.append(Item("sense", i, i + length, text, " ".join(norms[i:i + length]), list(senses), token=token))
                i += length
                continue
        kind = {"word": "word", "number": "number", "ordinal": "number", "id": "id", "op": "op"}.get(token.kind, "punct")
        if token.kind in ("date", "month_key"):
            kind = "punct"
        items.append(Item(kind, i, i + 1, token.raw, token.norm, token=token, ranks=ranked_rows.get(i)))
        i += 1
    return _head_nouns(items, lexicon)


def _head_nouns(items: list[Item], lexicon: Lexicon) -> list[Item]:
    """ "each churn risk tier", "the High Risk tier": a one-word name of a dimension ("tier" is the card type's)
    said right after a phrase of another dimension or of one of its values is that phrase's own noun when the other
    dimension has a name ending in it ("risk tier"), so it joins the phrase instead of naming a second dimension."""
    out: list[Item] = []
    for item in items:
        previous = out[-1] if out else None
        if previous is not None and previous.kind == "sense" and item.kind == "sense" and previous.end == item.start \
                and item.end - item.start == 1 and item.senses and all(s.kind == "dimension" for s in item.senses):
            named = {(s.table, s.name) for s in previous.senses if s.kind in ("dimension", "value")}
            own = {(s.table, s.name) for s in item.senses}
            if named and not named & own and any(
                    len(key) > 1 and key[-1] == item.norm
                    and any(s.kind == "dimension" and (s.table, s.name) in named for s in senses)
                    for key, senses in lexicon.phrases.items()):
                out[-1] = Item("sense", previous.start, item.end, f"{previous.text} {item.text}",
                               f"{previous.norm} {item.norm}", previous.senses, token=previous.token)
                continue
        out.append(item)
    return out


def ordinal_place(token: Token) -> int | None:
    """The place an ordinal names ("second", "3rd": 2, 3), from the second on; None for any other token."""
    if token.kind == "word":
        return ORDINAL_PLACES.get(token.norm)
    if token.kind == "ordinal" and isinstance(token.value, int) and 1 < token.value <= 20:
        return token.value
    return None


def _ordinal_place(tokens: list[Token], i: int) -> bool:
    return 0 <= i < len(tokens) and ordinal_place(tokens[i]) is not None
