"""What users see: values and print output, syntax errors located, tracebacks trimmed to their own code."""

from __future__ import annotations

import pytest

from nodes.sandbox import SandboxCompileError, SandboxPool, SandboxRuntimeError
from nodes.sandbox.compiler import problems

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_main_gets_args_and_its_dict_comes_back(pool: SandboxPool) -> None:
    code = ("import json, math, datetime, collections\n"
            "def main(args):\n"
            "    words = collections.Counter(args['text'].split())\n"
            "    day = datetime.date.fromisoformat(args['day'])\n"
            "    return {'top': words.most_common(1)[0][0], 'root': math.sqrt(args['n']),\n"
            "            'weekday': day.strftime('%A'), 'nested': {'list': [1, 2.5, None, True]}}\n")
    result = await pool.run(code, {"text": "a b a", "day": "2024-05-06", "n": 16})
    assert result.value == {"top": "a", "root": 4.0, "weekday": "Monday", "nested": {"list": [1, 2.5, None, True]}}


async def test_user_classes_work(pool: SandboxPool) -> None:
    code = ("class Box:\n"
            "    def __init__(self, items):\n"
            "        self.items = items\n"
            "    def total(self):\n"
            "        return sum(self.items)\n"
            "def main(args):\n"
            "    box = Box(args['items'])\n"
            "    box.label = 'sum'\n"
            "    return {box.label: box.total()}\n")
    assert (await pool.run(code, {"items": [1, 2, 3]})).value == {"sum": 6}


async def test_print_output_is_captured_per_line(pool: SandboxPool) -> None:
    code = ("def helper():\n    print('in helper')\n"
            "def main(args):\n    print('a', 1, sep='=')\n    helper()\n    return {}")
    assert (await pool.run(code, {})).logs == ["a=1", "in helper"]


async def test_print_output_is_capped(pool: SandboxPool) -> None:
    code = "def main(args):\n    for i in range(100000):\n        print('line', i)\n    return {'done': True}"
    result = await pool.run(code, {})
    assert result.value == {"done": True}
    assert result.logs[0] == "line 0"
    assert result.logs[-1] == "... (print output truncated at 65,536 characters)"
    assert sum(len(line) + 1 for line in result.logs[:-1]) <= 65_536 + 1


async def test_the_seed_mistake_gets_a_hint(pool: SandboxPool) -> None:
    code = "def main(args: dict) -> dict:\n    return {'output': str1 + str2}"
    with pytest.raises(SandboxRuntimeError) as caught:
        await pool.run(code, {"str1": "a", "str2": "b"})
    assert str(caught.value).splitlines()[0] == \
        "name 'str1' is not defined — inputs are in args, e.g. args.get('str1')"


async def test_a_name_that_is_not_an_input_gets_no_misleading_hint(pool: SandboxPool) -> None:
    with pytest.raises(SandboxRuntimeError) as caught:
        await pool.run("def main(args):\n    return {'x': nope}", {"str1": "a"})
    assert str(caught.value).splitlines()[0] == "NameError: name 'nope' is not defined"
    assert caught.value.traceback == ["line 2, in main: return {'x': nope}"]


async def test_runtime_errors_show_only_the_users_frames(pool: SandboxPool) -> None:
    code = ("import json\n"
            "def parse(text):\n"
            "    return json.loads(text)\n"
            "\n"
            "def main(args):\n"
            "    return {'x': parse(args['raw'])}\n")
    with pytest.raises(SandboxRuntimeError) as caught:
        await pool.run(code, {"raw": "{bad"})
    message = str(caught.value)
    assert message.splitlines()[0].startswith("JSONDecodeError: Expecting property name enclosed in double quotes")
    assert caught.value.traceback == ["line 6, in main: return {'x': parse(args['raw'])}",
                                      "line 3, in parse: return json.loads(text)"]
    for internal in ("worker.py", "policy.py", "json/decoder.py", "Traceback"):
        assert internal not in message


async def test_syntax_errors_carry_line_and_column(pool: SandboxPool) -> None:
    with pytest.raises(SandboxCompileError, match=r"^line 2, column 16: syntax error: ") as caught:
        await pool.run("def main(args):\n    return {'x': }\n", {})
    assert (caught.value.line, caught.value.column) == (2, 16)


async def test_policy_errors_carry_the_line(pool: SandboxPool) -> None:
    with pytest.raises(SandboxCompileError, match=r'^line 3: "_secret" is an invalid variable name') as caught:
        await pool.run("def main(args):\n    x = 1\n    _secret = 2\n    return {}", {})
    assert caught.value.line == 3


async def test_main_must_exist_and_return_a_dict(pool: SandboxPool) -> None:
    with pytest.raises(SandboxCompileError, match=r"must define a function `def main\(args: dict\) -> dict`"):
        await pool.run("def handler(args):\n    return {}", {})
    with pytest.raises(SandboxRuntimeError, match=r"^main must return a dict, got list$"):
        await pool.run("def main(args):\n    return [1]", {})


async def test_module_level_errors_are_reported_too(pool: SandboxPool) -> None:
    with pytest.raises(SandboxRuntimeError, match=r"^KeyError: 'k'\n  line 1, in <module>: x = \{\}\['k'\]$"):
        await pool.run("x = {}['k']\ndef main(args):\n    return {}", {})


async def test_every_problem_is_listed_at_compile_time() -> None:
    _, found = problems("def main(args):\n    a = x.__dict__\n    b = _y\n    return {}")
    assert [str(p) for p in found] == [
        'line 2: "__dict__" is an invalid attribute name because it starts with "_".',
        'line 3: "_y" is an invalid variable name because it starts with "_"',
    ]


async def test_augmented_assignment_to_items_and_attributes(pool: SandboxPool) -> None:
    code = ("class Tally:\n"
            "    def __init__(self):\n"
            "        self.total = 0\n"
            "def key(word, calls):\n"
            "    calls.append(word)\n"
            "    return word\n"
            "def main(args):\n"
            "    counts, calls, tally = {}, [], Tally()\n"
            "    for word in args['words']:\n"
            "        counts.setdefault(word, 0)\n"
            "        counts[key(word, calls)] += 1\n"
            "        tally.total += len(word)\n"
            "    return {'counts': counts, 'total': tally.total, 'calls': len(calls)}\n")
    result = await pool.run(code, {"words": ["a", "bb", "a"]})
    assert result.value == {"counts": {"a": 2, "bb": 1}, "total": 4, "calls": 3}  # each key evaluated once


async def test_augmented_assignment_keeps_the_guards(pool: SandboxPool) -> None:
    with pytest.raises(SandboxCompileError, match=r'"_hidden" is an invalid attribute name'):
        await pool.run("def main(args):\n    args._hidden += 1\n    return {}", {})
    with pytest.raises(SandboxRuntimeError, match=r"cannot modify attributes or items of module objects"):
        await pool.run("import math\ndef main(args):\n    math.pi += 1\n    return {}", {})


@pytest.mark.parametrize("code", ["def main(args):\n    return {'x': " + "-" * 400 + "1}",
                                  "def main(args):\n    return {'x': " + "not " * 600 + "1}",
                                  "def main(args):\n    return {'x': " + "+".join(["1"] * 20_000) + "}"],
                         ids=["unary-chain", "not-chain", "long-sum"])
async def test_deeply_nested_code_says_why_it_cannot_compile(pool: SandboxPool, code: str) -> None:
    with pytest.raises(SandboxCompileError, match=r"the code is nested too deeply to compile"):
        await pool.run(code, {})
