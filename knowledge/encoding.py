"""Text encodings: decode the bytes of a text file (UTF-8, UTF-16 with or without BOM, GB18030/GBK, Big5,
Latin-1 and whatever else charset-normalizer recognises), or say it is not text."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from charset_normalizer.utils import is_multi_byte_encoding

from knowledge.errors import ParseError

# Legacy East-Asian guesses that charset-normalizer makes for short GB-encoded Chinese text.
_CJK_LOOKALIKES = {"big5", "cp950", "cp949", "euc_kr", "shift_jis", "cp932", "euc_jp", "johab"}
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_SAMPLE = 64 * 1024
_WHITESPACE = frozenset("\t\n\r\f\v")


def decode_text(filename: str, data: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of a text file, or ``ParseError`` when the bytes are not text."""
    text, encoding = _decode(filename, data)
    sample = text[:_SAMPLE]
    controls = sum(1 for c in sample if c < " " and c not in _WHITESPACE)
    if controls > 0.3 * len(sample):  # NUL and other control bytes decode as ASCII, but text has few
        raise ParseError(filename, "not a text file (it is mostly control characters)")
    return text, encoding


def _decode(filename: str, data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF32_LE):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    # NUL bytes are valid UTF-8, but in a text file they almost always mean UTF-16 without a BOM.
    if b"\x00" not in data[:_SAMPLE]:
        try:
            return data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            pass
    else:
        utf16 = _bomless_utf16(data[:_SAMPLE])
        if utf16 is not None:
            try:
                return data.decode(utf16), utf16
            except UnicodeDecodeError:
                pass
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise ParseError(filename, "not a text file, or its encoding could not be detected")
    best = _prefer_western(matches, best)
    encoding = best.encoding
    if encoding in _CJK_LOOKALIKES and _reads_as_simplified_chinese(data):
        return data.decode("gb18030"), "gb18030"
    return str(best), encoding


def _prefer_western(matches, best):  # noqa: ANN001, ANN202 - charset-normalizer's own types
    """Short Latin-1 text reads equally well in several single-byte code pages; when Windows-1252 (a superset
    of Latin-1's printable range) reads it as well as the best guess, take it, as browsers do."""
    if is_multi_byte_encoding(best.encoding):
        return best
    for match in matches:
        if (match.encoding in _WESTERN and match.chaos <= best.chaos + 0.1
                and match.coherence >= best.coherence - 0.1):
            return match
    return best


def _bomless_utf16(sample: bytes) -> str | None:
    """UTF-16 of mostly Latin-script text: NUL in every other byte (odd offsets: little-endian)."""
    even, odd = sample[0::2], sample[1::2]
    if not odd:
        return None
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _reads_as_simplified_chinese(data: bytes) -> bool:
    """Short GB text is often guessed as Big5 or Korean; it is GB when GB18030 gives only common GB2312
    characters (Big5 bytes read as GB18030 give rare ones)."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    wide = [c for c in text if ord(c) > 0x7F]
    try:
        "".join(wide).encode("gb2312")
    except UnicodeEncodeError:
        return False
    return bool(wide)
