#include "cursor.hpp"

#include <string>

#include "blocking.hpp"
#include "options.hpp"

namespace mongo_odm_py {

namespace {

constexpr int64_t kDefaultFetch = 256;          // documents per GIL-released fetch
constexpr size_t kMaxFetchBytes = 8 * 1024 * 1024;  // ... or this many bytes, whichever first

int64_t batch_size_of(const bson_t *opts) {
  bson_iter_t iter;
  return bson_iter_init_find(&iter, opts, "batchSize") ? bson_iter_as_int64(&iter) : 0;
}

}  // namespace

PyCursor::PyCursor(mongo_odm_cursor_t *raw, int64_t fetch_size)
    : cursor_(std::make_unique<mongo_odm::Cursor>(raw)), fetch_size_(fetch_size > 0 ? fetch_size : kDefaultFetch) {}

PyCursor::PyCursor(FindSpec spec) : spec_(std::make_unique<FindSpec>(std::move(spec))), started_(false) {
  rebuild_options(spec_->kwargs);
}

void PyCursor::rebuild_options(const py::dict &kwargs) {
  CodecScope codec_scope(codec_);  // option values (hint, min, max, ...) encode as the filter did
  mongo_odm::Bson opts;
  find_options("find", py::args(), py::reinterpret_borrow<py::kwargs>(kwargs), opts.get());
  const int64_t batch = batch_size_of(opts.get());
  opts_ = std::move(opts);
  fetch_size_ = batch > 0 ? batch : kDefaultFetch;
}

void PyCursor::check_not_started(const char *what) const {
  if (!spec_) raise_named("InvalidOperation", std::string(what) + "() is not available on this cursor (aggregate)");
  if (started_) raise_named("InvalidOperation", "cannot set options after executing query");
}

void PyCursor::set_option(const char *keyword, py::object value) {
  check_not_started(keyword);
  py::dict kwargs = py::reinterpret_steal<py::dict>(PyDict_Copy(spec_->kwargs.ptr()));  // a copy: a refused value leaves the cursor as it was
  if (value.is_none()) {
    if (kwargs.contains(keyword)) PyDict_DelItemString(kwargs.ptr(), keyword);
  } else {
    kwargs[keyword] = value;
  }
  rebuild_options(kwargs);
  spec_->kwargs = kwargs;
}

void PyCursor::set_sort(py::object key_or_list, py::object direction) {
  if (!direction.is_none()) {
    if (!PyUnicode_Check(key_or_list.ptr())) throw py::type_error("sort(): key must be a string when a direction is given");
    py::list keys;
    keys.append(py::make_tuple(key_or_list, direction));
    set_option("sort", keys);
  } else {
    if (key_or_list.is_none()) throw py::type_error("sort(): key_or_list must be a key, a list of (key, direction) pairs or a mapping");
    set_option("sort", key_or_list);
  }
}

void PyCursor::set_batch_size(py::object value) {
  if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr())) throw py::type_error("batch_size must be an integer");
  const int64_t n = value.cast<int64_t>();
  if (n < 0) throw py::value_error("batch_size must be >= 0");
  if (spec_) {
    set_option("batch_size", value);  // InvalidOperation once started, as pymongo's Cursor
    return;
  }
  fetch_size_ = n > 0 ? n : kDefaultFetch;  // an aggregate cursor (CommandCursor): later fetches
}

std::unique_ptr<PyCursor> PyCursor::clone() const {
  if (!spec_) raise_named("InvalidOperation", "clone() is not available on this cursor (aggregate)");
  FindSpec spec{spec_->owner, spec_->collection, spec_->filter,
                py::reinterpret_steal<py::dict>(PyDict_Copy(spec_->kwargs.ptr()))};
  CodecScope codec_scope(codec_);  // the clone decodes as this cursor does
  return std::make_unique<PyCursor>(std::move(spec));
}

void PyCursor::rewind() {
  if (!spec_) raise_named("InvalidOperation", "rewind() is not available on this cursor (aggregate)");
  close();
  buffer_ = py::list();
  buffer_pos_ = 0;
  exhausted_ = false;
  started_ = false;
  closed_ = false;
}

py::object PyCursor::cursor_id() {
  if (!started_) return py::none();
  int64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);  // a fetch holding it never waits for the GIL
    id = cursor_ ? mongo_odm_cursor_id(cursor_->get()) : 0;
  }
  // an Int64, as pymongo's: given back to the server (killCursors) it stays a long
  return py::module_::import("mongo_odm.bson_types").attr("Int64")(id);
}

