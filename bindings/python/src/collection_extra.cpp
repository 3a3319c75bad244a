// pymongo's remaining Collection methods on libmongo_odm's mongo_odm/collection_extra.h:
// find_one_and_update / _replace / _delete, distinct, estimated_document_count,
// create_indexes, drop_index, drop_indexes, index_information, rename, bulk_write,
// with_options. Registered on the Collection class made by collection.cpp.
#include <string>

#include "blocking.hpp"
#include "collection.hpp"
#include "options.hpp"

namespace mongo_odm_py {

namespace {

enum class Kind { update, replace, remove };

// find_one_and_*: the document (before or after, as asked) or None.
py::object find_one_and(Kind kind, PyCollection &self, py::object filter, py::object change, py::object projection,
                        py::object sort, bool upsert, py::object return_document, py::object array_filters,
                        py::kwargs kwargs) {
  CodecScope codec_scope(self.codec());
  const char *fn = kind == Kind::update    ? "find_one_and_update"
                   : kind == Kind::replace ? "find_one_and_replace"
                                           : "find_one_and_delete";
  mongo_odm::Bson f, c, opts;
  encode_filter(filter, f.get(), false, fn);
  if (kind == Kind::update) encode_update(change, c.get());
  if (kind == Kind::replace) {
    encode_document(change, c.get());
    bson_iter_t it;
    if (bson_iter_init(&it, c.get()) && bson_iter_next(&it) && bson_iter_key(&it)[0] == '$') {
      throw py::value_error("replacement can not include $ operators");  // pymongo's check and words
    }
  }
  // sort and projection in find()'s forms
  py::dict find_kwargs;
  if (!sort.is_none()) find_kwargs["sort"] = sort;
  if (!projection.is_none()) find_kwargs["projection"] = projection;
  find_options(fn, py::args(), py::reinterpret_borrow<py::kwargs>(find_kwargs), opts.get());
  command_options(fn, kwargs, opts.get());
  if (kind != Kind::remove) {
    BSON_APPEND_BOOL(opts.get(), "upsert", upsert);
    BSON_APPEND_UTF8(opts.get(), "returnDocument", PyObject_IsTrue(return_document.ptr()) == 1 ? "after" : "before");
  }
  if (!array_filters.is_none()) {
    if (!(PyList_Check(array_filters.ptr()) || PyTuple_Check(array_filters.ptr()))) {
      throw py::type_error("array_filters must be a list");
    }
    encode_value(opts.get(), "arrayFilters", 12, array_filters);
  }
  bson_t out;
  bool found = false;
  mongo_odm_error_t error;
  const bool ok = blocking([&] {
    switch (kind) {
      case Kind::update:
        return mongo_odm_collection_find_one_and_update(self.handle(), f.get(), c.get(), opts.get(), &out, &found, &error);
      case Kind::replace:
        return mongo_odm_collection_find_one_and_replace(self.handle(), f.get(), c.get(), opts.get(), &out, &found,
                                                         &error);
      case Kind::remove:
        break;
    }
    return mongo_odm_collection_find_one_and_delete(self.handle(), f.get(), opts.get(), &out, &found, &error);
  });
  mongo_odm::Bson doc = mongo_odm::Bson::adopt(&out);
  if (!ok) raise_error(error);
  return found ? decode_document(doc.get()) : py::none();
}

py::list distinct(PyCollection &self, const std::string &key, py::object filter, py::kwargs kwargs) {
  CodecScope codec_scope(self.codec());
  mongo_odm::Bson f, opts;
  encode_filter(filter, f.get(), false, "distinct");
  command_options("distinct", kwargs, opts.get());
  mongo_odm::Bson reply = call_with_reply([&](bson_t *r, mongo_odm_error_t *e) {
    return mongo_odm_collection_distinct(self.handle(), key.c_str(), f.get(), opts.get(), r, e);
  });
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, reply.get(), "values")) return py::list();
  return py::list(decode_value(&iter));
}

