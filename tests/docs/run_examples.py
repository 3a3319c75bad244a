"""Runs every code example of the documentation site against the server of MONGO_URL.

  python tests/docs/run_examples.py LIBDIR OUTDIR

Examples are found in the site's sources (docs/**/*.md, docs/**/*.rst):
  - ```python blocks: each is a whole program, run with this interpreter;
  - ```c / ```cpp blocks: each is a whole program (it has a main()), compiled against the
    library in LIBDIR with the project's warnings as errors, and run;
  - literalinclude of examples/ files (whole or a part, :start-after:/:pyobject:...): the whole
    file is run once (.py) or compiled and run (.c/.cpp), so that the part shown is code of a
    program that runs;
  - the code examples of the headers' comments (shown on the C and C++ reference pages): each
    is set in a program that makes what it uses (HEADER_MAIN, HEADER_MAIN_CPP) and run.
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
    run += [(where, lang, code, None) for where, lang, code in header_examples()]
    return run, fragments


# A header comment's code: an indented run whose first line declares or calls as C does (the
# other indented runs of the headers are tables and lists).
HEADER_CODE = re.compile(r"^(?:const\s+)?(?:mongo_odm_\w+_t|bson_t|bool|int)\s*\*?\s*\w+|^(?:if|while|for)\s*\(")
# What a header's example may use, made against the server: a model of the collection
# "docs_header_examples" with a document, a filter, an update and a cursor over the model.
HEADER_MAIN = """#include <mongo_odm.h>

#include <stdio.h>

int main(void) {
  mongo_odm_error_t error = {0};
  if (mongo_odm_init_checked(&error) <= 0 || !mongo_odm_connect(NULL, NULL, NULL, NULL, &error)) {
    fprintf(stderr, "setup: %s\\n", error.message);
    return 1;
  }
  mongo_odm_model_t *model = mongo_odm_model_new("docs_header_examples", &error);
  mongo_odm_doc_t *stored = model ? mongo_odm_doc_new(model) : NULL;  /* in the collection */
  mongo_odm_doc_t *doc = model ? mongo_odm_doc_new(model) : NULL;     /* a new one, not saved */
  bson_t *filter = BCON_NEW("name", BCON_UTF8("a"));
  bson_t *update = BCON_NEW("$set", "{", "n", BCON_INT32(1), "}");
  if (!stored || !doc || !mongo_odm_doc_set_utf8(stored, "name", "a", &error) ||
      !mongo_odm_doc_save(stored, false, &error) || !mongo_odm_doc_set_utf8(doc, "name", "b", &error)) {
    fprintf(stderr, "setup: %s\\n", error.message);
    return 1;
  }
  mongo_odm_cursor_t *cursor = mongo_odm_find(model, NULL, NULL, &error);
  if (!cursor) {
    fprintf(stderr, "setup: %s\\n", error.message);
    return 1;
  }
  {
@SNIPPET@
  }
  if (error.code != MONGO_ODM_OK) {
    fprintf(stderr, "the example failed: %s\\n", error.message);
    return 1;
  }
@CURSOR_DESTROY@
  bson_destroy(filter);
  bson_destroy(update);
  mongo_odm_delete_many(model, NULL, NULL, &error);
  mongo_odm_doc_destroy(stored);
  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);
  mongo_odm_cleanup();
  return 0;
}
"""


# The C++ header's examples, in a program that reports a thrown Error.
HEADER_MAIN_CPP = """#include <mongo_odm.hpp>

#include <iostream>

int main() {
  try {
@SNIPPET@
  } catch (const mongo_odm::Error &e) {
    std::cerr << "the example failed: " << e.code_name() << ": " << e.what() << "\\n";
    return 1;
  }
  return 0;
}
"""


def header_examples():
    """(where, C program) for each distinct code example of the header comments (the C reference
    pages show them), set in HEADER_MAIN."""
    sys.path.insert(0, str(DOCS / "_ext"))
    import c_headers
    from docutils import nodes

    seen, out = set(), []
    for rel, header in c_headers.load_all().items():
        texts = [header.intro] + [e.doc for e in header.entries] + [m.doc for e in header.entries for m in e.members]
        for text in texts:
            for node in c_headers.comment_nodes(text or ""):
                code = node.astext() if isinstance(node, nodes.literal_block) else ""
                if not HEADER_CODE.match(code) or code in seen:
                    continue
                seen.add(code)
                body = "\n".join("    " + ln if ln else "" for ln in code.splitlines())
                destroy = "" if "mongo_odm_cursor_destroy(cursor)" in code else "  mongo_odm_cursor_destroy(cursor);"
                out.append((f"include/{rel}: example {len(out) + 1}", "c",
                            HEADER_MAIN.replace("@SNIPPET@", body).replace("@CURSOR_DESTROY@", destroy)))
    intro, entries = c_headers.parse_cpp_header(ROOT / "include" / "mongo_odm.hpp")
    for text in [intro] + [e.doc for e in entries] + [m.doc for e in entries for m in e.members]:
        for node in c_headers.comment_nodes(text or ""):
            code = node.astext() if isinstance(node, nodes.literal_block) else ""
            if code.startswith("mongo_odm::") and code not in seen:
                seen.add(code)
                body = "\n".join("    " + ln if ln else "" for ln in code.splitlines())
                out.append((f"include/mongo_odm.hpp: example {len(out) + 1}", "cpp",
                            HEADER_MAIN_CPP.replace("@SNIPPET@", body)))
    return out


def compile_program(lang: str, code: str, src: Path | None, libdir: Path, out: Path) -> list:
    if src is None:
        src = out.with_suffix("." + lang)
        src.write_text(code, encoding="utf-8")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libbson-1.0"], check=True,
                           capture_output=True, text=True).stdout.split()
    # The project's own warning flags (CMakeLists.txt MONGO_ODM_WARNINGS), as errors.
    compiler = ["cc", "-std=c99"] if lang == "c" else ["c++", "-std=c++17"]
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
