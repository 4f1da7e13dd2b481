"""Reading PDFs back in tests with poppler (Debian's poppler-utils; .ci/run installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REQUIRED = os.environ.get("CI") == "true" or os.environ.get("TORIHIKI_REQUIRE_PDFTOOLS") == "1"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if REQUIRED:
            pytest.fail(f"{name} (poppler-utils) is required on CI")
        pytest.skip(f"{name} not installed (apt-get install poppler-utils)")
    return path


def pdf_text(data: bytes) -> str:
    """The text of every page, as a reader's copy and paste would give it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        out = subprocess.run(  # noqa: S603 - fixed tool, our own file
            [_tool("pdftotext"), "-layout", "-enc", "UTF-8", str(path), "-"],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return out.stdout.decode("utf-8")


def pdf_fonts(data: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        out = subprocess.run(  # noqa: S603
            [_tool("pdffonts"), str(path)], check=True, capture_output=True, timeout=30
        )
        return out.stdout.decode("utf-8")


def pdf_pages(data: bytes) -> int:
    return pdf_text(data).count("\f")
