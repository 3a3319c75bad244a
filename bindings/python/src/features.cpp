// The model features of issue 11 on the native collection, each one C call of libmongo_odm
// (no rule of its own here): ensure_indexes / list_indexes (mongo_odm/index.h), save_document
// (changed-field saves and revisions, mongo_odm/changes.h), bulk_writer (mongo_odm/bulk.h),
// and the module function diff() (mongo_odm_diff). These are not pymongo methods: they need
// the native collection, and the model layer raises TypeError for a collection of another
// kind (mongo_odm/model.py).
#include <memory>
#include <vector>

#include "blocking.hpp"
#include "collection.hpp"
#include "options.hpp"

namespace mongo_odm_py {

namespace {

// A document argument: BSON bytes (viewed, not copied: `holder` keeps them alive) or a mapping
// (encoded into `scratch`). Returns the document to read.
const bson_t *document_arg(py::handle value, bson_t *view, bson_t *scratch, const char *what) {
  if (PyBytes_Check(value.ptr())) {
    const auto *data = reinterpret_cast<const uint8_t *>(PyBytes_AS_STRING(value.ptr()));
    const auto len = static_cast<size_t>(PyBytes_GET_SIZE(value.ptr()));
    if (!bson_init_static(view, data, len)) raise_named("InvalidBSON", std::string(what) + " is not a BSON document");
    return view;
  }
  encode_document(value, scratch);
  return scratch;
}

py::dict ensure_indexes(PyCollection &self, py::sequence indexes) {
  std::vector<mongo_odm::Bson> specs(py::len(indexes));
  std::vector<const bson_t *> ptrs;
  for (size_t i = 0; i < specs.size(); ++i) {
    encode_document(indexes[i], specs[i].get());
    ptrs.push_back(specs[i].get());
  }
  mongo_odm::Bson reply = call_with_reply([&](bson_t *r, mongo_odm_error_t *e) {
    return mongo_odm_collection_ensure_indexes(self.handle(), ptrs.data(), ptrs.size(), r, e);
  });
  return py::dict(decode_document(reply.get()));
}

// pymongo's list_indexes(session=None, comment=None): a CommandCursor (mongo_odm.command_cursor)
// over the whole result, which mongo_odm_collection_list_indexes() answers in one call. That
// call takes no options: a comment is refused (NotImplementedError), not dropped.
py::object list_indexes(PyCollection &self, py::kwargs kwargs) {
  for (auto item : kwargs) {
    const std::string name = item.first.cast<std::string>();
    if (name != "session" && name != "comment") {
      throw py::type_error("list_indexes() got an unexpected keyword argument '" + name + "'");
    }
    if (item.second.is_none()) continue;
    if (name == "session") throw py::type_error("list_indexes(): sessions are not supported (session must be None)");
    PyErr_SetString(PyExc_NotImplementedError,
                    "list_indexes(comment=...) is not supported: libmongo_odm's listIndexes call takes no options");
    throw py::error_already_set();
  }
  mongo_odm::Bson reply = call_with_reply(
      [&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_collection_list_indexes(self.handle(), r, e); });
  bson_iter_t it;
  py::list indexes = bson_iter_init_find(&it, reply.get(), "indexes") ? py::list(decode_value(&it)) : py::list();
  static PyObject *cls = nullptr;  // owned for the interpreter's lifetime
  if (!cls) cls = py::object(py::module_::import("mongo_odm.command_cursor").attr("CommandCursor")).release().ptr();
  return py::reinterpret_borrow<py::object>(cls)(indexes);
}

py::dict save_document(PyCollection &self, py::object document, py::object saved, bool changes, bool revision) {
  CodecScope codec_scope(self.codec());
  mongo_odm::Bson doc_scratch, saved_scratch;
  bson_t doc_view, saved_view;
  const bson_t *doc = document_arg(document, &doc_view, doc_scratch.get(), "document");
  const bson_t *saved_doc = saved.is_none() ? nullptr : document_arg(saved, &saved_view, saved_scratch.get(), "saved");
  const unsigned flags = (changes ? MONGO_ODM_SAVE_CHANGES : 0u) | (revision ? MONGO_ODM_SAVE_REVISION : 0u);
  bson_t stored, reply;
  mongo_odm_error_t error;
  const bool ok = blocking([&] {
    return mongo_odm_collection_save(self.handle(), doc, saved_doc, flags, &stored, &reply, &error);
  });
  mongo_odm::Bson stored_owned = mongo_odm::Bson::adopt(&stored);
  mongo_odm::Bson reply_owned = mongo_odm::Bson::adopt(&reply);
  if (!ok) raise_error(error, reply_owned.get());
  py::dict out(decode_document(reply_owned.get()));
  if (!out.contains("revision")) out["revision"] = py::none();
  out["stored"] = py::bytes(reinterpret_cast<const char *>(bson_get_data(stored_owned.get())), stored_owned.get()->len);
  return out;
}

py::dict diff(py::object saved, py::object current) {
  mongo_odm::Bson saved_scratch, current_scratch;
  bson_t saved_view, current_view;
  const bson_t *s = document_arg(saved, &saved_view, saved_scratch.get(), "saved");
  const bson_t *c = document_arg(current, &current_view, current_scratch.get(), "current");
  bool changed = false;
  mongo_odm::Bson update = call_with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_diff(s, c, r, &changed, e); });
  return py::dict(decode_document(update.get()));
}

