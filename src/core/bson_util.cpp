#include "bson_util.hpp"

#include <string>

#include "error.hpp"

namespace mongo_odm {

const bson_t *or_empty(const bson_t *doc) {
  static const bson_t empty = BSON_INITIALIZER;
  return doc ? doc : &empty;
}

bool valid_utf8(const char *text, size_t len) { return bson_utf8_validate(text, len, false); }

void check_wellformed(const bson_t *doc, const char *what) {
  bson_error_t error;
  if (!bson_validate_with_error(doc, BSON_VALIDATE_UTF8, &error)) {
    fail(Code::encoding, std::string(what) + ": " + error.message);
  }
}

void check_storable(const bson_t *doc, const char *what) {
  if (doc->len > static_cast<uint32_t>(kMaxBsonSize)) {
    fail(Code::encoding, std::string(what) + ": document is " + std::to_string(doc->len) +
                             " bytes, over the 16 MiB (16777216 bytes) limit");
  }
  bson_error_t error;
  if (!bson_validate_with_error(doc, static_cast<bson_validate_flags_t>(BSON_VALIDATE_UTF8 | BSON_VALIDATE_EMPTY_KEYS),
                                &error)) {
    fail(Code::encoding, std::string(what) + ": " + error.message);
  }
  bson_iter_t iter;
  if (!bson_iter_init(&iter, doc)) fail(Code::encoding, std::string(what) + ": corrupt BSON");
  while (bson_iter_next(&iter)) {
    const char *key = bson_iter_key(&iter);
    if (key[0] == '$') {
      fail(Code::encoding, std::string(what) + ": key '" + key + "' must not start with '$'");
    }
  }
}

bool find_value(const bson_t *doc, const char *key, bson_iter_t *iter) {
  return bson_iter_init_find(iter, doc, key);
}

int64_t reply_count(const bson_t *reply, const char *field) {
  bson_iter_t iter;
  if (bson_iter_init_find(&iter, reply, field) && BSON_ITER_HOLDS_NUMBER(&iter)) {
    return bson_iter_as_int64(&iter);
  }
  return 0;
}

}  // namespace mongo_odm
