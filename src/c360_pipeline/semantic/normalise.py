"""First stage of reading a question: the text in a canonical spelling, before it is tokenised.

Only spelling changes here, never meaning: typographic quotes become plain ones, negative contractions
are written out ("haven't" and "havent" → "have not", so every negation is the one word "not"), the shorthands of a note are
written out ("no. of" and "# of" → "number of", "w/" → "with", "w/o" → "without"; "no" without its full stop stays a negation), and a window
written as one word ("90-day", "30 day") keeps its number and unit apart ("90 day"), which is how the
semantic model's synonyms spell it ("90 day spend"). A window other than the profile's 90 days
("30-day spend", "last 60 days spend") is read as the rolling period it names ("spend in the last 30 days"). A
passive written with "get" ("got declined", "gets approved", "getting rejected") is the one written with "be" ("were
declined"). "days since their last transaction" (or "the most recent purchase") is the model's "days since last
transaction". A preface saying a question follows ("quick q:", "question:", "quick one:") is dropped, and so is a polite
wrapper ("would you mind showing me" is "show me"; "any idea what …" is "what …"). "when did CUST… open their
account / join" asks for that customer's account open date, and "when was the last / first purchase" for the latest
/ earliest one. "may" before who asks ("may i see", "may we have") is the polite modal, written "could", never the
month. "single" after a superlative ("the biggest single purchase") adds nothing and is dropped ("a single purchase" keeps it: exactly one), and so does a
percent word before or after a change ("mom % change", "pct growth", "spend change percentage"): a change is answered as a fraction, its percentage said
with it. A per-customer figure qualified by which customers count ("avg txns per customer in 2024, only counting
customers who transacted that year", "… among customers who had a transaction", "… excluding customers with no
transactions") is the figure per transacting customer, as "per transacting customer" says it. "a" / "an" / "one" as
the number of a duration after a comparator ("tenure less than a year", "over a month") is 1. "are A more (less)
likely to be B than C" asks for the share of each of A and C that is B ("what percentage of A vs C are B").
"neither A nor B" is "not A and not B", a noun after B shared by a one-word A ("neither upsell nor retention
targets").
"""

from __future__ import annotations

import re

from c360_pipeline.semantic.timeranges import MONTHS
from c360_pipeline.semantic.words import CHANGE_DOWN, CHANGE_UP

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_CONTRACTIONS = {
    "can't": "can not", "cannot": "can not", "won't": "will not", "shan't": "shall not", "ain't": "is not",
}
# a note's shorthands: "no." is "number" only with its full stop and "of" after it ("no. of custs"), since "no" is a
# negation ("no purchases"); "w/" and "w/o" only as written with the slash
_SHORTHANDS = ((re.compile(r"\bno\.\s*(?=of\b)", re.IGNORECASE), "number "),
               # "#" written as a word is "number" ("# of txns"); the tokeniser reads a "#" alone as "number of"
               # ("#txns"), so before "of" it is the word alone, not "number of of"
               (re.compile(r"(?<![\w#])#\s*(?=of\b)", re.IGNORECASE), "number "),
               (re.compile(r"(?<![\w/])w/o(?![\w/])", re.IGNORECASE), "without"),
               (re.compile(r"(?<![\w/])w/(?=\s|$)", re.IGNORECASE), "with"))
_NOT = re.compile(r"\b(have|has|had|is|are|was|were|do|does|did|could|would|should)n'?t\b", re.IGNORECASE)
# "got declined": "get" before a past participle is the passive's "be" — after what is declined ("txns got
# declined"), never as the request at the question's start or after who asks ("get declined transactions", "can
# you get me", "please get")
_GET_PASSIVE = re.compile(r"(?<=[a-z0-9] )(?<!\bme )(?<!\byou )(?<!\bplease )(?<!\bto )(?<!\bi )(?<!\bwe )(?<!\band )"
                          r"(?:got|gotten|get|gets|getting)\s+(?=[a-z]+ed\b)", re.IGNORECASE)