// The native bulk writer: operations are encoded and queued at once (with the GIL), sent by
// execute() with the GIL released. A writer that is executing refuses other calls.
class PyBulkWriter {
 public:
  PyBulkWriter(PyCollection &collection, bool ordered) : ordered_(ordered), codec_(collection.codec()) {
    mongo_odm_error_t error;
    mongo_odm_bulk_t *raw = mongo_odm_collection_bulk_new(collection.handle(), ordered, &error);
    if (!raw) raise_error(error);
    bulk_.reset(raw);
  }

  bool ordered() const { return ordered_; }
  size_t size() const { return mongo_odm_bulk_size(bulk_.get()); }

  void insert_one(py::object document) {
    CodecScope codec_scope(codec_);
    mongo_odm::Bson doc;
    encode_document(document, doc.get());
    queue([&](mongo_odm_error_t *e) { return mongo_odm_bulk_insert(bulk_.get(), doc.get(), e); });
  }
  void replace_one(py::object filter, py::object replacement, bool upsert) {
    CodecScope codec_scope(codec_);
    mongo_odm::Bson f, doc;
    encode_filter(filter, f.get(), false, "replace_one");
    encode_document(replacement, doc.get());
    queue([&](mongo_odm_error_t *e) { return mongo_odm_bulk_replace_one(bulk_.get(), f.get(), doc.get(), upsert, e); });
  }
  void update(const char *function, py::object filter, py::object update, bool upsert, bool many) {
    CodecScope codec_scope(codec_);
    mongo_odm::Bson f, u;
    encode_filter(filter, f.get(), false, function);
    encode_update(update, u.get());
    queue([&](mongo_odm_error_t *e) {
      return many ? mongo_odm_bulk_update_many(bulk_.get(), f.get(), u.get(), upsert, e)
                  : mongo_odm_bulk_update_one(bulk_.get(), f.get(), u.get(), upsert, e);
    });
  }
  void remove(const char *function, py::object filter, bool many) {
    CodecScope codec_scope(codec_);
    mongo_odm::Bson f;
    encode_filter(filter, f.get(), false, function);
    queue([&](mongo_odm_error_t *e) {
      return many ? mongo_odm_bulk_delete_many(bulk_.get(), f.get(), e) : mongo_odm_bulk_delete_one(bulk_.get(), f.get(), e);
    });
  }

  py::dict execute() {
    check_idle();
    executing_ = true;
    struct Done {
      bool &flag;
      ~Done() { flag = false; }
    } done{executing_};
    mongo_odm::Bson reply = call_with_reply(
        [&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_bulk_execute(bulk_.get(), r, e); }, /*bulk=*/true);
    return py::dict(decode_document(reply.get()));
  }

