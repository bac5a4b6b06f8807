"""Dataset operators: small pure functions, on one text or on a list of samples.

Text operators (``str -> str``) are lifted to samples by :func:`map_text`, which applies them to every system
prompt, turn and pre-training text and drops the rows they leave empty. Row operators take samples and return an
:class:`OperatorResult`: the kept samples, and every dropped row with its line and reason. Nothing is changed in
place. :data:`OPERATORS` names them all for the API and the command line, in the seeds' order of use (seed 000
3.1.2: 符号标准化、异常字符过滤、个人数据脱敏、敏感词过滤、问答对去重).
"""

from __future__ import annotations

import inspect
import random
import re
import typing
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Literal

import opencc

from modelhub.datasets.duplicates import NEAR_THRESHOLD, exact_duplicate_groups, near_duplicate_groups
from modelhub.datasets.formats import THINK_OPEN, Format, Sample, Turn, to_row


@dataclass(frozen=True)
class Dropped:
    line: int
    reason: str


@dataclass
class OperatorResult:
    samples: list[Sample]
    dropped: list[Dropped] = field(default_factory=list)


TextOperator = Callable[[str], str]


def map_text(samples: Iterable[Sample], operator: TextOperator, name: str = "operator") -> OperatorResult:
    """Apply a text operator to every text of every sample; a row left with an empty text is dropped."""
    result = OperatorResult(samples=[])
    for sample in samples:
        if sample.text is not None:
            text = operator(sample.text)
            if not text.strip():
                result.dropped.append(Dropped(sample.line, f"{name} left the text empty"))
                continue
            result.samples.append(replace(sample, text=text))
            continue
        system = operator(sample.system) if sample.system else sample.system
        turns = tuple(Turn(turn.role, operator(turn.content)) for turn in sample.turns)
        empty = [turn.role for turn in turns if not turn.content.strip()]
        if empty or (sample.system and not (system or "").strip()):
            result.dropped.append(Dropped(sample.line, f"{name} left an empty {(empty or ['system'])[0]} message"))
            continue
        result.samples.append(replace(sample, system=system or None, turns=turns))
    return result


# --- duplicates ---------------------------------------------------------------------------------------------------

def _drop_groups(samples: Sequence[Sample], groups: list[list[int]], what: str) -> OperatorResult:
    drop = {index: group[0] for group in groups for index in group[1:]}
    return OperatorResult(
        samples=[sample for index, sample in enumerate(samples) if index not in drop],
        dropped=[Dropped(samples[index].line, f"{what} of line {samples[first].line}")
                 for index, first in sorted(drop.items())])


def remove_exact_duplicates(samples: Sequence[Sample]) -> OperatorResult:
    """Keep the first of each group of rows equal up to whitespace."""
    return _drop_groups(samples, exact_duplicate_groups(samples), "exact duplicate")


def remove_near_duplicates(samples: Sequence[Sample], threshold: float = NEAR_THRESHOLD) -> OperatorResult:
    """Keep the first of each group of near-duplicate rows (MinHash Jaccard of character 3-grams ≥ threshold)."""
    return _drop_groups(samples, near_duplicate_groups(samples, threshold), f"near duplicate (≥{threshold})")


# --- personal data masking ----------------------------------------------------------------------------------------

PiiKind = Literal["url", "email", "id", "phone"]
PII_KINDS: tuple[PiiKind, ...] = ("url", "email", "id", "phone")
PII_PLACEHOLDERS: dict[PiiKind, str] = {"url": "[URL]", "email": "[EMAIL]", "id": "[ID]", "phone": "[PHONE]"}

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'“”‘’，。；：！？、（）()【】《》]+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
# Resident identity card (GB 11643-1999): 6-digit area, birth date 19xx/20xx, 3-digit sequence, check digit.
_CN_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                    r"(?![0-9A-Za-z])")
_PHONES = (
    re.compile(r"(?<![\d+])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)"),   # Chinese mobile numbers
    re.compile(r"(?<![\d+])(?:\(0\d{2,3}\)|0\d{2,3}-)[ ]?\d{7,8}(?!\d)"),           # Chinese landlines 010-12345678
    re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?!\d)"),           # international +44 20 7946 0958
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_TRAILING = ".,;:!?)]}"