void PyCursor::start_locked(mongo_odm_error_t *error, bool *failed) {
  mongo_odm_cursor_t *raw = mongo_odm_collection_find(spec_->collection, spec_->filter->get(), opts_.get(), error);
  if (!raw) {
    *failed = true;
    exhausted_ = true;
    return;
  }
  cursor_ = std::make_unique<mongo_odm::Cursor>(raw);
}

py::list PyCursor::fetch(int64_t max_docs) {
  py::list out;
  if (closed_ || exhausted_ || max_docs <= 0) return out;
  const bool starting = !started_;
  started_ = true;  // under the GIL: chained options are refused from now on
  std::vector<bson_t *> docs;
  docs.reserve(static_cast<size_t>(std::min<int64_t>(max_docs, 4096)));
  bool failed = false;
  mongo_odm_error_t error;
  auto free_docs_now = [&docs] {
    for (bson_t *d : docs) bson_destroy(d);
    docs.clear();
  };
  try {
    blocking([&] {
      // Another thread may close() the cursor meanwhile (an async task was cancelled): the
      // native cursor is used under mutex_ only.
      std::lock_guard<std::mutex> lock(mutex_);
      if (starting) {
        start_locked(&error, &failed);
        if (failed) return;
      }
      if (!cursor_) {
        exhausted_ = true;
        return;
      }
      size_t bytes = 0;
      const bson_t *doc = nullptr;
      while (static_cast<int64_t>(docs.size()) < max_docs && bytes < kMaxFetchBytes) {
        if (!mongo_odm_cursor_next_bson(cursor_->get(), &doc)) {
          exhausted_ = true;
          failed = mongo_odm_cursor_error(cursor_->get(), &error);
          break;
        }
        docs.push_back(bson_copy(doc));
        bytes += doc->len;
      }
    });
  } catch (...) {
    free_docs_now();  // Ctrl-C during the fetch: what arrived is dropped with the cursor's error
    throw;
  }
  struct Free {
    std::vector<bson_t *> &docs;
    ~Free() {
      for (bson_t *d : docs) bson_destroy(d);
    }
  } free_docs{docs};
  CodecScope codec_scope(codec_);
  for (bson_t *d : docs) out.append(decode_document(d));
  if (failed && docs.empty()) raise_error(error);
  if (failed) {
    // Hand out what arrived; the error is raised by the next fetch.
    exhausted_ = false;
  }
  return out;
}

py::object PyCursor::next() {
  if (buffer_pos_ >= static_cast<size_t>(py::len(buffer_))) {
    buffer_ = fetch(fetch_size_);
    buffer_pos_ = 0;
    if (py::len(buffer_) == 0) {
      close();
      throw py::stop_iteration();
    }
  }
  py::object doc = buffer_[buffer_pos_];
  buffer_[buffer_pos_] = py::none();  // let the consumer own the only reference
  ++buffer_pos_;
  return doc;
}

py::list PyCursor::to_list(std::optional<int64_t> length) {
  py::list out;
  // Anything already buffered by __next__ comes first.
  while (buffer_pos_ < static_cast<size_t>(py::len(buffer_)) && (!length || static_cast<int64_t>(py::len(out)) < *length)) {
    out.append(buffer_[buffer_pos_]);
    buffer_[buffer_pos_] = py::none();
    ++buffer_pos_;
  }
  while (!length || static_cast<int64_t>(py::len(out)) < *length) {
    const int64_t want = length ? *length - static_cast<int64_t>(py::len(out)) : 4096;
    py::list batch = fetch(want);
    if (py::len(batch) == 0) break;
    for (py::handle doc : batch) out.append(doc);
  }
  return out;
}

PyCursor::~PyCursor() {
  if (!cursor_) return;
  std::unique_ptr<mongo_odm::Cursor> doomed = std::move(cursor_);
  without_gil_in_destructor([&] { doomed.reset(); });
}

void PyCursor::close() {
  closed_ = true;  // as pymongo: what was buffered is still handed out
  // killCursors may talk to the server; a fetch of another thread may be finishing.
  blocking([&] {
    std::unique_ptr<mongo_odm::Cursor> doomed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      doomed = std::move(cursor_);
    }
  });
}

namespace {

// A chained option method: sets the option and returns the cursor itself.
template <typename F>
auto chained(F &&f) {
  return [f](py::object self, py::object value) {
    f(self.cast<PyCursor &>(), std::move(value));
    return self;
  };
}

void check_bool(py::handle value, const char *name) {
  if (!PyBool_Check(value.ptr())) throw py::type_error(std::string(name) + " must be an instance of bool");
}

void check_int(py::handle value, const char *name) {
  if (!value.is_none() && (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr()))) {
    throw py::type_error(std::string(name) + " must be an integer");
  }
}

}  // namespace

