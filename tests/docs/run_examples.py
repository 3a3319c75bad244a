"""Runs every code example of the documentation site against the server of MONGO_URL.

  python tests/docs/run_examples.py LIBDIR OUTDIR

Examples are found in the site's sources (docs/**/*.md, docs/**/*.rst):
  - ```python blocks: each is a whole program, run with this interpreter;
  - ```c / ```cpp blocks: each is a whole program (it has a main()), compiled against the
    library in LIBDIR with the project's warnings as errors, and run;
  - literalinclude of examples/ files (whole or a part, :start-after:/:pyobject:...): the whole
    file is run once (.py) or compiled and run (.c/.cpp), so that the part shown is code of a
    program that runs.
A Python, C or C++ block that is none of these (a fragment) fails: every example on the site
runs. Shell blocks are the README's install commands, run as written by tests/install/readme.sh.
Prints one line per example, a `count: docs.examples N` line and a last line "examples: ...".
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
    run, fragments, included = [], [], set()
    for page in sources():
        text = page.read_text(encoding="utf-8")
        for m in list(LITERAL_MD.finditer(text)) + list(LITERAL_RST.finditer(text)):
            target = (page.parent / m.group(1)).resolve()
            if target.suffix in (".py", ".c", ".cpp") and target not in included:
                included.add(target)
                run.append((f"{page.relative_to(ROOT)}: {target.relative_to(ROOT)}", target.suffix[1:],
                            target.read_text(encoding="utf-8"), target))
        if page.suffix != ".md":
            continue
        for m in FENCE.finditer(text):
            lang, code = m.group(1), m.group(2)
            line = text[: m.start()].count("\n") + 1
            where = f"{page.relative_to(ROOT)}:{line}"
            if lang == "python":
                run.append((where, "py", code, None))
            elif lang in ("c", "cpp") and re.search(r"\bint main\(", code):
                run.append((where, lang, code, None))
            elif lang in ("c", "cpp"):
                fragments.append(where)
    return run, fragments


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
    for where in fragments:
        print(f"FAILED {where}: a C/C++ block without main() does not run: make it a whole program, "
              f"or literalinclude the part from an examples/ program")
    print(f"count: docs.examples {len(run)}")
    print(f"examples: {len(run)} run, {passed} passed; {len(fragments)} fragments (none may be)")
    return 0 if passed == len(run) and run and not fragments else 1


if __name__ == "__main__":
    sys.exit(main())
