#include "cursor.hpp"

#include "blocking.hpp"

namespace mongo_odm_py {

namespace {

constexpr int64_t kDefaultFetch = 256;          // documents per GIL-released fetch
constexpr size_t kMaxFetchBytes = 8 * 1024 * 1024;  // ... or this many bytes, whichever first

}  // namespace

PyCursor::PyCursor(mongo_odm_cursor_t *raw, int64_t fetch_size)
    : cursor_(std::make_unique<mongo_odm::Cursor>(raw)), fetch_size_(fetch_size > 0 ? fetch_size : kDefaultFetch) {}

py::list PyCursor::fetch(int64_t max_docs) {
  py::list out;
  if (!cursor_ || exhausted_ || max_docs <= 0) return out;
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
  // killCursors may talk to the server; a fetch of another thread may be finishing.
  blocking([&] {
    std::unique_ptr<mongo_odm::Cursor> doomed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      doomed = std::move(cursor_);
    }
  });
}

void init_cursor(py::module_ &m) {
  py::class_<PyCursor>(m, "Cursor", R"doc(
The result of find() or aggregate(): an iterator of dicts.

Documents are fetched in batches with the GIL released; iterate it, call to_list(), or fetch(n)
for the next n documents. close() (or the end of iteration) releases its server cursor and
pooled connection.)doc")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &PyCursor::next)
      .def("fetch", &PyCursor::fetch, py::arg("max_docs") = kDefaultFetch)
      .def("to_list", &PyCursor::to_list, py::arg("length") = py::none())
      .def("close", &PyCursor::close)
      .def_property_readonly("alive", &PyCursor::alive)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyCursor &c, py::args) {
        c.close();
        return false;
      });
}

}  // namespace mongo_odm_py
