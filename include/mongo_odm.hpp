/*
 * mongo_odm.hpp - a header-only C++17 wrapper over the C API of libmongo_odm.
 *
 * RAII handles (std::unique_ptr with the C destroy functions), exceptions instead of error
 * structs, std::string_view arguments. It adds no behaviour: every call is the C function of
 * the same name, so the C headers' documentation applies word for word.
 *
 *   mongo_odm::Library lib;                                  // mongo_odm_init / _cleanup
 *   mongo_odm::connect("mongodb://127.0.0.1:27017", {}, {}, "app");
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
 * (set_use_state_management(), set_use_revision(), add_index()) and Document (get_changes(),
 * is_changed(), saved_state(), set_saved_state()).
 */
#ifndef MONGO_ODM_HPP
#define MONGO_ODM_HPP

#include <mongo_odm.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
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

/* ---- library ----------------------------------------------------------------------------- */

/* mongo_odm_init() for the lifetime of the object, mongo_odm_cleanup() at its end. */
class Library {
 public:
  Library() { mongo_odm_init(); }
  ~Library() { mongo_odm_cleanup(); }
  Library(const Library &) = delete;
  Library &operator=(const Library &) = delete;
};

inline std::string generate_id() {
  char buf[25];
  mongo_odm_generate_id(buf);
  return std::string(buf, 24);
}

inline std::string generate_composite_id(const std::vector<std::string> &values) {
  std::vector<const char *> ptrs;
  std::vector<size_t> lengths;
  ptrs.reserve(values.size());
  lengths.reserve(values.size());
  for (const auto &v : values) {
    ptrs.push_back(v.data());
    lengths.push_back(v.size());
  }
  char out[33];
  mongo_odm_error_t error;
  check(mongo_odm_generate_composite_id_n(ptrs.data(), lengths.data(), ptrs.size(), out, &error), error);
  return std::string(out, 32);
}

inline std::string generate_id_from_pairs(const std::vector<std::pair<std::string, std::string>> &pairs) {
  std::vector<const char *> keys, values;
  std::vector<size_t> key_lengths, value_lengths;
  for (const auto &p : pairs) {
    keys.push_back(p.first.data());
    key_lengths.push_back(p.first.size());
    values.push_back(p.second.data());
    value_lengths.push_back(p.second.size());
  }
  char out[33];
  mongo_odm_error_t error;
  check(mongo_odm_generate_id_from_pairs_n(keys.data(), key_lengths.data(), values.data(), value_lengths.data(),
                                           pairs.size(), out, &error),
        error);
  return std::string(out, 32);
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
inline const char *c_str_or_null(const std::optional<std::string> &s) { return s ? s->c_str() : nullptr; }
}  // namespace detail

using ClientPtr = std::unique_ptr<mongo_odm_client_t, detail::Deleter<mongo_odm_client_t, mongo_odm_client_destroy>>;
using CollectionPtr =
    std::unique_ptr<mongo_odm_collection_t, detail::Deleter<mongo_odm_collection_t, mongo_odm_collection_destroy>>;
using CursorPtr = std::unique_ptr<mongo_odm_cursor_t, detail::Deleter<mongo_odm_cursor_t, mongo_odm_cursor_destroy>>;
using ModelPtr = std::unique_ptr<mongo_odm_model_t, detail::Deleter<mongo_odm_model_t, mongo_odm_model_destroy>>;
using DocPtr = std::unique_ptr<mongo_odm_doc_t, detail::Deleter<mongo_odm_doc_t, mongo_odm_doc_destroy>>;

