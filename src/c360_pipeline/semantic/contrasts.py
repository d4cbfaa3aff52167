"""One group against the rest: "avg credit limit upsell targets vs everyone else", "decline rate online versus the
rest", "average ltv of platinum customers compared with all other customers".

A value or named filter followed by "versus" / "vs" / "compared with" / "against" and words that name everyone it
leaves out ("everyone else", "the rest", "all others", "other customers"), or by the same group negated
("platinum vs non-platinum"), splits the rows in two: those it keeps and
all the others (rows where it does not hold, or is unknown, included). The answer has one row per side, labelled
with the value's or the filter's name and "everyone else"; the labels are the model's names, never the question's
text.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from sqlglot import exp

from c360_pipeline.semantic.model import DIALECT, parse_expression
from c360_pipeline.semantic.columns import columns_in
from c360_pipeline.semantic.query import Condition, FieldRef, QuestionNotUnderstood, _title
from c360_pipeline.semantic.tagging import Item

CONTRAST = {"versus", "against", "compared"}
# Words after the contrast that name everyone else; an entity noun ("other customers") may follow "other".
REST_WORDS = {"everyone", "everybody", "else", "rest", "other", "others", "all", "the", "remaining", "with", "to"}
REST_HEADS = {"everyone", "everybody", "rest", "other", "others", "remaining"}
REST_LABEL = "everyone else"


class Contrasts:
    """A group of rows set against all the others; two groups sharing one noun."""

    def _shared_nouns(self) -> None:
        """ "both retention and upsell targets": a word before "and" and a phrase of the model ending in a noun,
        where the word with that noun is a phrase of the model too, names that phrase ("retention targets"). Only
        with "and": the conditions of named filters are all kept, which "or" would not mean."""
        items = self.items
        for i in range(len(items) - 2):
            item, joint, named = items[i], items[i + 1], items[i + 2]
            if item.kind != "word" or item.used or joint.kind != "word" or joint.norm != "and" \
                    or named.kind != "sense" or not (named.has("filter") or named.has("value")):
                continue
            noun = named.norm.split()[-1]
            senses = self.lexicon.phrases.get((item.norm, noun), [])
            if not senses or not all(s.kind in ("filter", "value") for s in senses):
                continue
            items[i] = Item("sense", item.start, item.end, item.text, f"{item.norm} {noun}", list(senses),
                            token=item.token)

    def _named_filters_against_each_other(self) -> None:
        """ "spend on weekdays vs weekends", "decline rate for active vs inactive customers": two named filters of one
        table set against each other are one row per side, labelled with its filter, over the rows in either (they
        were both applied, which no row meets). Filters over different columns ("retention targets vs upsell
        targets") may keep the same rows, so that is refused rather than split."""
        items = self.items
        for k, item in enumerate(items):
            if item.used or item.kind != "word" or item.norm not in ("vs", "versus", "against", "compared"):
                continue
            j = k + 1 if not (item.norm == "compared" and self._word(k + 1) in ("to", "with")) else k + 2
            before, after = self._previous(k, {"the"}, limit=2), self._next(j - 1, {"the"}, limit=2)
            if before is None or after is None:
                continue
            sides = [items[before].has("filter"), items[after].has("filter")]
            if any(sense is None for sense in sides) or any(items[n].used or items[n].has("value")
                                                            for n in (before, after)):
                continue
            if sides[0].table != sides[1].table or sides[0].name == sides[1].name:
                continue
            definitions = [self.catalog.filters[(sense.table, sense.name)] for sense in sides]
            if columns_in(definitions[0].expr) != columns_in(definitions[1].expr):
                raise QuestionNotUnderstood("the two groups set against each other may hold the same rows; ask about "
                                            "each on its own")
            predicates = [parse_expression(d.expr) for d in definitions]
            titles = [_title(sense.name) for sense in sides]
            label = exp.If(this=predicates[0], true=exp.Literal.string(titles[0]),
                           false=exp.If(this=predicates[1], true=exp.Literal.string(titles[1]), false=exp.null()))
            table = sides[0].table
            self.draft.group_by.append(FieldRef(table, "filter_sides", "dimension", label.sql(dialect=DIALECT), "SIDE",
                                                "VARCHAR", "side"))
            self.draft.conditions.append(Condition(table, "filter", filter_name="either_side",
                                                   filter_expr=exp.or_(*predicates).sql(dialect=DIALECT),
                                                   title=f"{titles[0]} or {titles[1]}"))
            for n in (before, *range(k, j), after):
                items[n].used = True
            self.draft.notes.append(f"Compared side with side: {titles[0]} against {titles[1]}, one row each.")
            return

    def _versus_the_rest(self) -> None:
        items = self.items
        for i, item in enumerate(items):
            if item.used or item.kind != "word" or item.norm not in CONTRAST:
                continue
            group = self._previous(i, {"the", "a", "an"}, limit=2)
            if group is not None and items[group].kind == "sense" and items[group].has("entity") \
                    and not (items[group].has("value") or items[group].has("filter")):
                group = self._previous(group, {"the", "a", "an"}, limit=1)  # "platinum customers vs ..."
            if group is None or items[group].kind != "sense" or items[group].used:
                continue
            sense = items[group].has("value") or items[group].has("filter")
            if sense is None:
                continue
            rest = self._rest_after(i) or self._negated_after(i, sense)
            if rest is None:
                continue
            self.draft.group_by.append(self._side_of(sense))
            for k in [group, i, *rest]:
                items[k].used = True
            if group + 1 < i and items[group + 1].kind == "sense" and items[group + 1].has("entity"):
                items[group + 1].used = True  # the rows' noun between the group and the contrast
            self.draft.notes.append(f"Compared with everyone else: {self._side_title(sense)} against all the other "
                                    "rows.")
            return

    def _negated_after(self, index: int, sense) -> list[int] | None:
        """ "platinum vs non-platinum", "upsell targets versus not upsell targets": the same group negated."""
        items = self.items
        k = index + 1
        if k + 1 >= len(items) or self._word(k) not in ("non", "not") or items[k].used:
            return None
        other = items[k + 1]
        if other.kind == "word" and not other.used and len(group_words := self._group_words(index)) > 1 \
                and other.norm == group_words[-1]:
            return [k, k + 1]  # "retention targets vs non targets": the group's own noun negated names the same group
        if other.kind != "sense" or other.used or sense not in other.senses:
            return None
        taken = [k, k + 1]
        if k + 2 < len(items) and items[k + 2].kind == "sense" and items[k + 2].has("entity") and not items[k + 2].used \
                and not (items[k + 2].has("value") or items[k + 2].has("filter") or items[k + 2].has("metric")):
            taken.append(k + 2)
        return taken

    def _group_words(self, index: int) -> list[str]:
        """The words of the group's phrase before the contrast at index ("retention target")."""
        group = self._previous(index, {"the", "a", "an"}, limit=2)
        return self.items[group].norm.split() if group is not None and self.items[group].kind == "sense" else []

    def _rest_after(self, index: int) -> list[int] | None:
        """The words naming everyone else after the contrast at index ("everyone else", "all other customers")."""
        items = self.items
        taken: list[int] = []
        head = False
        k = index + 1
        while k < len(items):
            item = items[k]
            if item.kind == "word" and item.norm in REST_WORDS and not item.used:
                head = head or item.norm in REST_HEADS
                taken.append(k)
            elif head and item.kind == "sense" and (item.has("entity") or item.has("dimension")) and not item.used \
                    and not (item.has("value") or item.has("filter") or item.has("metric")):
                taken.append(k)  # "other customers", "the rest of the transactions", "all other channels"
                k += 1
                break
            else:
                break
            k += 1
        if not head:
            return None
        while taken and items[taken[-1]].kind == "word" and items[taken[-1]].norm in ("the", "with", "to", "all"):
            taken.pop()
        return taken

    def _side_title(self, sense) -> str:
        if sense.kind == "value":
            return f"{self.catalog.field(sense.table, sense.name).title} is {sense.value}"
        return sense.name.replace("_", " ")

    def _side_of(self, sense) -> FieldRef:
        """The two sides as one grouping column: IFF(<the condition>, '<its name>', 'everyone else')."""
        if sense.kind == "value":
            ref = self.catalog.field(sense.table, sense.name)
            predicate = exp.EQ(this=parse_expression(ref.expr), expression=exp.Literal.string(sense.value))
            name, label = sense.value, f"{ref.label}_VS_REST"
        else:
            definition = self.catalog.filters[(sense.table, sense.name)]
            predicate = parse_expression(definition.expr)
            name, label = sense.name.replace("_", " "), f"{sense.name.upper()}_VS_REST"
        side = exp.If(this=exp.Coalesce(this=exp.Paren(this=predicate), expressions=[exp.false()]),
                      true=exp.Literal.string(name), false=exp.Literal.string(REST_LABEL))
        return FieldRef(sense.table, label.lower(), "dimension", side.sql(dialect=DIALECT), label, "VARCHAR",
                        f"{name} versus {REST_LABEL}")

