"""The grammar's words: what a word does when it is not a name of the semantic model.

Question words, fillers, negations, comparison phrases, sort directions and the verbs that say a
customer transacted. The model's own vocabulary (metrics, dimensions, values, filters and their
synonyms) lives in semantic_model.yaml; these are the words of English around it.
"""

from __future__ import annotations

MODIFY_WORDS = {"delete", "drop", "truncate", "update", "insert", "alter", "create", "merge", "grant", "revoke",
                "remove", "erase", "overwrite", "modify", "upsert", "rename", "execute", "exec", "call", "undrop",
                "purge", "wipe", "destroy", "reset", "edit", "write", "replace", "deactivate", "cancel", "close",
                "add", "upgrade", "downgrade", "assign", "mark", "flag", "archive", "restore", "load", "copy"}
STOPWORDS = {
    "a", "an", "the", "of", "for", "to", "in", "on", "at", "from", "with", "is", "are", "wa", "was", "were", "be",
    "been", "being", "do", "doe", "does", "did", "have", "ha", "has", "had", "what", "whats", "how", "much", "me",
    "my", "our", "u", "us", "we", "i", "you", "your", "please", "pls", "plz", "can", "could", "would", "should",
    "will", "tell", "about", "there", "their", "them", "they", "that", "those", "these", "it", "its", "as", "all",
    "any", "some", "currently", "right", "now", "so", "far", "just", "also", "then", "give", "show", "list",
    "display", "find", "get", "see", "view", "pull", "fetch", "retrieve", "return", "identify", "want", "need",
    "know", "like", "look", "looking", "kindly", "hey", "hi", "hello", "ok", "okay", "thanks", "thank", "who",
    "which", "whose", "whom", "where", "when", "whats", "figure", "stat", "statistic", "number", "result",
    "report", "summary", "overview", "break", "down", "broken", "grouped", "split", "breakdown", "distribution",
    "value", "amount", "currently", "today's", "overall", "entire", "whole", "every", "each", "per", "by", "across",
    "within", "among", "amongst", "between", "and", "or", "versus", "than", "more", "less", "fewer", "most",
    "least", "top", "bottom", "highest", "lowest", "largest", "smallest", "best", "worst", "maximum", "minimum",
    "average", "total", "median", "count", "many", "make", "made", "making", "if", "whether", "into", "out",
    "up", "order", "ordered", "sorted", "sort", "ranked", "rank", "ranking", "descending", "ascending", "desc",
    "asc", "first", "group", "level", "wise", "based", "according", "belong", "belonging", "fall", "falling",
    "category", "type", "kind", "sorts", "individual", "people", "person", "one", "ones", "still", "ever",
    "currently", "now", "being", "here", "s", "?", "having", "holding", "hold", "holds", "own", "owning",
    "use", "using", "via", "through", "spread", "split", "do", "does", "look", "like", "distribution", "mix",
    "distributed", "spread", "split",
    "compare", "comparing", "comparison", "compared", "trend", "trending", "time", "changed", "change", "evolve", "evolved",
    "evolution", "history", "historical", "metric", "kpi", "insight", "across", "data", "database", "dataset",
    "info", "information", "detail", "details", "breakdown", "split", "analysis", "analyze", "analyse",
    "generate", "produce", "calculate", "compute", "determine", "provide", "rate", "share", "percentage",
    "proportion", "portion", "fraction", "ratio", "who's", "we've", "i'd", "i'm", "let's", "let", "it's",
    "that's", "there's", "lot", "lots", "roughly", "approximately", "approx", "about", "around", "exactly",
    "only", "just", "very", "really", "quite", "whom", "whose", "same", "different", "various", "other",
    "differ", "differs", "vary", "varies", "live", "lives", "living", "located", "reside", "resides", "resident",
    "during", "since", "date", "period", "timeframe", "window", "year", "month", "week", "day", "quarter",
    "both", "either", "come", "comes", "came", "coming",
    # a count of customers, transactions or a dimension's values counts each one once already
    "unique", "distinct",
    # a value's class said with it ("the high risk bucket", "the 25-34 bracket"): the value names it already; a
    # breakdown by one ("by bucket") is left without its target and refused
    "bucket", "bracket", "band",
    # verbs that only say the rows exist: "what share happened online", "declines that occurred on mobile"
    "happened", "happen", "occurred", "occur",
    # conversational filler and sign-offs, which say nothing of the data ("basically how much ...", "... cheers");
    # not "only", "exactly" or a word of approximation that a number follows ("roughly", "about": read as fillers
    # above, the number itself is what is compared)
    "basically", "actually", "literally", "honestly", "essentially", "btw", "cheers", "cheer", "thx", "thanx", "thankyou",
    "fyi", "asap",
    # processing a payment is transacting: "how much did we process via mobile" is the spend, "how many
    # transactions did we process" their count, as "did we do" and "were there" are read
    "process", "processed", "processing",
}
# Words the grammar gives a role (sorting, grouping, comparing, aggregating, periods): they are skipped when
# looking ahead, but a question is refused when one of them is left without its role.
STRUCTURAL = {
    "every", "each", "per", "by", "across", "within", "between", "than", "more", "less", "fewer", "most", "least",
    "top", "bottom", "highest", "lowest", "largest", "smallest", "best", "worst", "maximum", "minimum", "average",
    "total", "median", "count", "many", "order", "ordered", "sorted", "sort", "ranked", "rank", "ranking",
    "descending", "ascending", "desc", "asc", "rate", "share", "percentage", "proportion", "portion", "fraction",
    "ratio", "year", "month", "week", "day", "quarter", "trend", "trending", "evolution", "changed", "change",
    "evolve", "evolved", "history", "historical", "since", "during", "number", "over", "under",
}
FILLERS = STOPWORDS - STRUCTURAL
# Words that carry meaning the grammar reads; everything else must be a filler or a model name.
LIST_WORDS = {"show", "list", "display", "give", "find", "get", "which", "who", "identify", "see", "view", "pull",
              "fetch", "retrieve", "return", "name", "whose"}
