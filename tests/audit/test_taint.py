"""Taint analysis: flows, propagation, sanitisers, dead branches, helpers (intra- and cross-module)."""

from __future__ import annotations

import ast
import os
import textwrap

from apishield.audit import taint
from tests.audit.taint_cases.support import has, proven

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "taint_cases")


def kinds(source: str, abspath: str = "") -> list[tuple[str, bool]]:
    result = taint.analyse(ast.parse(textwrap.dedent(source)), abspath, {"flask"}, ())
    return sorted((h.kind, h.proven) for h in result.hits)


FLASK = "from flask import Flask, request\nimport os, subprocess, pickle, yaml\napp = Flask(__name__)\n"


def handler(body: str) -> str:
    return FLASK + "@app.route('/x', methods=['POST'])\ndef x():\n" + textwrap.indent(textwrap.dedent(body), "    ")


def test_direct_flow_to_shell() -> None:
    assert kinds(handler("os.system('ls ' + request.args['d'])\nreturn ''")) == [("shell", True)]


def test_propagation_through_containers_formatting_and_unpacking() -> None:
    src = handler("""
        p = request.form.get('a')
        d = {'k': p, 'safe': 'x'}
        lst = ['a']
        lst.append(d['k'])
        first, second = lst
        cmd = 'echo {}'.format(second)
        cmd += ' | wc'
        os.system(f"{cmd}")
        return ''
    """)
    assert kinds(src) == [("shell", True)]


def test_precise_container_elements_are_not_mixed() -> None:
    src = handler("""
        p = request.form.get('a')
        d = {'k': p, 'safe': 'x'}
        lst = ['safe']
        lst.append(p)
        lst.append('more')
        lst.pop(0)
        os.system(d['safe'])
        os.system(lst[1])
        return ''
    """)
    assert kinds(src) == []


def test_overwritten_by_constant_is_clean() -> None:
    src = handler("""
        bar = request.args.get('a')
        bar = 'safe'
        os.system(bar)
        return ''
    """)
    assert kinds(src) == []


def test_dead_branches_from_constant_arithmetic() -> None:
    src = handler("""
        num = 106
        p = request.args.get('a')
        bar = 'always' if 7 * 18 + num > 200 else p
        if 7 * 42 - num > 200:
            other = 'x'
        else:
            other = p
        if False:
            os.system(p)
        os.system(bar)
        os.system(other)
        return ''
    """)
    assert kinds(src) == [("shell", True)]  # only `other`


def test_match_on_constant_picks_one_case() -> None:
    src = handler("""
        p = request.args.get('a')
        guess = 'ABC'[1]
        match guess:
            case 'A':
                bar = p
            case 'B':
                bar = 'bob'
            case _:
                bar = p
        os.system(bar)
        return ''
    """)
    assert kinds(src) == []


def test_loop_with_break_keeps_assignment() -> None:
    src = handler("""
        param = ''
        for name in request.form.keys():
            if 'x' in name:
                param = name
                break
        os.system(param)
        return ''
    """)
    assert kinds(src) == [("shell", True)]


def test_sanitisers() -> None:
    src = handler("""
        import shlex, html
        p = request.args.get('a')
        os.system('ls ' + shlex.quote(p))
        n = int(request.args.get('n'))
        os.system('kill %d' % n)
        return '<b>' + html.escape(p) + '</b>'
    """)
    assert kinds(src) == []


def test_allow_list_guard_and_positive_guard() -> None:
    src = handler("""
        ALLOWED = {'ls', 'df'}
        p = request.args.get('a')
        if p not in ALLOWED:
            return 'no', 400
        os.system(p)
        q = request.args.get('b')
        if q in ('x', 'y'):
            os.system(q)
        os.system(q)
        return ''
    """)
    assert kinds(src) == [("shell", True)]  # only the unguarded last call


def test_path_guards() -> None:
    src = handler("""
        import pathlib
        name = request.args.get('f')
        if '..' in name:
            return 'bad'
        open('/data/' + name)
        other = request.args.get('g')
        base = pathlib.Path('/data')
        p = (base / other).resolve()
        if not str(p).startswith(str(base)):
            return 'bad'
        p.read_text()
        raw = request.args.get('h')
        (base / raw).read_text()
        return ''
    """)
    assert kinds(src) == [("path", True)]


def test_redirect_netloc_guard() -> None:
    src = handler("""
        from flask import redirect
        from urllib.parse import urlparse
        target = request.args.get('next')
        u = urlparse(target)
        if u.netloc not in ['example.com']:
            return 'bad'
        return redirect(target)
    """)
    assert kinds(src) == []


