"""Misspelt words: a word the engine does not know, read as the one known word it is a slip away from.

A question the grammar refuses for a word it does not know is read again once, with each such word of five letters
or more replaced by the known word one slip away from it — two neighbours swapped, or in words of seven letters or
more also a letter added, dropped or changed ("avergae" → "average", "transcation" → "transaction", "califronia" →
"california", "custmers" → "customers"), or a silent final e left off at any length ("declin" → "decline"), or in
words of four to six letters a vowel inside the word left out ("limt" → "limit", "spnd" → "spend", "crdit" →
"credit"; never its first or last letter, which makes another word too often: "sale" / "sales", nor a consonant:
"send" / "spend", "chanel" / "channel"), in words of five or six letters also a consonant between two vowels left out
("staus" → "status": the vowel pair it leaves is seldom English) — when exactly one known word is that
close. Known words are the semantic
model's vocabulary (names, synonyms, sample values, state and month names) and the grammar's structural words
(known_words). The interpretation says what was assumed; when no single word fits, or the question is still not
understood, the first refusal stands. Only the question's wording changes: the values compared stay literals built
from the structured query.
"""

from __future__ import annotations

import re

from c360_pipeline.catalog import US_STATES
from c360_pipeline.semantic.query import GRAIN_WORDS
from c360_pipeline.semantic.timeranges import MONTHS
from c360_pipeline.semantic.vocabulary import ABBREVIATIONS, Lexicon, singular
from c360_pipeline.semantic.words import ASC_WORDS, DESC_WORDS, NEGATIONS, STRUCTURAL

MIN_LENGTH = 5
# A letter left out inside a short word is a slip from this length on ("limt" → "limit").
DROPPED_LETTER_LENGTH = 4
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


# Below this length only two swapped neighbours count as a slip: one letter more, less or other makes another
# English word of a short one too often ("table" / "stable", "print" / "point", "named" / "name").
ANY_EDIT_LENGTH = 7


def edit_distance_is_one(a: str, b: str, swaps_only: bool = False) -> bool:
    """Whether b is one edit from a: two adjacent letters swapped, or (unless swaps_only) one letter inserted, deleted
    or substituted."""
    if a == b or abs(len(a) - len(b)) > 1 or (swaps_only and len(a) != len(b)):
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return not swaps_only
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


def drops_an_inner_letter(word: str, known: str, vowel: bool = False) -> bool:
    """Whether word is known with one letter inside it (not its first or last; with vowel, a vowel) left out
    ("limt" / "limit")."""
    if len(known) != len(word) + 1 or word[0] != known[0] or word[-1] != known[-1]:
        return False
    return any(known[:i] + known[i + 1:] == word and (not vowel or known[i] in "aeiou")
               for i in range(1, len(known) - 1))


def drops_a_consonant_between_vowels(word: str, known: str) -> bool:
    """Whether word is known with one consonant between two vowels left out ("staus" / "status", "reion" /
    "region"): the two vowels it leaves side by side are a pair English seldom writes, so the slip is seldom another
    word — unlike a consonant beside another ("chanel" / "channel", "amout" / "amount", "sable" / "stable")."""
    if len(known) != len(word) + 1:
        return False
    return any(known[:i] + known[i + 1:] == word and known[i] not in "aeiou" and known[i - 1] in "aeiou"
               and known[i + 1] in "aeiou" for i in range(1, len(known) - 1))


def _words(*groups) -> set[str]:
    return {w.lower() for group in groups for phrase in group for w in _WORD.findall(" ".join(phrase) if isinstance(
        phrase, tuple) else phrase)}


_KNOWN: dict[int, tuple[Lexicon, frozenset[str]]] = {}


