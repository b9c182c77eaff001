"""A bundled subset of the Public Suffix List (https://publicsuffix.org), used to refuse CORS wildcards
such as ``https://*.co.uk`` that would admit every registrant under a public suffix.

The subset covers the generic TLDs, every two-letter country code, the common second-level country suffixes
and the shared-hosting suffixes where any customer can publish a page. When the full list is installed by the
operating system (Debian's ``publicsuffix`` package) :func:`load_public_suffixes` reads it instead.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

SYSTEM_LIST = Path("/usr/share/publicsuffix/public_suffix_list.dat")

_GENERIC = """
com net org edu gov mil int info biz name pro aero asia cat coop jobs mobi museum tel travel xxx arpa
app dev io ai co me tv cc ws xyz online site store tech shop blog cloud page web art club live news
"""

# ISO 3166 two-letter codes that are delegated TLDs.
_CC = """
ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz
ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk
fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq
ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh
mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk
pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz
tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw
"""

_SECOND_LEVEL = """
co.uk org.uk me.uk ltd.uk plc.uk net.uk ac.uk gov.uk nhs.uk police.uk sch.uk
com.au net.au org.au edu.au gov.au asn.au id.au
co.nz net.nz org.nz govt.nz ac.nz school.nz
co.jp ne.jp or.jp ac.jp go.jp ad.jp ed.jp gr.jp lg.jp
com.br net.br org.br gov.br edu.br
com.cn net.cn org.cn gov.cn edu.cn ac.cn
co.in net.in org.in firm.in gen.in ind.in gov.in ac.in edu.in
co.za org.za gov.za ac.za net.za web.za
com.mx org.mx gob.mx edu.mx net.mx
com.ar net.ar org.ar gob.ar
com.tr net.tr org.tr gov.tr edu.tr
com.sg net.sg org.sg gov.sg edu.sg
com.hk net.hk org.hk gov.hk edu.hk
com.tw net.tw org.tw gov.tw edu.tw
co.kr or.kr ne.kr go.kr ac.kr
co.il org.il net.il ac.il gov.il
com.ru net.ru org.ru
com.ua net.ua org.ua gov.ua
co.id or.id ac.id go.id web.id
com.my net.my org.my gov.my edu.my
com.ph net.ph org.ph gov.ph edu.ph
com.pk net.pk org.pk gov.pk edu.pk
com.eg net.eg org.eg gov.eg edu.eg
com.sa net.sa org.sa gov.sa edu.sa
co.th in.th ac.th go.th or.th
com.vn net.vn org.vn gov.vn edu.vn
com.pl net.pl org.pl
com.es nom.es org.es gob.es edu.es
co.at or.at gv.at ac.at
com.co net.co org.co gov.co edu.co
com.pe net.pe org.pe gob.pe edu.pe
co.ke or.ke ac.ke go.ke
com.ng org.ng gov.ng edu.ng
"""

# Private-section suffixes: anyone can get a subdomain here, so a wildcard over them admits strangers.
_SHARED_HOSTING = """
github.io githubusercontent.com gitlab.io herokuapp.com herokussl.com vercel.app now.sh netlify.app
netlify.com pages.dev workers.dev web.app firebaseapp.com appspot.com blogspot.com cloudfront.net
azurewebsites.net azurestaticapps.net cloudapp.net s3.amazonaws.com elasticbeanstalk.com
amplifyapp.com onrender.com fly.dev glitch.me repl.co replit.app ngrok.io ngrok.app ngrok-free.app
trycloudflare.com surge.sh readthedocs.io fastly.net fastlylb.net wordpress.com myshopify.com
duckdns.org ddns.net no-ip.org dynv6.net pythonanywhere.com
"""

BUNDLED: frozenset[str] = frozenset((_GENERIC + _CC + _SECOND_LEVEL + _SHARED_HOSTING).split())


def parse_psl(text: str) -> frozenset[str]:
    """Rules of a Public Suffix List file (comments and blank lines dropped; ``*.x`` and ``!x`` kept)."""
    rules: set[str] = set()
    for line in text.splitlines():
        rule = line.strip().split(" ", 1)[0]
        if rule and not rule.startswith("//"):
            try:
                rules.add(rule.encode("idna").decode("ascii").lower() if not rule.isascii() else rule.lower())
            except UnicodeError:
                continue
    return frozenset(rules)


def load_public_suffixes(path: Path | None = SYSTEM_LIST) -> frozenset[str]:
    """The full list when ``path`` is readable, merged with the bundled subset; otherwise the subset."""
    if path is not None:
        try:
            return BUNDLED | parse_psl(path.read_text(encoding="utf-8"))
        except OSError:
            pass
    return BUNDLED


@lru_cache(maxsize=1)
def default_public_suffixes() -> frozenset[str]:
    """What configuration checks use unless told otherwise: the system's full list (read once) plus the
    bundled subset, or the subset alone where no list is installed."""
    return load_public_suffixes()


def is_public_suffix(domain: str, rules: frozenset[str]) -> bool:
    """True when ``domain`` (lowercase, ASCII, no trailing dot) is itself a public suffix under ``rules``."""
    if f"!{domain}" in rules:
        return False
    if domain in rules or "." not in domain:
        return True
    parent = domain.split(".", 1)[1]
    return f"*.{parent}" in rules


__all__ = [
    "BUNDLED",
    "SYSTEM_LIST",
    "default_public_suffixes",
    "is_public_suffix",
    "load_public_suffixes",
    "parse_psl",
]
