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
size_t c_len(const char *text) { return text ? std::strlen(text) : 0; }
}  // namespace

int text_parts(const bson_value_t &v, bool c_strings, TextPart parts[2]) {
  const auto &u = v.value;
  switch (v.value_type) {
    case BSON_TYPE_UTF8:
      parts[0] = {u.v_utf8.str, u.v_utf8.len, "string"};
      return 1;
    case BSON_TYPE_SYMBOL:
      parts[0] = {u.v_symbol.symbol, u.v_symbol.len, "symbol"};
      return 1;
    case BSON_TYPE_CODE:
      parts[0] = {u.v_code.code, c_strings ? c_len(u.v_code.code) : u.v_code.code_len, "code"};
      return 1;
    case BSON_TYPE_CODEWSCOPE:
      parts[0] = {u.v_codewscope.code, c_strings ? c_len(u.v_codewscope.code) : u.v_codewscope.code_len, "code"};
      return 1;
    case BSON_TYPE_DBPOINTER:
      parts[0] = {u.v_dbpointer.collection,
                  c_strings ? c_len(u.v_dbpointer.collection) : u.v_dbpointer.collection_len, "DBPointer collection"};
      return 1;
    case BSON_TYPE_REGEX:
      parts[0] = {u.v_regex.regex, c_len(u.v_regex.regex), "regex"};
      parts[1] = {u.v_regex.options, c_len(u.v_regex.options), "regex options"};
      return 2;
    default:
      return 0;
  }
}

namespace {

std::string walk(bson_iter_t *iter, int depth, bool storable);

// An embedded document, array or code scope of `len` bytes at `data`: walked one level deeper.
std::string walk_embedded(const uint8_t *data, uint32_t len, int depth, bool storable, const char *key,
                          const char *what) {
  // bson_init_static() checks the embedded document's trailing NUL, which libbson 1.23's
  // bson_iter_recurse() and bson_validate() do not: a document whose last byte is not 0 would
  // pass them, be stored, and be refused by every reader.
  bson_t embedded;
  bson_iter_t child;
  if (!data || !bson_init_static(&embedded, data, len) || !bson_iter_init(&child, &embedded)) {
    return std::string("the ") + what + " of '" + key + "' is corrupt";
  }
  return walk(&child, depth + 1, storable);
}

// The problem with one element's value, or "".
std::string check_element(const bson_iter_t *iter, const char *key, int depth, bool storable) {
  const bson_value_t *value = bson_iter_value(const_cast<bson_iter_t *>(iter));
  TextPart parts[2];
  const int n = text_parts(*value, /*c_strings=*/false, parts);
  for (int i = 0; i < n; ++i) {
    // A length-prefixed string ends in the NUL its length counts: libbson 1.23 does not check
    // that for a code-with-scope's code, and a reader taking the code as a C string would run
    // past its end. (The byte is inside the document: the length was checked against it.)
    if (parts[i].text && parts[i].text[parts[i].len] != '\0') {
      return std::string("the ") + parts[i].what + " of '" + key + "' has no terminating NUL (corrupt BSON)";
    }
    // String values may hold NUL; a regex's parts are C strings (they cannot).
    if (!parts[i].text || !valid_utf8(parts[i].text, parts[i].len, value->value_type != BSON_TYPE_REGEX)) {
      return value->value_type == BSON_TYPE_REGEX ? std::string("the regex of '") + key + "' is not valid UTF-8"
                                                   : std::string("the string value of '") + key + "' is not valid UTF-8";
    }
  }
  switch (value->value_type) {
    case BSON_TYPE_CODEWSCOPE:
      return walk_embedded(value->value.v_codewscope.scope_data, value->value.v_codewscope.scope_len, depth, false, key,
                           "scope");
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      return walk_embedded(value->value.v_doc.data, value->value.v_doc.data_len, depth, storable, key, "value");
    default:
      return std::string();
  }
}

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
    if (storable && key_len == 0) return "empty keys are not allowed";
    if (storable && depth == 0 && key[0] == '$') return std::string("key '") + key + "' must not start with '$'";
    std::string problem = check_element(iter, key, depth, storable);
    if (!problem.empty()) return problem;
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
