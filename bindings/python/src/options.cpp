#include "options.hpp"

#include <cstring>
#include <string>

namespace mongo_odm_py {

namespace {

[[noreturn]] void type_error(const std::string &message) { throw py::type_error(message); }

bool is_mapping(py::handle obj) {
  if (PyDict_Check(obj.ptr())) return true;
  static PyObject *mapping_abc = keep_alive(py::module_::import("collections.abc").attr("Mapping"));
  return PyObject_IsInstance(obj.ptr(), mapping_abc) == 1;
}

int64_t as_int(py::handle value, const char *name) {
  if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr())) {
    type_error(std::string(name) + " must be an integer");
  }
  return value.cast<int64_t>();
}

void append_direction(bson_t *out, const std::string &key, py::handle direction) {
  if (PyLong_Check(direction.ptr()) && !PyBool_Check(direction.ptr())) {
    BSON_APPEND_INT32(out, key.c_str(), direction.cast<int32_t>());
  } else {
    encode_value(out, key.c_str(), key.size(), direction);  // "text", {"$meta": ...}, ...
  }
}

}  // namespace

void encode_index_keys(py::handle keys, bson_t *out, const char *what) {
  if (PyUnicode_Check(keys.ptr())) {
    BSON_APPEND_INT32(out, keys.cast<std::string>().c_str(), 1);
    return;
  }
  if (is_mapping(keys)) {
    bson_t tmp = BSON_INITIALIZER;
    try {
      encode_document(keys, &tmp);
    } catch (...) {
      bson_destroy(&tmp);
      throw;
    }
    bson_concat(out, &tmp);
    bson_destroy(&tmp);
    return;
  }
  if (PyTuple_Check(keys.ptr()) && PyTuple_GET_SIZE(keys.ptr()) == 2 && PyUnicode_Check(PyTuple_GET_ITEM(keys.ptr(), 0))) {
    // A single (key, direction) pair.
    append_direction(out, py::reinterpret_borrow<py::object>(PyTuple_GET_ITEM(keys.ptr(), 0)).cast<std::string>(),
                     PyTuple_GET_ITEM(keys.ptr(), 1));
    return;
  }
  if (PyList_Check(keys.ptr()) || PyTuple_Check(keys.ptr())) {
    for (py::handle item : keys) {
      if (PyUnicode_Check(item.ptr())) {
        BSON_APPEND_INT32(out, item.cast<std::string>().c_str(), 1);
        continue;
      }
      if (!(PyList_Check(item.ptr()) || PyTuple_Check(item.ptr())) || py::len(item) != 2) {
        type_error(std::string(what) + " must be a list of (key, direction) pairs");
      }
      py::sequence pair = py::reinterpret_borrow<py::sequence>(item);
      if (!PyUnicode_Check(pair[0].ptr())) type_error(std::string(what) + " keys must be strings");
      append_direction(out, pair[0].cast<std::string>(), pair[1]);
    }
    return;
  }
  type_error(std::string(what) + " must be a key, a list of (key, direction) pairs or a mapping");
}

void encode_filter(py::handle filter, bson_t *out, bool id_shorthand, const char *function) {
  if (filter.is_none()) return;
  if (is_mapping(filter)) {
    encode_document(filter, out);
    return;
  }
  if (!id_shorthand) {
    type_error(std::string(function) + "(): filter must be an instance of dict or another Mapping, not " +
               Py_TYPE(filter.ptr())->tp_name);
  }
  encode_value(out, "_id", 3, filter);
}

void encode_pipeline(py::handle pipeline, bson_t *out) {
  if (!(PyList_Check(pipeline.ptr()) || PyTuple_Check(pipeline.ptr()))) {
    type_error("pipeline must be a list of stages");
  }
  py::dict wrapper;
  wrapper["pipeline"] = pipeline;
  encode_document(wrapper, out);
}

