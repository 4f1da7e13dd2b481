"""The Japanese font embedded in every issued PDF: IPAex Gothic (IPA Font License v1.0).

It comes from PyPI as package data of `japanize-kivy` (pinned in uv.lock; kivy itself is
overridden away), so a fresh machine with python3 and make has it; Debian's
`fonts-ipaexfont-gothic` is the fallback, `TORIHIKI_PDF_FONT` an explicit choice. Nothing is
downloaded at run time. The package is located, never imported: importing it would import kivy.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

FONT_NAME = "IPAexGothic"
_PACKAGED = ("japanize_kivy", "resources/ipaexg00401/ipaexg.ttf")
_DEBIAN = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")


class FontMissing(RuntimeError):
    pass


def font_path() -> Path:
    explicit = os.environ.get("TORIHIKI_PDF_FONT")
    if explicit:
        return Path(explicit)
    spec = importlib.util.find_spec(_PACKAGED[0])
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / _PACKAGED[1]
        if candidate.is_file():
            return candidate
    if _DEBIAN.is_file():
        return _DEBIAN
    raise FontMissing("IPAex Gothic not found: run `make install` (japanize-kivy ships it)")


@lru_cache(maxsize=1)
def register_font() -> str:
    """Register the font with reportlab once per process (parsing it takes ~0.1 s)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path())))
    return FONT_NAME
