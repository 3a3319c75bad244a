// A native cursor: iterates decoded documents, fetching them in batches with the GIL released.
//
// A find() cursor is pymongo's Cursor: the query is sent on first use (iteration, to_list,
// fetch), so sort(), limit(), skip(), ... chained after find() change it; once it started they
// raise InvalidOperation. An aggregate() cursor runs at once (pymongo's CommandCursor).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "common.hpp"

namespace mongo_odm_py {

// What a find() cursor sends when it starts: the collection (kept alive through `owner`), the
// encoded filter, and the keyword options (pymongo's names) as given to find() and chained.
struct FindSpec {
  py::object owner;                  // the Python collection object holding `collection`
  mongo_odm_collection_t *collection;  // borrowed from owner
  std::shared_ptr<mongo_odm::Bson> filter;  // immutable once encoded, shared by clones
  py::dict kwargs;  // find()'s keyword options by pymongo's names, projection included
};

class PyCursor {
 public:
  // Both constructors take the codec options in force (current_codec_shared()): those of the
  // collection method that makes the cursor.
  // A started cursor (aggregate, or any C cursor): read at once.
  explicit PyCursor(mongo_odm_cursor_t *raw, int64_t fetch_size = 0);
  // A find() cursor, not started; its options are checked now (TypeError/ValueError).
  explicit PyCursor(FindSpec spec);
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
  // pymongo's meaning: more documents may come (buffered ones count, like pymongo's deque); a
  // cursor not started yet is alive unless it was closed.
  bool alive() const {
    if (!started_) return !closed_;
    return buffer_pos_ < static_cast<size_t>(py::len(buffer_)) || (cursor_ != nullptr && !exhausted_);  // read under the GIL
  }
  bool started() const { return started_; }

  // Chained options (find cursors, before the query started): each returns nothing; the
  // binding returns the cursor itself. `value` None removes the option (pymongo's rule).
  void set_option(const char *keyword, py::object value);
  void set_sort(py::object key_or_list, py::object direction);
  // batch_size: on an aggregate cursor, also after it started (the size of later fetches).
  void set_batch_size(py::object value);
  // A new, unstarted cursor of the same query and options (find cursors only).
  std::unique_ptr<PyCursor> clone() const;
  // Back to the unstarted state: the next read runs the query again (find cursors only).
  void rewind();
  py::object collection() const { return spec_ ? spec_->owner : py::none(); }
  // pymongo's cursor_id: None before the query was sent, then the server's id (0 once closed).
  py::object cursor_id();

 private:
  void check_not_started(const char *what) const;
  void rebuild_options(const py::dict &kwargs);  // into opts_, raising on a bad option
  void start_locked(mongo_odm_error_t *error, bool *failed);  // mutex_ held, GIL released

  std::mutex mutex_;  // held while the native cursor is used with the GIL released
  std::unique_ptr<mongo_odm::Cursor> cursor_;
  std::unique_ptr<FindSpec> spec_;  // find cursors only
  mongo_odm::Bson opts_;             // find cursors: the encoded options of spec_->kwargs
  py::list buffer_;
  size_t buffer_pos_ = 0;
  std::atomic<bool> exhausted_{false};  // written by fetch() with the GIL released
  bool started_ = true;                 // the query was sent (always true for a C cursor)
  bool closed_ = false;                 // close() was called
  int64_t fetch_size_;
  // The codec options of the call that made the cursor (its collection's), for decoding.
  std::shared_ptr<const CodecOptions> codec_ = current_codec_shared();
};

}  // namespace mongo_odm_py
