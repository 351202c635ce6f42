"""The XML mutants of ``fuzz_structural.py``: the document's structure damaged in its text (no parser rewrites it,
so that every other byte stays as the vendor wrote it): elements duplicated, dropped, moved or reordered,
attributes duplicated, dropped or given hostile values, numbers in forms no vendor writes, other encodings,
entity expansion and external entities, deep nesting, CDATA."""

from __future__ import annotations

import random
import re

import fuzz_mutators as fm
from fuzz_structural_bin import cuts

TAG = re.compile(r"<(/?)([A-Za-z_][\w:.-]*)(?:\s[^<>]*?)?(/?)>")
ATTR = re.compile(r"(\s)([A-Za-z_][\w:.-]*)=\"([^\"]*)\"")
# elements whose loss or doubling a reader must notice: the waveforms and the fields that shape them
WAVE = re.compile(r"wave|digits|lead|channel|sequence|component|strip|rhythm|median", re.I)
NUMBER_WORDS = ("-inf", "Infinity", "+5", "1e-400", "5,0", "0x1F4", " 12 ", "1\u00a0000", "\u0665\u0660\u0660", "-0")
ATTR_WORDS = ("Infinity", "1e-400", "5,0", "0x1F4", "-1", "")


def elements(text: str) -> list[tuple[str, int, int, int]]:
    """(name, start, end, parent index or -1) of each element of ``text``, in document order (the tags read by
    ``TAG``, matched on a stack; a tag left unmatched is skipped)."""
    out: list[tuple[str, int, int, int]] = []
    stack: list[tuple[str, int, int]] = []     # (name, start, index in out)
    for m in TAG.finditer(text):
        close, name, empty = m.group(1), m.group(2), m.group(3)
        if close:
            while stack and stack[-1][0] != name:
                stack.pop()
            if stack:
                _, start, k = stack.pop()
                out[k] = (name, start, m.end(), out[k][3])
        else:
            parent = stack[-1][2] if stack else -1
            out.append((name, m.start(), m.end(), parent))
            if not empty:
                stack.append((name, m.start(), len(out) - 1))
    return out


def _prolog_end(text: str) -> int:
    """Where the document's prolog (declaration, comments, DOCTYPE) ends: the start of the root element."""
    m = TAG.search(text)
    return m.start() if m else 0


def xml(name: str, data: bytes, rng: random.Random) -> dict[str, dict[str, bytes]]:
    text, codec = fm._xml_text(data)

    def enc(t: str, how: str = codec) -> dict[str, bytes]:
        return {name: t.encode(how, "surrogateescape" if how == "utf-8" else "replace")}

    out = {}
    els = elements(text)
    out.update(_text_cuts(name, text, codec))
    waves = [k for k, e in enumerate(els) if WAVE.search(e[0]) and e[3] >= 0]
    fields = [k for k, e in enumerate(els) if fm.FIELD_TAG.search(e[0]) and e[3] >= 0]
    picks = sorted(set(rng.sample(waves, min(6, len(waves))) + rng.sample(fields, min(6, len(fields)))))
    for k in picks:
        tag, s, e, parent = els[k]
        piece = text[s:e]
        out[f"el-dup-{tag}@{s}"] = enc(text[:e] + piece + text[e:])
        out[f"el-drop-{tag}@{s}"] = enc(text[:s] + text[e:])
        if parent >= 0:
            pe = els[parent][2]
            close = text.rfind("</", 0, pe)
            if close > e:
                out[f"el-to-end-{tag}@{s}"] = enc(text[:s] + text[e:close] + piece + text[close:])
    parents = sorted({els[k][3] for k in picks if els[k][3] >= 0})
    for p in parents[:6]:
        kids = [e for e in els if e[3] == p]
        if len(kids) >= 2:
            s, e = kids[0][1], kids[-1][2]
            body = "\n".join(text[a:b] for _, a, b, _ in reversed(kids))
            out[f"el-reversed-in-{els[p][0]}@{els[p][1]}"] = enc(text[:s] + body + text[e:])
    attrs = [m for m in ATTR.finditer(text) if not m.group(2).startswith("xmlns") and m.start() > _prolog_end(text)]
    for m in rng.sample(attrs, min(6, len(attrs))):
        a = m.group(2)
        out[f"attr-dup-{a}@{m.start()}"] = enc(text[:m.end()] + m.group(0) + text[m.end():])
        out[f"attr-drop-{a}@{m.start()}"] = enc(text[:m.start()] + text[m.end():])
        for word in ATTR_WORDS:
            out[f"attr-{a}={word or 'empty'}@{m.start()}"] = enc(
                text[:m.start()] + f'{m.group(1)}{a}="{word}"' + text[m.end():])
    numbers = list(fm.NUMBER.finditer(text))
    for m in rng.sample(numbers, min(4, len(numbers))):
        for word in NUMBER_WORDS:
            out[f"num{word.strip()!r}@{m.start()}"] = enc(text[:m.start()] + word + text[m.end():])
    out.update(_encodings(name, text))
    out.update(_entities(name, text, els, enc))
    return out


