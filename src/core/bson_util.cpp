#include "bson_util.hpp"

#include <cstring>
#include <string>

#include "error.hpp"

namespace mongo_odm {

const bson_t *or_empty(const bson_t *doc) {
  static const bson_t empty = BSON_INITIALIZER;
  return doc ? doc : &empty;
}

bool valid_utf8(const char *text, size_t len) { return bson_utf8_validate(text, len, false); }

namespace {

// MongoDB nests documents at most 100 deep; deeper input is refused rather than recursed into.
constexpr int kMaxDepth = 200;

// The first problem found in `iter`'s document (keys and string values), or "" when clean.
std::string utf8_problem(bson_iter_t *iter, int depth) {
  if (depth > kMaxDepth) return "documents are nested too deeply";
  while (bson_iter_next(iter)) {
    const char *key = bson_iter_key(iter);
    if (!valid_utf8(key, std::strlen(key))) return "a key is not valid UTF-8";
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
        std::string inner = utf8_problem(&child, depth + 1);
        if (!inner.empty()) return inner;
        break;
      }
      case BSON_TYPE_DOCUMENT:
      case BSON_TYPE_ARRAY: {
        bson_iter_t child;
        if (!bson_iter_recurse(iter, &child)) return std::string("the value of '") + key + "' is corrupt";
        std::string inner = utf8_problem(&child, depth + 1);
        if (!inner.empty()) return inner;
        checked_text = false;
        break;
      }
      default:
        checked_text = false;
        break;
    }
    if (checked_text && (!text || !valid_utf8(text, len))) {
      return std::string("the string value of '") + key + "' is not valid UTF-8";
    }
  }
  if (iter->err_off) return "corrupt BSON";
  return std::string();
}

}  // namespace

void check_utf8_deep(const bson_t *doc, const char *what) {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, doc)) fail(Code::encoding, std::string(what) + ": corrupt BSON");
  const std::string problem = utf8_problem(&iter, 0);
  if (!problem.empty()) fail(Code::encoding, std::string(what) + ": " + problem);
}

void check_wellformed(const bson_t *doc, const char *what) {
  bson_error_t error;
  if (!bson_validate_with_error(doc, BSON_VALIDATE_UTF8, &error)) {
    fail(Code::encoding, std::string(what) + ": " + error.message);
  }
  check_utf8_deep(doc, what);
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
  check_utf8_deep(doc, what);
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
