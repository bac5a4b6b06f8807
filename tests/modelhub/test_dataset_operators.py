"""Dataset operators, each a pure function: de-duplication, PII masking, Chinese script conversion, symbol
normalisation, abnormal characters, train/validation split and format conversion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelhub.datasets import (
    OPERATORS,
    ConversionError,
    Format,
    Sample,
    Turn,
    apply_pipeline,
    check_file,
    convert_chinese,
    convert_format,
    drop_garbled,
    dumps_jsonl,
    map_text,
    mask_pii,
    normalize_symbols,
    parse_row,
    remove_exact_duplicates,
    remove_near_duplicates,
    split_train_validation,
    strip_abnormal,
    to_simplified,
    to_traditional,
)
from modelhub.datasets.operators import abnormal_ratio, valid_cn_id

FIXTURES = Path(__file__).parent / "fixtures"


def qa(question: str, answer: str, line: int = 0, **extra: object) -> Sample:
    return Sample(line=line, turns=(Turn("user", question), Turn("assistant", answer)), extra=extra)


# --- duplicates ---------------------------------------------------------------------------------------------------

CHONGQING = ("当然知道，重庆是中国的美食之都，特别是小吃。以下是一些重庆著名的小吃：1. 重庆小面 2. 毛肚 3. 辣子鸡 "
             "4. 酸辣粉 5. 抄手 6. 鸡公煲 7. 夜宵烧烤 8. 兔头 9. 山城酥哨 10. 鸭脖")


def test_exact_duplicates_keep_the_first_and_name_it() -> None:
    samples = [qa("你好", "您好", 1), qa("你好 ", "您好", 2), qa("你好", "您好！", 3), qa("你好", "您好", 4)]
    result = remove_exact_duplicates(samples)
    assert [sample.line for sample in result.samples] == [1, 3]
    assert [(d.line, d.reason) for d in result.dropped] == [(2, "exact duplicate of line 1"),
                                                            (4, "exact duplicate of line 1")]
    assert [sample.line for sample in samples] == [1, 2, 3, 4]  # the input is untouched


def test_near_duplicates_the_seed_chongqing_example() -> None:
    # Pangu best practices 4.1.2, 同质数据处理: two rows that differ in the question and the answer's first words.
    samples = [qa("你知道几样重庆的小吃？", CHONGQING, 1),
               qa("介绍一些重庆的小吃？", CHONGQING.removeprefix("当然知道，"), 2),
               qa("你知道几样成都的小吃？", "成都小吃有：龙抄手、钟水饺、赖汤圆、担担面、夫妻肺片、三大炮。", 3)]
    result = remove_near_duplicates(samples, threshold=0.8)
    assert [sample.line for sample in result.samples] == [1, 3]
    assert [(d.line, d.reason) for d in result.dropped] == [(2, "near duplicate (≥0.8) of line 1")]
    assert remove_near_duplicates(samples, threshold=0.99).dropped == []
    with pytest.raises(ValueError, match="threshold"):
        remove_near_duplicates(samples, threshold=0)


# --- PII ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "masked"), [
    ("我的手机是13812345678。", "我的手机是[PHONE]。"),
    ("请拨 138-1234-5678 或 +86 139 1234 5678", "请拨 [PHONE] 或 [PHONE]"),
    ("座机010-62345678，传真(0755) 1234567", "座机[PHONE]，传真[PHONE]"),
    ("London office: +44 20 7946 0958.", "London office: [PHONE]."),
    ("邮箱 zhang.san+sft@example.com.cn 或 li@corp.io", "邮箱 [EMAIL] 或 [EMAIL]"),
    ("详见 https://example.com/a?b=1&c=2。或 www.example.org/x.", "详见 [URL]。或 [URL]."),
    ("身份证号 11010519491231002X 已登记", "身份证号 [ID] 已登记"),
    ("订单号 110105194912310021 不是身份证", "订单号 110105194912310021 不是身份证"),
    ("2023年10月14日16时58分，价格 188 元，编号 12345", "2023年10月14日16时58分，价格 188 元，编号 12345"),
])
def test_mask_pii(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


def test_mask_pii_only_the_asked_kinds_and_id_checksum() -> None:
    text = "电话13812345678，邮箱 a@b.com"
    assert mask_pii(text, kinds=["email"]) == "电话13812345678，邮箱 [EMAIL]"
    assert valid_cn_id("11010519491231002X") and valid_cn_id("11010519491231002x")
    assert not valid_cn_id("110105194912310021") and not valid_cn_id("1101051949123100")


# --- Chinese scripts ----------------------------------------------------------------------------------------------

def test_simplified_and_traditional_conversion() -> None:
    assert to_simplified("漢字轉換，這個軟體很好用") == "汉字转换，这个软体很好用"
    assert to_traditional("汉字转换，这个软件很好用") == "漢字轉換，這個軟件很好用"
    assert convert_chinese("这个软件很好用", "taiwan") == "這個軟體很好用"
    assert to_simplified("ASCII text stays: <think>1+1</think>") == "ASCII text stays: <think>1+1</think>"
    with pytest.raises(ValueError, match="unknown Chinese script 'klingon'"):
        convert_chinese("字", "klingon")  # type: ignore[arg-type]


# --- symbols and abnormal characters ------------------------------------------------------------------------------

def test_normalize_symbols() -> None:
    text = "ＡＢＣ１２３，“你好”　‘世界’！"
    assert normalize_symbols(text) == "ABC123，“你好” ‘世界’！"
    assert normalize_symbols(text, width="all") == "ABC123,“你好” ‘世界’!"
    assert normalize_symbols(text, width="none", quotes=True) == "ＡＢＣ１２３，\"你好\"　'世界'！"
    with pytest.raises(ValueError, match="unknown width"):
        normalize_symbols(text, width="wide")  # type: ignore[arg-type]


def test_strip_abnormal_the_seed_examples() -> None:
    # Pangu best practices 表4-1: 移除文本中网页标签符号 / 特殊符号，比如• █ ◆ □ ► ® ©
    assert strip_abnormal("<head>论知识的重要性</head>") == "论知识的重要性"
    assert (strip_abnormal("我喜欢荷塘的月色 █，因为它能够让我感到一种宁静的美□")
            == "我喜欢荷塘的月色，因为它能够让我感到一种宁静的美")
    assert strip_abnormal("• 要点 ◆ 说明 ► 品牌® ©2024") == "要点 说明 品牌2024"


def test_strip_abnormal_keeps_think_blocks_text_and_emoji() -> None:
    text = "<think>\n先想一想\n</think>答\u200b案\x07\ufffd\ue000 😍 1 < 2 且 <营销文案>"
    assert strip_abnormal(text) == "<think>\n先想一想\n</think>答案 😍 1 < 2 且 <营销文案>"
    assert strip_abnormal("<b>粗体</b>", html=False) == "<b>粗体</b>"


def test_drop_garbled_rows() -> None:
    samples = [qa("正常的问题", "正常的回答", 1), qa("乱码", "\ufffd\ufffd\ufffd\ue000\x01abc", 2)]
    assert abnormal_ratio("") == 0.0 and abnormal_ratio("ab\ufffd\ufffd") == 0.5
    result = drop_garbled(samples, max_ratio=0.3)
    assert [sample.line for sample in result.samples] == [1]
    assert result.dropped[0].line == 2 and result.dropped[0].reason.startswith("45% abnormal characters")


def test_map_text_drops_rows_an_operator_empties_and_keeps_the_rest() -> None:
    samples = [qa("问题", "<b></b>", 1), Sample(line=2, text="█ ◆"), qa("<i>问</i>", "答", 3)]
    result = map_text(samples, strip_abnormal, "strip_abnormal")
    assert [(d.line, d.reason) for d in result.dropped] == [(1, "strip_abnormal left an empty assistant message"),
                                                            (2, "strip_abnormal left the text empty")]
    assert result.samples[0].turns[0].content == "问" and result.samples[0].line == 3


# --- split --------------------------------------------------------------------------------------------------------

def test_split_by_ratio_is_seeded_and_keeps_order() -> None:
    samples = [qa(f"问{index}", f"答{index}", index) for index in range(1, 101)]
    split = split_train_validation(samples, validation=0.2, seed=7)
    assert len(split.train) == 80 and len(split.validation) == 20
    assert {s.line for s in split.train} | {s.line for s in split.validation} == set(range(1, 101))
    assert [s.line for s in split.validation] == sorted(s.line for s in split.validation)
    again = split_train_validation(samples, validation=0.2, seed=7)
    other = split_train_validation(samples, validation=0.2, seed=8)
    assert again.validation == split.validation and other.validation != split.validation
    with pytest.raises(ValueError, match="between 0 and 1"):
        split_train_validation(samples, validation=1.0)


def test_split_stratified_by_a_field() -> None:
    labels = ["积极"] * 60 + ["消极"] * 30 + ["中立"] * 10
    samples = [qa(f"内容{index}", label, index, label=label) for index, label in enumerate(labels, start=1)]
    split = split_train_validation(samples, validation=0.1, seed=0, stratify_by="label")
    counts = {label: sum(1 for s in split.validation if s.extra["label"] == label) for label in set(labels)}
    assert counts == {"积极": 6, "消极": 3, "中立": 1}
    by_answer = split_train_validation(samples, validation=0.1, seed=0, stratify_by=lambda s: s.turns[-1].content)
    assert len(by_answer.validation) == 10


def test_split_small_group_gives_one_validation_row_and_keeps_one_for_training() -> None:
    samples = [qa("a", "b", 1, label="x"), qa("c", "d", 2, label="x"), qa("e", "f", 3, label="y")]
    split = split_train_validation(samples, validation=0.1, stratify_by="label")
    assert len(split.validation) == 1 and split.validation[0].extra["label"] == "x"
    assert {s.line for s in split.train} == {1, 2, 3} - {split.validation[0].line}


# --- format conversion --------------------------------------------------------------------------------------------

def test_messages_to_context_target_and_back_is_lossless() -> None:
    samples = check_file(FIXTURES / "seed_messages.jsonl").samples
    pangu = convert_format(samples, Format.CONTEXT_TARGET)
    assert pangu[1] == {"system": "请根据古诗内容，仅回复作者的名字。",
                        "context": ["孤灯照不寐，风雨满西林。多少关心事，书灰到夜深。"], "target": "李群玉"}
    back = [parse_row(row, Format.CONTEXT_TARGET, sample.line) for row, sample in zip(pangu, samples, strict=True)]
    assert back == samples
    assert convert_format(back, Format.MESSAGES) == [json.loads(line) for index, line in enumerate(
        (FIXTURES / "seed_messages.jsonl").read_text(encoding="utf-8").splitlines()) if index != 2]


def test_multi_turn_context_to_messages_alternates_roles_and_keeps_extra_fields() -> None:
    row = {"system": "你是客服", "context": ["Q1", "A1", "Q2"], "target": "A2", "label": "chat"}
    sample = parse_row(row, Format.CONTEXT_TARGET, 1)
    assert convert_format([sample], Format.MESSAGES) == [{"messages": [
        {"role": "system", "content": "你是客服"}, {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2"},
        {"role": "assistant", "content": "A2"}], "label": "chat"}]
    assert convert_format([sample], Format.TEXT) == [{"text": "你是客服\nQ1\nA1\nQ2\nA2", "label": "chat"}]


def test_text_cannot_become_a_dialogue() -> None:
    samples = check_file(FIXTURES / "seed_text.jsonl").samples
    with pytest.raises(ConversionError, match="line 1: a pre-training text has no question and answer"):
        convert_format(samples, Format.MESSAGES)
    assert json.loads(dumps_jsonl(samples, Format.TEXT).splitlines()[0])["text"].startswith("近日，全省对涉煤收费")


# --- pipeline -----------------------------------------------------------------------------------------------------

def test_pipeline_runs_named_operators_in_order_and_collects_drops() -> None:
    samples = [qa("电话13812345678", "好的 █", 1), qa("电话13812345678", "好的", 2), qa("漢字", "<b></b>", 3)]
    result = apply_pipeline(samples, [("strip_abnormal", {}), ("mask_pii", {"kinds": ["phone"]}),
                                      ("convert_chinese", {"to": "simplified"}), ("remove_exact_duplicates", {})])
    assert [s.turns[0].content for s in result.samples] == ["电话[PHONE]"]
    assert [(d.line, d.reason) for d in result.dropped] == [(3, "strip_abnormal left an empty assistant message"),
                                                            (2, "exact duplicate of line 1")]
    assert set(OPERATORS) >= {"normalize_symbols", "strip_abnormal", "mask_pii", "convert_chinese",
                              "remove_exact_duplicates", "remove_near_duplicates", "drop_garbled"}
    with pytest.raises(ValueError, match="unknown operator 'shuffle'"):
        apply_pipeline(samples, [("shuffle", {})])


def test_conversion_refuses_a_field_that_would_clash_naming_the_line() -> None:
    sample = parse_row({"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}],
                        "context": "old"}, Format.MESSAGES, 7)
    with pytest.raises(ConversionError, match="line 7: the row's own field 'context' would clash"):
        convert_format([sample], Format.TEXT)


@pytest.mark.parametrize(("name", "expected"), [
    ("mask_pii", [{"name": "kinds", "type": "choices", "default": ["url", "email", "id", "phone"],
                   "choices": ["url", "email", "id", "phone"]}]),
    ("convert_chinese", [{"name": "to", "type": "choice", "default": "simplified",
                          "choices": ["simplified", "traditional", "taiwan", "hongkong"]}]),
    ("normalize_symbols", [{"name": "width", "type": "choice", "default": "alnum", "choices": ["alnum", "all", "none"]},
                           {"name": "quotes", "type": "boolean", "default": False}]),
    ("strip_abnormal", [{"name": "html", "type": "boolean", "default": True}]),
    ("drop_garbled", [{"name": "max_ratio", "type": "number", "default": 0.3}]),
    ("remove_near_duplicates", [{"name": "threshold", "type": "number", "default": 0.8}]),
    ("remove_exact_duplicates", []),
])
def test_operator_parameters_come_from_the_signatures(name: str, expected: list[dict[str, object]]) -> None:
    from modelhub.datasets.operators import operator_params

    assert operator_params(name) == expected


@pytest.mark.parametrize(("text", "masked"), [
    ("手机 15912345678 和 0086-13912345678", "手机 [PHONE] 和 [PHONE]"),
    ("身份证 11010519491231002X、邮箱 a.b@c.cn、网址 http://x.cn/p", "身份证 [ID]、邮箱 [EMAIL]、网址 [URL]"),
])
def test_mask_pii_mixed_kinds_in_one_text(text: str, masked: str) -> None:
    assert mask_pii(text) == masked