def test_local_helper_summary_flows_and_sinks() -> None:
    src = FLASK + textwrap.dedent("""
        def wrap(v):
            return 'x' + v

        def fixed(v):
            return 'constant'

        def runner(cmd):
            os.system(cmd)

        @app.route('/y')
        def y():
            p = request.args.get('a')
            os.system(wrap(p))
            os.system(fixed(p))
            runner(p)
            return ''
    """)
    hits = taint.analyse(ast.parse(src), "", {"flask"}, ()).hits
    proven_lines = sorted(h.line for h in hits if h.proven)
    lines = src.splitlines()
    assert [lines[n - 1].strip() for n in proven_lines] == ["os.system(wrap(p))", "runner(p)"]


def test_cross_module_helpers_and_wrapper_class() -> None:
    src = textwrap.dedent("""
        from flask import Flask, request
        import os
        import taint_cases.helpers_mod
        app = Flask(__name__)

        @app.route('/z')
        def z():
            w = taint_cases.helpers_mod.Wrapper(request)
            os.system(w.query('a'))
            os.system(w.safe('a'))
            os.system(taint_cases.helpers_mod.constant(request.args['x']))
            taint_cases.helpers_mod.run_it(request.args['y'])
            return ''
    """)
    fake = os.path.join(HERE, "snippet.py")  # resolution walks up from the scanned file's directory
    hits = taint.analyse(ast.parse(src), fake, {"flask"}, ()).hits
    lines = src.splitlines()
    assert sorted(lines[h.line - 1].strip() for h in hits if h.proven) == [
        "os.system(w.query('a'))", "taint_cases.helpers_mod.run_it(request.args['y'])"]


def test_handler_parameters_are_sources() -> None:
    src = textwrap.dedent("""
        import cherrypy, os
        from fastapi import FastAPI, Depends, Request
        api = FastAPI()

        class Root:
            @cherrypy.expose
            def run(self, cmd):
                os.system(cmd)

        @api.get('/items/{item}')
        async def item(item: str, db=Depends(lambda: 1)):
            os.system(item)
            os.system(db)

        @api.post('/raw')
        async def raw(request: Request):
            body = await request.json()
            os.system(body['c'])
    """)
    hits = taint.analyse(ast.parse(src), "", {"cherrypy", "fastapi"}, ()).hits
    lines = src.splitlines()
    assert sorted(lines[h.line - 1].strip() for h in hits if h.proven) == [
        "os.system(body['c'])", "os.system(cmd)", "os.system(item)"]


def test_sink_only_is_low_and_literals_are_silent() -> None:
    src = """
        import pickle, base64, os
        def load(blob):
            return pickle.loads(blob)
        def fixed():
            return pickle.loads(base64.b64decode('gAN9cQAu'))
        def cfg():
            os.system('ls -l')
    """
    assert kinds(src) == [("deser", False)]
    assert has(src, "AS804") and not proven(src, "AS804")


def test_exception_text_is_its_own_origin() -> None:
    src = handler("""
        try:
            1 / 0
        except ZeroDivisionError as e:
            return 'failed: ' + str(e)
        return 'ok'
    """)
    assert has(src, "AS307")
    assert not has(src, "AS404")


def test_constant_strings_through_slices_and_literal_helpers() -> None:
    src = FLASK + textwrap.dedent("""
        def make():
            return 'fixed'.upper()

        @app.route('/s')
        def s():
            p = 'bar'
            text = 'help' + p + 'snapes on a plane'
            bar = text[4:-17]
            eval(bar)
            eval(make())
            q = request.args['q']
            eval(('help' + q + 'tail')[4:-4])
            return ''
    """)
    assert kinds(src) == [("code", True)]


def test_guard_polarity_and_overwrite_on_failure() -> None:
    src = handler("""
        from flask import redirect, url_for
        from urllib.parse import urlsplit
        BLOCKED = {'rm'}
        p = request.args.get('a')
        if p in BLOCKED:
            return 'blocked'
        os.system(p)
        nxt = request.args.get('next')
        if not nxt or urlsplit(nxt).netloc != '':
            nxt = url_for('index')
        return redirect(nxt)
    """)
    assert kinds(src) == [("shell", True)]  # a block-list exit proves nothing; the redirect is fixed up


def test_a_handler_without_parameters_is_analysed_alike_whether_called_first_or_not() -> None:
    show = (
        "@app.route('/show')\ndef show():\n"
        "    os.system('ls ' + request.args['d'])\n    return request.args['q']\n"
    )
    front = "@app.route('/')\ndef front():\n    return show()\n"
    for source in (FLASK + front + show, FLASK + show + front):
        result = taint.analyse(ast.parse(source), "", {"flask"}, ())
        assert [(h.kind, h.proven, h.in_handler) for h in result.hits] == [("shell", True, True)]
        assert sorted(r.function for r in result.handler_returns if r.value.taint) == ["front", "show"]


def test_a_recursive_function_without_parameters_still_reports_its_sink() -> None:
    source = FLASK + (
        "@app.route('/loop')\ndef loop():\n"
        "    if request.args.get('again'):\n        return loop()\n"
        "    os.system(request.args['d'])\n    return ''\n"
    )
    assert kinds(source) == [("shell", True)]
