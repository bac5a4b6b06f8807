"""Attacks on the language layer's own walls: the module and function proxies, functools' attribute-copying
helpers, format strings, frames and tracebacks, classes, descriptors and shared library state.

Each escape that once worked is here with the payload that used it (``update-wrapper-globals``,
``wraps-decorator-globals``, ``userstring-format``, ``from-json-import-decoder``,
``singledispatch-string-annotation``, ...). The harness is ``test_sandbox_attacks.py``'s: each payload runs
against ``pool`` and ``language_pool``, must fail as stated or return exactly the harmless value, may show no
secret of the host, and must leave the library pristine for the next app's run.
"""

from __future__ import annotations

import pytest

from nodes.sandbox import SandboxCompileError, SandboxPool, SandboxRuntimeError, SandboxTimeoutError
from tests.sandbox.test_sandbox_attacks import (
    FORMAT,
    NOT_ALLOWED,
    NOT_AVAILABLE,
    RESTRICTED,
    SYSTEM_ATTACKS,
    UNDERSCORE,
    Attack,
    check_attack,
    fails,
    harmless,
    loom_db,
    main_returning,
    refused,
    sandbox,
)

__all__ = ["loom_db", "sandbox"]  # the harness's fixtures, used here too

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("host_intact")]

WRAPS_NAMES = r"functools: (assigned|updated) may only name"
WRAPS_OWN = (r"functools.update_wrapper / wraps only (wrap|update) functions (and objects )?"
             r"(defined in|of) the code node")
WRITE = r"cannot modify attributes or items of {} objects"
# Reaches real builtins from any function's globals, if anything ever hands out real globals.
ESCAPE = "g()\n    def g():\n        import os\n        return os.getcwd()"

