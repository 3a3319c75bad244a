/*
 * mongo_odm.hpp - a header-only C++17 wrapper over the C API of libmongo_odm.
 *
 * RAII handles (std::unique_ptr with the C destroy functions), exceptions instead of error
 * structs. It adds no behaviour: every call is the C function of the same name, so the C
 * headers' documentation applies word for word.
 *
 * Strings: every string argument takes `const char *`, `std::string` or `std::string_view`
 * (a string_view is copied to add the NUL the C API needs); optional ones also take
 * std::nullopt or a std::optional<std::string>.
 * Integers: Document::set() takes every integer type without ambiguity. A value outside int64
 * throws Error(MONGO_ODM_ERROR_INVALID_ARGUMENT). A field the document's model declares gets
 * its declared type whatever the C++ type: INT32 an int32 (a value outside int32 throws
 * Error(MONGO_ODM_ERROR_VALIDATION) naming the field), INT64 an int64, DOUBLE a double (a value
 * beyond +-2^53, which a double does not hold exactly, throws VALIDATION); so
 * doc.set("age", 5L) stores int32 5 in an INT32 field. Other keys (extra fields, ANY fields)
 * keep the C++ type: int32_t (int) and smaller signed types are stored as int32, int64_t (long,
 * long long) as int64; unsigned types (unsigned, unsigned long, size_t, ...) as int32 when the
 * value fits, else int64. Declared fields of other types refuse integers (VALIDATION, from the
 * C setter). On any error the document is unchanged.
 * Not found: get() and find_one() return std::optional<Document> (nullopt = not found; a
 * failure throws); typed getters return std::optional<T> (nullopt = absent or of another type).
 * Value semantics: Document is move-only (it owns one C document; a moved-from Document may
 * only be destroyed or assigned); copy() makes an independent deep copy. DocumentView is a
 * non-owning, read-only view (what a cursor yields), valid until the cursor advances.
 * Cursors work with range-for:  for (mongo_odm::DocumentView d : mongo_odm::find(model)) {...}
 * (an error stops the loop by throwing Error).
 *
 *   mongo_odm::Library lib;                                  // mongo_odm_init / _cleanup
 *   mongo_odm::connect();          // MONGO_URL...; or connect("mongodb://host", user, password, "app")
 *   mongo_odm::Model users("users");
 *   users.add_field("name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED);
 *   mongo_odm::Document alice(users);
 *   alice.set("name", "Alice");
 *   alice.save();
 *
 * Errors throw mongo_odm::Error (code(), server_code(), what()).
 *
 * Features of changes.h, index.h, bulk.h and projection.h are free functions and classes at the
 * end of this header (diff(), save(Collection&, ...), ensure_indexes(), list_indexes(),
 * BulkWriter, projection_of(), find_as(), find_one_as()) and members of Model
 * (set_use_state_management(), set_use_revision(), add_index(), set_check_updates(),
 * check_update()), Document (get_changes(), is_changed(), saved_state(), set_saved_state())
 * and Cursor (set_skip_invalid(), next_or_raw() for documents that no longer fit the model).
 */
#ifndef MONGO_ODM_HPP
#define MONGO_ODM_HPP

#include <mongo_odm.h>

#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace mongo_odm {

/* ---- errors ---------------------------------------------------------------------------- */

class Error : public std::runtime_error {
 public:
  explicit Error(const mongo_odm_error_t &e)
      : std::runtime_error(e.message), code_(e.code), server_code_(e.server_code) {}
  Error(uint32_t code, const std::string &message) : std::runtime_error(message), code_(code), server_code_(0) {}
  uint32_t code() const noexcept { return code_; }
  int32_t server_code() const noexcept { return server_code_; }
  const char *code_name() const noexcept { return mongo_odm_error_code_name(code_); }
  /* The finer cause (mongo_odm_error_reason()). */
  mongo_odm_error_reason_t reason() const noexcept {
    mongo_odm_error_t e{};
    e.code = code_;
    e.server_code = server_code_;
    return mongo_odm_error_reason(&e);
  }

 private:
  uint32_t code_;
  int32_t server_code_;
};

/* Throws when `ok` is false. The one place errors become exceptions. */
inline void check(bool ok, const mongo_odm_error_t &error) {
  if (!ok) throw Error(error);
}

namespace detail {

/* A string argument: `const char *`, std::string or std::string_view, as a NUL-terminated C
 * string (a string_view is copied). Only for binding function parameters: not copyable. */
class StringArg {
 public:
  StringArg(const char *s) noexcept : ptr_(s) {}  // NOLINT(google-explicit-constructor)
  StringArg(const std::string &s) noexcept : ptr_(s.c_str()) {}  // NOLINT
  StringArg(std::string_view s) : copy_(s), ptr_(copy_.c_str()) {}  // NOLINT
  StringArg(const StringArg &) = delete;
  StringArg &operator=(const StringArg &) = delete;
  const char *c_str() const noexcept { return ptr_; }

 private:
  std::string copy_;
  const char *ptr_;
};

/* An optional string argument: as StringArg, or absent (std::nullopt, an empty
 * std::optional<std::string>, or a NULL `const char *`). */
class OptionalStringArg {
 public:
  OptionalStringArg() noexcept = default;
  OptionalStringArg(std::nullopt_t) noexcept {}  // NOLINT
  OptionalStringArg(const char *s) noexcept : ptr_(s) {}  // NOLINT
  OptionalStringArg(const std::string &s) noexcept : ptr_(s.c_str()) {}  // NOLINT
  OptionalStringArg(std::string_view s) : copy_(s), ptr_(copy_.c_str()) {}  // NOLINT
  OptionalStringArg(const std::optional<std::string> &s) noexcept : ptr_(s ? s->c_str() : nullptr) {}  // NOLINT
  OptionalStringArg(const OptionalStringArg &) = delete;
  OptionalStringArg &operator=(const OptionalStringArg &) = delete;
  const char *c_str_or_null() const noexcept { return ptr_; }

 private:
  std::string copy_;
  const char *ptr_ = nullptr;
};

inline const char *c_str_or_null(const OptionalStringArg &s) noexcept { return s.c_str_or_null(); }

/* Whether Range (not Self) can be iterated (BsonList's range constructor). */
template <typename Range, typename Self, typename = void>
struct is_pointer_range : std::false_type {};
template <typename Range, typename Self>
struct is_pointer_range<Range, Self, std::void_t<decltype(std::begin(std::declval<const Range &>()))>>
    : std::bool_constant<!std::is_same_v<std::decay_t<Range>, Self>> {};
template <typename Range, typename Self>
constexpr bool is_pointer_range_v = is_pointer_range<Range, Self>::value;

}  // namespace detail

/* ---- BSON ownership -------------------------------------------------------------------- */

/* An owned bson_t: what reply/out parameters are received into. Movable, not copyable. */
class Bson {
 public:
  Bson() { bson_init(&doc_); }
  ~Bson() { bson_destroy(&doc_); }
  Bson(Bson &&other) noexcept {
    bson_steal(&doc_, &other.doc_);
    bson_init(&other.doc_);
  }
  Bson &operator=(Bson &&other) noexcept {
    if (this != &other) {
      bson_destroy(&doc_);
      bson_steal(&doc_, &other.doc_);
      bson_init(&other.doc_);
    }
    return *this;
  }
  Bson(const Bson &) = delete;
  Bson &operator=(const Bson &) = delete;