namespace {

// ---- the keyword options of find / find_one / count_documents / aggregate -------------------
// One row per option: its pymongo keyword, the other spelling pymongo users write (aggregate and
// count_documents take the command's camelCase names), the BSON option, and how the value is
// converted and checked. Each method accepts the rows whose `in` mask names it.

enum Method : unsigned { kFind = 1u << 0, kCount = 1u << 1, kAggregate = 1u << 2 };

using Converter = void (*)(bson_t *opts, const char *bson_key, py::handle value, const char *keyword);

void to_count(bson_t *opts, const char *bson_key, py::handle value, const char *keyword) {
  const int64_t n = as_int(value, keyword);
  if (n < 0) throw py::value_error(std::string(keyword) + " must be >= 0");
  BSON_APPEND_INT64(opts, bson_key, n);
}

void to_int(bson_t *opts, const char *bson_key, py::handle value, const char *keyword) {
  BSON_APPEND_INT64(opts, bson_key, as_int(value, keyword));
}

void to_bool(bson_t *opts, const char *bson_key, py::handle value, const char *) {
  BSON_APPEND_BOOL(opts, bson_key, PyObject_IsTrue(value.ptr()) == 1);
}

void to_value(bson_t *opts, const char *bson_key, py::handle value, const char *) {
  encode_value(opts, bson_key, std::strlen(bson_key), value);
}

// sort: keys and directions.
void to_keys(bson_t *opts, const char *bson_key, py::handle value, const char *keyword) {
  bson_t keys;
  BSON_APPEND_DOCUMENT_BEGIN(opts, bson_key, &keys);
  encode_index_keys(value, &keys, keyword);
  bson_append_document_end(opts, &keys);
}

// hint: an index name, or its keys.
void to_hint(bson_t *opts, const char *bson_key, py::handle value, const char *keyword) {
  if (PyUnicode_Check(value.ptr())) {
    BSON_APPEND_UTF8(opts, bson_key, value.cast<std::string>().c_str());
  } else {
    to_keys(opts, bson_key, value, keyword);
  }
}

struct Option {
  const char *keyword;
  const char *alias;  // nullptr when there is one spelling
  const char *bson_key;
  Converter convert;
  unsigned in;  // the methods that accept it
};

constexpr Option kOptions[] = {
    {"sort", nullptr, "sort", to_keys, kFind},
    {"limit", nullptr, "limit", to_int, kFind | kCount},
    {"skip", nullptr, "skip", to_count, kFind | kCount},
    {"batch_size", "batchSize", "batchSize", to_count, kFind | kAggregate},
    {"max_time_ms", "maxTimeMS", "maxTimeMS", to_count, kFind | kCount | kAggregate},
    {"hint", nullptr, "hint", to_hint, kFind | kCount | kAggregate},
    {"comment", nullptr, "comment", to_value, kFind | kCount | kAggregate},
    {"allow_disk_use", "allowDiskUse", "allowDiskUse", to_bool, kFind | kAggregate},
    {"collation", nullptr, "collation", to_value, kFind | kCount | kAggregate},
};

const Option *find_option(const std::string &name, unsigned method) {
  for (const Option &o : kOptions) {
    if ((o.in & method) && (name == o.keyword || (o.alias && name == o.alias))) return &o;
  }
  return nullptr;
}

// Appends the options named in `kwargs` (None values mean "not given", as in pymongo), except
// the names in `skip`, which the caller handles. Unknown names are TypeError naming them.
void append_options(const char *function, unsigned method, py::kwargs kwargs, bson_t *opts,
                    const char *skip = nullptr) {
  for (auto item : kwargs) {
    const std::string name = item.first.cast<std::string>();
    if (skip && name == skip) continue;
    const Option *option = find_option(name, method);
    if (!option) type_error(std::string(function) + "() got an unexpected keyword argument '" + name + "'");
    if (item.second.is_none()) continue;
    option->convert(opts, option->bson_key, item.second, name.c_str());
  }
}

// projection: a mapping, or a list of the field names to return.
void append_projection(py::handle projection, bson_t *opts) {
  bson_t proj;
  BSON_APPEND_DOCUMENT_BEGIN(opts, "projection", &proj);
  if (is_mapping(projection)) {
    bson_t tmp = BSON_INITIALIZER;
    try {
      encode_document(projection, &tmp);
    } catch (...) {
      bson_destroy(&tmp);
      throw;
    }
    bson_concat(&proj, &tmp);
    bson_destroy(&tmp);
  } else if (PyList_Check(projection.ptr()) || PyTuple_Check(projection.ptr())) {
    for (py::handle field : projection) {
      if (!PyUnicode_Check(field.ptr())) type_error("projection field names must be strings");
      BSON_APPEND_INT32(&proj, field.cast<std::string>().c_str(), 1);
    }
  } else {
    type_error("projection must be a mapping or a list of field names");
  }
  bson_append_document_end(opts, &proj);
}

}  // namespace

