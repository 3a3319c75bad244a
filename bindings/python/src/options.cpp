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

void find_options(const char *function, py::args args, py::kwargs kwargs, py::object *filter, bson_t *opts) {
  // `args` are the positional arguments after the filter: pymongo's next one is projection.
  py::object projection = py::none();
  if (args.size() > 1) {
    type_error(std::string(function) + "() takes at most 2 positional arguments (filter, projection)");
  }
  if (args.size() == 1) projection = args[0];
  for (auto item : kwargs) {
    const std::string name = item.first.cast<std::string>();
    py::handle value = item.second;
    if (name == "projection") {
      if (args.size() >= 1) type_error(std::string(function) + "() got multiple values for argument 'projection'");
      projection = py::reinterpret_borrow<py::object>(value);
    } else if (value.is_none()) {
      continue;  // pymongo treats None as "not given"
    } else if (name == "sort") {
      bson_t sort;
      BSON_APPEND_DOCUMENT_BEGIN(opts, "sort", &sort);
      encode_index_keys(value, &sort, "sort");
      bson_append_document_end(opts, &sort);
    } else if (name == "limit") {
      BSON_APPEND_INT64(opts, "limit", as_int(value, "limit"));
    } else if (name == "skip") {
      const int64_t skip = as_int(value, "skip");
      if (skip < 0) throw py::value_error("skip must be >= 0");
      BSON_APPEND_INT64(opts, "skip", skip);
    } else if (name == "batch_size") {
      const int64_t n = as_int(value, "batch_size");
      if (n < 0) throw py::value_error("batch_size must be >= 0");
      BSON_APPEND_INT64(opts, "batchSize", n);
    } else if (name == "max_time_ms") {
      BSON_APPEND_INT64(opts, "maxTimeMS", as_int(value, "max_time_ms"));
    } else if (name == "hint") {
      if (PyUnicode_Check(value.ptr())) {
        BSON_APPEND_UTF8(opts, "hint", value.cast<std::string>().c_str());
      } else {
        bson_t hint;
        BSON_APPEND_DOCUMENT_BEGIN(opts, "hint", &hint);
        encode_index_keys(value, &hint, "hint");
        bson_append_document_end(opts, &hint);
      }
    } else if (name == "comment") {
      encode_value(opts, "comment", 7, value);
    } else if (name == "allow_disk_use") {
      BSON_APPEND_BOOL(opts, "allowDiskUse", PyObject_IsTrue(value.ptr()) == 1);
    } else {
      type_error(std::string(function) + "() got an unexpected keyword argument '" + name + "'");
    }
  }
  if (!projection.is_none()) {
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
}

void aggregate_options(py::kwargs kwargs, bson_t *opts) {
  for (auto item : kwargs) {
    const std::string name = item.first.cast<std::string>();
    py::handle value = item.second;
    if (value.is_none()) continue;
    if (name == "allowDiskUse" || name == "allow_disk_use") {
      BSON_APPEND_BOOL(opts, "allowDiskUse", PyObject_IsTrue(value.ptr()) == 1);
    } else if (name == "batchSize" || name == "batch_size") {
      BSON_APPEND_INT64(opts, "batchSize", as_int(value, name.c_str()));
    } else if (name == "maxTimeMS" || name == "max_time_ms") {
      BSON_APPEND_INT64(opts, "maxTimeMS", as_int(value, name.c_str()));
    } else if (name == "comment") {
      encode_value(opts, "comment", 7, value);
    } else if (name == "hint") {
      if (PyUnicode_Check(value.ptr())) {
        BSON_APPEND_UTF8(opts, "hint", value.cast<std::string>().c_str());
      } else {
        bson_t hint;
        BSON_APPEND_DOCUMENT_BEGIN(opts, "hint", &hint);
        encode_index_keys(value, &hint, "hint");
        bson_append_document_end(opts, &hint);
      }
    } else {
      type_error("aggregate() got an unexpected keyword argument '" + name + "'");
    }
  }
}

void count_options(py::kwargs kwargs, bson_t *opts) {
  for (auto item : kwargs) {
    const std::string name = item.first.cast<std::string>();
    py::handle value = item.second;
    if (value.is_none()) continue;
    if (name == "skip") {
      BSON_APPEND_INT64(opts, "skip", as_int(value, "skip"));
    } else if (name == "limit") {
      BSON_APPEND_INT64(opts, "limit", as_int(value, "limit"));
    } else if (name == "maxTimeMS" || name == "max_time_ms") {
      BSON_APPEND_INT64(opts, "maxTimeMS", as_int(value, name.c_str()));
    } else if (name == "hint") {
      if (PyUnicode_Check(value.ptr())) {
        BSON_APPEND_UTF8(opts, "hint", value.cast<std::string>().c_str());
      } else {
        bson_t hint;
        BSON_APPEND_DOCUMENT_BEGIN(opts, "hint", &hint);
        encode_index_keys(value, &hint, "hint");
        bson_append_document_end(opts, &hint);
      }
    } else if (name == "comment") {
      encode_value(opts, "comment", 7, value);
    } else {
      type_error("count_documents() got an unexpected keyword argument '" + name + "'");
    }
  }
}

}  // namespace mongo_odm_py
