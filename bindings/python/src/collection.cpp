// pymongo's Collection methods on libmongo_odm's raw collection operations.
#include "collection.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <vector>

#include "blocking.hpp"
#include "encode_buffer.hpp"
#include "options.hpp"

namespace mongo_odm_py {

namespace {

// The documents of one insert_many, encoded one after another into a single buffer (one
// growing allocation for the whole batch instead of a few per document).
class EncodedBatch {
 public:
  EncodedBatch() : writer_(bson_writer_new(&buf_, &len_, 0, bson_realloc_ctx, nullptr)) {}
  ~EncodedBatch() {
    bson_writer_destroy(writer_);
    bson_free(buf_);
  }
  EncodedBatch(const EncodedBatch &) = delete;
  EncodedBatch &operator=(const EncodedBatch &) = delete;

  void encode(const py::list &docs) {
    const Py_ssize_t n = PyList_GET_SIZE(docs.ptr());
    offsets_.reserve(static_cast<size_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
      offsets_.push_back(bson_writer_get_length(writer_));
      bson_t *doc = nullptr;
      if (!bson_writer_begin(writer_, &doc)) throw std::bad_alloc();
      try {
        encode_document(PyList_GET_ITEM(docs.ptr(), i), doc);
      } catch (...) {
        bson_writer_rollback(writer_);
        throw;
      }
      bson_writer_end(writer_);
    }
  }

  // Each of `values` by encode_model_values; false (the batch then unusable) at the first
  // whose keys are not `names`.
  bool encode_model_values(const py::list &values, py::handle names) {
    const Py_ssize_t n = PyList_GET_SIZE(values.ptr());
    offsets_.reserve(static_cast<size_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
      offsets_.push_back(bson_writer_get_length(writer_));
      bson_t *doc = nullptr;
      if (!bson_writer_begin(writer_, &doc)) throw std::bad_alloc();
      bool encoded = false;
      try {
        encoded = mongo_odm_py::encode_model_values(PyList_GET_ITEM(values.ptr(), i), names, doc);
      } catch (...) {
        bson_writer_rollback(writer_);
        throw;
      }
      if (!encoded) {
        bson_writer_rollback(writer_);
        return false;
      }
      bson_writer_end(writer_);
    }
    return true;
  }

  // Read-only views of the encoded documents, valid while this batch lives.
  std::vector<bson_t> views() const {
    std::vector<bson_t> out(offsets_.size());
    for (size_t i = 0; i < offsets_.size(); ++i) {
      const uint8_t *data = buf_ + offsets_[i];
      uint32_t len;
      std::memcpy(&len, data, sizeof len);
      if (!bson_init_static(&out[i], data, BSON_UINT32_FROM_LE(len))) throw std::logic_error("insert_many: encoding failed");
    }
    return out;
  }

