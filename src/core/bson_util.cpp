#include "bson_util.hpp"

#include <cstring>
#include <string>

#include "error.hpp"

namespace mongo_odm::core {

const bson_t *or_empty(const bson_t *doc) {
  static const bson_t empty = BSON_INITIALIZER;
  return doc ? doc : &empty;
}

namespace {

// libbson's validation, except that with allow_nul it also accepts "\xC0\x80" (the overlong,
// "modified UTF-8" form of NUL), which is not UTF-8: drivers refuse to decode it (Python's
// codec included), so a value holding it could be stored but never read back. 0xC0 never
// occurs in UTF-8, so refusing the byte refuses exactly that form.
bool slow_valid_utf8(const char *text, size_t len, bool allow_nul) {
  if (allow_nul && std::memchr(text, 0xC0, len)) return false;
  return bson_utf8_validate(text, len, allow_nul);
}

}  // namespace

bool valid_utf8(const char *text, size_t len, bool allow_nul) {
  // Fast path: plain ASCII without NUL, eight bytes at a time. Anything else (or a NUL) goes to
  // libbson's full validation, which gives the verdict.
  const unsigned char *p = reinterpret_cast<const unsigned char *>(text);
  size_t i = 0;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if ((w & kHigh) || ((w - kOnes) & ~w & kHigh)) return slow_valid_utf8(text, len, allow_nul);
  }
  for (; i < len; ++i) {
    if (p[i] == 0 || p[i] >= 0x80) return slow_valid_utf8(text, len, allow_nul);
  }
  return true;
}

namespace {

// The first problem found in `iter`'s document, or "" when clean: corrupt structure, a key or
// a string value that is not UTF-8 (string values may hold NUL, keys cannot). With `storable`,
// also an empty key anywhere and a top-level key starting with '$'. One walk serves every check
// of a document the library stores, so a save costs one pass over its bytes.
std::string walk(bson_iter_t *iter, int depth, bool storable) {
  // Deeper input is refused rather than recursed into (depth 0 is the top-level document).
  if (depth >= kMaxDepth) return "documents are nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)";
  while (bson_iter_next(iter)) {
    const char *key = bson_iter_key(iter);
    const uint32_t key_len = bson_iter_key_len(iter);
    if (!valid_utf8(key, key_len)) return "a key is not valid UTF-8";
    if (storable) {
      if (key_len == 0) return "empty keys are not allowed";
      if (depth == 0 && key[0] == '$') return std::string("key '") + key + "' must not start with '$'";
    }
    const char *text = nullptr;
    uint32_t len = 0;
    bool checked_text = true;
    switch (bson_iter_type(iter)) {
      case BSON_TYPE_UTF8:
        text = bson_iter_utf8(iter, &len);
        break;
      case BSON_TYPE_SYMBOL:
        text = bson_iter_symbol(iter, &len);
        break;
      case BSON_TYPE_CODE:
        text = bson_iter_code(iter, &len);
        break;
      case BSON_TYPE_DBPOINTER:
        bson_iter_dbpointer(iter, &len, &text, nullptr);
        break;
      case BSON_TYPE_REGEX: {
        const char *options = nullptr;
        const char *regex = bson_iter_regex(iter, &options);
        if (!regex || !options || !valid_utf8(regex, std::strlen(regex)) ||
            !valid_utf8(options, std::strlen(options))) {
          return std::string("the regex of '") + key + "' is not valid UTF-8";
        }
        checked_text = false;
        break;
      }
      case BSON_TYPE_CODEWSCOPE: {
        uint32_t scope_len = 0;
        const uint8_t *scope_data = nullptr;
        text = bson_iter_codewscope(iter, &len, &scope_len, &scope_data);
        bson_t scope;
        bson_iter_t child;
        if (!scope_data || !bson_init_static(&scope, scope_data, scope_len) || !bson_iter_init(&child, &scope)) {
          return std::string("the scope of '") + key + "' is corrupt";
        }
        std::string inner = walk(&child, depth + 1, false);
        if (!inner.empty()) return inner;
        break;
      }
      case BSON_TYPE_DOCUMENT:
      case BSON_TYPE_ARRAY: {
        // bson_init_static() checks the embedded document's trailing NUL, which libbson 1.23's
        // bson_iter_recurse() and bson_validate() do not: a document whose last byte is not 0
        // would pass them, be stored, and be refused by every reader.
        uint32_t doc_len = 0;
        const uint8_t *data = nullptr;
        if (BSON_ITER_HOLDS_DOCUMENT(iter)) {
          bson_iter_document(iter, &doc_len, &data);
        } else {
          bson_iter_array(iter, &doc_len, &data);
        }
        bson_t embedded;
        bson_iter_t child;
        if (!data || !bson_init_static(&embedded, data, doc_len) || !bson_iter_init(&child, &embedded)) {
          return std::string("the value of '") + key + "' is corrupt";
        }
        std::string inner = walk(&child, depth + 1, storable);
        if (!inner.empty()) return inner;
        checked_text = false;
        break;
      }
      default:
        checked_text = false;
        break;
    }
    if (checked_text && (!text || !valid_utf8(text, len, /*allow_nul=*/true))) {
      return std::string("the string value of '") + key + "' is not valid UTF-8";
    }
  }
  if (iter->err_off) return "corrupt BSON at byte " + std::to_string(iter->err_off);
  return std::string();
}

void walk_or_fail(const bson_t *doc, const char *what, bool storable) {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, doc)) fail(Code::encoding, std::string(what) + ": corrupt BSON");
  const std::string problem = walk(&iter, 0, storable);
  if (!problem.empty()) fail(Code::encoding, std::string(what) + ": " + problem);
}

}  // namespace

void check_utf8_deep(const bson_t *doc, const char *what) { walk_or_fail(doc, what, false); }

void check_wellformed(const bson_t *doc, const char *what) {
  // Bytes from outside (mongo_odm_doc_from_bson): libbson's full structural validation first.
  bson_error_t error;
  if (!bson_validate_with_error(doc, BSON_VALIDATE_NONE, &error)) {
    fail(Code::encoding, std::string(what) + ": " + error.message);
  }
  walk_or_fail(doc, what, false);
}

void check_storable(const bson_t *doc, const char *what) {
  if (doc->len > static_cast<uint32_t>(kMaxBsonSize)) {
    fail(Code::encoding, std::string(what) + ": document is " + std::to_string(doc->len) +
                             " bytes, over the 16 MiB (" + std::to_string(kMaxBsonSize) + " bytes) limit");
  }
  walk_or_fail(doc, what, true);
}

int64_t reply_count(const bson_t *reply, const char *field) {
  bson_iter_t iter;
  if (bson_iter_init_find(&iter, reply, field) && BSON_ITER_HOLDS_NUMBER(&iter)) {
    return bson_iter_as_int64(&iter);
  }
  return 0;
}

}  // namespace mongo_odm::core
