"""Builds the documents of the bundled knowledge bases that ship with the example workflows.

    python workflows/knowledge/build.py      # rewrites workflows/knowledge/*/ from the data below

- yuwen/    the Chinese question bank of the teaching assistant: a DOCX of classical poems (paragraphs and a
            table), and a Markdown page of literary common knowledge.
- academic/ short research notes for the research assistant.
- faq/      standard questions and answers (CSV) for FAQ intent routing.
The outputs are committed; tests/workflows checks that this script reproduces them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from docx import Document
from docx.opc.coreprops import CoreProperties

HERE = Path(__file__).resolve().parent

# (title, poet, dynasty, poem, question, answer)
POEMS = [
    ("竹里馆", "王维", "唐", "独坐幽篁里，弹琴复长啸。深林人不知，明月来相照。",
     "《竹里馆》的作者是谁？诗中描写了怎样的意境？",
     "《竹里馆》是唐代诗人王维的作品。诗人独坐幽深的竹林，弹琴长啸，无人知晓，只有明月相照，"
     "表现了清幽宁静的意境和诗人闲适自得、超然物外的心境。"),
    ("静夜思", "李白", "唐", "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
     "《静夜思》表达了诗人怎样的感情？",
     "《静夜思》是唐代诗人李白的作品。诗人由床前月光联想到地上的霜，抬头望月、低头思乡，"
     "表达了游子深切的思乡之情。"),
    ("春晓", "孟浩然", "唐", "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。",
     "《春晓》描写了什么季节的景色？",
     "《春晓》是唐代诗人孟浩然的作品，描写春天早晨的景色：鸟儿处处啼鸣，想起夜里的风雨，"
     "惋惜不知有多少花朵被打落，表达了诗人喜春、惜春之情。"),
    ("登鹳雀楼", "王之涣", "唐", "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。",
     "“欲穷千里目，更上一层楼”蕴含了什么道理？",
     "出自唐代诗人王之涣的《登鹳雀楼》。想要看得更远，就要登得更高，比喻只有站得高才能看得远，"
     "蕴含着积极进取、不断向上的人生哲理。"),
    ("望庐山瀑布", "李白", "唐", "日照香炉生紫烟，遥看瀑布挂前川。飞流直下三千尺，疑是银河落九天。",
     "《望庐山瀑布》用了哪些修辞手法？",
     "唐代诗人李白的《望庐山瀑布》运用了夸张和比喻：“飞流直下三千尺”是夸张，"
     "“疑是银河落九天”把瀑布比作从天而降的银河，写出了瀑布的壮美气势。"),
    ("江雪", "柳宗元", "唐", "千山鸟飞绝，万径人踪灭。孤舟蓑笠翁，独钓寒江雪。",
     "《江雪》塑造了一个怎样的形象？",
     "唐代诗人柳宗元的《江雪》塑造了一位在冰天雪地中独自垂钓的渔翁形象，"
     "寄托了诗人清高孤傲、不屈于世俗的情怀。"),
    ("游子吟", "孟郊", "唐", "慈母手中线，游子身上衣。临行密密缝，意恐迟迟归。谁言寸草心，报得三春晖。",
     "《游子吟》歌颂了什么？",
     "唐代诗人孟郊的《游子吟》通过母亲为远行的儿子缝衣的细节，歌颂了伟大无私的母爱，"
     "“谁言寸草心，报得三春晖”表达了子女难以报答母恩的感激之情。"),
    ("枫桥夜泊", "张继", "唐", "月落乌啼霜满天，江枫渔火对愁眠。姑苏城外寒山寺，夜半钟声到客船。",
     "《枫桥夜泊》中的“愁”指什么？",
     "唐代诗人张继的《枫桥夜泊》写旅途夜泊枫桥的所见所闻，“愁”是羁旅之愁，"
     "表达了诗人漂泊在外的孤寂与思乡之情。"),
]

COMMON_KNOWLEDGE = """# 文学常识

## 唐诗的体裁
唐诗的主要体裁有古体诗和近体诗。近体诗包括绝句和律诗：五言绝句每首四句、每句五字，七言绝句每首四句、每句七字；律诗每首八句。