  /* Takes over a document that a C call initialized in caller storage. */
  static Bson adopt(bson_t *initialized) {
    Bson b;
    bson_destroy(&b.doc_);
    bson_steal(&b.doc_, initialized);
    return b;
  }
  bson_t *get() noexcept { return &doc_; }
  const bson_t *get() const noexcept { return &doc_; }
  std::string to_json() const {
    char *json = bson_as_relaxed_extended_json(&doc_, nullptr);
    std::string out = json ? json : "";
    bson_free(json);
    return out;
  }

 private:
  bson_t doc_;
};

/* Runs a C function that fills an uninitialized `bson_t *reply` and returns it as Bson. */
template <typename F>
Bson with_reply(F &&call) {
  bson_t reply;
  mongo_odm_error_t error;
  const bool ok = call(&reply, &error);
  Bson owned = Bson::adopt(&reply);
  check(ok, error);
  return owned;
}

/* Borrowed documents for the C calls that take an array of `const bson_t *` and a count
 * (Collection::insert_many, ensure_indexes(Collection &, ...)). Holds the pointers only: the
 * documents stay the caller's and must outlive the call. Built from a braced list of
 * `const bson_t *` or Bson ({&doc, reply.get(), bson}) or from any range whose elements convert
 * to `const bson_t *` (a std::vector<const bson_t *>, a std::array<bson_t *, N>, ...).
 * Not a std::vector<const bson_t *> itself: libbson declares bson_t with an alignment attribute
 * that a template argument drops, which g++ reports under -Wall (-Wignored-attributes). */
class BsonList {
 public:
  /* One element of a braced list: a pointer to a document, or a Bson (borrowed). */
  class Item {
   public:
    Item(const bson_t *doc) noexcept : doc_(doc) {}  // NOLINT(google-explicit-constructor)
    Item(const Bson &doc) noexcept : doc_(doc.get()) {}  // NOLINT(google-explicit-constructor)
    const bson_t *get() const noexcept { return doc_; }

   private:
    const bson_t *doc_;
  };

