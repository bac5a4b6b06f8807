"""Test double: answers the example workflows' prompts the way a model would, for the scripted server.

    ScriptedOpenAI(seed_responder)        # in tests
    python -m tests.doubles.openai_server --seed   # standalone, for browser tests

It reads the prompts the example workflows send (workflows/*.json) and answers each step plausibly:
question extraction as JSON, FAQ intent matching (or NA), answers grounded in the reference text, direct
answers marked as AI-generated, and the format polish.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.doubles.openai_server import Reply, last_user_message

# What a model "understands" about the FAQ options: words in the customer question → standard question.
FAQ_SENSE = {"注销": "如何删除银行卡", "删除": "如何删除银行卡", "解绑": "如何删除银行卡", "绑定": "如何绑定银行卡",
             "密码": "如何修改登录密码", "账单": "如何查询账单", "消费记录": "如何查询账单"}
AI_MARK = "（此回答由AI生成）"
# Ticket intents (seed 000's work-order case): words in the customer's message → class name.
TICKET_SENSE = {"投诉": "投诉", "催": "催复", "还没人回复": "催复", "进度": "催复", "怎么": "咨询", "如何": "咨询",
                "吗": "咨询"}


def _system(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content", "")) for m in body.get("messages") or [] if m.get("role") == "system")


def _references(text: str) -> list[str]:
    fenced = re.findall(r"```\n(.*?)\n```", text, re.S)
    if fenced:
        return fenced
    quoted = re.search(r"'''(.*?)'''", text, re.S)
    return [quoted.group(1)] if quoted else []


def _faq(user: str) -> str:
    customer = re.search(r"客户问题：(.*)", user)
    options = re.search(r"标准问题选项：(.*)", user)
    if not customer or not options:
        return "NA"
    allowed = [o.strip() for o in options.group(1).split("、")]
    for word, option in FAQ_SENSE.items():
        if word in customer.group(1) and option in allowed:
            return option
    return "NA"


def _classify(system: str, user: str) -> str:
    """A question-classifier prompt: the listed class whose name or sense the message carries, as JSON."""
    listed = dict(re.findall(r'class_id "([^"]+)", class_name "([^"]+)"', system))
    by_name = {name: cid for cid, name in listed.items()}
    for word, name in [*((n, n) for n in by_name), *TICKET_SENSE.items()]:
        if word in user and name in by_name:
            return json.dumps({"class_id": by_name[name], "class_name": name}, ensure_ascii=False)
    return json.dumps({"class_id": "else", "class_name": ""})


def _extract(system: str, user: str) -> str:
    """A parameter-extractor prompt: order numbers and phone numbers found in the message, fenced, with prose."""
    found: dict[str, str] = {}
    order, phone = re.search(r"SO\d+", user), re.search(r"(?<!\d)1\d{10}(?!\d)", user)
    if order and '"order_id"' in system:
        found["order_id"] = order.group(0)
    if phone and '"phone"' in system:
        found["phone"] = phone.group(0)
    return f"提取结果如下：\n```json\n{json.dumps(found, ensure_ascii=False)}\n```"


def seed_responder(body: dict[str, Any]) -> Reply | str:
    system, user = _system(body), last_user_message(body)
    if "Classify the user's text" in system:
        return _classify(system, user)
    if "Extract the parameters" in system:
        return _extract(system, user)
    if "只输出 JSON" in system:
        question = re.sub(r"^(你好|您好|老师)?[，,]?\s*(请问|我想问一下|我想知道)?\s*", "", user.strip())
        return json.dumps({"question": question}, ensure_ascii=False)
    if "标准问题选项" in user:
        return _faq(user)
    if "格式" in system or "Markdown" in system:
        return f"## 回答\n\n{user.strip()}"
    if "文档内容" in user:
        document = (_references(user) or [""])[0]
        return f"根据您上传的文档：{document.strip()[:80]}"
    references = _references(user)
    if references:
        return f"根据参考资料：{references[0].strip()}"
    if "AI生成" in system:
        question = user.strip()
        return f"关于“{question}”，这是我的解答。{AI_MARK}"
    return f"这是对“{user.strip()}”的回答。"