def _text_cuts(name: str, text: str, codec: str) -> dict[str, dict[str, bytes]]:
    """The document cut at the end of each of its tags (40 spread evenly) and at its last three tags' starts."""
    data = text.encode(codec, "surrogateescape" if codec == "utf-8" else "strict")
    if codec == "utf-8":
        tags = list(re.finditer(rb"</?[A-Za-z_][^<>]*>", data))
        ends, starts = [m.end() for m in tags], [m.start() for m in tags]
    else:                       # UTF-16 with its 2-byte mark: a character of the BMP is 2 bytes
        tags = list(TAG.finditer(text))
        ends, starts = [2 + 2 * m.end() for m in tags], [2 + 2 * m.start() for m in tags]
    return {**cuts(name, data, ends, "tag-end"), **cuts(name, data, starts[-3:], "last-tags", 3)}


def _encodings(name: str, text: str) -> dict[str, dict[str, bytes]]:
    body = re.sub(r"^\ufeff?\s*<\?xml[^>]*\?>", "", text)
    decl = '<?xml version="1.0" encoding="{}"?>'
    return {
        "enc-utf16be-bom": {name: b"\xfe\xff" + (decl.format("UTF-16") + body).encode("utf-16-be", "replace")},
        "enc-utf32": {name: (decl.format("UTF-32") + body).encode("utf-32", "replace")},
        "enc-utf8-bom-says-utf16": {name: b"\xef\xbb\xbf" + (decl.format("UTF-16") + body).encode("utf-8", "replace")},
        "enc-bogus-declared": {name: (decl.format("X-NO-SUCH-CODEC") + body).encode("utf-8", "replace")},
        "enc-ebcdic-declared": {name: (decl.format("cp037") + body).encode("cp037", "replace")},
        "enc-latin1-undeclared": {name: re.sub(r">([A-Za-z][^<]{0,20})<", lambda m: ">\u00e9\u00df" + m.group(1) + "<",
                                               body, count=5).encode("latin-1", "replace")},
        "enc-nul-in-text": {name: re.sub(r">([^<\s]{3})", ">\\1\x00", text, count=3).encode("utf-8", "replace")},
    }


def _entities(name: str, text: str, els, enc) -> dict[str, dict[str, bytes]]:
    """DOCTYPEs that expand entities (billion laughs, quadratic blow-up), fetch external ones or parameter entities,
    100,000 nested elements, a 5 MB comment, an element of 100,000 attributes and the largest text in CDATA."""
    root = _prolog_end(text)
    if not els:
        return {}
    rname = els[0][0]
    head = re.sub(r"<!DOCTYPE[^>\[]*(\[[^\]]*\])?\s*>", "", text[:root])
    rest = text[root:]
    first_leaf = re.search(r">([^<\s][^<]*)<", rest)
    out = {}

    def doctype(subset: str, ref: str, tag: str) -> None:
        body = rest if first_leaf is None else rest[:first_leaf.start(1)] + ref + rest[first_leaf.start(1):]
        out[tag] = enc(head + f"<!DOCTYPE {rname} [{subset}]>\n" + body)

    lol = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{k} "{("&lol" + str(k - 1) + ";") * 10}">' for k in range(1, 10))
    doctype(lol, "&lol9;", "entity-billion-laughs")
    doctype('<!ENTITY a "' + "x" * 50_000 + '">', "&a;" * 50_000, "entity-quadratic")
    doctype('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;", "entity-external-file")
    doctype('<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;', "", "entity-parameter-external")
    doctype("<!ELEMENT x ANY>", "", "doctype-benign-subset")
    _, s, e, _ = els[1] if len(els) > 1 else els[0]
    inside = text.find(">", s) + 1
    out["nested-100k"] = enc(text[:inside] + "<a>" * 100_000 + "</a>" * 100_000 + text[inside:])
    out["comment-5mb"] = enc(text[:inside] + "<!--" + "c" * (5 << 20) + "-->" + text[inside:])
    out["attributes-100k"] = enc(text[:inside] + "<a " + " ".join(f'a{k}="1"' for k in range(100_000)) + "/>"
                                 + text[inside:])
    leaves = list(re.finditer(r">([^<]{200,})<", text))
    if leaves:
        big = max(leaves, key=lambda m: len(m.group(1)))
        out["cdata-largest-text"] = enc(text[:big.start(1)] + "<![CDATA[" + big.group(1) + "]]>" + text[big.end(1):])
    return out