  BsonList() noexcept = default;
  /* From a braced list: {&doc, reply.get(), bson}. */
  BsonList(std::initializer_list<Item> items) {
    reserve(items.size());
    for (const Item &item : items) docs_[size_++] = item.get();
  }
  /* From any range of `const bson_t *` (a std::vector<const bson_t *>, a C array, ...). */
  template <typename Range, std::enable_if_t<detail::is_pointer_range_v<Range, BsonList>, int> = 0>
  BsonList(const Range &range) {  // NOLINT(google-explicit-constructor)
    reserve(static_cast<size_t>(std::distance(std::begin(range), std::end(range))));
    for (const auto &doc : range) docs_[size_++] = static_cast<const bson_t *>(doc);
  }
  BsonList(const BsonList &other) {
    reserve(other.size_);
    for (size_t i = 0; i < other.size_; i++) docs_[size_++] = other.docs_[i];
  }
  BsonList(BsonList &&other) noexcept {
    std::swap(docs_, other.docs_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }
  BsonList &operator=(BsonList other) noexcept {
    std::swap(docs_, other.docs_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
    return *this;
  }
  ~BsonList() { delete[] docs_; }

  void push_back(const bson_t *doc) {
    if (size_ == capacity_) {
      const size_t capacity = capacity_ ? 2 * capacity_ : 4;
      const bson_t **grown = new const bson_t *[capacity];
      for (size_t i = 0; i < size_; i++) grown[i] = docs_[i];
      delete[] docs_;
      docs_ = grown;
      capacity_ = capacity;
    }
    docs_[size_++] = doc;
  }
  /* What the C calls take: size() pointers (nullptr when empty). */
  const bson_t *const *data() const noexcept { return docs_; }
  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const bson_t *operator[](size_t i) const noexcept { return docs_[i]; }

 private:
  void reserve(size_t n) {
    if (n > 0) docs_ = new const bson_t *[n];
    capacity_ = n;
  }
  const bson_t **docs_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

/* ---- library ----------------------------------------------------------------------------- */

/* mongo_odm_init() for the lifetime of the object, mongo_odm_cleanup() at its end. Throws Error
 * (MONGO_ODM_ERROR_INTERNAL) after the final cleanup of the process (library.h, "Lifetime"). */
class Library {
 public:
  Library() {
    mongo_odm_error_t error;
    check(mongo_odm_init_checked(&error) > 0, error);
  }
  ~Library() { mongo_odm_cleanup(); }
  Library(const Library &) = delete;
  Library &operator=(const Library &) = delete;
};

inline std::string generate_id() {
  char buf[25];
  mongo_odm_generate_id(buf);
  return std::string(buf, 24);
}

namespace detail {

/* The strings of the list overloads below (std::string, std::string_view, `const char *`);
 * a NULL `const char *` is INVALID_ARGUMENT, as in the C API. */
inline std::string_view list_item(std::string_view s, const char *what) {
  (void)what;
  return s;
}
inline std::string_view list_item(const char *s, const char *what) {
  if (!s) throw Error(MONGO_ODM_ERROR_INVALID_ARGUMENT, std::string(what) + ": NULL string in the list");
  return std::string_view(s);
}
inline std::string_view list_item(const std::string &s, const char *what) {
  (void)what;
  return std::string_view(s);
}

template <typename It>
std::string composite_id(It first, It last) {
  std::vector<const char *> ptrs;
  std::vector<size_t> lengths;
  for (; first != last; ++first) {
    const std::string_view v = list_item(*first, "generate_composite_id");
    ptrs.push_back(v.data());
    lengths.push_back(v.size());
  }
  char out[33];
  mongo_odm_error_t error;
  check(mongo_odm_generate_composite_id_n(ptrs.data(), lengths.data(), ptrs.size(), out, &error), error);
  return std::string(out, 32);
}

template <typename It>
std::string id_from_pairs(It first, It last) {
  std::vector<const char *> keys, values;
  std::vector<size_t> key_lengths, value_lengths;
  for (; first != last; ++first) {
    const std::string_view k = list_item(first->first, "generate_id_from_pairs");
    const std::string_view v = list_item(first->second, "generate_id_from_pairs");
    keys.push_back(k.data());
    key_lengths.push_back(k.size());
    values.push_back(v.data());
    value_lengths.push_back(v.size());
  }
  char out[33];
  mongo_odm_error_t error;
  check(mongo_odm_generate_id_from_pairs_n(keys.data(), key_lengths.data(), values.data(), value_lengths.data(),
                                           keys.size(), out, &error),
        error);
  return std::string(out, 32);
}

}  // namespace detail

/* mongo_odm_generate_composite_id_n() of the values, in order: a braced list of any strings
 * ({"acme", name, view}), or a vector of std::string, std::string_view or `const char *`. */
inline std::string generate_composite_id(std::initializer_list<std::string_view> values) {
  return detail::composite_id(values.begin(), values.end());
}
inline std::string generate_composite_id(const std::vector<std::string> &values) {
  return detail::composite_id(values.begin(), values.end());
}
inline std::string generate_composite_id(const std::vector<std::string_view> &values) {
  return detail::composite_id(values.begin(), values.end());
}
inline std::string generate_composite_id(const std::vector<const char *> &values) {
  return detail::composite_id(values.begin(), values.end());
}

/* mongo_odm_generate_id_from_pairs_n() of (key, value) pairs: a braced list
 * ({{"b", "2"}, {"a", "1"}}), or a vector of pairs of std::string, std::string_view or
 * `const char *`. */
inline std::string generate_id_from_pairs(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  return detail::id_from_pairs(pairs.begin(), pairs.end());
}
inline std::string generate_id_from_pairs(const std::vector<std::pair<std::string, std::string>> &pairs) {
  return detail::id_from_pairs(pairs.begin(), pairs.end());
}
inline std::string generate_id_from_pairs(const std::vector<std::pair<std::string_view, std::string_view>> &pairs) {
  return detail::id_from_pairs(pairs.begin(), pairs.end());
}
inline std::string generate_id_from_pairs(const std::vector<std::pair<const char *, const char *>> &pairs) {
  return detail::id_from_pairs(pairs.begin(), pairs.end());
}

/* ---- cancellation (cancel.h) ----------------------------------------------------------------- */

/* A cancel token. cancel() may be called from any thread (or a signal handler, through
 * mongo_odm_cancel_trigger(get())). */
class CancelToken {
 public:
  CancelToken() : ptr_(mongo_odm_cancel_new()) {
    if (!ptr_) throw Error(MONGO_ODM_ERROR_INTERNAL, "out of memory");
  }
  ~CancelToken() { mongo_odm_cancel_destroy(ptr_); }
  CancelToken(const CancelToken &) = delete;
  CancelToken &operator=(const CancelToken &) = delete;

  void cancel() noexcept { mongo_odm_cancel_trigger(ptr_); }
  bool cancelled() const noexcept { return mongo_odm_cancel_is_triggered(ptr_); }
  void reset() noexcept { mongo_odm_cancel_reset(ptr_); }
  /* Calls still waiting `timeout_ms` from now fail with TIMEOUT; negative: no deadline. */
  void set_timeout(int64_t timeout_ms) {
    mongo_odm_error_t error;
    check(mongo_odm_cancel_set_timeout(ptr_, timeout_ms, &error), error);
  }
  void set_check(mongo_odm_cancel_check_t fn, void *user_data) {
    mongo_odm_error_t error;
    check(mongo_odm_cancel_set_check(ptr_, fn, user_data, &error), error);
  }
  mongo_odm_cancel_t *get() const noexcept { return ptr_; }

 private:
  mongo_odm_cancel_t *ptr_;
};

/* Attaches a token to the calling thread for the lifetime of the object (the previous one is
 * restored at its end). */
class ScopedCancel {
 public:
  explicit ScopedCancel(const CancelToken &token) : previous_(mongo_odm_cancel_attach(token.get())) {}
  ~ScopedCancel() { mongo_odm_cancel_attach(previous_); }
  ScopedCancel(const ScopedCancel &) = delete;
  ScopedCancel &operator=(const ScopedCancel &) = delete;

 private:
  mongo_odm_cancel_t *previous_;
};

/* ---- handles ----------------------------------------------------------------------------- */

namespace detail {
template <typename T, void (*Destroy)(T *)>
struct Deleter {
  void operator()(T *p) const noexcept { Destroy(p); }
};
}  // namespace detail

using ClientPtr = std::unique_ptr<mongo_odm_client_t, detail::Deleter<mongo_odm_client_t, mongo_odm_client_destroy>>;
using CollectionPtr =
    std::unique_ptr<mongo_odm_collection_t, detail::Deleter<mongo_odm_collection_t, mongo_odm_collection_destroy>>;
using CursorPtr = std::unique_ptr<mongo_odm_cursor_t, detail::Deleter<mongo_odm_cursor_t, mongo_odm_cursor_destroy>>;
using ModelPtr = std::unique_ptr<mongo_odm_model_t, detail::Deleter<mongo_odm_model_t, mongo_odm_model_destroy>>;
using DocPtr = std::unique_ptr<mongo_odm_doc_t, detail::Deleter<mongo_odm_doc_t, mongo_odm_doc_destroy>>;

class Document;

namespace detail {

/* The read accessors shared by Document and DocumentView (CRTP: D::get() is the C handle). */
template <typename D>
class Reader {
 public:
  std::optional<std::string> id() const {
    const char *id = mongo_odm_doc_id(doc());
    return id ? std::optional<std::string>(id) : std::nullopt;
  }
  bool has(const StringArg &key) const { return mongo_odm_doc_has(doc(), key.c_str()); }
  bool is_extra(const StringArg &key) const { return mongo_odm_doc_is_extra(doc(), key.c_str()); }
  /* The raw value (borrowed until the document changes), or nullptr when absent. */
  const bson_value_t *get(const StringArg &key) const { return mongo_odm_doc_get(doc(), key.c_str()); }

  /* Typed getters: the value when `key` is present and of the type (as the C getters: int64
   * and double also read an int32, double an int64), else std::nullopt. Values are copies. */
  std::optional<std::string> get_string(const StringArg &key) const {
    const bson_value_t *v = get(key);
    if (!v || v->value_type != BSON_TYPE_UTF8) return std::nullopt;
    return std::string(v->value.v_utf8.str, v->value.v_utf8.len);
  }
  std::optional<int32_t> get_int32(const StringArg &key) const { return read<int32_t>(key, mongo_odm_doc_get_int32); }
  std::optional<int64_t> get_int64(const StringArg &key) const { return read<int64_t>(key, mongo_odm_doc_get_int64); }
  std::optional<double> get_double(const StringArg &key) const { return read<double>(key, mongo_odm_doc_get_double); }
  std::optional<bool> get_bool(const StringArg &key) const { return read<bool>(key, mongo_odm_doc_get_bool); }
  /* Milliseconds since the epoch. */
  std::optional<int64_t> get_datetime(const StringArg &key) const {
    return read<int64_t>(key, mongo_odm_doc_get_datetime);
  }
  std::optional<bson_oid_t> get_oid(const StringArg &key) const { return read<bson_oid_t>(key, mongo_odm_doc_get_oid); }
  std::optional<bson_decimal128_t> get_decimal128(const StringArg &key) const {
    return read<bson_decimal128_t>(key, mongo_odm_doc_get_decimal128);
  }
  std::optional<Bson> get_document(const StringArg &key) const { return read_embedded(key, mongo_odm_doc_get_document); }
  std::optional<Bson> get_array(const StringArg &key) const { return read_embedded(key, mongo_odm_doc_get_array); }
  std::optional<std::vector<uint8_t>> get_binary(const StringArg &key) const {
    const uint8_t *data = nullptr;
    uint32_t len = 0;
    if (!mongo_odm_doc_get_binary(doc(), key.c_str(), &data, &len, nullptr)) return std::nullopt;
    return std::vector<uint8_t>(data, data + len);
  }
  bool is_null(const StringArg &key) const { return mongo_odm_doc_is_null(doc(), key.c_str()); }

  Bson to_bson(bool exclude_none = false) const {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_doc_to_bson(doc(), exclude_none, r, e); });
  }
  /* An independent deep copy (mongo_odm_doc_copy()). */
  Document copy() const;

 private:
  const mongo_odm_doc_t *doc() const noexcept { return static_cast<const D &>(*this).get(); }
  template <typename T, typename Getter>
  std::optional<T> read(const StringArg &key, Getter getter) const {
    T value{};
    if (!getter(doc(), key.c_str(), &value)) return std::nullopt;
    return value;
  }
  template <typename Getter>
  std::optional<Bson> read_embedded(const StringArg &key, Getter getter) const {
    bson_t view;
    if (!getter(doc(), key.c_str(), &view)) return std::nullopt;
    bson_t copy;
    bson_copy_to(&view, &copy);  // stack storage: Bson::adopt() steals it
    return std::optional<Bson>(Bson::adopt(&copy));
  }
};

}  // namespace detail

/* A read-only view of a document that someone else owns (a cursor's current document): valid
 * until the owner changes or releases it (for a cursor: until it advances). Copy it with
 * copy(). Cheap to copy (a pointer). */
class DocumentView : public detail::Reader<DocumentView> {
 public:
  explicit DocumentView(const mongo_odm_doc_t *doc) noexcept : doc_(doc) {}
  const mongo_odm_doc_t *get() const noexcept { return doc_; }
  using detail::Reader<DocumentView>::get;

