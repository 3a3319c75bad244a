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

std::mutex g_mutex;
std::vector<Spare> g_spares;  // reserved for kMaxSpares at first use: giving back never allocates

}  // namespace

ScratchBson::ScratchBson() {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (!g_spares.empty()) {
      buf_ = g_spares.back().buf;
      cap_ = g_spares.back().cap;
      g_spares.pop_back();
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
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_spares.capacity() < kMaxSpares) {
      try {
        g_spares.reserve(kMaxSpares);
      } catch (const std::bad_alloc &) {
      }
    }
    if (g_spares.size() < g_spares.capacity() && g_spares.size() < kMaxSpares) {
      g_spares.push_back(Spare{buf_, cap_});
      return;
    }
  }
  bson_free(buf_);
}

namespace scratch {
void lock_for_fork() { g_mutex.lock(); }
void unlock_after_fork() { g_mutex.unlock(); }
}  // namespace scratch

}  // namespace mongo_odm::core
