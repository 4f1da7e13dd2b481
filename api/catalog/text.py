"""Search text normalisation: what a customer types and what we store meet halfway.

NFKC folds full-width letters and digits to half-width and half-width katakana
to full-width; hiragana becomes katakana (so さーびす finds サービス); case
folds; runs of white space collapse. The same function runs on write (the
stored search columns) and on read (the keyword), so both sides agree.
"""

from __future__ import annotations

import re
import unicodedata

_HIRAGANA_TO_KATAKANA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)}
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).translate(_HIRAGANA_TO_KATAKANA).casefold()
    return _SPACES.sub(" ", folded).strip()


def keywords(text: str, limit: int = 8) -> list[str]:
    """The distinct words of a keyword query, normalised; every one must match."""
    words: list[str] = []
    for word in normalize(text).split(" "):
        if word and word not in words:
            words.append(word)
    return words[:limit]
