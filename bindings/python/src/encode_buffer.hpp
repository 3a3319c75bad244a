// A reused buffer for encoding the documents the extension sends whole (replace_one, insert_one).
//
// As in the core's commands (src/core/scratch.hpp, which the extension cannot reach through the
// C API): a fresh multi-megabyte buffer per save costs more in page faults than the copy, so
// an EncodeBuffer takes a spare one. Spares are taken and given back with the GIL held (the
// encoding needs it), which is their only lock: at most kMaxSpares of at most kMaxKeptBytes are
// kept. The document stays valid while the EncodeBuffer lives, GIL released or not.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>

namespace mongo_odm_py {

class EncodeBuffer {
 public:
  static constexpr size_t kMaxKeptBytes = size_t{32} << 20;
  static constexpr size_t kMaxSpares = 2;

  EncodeBuffer();   // GIL held
  ~EncodeBuffer();  // GIL held
  EncodeBuffer(const EncodeBuffer &) = delete;
  EncodeBuffer &operator=(const EncodeBuffer &) = delete;

  bson_t *get() { return doc_; }

 private:
  uint8_t *buf_ = nullptr;
  size_t cap_ = 0;
  bson_t *doc_ = nullptr;
};

}  // namespace mongo_odm_py
