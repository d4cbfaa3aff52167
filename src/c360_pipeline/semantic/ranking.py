"""The top N rows within each group: "top 5 transactions by amount by channel", "top 3 customers by lifetime value
in each state", "for each state, the top 3 customers by lifetime value", "top 5 customers by spend by state".

The breakdown said with the ranked rows is the partition of a rank: its words leave the question, which is then
read as the rows ranked overall (a list of transactions or customers, or a figure per customer), and the answer
keeps the first N rows of each group (StructuredQuery.within: ROW_NUMBER() OVER (PARTITION BY group ORDER BY the
ranking, the rows' key) <= N). Shapes that cannot be ranked so stay refused with answerable suggestions. Transactions
are ranked within each customer too ("top 3 transactions by amount per customer"; the phrase "transactions per
customer" of the profile is split back into its words after a top N), and without a figure to rank them by ("top 10
transactions per customer") they are refused with questions that name one.

The top N groups within each group of another breakdown ("top 5 merchant categories by spend by channel", "which
category has the highest spend in each channel", "best 2 segments by average ltv in each state"): the groups asked
for are ranked within the groups said after a breakdown word; groups named together ("top 5 states and segments")
stay ranked as pairs.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from dataclasses import replace

from c360_pipeline.semantic.query import DATES, FACT, GRAIN_WORDS, PROFILE, QuestionNotUnderstood
from c360_pipeline.semantic.tagging import tag
from c360_pipeline.semantic.words import ENTITY_WORDS, GROUP_WORDS, SUPERLATIVES

# The rows a "top N" can name: the entities' nouns, also when the tagger read them into a longer phrase
# ("top 10 transactions per customer" is not the per-customer fact).
ROW_NOUNS = ENTITY_WORDS | {"transaction", "purchase", "payment", "sale", "order", "charge"}
RANK_WORDS = {"top", "bottom", "first", "last"}
ROW_KEYS = {"customer_id", "full_name", "transaction_id"}


class RankedRows:
    """Passes for the top N rows within each group."""

    def _ranked_rows_within_groups(self) -> None:
        """ "top 5 transactions by amount by channel", "biggest 5 purchases per channel": the first N rows within each
        group, not the groups ranked by a total. Marks the rows and takes the breakdown after them out of the
        question as the partition (_partition_of_ranked_rows); _rank_rows_within_groups ranks within it, and
        refuses when the answer still has groups the rows cannot be ranked in."""
        items = self.items
        for i, item in enumerate(items):
            if item.kind != "number" or not isinstance(item.token.value, int) or item.token.percent:
                continue
            before, after = self._word(i - 1), self._word(i + 1)
            if before in ("least", "most") and self._word(i - 2) == "at":
                continue  # "states with at least 20 customers": a bound on a count, not a rank
            if not (before in RANK_WORDS or before in SUPERLATIVES or (i > 0 and items[i - 1].ranks is not None)
                    or after in SUPERLATIVES or (i + 1 < len(items) and items[i + 1].ranks is not None)):
                continue
            rows = i + 1
            while rows < len(items) and items[rows].kind == "word" and (
                    items[rows].norm in SUPERLATIVES or items[rows].ranks is not None or items[rows].norm in ("the",)):
                rows += 1
            while rows + 1 < len(items) and items[rows].kind == "sense" and not items[rows].has("entity") and (
                    items[rows].has("value") or items[rows].has("filter")) and items[rows + 1].has("entity"):
                rows += 1  # "top 3 online | transactions": the rows after their values
            self._split_rows_per_customer(rows)
            items = self.items
            if rows < len(items) and items[rows].kind == "sense" and (
                    items[rows].has("entity") or (
                        not any(items[rows].has(kind) for kind in ("dimension", "value", "filter", "time_dimension"))
                        and items[rows].norm.split()[0].rstrip("s") in ROW_NOUNS)
                    # "top 3 online transactions", "top 2 high risk customers": a value that names the rows
                    or ((items[rows].has("value") or items[rows].has("filter") or items[rows].has("metric"))
                        and items[rows].plural and items[rows].norm.split()[-1] in ROW_NOUNS)):
                # ("top 3 customer segments" names groups, a dimension, not rows)
                following = items[rows + 1] if rows + 1 < len(items) else None
                if following is not None and following.kind == "sense" and following.has("dimension") \
                        and not following.has("value") and len(items[rows].norm.split()) == 1:
                    # "top five spending categories": the one noun says what ranks the groups named after it
                    # ("top 10 transactions per customer segment" keeps its rows: the phrase ran into the group)
                    return
                self._ranked_rows = (item.token.value, items[rows].text.split()[0])
                self._partition_of_ranked_rows(rows)
                return

    def _split_rows_per_customer(self, rows: int) -> None:
        """ "top 10 transactions per customer": the tagger read the rows and their partition as one phrase of the
        profile (total_transactions is "transactions per customer"); after a top N they are the transactions, ranked
        within each customer, so the phrase is tagged again as its words: the rows, "per", the customers."""
        items = self.items
        if rows >= len(items) or items[rows].kind != "sense" or items[rows].has("entity"):
            return
        item = items[rows]
        words = item.norm.split()
        cut = next((n for n, word in enumerate(words) if word in ("per", "each", "by", "for")), None)
        if cut is None or cut == 0 or words[0].rstrip("s") not in ROW_NOUNS \
                or words[-1].rstrip("s") not in ENTITY_WORDS:
            return
        head = tag(self.tokens[item.start:item.start + cut], self.lexicon)
        tail = tag(self.tokens[item.start + cut:item.end], self.lexicon)
        if not (len(head) == 1 and head[0].has("entity", FACT) and tail and tail[-1].has("entity", PROFILE)):
            return
        for piece in head + tail:
            piece.start += item.start
            piece.end += item.start
        if rows > 0 and items[rows - 1].kind == "word" and items[rows - 1].ranks is None:
            # "5 largest | transactions per customer": the largest says what ranks the rows, as it does before the
            # rows alone ("5 largest transactions")
            norms = [token.norm for token in self.tokens]
            key = tuple(norms[items[rows - 1].start:item.start + cut])
            items[rows - 1].ranks = self.lexicon.singular_row_phrases.get(key)
        self.items = items[:rows] + head + tail + items[rows + 1:]

    def _partition_of_ranked_rows(self, rows: int) -> None:
        """ "top 5 transactions by amount | by channel", "top 3 customers by lifetime value | in each state": the
        breakdown after the ranked rows is the groups the rank restarts in. Its words leave the question, which is
        then read as the rows ranked overall; _ranked_within_groups ranks them within each group instead."""
        items = self.items
        # after the rows ("top 5 transactions by amount by channel"), else before them ("for each state, the top 3 ...")
        for k in [*range(rows + 1, len(items)), *range(0, rows)]:
            word = self._word(k)
            span = [k, k + 1] if word in ("in", "for", "within") and self._word(k + 1) in ("each", "every") else \
                [k] if word in GROUP_WORDS | {"within"} else []
            j = k + len(span)
            while span and self._word(j) in ("the", "each", "every"):
                span.append(j)
                j += 1
            item = items[j] if span and j < len(items) else None
            partition = None
            if item is not None and item.kind == "sense" and item.has("dimension") and not any(
                    item.has(kind) for kind in ("value", "entity", "fact", "metric", "filter")):
                sense = item.has("dimension")
                partition = self.catalog.field(sense.table, sense.name)
            elif item is not None and item.kind == "sense" and items[rows].has("entity", FACT) \
                    and item.has("entity", PROFILE) and not (item.plural and not item.text.lower().endswith("'s")) \
                    and not any(
                        item.has(kind) for kind in ("value", "dimension", "fact", "metric", "filter")):
                # "top 3 transactions by amount per customer": each customer's own transactions
                partition = self.catalog.field(FACT, "transaction_customer_id")
            if partition is not None:
                self._partition = [partition]
                self.items = [other for n, other in enumerate(items) if n not in span + [j]]
                return

    def _rank_rows_within_groups(self, query):
        """The query with its rows ranked within the partition found, or a refusal when the answer still has groups
        the rows cannot be ranked in."""
        ranked = getattr(self, "_ranked_rows", None)
        query = self._ranked_within_groups(query)
        # groups that are the rows themselves ("top 20 customers by spend in the last 90 days": a figure per customer)
        groups = [ref for ref in query.group_by if ref.name not in ROW_KEYS and ref not in query.within]
        if ranked is not None and groups:
            count, rows = ranked
            group = groups[0]
            title = group.title.split(" (")[0]  # a date by its grain: "last transaction date (month)"
            if rows.rstrip("s") in ENTITY_WORDS:
                suggestions = [f"Top {count} customers by lifetime value", f"Average lifetime value by {title}",
                               f"Customer count by {title}"]
            else:
                suggestions = [f"Top {count} transactions by amount", f"Largest transaction by {title}",
                               f"Total spend by {title}"]
            raise QuestionNotUnderstood(
                f"I could not read the top {count} {rows} within each {group.title} as {rows} ranked by one of their "
                f"figures per group; I can rank {rows} overall, within a breakdown said after them (for example 'top 5 "
                "transactions by amount by channel'), or give each group's own figure", suggestions)
        return query

    def _rank_groups_within_groups(self, query):
        """ "top 5 merchant categories by spend by channel", "top 3 states by customer count for each segment": the
        groups named with the top N are ranked within each group of the other breakdown (the first N categories of
        each channel), not the pairs of both ranked together."""
        ranked = getattr(self, "_ranked_groups", None) or self._subject_group()
        if not ranked or query.kind != "aggregate" or query.limit is None or query.within or not query.order_by:
            return query
        others = tuple(g for g in query.group_by if g not in ranked)
        if all(g.name in ("customer_id", "full_name") for g in others) and all(g.table == PROFILE for g in ranked):
            return query  # a customer has one state, one segment: there is nothing to rank within each customer
        if not others or not all(g in query.group_by for g in ranked) \
                or not all(self._said_as_breakdown(g) for g in others if g.name != "full_name"):
            return query  # "top 5 states and segments by customer count": the pairs named together are ranked
        return replace(query, within=others)

    def _said_as_breakdown(self, ref) -> bool:
        """Whether the group `ref` is said after a breakdown word ("by channel", "in each state", "each month",
        "for each customer"), not named beside the groups ranked ("states and segments")."""
        for k, item in enumerate(self.items):
            if ref.name in ("customer_id", "transaction_customer_id"):
                names = item.kind == "sense" and item.has("entity", PROFILE) is not None
            elif ref.table == DATES or ref.name.endswith(("_month", "_year", "_quarter", "_week")) or "(" in ref.title:
                # a calendar grain: "each month", "per quarter" (a word or the calendar's own dimension), or "monthly"
                names = (item.kind == "word" and item.norm in GRAIN_WORDS) or (
                    item.kind == "sense" and item.has("dimension", DATES) is not None)
                if names and item.norm.split()[-1].endswith("ly"):
                    return True
            else:
                sense = item.has("dimension") if item.kind == "sense" else None
                names = sense is not None and sense.name == ref.name
            if names:
                before = self._previous(k, {"the", "a", "an"}, limit=2)
                if before is not None and self._word(before) in GROUP_WORDS | {"within"}:
                    return True
        return False

    def _subject_group(self) -> list | None:
        """ "highest spending state by segment", "best 2 segments by average ltv in each state": the groups asked for
        (the first dimension named on its own, not after a breakdown word), the ones ranked within each group of the
        other breakdown."""
        for k, item in enumerate(self.items):
            if item.kind == "sense" and not item.has("value") and not item.has("entity"):
                sense = item.has("dimension")
                if sense is None:
                    continue
                before = self._previous(k, {"the", "a", "an"}, limit=2)
                if before is not None and self._word(before) in GROUP_WORDS | {"within"}:
                    return None
                return [self.catalog.field(sense.table, sense.name)]
        return None

    def _ranked_within_groups(self, query):
        """The rows ranked overall, ranked within each group of the breakdown found after them instead: rows listed
        (transactions, customers) show the group's column; figures per customer are also grouped by it (a
        customer's state is one). Other shapes keep the question refused."""
        partition = getattr(self, "_partition", None)
        if partition is None:
            return query
        count, rows = self._ranked_rows
        reachable = {query.base_table, PROFILE} if query.base_table == FACT else {query.base_table}
        per_customer = query.kind == "aggregate" and query.group_by and all(g.name in ROW_KEYS for g in query.group_by)
        if query.limit is None or not query.order_by or any(g.table not in reachable for g in partition) \
                or not (query.kind == "list" or per_customer):
            group = partition[0].title
            raise QuestionNotUnderstood(
                f"the top {count} {rows} within each {group} would need a rank of those rows per {group}, which I can "
                f"only do for transactions or customers ranked by one of their figures",
                [f"Top {count} transactions by amount by channel", f"Top {count} customers by lifetime value by state",
                 f"Total spend by {group}"])
        within = tuple(partition)
        if query.kind == "list":
            query = replace(query, columns=tuple(dict.fromkeys(within + query.columns)))
        else:
            query = replace(query, group_by=query.group_by + tuple(g for g in within if g not in query.group_by))
        return replace(query, within=within, limit=count)