def known_words(lexicon: Lexicon) -> frozenset[str]:
    """The words a misspelling is read as: the model's vocabulary (its names, synonyms and values, as the lexicon
    holds them), the states' and months' names, and the grammar's structural words ("average", "highest",
    "between"); not the fillers of English around them ("comes", "used"), which would make a word the question
    never meant out of any unknown one (cached per lexicon)."""
    lexicon = lexicon.base or lexicon  # values read from the data (cities) are never a misspelling's reading
    cached = _KNOWN.get(id(lexicon))
    if cached is not None and cached[0] is lexicon:
        return cached[1]
    known = {part for key in lexicon.phrases for part in key if ":" not in part}
    known |= _words(US_STATES.values(), MONTHS, STRUCTURAL, NEGATIONS, DESC_WORDS, ASC_WORDS, GRAIN_WORDS,
                    ABBREVIATIONS.values())
    words_known = frozenset(w for w in known if w.isalpha())
    _KNOWN[id(lexicon)] = (lexicon, words_known)
    return words_known


def corrections(unknown: list[str], lexicon: Lexicon) -> dict[str, str]:
    """Each unknown word (five letters or more) and the one known word a single edit away, when there is one."""
    known = known_words(lexicon)
    candidates = [w for w in known if len(w) >= DROPPED_LETTER_LENGTH]
    found: dict[str, str] = {}
    for raw in dict.fromkeys(unknown):
        word = raw.lower()
        if len(word) < DROPPED_LETTER_LENGTH or not word.isalpha() or word in known or singular(word) in known:
            continue
        if len(word) < MIN_LENGTH:
            # a four-letter word: only a vowel left out inside it ("limt")
            close = {c for c in candidates if drops_an_inner_letter(word, c, vowel=True)}
            if len(close) == 1:
                found[raw] = next(iter(close))
            continue
        swaps_only = len(word) < ANY_EDIT_LENGTH
        # a silent final e left off ("declin", "purchas") is a slip at any length: the word with it is a known word;
        # in a short word a vowel left out inside it ("crdit") is one too
        close = {c for c in candidates if edit_distance_is_one(word, c, swaps_only) or c == word + "e"
                 or (swaps_only and (drops_an_inner_letter(word, c, vowel=True)
                                     or drops_a_consonant_between_vowels(word, c)))}
        folded = singular(word)
        plural = False
        if not close and folded != word:
            # "custmers": the singular's slip, written in the plural again ("customers"), as the question wrote it
            close = {c for c in candidates if edit_distance_is_one(folded, c, swaps_only)}
            plural = True
        # a known word with letters added at its end is another word more often than a slip ("purchaser",
        # "averaged"): not read as that word
        close = {c for c in close if not (word.startswith(c) or folded.startswith(c))}
        if len({singular(c) for c in close}) == 1:
            chosen = sorted(close, key=lambda c: (abs(len(c) - len(word)), c))[0]
            found[raw] = _plural(chosen) if plural else chosen
    return found


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "z", "ch", "sh")) else "s")


def corrected(question: str, found: dict[str, str]) -> str:
    """The question with each misspelt word (as a whole word) replaced by its correction."""
    for raw, word in found.items():
        question = re.sub(rf"(?<![\w']){re.escape(raw)}(?![\w'])", word, question)
    return question


_BRACKETED = re.compile(r"(?<![\w'])(?P<word>[A-Za-z][A-Za-z']*)\s*\(\s*(?P<inner>[A-Za-z][A-Za-z' ]*?)\s*\)")


def restated_in_brackets(question: str, unknown: list[str], lexicon: Lexicon) -> tuple[str, dict[str, str]]:
    """ "the typical (median) amount": a word the engine does not know with known words in brackets right after it,
    which say what it means — the bracketed words stand in its place. The question so rewritten and what was read
    as what ({"typical (median)": "median"}); a known word before the brackets is left as it is."""
    known = known_words(lexicon)
    unknown_words = {w.lower() for w in unknown}
    found: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        inner = match.group("inner").split()
        if match.group("word").lower() not in unknown_words or not inner or len(inner) > 3 \
                or not all(w.lower() in known or singular(w.lower()) in known for w in inner):
            return match.group(0)
        found[match.group(0)] = " ".join(inner)
        return " ".join(inner)
    return _BRACKETED.sub(replace, question), found
