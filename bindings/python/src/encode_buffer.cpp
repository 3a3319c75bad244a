#include "encode_buffer.hpp"

#include <cstring>
#include <new>

namespace mongo_odm_py {

namespace {

struct Spare {
  uint8_t *buf;
  size_t cap;
};

// Guarded by the GIL.
Spare g_spares[EncodeBuffer::kMaxSpares];
size_t g_spare_count = 0;

}  // namespace

EncodeBuffer::EncodeBuffer() {
  if (g_spare_count > 0) {
    const Spare &spare = g_spares[--g_spare_count];
    buf_ = spare.buf;
    cap_ = spare.cap;
    static const uint8_t kEmpty[5] = {5, 0, 0, 0, 0};
    std::memcpy(buf_, kEmpty, sizeof kEmpty);
  }
  // Over buf_ (5 bytes allocated when NULL); growing it updates buf_ and cap_.
  doc_ = bson_new_from_buffer(&buf_, &cap_, nullptr, nullptr);
  if (!doc_) throw std::bad_alloc();
}

EncodeBuffer::~EncodeBuffer() {
  bson_destroy(doc_);  // frees the bson_t, not the buffer (BSON_FLAG_NO_FREE)
  if (buf_ && cap_ <= kMaxKeptBytes && g_spare_count < kMaxSpares) {
    g_spares[g_spare_count++] = Spare{buf_, cap_};
    return;
  }
  bson_free(buf_);
}

}  // namespace mongo_odm_py
