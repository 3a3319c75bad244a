"""The documentation site's checks, on a built site (scripts/docs.sh --check runs them).

  python tests/docs/check.py links HTML_DIR
      every relative href/src of every page names an existing file, and its #fragment an
      existing id (the internal link check; external links are not fetched).
  python tests/docs/check.py c-symbols HTML_DIR LIBMONGO_ODM_SO
      `nm -D --defined-only` of the library: every exported mongo_odm_* function is in the C
      reference's index (objects.inv, c:function) and every function the reference lists is
      exported; every function, macro, struct and typedef entry carries its header comment
      (c-reference.json; enums are described by their enumerators' comments).
  python tests/docs/check.py python HTML_DIR
      every name of mongo_odm.__all__, every public method and property of its classes, every
      exception of mongo_odm.errors, and the classes __all__'s functions return (clients,
      databases, collections, cursors, sync and async: REACHED_CLASSES) with their public
      methods have a docstring of their own and an entry in the Python reference's index (run
      with the interpreter mongo_odm is installed in).
  python tests/docs/check.py not-blank PNG...
      each screenshot is not blank: at least 3% of its pixels are not background, in at least
      8 distinct colours (Pillow).
Each prints "<check>: passed - ..." or "<check>: FAILED - ..." lines, exit code 1 on failure.
"""

from __future__ import annotations

import html.parser
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit


def inventory(html_dir: Path) -> dict:
    from sphinx.util.inventory import InventoryFile

    with open(html_dir / "objects.inv", "rb") as f:
        return InventoryFile.load(f, "", lambda a, b: b)


# ---- links ---------------------------------------------------------------------------------

class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list = []
        self.ids: set = set()

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        for k, v in attrs:
            if k in ("id", "name") and v:
                self.ids.add(v)
            if k in ("href", "src") and v:
                self.refs.append(v)


def check_links(html_dir: Path) -> list:
    pages = {}
    for p in html_dir.rglob("*.html"):
        parser = _Links()
        parser.feed(p.read_text(encoding="utf-8"))
        pages[p.resolve()] = parser
    failures, n = [], 0
    for page, parser in pages.items():
        for ref in parser.refs:
            u = urlsplit(ref)
            if u.scheme or u.netloc or ref.startswith(("mailto:", "javascript:")):
                continue
            n += 1
            target = (page.parent / unquote(u.path)).resolve() if u.path else page
            if not target.exists():
                failures.append(f"{page.relative_to(html_dir.resolve())}: {ref} (no such file)")
                continue
            if u.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if unquote(u.fragment) not in ids:
                    failures.append(f"{page.relative_to(html_dir.resolve())}: {ref} (no such anchor)")
    verdict = "passed" if not failures else "FAILED"
    return [f"links: {verdict} - {n} internal links in {len(pages)} pages, {len(failures)} broken", *failures]


# ---- C symbols -----------------------------------------------------------------------------

def check_c_symbols(html_dir: Path, lib: Path) -> list:
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], check=True, capture_output=True, text=True).stdout
    exported = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TtWi" and parts[2].startswith("mongo_odm_"):
            exported.add(parts[2].split("@")[0])
    inv = inventory(html_dir)
    documented = set(inv.get("c:function", {}))
    missing = sorted(exported - documented)
    stale = sorted(documented - exported)
    report = json.loads((html_dir / "c-reference.json").read_text(encoding="utf-8"))
    no_comment = sorted(r["name"] for r in report if r["kind"] in ("function", "macro", "struct", "type")
                        and not r["documented"])
    types = len(inv.get("c:type", {})) + len(inv.get("c:struct", {})) + len(inv.get("c:enum", {}))
    ok = not missing and not stale and not no_comment and exported
    lines = [f"c-symbols: {'passed' if ok else 'FAILED'} - {len(exported)} exported mongo_odm_* functions, "
             f"{len(documented)} in the C reference, {types} types, {len(inv.get('c:macro', {}))} macros, "
             f"{len(inv.get('c:enumerator', {}))} enumerators, {len(inv.get('cpp:class', {}))} C++ classes"]
    lines += [f"count: docs.c-functions {len(exported)}", f"count: docs.c-macros {len(inv.get('c:macro', {}))}"]
    lines += [f"  exported but missing from the reference: {s}" for s in missing]
    lines += [f"  in the reference but not exported: {s}" for s in stale]
    lines += [f"  declared without a header comment: {s}" for s in no_comment]
    return lines


# ---- Python --------------------------------------------------------------------------------

_SIGNATURE = re.compile(r"^\s*(\d+\.\s*)?[\w.]*\(.*\)(\s*->\s*.+)?\s*$")


