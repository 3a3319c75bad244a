// Shared by the libFuzzer targets of tests/fuzz: the models the documents are checked against,
// an assertion that aborts (libFuzzer then saves the input), and small BSON helpers.
//
// The targets use only the public C API (mongo_odm.h), as an application would.
#pragma once

#include <mongo_odm.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// A property the library promises was violated: report and abort, so that libFuzzer records the
// input as a crash (and tests/fuzz/run.sh fails).
#define FUZZ_CHECK(cond)                                                                      \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

namespace fuzz {

// Reads an input front to back, so that tests/fuzz/make_corpus.py can spell meaningful seeds:
// integers are little-endian in the fewest bytes that hold their range, strings are a length
// (one byte, two when the maximum exceeds 255) then the bytes. Past the end everything reads
// as zero bytes.
class Input {
 public:
  Input(const uint8_t *data, size_t size) : p_(data), left_(size) {}
  size_t remaining_bytes() const { return left_; }

  uint64_t raw(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(byte()) << (8 * i);
    return v;
  }
  template <typename T>
  T ConsumeIntegral() {
    const uint64_t v = raw(sizeof(T));
    T out;
    std::memcpy(&out, &v, sizeof out);  // little-endian host
    return out;
  }
  template <typename T>
  T ConsumeIntegralInRange(T lo, T hi) {
    const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    const size_t n = range < 0x100 ? 1 : range < 0x10000 ? 2 : range < 0x100000000ull ? 4 : 8;
    const uint64_t v = raw(n);
    return static_cast<T>(static_cast<uint64_t>(lo) + (range == UINT64_MAX ? v : v % (range + 1)));
  }
  bool ConsumeBool() { return byte() & 1; }
  double ConsumeFloatingPoint() { return ConsumeIntegral<double>(); }
  std::string ConsumeBytesAsString(size_t n) {
    std::string out;
    while (n-- > 0 && left_ > 0) out += static_cast<char>(byte());
    return out;
  }
  std::string ConsumeRandomLengthString(size_t max) {
    const size_t len = static_cast<size_t>(raw(max > 0xFF ? 2 : 1));
    return ConsumeBytesAsString(len < max ? len : max);
  }

