"""The one definition of characters that no text input may carry.

Every string that reaches the API through GraphQL is checked against it before
any resolver runs (api/graphql/text.py), and the services that also take text
from elsewhere (the CLI, jobs) and the PDF writer use the same sets, so a
character is refused or removed the same way everywhere.

Refused in every text:

- C0 and C1 control characters and DEL (U+0000–U+001F, U+007F–U+009F): NUL
  alone makes PostgreSQL refuse the statement, the others corrupt mails,
  CSV files and terminals;
- bidirectional embeddings, overrides and isolates (U+202A–U+202E,
  U+2066–U+2069) and the invisible marks U+200B (zero-width space),
  U+200E/U+200F (LRM/RLM), U+2060 (word joiner), U+FEFF (BOM): they make a
  name or an order comment read differently from what it is;
- U+2028/U+2029 (line and paragraph separators) outside multi-line text;
- lone surrogates and the noncharacters U+FFFE/U+FFFF, which no database
  encoding stores.

Multi-line fields (marked `@multiline` in the schema) also take newline
(U+000A), carriage return (U+000D, for CRLF from text areas), tab (U+0009) and
U+2028/U+2029. Zero-width joiners (U+200C/U+200D) stay allowed: emoji
sequences and some scripts need them.
"""

from __future__ import annotations

import re

_ALWAYS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 but tab, newline, CR; DEL; C1
    "\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"  # invisible and bidi
    "\ufffe\uffff\ud800-\udfff"  # noncharacters, lone surrogates
)
_LINE_BREAKS = "\t\n\r\u2028\u2029"

SINGLE_LINE_FORBIDDEN = re.compile(f"[{_ALWAYS}{_LINE_BREAKS}]")
MULTILINE_FORBIDDEN = re.compile(f"[{_ALWAYS}]")


def forbidden_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character `text` may not contain, or None when it is clean."""
    found = (MULTILINE_FORBIDDEN if multiline else SINGLE_LINE_FORBIDDEN).search(text)
    return found.group() if found else None


def is_clean(text: str, *, multiline: bool = False) -> bool:
    return forbidden_character(text, multiline=multiline) is None


def code_point(character: str) -> str:
    """`U+0000`: how a refused character is named in an error's params (never the raw byte)."""
    return f"U+{ord(character):04X}"


def strip_forbidden(text: str, *, keep_newlines: bool = True) -> str:
    """Text with every refused character removed (output paths: PDFs, mails)."""
    pattern = MULTILINE_FORBIDDEN if keep_newlines else SINGLE_LINE_FORBIDDEN
    return pattern.sub("", text)
