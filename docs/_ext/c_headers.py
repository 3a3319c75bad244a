"""Sphinx extension: the C and C++ reference, read from the public headers as they are.

The headers are the single source of the reference. Their style is regular: a file comment at
the top, a comment block right before each declaration (MONGO_ODM_API(...) functions, typedefs,
enums, #defines), trailing comments on enumerators and struct members. This module parses that
style (it is not a C parser) and emits the C domain's entries:

    .. c-header:: mongo_odm/error.h      one header: its file comment, then every declaration
    .. cpp-header:: mongo_odm.hpp        the C++ wrapper: its classes and free functions

A declaration the parser does not recognise is an error (the build fails), so a header written
in another style is noticed instead of silently missing from the reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.errors import ExtensionError

INCLUDE = Path(__file__).resolve().parents[2] / "include"


@dataclass
class Entry:
    kind: str        # function, macro, enum, enumerator, struct, type, section
    name: str
    signature: str   # what follows the directive name
    doc: str         # the comment text, comment markers removed
    members: List[Entry] = field(default_factory=list)


@dataclass
class Header:
    path: str
    intro: str
    entries: List[Entry]


# ---- comment text --------------------------------------------------------------------------

def clean_comment(raw: str) -> str:
    """The text of a /* ... */ comment: markers and leading ' * ' removed, indentation kept."""
    body = raw.strip()
    assert body.startswith("/*") and body.endswith("*/"), raw
    body = body[2:-2]
    lines = body.split("\n")
    out = []
    for i, line in enumerate(lines):
        s = line.rstrip()
        if i == 0:
            s = s.lstrip()
        else:
            m = re.match(r"^\s*\* ?(.*)$", s)
            s = m.group(1) if m else s.strip()
        out.append(s)
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def join_comments(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


# ---- the C header parser -------------------------------------------------------------------

_GUARD = re.compile(r"^#\s*(ifndef|define|endif)\s+MONGO_ODM(_\w+)?_H\b")
_PREPROC_SKIP = re.compile(r"^#\s*(if|ifdef|ifndef|elif|else|endif|include|undef|error)\b")


def _split_body(body: str) -> List[Tuple[str, str]]:
    """Enumerators or struct members: (code, doc) pairs from the lines between { and }."""
    items: List[Tuple[str, str]] = []
    leading = ""
    lines = body.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if not s:
            i += 1
            continue
        if s.startswith("/*"):
            chunk = [line]
            while "*/" not in lines[i]:
                i += 1
                chunk.append(lines[i])
            leading = join_comments(leading, clean_comment("\n".join(chunk)))
            i += 1
            continue
        code, sep, rest = line.partition("/*")
        trailing = ""
        if sep:
            chunk = ["/*" + rest]
            while "*/" not in chunk[-1]:
                i += 1
                chunk.append(lines[i])
            trailing = clean_comment("\n".join(chunk))
        code = code.strip().rstrip(",;").strip()
        if code:
            items.append((code, join_comments(leading, trailing)))
        leading = ""
        i += 1
    return items


def parse_c_header(path: Path, rel: str) -> Header:
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    intro = ""
    entries: List[Entry] = []
    pending = ""          # the comment right before the next declaration
    seen_macros = set()
    i = 0
    first = True
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if s.startswith("/*"):
            chunk = [line]
            while "*/" not in lines[i]:
                i += 1
                chunk.append(lines[i])
            comment = clean_comment("\n".join(chunk))
            i += 1
            if first:
                intro = comment
                first = False
                continue
            # a comment followed by a blank line stands alone: a section note
            if i < len(lines) and not lines[i].strip():
                title = comment.strip("- ").strip() if comment.startswith("----") else ""
                entries.append(Entry("section", "", title, "" if title else comment))
                pending = ""
            else:
                pending = join_comments(pending, comment)
            continue
        first = False
        if not s:
            pending = ""
            i += 1
            continue
        if _GUARD.match(s) or s in ("MONGO_ODM_BEGIN_DECLS", "MONGO_ODM_END_DECLS"):
            i += 1
            continue
        if s.startswith("#define"):
            chunk = [line]
            while chunk[-1].rstrip().endswith("\\"):
                i += 1
                chunk.append(lines[i])
            i += 1
            m = re.match(r"#\s*define\s+(\w+)(\([^)]*\))?\s*(.*)$", " ".join(c.rstrip("\\").strip() for c in chunk))
            if not m:
                raise ExtensionError(f"{rel}: cannot read {s!r}")
            name, params, value = m.group(1), m.group(2) or "", m.group(3)
            if name not in seen_macros:
                seen_macros.add(name)
                doc = pending
                if value and not params:
                    doc = join_comments(doc, f"Value: ``{value}``")
                entries.append(Entry("macro", name, name + params, doc))
            pending = pending if _is_conditional_next(lines, i) else ""
            continue
        if _PREPROC_SKIP.match(s):
            i += 1   # #if around alternative #defines: the comment belongs to them
            continue
        # a declaration, up to its ';'
        chunk = [line]
        depth = line.count("{") - line.count("}")
        while not (depth == 0 and chunk[-1].rstrip().endswith(";")):
            i += 1
            if i >= len(lines):
                raise ExtensionError(f"{rel}: unterminated declaration {s!r}")
            chunk.append(lines[i])
            depth += lines[i].count("{") - lines[i].count("}")
        i += 1
        decl = "\n".join(chunk)
        entries.append(_declaration(decl, pending, rel))
        # Declarations that follow with no blank line share the comment (a group of twins).
    return Header(rel, intro, entries)


def _is_conditional_next(lines: List[str], i: int) -> bool:
    return i < len(lines) and bool(re.match(r"^\s*#\s*(elif|else|endif|define)", lines[i]))


def _flat(code: str) -> str:
    code = re.sub(r"/\*.*?\*/", " ", code, flags=re.S)
    return re.sub(r"\s+", " ", code).strip()


def _declaration(decl: str, doc: str, rel: str) -> Entry:
    flat = _flat(decl)
    # Attribute macros (MONGO_ODM_WARN_UNUSED, a deprecation macro) before the name or after
    # the parameters are kept out of the signature and named under the comment.
    attrs = r"((?:MONGO_ODM_[A-Z0-9_]+(?:\([^()]*\))?\s*)*)"
    m = re.match(r"^MONGO_ODM_API\((.*?)\)\s*" + attrs + r"(\w+)\s*\((.*?)\)\s*" + attrs + ";$", flat)
    if m:
        ret, before, name, params, after = m.groups()
        extra = " ".join(x.strip() for x in (before, after) if x.strip())
        if extra:
            doc = join_comments(doc, f"Attributes: ``{extra}``")
        return Entry("function", name, f"{ret} {name}({params})".replace("( ", "("), doc)
    m = re.match(r"^typedef struct (\w+) (\w+);$", flat)
    if m:
        return Entry("struct", m.group(2), m.group(2), doc)
    m = re.match(r"^(typedef\s+)?(enum|struct)\s*(\w*)\s*\{(.*)\}\s*(\w*)\s*;$", decl.strip(), flags=re.S)
    if m:
        _, what, tag, body, name = m.groups()
        name = name or tag
        members = []
        for code, mdoc in _split_body(body):
            if what == "enum":
                members.append(Entry("enumerator", code.split("=")[0].strip(), code, mdoc))
            else:
                members.append(Entry("member", _member_name(code), code, mdoc))
        if what == "enum" and not name:
            # an anonymous enum of flags: its enumerators stand alone
            for mem in members:
                mem.doc = join_comments(mem.doc, doc) if not mem.doc else mem.doc
            return Entry("flags", "", "", doc, members)
        return Entry(what, name, name, doc, members)
    m = re.match(r"^typedef .*\(\s*\*\s*(\w+)\s*\)\s*\(.*\)\s*;$", flat)
    if m:
        return Entry("type", m.group(1), flat[len("typedef "):-1], doc)
    raise ExtensionError(f"{rel}: the reference generator does not know this declaration:\n{decl}")


def _member_name(code: str) -> str:
    m = re.search(r"(\w+)\s*(\[[^\]]*\])?\s*$", code)
    return m.group(1) if m else code


# ---- the C++ wrapper parser ----------------------------------------------------------------

def parse_cpp_header(path: Path) -> Tuple[str, List[Entry]]:
    """Namespace-level classes, structs and free functions of mongo_odm.hpp with the comment
    right before each; a class lists its public members' declarations and comments."""
    lines = path.read_text(encoding="utf-8").split("\n")
    entries: List[Entry] = []
    intro = ""
    pending = ""
    depth = 0
    ns_stack: List[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        at_ns = depth == len(ns_stack)
        if s.startswith("/*") and at_ns:
            chunk = [line]
            while "*/" not in lines[i]:
                i += 1
                chunk.append(lines[i])
            i += 1
            comment = clean_comment("\n".join(chunk))
            if not intro and not entries and not ns_stack:
                intro = comment
            elif comment.startswith("----"):
                entries.append(Entry("section", "", comment.strip("- ").strip(), ""))
                pending = ""
            else:
                pending = join_comments(pending, comment)
            continue
        if at_ns and ns_stack == ["mongo_odm"] and s:
            m = re.match(r"^(class|struct) (\w+)\b[^;]*\{", s)
            if m:
                end, members = _cpp_class_body(lines, i)
                entries.append(Entry("cppclass", m.group(2), m.group(2), pending, members))
                pending = ""
                i = end + 1
                continue
            m = re.match(r"^(?:inline |template <[^>]*> )*([\w:<>,\s\*&]+?)\s+(\w+)\(", s)
            if m and not s.startswith(("return", "using", "namespace")):
                sig = s
                j = i
                while "{" not in sig and ";" not in sig:
                    j += 1
                    sig += " " + lines[j].strip()
                sig = sig.split(" {")[0].split("{")[0].rstrip(";").strip()
                sig = re.sub(r"^(inline |template <[^>]*> )+", "", sig)
                entries.append(Entry("cppfunction", m.group(2), sig, pending))
                pending = ""
            elif not s.startswith("template"):
                pending = ""
        m = re.match(r"^namespace (\w+) \{", s)
        if m:
            ns_stack.append(m.group(1))
        depth += line.count("{") - line.count("}")
        while ns_stack and depth < len(ns_stack):
            ns_stack.pop()
        if not s:
            pending = ""
        i += 1
    return intro, entries


def _cpp_class_body(lines: List[str], start: int) -> Tuple[int, List[Entry]]:
    depth = 0
    access = "private" if lines[start].strip().startswith("class") else "public"
    members: List[Entry] = []
    pending = ""
    i = start
    while True:
        line = lines[i]
        s = line.strip()
        if i > start and depth == 1:
            if re.match(r"^(public|private|protected):", s):
                access = s[:-1]
            elif s.startswith("/*"):
                chunk = [line]
                while "*/" not in lines[i]:
                    i += 1
                    chunk.append(lines[i])
                pending = join_comments(pending, clean_comment("\n".join(chunk)))
                depth += 0
                i += 1
                continue
            elif s and access == "public" and not s.startswith(("}", ":", ",")):
                sig = s
                j = i
                while "{" not in sig and ";" not in sig and j + 1 < len(lines):
                    j += 1
                    sig += " " + lines[j].strip()
                sig = re.split(r"\s*(\{|;|\) : )", sig)[0].strip()
                if "(" in sig and not sig.startswith(("using", "friend")):
                    if not sig.endswith(")") and "=" not in sig.split(")")[-1]:
                        sig += ")"
                    members.append(Entry("cppmember", sig, sig, pending))
                pending = ""
            elif not s:
                pending = ""
        depth += line.count("{") - line.count("}")
        if i > start and depth == 0:
            return i, members
        i += 1


# ---- rendering -----------------------------------------------------------------------------

_NAMES: Dict[str, str] = {}        # C name -> role (func, macro, type, enumerator, struct, enum)
_DOCS: Dict[str, str] = {}         # comment id -> text
_HEADERS: Dict[str, Header] = {}   # "mongo_odm/error.h" -> its parse


def _c_headers() -> List[Path]:
    return [INCLUDE / "mongo_odm.h", *sorted((INCLUDE / "mongo_odm").glob("*.h")),
            INCLUDE / "mongo_odm" / "version.h.in"]


def load_all() -> Dict[str, Header]:
    if not _HEADERS:
        for p in _c_headers():
            rel = str(p.relative_to(INCLUDE))
            h = parse_c_header(p, rel)
            _HEADERS[rel] = h
            for e in h.entries:
                role = {"function": "func", "macro": "macro", "struct": "struct", "enum": "enum",
                        "type": "type"}.get(e.kind)
                if role:
                    _NAMES[e.name] = role
                for mem in e.members:
                    if mem.kind == "enumerator":
                        _NAMES[mem.name] = "enumerator"
    return _HEADERS


_INLINE = re.compile(r"`([^`\n]+)`|\b((?:mongo_odm|MONGO_ODM)_\w+)(\(\))?")


def inline_nodes(text: str) -> List[nodes.Node]:
    out: List[nodes.Node] = []
    pos = 0
    for m in _INLINE.finditer(text):
        if m.start() > pos:
            out.append(nodes.Text(text[pos:m.start()]))
        pos = m.end()
        if m.group(1) is not None:
            out.append(nodes.literal(m.group(1), m.group(1)))
            continue
        name, call = m.group(2), m.group(3) or ""
        role = _NAMES.get(name)
        if role is None:
            out.append(nodes.literal(name + call, name + call))
            continue
        ref = addnodes.pending_xref("", refdomain="c", reftype=role, reftarget=name, refexplicit=True)
        ref += nodes.literal(name + call, name + call, classes=["xref", "c", "c-" + role])
        out.append(ref)
    if pos < len(text):
        out.append(nodes.Text(text[pos:]))
    return out


def _item_text_column(line: str, base: int) -> Optional[int]:
    """For a line that starts an item ("update:  text", "NAME  text", "1. text", or any line
    indented by one), the column its text after the label starts at; else None."""
    m = re.match(r"(\s*)(\S+)(\s+)\S", line)
    if not m:
        return None
    lead, first = len(m.group(1)), m.group(2)
    if first.endswith(":") or re.fullmatch(r"\d+\.", first) or re.fullmatch(r"[A-Z][A-Z0-9_]+", first) or \
            lead == base + 1:
        return lead + len(first) + len(m.group(3))
    return None


def comment_nodes(text: str) -> List[nodes.Node]:
    """Paragraphs; indented runs become literal blocks, '- ' runs bullet lists. An item ("name:
    text", "NAME text", "1. text", or a line indented by one) is a paragraph of its own, and the
    lines indented to its text's column right after it continue it (wrapped text, not code)."""
    result: List[nodes.Node] = []
    # The comment's own indentation: a run indented 2 more than that is code.
    base = min((len(ln) - len(ln.lstrip()) for ln in text.split("\n") if ln.strip()), default=0)
    for block in re.split(r"\n\s*\n", text):
        lines = block.split("\n")
        if not block.strip():
            continue
        para: List[str] = []
        bullets: Optional[nodes.bullet_list] = None

        def flush(para: List[str] = para) -> None:
            if para:
                p = nodes.paragraph()
                p.extend(inline_nodes(" ".join(x.strip() for x in para)))
                result.append(p)
                para.clear()
        k = 0
        cont: Optional[int] = None  # the column an item's wrapped lines are indented to
        while k < len(lines):
            ln = lines[k]
            ind = len(ln) - len(ln.lstrip())
            if cont is not None and ind == cont and para:
                para.append(ln)
                k += 1
                continue
            if ind >= base + 2 and not (bullets is not None):
                flush()
                code = []
                while k < len(lines) and (len(lines[k]) - len(lines[k].lstrip()) >= base + 2 or not lines[k].strip()):
                    code.append(lines[k][base + 2:] if lines[k].strip() else "")
                    k += 1
                src = "\n".join(code).rstrip()
                result.append(nodes.literal_block(src, src, language="none"))
                continue
            if ln.strip().startswith("- "):
                flush()
                if bullets is None:
                    bullets = nodes.bullet_list()
                    result.append(bullets)
                item = nodes.list_item()
                item_text = [ln.strip()[2:]]
                k += 1
                while k < len(lines) and lines[k].strip() and not lines[k].strip().startswith("- ") and \
                        len(lines[k]) - len(lines[k].lstrip()) > ind:
                    item_text.append(lines[k].strip())
                    k += 1
                p = nodes.paragraph()
                p.extend(inline_nodes(" ".join(item_text)))
                item += p
                bullets += item
                continue
            bullets = None
            cont = _item_text_column(ln, base)
            if cont is not None or (ind == base and para and _item_text_column(para[0], base) is not None):
                flush()  # an item starts, or plain text follows one: a paragraph of its own
            para.append(ln)
            k += 1
        flush()
    return result


class CCommentDirective(Directive):
    """Internal: the body of one generated entry (the header comment, rendered as nodes)."""
    required_arguments = 1

    def run(self) -> List[nodes.Node]:
        return comment_nodes(_DOCS[self.arguments[0]])


def _doc_id(text: str) -> str:
    key = f"d{len(_DOCS)}"
    _DOCS[key] = text
    return key


def _emit_entry(e: Entry, out: List[str], indent: str = "") -> None:
    directive = {"function": "c:function", "macro": "c:macro", "struct": "c:struct", "enum": "c:enum",
                 "type": "c:type", "enumerator": "c:enumerator", "member": "c:member"}[e.kind]
    out.append(f"{indent}.. {directive}:: {e.signature}")
    out.append("")
    if e.doc:
        out.append(f"{indent}   .. c-comment:: {_doc_id(e.doc)}")
        out.append("")
    for mem in e.members:
        _emit_entry(mem, out, indent + "   ")


class CHeaderDirective(Directive):
    """.. c-header:: mongo_odm/error.h"""
    required_arguments = 1

    def run(self) -> List[nodes.Node]:
        headers = load_all()
        rel = self.arguments[0]
        if rel not in headers:
            raise self.error(f"no header {rel} under include/")
        h = headers[rel]
        env = self.state.document.settings.env
        env.note_dependency(str(INCLUDE / rel))
        out: List[str] = []
        if h.intro:
            out += [f".. c-comment:: {_doc_id(h.intro)}", ""]
        for e in h.entries:
            if e.kind == "section":
                if e.signature:
                    out += [f".. rubric:: {e.signature}", ""]
                else:
                    out += [f".. c-comment:: {_doc_id(e.doc)}", ""]
            elif e.kind == "flags":
                for mem in e.members:
                    _emit_entry(mem, out)
            else:
                _emit_entry(e, out)
        node = nodes.container()
        self.state.nested_parse(StringList(out, source=str(INCLUDE / rel)), self.content_offset, node)
        return node.children


class CppHeaderDirective(Directive):
    """.. cpp-header:: mongo_odm.hpp"""
    required_arguments = 1

    def run(self) -> List[nodes.Node]:
        load_all()
        path = INCLUDE / self.arguments[0]
        self.state.document.settings.env.note_dependency(str(path))
        intro, entries = parse_cpp_header(path)
        out: List[str] = []
        if intro:
            out += [f".. c-comment:: {_doc_id(intro)}", ""]
        out += [".. cpp:namespace:: mongo_odm", ""]
        for e in entries:
            if e.kind == "section":
                out += [f".. rubric:: {e.signature}", ""]
            elif e.kind == "cppclass":
                out += [f".. cpp:class:: {e.name}", ""]
                if e.doc:
                    out += [f"   .. c-comment:: {_doc_id(e.doc)}", ""]
                if e.members:
                    out += ["   Public members:", "", "   .. code-block:: cpp", ""]
                    for mem in e.members:
                        if mem.doc:
                            out += ["      // " + ln for ln in mem.doc.split("\n")]
                        out += ["      " + mem.signature + ";"]
                    out += [""]
            else:
                out += [f".. cpp:function:: {e.signature}", ""]
                if e.doc:
                    out += [f"   .. c-comment:: {_doc_id(e.doc)}", ""]
        node = nodes.container()
        self.state.nested_parse(StringList(out, source=str(path)), self.content_offset, node)
        return node.children


def write_report(app, exception) -> None:  # type: ignore[no-untyped-def]
    """build/.../c-reference.json: every declaration of the headers and whether it has a
    comment (tests/docs/check.py reads it)."""
    if exception is not None or app.builder.format != "html":
        return
    import json
    report = []
    for rel, h in load_all().items():
        for e in h.entries:
            for item in ([e] if e.kind != "flags" else []) + e.members:
                if item.kind in ("section", "member"):
                    continue
                report.append({"header": rel, "kind": item.kind, "name": item.name,
                               "documented": bool(item.doc.strip())})
    (Path(app.outdir) / "c-reference.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


def check_pages(app) -> None:  # type: ignore[no-untyped-def]
    """Every public header has its page docs/c-api/<name>.rst: a header added without one
    fails the -W build here, with the line to write, instead of going missing from the site."""
    from sphinx.util import logging

    log = logging.getLogger(__name__)
    pages = Path(app.srcdir) / "c-api"
    for p in _c_headers():
        stem = p.name.split(".")[0]
        page = pages / f"{stem}.rst"
        rel = str(p.relative_to(INCLUDE))
        if not page.exists() or f".. c-header:: {rel}" not in page.read_text(encoding="utf-8"):
            log.warning(f"include/{rel} has no page: write docs/c-api/{stem}.rst with a title and "
                        f"'.. c-header:: {rel}', and list c-api/{stem} in docs/c-api.rst")


def setup(app):  # type: ignore[no-untyped-def]
    app.connect("builder-inited", check_pages)
    app.connect("build-finished", write_report)
    app.add_directive("c-comment", CCommentDirective)
    app.add_directive("c-header", CHeaderDirective)
    app.add_directive("cpp-header", CppHeaderDirective)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