 private:
  const mongo_odm_doc_t *doc_;
};

/* A stored document that does not fit the cursor's model (Cursor::next_or_raw()): its BSON as
 * stored (borrowed until the cursor advances) and the VALIDATION error that says why. */
struct InvalidDocument {
  const bson_t *raw;
  Error error;
};
/* What Cursor::next_or_raw() yields: a model document, or one that does not fit. */
using DocumentOrRaw = std::variant<DocumentView, InvalidDocument>;

/* A cursor: raw documents with next_bson(), model documents with next_document() or range-for.
 * Move-only. */
class Cursor {
 public:
  explicit Cursor(mongo_odm_cursor_t *raw) : ptr_(raw) {}
  /* The next raw document (borrowed until the next call), or nullptr at the end.
   * Throws if the cursor stopped on an error. */
  const bson_t *next_bson() {
    const bson_t *doc = nullptr;
    if (mongo_odm_cursor_next_bson(ptr_.get(), &doc)) return doc;
    throw_if_failed();
    return nullptr;
  }
  /* The next model document as a view (valid until the next call), or nullopt at the end.
   * Throws if the cursor stopped on an error. */
  std::optional<DocumentView> next_document() {
    const mongo_odm_doc_t *doc = next();
    if (!doc) return std::nullopt;
    return DocumentView(doc);
  }
  /* Prefer next_document(): the next model document as a C handle, or nullptr at the end. */
  const mongo_odm_doc_t *next() {
    const mongo_odm_doc_t *doc = nullptr;
    if (mongo_odm_cursor_next(ptr_.get(), &doc)) return doc;
    throw_if_failed();
    return nullptr;
  }

  /* Input iterator over the model documents: `for (DocumentView d : cursor)`. Each view is
   * valid until the iterator advances. A cursor is read once: begin() continues where the
   * cursor is. Errors throw Error from begin() or ++. */
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = DocumentView;
    using difference_type = std::ptrdiff_t;
    using pointer = const DocumentView *;
    using reference = const DocumentView &;
    iterator() noexcept = default;
    explicit iterator(Cursor *cursor) : cursor_(cursor) { advance(); }
    reference operator*() const noexcept { return current_; }
    pointer operator->() const noexcept { return &current_; }
    iterator &operator++() {
      advance();
      return *this;
    }
    bool operator==(const iterator &other) const noexcept { return cursor_ == other.cursor_; }
    bool operator!=(const iterator &other) const noexcept { return cursor_ != other.cursor_; }

   private:
    void advance() {
      const mongo_odm_doc_t *doc = cursor_->next();
      if (doc) {
        current_ = DocumentView(doc);
      } else {
        cursor_ = nullptr;
      }
    }
    Cursor *cursor_ = nullptr;
    DocumentView current_{nullptr};
  };
  iterator begin() { return iterator(this); }
  iterator end() noexcept { return iterator(); }

  /* Documents that no longer fit the model: passed over instead of stopping the cursor
   * (mongo_odm_cursor_set_skip_invalid()); skipped_count() says how many. */
  Cursor &set_skip_invalid(bool skip = true) {
    mongo_odm_error_t error;
    check(mongo_odm_cursor_set_skip_invalid(ptr_.get(), skip, &error), error);
    return *this;
  }
  int64_t skipped_count() const noexcept { return mongo_odm_cursor_skipped_count(ptr_.get()); }
  /* The next document either way (mongo_odm_cursor_next_or_raw()): a DocumentView when it
   * fits the model, an InvalidDocument (raw BSON and the VALIDATION error) when it does not;
   * both valid until the cursor advances. nullopt at the end; other errors throw (a raw cursor,
   * without a model: INVALID_ARGUMENT).
   *   while (auto next = cursor.next_or_raw()) {
   *     if (auto *doc = std::get_if<mongo_odm::DocumentView>(&*next)) { ... }
   *     else { const auto &bad = std::get<mongo_odm::InvalidDocument>(*next); ... bad.error.what() }
   *   } */
  std::optional<DocumentOrRaw> next_or_raw() {
    const mongo_odm_doc_t *doc = nullptr;
    const bson_t *raw = nullptr;
    mongo_odm_error_t why{};
    if (!mongo_odm_cursor_next_or_raw(ptr_.get(), &doc, &raw, &why)) {
      throw_if_failed();
      return std::nullopt;
    }
    if (doc) return DocumentOrRaw(std::in_place_type<DocumentView>, doc);
    return DocumentOrRaw(std::in_place_type<InvalidDocument>, InvalidDocument{raw, Error(why)});
  }

  mongo_odm_cursor_t *get() const noexcept { return ptr_.get(); }

 private:
  void throw_if_failed() const {
    mongo_odm_error_t error;
    if (mongo_odm_cursor_error(ptr_.get(), &error)) throw Error(error);
  }
  CursorPtr ptr_;
};

/* A client of your own (a pool); or the default client via default_client(). */
class Client {
 public:
  Client(const detail::StringArg &url, const detail::OptionalStringArg &username = std::nullopt,
         const detail::OptionalStringArg &password = std::nullopt) {
    mongo_odm_error_t error;
    mongo_odm_client_t *raw = mongo_odm_client_new(url.c_str(), detail::c_str_or_null(username),
                                                   detail::c_str_or_null(password), &error);
    check(raw != nullptr, error);
    owned_.reset(raw);
    raw_ = raw;
  }
  /* Wraps a borrowed handle (the default client, a collection's client). */
  static Client borrow(mongo_odm_client_t *raw) { return Client(raw); }