# a preface saying a question follows ("quick q:", "question -", "one more question:"): dropped, it asks nothing
_PREFACE = re.compile(r"^\s*(?:(?:quick|short|small|simple|one more|another)\s+)?(?:q|qn|ques|question|query|one|one more|another one)\s*[:\-]\s*",
                      re.IGNORECASE)
# a polite wrapper around the request ("would you mind showing me …", "any idea what …"): the request itself
_POLITE = ((re.compile(r"^\s*(?:would|do) you mind (?:showing|giving|pulling|getting|sending|listing|telling)\b",
                       re.IGNORECASE), "show"),
           (re.compile(r"^\s*(?:any idea|do you know|do we know)\s+(?=(?:what|how|which|who|when|where)\b)",
                       re.IGNORECASE), ""),
           # "how are we doing on approval rate this year": the figure asked about
           (re.compile(r"^\s*how\s+(?:are|is|were|was)\s+(?:we|things|it|our numbers)\s+(?:doing|going|looking|"
                       r"tracking|trending)\s+(?:on|with|for|in terms of)\s+", re.IGNORECASE), ""))
# "days since their last transaction", "days since the most recent purchase": the model's "days since last …"
# "may i see …", "may we get …": the modal of a polite request, not the month (which "in may", "may spend" name)
_MAY_MODAL = re.compile(r"\bmay(?=\s+(?:i|we|you|someone|somebody|one)\b)", re.IGNORECASE)
# chat spellings of the question words ("wat hour has the most txns", "hw many", "wats the total"): the words
# themselves; only these whole words, which spell nothing else a question about the data says
_CHAT_SPELLINGS = {"wat": "what", "wht": "what", "wut": "what", "wats": "what's", "whts": "what's", "wuts": "what's",
                   "hw": "how", "wich": "which", "whch": "which", "whn": "when"}
_CHAT = re.compile(r"(?<![\w'])(" + "|".join(_CHAT_SPELLINGS) + r")(?![\w'])", re.IGNORECASE)
# "when did customer X last make a purchase", "when did we first see a transaction at cruise lines": the date of the
# first or last transaction — of a customer named alone, that customer's first or last transaction date; of who
# asks ("we", "you") or with more said after it ("at cruise lines"), the earliest or latest transaction itself
_WHEN_ROWS = r"(?:transactions?|txns?|purchases?|payments?|sales?)"
_WHEN_FIRST_LAST = re.compile(
    r"^\s*when\s+(?:did|was|were|has|have)\s+(?P<who>.+?)\s+(?P<which>first|last)\s+(?:"
    rf"(?:make|made|see|saw|have|had|record|get|process|do)\s+(?:a|an|any|their|its|one)\s+{_WHEN_ROWS}"
    r"|(?:transact|transacted|shop|shopped|buy|bought|purchase|purchased|spend|spent)(?:\s+anything|\s+something)?)"
    r"\b(?P<rest>.*)$", re.IGNORECASE)
_ASKER = {"we", "you", "i", "they", "u"}
# "when did CUST00000042 open their account", "when did customer CUST00000042 join": that customer's account open date
_WHEN_JOINED = re.compile(r"^\s*when\s+(?:did|was|has)\s+(?:customer\s+)?(?P<id>cust\d+)\s+(?:open\s+(?:their|his|her|the|an|"
                          r"its)?\s*(?:account|card)|opened\s+(?:their|his|her|the|an|its)?\s*(?:account|card)|join|joined|"
                          r"sign\s+up|signed\s+up|become\s+a\s+customer|onboard|onboarded)\s*\??\s*$", re.IGNORECASE)
# "when was the last purchase", "when was the first transaction": the latest / earliest one (not the customers' own
# first or last transaction dates, which a bare "last transaction" names)
_WHEN_THE = re.compile(r"^\s*when\s+(?:was|is)\s+(?:the|our)\s+(first|last|most recent|earliest|latest)\s+"
                       r"(?=(?:transaction|purchase|txn|payment|sale)s?\b)", re.IGNORECASE)