/* A cursor: raw documents with next_bson(), model documents with next(). */
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
  const mongo_odm_doc_t *next() {
    const mongo_odm_doc_t *doc = nullptr;
    if (mongo_odm_cursor_next(ptr_.get(), &doc)) return doc;
    throw_if_failed();
    return nullptr;
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
  Client(const std::string &url, const std::optional<std::string> &username = std::nullopt,
         const std::optional<std::string> &password = std::nullopt) {
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
  Bson command(const std::string &db, const bson_t *cmd) {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_client_command(raw_, db.c_str(), cmd, r, e); });
  }
  Bson list_collection_names(const std::string &db, const bson_t *filter = nullptr) {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) {
      return mongo_odm_client_list_collection_names(raw_, db.c_str(), filter, r, e);
    });
  }
  void drop_database(const std::string &db) {
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
  Collection(Client &client, const std::string &db, const std::string &name) {
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
  Bson insert_many(const std::vector<const bson_t *> &docs, const bson_t *opts = nullptr) {
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

inline void connect(const std::optional<std::string> &url = std::nullopt,
                    const std::optional<std::string> &username = std::nullopt,
                    const std::optional<std::string> &password = std::nullopt,
                    const std::optional<std::string> &db_name = std::nullopt) {
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
  explicit Model(const std::optional<std::string> &collection_name) {
    mongo_odm_error_t error;
    mongo_odm_model_t *raw = mongo_odm_model_new(detail::c_str_or_null(collection_name), &error);
    check(raw != nullptr, error);
    ptr_.reset(raw);
  }
  Model &add_field(const std::string &name, mongo_odm_field_type_t type, unsigned flags = 0) {
    mongo_odm_error_t error;
    check(mongo_odm_model_add_field(ptr_.get(), name.c_str(), type, flags, &error), error);
    return *this;
  }
  Model &set_composite_key(const std::vector<std::string> &fields) {
    std::vector<const char *> ptrs;
    for (const auto &f : fields) ptrs.push_back(f.c_str());
    mongo_odm_error_t error;
    check(mongo_odm_model_set_composite_key(ptr_.get(), ptrs.data(), ptrs.size(), &error), error);
    return *this;
  }
  Model &set_collection(Collection *collection) {
    mongo_odm_error_t error;
    check(mongo_odm_model_set_collection(ptr_.get(), collection ? collection->get() : nullptr, &error), error);
    return *this;
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
  ModelPtr ptr_;
};

class Document {
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
  static Document copy_of(const mongo_odm_doc_t *doc) { return Document(mongo_odm_doc_copy(doc)); }

  std::optional<std::string> id() const {
    const char *id = mongo_odm_doc_id(ptr_.get());
    return id ? std::optional<std::string>(id) : std::nullopt;
  }
  Document &set_id(const std::optional<std::string> &id) {
    mongo_odm_error_t error;
    check(mongo_odm_doc_set_id(ptr_.get(), detail::c_str_or_null(id), &error), error);
    return *this;
  }
  Document &set(const std::string &key, const char *value) { return done(mongo_odm_doc_set_utf8(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set(const std::string &key, const std::string &value) { return set(key, value.c_str()); }
  Document &set(const std::string &key, int32_t value) { return done(mongo_odm_doc_set_int32(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set(const std::string &key, int64_t value) { return done(mongo_odm_doc_set_int64(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set(const std::string &key, double value) { return done(mongo_odm_doc_set_double(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set(const std::string &key, bool value) { return done(mongo_odm_doc_set_bool(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set(const std::string &key, std::nullptr_t) { return done(mongo_odm_doc_set_null(ptr_.get(), key.c_str(), &error_)); }
  Document &set(const std::string &key, const bson_value_t &value) { return done(mongo_odm_doc_set_value(ptr_.get(), key.c_str(), &value, &error_)); }
  Document &set_document(const std::string &key, const bson_t *value) { return done(mongo_odm_doc_set_document(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set_array(const std::string &key, const bson_t *value) { return done(mongo_odm_doc_set_array(ptr_.get(), key.c_str(), value, &error_)); }
  Document &set_datetime(const std::string &key, int64_t ms) { return done(mongo_odm_doc_set_datetime(ptr_.get(), key.c_str(), ms, &error_)); }

  bool has(const std::string &key) const { return mongo_odm_doc_has(ptr_.get(), key.c_str()); }
  bool is_extra(const std::string &key) const { return mongo_odm_doc_is_extra(ptr_.get(), key.c_str()); }
  const bson_value_t *get(const std::string &key) const { return mongo_odm_doc_get(ptr_.get(), key.c_str()); }
  bool remove(const std::string &key) { return mongo_odm_doc_remove(ptr_.get(), key.c_str()); }
  Bson to_bson(bool exclude_none = false) const {
    return with_reply([&](bson_t *r, mongo_odm_error_t *e) { return mongo_odm_doc_to_bson(ptr_.get(), exclude_none, r, e); });
  }

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
  DocPtr ptr_;
  mongo_odm_error_t error_{};
};

/* Model-level operations (crud.h). */
inline std::optional<Document> get(const Model &model, const std::string &id) {
  mongo_odm_error_t error;
  mongo_odm_doc_t *doc = mongo_odm_get(model.get(), id.c_str(), &error);
  if (!doc) {
    check(error.code == MONGO_ODM_OK, error);
    return std::nullopt;
  }
  return std::optional<Document>(Document(doc));
}
inline std::optional<Document> find_one(const Model &model, const bson_t *filter = nullptr, const bson_t *opts = nullptr) {
  mongo_odm_error_t error;
  mongo_odm_doc_t *doc = mongo_odm_find_one(model.get(), filter, opts, &error);
  if (!doc) {
    check(error.code == MONGO_ODM_OK, error);
    return std::nullopt;
  }
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
inline Bson ensure_indexes(Collection &collection, const std::vector<const bson_t *> &specs) {
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
  mongo_odm_doc_t *doc = mongo_odm_find_one_as(model.get(), projection.get(), filter, opts, &error);
  if (!doc) {
    check(error.code == MONGO_ODM_OK, error);
    return std::nullopt;
  }
  return std::optional<Document>(Document(doc));
}

}  // namespace mongo_odm

#endif /* MONGO_ODM_HPP */