LANGUAGE_ATTACKS = [
    # functools.update_wrapper / wraps: they read and write any attribute named to them
    refused("update-wrapper-globals", """\
        import functools, json
        def f():
            pass
        def main(args):
            functools.update_wrapper(f, json.dumps, updated=('__globals__',))
            def g():
                import os
                return os.getcwd()
            return {'x': g()}
        """, SandboxRuntimeError, WRAPS_NAMES),
    refused("wraps-decorator-globals", """\
        import functools, json
        @functools.wraps(json.dumps, updated=('__globals__',))
        def f():
            pass
        def main(args):
            def g():
                import os
                return os.getcwd()
            return {'x': g()}
        """, SandboxRuntimeError, WRAPS_NAMES),
    refused("wraps-globals-reads-server-environ", """\
        import functools, json
        @functools.wraps(json.dumps, updated=('__globals__',))
        def f():
            pass
        def main(args):
            def g(pid):
                import os
                with open(f'/proc/{pid}/environ') as environ:
                    return environ.read()
            return {'x': g(args['host_pid'])}
        """, SandboxRuntimeError, WRAPS_NAMES),
    refused("wraps-library-function", """\
        import functools, json
        @functools.wraps(json.dumps)
        def f():
            pass
        def main(args):
            return {}
        """, SandboxRuntimeError, WRAPS_OWN),
    refused("update-wrapper-print-globals", """\
        import functools
        def f():
            pass
        def main(args):
            functools.update_wrapper(f, print, updated=('__globals__',))
            return {}
        """, SandboxRuntimeError, WRAPS_NAMES),
    refused("update-wrapper-getattr-builtin", """\
        import functools
        def f():
            pass
        def main(args):
            functools.update_wrapper(f, getattr)
            return {}
        """, SandboxRuntimeError, WRAPS_OWN),
    refused("update-wrapper-assigned-dunders", """\
        import functools
        def f():
            pass
        def g():
            pass
        def main(args):
            functools.update_wrapper(f, g, assigned=('__code__', '__defaults__', '__class__'))
            return {}
        """, SandboxRuntimeError, WRAPS_NAMES),
    refused("update-wrapper-generator-names", """\
        import functools
        def f():
            pass
        def g():
            pass
        def names():
            yield '__doc__'
            yield '__globals__'
        def main(args):
            functools.update_wrapper(f, g, assigned=(), updated=names())
            return {}
        """, SandboxRuntimeError, WRAPS_NAMES),
    refused("update-wrapper-onto-library-class", """\
        import functools, json
        class Fake:
            def __init__(self):
                self.item_separator = ';'
        def main(args):
            functools.update_wrapper(json.JSONEncoder, Fake(), assigned=('item_separator',), updated=())
            return {'x': json.JSONEncoder.item_separator}
        """, SandboxRuntimeError, WRAPS_NAMES),
    refused("update-wrapper-standard-names-onto-library-class", """\
        import functools, json
        def f():
            pass
        def main(args):
            functools.update_wrapper(json.JSONEncoder, f, updated=())
            return {}
        """, SandboxRuntimeError, WRAPS_OWN),
    refused("update-wrapper-onto-module", """\
        import functools, json
        def dumps():
            return 'pwned'
        def main(args):
            functools.update_wrapper(json, dumps, assigned=('__name__',), updated=())
            return {'x': json.dumps(1)}
        """, SandboxRuntimeError, WRAPS_OWN),
    harmless("update-wrapper-own-functions", """\
        import functools
        def logged(fn):
            @functools.wraps(fn)
            def inner(*args):
                return fn(*args)
            return inner
        @logged
        def add(a, b):
            return a + b
        class Deco:
            def __init__(self, fn):
                functools.update_wrapper(self, fn)
                self.fn = fn
        def main(args):
            return {'x': [add(1, 2), Deco(add).fn(2, 3)]}
        """, {"x": [3, 5]}),
    refused("partial-func-to-wraps", """\
        import functools, json
        def main(args):
            real = functools.partial(json.dumps).func
            functools.update_wrapper(main, real, updated=('__dict__',))
            return {}
        """, SandboxRuntimeError, WRAPS_OWN),
    refused("partial-getattr-gadget", main_returning("functools.partial(getattr, json.dumps, '__globals__')()",
                                                     prelude="import functools, json"),
            SandboxRuntimeError, UNDERSCORE.format("__globals__")),
    refused("reduce-getattr-chain", main_returning(
        "functools.reduce(getattr, ['__globals__', 'sys'], json.dumps)", prelude="import functools, json"),
        SandboxRuntimeError, UNDERSCORE.format("__globals__")),
    harmless("proxies-have-no-attributes", """\
        import functools, json, math
        def main(args):
            out = []
            for f in (json.dumps, math.sqrt, functools.partial(json.dumps).func, json.JSONEncoder().encode, print,
                      getattr, functools.lru_cache(maxsize=2)):
                out.append([hasattr(f, name) for name in ('func', 'cache_info', 'dumps', 'encode', 'register')])
            return {'x': out, 'called': [math.sqrt(4), json.dumps([1])]}
        """, {"x": [[False] * 5] * 7, "called": [2.0, "[1]"]}),
    harmless("equality-hands-over-no-function", """\
        import json
        class Spy:
            def __init__(self):
                self.got = []
            def __eq__(self, other):
                self.got.append(other)
                return False
        def main(args):
            spy = Spy()
            same = [json.dumps == spy, json.JSONEncoder().encode == spy, json.dumps == json.dumps]
            return {'x': same, 'got': [spy.got[0] is json.dumps, len(spy.got)]}
        """, {"x": [False, False, True], "got": [True, 2]}),
    refused("lru-cache-of-library-function", """\
        import functools, json
        def main(args):
            cached = functools.lru_cache(json.dumps)
            functools.update_wrapper(main, cached)
            return {}
        """, SandboxRuntimeError, WRAPS_OWN),
    refused("lru-cache-decorator-factory", """\
        import functools
        def main(args):
            functools.update_wrapper(main, functools.lru_cache(maxsize=3))
            return {}
        """, SandboxRuntimeError, WRAPS_OWN),
    # functools.singledispatch: a plain @register evaluated string annotations with an unrestricted eval
    refused("singledispatch-string-annotation", """\
        import functools
        @functools.singledispatch
        def f(x):
            return 0
        def main(args):
            def h(x: "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0]"):
                return 1
            f.register(h)
            return {'x': [repr(k) for k in f.registry]}
        """, SandboxRuntimeError, r"Invalid annotation for 'x'"),
    refused("singledispatch-eval-reads-server-environ", """\
        import functools
        @functools.singledispatch
        def f(x):
            return 0
        def main(args):
            global HOST
            HOST = args['host_pid']
            def h(x: "[f for b in ().__class__.__base__.__subclasses__() if b.__name__ == '_IOBase' "
                     "for r in b.__subclasses__() for f in r.__subclasses__() if f.__name__ == 'FileIO'][0]"
                     "('/proc/%d/environ' % HOST).readall()"):
                return 1
            f.register(h)
            return {}
        """, SandboxRuntimeError, r"Invalid annotation for 'x'"),
    refused("singledispatch-generic-alias", """\
        import functools
        @functools.singledispatch
        def f(x):
            return 0
        def main(args):
            def h(x: list["().__class__.__base__.__subclasses__()[10**9]"]):
                return 1
            f.register(h)
            return {}
        """, SandboxRuntimeError, r"Invalid annotation for 'x'"),
    refused("singledispatchmethod-string-annotation", """\
        import functools
        class A:
            @functools.singledispatchmethod
            def f(self, x):
                return 0
            @f.register
            def g(self, x: "().__class__.__base__.__subclasses__()[10**9]"):
                return 1
        def main(args):
            return {}
        """, SandboxRuntimeError, r"Invalid annotation for 'x'"),
    harmless("singledispatch-still-works", """\
        import functools, json
        @functools.singledispatch
        def kind(x):
            return 'other'
        @kind.register
        def on_int(x: int):
            return 'int'
        @kind.register(str)
        def on_str(x):
            return 'str'
        @kind.register
        def on_error(x: json.JSONDecodeError | KeyError):
            return 'error'
        def main(args):
            top = list(kind.registry)[0]
            return {'x': [kind(1), kind('a'), kind(1.5), kind(KeyError()), len(kind.registry), hasattr(top, 'mro')]}
        """, {"x": ["int", "str", "other", "error", 5, True]}),
    refused("singledispatch-registry-object-walk", """\
        import functools
        @functools.singledispatch
        def f(x):
            return 0
        def main(args):
            base = list(f.registry)[0]
            return {'x': getattr(base, '__subclasses__')()}
        """, SandboxRuntimeError, UNDERSCORE.format("__subclasses__")),
    # format strings walk attributes: str, its subclasses, UserString, and classes inheriting them
    refused("str-format-attr", main_returning("'{0.__class__.__mro__}'.format(1)"), SandboxRuntimeError, FORMAT),
    refused("str-format-map", main_returning("'{x.__class__}'.format_map({'x': 1})"), SandboxRuntimeError, FORMAT),
    refused("str-format-unbound", main_returning("str.format('{0.__class__}', 1)"), SandboxRuntimeError, FORMAT),
    refused("str-format-via-map", main_returning("list(map(str.format, ['{0.__class__}'], [1]))"),
            SandboxRuntimeError, FORMAT),
    refused("str-format-getattr", main_returning("getattr('{0.__init__.__globals__}', 'format')(print)"),
            SandboxRuntimeError, FORMAT),
    refused("userstring-format", main_returning("collections.UserString('{0.__class__.__mro__}').format(1)",
                                                prelude="import collections"), SandboxRuntimeError, FORMAT),
    refused("userstring-format-map", main_returning(
        "collections.UserString('{a.__init__.__globals__[sys].modules[os].environ}').format_map({'a': getattr})",
        prelude="import collections"), SandboxRuntimeError, FORMAT),
    refused("userstring-unbound-format", main_returning(
        "collections.UserString.format(collections.UserString('{0.__class__}'), 1)", prelude="import collections"),
        SandboxRuntimeError, FORMAT),
    refused("userstring-subclass-format", """\
        import collections
        class Mine(collections.UserString):
            pass
        def main(args):
            return {'x': Mine('{0.__class__}').format(1)}
        """, SandboxRuntimeError, FORMAT),
    refused("str-subclass-format", """\
        class Mine(str):
            pass
        def main(args):
            return {'x': Mine('{0.__class__}').format(1)}
        """, SandboxRuntimeError, FORMAT),
    refused("string-formatter",
            main_returning("string.Formatter().format('{0.__class__}', 1)", prelude="import string"),
            SandboxRuntimeError, r"module 'string' has no attribute 'Formatter'"),
    refused("fstring-attr", main_returning("f'{args.__class__}'"), SandboxCompileError, UNDERSCORE.format("__class__")),
    refused("format-builtin-spec", main_returning("format(args, '{0.__class__}')"), SandboxRuntimeError,
            r"TypeError: unsupported format string"),
    harmless("own-format-method", """\
        class Money:
            def __init__(self, cents):
                self.cents = cents
            def format(self):
                return '%d.%02d' % divmod(self.cents, 100)
        def main(args):
            return {'x': [Money(1234).format(), f'{3.14159:.2f}', '%s-%d' % ('a', 1), format(7, '03d')]}
        """, {"x": ["12.34", "3.14", "a-1", "007"]}),
    # string.Template's hooks: a pattern object of the user's own gets Template's real (closure) function
    refused("template-pattern-hook", """\
        import functools, string
        class Catch:
            def __init__(self):
                self.got = []
            def sub(self, convert, template):
                self.got.append(convert)
                return template
        class T(string.Template):
            pass
        def main(args):
            t = T('$a')
            t.pattern = Catch()
            t.substitute(a=1)
            functools.update_wrapper(main, t.pattern.got[0])
            return {}
        """, SandboxRuntimeError, WRAPS_OWN),
    harmless("template-subclass-delimiter", """\
        import string
        class T(string.Template):
            delimiter = '%'
            idpattern = '[a-z]+'
        def main(args):
            return {'x': [T('%who likes $x').substitute(who='tim'), string.Template.delimiter]}
        """, {"x": ["tim likes $x", "$"]}),
    fails("template-idpattern-backtracking", """\
        import string
        class T(string.Template):
            idpattern = '(a+)+c'
        def main(args):
            return {'x': T('$' + 'a' * 64).safe_substitute({})}
        """, SandboxTimeoutError, timeout=1),
    refused("template-class-delimiter", "import string\ndef main(args):\n    string.Template.delimiter = '%'\n"
            "    return {}", SandboxRuntimeError, WRITE.format("type")),
    # module proxies
    refused("from-json-import-decoder", "from json import decoder\ndef main(args):\n"
            "    return {'x': repr(decoder.scanstring)}", SandboxRuntimeError,
            r"cannot import name 'decoder' from 'json'"),
    refused("from-json-import-scanner", "from json import scanner\ndef main(args):\n    return {}", SandboxRuntimeError,
            r"cannot import name 'scanner' from 'json'"),
    refused("from-collections-import-abc", "from collections import abc\ndef main(args):\n    return {}",
            SandboxRuntimeError, r"cannot import name 'abc' from 'collections'"),
    refused("from-uuid-import-os", "from uuid import os\ndef main(args):\n    return {'x': os.getcwd()}",
            SandboxRuntimeError, r"cannot import name 'os' from 'uuid'"),
    refused("module-reexport-json-codecs",
            main_returning("json.codecs.open('/tmp/loom-sandbox-pwned', 'w').write('x')", prelude="import json"),
            SandboxRuntimeError, r"module 'json' has no attribute 'codecs'"),
    refused("module-via-exception-obj",
            "import json\ndef main(args):\n    try:\n        json.nope\n    except AttributeError as e:\n"
            "        return {'x': e.obj.codecs}", SandboxRuntimeError, r"module 'json' has no attribute 'codecs'"),
    harmless("exception-obj-is-a-proxy",
             "import json\ndef main(args):\n    try:\n        json.nope\n    except AttributeError as e:\n"
             "        return {'x': [repr(e.obj), e.obj.dumps([1]), e.name]}",
             {"x": ["<module 'json'>", "[1]", "nope"]}),
    refused("module-dunder-getattr", main_returning("getattr(json, '__dict__')", prelude="import json"),
            SandboxRuntimeError, UNDERSCORE.format("__dict__")),
    refused("module-is-not-iterable", main_returning("list(json)", prelude="import json"), SandboxRuntimeError,
            r"'module' object is not iterable"),
    refused("module-as-base-class", "import json\nclass X(json):\n    pass\ndef main(args):\n    return {}",
            SandboxRuntimeError, r"TypeError"),
    refused("function-proxy-as-base-class", "import json\nclass X(json.dumps):\n    pass\ndef main(args):\n"
            "    return {}", SandboxRuntimeError, r"TypeError"),
    refused("patch-module", "import json\ndef main(args):\n    json.dumps = None\n    return {}", SandboxRuntimeError,
            WRITE.format("module")),
    refused("setattr-module", main_returning("setattr(json, 'loads', None)", prelude="import json"),
            SandboxRuntimeError, WRITE.format("module")),
    refused("patch-module-constant", "import string\ndef main(args):\n    string.ascii_letters += 'x'\n    return {}",
            SandboxRuntimeError, WRITE.format("module")),
    refused("patch-wrapper-assignments", "import functools\ndef main(args):\n"
            "    functools.WRAPPER_ASSIGNMENTS += ('__globals__',)\n    return {}", SandboxRuntimeError,
            WRITE.format("module")),
    refused("frozen-module-set", main_returning("hashlib.algorithms_available.add('x')", prelude="import hashlib"),
            SandboxRuntimeError, r"'frozenset' object has no attribute 'add'"),
    refused("patch-function-proxy", "import json\ndef main(args):\n    setattr(json.dumps, 'x', 1)\n    return {}",
            SandboxRuntimeError, WRITE.format("function")),
    # library classes and their methods, reached through classes and instances
    refused("class-method-to-wraps", """\
        import functools, json
        def main(args):
            functools.update_wrapper(main, json.JSONEncoder.encode)
            return {}
        """, SandboxRuntimeError, WRAPS_OWN),
    refused("bound-method-to-wraps", """\
        import functools, json
        def main(args):
            functools.wraps(json.JSONEncoder(indent=2).encode)(main)
            return {}
        """, SandboxRuntimeError, WRAPS_OWN),
    refused("property-fget-to-wraps", """\
        import functools, uuid
        def main(args):
            functools.update_wrapper(main, uuid.UUID.hex.fget)
            return {}
        """, SandboxRuntimeError, WRAPS_OWN),
    refused("random-bound-method-to-wraps", """\
        import functools, random
        def main(args):
            functools.update_wrapper(main, random.Random(1).randint)
            return {}
        """, SandboxRuntimeError, WRAPS_OWN),
    refused("mutate-library-class", "import json\ndef main(args):\n    json.JSONEncoder.item_separator = ';'\n"
            "    return {}", SandboxRuntimeError, WRITE.format("type")),
    refused("setattr-library-class", main_returning("setattr(json.JSONEncoder, 'key_separator', '=')",
                                                    prelude="import json"), SandboxRuntimeError, WRITE.format("type")),
    refused("abc-register-library-class", main_returning("collections.UserDict.register(list)",
                                                         prelude="import collections"),
            SandboxRuntimeError, r"cannot register classes with library classes"),
    refused("total-ordering-library-class", main_returning("functools.total_ordering(json.JSONEncoder)",
                                                           prelude="import functools, json"),
            SandboxRuntimeError, r"must define at least one ordering operation"),
    harmless("subclass-overrides-stay-local", """\
        import collections, json
        class Tight(json.JSONEncoder):
            item_separator = ','
        class Mine(collections.UserDict):
            pass
        def main(args):
            Mine.register(list)
            return {'x': [Tight().encode([1, 2]), isinstance([], Mine), json.JSONEncoder.item_separator]}
        """, {"x": ["[1,2]", True, ", "]}),
    refused("decimal-context-write", "import decimal\ndef main(args):\n    decimal.getcontext().prec = 3\n"
            "    return {}", SandboxRuntimeError, WRITE.format("Context")),
    harmless("decimal-shared-contexts", """\
        import decimal
        def main(args):
            decimal.DefaultContext.clear_traps()
            decimal.DefaultContext.traps.update({decimal.Inexact: True})
            decimal.setcontext(decimal.Context(prec=3))
            decimal.getcontext().clear_traps()
            return {'x': str(decimal.Decimal(1) / 3)}
        """, {"x": "0.333"}),
    harmless("random-seed", "import random\ndef main(args):\n    random.seed(1)\n    return {'x': 1}", {"x": 1}),
    harmless("re-purge", "import re\ndef main(args):\n    re.purge()\n    return {'x': re.sub('a', 'b', 'a')}",
             {"x": "b"}),
    # frames, code, generators, coroutines, tracebacks
    refused("subclasses-walk", main_returning("().__class__.__bases__[0].__subclasses__()"), SandboxCompileError,
            UNDERSCORE.format("__subclasses__")),
    refused("getattr-dunder", main_returning("getattr((), '__class__')"), SandboxRuntimeError,
            r'"__class__" is an invalid attribute name'),
    refused("function-globals", main_returning("main.__globals__"), SandboxCompileError,
            UNDERSCORE.format("__globals__")),
    refused("function-code", main_returning("(lambda: 0).__code__"), SandboxCompileError,
            UNDERSCORE.format("__code__")),
    refused("generator-frame", main_returning("(i for i in [1]).gi_frame.f_back"), SandboxCompileError,
            RESTRICTED.format("f_back")),
    refused("generator-frame-getattr", main_returning("getattr((i for i in [1]), 'gi_frame')"), SandboxRuntimeError,
            RESTRICTED.format("gi_frame")),
    refused("generator-code-getattr", main_returning("getattr((i for i in [1]), 'gi_code')"), SandboxRuntimeError,
            RESTRICTED.format("gi_code")),
    refused("generator-yieldfrom-getattr", "def inner():\n    yield 1\ndef outer():\n    yield from inner()\n"
            "def main(args):\n    g = outer()\n    next(g)\n    return {'x': getattr(g, 'gi_yieldfrom')}",
            SandboxRuntimeError, RESTRICTED.format("gi_yieldfrom")),
    refused("coroutine-frame-getattr", main_returning("getattr(args, 'cr_frame')"), SandboxRuntimeError,
            RESTRICTED.format("cr_frame")),
    refused("async-generator-frame-getattr", main_returning("getattr(args, 'ag_frame')"), SandboxRuntimeError,
            RESTRICTED.format("ag_frame")),
    refused("library-generator-frame", main_returning("getattr(json.JSONEncoder(indent=1).iterencode([1]), 'gi_frame')",
                                                      prelude="import json"), SandboxRuntimeError,
            RESTRICTED.format("gi_frame")),
    harmless("generator-suspended", "def gen():\n    yield 1\ndef main(args):\n    g = gen()\n    next(g)\n"
             "    return {'x': [g.gi_suspended, g.gi_running]}", {"x": [True, False]}),
    refused("async-def", "async def f():\n    return 1\ndef main(args):\n    return {}", SandboxCompileError,
            r"AsyncFunctionDef statements are not allowed"),
    refused("traceback-frame",
            "def main(args):\n    try:\n        1 / 0\n    except Exception as e:\n"
            "        return {'x': e.__traceback__.tb_frame}",
            SandboxCompileError, RESTRICTED.format("tb_frame")),
    refused("traceback-getattr", "def main(args):\n    try:\n        1 / 0\n    except Exception as e:\n"
            "        return {'x': getattr(e, '__traceback__')}", SandboxRuntimeError,
            r'"__traceback__" is an invalid attribute name'),
    refused("frame-back-getattr", main_returning("getattr(getattr(e, 'tb_frame'), 'f_back')", prelude="e = None"),
            SandboxRuntimeError, RESTRICTED.format("tb_frame")),
    refused("traceback-next-getattr", main_returning("getattr(args, 'tb_next')"), SandboxRuntimeError,
            RESTRICTED.format("tb_next")),
    refused("except-star", "def main(args):\n    try:\n        pass\n    except* ValueError:\n        pass\n"
            "    return {}", SandboxCompileError, r"TryStar statements are not allowed"),
    # classes, metaclasses, descriptors
    refused("type-three-args", main_returning("type('X', (), {'y': 1})"), SandboxRuntimeError,
            NOT_AVAILABLE.format("type")),
    refused("metaclass-keyword", "class M:\n    pass\nclass X(metaclass=M):\n    pass\ndef main(args):\n    return {}",
            SandboxCompileError, r'The keyword argument "metaclass" is not allowed'),
    refused("dunder-method",
            "class X:\n    def __getattribute__(self, name):\n        return 1\ndef main(args):\n    return {}",
            SandboxCompileError, UNDERSCORE.format("__getattribute__")),
    refused("reduce-ex-method", "class X:\n    def __reduce_ex__(self, protocol):\n        return (print, ())\n"
            "def main(args):\n    return {}", SandboxCompileError, UNDERSCORE.format("__reduce_ex__")),
    refused("class-body-dunder", "class X:\n    __init_subclass__ = print\ndef main(args):\n    return {}",
            SandboxCompileError, UNDERSCORE.format("__init_subclass__")),
    refused("enum-subclass", "import re\nclass X(re.RegexFlag):\n    pass\ndef main(args):\n    return {}",
            SandboxRuntimeError, r"TypeError"),
    harmless("userdict-copy", """\
        import collections
        class D(collections.UserDict):
            pass
        def main(args):
            d = D(a=1)
            return {'x': [dict(d.copy()), isinstance(d.copy(), D)]}
        """, {"x": [{"a": 1}, True]}),
    refused("property-of-library-function", """\
        import json
        class X:
            p = property(json.dumps)
        def main(args):
            return {'x': X().p}
        """, SandboxRuntimeError, r"not JSON serializable"),
    refused("classmethod-of-getattr", """\
        class X:
            g = staticmethod(getattr)
            c = classmethod(getattr)
        def main(args):
            return {'x': X.g(main, '__globals__')}
        """, SandboxRuntimeError, UNDERSCORE.format("__globals__")),
    refused("setattr-str-subclass-name", """\
        class Name(str):
            def startswith(self, prefix):
                return False
        class Box:
            pass
        def main(args):
            setattr(Box(), Name('__class__'), Box)
            return {}
        """, SandboxRuntimeError, r"cannot set attribute"),
    refused("getattr-non-str-name", main_returning("getattr(args, 5)"), SandboxRuntimeError,
            r"attribute name must be a string"),
    refused("getattr-str-subclass-name", "class Name(str):\n    pass\ndef main(args):\n"
            "    return {'x': getattr(args, Name('__class__'))}", SandboxRuntimeError,
            r"attribute name must be a string"),
    refused("hasattr-non-str-name", main_returning("hasattr(args, None)"), SandboxRuntimeError,
            r"attribute name must be a string"),
    refused("setattr-function", main_returning("setattr(main, 'x', 1)"), SandboxRuntimeError, WRITE.format("function")),
    refused("namedtuple-field-injection", main_returning(
        "collections.namedtuple('P', ['x', 'y=__import__(\"os\")'])", prelude="import collections"),
        SandboxRuntimeError, r"ValueError: Type names and field names must be valid identifiers"),
    harmless("namedtuple-module", "import collections\ndef main(args):\n"
             "    P = collections.namedtuple('P', 'x y', module='os', defaults=[0])\n"
             "    return {'x': [P(1).x, P(1).y, list(P(1, 2))]}", {"x": [1, 0, [1, 2]]}),
    refused("decorator-dunder", "@(lambda f: f.__globals__)\ndef main(args):\n    return {}", SandboxCompileError,
            UNDERSCORE.format("__globals__")),
    refused("lambda-getattr-dunder", main_returning("(lambda f: getattr(f, '__globals__'))(main)"),
            SandboxRuntimeError, r'"__globals__" is an invalid attribute name'),
    refused("sys-modules-after-leak", """\
        import json
        def main(args):
            try:
                from json import decoder
            except ImportError:
                decoder = None
            return {'x': decoder.sys.modules['os'].environ['LOOM_SANDBOX_TEST_SECRET']}
        """, SandboxRuntimeError, r"'NoneType' object has no attribute 'sys'"),
    refused("sys-modules-via-format", main_returning(
        "collections.UserString('{0.__globals__[sys].modules[os].environ}').format(getattr)",
        prelude="import collections"), SandboxRuntimeError, FORMAT),
    refused("memoryview", main_returning("memoryview(b'x')"), SandboxRuntimeError, NOT_AVAILABLE.format("memoryview")),
    refused("object-builtin", main_returning("object"), SandboxRuntimeError, NOT_AVAILABLE.format("object")),
    refused("delattr", main_returning("delattr(args, 'x')"), SandboxRuntimeError, NOT_AVAILABLE.format("delattr")),
    refused("import-not-allowed-hint", "import numpy\ndef main(args):\n    return {}", SandboxRuntimeError,
            NOT_ALLOWED.format("numpy")),
]


