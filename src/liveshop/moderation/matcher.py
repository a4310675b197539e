"""Banned-word matching that evasions do not get past: Aho-Corasick over normalised text.

Text and words are normalised the same way before matching: NFKC (full-width letters and
digits become half-width, compatibility forms fold), case folded, and every space,
zero-width/format character and punctuation mark removed — so "Ｂ ａ-Ｄ", "b\u200bad" and
"BAD" all read "bad". One automaton (ahocorasick_rs, Rust) holds the platform's words and a
shop's, and scans a comment once whatever the number of words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import ahocorasick_rs

# Unicode categories removed before matching: separators (Z*), format/zero-width (Cf),
# other controls (Cc) and punctuation (P*): what people insert to split a word.
_DROP = ("Z", "Cf", "Cc", "P")


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith(_DROP))


class WordMatcher:
    def __init__(self, words: Iterable[str]) -> None:
        # normalised form → the word as it was listed (what the author is told)
        self._words: dict[str, str] = {}
        for word in words:
            key = normalise(word)
            if key:
                self._words.setdefault(key, word)
        self._automaton = (
            ahocorasick_rs.AhoCorasick(list(self._words), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
            if self._words else None
        )

    def __len__(self) -> int:
        return len(self._words)

    def first_match(self, text: str) -> str | None:
        """The listed word the text contains (after normalising both), or None."""
        if self._automaton is None:
            return None
        found = self._automaton.find_matches_as_strings(normalise(text))
        return self._words[found[0]] if found else None