int64_t estimated_document_count(PyCollection &self, py::kwargs kwargs) {
  mongo_odm::Bson opts;
  command_options("estimated_document_count", kwargs, opts.get());
  int64_t n = 0;
  mongo_odm_error_t error;
  if (!blocking([&] { return mongo_odm_collection_estimated_document_count(self.handle(), opts.get(), &n, &error); })) {
    raise_error(error);
  }
  return n;
}

// An IndexModel (mongo_odm's or pymongo's: anything with a `document` {"key": ..., ...}).
py::object index_document(py::handle model) {
  if (!py::hasattr(model, "document")) {
    throw py::type_error(py::repr(model).cast<std::string>() + " is not an instance of IndexModel");
  }
  return model.attr("document");
}

py::list create_indexes(PyCollection &self, py::object indexes, py::kwargs kwargs) {
  if (!(PyList_Check(indexes.ptr()) || PyTuple_Check(indexes.ptr()))) throw py::type_error("indexes must be a list");
  std::vector<mongo_odm::Bson> specs(py::len(indexes));
  std::vector<const bson_t *> ptrs;
  size_t i = 0;
  for (py::handle model : indexes) {
    py::object doc = index_document(model);
    py::dict spec = py::reinterpret_steal<py::dict>(PyDict_Copy(py::dict(doc).ptr()));
    if (spec.contains("key")) {
      mongo_odm::Bson keys;
      encode_index_keys(spec["key"], keys.get(), "keys");
      PyDict_DelItemString(spec.ptr(), "key");
      bson_t *out = specs[i].get();
      BSON_APPEND_DOCUMENT(out, "key", keys.get());
      mongo_odm::Bson rest;
      encode_document(spec, rest.get());
      bson_concat(out, rest.get());
    } else {
      encode_document(spec, specs[i].get());
    }
    ptrs.push_back(specs[i].get());
    ++i;
  }
  mongo_odm::Bson opts;
  command_options("create_indexes", kwargs, opts.get(), {"commitQuorum"});
  mongo_odm::Bson reply = call_with_reply([&](bson_t *r, mongo_odm_error_t *e) {
    return mongo_odm_collection_create_indexes(self.handle(), ptrs.data(), ptrs.size(), opts.get(), r, e);
  });
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, reply.get(), "names")) return py::list();
  return py::list(decode_value(&iter));
}

// pymongo's name of an index given by its keys: "a_1_b_-1".
std::string index_name_of(py::handle keys) {
  mongo_odm::Bson k;
  encode_index_keys(keys, k.get(), "index_or_name");
  std::string name;
  bson_iter_t iter;
  bson_iter_init(&iter, k.get());
  while (bson_iter_next(&iter)) {
    if (!name.empty()) name += '_';
    name += bson_iter_key(&iter);
    name += '_';
    name += py::str(decode_value(&iter)).cast<std::string>();
  }
  return name;
}

void drop_index(PyCollection &self, py::object index_or_name, py::kwargs kwargs) {
  const std::string name = PyUnicode_Check(index_or_name.ptr()) ? index_or_name.cast<std::string>()
                                                                 : index_name_of(index_or_name);
  mongo_odm::Bson opts;
  command_options("drop_index", kwargs, opts.get());
  mongo_odm_error_t error;
  if (!blocking([&] { return mongo_odm_collection_drop_index(self.handle(), name.c_str(), opts.get(), &error); })) {
    raise_error(error);
  }
}

py::dict rename(PyCollection &self, const std::string &new_name, py::kwargs kwargs) {
  bool drop_target = false;
  py::dict rest;
  for (auto item : kwargs) {
    const std::string name = item.first.cast<std::string>();
    if (name == "dropTarget") {
      drop_target = PyObject_IsTrue(item.second.ptr()) == 1;
    } else {
      rest[item.first] = item.second;
    }
  }
  mongo_odm::Bson opts;
  command_options("rename", py::reinterpret_borrow<py::kwargs>(rest), opts.get());
  mongo_odm_error_t error;
  if (!blocking([&] {
        return mongo_odm_collection_rename(self.handle(), new_name.c_str(), drop_target, opts.get(), &error);
      })) {
    raise_error(error);
  }
  py::dict reply;
  reply["ok"] = 1.0;
  return reply;
}

