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


def seed_responder(body: dict[str, Any]) -> Reply | str:
    system, user = _system(body), last_user_message(body)
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
