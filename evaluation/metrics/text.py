"""Text normalisation and Chinese-aware tokenisation shared by the metrics."""

from __future__ import annotations

import re
import unicodedata

# CJK ideographs (unified + extension A + compatibility), kana and hangul: one token per character.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_WORD = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+", re.UNICODE)
_PUNCT_CATEGORIES = ("P", "S")


def is_cjk(char: str) -> bool:
    return bool(re.fullmatch(f"[{_CJK}]", char))


def char_tokens(text: str, lower: bool = True) -> list[str]:
    """Each CJK character is a token; a run of other letters/digits is one word token; punctuation is dropped."""
    return word_tokens(text.lower() if lower else text)


def word_tokens(text: str) -> list[str]:
    """Words as Chinese word counts take them: each CJK character, each run of other letters or digits."""
    return _WORD.findall(text)


def strip_punctuation(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in _PUNCT_CATEGORIES)


def normalize(text: str, *, nfkc: bool = True, lower: bool = False, punctuation: bool = False,
              whitespace: bool = True) -> str:
    """``nfkc`` folds full-width forms (（，ＡＢＣ１２) to their ASCII twins; ``punctuation`` removes it;
    ``whitespace`` strips the ends and collapses inner runs to one space."""
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    if lower:
        text = text.lower()
    if punctuation:
        text = strip_punctuation(text)
    if whitespace:
        text = " ".join(text.split())
    return text
