"""Sphinx configuration of the mongo_odm documentation (scripts/docs.sh builds it)."""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

project = "mongo_odm"
author = "The mongo_odm authors"
copyright = "2026, The mongo_odm authors"
release = re.search(r"project\(mongo_odm\s+VERSION\s+([0-9.]+)", (ROOT / "CMakeLists.txt").read_text()).group(1)
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "c_headers",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "requirements.txt"]
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"] if os.environ.get("MONGO_ODM_DOCS_LAX") else []

# The C domain knows C's keywords; the types of libbson and <stdint.h> are not ours to document.
c_extra_keywords = []
nitpicky = True
nitpick_ignore_regex = [
    (r"c:.*", r"(bson_\w+|u?int\d+_t|size_t|ssize_t|bool|va_list|mongoc_\w+)"),
    (r"cpp:.*", r".*"),  # the C++ page links its own classes; the rest is std:: and C
    (r"py:.*", r"(pydantic\..*|typing\..*|collections\..*|_?asyncio\..*|concurrent\..*|datetime\..*|decimal\..*|uuid\..*|re\..*|mongo_odm\._core\..*|bson\..*|pymongo\..*|T|Self|ModelT|TModel|Any)"),
]

autodoc_typehints = "none"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": True}
add_module_names = False

html_theme = "alabaster"
html_title = f"mongo_odm {release}"
html_theme_options = {
    "description": "A MongoDB ODM with a native core: C, C++ and Python",
    "fixed_sidebar": True,
    "show_powered_by": False,
}
html_sidebars = {"**": ["about.html", "searchbox.html", "navigation.html"]}
html_static_path = ["_static"]
