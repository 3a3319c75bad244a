"""Runs every code example of the documentation site against the server of MONGO_URL.

  python tests/docs/run_examples.py LIBDIR OUTDIR

Examples are found in the site's sources (docs/**/*.md, docs/**/*.rst):
  - ```python blocks: each is a whole program, run with this interpreter;
  - ```c / ```cpp blocks holding a main(): compiled against the library in LIBDIR and run;
  - literalinclude of examples/ files: .py run, .c/.cpp compiled against LIBDIR and run.
Other blocks are fragments (docs/features.md's; its whole programs, examples/c/features.c and
examples/python/features.py, are literalincluded and run). A fragment cannot run, so it is
checked instead: a Python fragment must parse (top-level await allowed), its mongo_odm imports
must exist, and every Model.attribute it calls on a MongoBaseModel class of its own must be a
method or field; every mongo_odm_* / MONGO_ODM_* name of a C or C++ fragment must be declared
in the public headers and every mongo_odm:: name in mongo_odm.hpp. Shell blocks are the README's
install commands, run as written by tests/install/readme.sh.
Prints one line per example and a last line "examples: N run, N passed, M fragments checked".
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.S | re.M)
LITERAL_MD = re.compile(r"^```\{literalinclude\}\s+(\S+)", re.M)
LITERAL_RST = re.compile(r"^\.\. literalinclude::\s+(\S+)", re.M)


def sources():
    for p in sorted(DOCS.rglob("*")):
        if p.suffix in (".md", ".rst") and "_build" not in p.parts and p.is_file():
            yield p


def collect():
    run, fragments = [], []
    for page in sources():
        text = page.read_text(encoding="utf-8")
        for m in list(LITERAL_MD.finditer(text)) + list(LITERAL_RST.finditer(text)):
            target = (page.parent / m.group(1)).resolve()
            if target.suffix in (".py", ".c", ".cpp"):
                run.append((f"{page.relative_to(ROOT)}: {target.relative_to(ROOT)}", target.suffix[1:],
                            target.read_text(encoding="utf-8"), target))
        if page.suffix != ".md":
            continue
        for m in FENCE.finditer(text):
            lang, code = m.group(1), m.group(2)
            line = text[: m.start()].count("\n") + 1
            where = f"{page.relative_to(ROOT)}:{line}"
            if lang == "python" and page.parent.name == "guides":
                run.append((where, "py", code, None))
            elif lang in ("c", "cpp") and re.search(r"\bint main\(", code):
                run.append((where, lang, code, None))
            elif lang in ("python", "c", "cpp"):
                fragments.append((where, lang, code))
    return run, fragments


def check_fragment(lang: str, code: str) -> list:
    """What in a fragment does not exist (empty when everything it names does)."""
    problems = []
    if lang == "python":
        import ast
        import importlib

        try:
            tree = compile(code, "<fragment>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        except SyntaxError as e:
            return [f"does not parse: {e}"]
        from mongo_odm import MongoBaseModel

        models = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mongo_odm"):
                module = importlib.import_module(node.module)
                problems += [f"{node.module} has no {a.name}" for a in node.names if not hasattr(module, a.name)]
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", "") == "MongoBaseModel" for b in node.bases):
                fields = {t.target.id for t in node.body
                          if isinstance(t, ast.AnnAssign) and isinstance(t.target, ast.Name)}
                models[node.name] = fields
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in models:
                if not hasattr(MongoBaseModel, node.attr) and node.attr not in models[node.value.id]:
                    problems.append(f"MongoBaseModel has no {node.attr} ({node.value.id}.{node.attr})")
        return problems
    sys.path.insert(0, str(DOCS / "_ext"))
    import c_headers

    c_headers.load_all()
    known = set(c_headers._NAMES)
    for name in sorted(set(re.findall(r"\b(?:mongo_odm|MONGO_ODM)_\w+", code))):
        if name not in known:
            problems.append(f"{name} is not declared in include/")
    hpp = (ROOT / "include" / "mongo_odm.hpp").read_text(encoding="utf-8")
    for name in sorted(set(re.findall(r"\bmongo_odm::(\w+)", code))):
        if not re.search(rf"(class|struct|using) {name}\b|\b{name}\(", hpp):
            problems.append(f"mongo_odm::{name} is not in mongo_odm.hpp")
    return problems


def compile_program(lang: str, code: str, src: Path | None, libdir: Path, out: Path) -> list:
    if src is None:
        src = out.with_suffix("." + lang)
        src.write_text(code, encoding="utf-8")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libbson-1.0"], check=True,
                           capture_output=True, text=True).stdout.split()
    # The project's own warning flags (CMakeLists.txt MONGO_ODM_WARNINGS), as errors.
    compiler = ["cc", "-std=c99"] if lang == "c" else ["c++", "-std=c++17", "-Wno-ignored-attributes"]
    cmd = [*compiler, "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror", "-o", str(out), str(src),
           f"-I{ROOT / 'include'}", f"-I{libdir / 'include'}", f"-L{libdir}", "-lmongo_odm",
           f"-Wl,-rpath,{libdir}", *flags]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return [str(out)]


def main() -> int:
    libdir, outdir = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    run, fragments = collect()
    passed = 0
    for n, (where, lang, code, src) in enumerate(run):
        try:
            if lang == "py":
                if src is None:
                    src = outdir / f"example_{n}.py"
                    src.write_text(code, encoding="utf-8")
                cmd = [sys.executable, str(src)]
            else:
                cmd = compile_program(lang, code, src, libdir, outdir / f"example_{n}")
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=outdir,
                               env=dict(os.environ))
            if r.returncode != 0:
                print(f"FAILED {where}: exit {r.returncode}\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
                continue
            print(f"passed {where}")
            passed += 1
        except subprocess.CalledProcessError as e:
            print(f"FAILED {where}: {' '.join(e.cmd[:2])} ...\n{e.stdout}{e.stderr}")
        except subprocess.TimeoutExpired:
            print(f"FAILED {where}: timed out")
    bad_fragments = 0
    for where, lang, code in fragments:
        problems = check_fragment(lang, code)
        bad_fragments += bool(problems)
        print(f"fragment {'checked' if not problems else 'FAILED'} {where}" + "".join(f"\n  {p}" for p in problems))
    print(f"count: docs.examples {len(run)}")
    print(f"examples: {len(run)} run, {passed} passed; {len(fragments)} fragments checked, "
          f"{len(fragments) - bad_fragments} passed")
    return 0 if passed == len(run) and run and not bad_fragments else 1


if __name__ == "__main__":
    sys.exit(main())