  void ping() {
    mongo_odm_error_t error;
    check(mongo_odm_client_ping(raw_, &error), error);
  }
  Bson command(const detail::StringArg &db, const bson_t *cmd) {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_client_command(raw_, db.c_str(), cmd, r, e); });
  }
  Bson list_collection_names(const detail::StringArg &db, const bson_t *filter = nullptr) {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) {
      return mongo_odm_client_list_collection_names(raw_, db.c_str(), filter, r, e);
    });
  }
  void drop_database(const detail::StringArg &db) {
    mongo_odm_error_t error;
    check(mongo_odm_client_drop_database(raw_, db.c_str(), &error), error);
  }
  std::optional<std::string> default_database_name() const {
    const char *name = mongo_odm_client_default_database_name(raw_);
    return name ? std::optional<std::string>(name) : std::nullopt;
  }
  mongo_odm_client_t *get() const noexcept { return raw_; }

 private:
  explicit Client(mongo_odm_client_t *borrowed) : raw_(borrowed) {}
  ClientPtr owned_;
  mongo_odm_client_t *raw_ = nullptr;
};

/* Raw collection operations. */
class Collection {
 public:
  /* Takes ownership of a C collection handle. */
  static Collection adopt(mongo_odm_collection_t *owned) { return Collection(owned); }
  Collection(Client &client, const detail::StringArg &db, const detail::StringArg &name) {
    mongo_odm_error_t error;
    mongo_odm_collection_t *raw = mongo_odm_collection_new(client.get(), db.c_str(), name.c_str(), &error);
    check(raw != nullptr, error);
    ptr_.reset(raw);
  }
  std::string name() const { return mongo_odm_collection_name(ptr_.get()); }
  std::string database_name() const { return mongo_odm_collection_database_name(ptr_.get()); }

  std::optional<Bson> find_one(const bson_t *filter = nullptr, const bson_t *opts = nullptr) {
    bson_t out;
    bool found = false;
    mongo_odm_error_t error;
    const bool ok = mongo_odm_collection_find_one(ptr_.get(), filter, opts, &out, &found, &error);
    Bson owned = Bson::adopt(&out);
    check(ok, error);
    if (!found) return std::nullopt;
    return std::optional<Bson>(std::move(owned));
  }
  Cursor find(const bson_t *filter = nullptr, const bson_t *opts = nullptr) {
    mongo_odm_error_t error;
    mongo_odm_cursor_t *c = mongo_odm_collection_find(ptr_.get(), filter, opts, &error);
    check(c != nullptr, error);
    return Cursor(c);
  }
  Bson insert_one(const bson_t *doc, const bson_t *opts = nullptr) {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_collection_insert_one(ptr_.get(), doc, opts, r, e); });
  }
  Bson insert_many(const BsonList &docs, const bson_t *opts = nullptr) {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) {
      return mongo_odm_collection_insert_many(ptr_.get(), docs.data(), docs.size(), opts, r, e);
    });
  }
  Bson replace_one(const bson_t *filter, const bson_t *replacement, const bson_t *opts = nullptr) {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) {
      return mongo_odm_collection_replace_one(ptr_.get(), filter, replacement, opts, r, e);
    });
  }
  Bson update_one(const bson_t *filter, const bson_t *update, const bson_t *opts = nullptr) {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) {
      return mongo_odm_collection_update_one(ptr_.get(), filter, update, opts, r, e);
    });
  }
  Bson update_many(const bson_t *filter, const bson_t *update, const bson_t *opts = nullptr) {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) {
      return mongo_odm_collection_update_many(ptr_.get(), filter, update, opts, r, e);
    });
  }
  Bson delete_one(const bson_t *filter, const bson_t *opts = nullptr) {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_collection_delete_one(ptr_.get(), filter, opts, r, e); });
  }
  Bson delete_many(const bson_t *filter, const bson_t *opts = nullptr) {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_collection_delete_many(ptr_.get(), filter, opts, r, e); });
  }
  int64_t count_documents(const bson_t *filter = nullptr, const bson_t *opts = nullptr) {
    int64_t n = 0;
    mongo_odm_error_t error;
    check(mongo_odm_collection_count_documents(ptr_.get(), filter, opts, &n, &error), error);
    return n;
  }
  Cursor aggregate(const bson_t *pipeline, const bson_t *opts = nullptr) {
    mongo_odm_error_t error;
    mongo_odm_cursor_t *c = mongo_odm_collection_aggregate(ptr_.get(), pipeline, opts, &error);
    check(c != nullptr, error);
    return Cursor(c);
  }
  void drop() {
    mongo_odm_error_t error;
    check(mongo_odm_collection_drop(ptr_.get(), &error), error);
  }
  std::string create_index(const bson_t *keys, const bson_t *opts = nullptr) {
    Bson reply = with_reply([&](bson_t *r, mongo_odm_error_t *e) {
      return mongo_odm_collection_create_index(ptr_.get(), keys, opts, r, e);
    });
    bson_iter_t it;
    return bson_iter_init_find(&it, reply.get(), "name") ? bson_iter_utf8(&it, nullptr) : std::string();
  }
  mongo_odm_collection_t *get() const noexcept { return ptr_.get(); }

 private:
  explicit Collection(mongo_odm_collection_t *owned) : ptr_(owned) {}
  CollectionPtr ptr_;
};

/* ---- the default connection -------------------------------------------------------------- */

inline void connect(const detail::OptionalStringArg &url = std::nullopt,
                    const detail::OptionalStringArg &username = std::nullopt,
                    const detail::OptionalStringArg &password = std::nullopt,
                    const detail::OptionalStringArg &db_name = std::nullopt) {
  mongo_odm_error_t error;
  check(mongo_odm_connect(detail::c_str_or_null(url), detail::c_str_or_null(username),
                          detail::c_str_or_null(password), detail::c_str_or_null(db_name), &error),
        error);
}
inline bool is_connected() { return mongo_odm_is_connected(); }
inline void disconnect() { mongo_odm_disconnect(); }
inline Client default_client() {
  mongo_odm_error_t error;
  mongo_odm_client_t *raw = mongo_odm_default_client(&error);
  check(raw != nullptr, error);
  return Client::borrow(raw);
}
inline std::optional<std::string> default_database_name() {
  const char *name = mongo_odm_default_database_name();
  return name ? std::optional<std::string>(name) : std::nullopt;
}

/* ---- models and documents ---------------------------------------------------------------- */