# "are customers under 30 more likely to be high risk than those 30 and over", "are platinum cardholders less likely to
# shop online than gold ones": the share of each group that is (or does) it, side by side
_MORE_LIKELY = re.compile(
    r"^\s*(?:(?:are|is|were|was|do|does|did)\s+)?(?P<a>.+?)\s+(?:more|less)\s+likely\s+(?:than\s+(?P<c1>.+?)\s+)?"
    r"to\s+(?P<be>be\s+)?(?P<b>.+?)(?:\s+than\s+(?P<c2>.+?))?\s*[?.!]*\s*$", re.IGNORECASE)
_THOSE = re.compile(r"^(?:those|the ones|ones|people|the people)\s+", re.IGNORECASE)
# "biggest single transaction ever - who made it?", "what was the largest purchase and who made it": who made that
# row, asked about the row itself
_WHO_MADE_IT = re.compile(r"^\s*(?:(?:what|which)\s+(?:was|is|were)\s+)?(?P<row>.+?)\s*(?:[-\u2013\u2014,;:]|\band\b)\s*"
                          r"(?:and\s+)?who\s+(?P<verb>made|did|had|placed|owns?|spent)\s+(?:it|that|this)\s*\??\s*$",
                          re.IGNORECASE)
# "how does X compare with Y", "how do A stack up against B": the verb after its subject is the contrast word
_COMPARE_VERB = re.compile(r"(?<=\w )(?:compares?|stacks?\s+up)\s+(?=(?:with|to|against)\b)", re.IGNORECASE)
# "which card type has the higher average ltv, gold or premium": of two, the higher one is the highest
_WHICH_COMPARATIVE = re.compile(r"^(?=.*\b(?:which|who)\b)(.*?\bthe\s+)(higher|lower|bigger|larger|greater|smaller)\b",
                                re.IGNORECASE)
_SUPERLATIVE_OF = {"higher": "highest", "lower": "lowest", "bigger": "biggest", "larger": "largest",
                   "greater": "greatest", "smaller": "smallest"}
_SUPERLATIVE_SINGLE = re.compile(r"\b(biggest|largest|smallest|highest|lowest|max|maximum|min|minimum)\s+single\b",
                                 re.IGNORECASE)
_PERCENT_CHANGE = re.compile(r"(?:(?<=\s)|^)(?:%|percent|pct|percentage)\s+(?=(?:change|growth|increase|decrease|drop|"
                             r"decline|rise|difference)\b)", re.IGNORECASE)
# ... and after it ("spend change percentage by card type", "growth %"); not after "decline", where "decline %" is the
# decline rate
_CHANGE_PERCENT = re.compile(r"\b(change|growth|increase|decrease|drop|rise|difference)\s+(?:%|percent|pct|percentage)"
                             r"(?=\s|$|[?.!,;])", re.IGNORECASE)
# "neither upsell nor retention targets", "neither platinum nor gold cardholders": not the one and not the other, the
# noun written once at the end shared by both ("not upsell targets and not retention targets")
_NEITHER = re.compile(r"\bneither\s+(?P<one>[\w&'-]+(?:\s+[\w&'-]+)*?)\s+nor\s+(?P<other>[\w&'-]+(?:\s+[\w&'-]+)*?)"
                      r"(?P<noun>\s+(?:targets|customers|cardholders|card holders|accounts|people|members))?"
                      r"(?=\s*(?:$|[?.!,;]|\s(?:in|during|by|per|for|with|who|that|since|last|this|over|under)\b))",
                      re.IGNORECASE)
