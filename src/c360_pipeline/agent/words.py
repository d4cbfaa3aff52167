"""Content words of a text for comparing a question with retrieved chunks (stdlib only, so it runs in Streamlit in Snowflake)."""

from __future__ import annotations

import re

STOP_WORDS = frozenset("""
a about above after again all also am an and any are as at be because been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers him his how
i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out over own
same she should so some such than that the their theirs them then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your yours get gets got say
says tell us there's what's how's let let's please
""".split())


def stem(word: str) -> str:
    """A light suffix-stripping stem (plural, -ing, -ed, -ly): enough to match 'disputes' with 'dispute'."""
    for suffix in ("ing", "ed", "ly", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str, stemmed: bool = True) -> list[str]:
    """Lower-case stems (or the words, `stemmed=False`) of the text's words that are not stop words
    (identifiers split at underscores)."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("_", " "))
    return [stem(w) if stemmed else w for w in words if w not in STOP_WORDS and len(w) > 1]