class Model {
 public:
  explicit Model(const detail::OptionalStringArg &collection_name) {
    mongo_odm_error_t error;
    mongo_odm_model_t *raw = mongo_odm_model_new(detail::c_str_or_null(collection_name), &error);
    check(raw != nullptr, error);
    ptr_.reset(raw);
  }
  Model &add_field(const detail::StringArg &name, mongo_odm_field_type_t type, unsigned flags = 0) {
    mongo_odm_error_t error;
    check(mongo_odm_model_add_field(ptr_.get(), name.c_str(), type, flags, &error), error);
    return *this;
  }
  /* mongo_odm_model_set_composite_key(): a braced list of any strings ({"tenant", "number"}),
   * or a vector of std::string, std::string_view or `const char *`. */
  Model &set_composite_key(std::initializer_list<std::string_view> fields) {
    return set_composite_key_of(fields.begin(), fields.end());
  }
  Model &set_composite_key(const std::vector<std::string> &fields) {
    return set_composite_key_of(fields.begin(), fields.end());
  }
  Model &set_composite_key(const std::vector<std::string_view> &fields) {
    return set_composite_key_of(fields.begin(), fields.end());
  }
  Model &set_composite_key(const std::vector<const char *> &fields) {
    return set_composite_key_of(fields.begin(), fields.end());
  }
  Model &set_collection(Collection *collection) {
    mongo_odm_error_t error;
    check(mongo_odm_model_set_collection(ptr_.get(), collection ? collection->get() : nullptr, &error), error);
    return *this;
  }
  /* Checked updates (model.h): update_one/update_many (and bulk writers of the model) check
   * update operators against the declared fields; on by default. */
  Model &set_check_updates(bool enabled) {
    mongo_odm_error_t error;
    check(mongo_odm_model_set_check_updates(ptr_.get(), enabled, &error), error);
    return *this;
  }
  bool check_updates() const noexcept { return mongo_odm_model_check_updates(ptr_.get()); }
  /* The verdict without sending (mongo_odm_model_check_update(), whatever check_updates()
   * says): returns when `update` fits, throws Error (VALIDATION naming the operator and the
   * field; ENCODING for corrupt BSON) when it does not. */
  void check_update(const bson_t *update) const {
    mongo_odm_error_t error;
    check(mongo_odm_model_check_update(ptr_.get(), update, &error), error);
  }
  /* changes.h */
  Model &set_use_state_management(bool enabled) {
    mongo_odm_error_t error;
    check(mongo_odm_model_set_use_state_management(ptr_.get(), enabled, &error), error);
    return *this;
  }
  Model &set_use_revision(bool enabled) {
    mongo_odm_error_t error;
    check(mongo_odm_model_set_use_revision(ptr_.get(), enabled, &error), error);
    return *this;
  }
  /* index.h */
  Model &add_index(const bson_t *keys, const bson_t *opts = nullptr) {
    mongo_odm_error_t error;
    check(mongo_odm_model_add_index(ptr_.get(), keys, opts, &error), error);
    return *this;
  }
  mongo_odm_model_t *get() const noexcept { return ptr_.get(); }

 private:
  template <typename It>
  Model &set_composite_key_of(It first, It last) {
    std::vector<std::string> owned;  // NUL-terminated copies (a string_view may not be)
    for (; first != last; ++first) owned.emplace_back(detail::list_item(*first, "set_composite_key"));
    std::vector<const char *> ptrs;
    for (const auto &f : owned) ptrs.push_back(f.c_str());
    mongo_odm_error_t error;
    check(mongo_odm_model_set_composite_key(ptr_.get(), ptrs.data(), ptrs.size(), &error), error);
    return *this;
  }

  ModelPtr ptr_;
};

namespace detail {
template <typename T>
struct is_char_type : std::false_type {};
template <> struct is_char_type<char> : std::true_type {};
template <> struct is_char_type<wchar_t> : std::true_type {};
template <> struct is_char_type<char16_t> : std::true_type {};
template <> struct is_char_type<char32_t> : std::true_type {};
#if defined(__cpp_char8_t)
template <> struct is_char_type<char8_t> : std::true_type {};
#endif
/* Whether the integer `value` fits the signed integer type To. */
template <typename To, typename T>
constexpr bool fits(T value) noexcept {
  if constexpr (std::is_signed_v<T>) {
    if constexpr (sizeof(T) <= sizeof(To)) {
      return true;
    } else {
      return value >= static_cast<T>(std::numeric_limits<To>::min()) &&
             value <= static_cast<T>(std::numeric_limits<To>::max());
    }
  } else {
    if constexpr (sizeof(T) < sizeof(To)) {
      return true;
    } else {
      return value <= static_cast<T>(std::numeric_limits<To>::max());
    }
  }
}
/* Whether a double holds the integer `value` exactly (|value| <= 2^53). */
template <typename T>
constexpr bool exact_in_double(T value) noexcept {
  if constexpr (sizeof(T) < sizeof(int64_t)) {
    return true;
  } else {
    constexpr T limit = static_cast<T>(int64_t{1} << 53);
    if constexpr (std::is_signed_v<T>) {
      return value >= -limit && value <= limit;
    } else {
      return value <= limit;
    }
  }
}
/* An integer that fits int64 (or uint64) as text, for error messages. */
template <typename T>
std::string integer_text(T value) {
  if constexpr (std::is_signed_v<T>) {
    return std::to_string(static_cast<long long>(value));
  } else {
    return std::to_string(static_cast<unsigned long long>(value));
  }
}
/* The integer types Document::set() takes: every integral type but bool and the characters. */
template <typename T>
constexpr bool is_settable_integer_v =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !is_char_type<std::remove_cv_t<T>>::value;
}  // namespace detail

/* One document of a model, owned. Move-only (see the top of this header); copy() for a deep
 * copy. The read accessors (id, has, get, typed getters, to_bson) are those of DocumentView. */
class Document : public detail::Reader<Document> {
 public:
  explicit Document(const Model &model) : ptr_(mongo_odm_doc_new(model.get())) {
    if (!ptr_) throw Error(MONGO_ODM_ERROR_INTERNAL, "out of memory");
  }
  /* Takes ownership of a C document (from mongo_odm_get, mongo_odm_doc_copy, ...). */
  explicit Document(mongo_odm_doc_t *owned) : ptr_(owned) {}
  static Document from_bson(const Model &model, const bson_t *bson) {
    mongo_odm_error_t error;
    mongo_odm_doc_t *raw = mongo_odm_doc_from_bson(model.get(), bson, &error);
    check(raw != nullptr, error);
    return Document(raw);
  }
  static Document copy_of(const mongo_odm_doc_t *doc) {
    mongo_odm_doc_t *raw = mongo_odm_doc_copy(doc);
    if (!raw) throw Error(MONGO_ODM_ERROR_INVALID_ARGUMENT, "cannot copy a NULL document");
    return Document(raw);
  }