# "Mar '25", "q3 '24": a two-digit year after an apostrophe is that year of this century ("Mar 2025"); "2024-Q3",
# "2024 q3", "Q3-2024" are "Q3 2024"
_MONTH_WORDS = rf"(?:{'|'.join(sorted(MONTHS, key=len, reverse=True))}|q[1-4]|h[12])"
_SHORT_YEAR = re.compile(rf"\b({_MONTH_WORDS})\.?\s*'(\d{{2}})\b", re.IGNORECASE)
_YEAR_QUARTER = re.compile(r"\b((?:19|20)\d{2})\s*[-/ ]\s*(q[1-4])\b|\b(q[1-4])\s*[-/]\s*((?:19|20)\d{2})\b", re.IGNORECASE)
_NOUN = r"(?:the\s+)?(?:customers?|custs?|cardholders?|those|people|accounts?)"
_ROWS = r"(?:transactions?|txns?|purchases?)"
_RESTATED = r"(?:\s+(?:that year|that quarter|that month|in that period|in the period|then))?"
_ONLY_TRANSACTING = re.compile(
    r"\bper\s+(?:cust(?:omer)?s?|cardholders?|accounts?)\b(?P<between>.*?)[,;]?\s*(?:"
    rf"(?:only counting|counting only|counting|only among|among|only for)\s+{_NOUN}\s+(?:(?:who|that)\s+(?:transacted|"
    rf"(?:had|made)\s+(?:a |any |at least one |an approved |approved )?{_ROWS})|with\s+(?:a |any |at least one )?{_ROWS})"
    rf"|(?:excluding|excl\.?|leaving out|except)\s+{_NOUN}\s+(?:with no|with zero|without|(?:who|that) had no|"
    rf"(?:who|that) did not (?:transact|have any {_ROWS}))(?:\s+{_ROWS})?){_RESTATED}(?=\s*[?.!]?\s*$)",
    re.IGNORECASE)
_ONE_UNIT = re.compile(r"\b(than|under|over|above|below|least|most)\s+(?:a|an|one)\s+(?=(?:day|week|month|year)\b)",
                       re.IGNORECASE)
_DAYS_SINCE = re.compile(r"\bdays since (?:(?:their|the|his|her|its|a|each|the customer's|each customer's) )?"
                         r"(?:last|latest|most recent) ", re.IGNORECASE)
_WINDOW = re.compile(r"\b(\d{1,3})\s*-?\s*(day|week|month)s?\b(?=\s+[a-z])", re.IGNORECASE)
# The profile carries these windows as columns; any other N-day figure is the fact over a rolling period.
PROFILE_WINDOW_DAYS = {90}
# "spend dropped by more than 20% versus the prior 90 days": the window the profile's 90-day spend change is measured
# against, restated after a word of change; said so, it adds nothing to the change
_AGAINST_PRIOR_WINDOW = re.compile(r"\s*,?\s*\b(?:versus|vs\.?|compared (?:to|with)|against|relative to|over|from)\s+"
                                   r"(?:the\s+)?(?:prior|previous|preceding)\s+90\s*-?\s*days?\b", re.IGNORECASE)
_CHANGE_WORD = re.compile(r"\b(?:change[ds]?|" + "|".join(sorted(CHANGE_DOWN | CHANGE_UP)) + r")\b", re.IGNORECASE)
_FIGURE_AFTER_WINDOW = re.compile(
    r"\b(?:(?:the )?(?:last|past|previous|trailing) )?(\d{1,3}) (day|week|month) "
    r"(spend|spending|sales|revenue|transactions?|purchases?|transaction count)\b",
    re.IGNORECASE)