// pymongo's index_information(): {name: {"key": [(field, direction), ...], "v": ..., ...}}.
py::dict index_information(py::object self) {
  py::dict info;
  for (py::handle index : self.attr("list_indexes")()) {
    py::dict entry = py::reinterpret_steal<py::dict>(PyDict_Copy(index.ptr()));
    py::object name = entry["name"];
    PyDict_DelItemString(entry.ptr(), "name");
    if (entry.contains("key")) entry["key"] = py::list(py::dict(entry["key"]).attr("items")());
    info[name] = entry;
  }
  return info;
}

// bulk_write(requests): each request (mongo_odm.operations' classes) queues itself on the
// native writer (mongo_odm/bulk.h), which sends them; the result is pymongo's BulkWriteResult.
// pymongo's keywords bypass_document_validation, comment and let have no place in the C bulk
// writer (mongo_odm/bulk.h takes no options): given a value that would change what is sent,
// they raise NotImplementedError rather than being dropped. session: None only, as elsewhere.
void check_bulk_write_options(py::kwargs kwargs) {
  for (auto item : kwargs) {
    const std::string name = item.first.cast<std::string>();
    const bool unset = item.second.is_none();
    if (name == "session") {
      if (!unset) throw py::type_error("bulk_write(): sessions are not supported (session must be None)");
    } else if (name == "bypass_document_validation") {
      // False is pymongo's default (validation applies), which is what the writer does.
      if (!unset && PyObject_IsTrue(item.second.ptr()) == 1) {
        PyErr_SetString(PyExc_NotImplementedError,
                        "bulk_write(bypass_document_validation=True) is not supported: the bulk writer sends "
                        "no options (use insert_many/update_*/replace_one with bypass_document_validation)");
        throw py::error_already_set();
      }
    } else if (name == "comment" || name == "let") {
      if (!unset) {
        const std::string msg = "bulk_write(" + name +
                                "=...) is not supported: the bulk writer sends no options (use the single-"
                                "operation methods, which take " +
                                name + ")";
        PyErr_SetString(PyExc_NotImplementedError, msg.c_str());
        throw py::error_already_set();
      }
    } else {
      throw py::type_error("bulk_write() got an unexpected keyword argument '" + name + "'");
    }
  }
}

py::object bulk_write(py::object self, py::object requests, bool ordered, py::kwargs kwargs) {
  check_bulk_write_options(kwargs);
  if (!(PyList_Check(requests.ptr()) || PyTuple_Check(requests.ptr()))) throw py::type_error("requests must be a list");
  if (py::len(requests) == 0) raise_named("InvalidOperation", "No operations to execute");
  py::object writer = self.attr("bulk_writer")(ordered);
  for (py::handle request : requests) {
    if (!py::hasattr(request, "_add_to")) {
      throw py::type_error(py::repr(request).cast<std::string>() + " is not a valid request");
    }
    request.attr("_add_to")(writer);
  }
  py::object raw = writer.attr("execute")();
  return py::module_::import("mongo_odm.bulk").attr("BulkWriteResult")(raw);
}

}  // namespace