  Document &set_id(const detail::OptionalStringArg &id) {
    mongo_odm_error_t error;
    check(mongo_odm_doc_set_id(ptr_.get(), detail::c_str_or_null(id), &error), error);
    return *this;
  }
  /* Strings (UTF-8). */
  Document &set(const detail::StringArg &key, const char *value) { return done(mongo_odm_doc_set_utf8(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set(const detail::StringArg &key, const std::string &value) { return set(key, value.c_str()); }
  Document &set(const detail::StringArg &key, std::string_view value) { return set(key, std::string(value)); }
  /* Integers of every type (see the top of this header for the BSON type chosen): a field the
   * model declares INT32, INT64 or DOUBLE gets that type; any other key the type of T. */
  template <typename T, std::enable_if_t<detail::is_settable_integer_v<T>, int> = 0>
  Document &set(const detail::StringArg &key, T value) {
    if (!detail::fits<int64_t>(value)) out_of_range(key);
    mongo_odm_field_type_t declared = MONGO_ODM_TYPE_ANY;
    if (mongo_odm_model_field_type(mongo_odm_doc_model(ptr_.get()), key.c_str(), &declared, nullptr)) {
      switch (declared) {
        case MONGO_ODM_TYPE_INT32:
          if (!detail::fits<int32_t>(value)) refuse(key, "int32", detail::integer_text(value));
          return set_int32(key, static_cast<int32_t>(value));
        case MONGO_ODM_TYPE_INT64:
          return set_int64(key, static_cast<int64_t>(value));
        case MONGO_ODM_TYPE_DOUBLE:
          if (!detail::exact_in_double(value)) refuse(key, "double", detail::integer_text(value) + " (not exact as a double)");
          return done(mongo_odm_doc_set_double(ptr_.get(), key.c_str(), static_cast<double>(value), &error_));
        default:
          break;  // other types refuse integers as they always did; ANY takes the type of T
      }
    }
    if constexpr (std::is_signed_v<T> ? sizeof(T) <= sizeof(int32_t) : sizeof(T) < sizeof(int32_t)) {
      return set_int32(key, static_cast<int32_t>(value));
    } else if constexpr (std::is_signed_v<T>) {
      return set_int64(key, static_cast<int64_t>(value));
    } else {  // unsigned: int32 when it fits
      if (detail::fits<int32_t>(value)) return set_int32(key, static_cast<int32_t>(value));
      return set_int64(key, static_cast<int64_t>(value));
    }
  }
  /* Floating point: stored as double. */
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Document &set(const detail::StringArg &key, T value) {
    return done(mongo_odm_doc_set_double(ptr_.get(), key.c_str(), static_cast<double>(value), &error_));
  }
  Document &set(const detail::StringArg &key, bool value) { return done(mongo_odm_doc_set_bool(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set(const detail::StringArg &key, std::nullptr_t) { return done(mongo_odm_doc_set_null(ptr_.get(), key.c_str(), &error_)); }
  Document &set(const detail::StringArg &key, const bson_oid_t &value) { return done(mongo_odm_doc_set_oid(ptr_.get(), key.c_str(), &value, &error_)); }
  Document &set(const detail::StringArg &key, const bson_decimal128_t &value) {
    return done(mongo_odm_doc_set_decimal128(ptr_.get(), key.c_str(), &value, &error_));
  }
  Document &set(const detail::StringArg &key, const bson_value_t &value) { return done(mongo_odm_doc_set_value(ptr_.get(), key.c_str(), &value, &error_)); }
  /* Explicitly typed setters (the C functions). */
  Document &set_int32(const detail::StringArg &key, int32_t value) { return done(mongo_odm_doc_set_int32(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set_int64(const detail::StringArg &key, int64_t value) { return done(mongo_odm_doc_set_int64(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set_document(const detail::StringArg &key, const bson_t *value) { return done(mongo_odm_doc_set_document(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set_array(const detail::StringArg &key, const bson_t *value) { return done(mongo_odm_doc_set_array(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set_datetime(const detail::StringArg &key, int64_t ms) { return done(mongo_odm_doc_set_datetime(ptr_.get(), key.c_str(), ms, &error_)); }
  Document &set_binary(const detail::StringArg &key, const uint8_t *data, size_t len,
                       bson_subtype_t subtype = BSON_SUBTYPE_BINARY) {
    if (len > std::numeric_limits<uint32_t>::max()) out_of_range(key);
    return done(mongo_odm_doc_set_binary(ptr_.get(), key.c_str(), subtype, data, static_cast<uint32_t>(len), &error_));
  }
  Document &set_binary(const detail::StringArg &key, const std::vector<uint8_t> &bytes,
                       bson_subtype_t subtype = BSON_SUBTYPE_BINARY) {
    return set_binary(key, bytes.data(), bytes.size(), subtype);
  }

  using detail::Reader<Document>::get;
  bool remove(const detail::StringArg &key) { return mongo_odm_doc_remove(ptr_.get(), key.c_str()); }

  void save(bool exclude_none = false) {
    mongo_odm_error_t error;
    check(mongo_odm_doc_save(ptr_.get(), exclude_none, &error), error);
  }
  /* changes.h: what save() would send ({$set, $unset}), or nullopt when nothing. */
  std::optional<Bson> get_changes(bool exclude_none = false) const {
    bool changed = false;
    Bson update = with_reply([&](bson_t *r, mongo_odm_error_t *e) {
      return mongo_odm_doc_get_changes(ptr_.get(), exclude_none, r, &changed, e);
    });
    if (!changed) return std::nullopt;
    return std::optional<Bson>(std::move(update));
  }
  bool is_changed() const noexcept { return mongo_odm_doc_is_changed(ptr_.get()); }
  /* The saved state (borrowed), or nullptr for a new document. */
  const bson_t *saved_state() const noexcept { return mongo_odm_doc_saved_state(ptr_.get()); }
  Document &set_saved_state(const bson_t *saved) { return done(mongo_odm_doc_set_saved_state(ptr_.get(), saved, &error_)); }
  bool remove_from_db() {
    bool deleted = false;
    mongo_odm_error_t error;
    check(mongo_odm_doc_delete(ptr_.get(), &deleted, &error), error);
    return deleted;
  }
  mongo_odm_doc_t *get() const noexcept { return ptr_.get(); }

 private:
  Document &done(bool ok) {
    check(ok, error_);
    return *this;
  }
  [[noreturn]] static void refuse(const detail::StringArg &key, const char *type, const std::string &value) {
    throw Error(MONGO_ODM_ERROR_VALIDATION,
                std::string("field '") + key.c_str() + "' is declared " + type + ": " + value + " does not fit");
  }
  [[noreturn]] static void out_of_range(const detail::StringArg &key) {
    throw Error(MONGO_ODM_ERROR_INVALID_ARGUMENT,
                std::string("value of '") + key.c_str() + "' is out of range for a BSON int64 / binary length");
  }
  DocPtr ptr_;
  mongo_odm_error_t error_{};
};

template <typename D>
Document detail::Reader<D>::copy() const {
  return Document::copy_of(doc());
}

/* Model-level operations (crud.h). get() and find_one(): the document, std::nullopt when there
 * is none, Error on a failure (mongo_odm_try_get / mongo_odm_try_find_one). */
inline std::optional<Document> get(const Model &model, const detail::StringArg &id) {
  mongo_odm_error_t error;
  mongo_odm_doc_t *doc = nullptr;
  bool found = false;
  check(mongo_odm_try_get(model.get(), id.c_str(), &doc, &found, &error), error);
  if (!found) return std::nullopt;
  return std::optional<Document>(Document(doc));
}
inline std::optional<Document> find_one(const Model &model, const bson_t *filter = nullptr, const bson_t *opts = nullptr) {
  mongo_odm_error_t error;
  mongo_odm_doc_t *doc = nullptr;
  bool found = false;
  check(mongo_odm_try_find_one(model.get(), filter, opts, &doc, &found, &error), error);
  if (!found) return std::nullopt;
  return std::optional<Document>(Document(doc));
}
inline Cursor find(const Model &model, const bson_t *filter = nullptr, const bson_t *opts = nullptr) {
  mongo_odm_error_t error;
  mongo_odm_cursor_t *c = mongo_odm_find(model.get(), filter, opts, &error);
  check(c != nullptr, error);
  return Cursor(c);
}
inline int64_t count(const Model &model, const bson_t *filter = nullptr) {
  int64_t n = 0;
  mongo_odm_error_t error;
  check(mongo_odm_count(model.get(), filter, &n, &error), error);
  return n;
}
inline bool update_one(const Model &model, const bson_t *filter, const bson_t *update, bool upsert = false) {
  bool changed = false;
  mongo_odm_error_t error;
  check(mongo_odm_update_one(model.get(), filter, update, upsert, &changed, &error), error);
  return changed;
}
inline int64_t update_many(const Model &model, const bson_t *filter, const bson_t *update) {
  int64_t n = 0;
  mongo_odm_error_t error;
  check(mongo_odm_update_many(model.get(), filter, update, &n, &error), error);
  return n;
}
inline bool delete_one(const Model &model, const bson_t *filter) {
  bool deleted = false;
  mongo_odm_error_t error;
  check(mongo_odm_delete_one(model.get(), filter, &deleted, &error), error);
  return deleted;
}
inline int64_t delete_many(const Model &model, const bson_t *filter) {
  int64_t n = 0;
  mongo_odm_error_t error;
  check(mongo_odm_delete_many(model.get(), filter, &n, &error), error);
  return n;
}
inline void insert_many(const Model &model, const std::vector<Document *> &docs) {
  std::vector<mongo_odm_doc_t *> raw;
  raw.reserve(docs.size());
  for (Document *d : docs) raw.push_back(d ? d->get() : nullptr);
  mongo_odm_error_t error;
  check(mongo_odm_insert_many(model.get(), raw.data(), raw.size(), &error), error);
}
inline Cursor aggregate(const Model &model, const bson_t *pipeline, const bson_t *opts = nullptr) {
  mongo_odm_error_t error;
  mongo_odm_cursor_t *c = mongo_odm_aggregate(model.get(), pipeline, opts, &error);
  check(c != nullptr, error);
  return Cursor(c);
}

/* ---- changed-field saves and revisions (changes.h) ------------------------------------------- */

/* The update turning `saved` into `current` (mongo_odm_diff()), or nullopt when nothing changed. */
inline std::optional<Bson> diff(const bson_t *saved, const bson_t *current) {
  bool changed = false;
  Bson update = with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_diff(saved, current, r, &changed, e); });
  if (!changed) return std::nullopt;
  return std::optional<Bson>(std::move(update));
}

/* The result of save() on a collection: {sent, upserted, revision?} and the stored document. */
struct SaveResult {
  Bson reply;
  Bson stored;
};
inline SaveResult save(Collection &collection, const bson_t *document, const bson_t *saved, unsigned flags) {
  bson_t stored, reply;
  mongo_odm_error_t error;
  const bool ok = mongo_odm_collection_save(collection.get(), document, saved, flags, &stored, &reply, &error);
  SaveResult result{Bson::adopt(&reply), Bson::adopt(&stored)};
  check(ok, error);
  return result;
}

/* ---- indexes (index.h) ------------------------------------------------------------------------- */

/* {created: [...], existing: [...], command?} */
inline Bson ensure_indexes(const Model &model) {
  return with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_ensure_indexes(model.get(), r, e); });
}
inline Bson ensure_indexes(Collection &collection, const BsonList &specs) {
  return with_reply([&](bson_t *r, mongo_odm_error_t *e) {
    return mongo_odm_collection_ensure_indexes(collection.get(), specs.data(), specs.size(), r, e);
  });
}
/* {indexes: [...]} */
inline Bson list_indexes(Collection &collection) {
  return with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_collection_list_indexes(collection.get(), r, e); });
}

/* ---- bulk writes (bulk.h) ----------------------------------------------------------------------- */

using BulkPtr = std::unique_ptr<mongo_odm_bulk_t, detail::Deleter<mongo_odm_bulk_t, mongo_odm_bulk_destroy>>;

/* Queued writes sent by execute(); see bulk.h. A failed execute throws Error; last_reply()
 * then holds what the batches wrote (nInserted, ..., writeErrors with their indexes). */
class BulkWriter {
 public:
  BulkWriter(Collection &collection, bool ordered = true) {
    mongo_odm_error_t error;
    mongo_odm_bulk_t *raw = mongo_odm_collection_bulk_new(collection.get(), ordered, &error);
    check(raw != nullptr, error);
    ptr_.reset(raw);
  }
  BulkWriter(const Model &model, bool ordered = true) {
    mongo_odm_error_t error;
    mongo_odm_bulk_t *raw = mongo_odm_bulk_new(model.get(), ordered, &error);
    check(raw != nullptr, error);
    ptr_.reset(raw);
  }
  BulkWriter &insert(const bson_t *document) { return done(mongo_odm_bulk_insert(ptr_.get(), document, &error_)); }
  BulkWriter &insert(const Document &doc) { return done(mongo_odm_bulk_insert_doc(ptr_.get(), doc.get(), &error_)); }
  BulkWriter &save(const Document &doc, bool exclude_none = false) {
    return done(mongo_odm_bulk_save_doc(ptr_.get(), doc.get(), exclude_none, &error_));
  }
  BulkWriter &replace_one(const bson_t *filter, const bson_t *replacement, bool upsert = false) {
    return done(mongo_odm_bulk_replace_one(ptr_.get(), filter, replacement, upsert, &error_));
  }
  BulkWriter &update_one(const bson_t *filter, const bson_t *update, bool upsert = false) {
    return done(mongo_odm_bulk_update_one(ptr_.get(), filter, update, upsert, &error_));
  }
  BulkWriter &update_many(const bson_t *filter, const bson_t *update, bool upsert = false) {
    return done(mongo_odm_bulk_update_many(ptr_.get(), filter, update, upsert, &error_));
  }
  BulkWriter &delete_one(const bson_t *filter) { return done(mongo_odm_bulk_delete_one(ptr_.get(), filter, &error_)); }
  BulkWriter &delete_many(const bson_t *filter) { return done(mongo_odm_bulk_delete_many(ptr_.get(), filter, &error_)); }
  size_t size() const noexcept { return mongo_odm_bulk_size(ptr_.get()); }
  /* Sends the queue; returns the summed reply (also kept in last_reply()). */
  const Bson &execute() {
    bson_t reply;
    mongo_odm_error_t error;
    const bool ok = mongo_odm_bulk_execute(ptr_.get(), &reply, &error);
    last_ = Bson::adopt(&reply);
    check(ok, error);
    return last_;
  }
  const Bson &last_reply() const noexcept { return last_; }
  mongo_odm_bulk_t *get() const noexcept { return ptr_.get(); }

 private:
  BulkWriter &done(bool ok) {
    check(ok, error_);
    return *this;
  }
  BulkPtr ptr_;
  Bson last_;
  mongo_odm_error_t error_{};
};

/* ---- projections (projection.h) ----------------------------------------------------------------- */

inline Bson projection_of(const Model &model) {
  return with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_model_projection(model.get(), r, e); });
}
inline Cursor find_as(const Model &model, const Model &projection, const bson_t *filter = nullptr,
                      const bson_t *opts = nullptr) {
  mongo_odm_error_t error;
  mongo_odm_cursor_t *c = mongo_odm_find_as(model.get(), projection.get(), filter, opts, &error);
  check(c != nullptr, error);
  return Cursor(c);
}
inline std::optional<Document> find_one_as(const Model &model, const Model &projection, const bson_t *filter = nullptr,
                                           const bson_t *opts = nullptr) {
  mongo_odm_error_t error;
  mongo_odm_doc_t *doc = nullptr;
  bool found = false;
  check(mongo_odm_try_find_one_as(model.get(), projection.get(), filter, opts, &doc, &found, &error), error);
  if (!found) return std::nullopt;
  return std::optional<Document>(Document(doc));
}

}  // namespace mongo_odm

#endif /* MONGO_ODM_HPP */
