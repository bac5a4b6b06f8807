"""Cleaning: normalise parsed text before chunking (line ends, control characters, spaces, URLs, e-mails)."""

from __future__ import annotations

import re

from knowledge.settings import CleaningSettings

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
_BLANK_LINES = re.compile(r"\n{3,}")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。）)]+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def clean(text: str, settings: CleaningSettings | None = None) -> str:
    """The cleaned text; paragraph breaks (blank lines) survive because chunking splits on them."""
    settings = settings or CleaningSettings()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if settings.remove_emails:  # before URLs, so the domain of an address is not taken for a URL
        text = _EMAIL.sub("", text)
    if settings.remove_urls:
        text = _URL.sub("", text)
    if settings.collapse_whitespace:
        text = _SPACES.sub(" ", text)
        text = _SPACE_AROUND_NEWLINE.sub("\n", text)
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()
