// Small RAII and helper pieces over libbson used throughout the core.
#pragma once

#include <bson/bson.h>
#include <mongo_odm/doc.h>

#include <string>

namespace mongo_odm::core {

// An owned, initialized bson_t on the stack.
class Bson {
 public:
  Bson() { bson_init(&doc_); }
  ~Bson() { bson_destroy(&doc_); }
  Bson(const Bson &) = delete;
  Bson &operator=(const Bson &) = delete;

  bson_t *get() { return &doc_; }
  const bson_t *get() const { return &doc_; }
  // Moves the contents into caller storage `out` (uninitialized) and leaves this empty.
  void steal_into(bson_t *out) {
    bson_steal(out, &doc_);
    bson_init(&doc_);
  }

 private:
  bson_t doc_;
};

// Initializes `out` (caller storage, may be NULL) as an empty document. Used by every function
// whose contract says "always initialized, also on failure".
inline void init_out(bson_t *out) {
  if (out) bson_init(out);
}

// {} when `doc` is NULL.
const bson_t *or_empty(const bson_t *doc);

// True when `text` is valid UTF-8 (without NUL bytes unless `allow_nul`: BSON string values
// may hold NUL, keys and C strings cannot).
bool valid_utf8(const char *text, size_t len, bool allow_nul = false);
inline bool valid_utf8(const std::string &s) { return valid_utf8(s.data(), s.size()); }

// Checks a document the library will store (insert/replace/save) in one pass: structurally
// valid, UTF-8 keys and strings, no empty key, no top-level key starting with '$', at most the
// 16 MiB MongoDB limit. Throws Code::encoding naming the problem.
void check_storable(const bson_t *doc, const char *what);

// Throws Code::encoding unless every key and every string-like value (string, symbol, code,
// regex, DBPointer collection) of `doc`, embedded documents and arrays included, is UTF-8
// without NUL. libbson 1.23's bson_validate(BSON_VALIDATE_UTF8) checks keys but lets invalid
// string values through (upstream rewrote the validator later, CDRIVER-6017), so the library
// does this walk itself. `doc` must be well-formed (bson_validate() passed).
void check_utf8_deep(const bson_t *doc, const char *what);

// Checks BSON read from an untrusted source (mongo_odm_doc_from_bson): structure and UTF-8.
void check_wellformed(const bson_t *doc, const char *what);

// The text a value of a text-carrying type holds, each part named for messages: a string,
// symbol or code (one part), the code of a code-with-scope, the collection of a DBPointer, the
// pattern and the options of a regex (two parts). `c_strings`: code, DBPointer collections and
// regexes are read up to their NUL, as bson_append_value() writes them (a caller's
// bson_value_t); else the lengths the value carries (a BSON iterator's). Returns the number of
// parts, 0 for a type without text. A part's NULL pointer is passed on (the caller refuses it).
struct TextPart {
  const char *text;
  size_t len;
  const char *what;
};
int text_parts(const bson_value_t &v, bool c_strings, TextPart parts[2]);

// Reads an integer count field (int32/int64/double) of a reply; 0 when absent.
int64_t reply_count(const bson_t *reply, const char *field);

// The public limits (mongo_odm/doc.h), for the core.
constexpr int32_t kMaxBsonSize = MONGO_ODM_MAX_DOCUMENT_SIZE;
constexpr int kMaxDepth = MONGO_ODM_MAX_DOCUMENT_DEPTH;

}  // namespace mongo_odm::core