void init_cursor(py::module_ &m) {
  py::class_<PyCursor>(m, "Cursor", R"doc(
The result of find() or aggregate(): an iterator of dicts (pymongo's Cursor / CommandCursor).

A find() cursor sends its query on first use, so sort(), limit(), skip(), batch_size(),
max_time_ms(), hint(), comment(), collation() and allow_disk_use() chain after find() as in
pymongo; after the query started they raise InvalidOperation. Documents are fetched in batches
with the GIL released; iterate it, call next(), to_list(), or fetch(n) for the next n
documents. close() (or the end of iteration, or leaving a ``with`` block) releases its server
cursor and pooled connection.)doc")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &PyCursor::next)
      .def("next", &PyCursor::next, "The next document; StopIteration at the end.")
      .def("fetch", &PyCursor::fetch, py::arg("max_docs") = kDefaultFetch,
           "The next documents, at most ``max_docs`` (a list; empty at the end).")
      .def("to_list", &PyCursor::to_list, py::arg("length") = py::none(),
           "The remaining documents as a list (at most ``length`` when given).")
      .def("close", &PyCursor::close, "Releases the server cursor and the pooled connection; idempotent.")
      .def_property_readonly("alive", &PyCursor::alive,
                             "False once the cursor is exhausted or closed (True before the query ran).")
      .def_property_readonly("collection", &PyCursor::collection, "The collection the cursor reads from.")
      .def_property_readonly("cursor_id", &PyCursor::cursor_id,
                             "The server's cursor id (0 when the server has no cursor open for it).")
      .def("sort", [](py::object self, py::object key_or_list, py::object direction) {
             self.cast<PyCursor &>().set_sort(std::move(key_or_list), std::move(direction));
             return self;
           }, py::arg("key_or_list"), py::arg("direction") = py::none(),
           "Sorts by ``key_or_list`` (a field and ``direction``, or a list of (field, direction) pairs); "
           "returns the cursor.")
      .def("limit", chained([](PyCursor &c, py::object v) {
             if (v.is_none()) throw py::type_error("limit must be an integer");
             check_int(v, "limit");
             c.set_option("limit", v.cast<int64_t>() == 0 ? py::none() : v);  // 0: no limit
           }), py::arg("limit"), "At most ``limit`` documents (0: no limit); returns the cursor.")
      .def("skip", chained([](PyCursor &c, py::object v) {
             if (v.is_none()) throw py::type_error("skip must be an integer");
             check_int(v, "skip");
             c.set_option("skip", v.cast<int64_t>() == 0 ? py::none() : v);
           }), py::arg("skip"), "Skips the first ``skip`` documents; returns the cursor.")
      .def("batch_size", chained([](PyCursor &c, py::object v) { c.set_batch_size(std::move(v)); }),
           py::arg("batch_size"), "Documents per batch from the server; returns the cursor.")
      .def("max_time_ms", chained([](PyCursor &c, py::object v) {
             check_int(v, "max_time_ms");
             c.set_option("max_time_ms", std::move(v));
           }), py::arg("max_time_ms"),
           "The server's time limit for the query, in ms (ExecutionTimeout when exceeded); returns the cursor.")
      .def("hint", chained([](PyCursor &c, py::object v) { c.set_option("hint", std::move(v)); }), py::arg("index"),
           "The index to use (its name or its keys); returns the cursor.")
      .def("comment", chained([](PyCursor &c, py::object v) { c.set_option("comment", std::move(v)); }),
           py::arg("comment"), "A comment sent with the query (server logs, profiler); returns the cursor.")
      .def("collation", chained([](PyCursor &c, py::object v) { c.set_option("collation", std::move(v)); }),
           py::arg("collation"), "The collation of the query (a dict); returns the cursor.")
      .def("allow_disk_use", chained([](PyCursor &c, py::object v) {
             check_bool(v, "allow_disk_use");
             c.set_option("allow_disk_use", std::move(v));
           }), py::arg("allow_disk_use"), "Lets the server sort on disk; returns the cursor.")
      .def("clone", &PyCursor::clone, "A new cursor of the same query and options, not started.")
      .def("__copy__", &PyCursor::clone)
      .def("rewind", [](py::object self) {
             self.cast<PyCursor &>().rewind();
             return self;
           }, "Back to before the query: the next read runs it again.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyCursor &c, py::args) {
        c.close();
        return false;
      });
}

}  // namespace mongo_odm_py
