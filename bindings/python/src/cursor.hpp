// A native cursor: iterates decoded documents, fetching them in batches with the GIL released.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "common.hpp"

namespace mongo_odm_py {

class PyCursor {
 public:
  explicit PyCursor(mongo_odm_cursor_t *raw, int64_t fetch_size = 0);
  // A cursor collected without close() releases its server cursor (killCursors) with the GIL
  // released.
  ~PyCursor();
  PyCursor(const PyCursor &) = delete;
  PyCursor &operator=(const PyCursor &) = delete;

  // Up to `max_docs` documents (fewer at the end; an empty list when exhausted). Network I/O
  // runs with the GIL released; decoding happens after, with the GIL held.
  py::list fetch(int64_t max_docs);
  py::object next();
  py::list to_list(std::optional<int64_t> length);
  void close();
  // pymongo's meaning: more documents may come (buffered ones count, like pymongo's deque).
  bool alive() const {
    return buffer_pos_ < static_cast<size_t>(py::len(buffer_)) || (cursor_ != nullptr && !exhausted_);  // read under the GIL
  }

 private:
  std::mutex mutex_;  // held while the native cursor is used with the GIL released
  std::unique_ptr<mongo_odm::Cursor> cursor_;
  py::list buffer_;
  size_t buffer_pos_ = 0;
  std::atomic<bool> exhausted_{false};  // written by fetch() with the GIL released
  int64_t fetch_size_;
};

}  // namespace mongo_odm_py