NEGATIONS = {"not", "no", "excluding", "exclude", "except", "without", "non", "never", "outside"}
DESC_WORDS = {"highest", "most", "largest", "best", "leading", "maximum", "higher", "top", "biggest", "greatest",
              "riskiest", "richest", "wealthiest"}
# Superlatives of activity (descending or not): what they rank is how many transactions there are, unless a figure
# is named ("the busiest month for online spend").
ACTIVITY_SUPERLATIVES = {"busiest": True, "quietest": False, "slowest": False}
# Ordinal words before a superlative: "the second highest", "third largest" (2nd, 3rd are ordinal numbers).
ORDINAL_PLACES = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
                  "tenth": 10}
ASC_WORDS = {"lowest", "least", "fewest", "smallest", "worst", "minimum", "bottom", "lower"}
SUPERLATIVES = {"highest", "most", "largest", "best", "leading", "lowest", "least", "fewest", "smallest", "worst",
                "riskiest"}
GROUP_WORDS = {"by", "per", "each", "every", "across"}
# Nouns of a group of customers by when they joined, when a period or a signup grain is written before them.
COHORT_NOUNS = {"cohort", "vintage"}
# Nouns for customers that also say what ranks them ("the biggest spenders").
ENTITY_FIGURES = {"spender": "total_spend"}
ENTITY_WORDS = {"customer", "cardholder", "holder", "target", "client", "account", "spender", "traveler"}
TRANSACT_VERBS = {"shop", "shopped", "shopping", "bought", "buy", "buying", "purchased", "purchasing", "transacted",
                  "transacting", "paid", "pay", "paying", "made", "make", "making", "used", "use", "using"}
TREND_WORDS = {"trend", "trending", "evolution", "history", "historical", "changed", "change", "evolve", "evolved"}
COMPARATORS: dict[tuple[str, ...], tuple[str, bool]] = {
    # phrase: (operator, operator comes after the number)
    ("more", "than"): (">", False), ("greater", "than"): (">", False), ("higher", "than"): (">", False),
    ("larger", "than"): (">", False), ("bigger", "than"): (">", False), ("above",): (">", False),
    ("over",): (">", False), ("exceeding",): (">", False), ("exceed",): (">", False), ("exceeds",): (">", False),
    # a figure that passed a mark ("q1 spend topped $30k", "went over 5,000", "surpassed 100"): above it (a
    # comparator is read only with its number right after it: "passed" alone is no comparison)
    ("exceeded",): (">", False), ("topped",): (">", False), ("topping",): (">", False),
    ("went", "over"): (">", False), ("goes", "over"): (">", False), ("surpassed",): (">", False),
    ("passed",): (">", False),
    ("surpassing",): (">", False),
    ("in", "excess", "of"): (">", False), ("at", "least"): (">=", False), ("no", "less", "than"): (">=", False),
    ("minimum", "of"): (">=", False), ("not", "less", "than"): (">=", False),
    ("less", "than"): ("<", False), ("fewer", "than"): ("<", False), ("lower", "than"): ("<", False),
    ("smaller", "than"): ("<", False), ("under",): ("<", False), ("below",): ("<", False),
    ("at", "most"): ("<=", False), ("no", "more", "than"): ("<=", False), ("up", "to"): ("<=", False),
    ("maximum", "of"): ("<=", False), ("not", "more", "than"): ("<=", False), ("equal", "to"): ("=", False),
    ("exactly",): ("=", False), ("equal",): ("=", False), ("=",): ("=", False), (">",): (">", False),
    (">=",): (">=", False), ("<",): ("<", False), ("<=",): ("<=", False), ("!=",): ("!=", False),
    ("or", "more"): (">=", True), ("or", "above"): (">=", True), ("and", "above"): (">=", True),
    ("or", "higher"): (">=", True), ("and", "up"): (">=", True), ("or", "greater"): (">=", True),
    ("plus",): (">=", True), ("or", "less"): ("<=", True), ("or", "fewer"): ("<=", True),
    ("or", "lower"): ("<=", True), ("and", "below"): ("<=", True), ("and", "under"): ("<=", True),
    ("or", "below"): ("<=", True),
    # "65 and over", "65 or older", "25 or younger": the number itself included
    ("and", "over"): (">=", True), ("or", "over"): (">=", True), ("and", "older"): (">=", True),
    ("or", "older"): (">=", True), ("or", "younger"): ("<=", True), ("and", "younger"): ("<=", True),
    ("or", "under"): ("<=", True),
}
# Words that join a customers' amount to the customers holding it: "lifetime value held by platinum customers".
HOLDING_WORDS = {"held", "hold", "holds", "owned", "own", "owns", "accounted", "attributable", "belongs", "belong",
                 "contributed", "comes", "come", "coming", "came"}
CHANGE_DOWN = {"drop", "dropped", "fell", "fallen", "decreased", "decrease", "decline", "shrank", "shrunk", "down",
               "reduced", "lost", "cut"}
CHANGE_UP = {"grew", "grown", "increased", "increase", "rose", "risen", "up", "growth", "gained", "jumped"}