 private:
  uint8_t byte() {
    if (left_ == 0) return 0;
    --left_;
    return *p_++;
  }
  const uint8_t *p_;
  size_t left_;
};


// A failed call must leave a documented code and a non-empty, NUL-terminated UTF-8 message.
inline void check_error(const mongo_odm_error_t &err, std::initializer_list<uint32_t> allowed) {
  bool ok = false;
  for (uint32_t c : allowed) ok = ok || err.code == c;
  if (!ok) {
    std::fprintf(stderr, "unexpected error %s: %s\n", mongo_odm_error_code_name(err.code), err.message);
  }
  FUZZ_CHECK(ok);
  const size_t len = strnlen(err.message, sizeof err.message);
  FUZZ_CHECK(len > 0 && len < sizeof err.message);
  FUZZ_CHECK(bson_utf8_validate(err.message, len, false));
}

inline void check_ok(const mongo_odm_error_t &err) {
  if (err.code != MONGO_ODM_OK) {
    std::fprintf(stderr, "unexpected error %s: %s\n", mongo_odm_error_code_name(err.code), err.message);
  }
  FUZZ_CHECK(err.code == MONGO_ODM_OK && err.message[0] == '\0');
}

// The models every document is tried against.
struct Models {
  // No collection name, no declared fields, no composite key.
  mongo_odm_model_t *plain = nullptr;
  // Declared fields of every type ("name" REQUIRED, "note" NULLABLE) and a composite key over
  // two of them ("tenant", "n").
  mongo_odm_model_t *typed = nullptr;
  // A composite key over fields that are not declared.
  mongo_odm_model_t *loose_key = nullptr;
};

inline const Models &models() {
  static Models m = [] {
    FUZZ_CHECK(mongo_odm_init());
    Models out;
    mongo_odm_error_t err;
    out.plain = mongo_odm_model_new(nullptr, &err);
    out.typed = mongo_odm_model_new("typed", &err);
    out.loose_key = mongo_odm_model_new("loose", &err);
    FUZZ_CHECK(out.plain && out.typed && out.loose_key);
    struct {
      const char *name;
      mongo_odm_field_type_t type;
      unsigned flags;
    } fields[] = {
        {"name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED},
        {"tenant", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_NULLABLE},
        {"n", MONGO_ODM_TYPE_ANY, 0},
        {"age", MONGO_ODM_TYPE_INT32, 0},
        {"big", MONGO_ODM_TYPE_INT64, 0},
        {"score", MONGO_ODM_TYPE_DOUBLE, 0},
        {"ok", MONGO_ODM_TYPE_BOOL, 0},
        {"when", MONGO_ODM_TYPE_DATETIME, 0},
        {"ref", MONGO_ODM_TYPE_OID, 0},
        {"sub", MONGO_ODM_TYPE_DOCUMENT, 0},
        {"tags", MONGO_ODM_TYPE_ARRAY, 0},
        {"blob", MONGO_ODM_TYPE_BINARY, 0},
        {"price", MONGO_ODM_TYPE_DECIMAL128, 0},
        {"note", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_NULLABLE},
    };
    for (const auto &f : fields) FUZZ_CHECK(mongo_odm_model_add_field(out.typed, f.name, f.type, f.flags, &err));
    const char *key[] = {"tenant", "n"};
    FUZZ_CHECK(mongo_odm_model_set_composite_key(out.typed, key, 2, &err));
    const char *loose[] = {"a", "b"};
    FUZZ_CHECK(mongo_odm_model_set_composite_key(out.loose_key, loose, 2, &err));
    return out;
  }();
  return m;
}

// RFC 3629 UTF-8, written independently of libbson: no overlong forms (so no "\xc0\x80" for
// NUL), no surrogates, nothing above U+10FFFF; NUL bytes only when `allow_nul`.
inline bool strict_utf8(const char *text, size_t len, bool allow_nul) {
  const auto *p = reinterpret_cast<const unsigned char *>(text);
  size_t i = 0;
  while (i < len) {
    // (ASCII without NUL eight bytes at a time: very long keys are checked after every step)
    uint64_t w;
    if (i + 8 <= len && (std::memcpy(&w, p + i, 8), !(w & 0x8080808080808080ull)) &&
        !((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull)) {
      i += 8;
      continue;
    }
    const unsigned c = p[i];
    if (c < 0x80) {
      if (c == 0 && !allow_nul) return false;
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      n = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + n > len) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

// Every key and string-like value of `doc`, at any depth, is strict UTF-8 (string values may
// hold NUL, keys cannot).
inline bool strict_utf8_deep(const bson_t *doc, int depth = 0) {
  bson_iter_t iter;
  if (depth > 250 || !bson_iter_init(&iter, doc)) {
    std::fprintf(stderr, "strict_utf8_deep: cannot iterate at depth %d\n", depth);
    return false;
  }
  while (bson_iter_next(&iter)) {
    if (!strict_utf8(bson_iter_key(&iter), bson_iter_key_len(&iter), false)) {
      std::fprintf(stderr, "strict_utf8_deep: key at depth %d is not UTF-8\n", depth);
      return false;
    }
    uint32_t len = 0;
    const char *text = nullptr;
    switch (bson_iter_type(&iter)) {
      case BSON_TYPE_UTF8: text = bson_iter_utf8(&iter, &len); break;
      case BSON_TYPE_CODE: text = bson_iter_code(&iter, &len); break;
      case BSON_TYPE_SYMBOL: text = bson_iter_symbol(&iter, &len); break;
      case BSON_TYPE_DBPOINTER: bson_iter_dbpointer(&iter, &len, &text, nullptr); break;
      case BSON_TYPE_REGEX: {
        const char *options = nullptr;
        const char *regex = bson_iter_regex(&iter, &options);
        if (!strict_utf8(regex, std::strlen(regex), false) || !strict_utf8(options, std::strlen(options), false)) {
          std::fprintf(stderr, "strict_utf8_deep: regex '%s' at depth %d is not UTF-8\n", bson_iter_key(&iter), depth);
          return false;
        }
        continue;
      }
      case BSON_TYPE_CODEWSCOPE: {
        uint32_t scope_len = 0;
        const uint8_t *scope_data = nullptr;
        text = bson_iter_codewscope(&iter, &len, &scope_len, &scope_data);
        bson_t scope;
        if (!scope_data || !bson_init_static(&scope, scope_data, scope_len)) {
          std::fprintf(stderr, "strict_utf8_deep: scope of '%s' at depth %d is not a document\n", bson_iter_key(&iter), depth);
          return false;
        }
        if (!strict_utf8_deep(&scope, depth + 1)) return false;
        break;
      }
      case BSON_TYPE_DOCUMENT:
      case BSON_TYPE_ARRAY: {
        const uint8_t *data = nullptr;
        bson_t child;
        if (BSON_ITER_HOLDS_DOCUMENT(&iter)) {
          bson_iter_document(&iter, &len, &data);
        } else {
          bson_iter_array(&iter, &len, &data);
        }
        if (!data || !bson_init_static(&child, data, len)) {
          std::fprintf(stderr, "strict_utf8_deep: '%s' at depth %d is not a document\n", bson_iter_key(&iter), depth);
          return false;
        }
        if (!strict_utf8_deep(&child, depth + 1)) return false;
        continue;
      }
      default: continue;
    }
    if (!text || !strict_utf8(text, len, true)) {
      std::fprintf(stderr, "strict_utf8_deep: value of '%s' (type 0x%02x) at depth %d is not UTF-8\n",
                   bson_iter_key(&iter), static_cast<unsigned>(bson_iter_type(&iter)), depth);
      return false;
    }
  }
  if (iter.err_off) std::fprintf(stderr, "strict_utf8_deep: corrupt at depth %d\n", depth);
  return iter.err_off == 0;
}

inline bool is_hex(const char *s, size_t n, bool lower_only) {
  if (!s || std::strlen(s) != n) return false;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[i];
    const bool digit = c >= '0' && c <= '9';
    const bool lower = c >= 'a' && c <= 'f';
    const bool upper = c >= 'A' && c <= 'F';
    if (!digit && !lower && !(upper && !lower_only)) return false;
  }
  return true;
}

inline std::string bytes_of(const bson_t *doc) {
  return std::string(reinterpret_cast<const char *>(bson_get_data(doc)), doc->len);
}

// The document's to_bson() bytes, or "" when it fails (then the error is checked).
inline std::string to_bson_bytes(const mongo_odm_doc_t *doc, bool exclude_none) {
  bson_t out;
  mongo_odm_error_t err;
  const bool ok = mongo_odm_doc_to_bson(doc, exclude_none, &out, &err);
  std::string bytes;
  if (ok) {
    check_ok(err);
    FUZZ_CHECK(bson_validate(&out, BSON_VALIDATE_NONE, nullptr));
    FUZZ_CHECK(strict_utf8_deep(&out));
    bytes = bytes_of(&out);
  } else {
    check_error(err, {MONGO_ODM_ERROR_VALIDATION, MONGO_ODM_ERROR_ENCODING});
    FUZZ_CHECK(out.len == 5);  // `out` is initialized (empty) on failure too
  }
  bson_destroy(&out);
  return bytes;
}

// A snapshot of everything observable about a document, to check that failed calls change
// nothing and that copies are equal.
struct Snapshot {
  std::string fields;
  std::string id;
  bool has_id;
  bool operator==(const Snapshot &o) const { return fields == o.fields && id == o.id && has_id == o.has_id; }
};

inline Snapshot snapshot(const mongo_odm_doc_t *doc) {
  const char *id = mongo_odm_doc_id(doc);
  return Snapshot{bytes_of(mongo_odm_doc_fields(doc)), id ? std::string(id) : std::string("<none>"),
                  mongo_odm_doc_has(doc, "_id")};
}

// Reads every field through every getter; checks what must hold for a loaded or built document.
inline void read_everything(const mongo_odm_doc_t *doc) {
  const mongo_odm_model_t *model = mongo_odm_doc_model(doc);
  const bson_t *fields = mongo_odm_doc_fields(doc);
  FUZZ_CHECK(fields && bson_validate(fields, BSON_VALIDATE_NONE, nullptr));
  // Whatever got in (loaded or set) is UTF-8 that any driver can read back.
  FUZZ_CHECK(strict_utf8_deep(fields));

  const char *id = mongo_odm_doc_id(doc);
  const bson_value_t *id_value = mongo_odm_doc_get(doc, "_id");
  FUZZ_CHECK(id_value == mongo_odm_doc_get(doc, "id"));
  FUZZ_CHECK(mongo_odm_doc_has(doc, "_id") == (id_value != nullptr));
  FUZZ_CHECK(mongo_odm_doc_has(doc, "id") == (id_value != nullptr));
  FUZZ_CHECK(!mongo_odm_doc_is_extra(doc, "_id") && !mongo_odm_doc_is_extra(doc, "id"));
  if (mongo_odm_model_composite_key_size(model) > 0) {
    // A composite id is the md5 hex of the key fields, or nothing.
    FUZZ_CHECK(!id || is_hex(id, 32, true));
    FUZZ_CHECK((id != nullptr) == (id_value != nullptr));
  }
  if (id) {
    FUZZ_CHECK(id_value);
    if (id_value->value_type == BSON_TYPE_UTF8) {
      FUZZ_CHECK(std::strlen(id) == id_value->value.v_utf8.len && std::memcmp(id, id_value->value.v_utf8.str, std::strlen(id)) == 0);
    } else {
      FUZZ_CHECK(id_value->value_type == BSON_TYPE_OID && is_hex(id, 24, true));
    }
  }

  bson_iter_t iter;
  FUZZ_CHECK(bson_iter_init(&iter, fields));
  while (bson_iter_next(&iter)) {
    const char *key = bson_iter_key(&iter);
    // A loaded document may keep an "id" field beside "_id"; get/has("id") address the id.
    if (std::strcmp(key, "id") == 0 || std::strcmp(key, "_id") == 0) continue;
    FUZZ_CHECK(mongo_odm_doc_has(doc, key));
    const bson_value_t *v = mongo_odm_doc_get(doc, key);
    FUZZ_CHECK(v);
    const char *s = mongo_odm_doc_get_utf8(doc, key);
    FUZZ_CHECK((s != nullptr) == (v->value_type == BSON_TYPE_UTF8));
    int32_t i32;
    int64_t i64;
    double d;
    bool b;
    FUZZ_CHECK(mongo_odm_doc_get_int32(doc, key, &i32) == (v->value_type == BSON_TYPE_INT32));
    FUZZ_CHECK(mongo_odm_doc_get_bool(doc, key, &b) == (v->value_type == BSON_TYPE_BOOL));
    (void)mongo_odm_doc_get_int64(doc, key, &i64);
    (void)mongo_odm_doc_get_double(doc, key, &d);
    (void)mongo_odm_doc_is_extra(doc, key);
    // The value handed out stays valid while the document is unchanged: re-reading gives the
    // same pointer.
    FUZZ_CHECK(mongo_odm_doc_get(doc, key) == v);
  }
  FUZZ_CHECK(iter.err_off == 0);
}

}  // namespace fuzz