@pytest.mark.parametrize("attack", LANGUAGE_ATTACKS, ids=[attack.id for attack in LANGUAGE_ATTACKS])
async def test_language_attack(sandbox: SandboxPool, attack: Attack) -> None:
    await check_attack(sandbox, attack)


ORDINARY = """\
import json, re, math, datetime, random, collections, itertools, functools, string, statistics, decimal
import hashlib, base64, uuid
from collections import Counter, defaultdict, namedtuple
from functools import reduce, partial
class Cache:
    def __init__(self):
        self.hits = 0
    @functools.lru_cache(maxsize=None)
    def fib(self, n):
        return n if n < 2 else self.fib(n - 1) + self.fib(n - 2)
    @functools.cached_property
    def big(self):
        return 42
@functools.total_ordering
class V:
    def __init__(self, v):
        self.v = v
    def __eq__(self, o):
        return self.v == o.v
    def __lt__(self, o):
        return self.v < o.v
def main(args):
    d = defaultdict(list)
    for w in 'a bb a ccc'.split():
        d[len(w)].append(w)
    P = namedtuple('P', 'x y')
    out = {
        'sorted': sorted({'a': 3, 'b': 1}.items(), key=lambda kv: kv[1]),
        'findall': re.findall(r'\\d+', 'a1b22'), 'iter': [m.group(0) for m in re.compile('b+').finditer('abbcb')],
        'date': datetime.datetime.strptime('2024-05-06', '%Y-%m-%d').isoformat(),
        'dumps': json.dumps({'k': 'ü'}, ensure_ascii=False, indent=1, sort_keys=True),
        'dd': sorted(d.items()), 'md5': hashlib.md5('x'.encode()).hexdigest(),
        'b64': base64.b64decode('bG9vbQ==').decode(),
        'uuid': len(uuid.uuid4().hex), 'choice': random.choice([1]), 'floor': math.floor(2.5),
        'median': statistics.median([3, 1, 2]), 'group': [(k, len(list(g))) for k, g in itertools.groupby('aabccc')],
        'capwords': string.capwords('hello world'),
        'quant': str(decimal.Decimal('1.25').quantize(decimal.Decimal('0.1'), rounding=decimal.ROUND_HALF_UP)),
        'isinstance': isinstance(datetime.date.today(), datetime.date), 'map': list(map(math.sqrt, [4, 9])),
        'reduce': reduce(lambda a, b: a * b, [1, 2, 3]), 'partial': partial(math.pow, 2)(3),
        'fib': Cache().fib(20), 'big': Cache().big, 'ordering': V(1) <= V(2), 'counter': Counter('aab').most_common(1),
        'p': P(1, 2).x, 'callable': callable(json.dumps), 'resub': re.sub('a', lambda m: m.group(0).upper(), 'aba'),
        'defaultfactory': collections.defaultdict(random.random)['x'] < 1,
        'loads': json.loads('1.5', parse_float=decimal.Decimal) == decimal.Decimal('1.5'),
    }
    try:
        json.loads('{bad')
    except json.JSONDecodeError as e:
        out['err'] = e.msg
    return out
"""