def normalise(question: str) -> str:
    """The question in canonical spelling (same meaning, fewer ways to write it)."""
    text = _PREFACE.sub("", question.translate(_QUOTES))
    text = _SHORT_YEAR.sub(lambda m: f"{m.group(1)} 20{m.group(2)}", text)
    text = _YEAR_QUARTER.sub(lambda m: f"{m.group(2)} {m.group(1)}" if m.group(1) else f"{m.group(3)} {m.group(4)}", text)
    text = _CHAT.sub(lambda m: _CHAT_SPELLINGS[m.group(1).lower()], text)
    # (on the question as asked: _WHEN_FIRST_LAST writes a customer's own date as "when was the last transaction date
    # of …", which is that date, not the latest transaction)
    text = _WHEN_THE.sub(lambda m: "when was the " + ("earliest " if m.group(1).lower() in ("first", "earliest")
                                                      else "latest "), text)
    text = _WHEN_FIRST_LAST.sub(_when_first_or_last, text)
    text = _WHEN_JOINED.sub(lambda m: f"account open date of {m.group('id')}", text)
    text = _MAY_MODAL.sub("could", text)
    text = _MORE_LIKELY.sub(_share_side_by_side, text)
    for pattern, spelled in _POLITE:
        text = pattern.sub(spelled, text)
    text = _SUPERLATIVE_SINGLE.sub(lambda m: m.group(1), text)
    text = _COMPARE_VERB.sub("compared ", text)
    text = _WHO_MADE_IT.sub(lambda m: f"who {m.group('verb')} {m.group('row')}", text)
    text = _WHICH_COMPARATIVE.sub(lambda m: m.group(1) + _SUPERLATIVE_OF[m.group(2).lower()], text)
    text = _PERCENT_CHANGE.sub("", text)
    text = _CHANGE_PERCENT.sub(lambda m: m.group(1), text)
    text = _NEITHER.sub(_not_either, text)
    text = _ONE_UNIT.sub(lambda m: f"{m.group(1)} 1 ", text)
    text = _ONLY_TRANSACTING.sub(lambda m: f"per transacting customer{m.group('between')}", text)
    for contraction, spelled in _CONTRACTIONS.items():
        text = re.sub(rf"\b{re.escape(contraction)}\b", spelled, text, flags=re.IGNORECASE)
    for pattern, spelled in _SHORTHANDS:
        text = pattern.sub(spelled, text)
    text = _NOT.sub(lambda m: f"{m.group(1)} not", text)
    text = _GET_PASSIVE.sub("were ", text)
    text = _DAYS_SINCE.sub("days since last ", text)
    if _CHANGE_WORD.search(text):
        text = _AGAINST_PRIOR_WINDOW.sub("", text)
    text = _WINDOW.sub(lambda m: f"{m.group(1)} {m.group(2).lower()}", text)

    def window(match: re.Match) -> str:
        count, unit, figure = int(match.group(1)), match.group(2).lower(), match.group(3)
        if unit == "day" and count in PROFILE_WINDOW_DAYS:
            return match.group(0)
        return f"{figure} in the last {count} {unit}{'s' if count != 1 else ''}"

    return _FIGURE_AFTER_WINDOW.sub(window, text)


def _not_either(match: re.Match) -> str:
    noun = match.group("noun") or ""
    # the noun is shared by a one-word first term ("neither upsell nor retention targets"); a longer one is whole
    # ("neither high risk nor retention targets")
    shared = noun if " " not in match.group("one") else ""
    return f"not {match.group('one')}{shared} and not {match.group('other')}{noun}"


def _share_side_by_side(match: re.Match) -> str:
    other = match.group("c1") or match.group("c2")
    if not other:
        return match.group(0)
    counted = match.group("b")
    return f"what percentage of {match.group('a')} vs {_THOSE.sub('', other)} {'are ' if match.group('be') else ''}{counted}"


def _when_first_or_last(match: re.Match) -> str:
    who, which, rest = match.group("who").strip(), match.group("which").lower(), match.group("rest")
    if who.lower() not in _ASKER and not rest.strip(" ?.!"):
        return f"when was the {which} transaction date of {who}{rest}"
    subject = "" if who.lower() in _ASKER else f" of {who}"
    return f"when was the {'earliest' if which == 'first' else 'latest'} transaction{subject}{rest}"