 private:
  uint8_t *buf_ = nullptr;
  size_t len_ = 0;
  bson_writer_t *writer_;
  std::vector<size_t> offsets_;
};

// Sends an encoded batch as one insert_many; the server's reply (errors raised as
// call_with_reply raises them for bulk writes).
mongo_odm::Bson insert_batch(mongo_odm_collection_t *coll, const EncodedBatch &batch, bool ordered,
                             const bson_t *extra = nullptr) {
  std::vector<bson_t> views = batch.views();
  std::vector<const bson_t *> ptrs(views.size());
  for (size_t i = 0; i < views.size(); ++i) ptrs[i] = &views[i];
  mongo_odm::Bson opts;
  BSON_APPEND_BOOL(opts.get(), "ordered", ordered);
  if (extra) bson_concat(opts.get(), extra);
  return call_with_reply(
      [&](bson_t *r, mongo_odm_error_t *e) {
        return mongo_odm_collection_insert_many(coll, ptrs.data(), ptrs.size(), opts.get(), r, e);
      },
      /*bulk=*/true);
}

bool has_id_key(py::handle doc) { return PyDict_Check(doc.ptr()) && PyDict_GetItemString(doc.ptr(), "_id") != nullptr; }

// A cursor from a C call (creating one may wait for a pooled connection); its fetch size is
// the batchSize option when there is one.
std::unique_ptr<PyCursor> start_cursor(const bson_t *opts, const std::function<mongo_odm_cursor_t *(mongo_odm_error_t *)> &fn) {
  mongo_odm_error_t error;
  mongo_odm_cursor_t *cursor = blocking([&] { return fn(&error); });
  if (!cursor) raise_error(error);
  bson_iter_t iter;
  const int64_t batch = bson_iter_init_find(&iter, opts, "batchSize") ? bson_iter_as_int64(&iter) : 0;
  return std::make_unique<PyCursor>(cursor, batch);
}

}  // namespace

PyCollection::PyCollection(mongo_odm_client_t *client, const std::string &db, const std::string &name,
                           py::object database, std::shared_ptr<const CodecOptions> codec)
    : name_(name), database_name_(db), database_(std::move(database)), codec_(std::move(codec)) {
  mongo_odm_error_t error;
  mongo_odm_collection_t *c = mongo_odm_collection_new(client, db.c_str(), name.c_str(), &error);
  if (!c) raise_error(error);
  coll_ = std::make_unique<mongo_odm::Collection>(mongo_odm::Collection::adopt(c));  // owns the handle
}

py::object PyCollection::find_one(py::object filter, py::args args, py::kwargs kwargs) {
  CodecScope codec_scope(codec_);
  mongo_odm::Bson opts, f;
  find_options("find_one", args, kwargs, opts.get());
  encode_filter(filter, f.get(), true, "find_one");
  bson_t out;
  bool found = false;
  mongo_odm_error_t error;
  const bool ok =
      blocking([&] { return mongo_odm_collection_find_one(raw(), f.get(), opts.get(), &out, &found, &error); });
  mongo_odm::Bson doc = mongo_odm::Bson::adopt(&out);
  if (!ok) raise_error(error);
  return found ? decode_document(doc.get()) : py::none();
}

namespace {

// The error of a query made on behalf of find_one() callers, as find_one() reports it: the
// core names the operation first ("cursor: ...", "find: ..."), and these callers called
// find_one, whose errors read "find_one: ..." with the same code and server message.
void name_as_find_one(mongo_odm_error_t &error) {
  static constexpr const char *kOwn[] = {"cursor: ", "find: "};
  for (const char *prefix : kOwn) {
    const size_t n = std::strlen(prefix);
    if (std::strncmp(error.message, prefix, n) == 0) {
      const std::string rest(error.message + n);
      std::snprintf(error.message, sizeof error.message, "find_one: %s", rest.c_str());
      return;
    }
  }
}

}  // namespace

py::list PyCollection::find_one_batch(py::list ids) {
  CodecScope codec_scope(codec_);
  mongo_odm::Bson f, opts;
  {
    py::dict in, filter;
    in["$in"] = ids;
    filter["_id"] = in;
    encode_document(filter, f.get());
  }
  // Every match in the first reply (there is at most one per id).
  BSON_APPEND_INT64(opts.get(), "batchSize", std::max<int64_t>(1, static_cast<int64_t>(py::len(ids))));
  std::vector<bson_t *> docs;
  struct Free {
    std::vector<bson_t *> &docs;
    ~Free() {
      for (bson_t *d : docs) bson_destroy(d);
    }
  } free_docs{docs};
  mongo_odm_error_t error;
  bool failed = false;
  blocking([&] {
    mongo_odm_cursor_t *raw_cursor = mongo_odm_collection_find(raw(), f.get(), opts.get(), &error);
    if (!raw_cursor) {
      failed = true;
      return;
    }
    mongo_odm::Cursor cursor(raw_cursor);  // read to its end: nothing left to kill
    const bson_t *doc = nullptr;
    while (mongo_odm_cursor_next_bson(cursor.get(), &doc)) docs.push_back(bson_copy(doc));
    failed = mongo_odm_cursor_error(cursor.get(), &error);
  });
  if (failed) {
    name_as_find_one(error);
    raise_error(error);
  }
  py::list out;
  for (bson_t *d : docs) out.append(decode_document(d));
  return out;
}

std::unique_ptr<PyCursor> PyCollection::find(py::object self, py::object filter, py::args args, py::kwargs kwargs) {
  CodecScope codec_scope(codec_);
  // Checked now as pymongo does (TypeError for a bad filter or an unknown option); the query
  // itself is sent on first use (cursor.hpp).
  if (args.size() > 1) throw py::type_error("find() takes at most 2 positional arguments (filter, projection)");
  py::dict options = py::reinterpret_steal<py::dict>(PyDict_Copy(kwargs.ptr()));
  if (args.size() == 1) {
    if (options.contains("projection")) throw py::type_error("find() got multiple values for argument 'projection'");
    options["projection"] = args[0];
  }
  auto f = std::make_shared<mongo_odm::Bson>();
  encode_filter(filter, f->get(), false, "find");
  return std::make_unique<PyCursor>(FindSpec{std::move(self), raw(), std::move(f), std::move(options)});
}

InsertOneResult PyCollection::insert_one(py::object document, py::kwargs kwargs) {
  CodecScope codec_scope(codec_);
  mongo_odm::Bson opts;
  write_options("insert_one", kInsertOptions, kwargs, opts.get());
  EncodeBuffer doc;
  encode_document(document, doc.get());
  mongo_odm::Bson reply = call_with_reply([&](bson_t *r, mongo_odm_error_t *e) {
    return mongo_odm_collection_insert_one(raw(), doc.get(), bson_empty(opts.get()) ? nullptr : opts.get(), r, e);
  });
  bson_iter_t iter;
  py::object id = bson_iter_init_find(&iter, reply.get(), "insertedId") ? decode_value(&iter) : py::none();
  // pymongo adds the generated _id to the caller's dict.
  if (PyDict_Check(document.ptr()) && !has_id_key(document)) document["_id"] = id;
  return InsertOneResult{id};
}

InsertManyResult PyCollection::insert_many(py::object documents, bool ordered, py::kwargs kwargs) {
  CodecScope codec_scope(codec_);
  mongo_odm::Bson opts;
  write_options("insert_many", kInsertOptions, kwargs, opts.get());
  py::list docs_list = py::list(documents);
  if (py::len(docs_list) == 0) throw py::type_error("documents must be a non-empty list");
  EncodedBatch batch;
  batch.encode(docs_list);
  mongo_odm::Bson reply = insert_batch(raw(), batch, ordered, opts.get());
  // As pymongo: a dict's own _id is its inserted id (the same object); a dict without one gets
  // the ObjectId the library generated, which is added to it.
  bson_iter_t iter, item;
  const bool have_ids = bson_iter_init_find(&iter, reply.get(), "insertedIds") && BSON_ITER_HOLDS_ARRAY(&iter) &&
                        bson_iter_recurse(&iter, &item);
  static PyObject *const id_key = PyUnicode_InternFromString("_id");
  py::list ids;
  const Py_ssize_t n = PyList_GET_SIZE(docs_list.ptr());
  for (Py_ssize_t i = 0; i < n; ++i) {
    const bool next = have_ids && bson_iter_next(&item);
    py::handle d = PyList_GET_ITEM(docs_list.ptr(), i);  // borrowed from the list
    PyObject *own = PyDict_Check(d.ptr()) ? PyDict_GetItemWithError(d.ptr(), id_key) : nullptr;  // borrowed
    if (own) {
      ids.append(py::handle(own));
      continue;
    }
    if (PyErr_Occurred()) throw py::error_already_set();
    if (!next) break;
    py::object id = decode_value(&item);
    if (PyDict_Check(d.ptr())) d[py::handle(id_key)] = id;
    ids.append(id);
  }
  return InsertManyResult{ids};
}

py::object PyCollection::insert_model_values(py::list values, py::tuple names) {
  CodecScope codec_scope(codec_);
  if (PyList_GET_SIZE(values.ptr()) == 0) throw py::type_error("values must be a non-empty list");
  EncodedBatch batch;
  if (!batch.encode_model_values(values, names)) return py::none();
  // The ids as encoded (the call below lets other threads run, which may change the models).
  py::list ids;
  for (py::handle d : values) {
    PyObject *key, *v;
    Py_ssize_t pos = 0;
    if (!PyDict_Next(d.ptr(), &pos, &key, &v)) throw std::logic_error("insert_model_values: empty values");
    ids.append(py::handle(v));
  }
  insert_batch(raw(), batch, /*ordered=*/true);
  return py::cast(InsertManyResult{ids});
}

UpdateResult PyCollection::replace_one(py::object filter, py::object replacement, bool upsert, py::kwargs kwargs) {
  CodecScope codec_scope(codec_);
  mongo_odm::Bson f, opts;
  encode_filter(filter, f.get(), false, "replace_one");
  write_options("replace_one", kReplaceOptions, kwargs, opts.get());
  EncodeBuffer doc;
  encode_document(replacement, doc.get());
  bson_iter_t first;
  if (bson_iter_init(&first, doc.get()) && bson_iter_next(&first) && bson_iter_key(&first)[0] == '$') {
    throw py::value_error("replacement can not include $ operators");  // pymongo's check and words
  }
  BSON_APPEND_BOOL(opts.get(), "upsert", upsert);
  mongo_odm::Bson reply = call_with_reply([&](bson_t *r, mongo_odm_error_t *e) {
    return mongo_odm_collection_replace_one(raw(), f.get(), doc.get(), opts.get(), r, e);
  });
  return update_result_from(reply.get());
}

UpdateResult PyCollection::update(const char *function, py::object filter, py::object update, bool upsert,
                                  py::kwargs kwargs, bool many) {
  CodecScope codec_scope(codec_);
  mongo_odm::Bson f, u, opts;
  encode_filter(filter, f.get(), false, function);
  write_options(function, kUpdateOptions, kwargs, opts.get());
  encode_update(update, u.get());
  BSON_APPEND_BOOL(opts.get(), "upsert", upsert);
  mongo_odm::Bson reply = call_with_reply([&](bson_t *r, mongo_odm_error_t *e) {
    return many ? mongo_odm_collection_update_many(raw(), f.get(), u.get(), opts.get(), r, e)
                : mongo_odm_collection_update_one(raw(), f.get(), u.get(), opts.get(), r, e);
  });
  return update_result_from(reply.get());
}

UpdateResult PyCollection::update_one(py::object filter, py::object update, bool upsert, py::kwargs kwargs) {
  return this->update("update_one", std::move(filter), std::move(update), upsert, std::move(kwargs), false);
}

UpdateResult PyCollection::update_many(py::object filter, py::object update, bool upsert, py::kwargs kwargs) {
  return this->update("update_many", std::move(filter), std::move(update), upsert, std::move(kwargs), true);
}

DeleteResult PyCollection::remove(const char *function, py::object filter, py::kwargs kwargs, bool many) {
  CodecScope codec_scope(codec_);
  mongo_odm::Bson f, opts;
  encode_filter(filter, f.get(), false, function);
  write_options(function, kDeleteOptions, kwargs, opts.get());
  mongo_odm::Bson reply = call_with_reply([&](bson_t *r, mongo_odm_error_t *e) {
    return many ? mongo_odm_collection_delete_many(raw(), f.get(), opts.get(), r, e)
                : mongo_odm_collection_delete_one(raw(), f.get(), opts.get(), r, e);
  });
  return delete_result_from(reply.get());
}

DeleteResult PyCollection::delete_one(py::object filter, py::kwargs kwargs) {
  return remove("delete_one", std::move(filter), std::move(kwargs), false);
}

DeleteResult PyCollection::delete_many(py::object filter, py::kwargs kwargs) {
  return remove("delete_many", std::move(filter), std::move(kwargs), true);
}

int64_t PyCollection::count_documents(py::object filter, py::kwargs kwargs) {
  CodecScope codec_scope(codec_);
  mongo_odm::Bson f, opts;
  encode_filter(filter, f.get(), false, "count_documents");
  count_options(kwargs, opts.get());
  int64_t n = 0;
  mongo_odm_error_t error;
  const bool ok =
      blocking([&] { return mongo_odm_collection_count_documents(raw(), f.get(), opts.get(), &n, &error); });
  if (!ok) raise_error(error);
  return n;
}

std::unique_ptr<PyCursor> PyCollection::aggregate(py::object pipeline, py::kwargs kwargs) {
  CodecScope codec_scope(codec_);
  mongo_odm::Bson p, opts;
  encode_pipeline(pipeline, p.get());
  aggregate_options(kwargs, opts.get());
  return start_cursor(opts.get(),
                      [&](mongo_odm_error_t *e) { return mongo_odm_collection_aggregate(raw(), p.get(), opts.get(), e); });
}

std::string PyCollection::create_index(py::object keys, py::kwargs kwargs) {
  mongo_odm::Bson k, opts;
  encode_index_keys(keys, k.get(), "keys");
  if (py::len(kwargs) > 0) encode_document(kwargs, opts.get());
  mongo_odm::Bson reply = call_with_reply([&](bson_t *r, mongo_odm_error_t *e) {
    return mongo_odm_collection_create_index(raw(), k.get(), opts.get(), r, e);
  });
  bson_iter_t iter;
  return bson_iter_init_find(&iter, reply.get(), "name") ? std::string(bson_iter_utf8(&iter, nullptr)) : std::string();
}

void PyCollection::drop() {
  mongo_odm_error_t error;
  if (!blocking([&] { return mongo_odm_collection_drop(raw(), &error); })) raise_error(error);
}

void init_collection(py::module_ &m) {
  py::class_<PyCollection>(m, "Collection", R"doc(
A collection with pymongo's method names, implemented on libmongo_odm's C API.

find_one, find, insert_one, insert_many, replace_one, update_one, update_many, delete_one,
delete_many, count_documents, aggregate, create_index, drop. Errors are the pymongo-named
exceptions of mongo_odm.errors.)doc",
                            // A Database caches its collections and each collection holds its
                            // Database: let the garbage collector see that reference, so a
                            // client dropped without close() still frees its pool.
                            py::custom_type_setup([](PyHeapTypeObject *heap_type) {
                              PyTypeObject *type = &heap_type->ht_type;
                              type->tp_flags |= Py_TPFLAGS_HAVE_GC;
                              type->tp_traverse = [](PyObject *self, visitproc visit, void *arg) -> int {
                                Py_VISIT(Py_TYPE(self));
                                auto &c = py::cast<PyCollection &>(py::handle(self));
                                Py_VISIT(c.database_ref().ptr());
                                return 0;
                              };
                              type->tp_clear = [](PyObject *self) -> int {
                                auto &c = py::cast<PyCollection &>(py::handle(self));
                                c.database_ref() = py::none();
                                return 0;
                              };
                            }))
      .def_property_readonly("name", &PyCollection::name, "The collection's name.")
      .def_property_readonly("full_name", &PyCollection::full_name, "``<database>.<collection>``.")
      .def_property_readonly("database_name", &PyCollection::database_name, "The database's name.")
      .def_property_readonly("database", &PyCollection::database,
                             "The Database this collection belongs to (None for one made without a client).")
      .def("__repr__", [](const PyCollection &c) { return "Collection('" + c.database_name() + "', '" + c.name() + "')"; })
      .def("__eq__",
           [](const PyCollection &a, py::object b) {
             if (!py::isinstance<PyCollection>(b)) return false;
             const auto &other = b.cast<const PyCollection &>();
             return a.name() == other.name() && a.database_name() == other.database_name();
           })
      .def("__hash__", [](const PyCollection &c) { return py::hash(py::str(c.full_name())); })
      .def("find_one", &PyCollection::find_one, py::arg("filter") = py::none(),
           "The first document matching ``filter`` (None, a dict, or an _id value), or None (kwargs: "
           "find()'s).")
      .def(
          "find",
          [](py::object self, py::object filter, py::args args, py::kwargs kwargs) {
            return self.cast<PyCollection &>().find(self, std::move(filter), std::move(args), std::move(kwargs));
          },
          py::arg("filter") = py::none(),
          "A Cursor over the documents matching ``filter``, not started (kwargs: projection, sort, skip, "
          "limit, batch_size, max_time_ms, hint, comment, collation, allow_disk_use, as pymongo's).")
      .def("_find_one_batch", &PyCollection::find_one_batch, py::arg("ids"),
           "The documents whose _id is in ids (one $in query), for the async collection's coalesced "
           "find_one() calls; errors read as find_one()'s.")
      .def("insert_one", &PyCollection::insert_one, py::arg("document"),
           "Inserts a document (kwargs: bypass_document_validation, comment; session None only).")
      .def("insert_many", &PyCollection::insert_many, py::arg("documents"), py::arg("ordered") = true,
           "Inserts the documents (kwargs as insert_one).")
      .def("_insert_model_values", &PyCollection::insert_model_values, py::arg("values"), py::arg("names"),
           "insert_many of models of scalar fields from their __dict__s (keys exactly `names`, the id "
           "first, stored as _id); None, with nothing sent, when a dict's keys differ. Private: "
           "MongoBaseModel.insert_many.")
      .def("replace_one", &PyCollection::replace_one, py::arg("filter"), py::arg("replacement"),
           py::arg("upsert") = false,
           "Replaces the first match (kwargs: bypass_document_validation, collation, hint, let, comment).")
      .def("update_one", &PyCollection::update_one, py::arg("filter"), py::arg("update"), py::arg("upsert") = false,
           "Updates the first match (kwargs: array_filters, hint, collation, let, comment, "
           "bypass_document_validation).")
      .def("update_many", &PyCollection::update_many, py::arg("filter"), py::arg("update"), py::arg("upsert") = false,
           "Updates every match (kwargs as update_one).")
      .def("delete_one", &PyCollection::delete_one, py::arg("filter"),
           "Deletes the first match (kwargs: collation, hint, let, comment).")
      .def("delete_many", &PyCollection::delete_many, py::arg("filter"), "Deletes every match (kwargs as delete_one).")
      .def("count_documents", &PyCollection::count_documents, py::arg("filter"),
           "The number of documents matching ``filter`` (kwargs: skip, limit, hint, collation, comment, "
           "max_time_ms).")
      .def("aggregate", &PyCollection::aggregate, py::arg("pipeline"),
           "A Cursor over the results of the aggregation ``pipeline`` (a list of stages; kwargs: "
           "batch_size, max_time_ms, allow_disk_use, collation, hint, comment, let).")
      .def("create_index", &PyCollection::create_index, py::arg("keys"),
           "Creates an index (a field name, a list of (field, direction) pairs, or an IndexModel; "
           "kwargs: its options, as pymongo's) and returns its name.")
      .def("drop", &PyCollection::drop, "Drops the collection (nothing happens when it does not exist).");
}

}  // namespace mongo_odm_py