def own_doc(obj: object) -> str:
    """The object's own docstring, without pybind11's generated signature lines."""
    if isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        doc = obj.__doc__ or (obj.fget.__doc__ if obj.fget else "") or ""
    elif inspect.isclass(obj):
        doc = obj.__dict__.get("__doc__") or ""
    else:
        doc = getattr(obj, "__doc__", "") or ""
    lines = [ln for ln in doc.strip().splitlines() if not _SIGNATURE.match(ln) and ln.strip() != "Overloaded function."]
    return "\n".join(lines).strip()


def public_members(cls: type) -> list:
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_") or inspect.isclass(value):
            continue
        if isinstance(value, (property, classmethod, staticmethod)) or callable(value) or \
                type(value).__name__ in ("instancemethod", "builtin_function_or_method", "method_descriptor"):
            out.append((name, value))
    return out


REACHED_CLASSES = ("mongo_odm.client.MongoClient", "mongo_odm.client.Database", "mongo_odm._core.Collection",
                   "mongo_odm._core.Cursor", "mongo_odm._async.AsyncMongoClient", "mongo_odm._async.AsyncDatabase",
                   "mongo_odm._async.AsyncCollection", "mongo_odm._async.AsyncCursor",
                   "mongo_odm.command_cursor.CommandCursor", "mongo_odm._async.AsyncCommandCursor")


def check_python(html_dir: Path) -> list:
    import mongo_odm
    import mongo_odm.errors

    inv = inventory(html_dir)
    names = set()
    for kind, entries in inv.items():
        if kind.startswith("py:"):
            names.update(entries)
    failures, n = [], 0

    def need(qualname: str, obj: object, doc_required: bool = True) -> None:
        nonlocal n
        n += 1
        if qualname not in names:
            failures.append(f"  missing from the reference: {qualname}")
        if doc_required and not own_doc(obj):
            failures.append(f"  no docstring: {qualname}")

    # the classes __all__'s functions return (get_client(), get_collection(), find(), ...)
    import mongo_odm._async
    import mongo_odm._core
    import mongo_odm.client
    import mongo_odm.command_cursor

    for cls in REACHED_CLASSES:
        module, _, cname = cls.rpartition(".")
        obj = getattr(sys.modules[module], cname)
        need(cls, obj)
        for mname, m in public_members(obj):
            need(f"{cls}.{mname}", m)

    for name in mongo_odm.__all__:
        obj = getattr(mongo_odm, name)
        if inspect.ismodule(obj):
            need(obj.__name__, obj)
            for ename in obj.__all__:
                eobj = getattr(obj, ename)
                need(f"{obj.__name__}.{ename}", eobj)
                if inspect.isclass(eobj):
                    for mname, m in public_members(eobj):
                        need(f"{obj.__name__}.{ename}.{mname}", m)
        elif inspect.isclass(obj):
            need(f"mongo_odm.{name}", obj)
            for mname, m in public_members(obj):
                need(f"mongo_odm.{name}.{mname}", m)
        elif callable(obj):
            need(f"mongo_odm.{name}", obj)
        else:  # constants and __version__: described in the reference page itself
            need(f"mongo_odm.{name}", obj, doc_required=False)
    return [f"python: {'passed' if not failures else 'FAILED'} - {len(mongo_odm.__all__)} names of mongo_odm.__all__, "
            f"{n} public names and methods checked, {len(failures)} problems", f"count: docs.python-names {n}",
            *failures]


# ---- screenshots ---------------------------------------------------------------------------

def check_not_blank(pngs: list) -> list:
    from PIL import Image

    lines, ok = [], True
    for p in pngs:
        img = Image.open(p).convert("RGB")
        small = img.resize((img.width // 2, img.height // 2))
        colours = small.getcolors(maxcolors=1 << 20) or []
        colours.sort(reverse=True)
        background = colours[0][1] if colours else (255, 255, 255)
        total = small.width * small.height
        ink = sum(c for c, rgb in colours if sum(abs(a - b) for a, b in zip(rgb, background)) > 60)
        good = len(colours) >= 8 and ink / total >= 0.03
        ok &= good
        lines.append(f"  {Path(p).name}: {img.width}x{img.height}, {len(colours)} colours, "
                     f"{100 * ink / total:.1f}% ink{'' if good else ' - BLANK'}")
    return [f"screenshots: {'passed' if ok else 'FAILED'} - {len(pngs)} pages rendered by chromium", *lines]


def main() -> int:
    what = sys.argv[1]
    if what == "links":
        lines = check_links(Path(sys.argv[2]))
    elif what == "c-symbols":
        lines = check_c_symbols(Path(sys.argv[2]), Path(sys.argv[3]))
    elif what == "python":
        lines = check_python(Path(sys.argv[2]))
    elif what == "not-blank":
        lines = check_not_blank(sys.argv[2:])
    else:
        print(f"check.py: unknown check {what}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0 if ": passed" in lines[0] else 1


if __name__ == "__main__":
    sys.exit(main())