## 诗人的称号
李白被称为“诗仙”，杜甫被称为“诗圣”，王维被称为“诗佛”，李贺被称为“诗鬼”。

## 山水田园诗派
盛唐山水田园诗派以王维、孟浩然为代表，合称“王孟”，诗风清新自然，多写山水田园的宁静景色。
"""

ACADEMIC = {
    "lora.md": """# LoRA：大模型的低秩适配

LoRA（Low-Rank Adaptation）冻结预训练模型的权重，只在注意力层旁路训练两个低秩矩阵 A 和 B，
更新量 ΔW = BA 的秩 r 远小于原矩阵维度。常用秩 r 取 8 到 64，学习率约 1e-4。
与全参数微调相比，LoRA 需要训练的参数量通常不到 1%，显存占用大幅下降，多个适配器可以共享同一个基座模型，
推理时按请求切换（例如 vLLM 的 --enable-lora 与 --lora-modules）。
""",
    "rag.md": """# 检索增强生成（RAG）

检索增强生成在生成回答之前先从知识库检索相关段落，再把段落作为参考资料放进提示词。
常见的检索方式有向量检索（语义相似）、关键词检索（BM25）以及两者融合的混合检索；
重排序模型（cross-encoder）可以进一步提升前几条结果的相关性。中文检索需要先分词，例如使用 jieba。
RAG 能减少模型幻觉，并让回答可以追溯到来源文档。
""",
    "sft-data.md": """# 微调数据集的构建

监督微调（SFT）的数据通常整理成多轮对话格式，每条样本是一组 messages。数据质量比数量更重要：
需要去重、过滤低质量样本、保持任务分布均衡。一般建议先用提示词工程验证效果，
只有当提示词无法满足需求、并且有足够的高质量数据时，再考虑微调。训练时观察 loss 曲线，
loss 不降可能是学习率过低，loss 震荡可能是学习率过高或数据噪声较大。
""",
}

FAQ = [
    ("如何绑定银行卡", "打开 App，进入“我的 > 银行卡 > 添加银行卡”，按提示输入卡号并完成短信验证即可绑定。"),
    ("如何删除银行卡", "进入“我的 > 银行卡”，选择要删除的卡片，点击右上角“解除绑定”，验证支付密码后即可删除。"),
    ("如何修改登录密码", "进入“设置 > 账号与安全 > 登录密码”，验证原密码或短信验证码后设置新密码。"),
    ("如何查询账单", "进入“我的 > 账单”，可以按月份查看消费明细，也可以导出电子账单。"),
]
FAQ_QUESTIONS = [q for q, _ in FAQ]


def question_bank_docx() -> bytes:
    """The question bank: one paragraph per poem (title, poem, question, answer) and a summary table."""
    document = Document()
    _stable(document.core_properties)
    document.add_heading("语文题库：古诗词", level=0)
    for title, poet, dynasty, poem, question, answer in POEMS:
        # One paragraph per entry, so that each entry becomes one chunk (see manifest.json).
        document.add_paragraph(f"《{title}》 {dynasty}·{poet}：{poem} 题目：{question} 答案：{answer}")
    document.add_heading("诗人与名句", level=1)
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ("诗题", "作者", "名句"), strict=True):
        cell.text = text
    for title, poet, dynasty, poem, _, _ in POEMS:
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text = f"《{title}》", f"{dynasty}·{poet}", poem.split("。")[0] + "。"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _stable(props: CoreProperties) -> None:
    # Fixed metadata so that rebuilding gives the same text content every time.
    props.author = "Loom"
    props.title = "语文题库"


def faq_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["question", "answer"])
    writer.writerows(FAQ)
    return buffer.getvalue()


def outputs() -> dict[str, bytes]:
    """Every bundled file, by path relative to this folder."""
    files = {"yuwen/question-bank.docx": question_bank_docx(),
             "yuwen/literary-knowledge.md": COMMON_KNOWLEDGE.encode(),
             "faq/faq.csv": faq_csv().encode()}
    files.update({f"academic/{name}": text.encode() for name, text in ACADEMIC.items()})
    return files


def main() -> None:
    for relative, data in outputs().items():
        path = HERE / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(HERE.parent.parent)} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