async def test_ordinary_code_still_works_through_the_proxies(sandbox: SandboxPool) -> None:
    result = await sandbox.run(ORDINARY, {})
    assert result.value == {
        "sorted": [["b", 1], ["a", 3]], "findall": ["1", "22"], "iter": ["bb", "b"], "date": "2024-05-06T00:00:00",
        "dumps": '{\n "k": "ü"\n}', "dd": [[1, ["a", "a"]], [2, ["bb"]], [3, ["ccc"]]],
        "md5": "9dd4e461268c8034f5c8564e155c67a6", "b64": "loom", "uuid": 32, "choice": 1, "floor": 2, "median": 2,
        "group": [["a", 2], ["b", 1], ["c", 3]], "capwords": "Hello World", "quant": "1.3", "isinstance": True,
        "map": [2.0, 3.0], "reduce": 6, "partial": 8.0, "fib": 6765, "big": 42, "ordering": True,
        "counter": [["a", 2]], "p": 1, "callable": True, "resub": "AbA", "defaultfactory": True, "loads": True,
        "err": "Expecting property name enclosed in double quotes",
    }


async def test_the_suite_is_big_enough() -> None:
    everything: list[Attack] = SYSTEM_ATTACKS + LANGUAGE_ATTACKS
    assert len({attack.id for attack in everything}) == len(everything)
    assert len(everything) >= 90