def valid_cn_id(number: str) -> bool:
    """Whether an 18-character resident ID number has the right ISO 7064 MOD 11-2 check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def mask_pii(text: str, kinds: Iterable[PiiKind] = PII_KINDS) -> str:
    """Replace URLs, e-mail addresses, Chinese ID numbers and phone numbers by ``[URL]``, ``[EMAIL]``, ``[ID]``,
    ``[PHONE]`` (the seeds' 个人数据脱敏). ID numbers are masked only when their check digit is right, so order and
    tracking numbers of 18 digits are mostly left alone."""
    wanted = set(kinds)
    if "url" in wanted:
        def url(match: re.Match[str]) -> str:
            found = match.group(0)
            kept = found.rstrip(_TRAILING)
            return PII_PLACEHOLDERS["url"] + found[len(kept):]
        text = _URL.sub(url, text)
    if "email" in wanted:
        text = _EMAIL.sub(PII_PLACEHOLDERS["email"], text)
    if "id" in wanted:
        text = _CN_ID.sub(lambda match: PII_PLACEHOLDERS["id"] if valid_cn_id(match.group(0)) else match.group(0), text)
    if "phone" in wanted:
        for pattern in _PHONES:
            text = pattern.sub(lambda match: _phone(match.group(0)), text)
    return text


def _phone(found: str) -> str:
    digits = sum(char.isdigit() for char in found)
    return PII_PLACEHOLDERS["phone"] if 7 <= digits <= 15 else found


# --- simplified / traditional Chinese -----------------------------------------------------------------------------

ChineseScript = Literal["simplified", "traditional", "taiwan", "hongkong"]
_OPENCC_CONFIGS: dict[ChineseScript, str] = {
    "simplified": "t2s", "traditional": "s2t", "taiwan": "s2twp", "hongkong": "s2hk"}


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def convert_chinese(text: str, to: ChineseScript = "simplified") -> str:
    """Simplified/traditional conversion with OpenCC (``taiwan`` also uses Taiwanese phrasing: 软件 → 軟體)."""
    if to not in _OPENCC_CONFIGS:
        raise ValueError(f"unknown Chinese script {to!r}; use one of {', '.join(_OPENCC_CONFIGS)}")
    return str(_converter(_OPENCC_CONFIGS[to]).convert(text))


def to_simplified(text: str) -> str:
    return convert_chinese(text, "simplified")


def to_traditional(text: str) -> str:
    return convert_chinese(text, "traditional")


# --- symbol normalisation -----------------------------------------------------------------------------------------

Width = Literal["alnum", "all", "none"]
_DOUBLE_QUOTES = str.maketrans({char: '"' for char in "“”„‟〝〞＂″"})
_SINGLE_QUOTES = str.maketrans({char: "'" for char in "‘’‚‛′＇"})


def normalize_symbols(text: str, width: Width = "alnum", quotes: bool = False) -> str:
    """Full-width to half-width and curly to straight quotes (the seeds' 符号标准化).

    ``width="alnum"`` turns full-width letters, digits and the ideographic space into ASCII and leaves Chinese
    punctuation (，。！？) alone; ``"all"`` turns every full-width ASCII form into ASCII, punctuation included;
    ``quotes=True`` makes curly quotes straight.
    """
    if width not in ("alnum", "all", "none"):
        raise ValueError(f"unknown width {width!r}; use alnum, all or none")
    if width != "none":
        chars = []
        for char in text:
            code = ord(char)
            if code == 0x3000:
                chars.append(" ")
            elif 0xFF01 <= code <= 0xFF5E and (width == "all" or char.isalnum()):
                chars.append(chr(code - 0xFEE0))
            else:
                chars.append(char)
        text = "".join(chars)
    if quotes:
        text = text.translate(_DOUBLE_QUOTES).translate(_SINGLE_QUOTES)
    return text


# --- abnormal characters ------------------------------------------------------------------------------------------

# Decorative symbols the seeds remove (000 表4-1: 移除文本中特殊符号，比如• █ ◆ □ ► ® ©): bullets, block elements,
# geometric shapes, box drawing, registered/copyright/trade marks.
_SYMBOLS = "[\u2022\u2023\u25a0-\u25ff\u2580-\u259f\u2500-\u257f\u00ae\u00a9\u2122]+"
_DECORATIVE = re.compile(rf"(?m)^[ \t]*{_SYMBOLS}[ \t]*|[ \t]*{_SYMBOLS}")
_HTML_TAG = re.compile(rf"</?(?!{THINK_OPEN[1:-1]}>)[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def _abnormal_char(char: str) -> bool:
    if char in "\t\n\r":
        return False
    if char in _ZERO_WIDTH or char == "\ufffd":
        return True
    return unicodedata.category(char) in ("Cc", "Co", "Cs", "Cn")


def strip_abnormal(text: str, html: bool = True) -> str:
    """Remove control, zero-width, private-use, unassigned and replacement characters, decorative symbols and
    (``html=True``) HTML tags such as ``<head>`` (000 表4-1), keeping ``<think>`` blocks."""
    text = "".join(char for char in text if not _abnormal_char(char))
    text = _DECORATIVE.sub("", text)
    if html:
        text = _HTML_TAG.sub("", text)
    return text


def abnormal_ratio(text: str) -> float:
    """The share of characters :func:`strip_abnormal` would remove (0 for an empty text)."""
    return (len(text) - len(strip_abnormal(text))) / len(text) if text else 0.0


def drop_garbled(samples: Iterable[Sample], max_ratio: float = 0.3) -> OperatorResult:
    """Drop rows whose abnormal-character share is above ``max_ratio`` (garbled text, seed 001 2.11 乱码)."""
    result = OperatorResult(samples=[])
    for sample in samples:
        ratio = abnormal_ratio(sample.joined())
        if ratio > max_ratio:
            result.dropped.append(Dropped(sample.line, f"{ratio:.0%} abnormal characters (more than {max_ratio:.0%})"))
        else:
            result.samples.append(sample)
    return result


# --- train / validation split -------------------------------------------------------------------------------------

@dataclass
class Split:
    train: list[Sample]
    validation: list[Sample]


def split_train_validation(samples: Sequence[Sample], validation: float = 0.1, seed: int = 0,
                           stratify_by: str | Callable[[Sample], Hashable] | None = None) -> Split:
    """Split into training and validation rows, reproducibly for a seed; both keep the file's order.

    ``stratify_by`` names an extra field of the rows (a label, an industry: seed 004 "按行业分层抽样") or is a
    function of a sample; each of its values then gets the same validation share (rows without the field form one
    group). Every group of two or more rows gives at least one validation row.
    """
    if not 0 < validation < 1:
        raise ValueError(f"validation share must be between 0 and 1, got {validation}")
    if isinstance(stratify_by, str):
        name = stratify_by
        key: Callable[[Sample], Hashable] = lambda sample: _hashable(sample.extra.get(name))  # noqa: E731
    else:
        key = stratify_by or (lambda sample: None)
    groups: dict[Hashable, list[int]] = {}
    for index, sample in enumerate(samples):
        groups.setdefault(key(sample), []).append(index)
    rng = random.Random(seed)
    chosen: set[int] = set()
    for members in groups.values():
        count = round(len(members) * validation)
        if count == 0 and len(members) >= 2:
            count = 1
        chosen.update(rng.sample(members, min(count, len(members) - 1)))
    return Split(train=[sample for index, sample in enumerate(samples) if index not in chosen],
                 validation=[sample for index, sample in enumerate(samples) if index in chosen])


def _hashable(value: Any) -> Hashable:
    return value if isinstance(value, Hashable) else repr(value)


# --- format conversion --------------------------------------------------------------------------------------------

def convert_format(samples: Iterable[Sample], to: Format) -> list[dict[str, Any]]:
    """The rows of ``samples`` in format ``to`` (:func:`~modelhub.datasets.formats.to_row`); a pre-training text
    cannot become a dialogue and raises :class:`~modelhub.datasets.formats.ConversionError` with its line."""
    return [to_row(sample, to) for sample in samples]


# --- registry for the API and the command line --------------------------------------------------------------------

def _text_op(operator: Callable[..., str], name: str) -> Callable[..., OperatorResult]:
    def run(samples: Sequence[Sample], **params: Any) -> OperatorResult:
        return map_text(samples, lambda text: operator(text, **params), name)
    run.__name__ = name
    run.__doc__ = operator.__doc__
    run.__wrapped__ = operator  # type: ignore[attr-defined]  # its parameters are the operator's
    return run


OPERATORS: dict[str, Callable[..., OperatorResult]] = {
    "normalize_symbols": _text_op(normalize_symbols, "normalize_symbols"),
    "strip_abnormal": _text_op(strip_abnormal, "strip_abnormal"),
    "drop_garbled": drop_garbled,
    "mask_pii": _text_op(mask_pii, "mask_pii"),
    "convert_chinese": _text_op(convert_chinese, "convert_chinese"),
    "remove_exact_duplicates": remove_exact_duplicates,
    "remove_near_duplicates": remove_near_duplicates,
}


def operator_params(name: str) -> list[dict[str, Any]]:
    """The parameters operator ``name`` takes, from its signature, for forms and help: ``{name, type, default}``
    with ``type`` one of number, boolean, string, choice (with ``choices``) or choices (a subset of ``choices``)."""
    function = inspect.unwrap(OPERATORS[name])
    hints = typing.get_type_hints(function)
    params: list[dict[str, Any]] = []
    for parameter in list(inspect.signature(function).parameters.values())[1:]:  # after the text or the samples
        hint = hints.get(parameter.name)
        default = parameter.default
        spec: dict[str, Any] = {"name": parameter.name,
                                "default": list(default) if isinstance(default, tuple) else default}
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is Literal:
            spec.update(type="choice", choices=list(args))
        elif args and typing.get_origin(args[0]) is Literal:  # Iterable[Literal[...]]
            spec.update(type="choices", choices=list(typing.get_args(args[0])))
        elif hint is bool:
            spec["type"] = "boolean"
        elif hint in (int, float):
            spec["type"] = "number"
        else:
            spec["type"] = "string"
        params.append(spec)
    return params


def apply_pipeline(samples: Sequence[Sample], steps: Iterable[tuple[str, dict[str, Any]]]) -> OperatorResult:
    """Run named operators in order; the dropped rows of every step are collected."""
    current: list[Sample] = list(samples)
    dropped: list[Dropped] = []
    for name, params in steps:
        if name not in OPERATORS:
            raise ValueError(f"unknown operator {name!r}; operators: {', '.join(OPERATORS)}")
        step = OPERATORS[name](current, **params)
        current, dropped = step.samples, dropped + step.dropped
    return OperatorResult(current, dropped)


__all__ = ["OPERATORS", "Dropped", "OperatorResult", "Split", "abnormal_ratio", "apply_pipeline", "convert_chinese",
           "convert_format", "drop_garbled", "map_text", "mask_pii", "normalize_symbols", "operator_params",
           "remove_exact_duplicates", "remove_near_duplicates", "split_train_validation", "strip_abnormal",
           "to_simplified", "to_traditional", "valid_cn_id"]
