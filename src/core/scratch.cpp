#include "scratch.hpp"

#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace mongo_odm::core {

namespace {

struct Spare {
  uint8_t *buf;
  size_t cap;
};

// The spare list lives until the process ends: a thread still saving while static destructors
// run must not give its buffer back into a destroyed vector. The buffers stay reachable from it
// (leak checkers see them as in use, not lost), and mongo_odm_cleanup() frees them.
struct Pool {
  std::mutex mutex;
  std::vector<Spare> spares;  // reserved for kMaxSpares at first use: giving back never allocates
};

Pool &pool() {
  static Pool *const p = new Pool;
  return *p;
}

}  // namespace

ScratchBson::ScratchBson() {
  {
    Pool &p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    if (!p.spares.empty()) {
      buf_ = p.spares.back().buf;
      cap_ = p.spares.back().cap;
      p.spares.pop_back();
    }
  }
  if (buf_) {
    static const uint8_t kEmpty[5] = {5, 0, 0, 0, 0};
    std::memcpy(buf_, kEmpty, sizeof kEmpty);
  }
  // A document over buf_ (bson_new_from_buffer allocates 5 bytes when buf_ is NULL); growing it
  // reallocates buf_ and updates buf_ and cap_ through the pointers it keeps.
  doc_ = bson_new_from_buffer(&buf_, &cap_, nullptr, nullptr);
  if (!doc_) throw std::bad_alloc();
}

ScratchBson::~ScratchBson() {
  bson_destroy(doc_);  // frees the bson_t, never the buffer (BSON_FLAG_NO_FREE)
  if (!buf_) return;
  if (cap_ <= kMaxKeptBytes) {
    Pool &p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    if (p.spares.capacity() < kMaxSpares) {
      try {
        p.spares.reserve(kMaxSpares);
      } catch (const std::bad_alloc &) {
      }
    }
    if (p.spares.size() < p.spares.capacity() && p.spares.size() < kMaxSpares) {
      p.spares.push_back(Spare{buf_, cap_});
      return;
    }
  }
  bson_free(buf_);
}

namespace scratch {
void lock_for_fork() { pool().mutex.lock(); }
void unlock_after_fork() { pool().mutex.unlock(); }

void release_spares() {
  std::vector<Spare> taken;
  {
    Pool &p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    taken.swap(p.spares);
  }
  for (const Spare &s : taken) bson_free(s.buf);
}
}  // namespace scratch

}  // namespace mongo_odm::core