void init_collection_extra(py::module_ &m) {
  auto coll = py::reinterpret_borrow<py::class_<PyCollection>>(m.attr("Collection"));
  coll.def(
          "find_one_and_update",
          [](PyCollection &self, py::object filter, py::object update, py::object projection, py::object sort,
             bool upsert, py::object return_document, py::object array_filters, py::kwargs kwargs) {
            return find_one_and(Kind::update, self, filter, update, projection, sort, upsert, return_document,
                                array_filters, kwargs);
          },
          py::arg("filter"), py::arg("update"), py::arg("projection") = py::none(), py::arg("sort") = py::none(),
          py::arg("upsert") = false, py::arg("return_document") = false, py::arg("array_filters") = py::none(),
          "Updates the first match (in sort order) and returns it, before the update or after it "
          "(return_document=ReturnDocument.AFTER); None when nothing matched. kwargs: hint, max_time_ms, "
          "collation, let, comment.")
      .def(
          "find_one_and_replace",
          [](PyCollection &self, py::object filter, py::object replacement, py::object projection, py::object sort,
             bool upsert, py::object return_document, py::kwargs kwargs) {
            return find_one_and(Kind::replace, self, filter, replacement, projection, sort, upsert, return_document,
                                py::none(), kwargs);
          },
          py::arg("filter"), py::arg("replacement"), py::arg("projection") = py::none(), py::arg("sort") = py::none(),
          py::arg("upsert") = false, py::arg("return_document") = false,
          "Replaces the first match and returns it (before or after); None when nothing matched.")
      .def(
          "find_one_and_delete",
          [](PyCollection &self, py::object filter, py::object projection, py::object sort, py::kwargs kwargs) {
            return find_one_and(Kind::remove, self, filter, py::none(), projection, sort, false, py::bool_(false),
                                py::none(), kwargs);
          },
          py::arg("filter"), py::arg("projection") = py::none(), py::arg("sort") = py::none(),
          "Deletes the first match and returns it; None when nothing matched.")
      .def("distinct", &distinct, py::arg("key"), py::arg("filter") = py::none(),
           "The distinct values of key among the matching documents (kwargs: max_time_ms, collation, comment, hint).")
      .def("estimated_document_count", &estimated_document_count,
           "The document count from the collection's metadata (kwargs: maxTimeMS, comment).")
      .def("create_indexes", &create_indexes, py::arg("indexes"),
           "Creates the indexes (IndexModel instances) in one command; returns their names.")
      .def("drop_index", &drop_index, py::arg("index_or_name"),
           "Drops an index given by name or by its keys (OperationFailure when there is none).")
      .def(
          "drop_indexes",
          [](PyCollection &self, py::kwargs kwargs) { drop_index(self, py::str("*"), kwargs); },
          "Drops every index but _id's.")
      .def("index_information", &index_information,
           "The indexes as {name: {\"key\": [(field, direction), ...], ...}} (pymongo's shape).")
      .def("rename", &rename, py::arg("new_name"),
           "Renames the collection in its database (kwargs: dropTarget, comment); this object keeps its name.")
      .def("bulk_write", &bulk_write, py::arg("requests"), py::arg("ordered") = true,
           "Sends InsertOne/UpdateOne/UpdateMany/ReplaceOne/DeleteOne/DeleteMany requests together; "
           "returns a BulkWriteResult (BulkWriteError when one failed). comment, let and "
           "bypass_document_validation=True raise NotImplementedError (the bulk writer sends no "
           "options); session None only.")
      .def(
          "with_options",
          [](py::object self, py::kwargs kwargs) {
            for (auto item : kwargs) {
              const std::string name = item.first.cast<std::string>();
              if (name != "codec_options" && name != "read_preference" && name != "write_concern" &&
                  name != "read_concern") {
                throw py::type_error("with_options() got an unexpected keyword argument '" + name + "'");
              }
              if (!item.second.is_none()) {
                raise_named("ConfigurationError", "with_options(" + name +
                                                      "=...) is not supported: the collection uses its client's "
                                                      "settings (set them in the URL)");
              }
            }
            return self;
          },
          "pymongo's with_options(): without options, this collection; codec_options, read_preference, "
          "write_concern and read_concern raise ConfigurationError (set them in the client's URL).");
}

}  // namespace mongo_odm_py