void find_options(const char *function, py::args args, py::kwargs kwargs, bson_t *opts) {
  // `args` are the positional arguments after the filter: pymongo's next one is projection.
  if (args.size() > 1) {
    type_error(std::string(function) + "() takes at most 2 positional arguments (filter, projection)");
  }
  py::object projection = args.size() == 1 ? py::reinterpret_borrow<py::object>(args[0]) : py::none();
  if (kwargs.contains("projection")) {
    if (args.size() == 1) type_error(std::string(function) + "() got multiple values for argument 'projection'");
    projection = kwargs["projection"];
  }
  append_options(function, kFind, kwargs, opts, "projection");
  if (!projection.is_none()) append_projection(projection, opts);
}

void write_options(const char *function, unsigned allowed, py::kwargs kwargs, bson_t *opts) {
  struct Row {
    const char *keyword;
    const char *bson_key;
    unsigned bit;
  };
  static constexpr Row kRows[] = {
      {"array_filters", "arrayFilters", kArrayFilters}, {"hint", "hint", kHint},
      {"collation", "collation", kCollation},           {"let", "let", kLet},
      {"comment", "comment", kComment},                 {"bypass_document_validation", "bypassDocumentValidation", kBypass},
      {"session", nullptr, kSession},
  };
  for (auto item : kwargs) {
    const std::string name = item.first.cast<std::string>();
    const Row *row = nullptr;
    for (const Row &r : kRows) {
      if ((r.bit & allowed) && name == r.keyword) row = &r;
    }
    if (!row) type_error(std::string(function) + "() got an unexpected keyword argument '" + name + "'");
    if (item.second.is_none()) continue;
    if (!row->bson_key) type_error(std::string(function) + "(): sessions are not supported (session must be None)");
    if (row->bit == kHint) {
      to_hint(opts, "hint", item.second, "hint");
    } else if (row->bit == kBypass) {
      BSON_APPEND_BOOL(opts, row->bson_key, PyObject_IsTrue(item.second.ptr()) == 1);
    } else if (row->bit == kArrayFilters) {
      if (!(PyList_Check(item.second.ptr()) || PyTuple_Check(item.second.ptr()))) {
        type_error("array_filters must be a list");
      }
      to_value(opts, row->bson_key, item.second, name.c_str());
    } else {
      to_value(opts, row->bson_key, item.second, name.c_str());
    }
  }
}

void command_options(const char *function, py::kwargs kwargs, bson_t *opts, std::initializer_list<const char *> extra) {
  for (auto item : kwargs) {
    const std::string name = item.first.cast<std::string>();
    if (item.second.is_none()) {
      continue;
    } else if (name == "session") {
      type_error(std::string(function) + "(): sessions are not supported (session must be None)");
    } else if (name == "max_time_ms" || name == "maxTimeMS") {
      to_count(opts, "maxTimeMS", item.second, name.c_str());
    } else if (name == "hint") {
      to_hint(opts, "hint", item.second, "hint");
    } else if (name == "collation" || name == "comment" || name == "let") {
      to_value(opts, name.c_str(), item.second, name.c_str());
    } else {
      bool known = false;
      for (const char *e : extra) known = known || name == e;
      if (!known) type_error(std::string(function) + "() got an unexpected keyword argument '" + name + "'");
      to_value(opts, name.c_str(), item.second, name.c_str());
    }
  }
}

void aggregate_options(py::kwargs kwargs, bson_t *opts) { append_options("aggregate", kAggregate, kwargs, opts); }

void count_options(py::kwargs kwargs, bson_t *opts) { append_options("count_documents", kCount, kwargs, opts); }

}  // namespace mongo_odm_py
