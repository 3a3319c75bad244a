// Reused buffers for the commands that carry whole documents (replace_one, save).
//
// A document of megabytes, built into a fresh buffer for every save, costs more in page faults
// than in copying: the allocator maps new memory for each buffer of that size and unmaps it on
// free, so every page is faulted in again on every save. A ScratchBson takes a spare buffer
// instead, and gives it back when it is done. At most kMaxSpares buffers of at most
// kMaxKeptBytes each are kept between calls (the biggest document a server takes, 16 MiB, fits
// in one with its command around it); a bigger one is freed.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>

namespace mongo_odm::core {

class ScratchBson {
 public:
  static constexpr size_t kMaxKeptBytes = size_t{32} << 20;
  static constexpr size_t kMaxSpares = 4;

  ScratchBson();  // an empty document in a spare buffer (or a new one)
  ~ScratchBson();
  ScratchBson(const ScratchBson &) = delete;
  ScratchBson &operator=(const ScratchBson &) = delete;

  bson_t *get() { return doc_; }
  const bson_t *get() const { return doc_; }

 private:
  uint8_t *buf_ = nullptr;
  size_t cap_ = 0;
  bson_t *doc_ = nullptr;
};

namespace scratch {
// fork(): the spare list is locked across it (library.cpp's handlers).
void lock_for_fork();
void unlock_after_fork();
// Frees the spare buffers kept between calls (mongo_odm_cleanup() calls it). Buffers in use are
// not affected; they become spares again when their command is done.
void release_spares();
}  // namespace scratch

}  // namespace mongo_odm::core