 private:
  void check_idle() const {
    if (executing_) throw py::value_error("the bulk writer is executing; queue operations after execute() returns");
  }
  template <typename F>
  void queue(F &&fn) {
    check_idle();
    mongo_odm_error_t error;
    if (!fn(&error)) raise_error(error);
  }

  mongo_odm::BulkPtr bulk_;
  bool ordered_;
  std::shared_ptr<const CodecOptions> codec_;  // the collection's
  bool executing_ = false;
};

}  // namespace

void init_features(py::module_ &m) {
  auto coll = py::reinterpret_borrow<py::class_<PyCollection>>(m.attr("Collection"));
  coll.def("ensure_indexes", &ensure_indexes, py::arg("indexes"),
           "Creates the missing indexes of `indexes` (createIndexes entries {key, name?, options...}); "
           "{created, existing, command?}. OperationFailure (code 85/86) when a name exists with other "
           "keys or options.")
      .def("list_indexes", &list_indexes,
           "The collection's indexes (listIndexes): a CommandCursor of dicts, as pymongo's (session None "
           "only; comment: NotImplementedError).")
      .def("save_document", &save_document, py::arg("document"), py::arg("saved") = py::none(), py::kw_only(),
           py::arg("changes") = false, py::arg("revision") = false,
           "Saves a whole document by the rules of libmongo_odm's mongo_odm_collection_save(): `saved` (BSON "
           "bytes, a mapping or None) is its saved state. Returns {sent, upserted, revision, stored} (stored: "
           "the BSON bytes now in the database). RevisionConflictError on a stale revision.");

  py::class_<PyBulkWriter>(m, "BulkWriter", R"doc(
Queued writes of one collection, sent by execute() in batches of at most 1,000 operations
(libmongo_odm's mongo_odm/bulk.h). execute() returns the raw result (nInserted, nMatched,
nModified, nRemoved, nUpserted, upserted, writeErrors, writeConcernErrors) and empties the queue;
a failed operation raises BulkWriteError whose details are that result.)doc")
      .def_property_readonly("ordered", &PyBulkWriter::ordered)
      .def("__len__", &PyBulkWriter::size)
      .def("insert_one", &PyBulkWriter::insert_one, py::arg("document"))
      .def("replace_one", &PyBulkWriter::replace_one, py::arg("filter"), py::arg("replacement"),
           py::arg("upsert") = false)
      .def(
          "update_one",
          [](PyBulkWriter &w, py::object f, py::object u, bool upsert) { w.update("update_one", f, u, upsert, false); },
          py::arg("filter"), py::arg("update"), py::arg("upsert") = false)
      .def(
          "update_many",
          [](PyBulkWriter &w, py::object f, py::object u, bool upsert) { w.update("update_many", f, u, upsert, true); },
          py::arg("filter"), py::arg("update"), py::arg("upsert") = false)
      .def(
          "delete_one", [](PyBulkWriter &w, py::object f) { w.remove("delete_one", f, false); }, py::arg("filter"))
      .def(
          "delete_many", [](PyBulkWriter &w, py::object f) { w.remove("delete_many", f, true); }, py::arg("filter"))
      .def("execute", &PyBulkWriter::execute);
  // after BulkWriter's registration, so that its signature names mongo_odm._core.BulkWriter
  coll.def("bulk_writer", [](PyCollection &self, bool ordered) { return std::make_unique<PyBulkWriter>(self, ordered); },
           py::arg("ordered") = true, "A native bulk writer on this collection (mongo_odm/bulk.h).");

  m.def("diff", &diff, py::arg("saved"), py::arg("current"),
        "The update turning `saved` into `current` (BSON bytes or mappings): {'$set': ..., '$unset': ...}, "
        "{} when nothing changed (libmongo_odm's mongo_odm_diff). ValueError for a changed key no update "
        "can name.");
}

}  // namespace mongo_odm_py
