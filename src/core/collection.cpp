#include "collection.hpp"

#include <cstring>
#include <functional>
#include <initializer_list>
#include <vector>

#include "bson_util.hpp"
#include "cursor.hpp"
#include "error.hpp"
#include "ids.hpp"
#include "names.hpp"
#include "replace_command.hpp"
#include "scratch.hpp"

namespace mongo_odm::core {

namespace {

// A libmongoc collection for one operation on a leased connection.
class CollectionHandle {
 public:
  CollectionHandle(const Client::Lease &lease, const std::string &db, const std::string &name)
      : coll_(mongoc_client_get_collection(lease.get(), db.c_str(), name.c_str())) {}
  ~CollectionHandle() { mongoc_collection_destroy(coll_); }
  CollectionHandle(const CollectionHandle &) = delete;
  CollectionHandle &operator=(const CollectionHandle &) = delete;
  mongoc_collection_t *get() const { return coll_; }
  mongoc_collection_t *release() {
    mongoc_collection_t *c = coll_;
    coll_ = nullptr;
    return c;
  }

 private:
  mongoc_collection_t *coll_;
};

bool one_of(const char *key, std::initializer_list<const char *> names) {
  for (const char *n : names) {
    if (std::strcmp(key, n) == 0) return true;
  }
  return false;
}

// Copies `opts` (may be NULL) into `out` without the keys in `skip`.
void copy_opts(const bson_t *opts, bson_t *out, std::initializer_list<const char *> skip = {}) {
  if (!opts) return;
  bson_iter_t iter;
  if (!bson_iter_init(&iter, opts)) fail(Code::invalid_argument, "opts is not valid BSON");
  while (bson_iter_next(&iter)) {
    if (!one_of(bson_iter_key(&iter), skip)) bson_append_iter(out, nullptr, 0, &iter);
  }
}

// Write options: the caller's, plus validate=false when the library already checked the
// documents itself (one validation pass, with this library's error messages).
void write_opts(const bson_t *opts, bson_t *out) {
  copy_opts(opts, out);
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, out, "validate")) BSON_APPEND_BOOL(out, "validate", false);
}

// On failure a write's reply (writeErrors, counts) is handed to the caller before throwing.
[[noreturn]] void fail_write(const bson_error_t &error, bson_t *mreply, bson_t *reply, const char *context) {
  if (reply) bson_concat(reply, mreply);
  bson_destroy(mreply);
  fail_from_bson_error(error, context);
}

bool is_namespace_not_found(const bson_error_t &error) {
  return error.code == 26 || std::strstr(error.message, "ns not found") != nullptr ||
         std::strstr(error.message, "does not exist") != nullptr;
}

}  // namespace

Collection::Collection(std::shared_ptr<Client> client, std::string db, std::string name)
    : client_(std::move(client)), db_(std::move(db)), name_(std::move(name)) {
  if (!client_) fail(Code::invalid_argument, "client is NULL");
  check_database_name(db_.c_str());
  check_collection_name(name_.c_str());
}

bool Collection::find_one(const bson_t *filter, const bson_t *opts, bson_t *out) const {
  Bson find_opts;
  copy_opts(opts, find_opts.get(), {"limit", "singleBatch", "batchSize"});
  BSON_APPEND_INT64(find_opts.get(), "limit", 1);
  BSON_APPEND_BOOL(find_opts.get(), "singleBatch", true);
  return client_->run([&](Client::Lease &lease) {
    CollectionHandle coll(lease, db_, name_);
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll.get(), or_empty(filter), find_opts.get(), nullptr);
    const bson_t *doc = nullptr;
    const bool found = mongoc_cursor_next(cursor, &doc);
    if (found && out) bson_concat(out, doc);
    bson_error_t error;
    const bool failed = !found && mongoc_cursor_error(cursor, &error);
    mongoc_cursor_destroy(cursor);
    if (failed) fail_from_bson_error(error, "find_one");
    return found;
  });
}

namespace {

// A copy of `doc` (NULL: none) shared by a cursor's factory.
std::shared_ptr<bson_t> shared_copy(const bson_t *doc) {
  if (!doc) return nullptr;
  return std::shared_ptr<bson_t>(bson_copy(doc), bson_destroy);
}

}  // namespace

std::unique_ptr<Cursor> Collection::find(const bson_t *filter, const bson_t *opts, const Model *model) const {
  auto f = shared_copy(or_empty(filter));
  auto o = shared_copy(opts);
  return open_cursor("find", model, [f, o](mongoc_collection_t *coll) {
    return mongoc_collection_find_with_opts(coll, f.get(), o.get(), nullptr);
  });
}

void Collection::insert_one(const bson_t *document, const bson_t *opts, bson_t *reply) const {
  require(document, "document");
  check_storable(document, "insert_one");
  Bson with_id;
  const bson_t *to_send = document;
  bson_iter_t id_iter;  // points into `document`, borrowed for the whole call
  const bool has_id = bson_iter_init_find(&id_iter, document, "_id");
  bson_oid_t oid;
  if (!has_id) {
    bson_oid_init(&oid, nullptr);
    BSON_APPEND_OID(with_id.get(), "_id", &oid);
    bson_concat(with_id.get(), document);
    to_send = with_id.get();
  }
  Bson o;
  write_opts(opts, o.get());
  client_->run([&](Client::Lease &lease) {
    CollectionHandle coll(lease, db_, name_);
    bson_t mreply;
    bson_error_t error;
    if (!mongoc_collection_insert_one(coll.get(), to_send, o.get(), &mreply, &error)) {
      fail_write(error, &mreply, reply, "insert_one");
    }
    bson_destroy(&mreply);
    if (reply) {
      if (has_id) {
        bson_append_iter(reply, "insertedId", -1, &id_iter);
      } else {
        BSON_APPEND_OID(reply, "insertedId", &oid);
      }
      BSON_APPEND_INT32(reply, "insertedCount", 1);
    }
  });
}

void Collection::insert_many(const bson_t *const *documents, size_t n, const bson_t *opts, bson_t *reply,
                             bool checked) const {
  if (n == 0) {
    if (reply) {
      bson_t empty;
      BSON_APPEND_ARRAY_BEGIN(reply, "insertedIds", &empty);
      bson_append_array_end(reply, &empty);
      BSON_APPEND_INT32(reply, "insertedCount", 0);
    }
    return;
  }
  require(documents, "documents");
  for (size_t i = 0; i < n; ++i) {
    if (!documents[i]) fail(Code::invalid_argument, "document " + std::to_string(i) + " is NULL");
    if (!checked) check_storable(documents[i], ("insert_many: document " + std::to_string(i)).c_str());
  }
  // Documents without an _id get an ObjectId, put first as the server would.
  std::vector<const bson_t *> to_send(documents, documents + n);
  std::vector<bson_t *> owned;
  struct OwnedGuard {
    std::vector<bson_t *> &docs;
    ~OwnedGuard() {
      for (bson_t *d : docs) bson_destroy(d);
    }
  } guard{owned};
  Bson ids;
  {
    char key_buf[16];
    for (size_t i = 0; i < n; ++i) {
      const char *key;
      bson_uint32_to_string(static_cast<uint32_t>(i), &key, key_buf, sizeof key_buf);
      bson_iter_t iter;
      if (bson_iter_init_find(&iter, documents[i], "_id")) {
        bson_append_iter(ids.get(), key, -1, &iter);
      } else {
        bson_oid_t oid;
        bson_oid_init(&oid, nullptr);
        bson_t *with_id = bson_new();
        owned.push_back(with_id);
        BSON_APPEND_OID(with_id, "_id", &oid);
        bson_concat(with_id, documents[i]);
        to_send[i] = with_id;
        bson_append_oid(ids.get(), key, -1, &oid);
      }
    }
  }
  Bson o;
  write_opts(opts, o.get());
  client_->run([&](Client::Lease &lease) {
    CollectionHandle coll(lease, db_, name_);
    bson_t mreply;
    bson_error_t error;
    if (!mongoc_collection_insert_many(coll.get(), to_send.data(), n, o.get(), &mreply, &error)) {
      fail_write(error, &mreply, reply, "insert_many");
    }
    if (reply) {
      BSON_APPEND_ARRAY(reply, "insertedIds", ids.get());
      BSON_APPEND_INT64(reply, "insertedCount", reply_count(&mreply, "insertedCount"));
    }
    bson_destroy(&mreply);
  });
}

void Collection::replace_one(const bson_t *filter, const bson_t *replacement, const bson_t *opts, bson_t *reply,
                             bool checked) const {
  require(filter, "filter");
  require(replacement, "replacement");
  if (!checked) check_storable(replacement, "replace_one");
  replace_with(filter, [replacement](bson_t *u) { bson_concat(u, replacement); }, opts, reply);
}

void Collection::replace_with(const bson_t *filter, const std::function<void(bson_t *)> &write_replacement,
                              const bson_t *opts, bson_t *reply) const {
  ScratchBson cmd;
  Bson mongoc_opts;
  replace_command::build(name_, filter, write_replacement, opts, cmd.get(), mongoc_opts.get());
  client_->run([&](Client::Lease &lease) {
    CollectionHandle coll(lease, db_, name_);
    bson_t server_reply;
    bson_error_t error;
    const bool sent =
        mongoc_collection_write_command_with_opts(coll.get(), cmd.get(), mongoc_opts.get(), &server_reply, &error);
    Bson translated;
    bson_error_t write_error;
    const bool written = replace_command::complete(&server_reply, translated.get(), &write_error);
    bson_destroy(&server_reply);
    if (reply) bson_concat(reply, translated.get());
    if (!sent) fail_from_bson_error(error, "replace_one");
    if (!written) fail_from_bson_error(write_error, "replace_one");
  });
}

void Collection::update(const bson_t *filter, const bson_t *update, const bson_t *opts, bson_t *reply,
                        bool many) const {
  const char *op = many ? "update_many" : "update_one";
  require(filter, "filter");
  require(update, "update");
  bson_iter_t iter;
  if (!bson_iter_init(&iter, update) || !bson_iter_next(&iter)) {
    fail(Code::invalid_argument, std::string(op) + ": update document is empty");
  }
  const char *first = bson_iter_key(&iter);
  const bool pipeline = std::strcmp(first, "0") == 0;
  if (first[0] != '$' && !pipeline) {
    fail(Code::invalid_argument, std::string(op) + ": update only works with $ operators and pipelines (key '" +
                                     first + "'); use replace_one to replace a document");
  }
  client_->run([&](Client::Lease &lease) {
    CollectionHandle coll(lease, db_, name_);
    bson_t mreply;
    bson_error_t error;
    const bool ok = many ? mongoc_collection_update_many(coll.get(), filter, update, opts, &mreply, &error)
                         : mongoc_collection_update_one(coll.get(), filter, update, opts, &mreply, &error);
    if (!ok) fail_write(error, &mreply, reply, op);
    if (reply) bson_concat(reply, &mreply);
    bson_destroy(&mreply);
  });
}

void Collection::remove(const bson_t *filter, const bson_t *opts, bson_t *reply, bool many) const {
  const char *op = many ? "delete_many" : "delete_one";
  require(filter, "filter");
  client_->run([&](Client::Lease &lease) {
    CollectionHandle coll(lease, db_, name_);
    bson_t mreply;
    bson_error_t error;
    const bool ok = many ? mongoc_collection_delete_many(coll.get(), filter, opts, &mreply, &error)
                         : mongoc_collection_delete_one(coll.get(), filter, opts, &mreply, &error);
    if (!ok) fail_write(error, &mreply, reply, op);
    if (reply) bson_concat(reply, &mreply);
    bson_destroy(&mreply);
  });
}

int64_t Collection::count(const bson_t *filter, const bson_t *opts) const {
  return client_->run([&](Client::Lease &lease) {
    CollectionHandle coll(lease, db_, name_);
    bson_error_t error;
    const int64_t n = mongoc_collection_count_documents(coll.get(), or_empty(filter), opts, nullptr, nullptr, &error);
    if (n < 0) fail_from_bson_error(error, "count_documents");
    return n;
  });
}

std::unique_ptr<Cursor> Collection::aggregate(const bson_t *pipeline, const bson_t *opts) const {
  require(pipeline, "pipeline");
  auto p = shared_copy(pipeline);
  auto o = shared_copy(opts);
  return open_cursor("aggregate", nullptr, [p, o](mongoc_collection_t *coll) {
    return mongoc_collection_aggregate(coll, MONGOC_QUERY_NONE, p.get(), o.get(), nullptr);
  });
}

std::unique_ptr<Cursor> Collection::open_cursor(const char *what, const Model *model, Cursor::Factory make) const {
  return client_->run([&](Client::Lease &lease) {
    CollectionHandle coll(lease, db_, name_);
    mongoc_cursor_t *cursor = make(coll.get());
    bson_error_t error;
    // Options libmongoc refuses (find sends nothing before its first next()); aggregate selects
    // a server at once, and its selection failures are retried by run().
    if (mongoc_cursor_error(cursor, &error)) {
      mongoc_cursor_destroy(cursor);
      fail_from_bson_error(error, what);
    }
    return std::make_unique<Cursor>(client_, std::move(lease), coll.release(), cursor, model, db_, name_,
                                    std::move(make));
  });
}

void Collection::drop() const {
  client_->run([&](Client::Lease &lease) {
    CollectionHandle coll(lease, db_, name_);
    bson_error_t error;
    if (!mongoc_collection_drop_with_opts(coll.get(), nullptr, &error) && !is_namespace_not_found(error)) {
      fail_from_bson_error(error, "drop");
    }
  });
}

std::string default_index_name(const bson_t *keys) {
  std::string name;
  bson_iter_t iter;
  if (!bson_iter_init(&iter, keys)) fail(Code::invalid_argument, "index keys are not valid BSON");
  while (bson_iter_next(&iter)) {
    if (!name.empty()) name += '_';
    name += bson_iter_key(&iter);
    name += '_';
    if (!ids::append_python_str(*bson_iter_value(&iter), name)) {
      fail(Code::invalid_argument, std::string("index key '") + bson_iter_key(&iter) + "' has an unsupported direction");
    }
  }
  if (name.empty()) fail(Code::invalid_argument, "index keys are empty");
  return name;
}

void Collection::create_index(const bson_t *keys, const bson_t *opts, bson_t *reply) const {
  require(keys, "keys");
  std::string name;
  bson_iter_t iter;
  if (opts && bson_iter_init_find(&iter, opts, "name")) {
    if (!BSON_ITER_HOLDS_UTF8(&iter)) fail(Code::invalid_argument, "index option 'name' must be a string");
    name = bson_iter_utf8(&iter, nullptr);
  } else {
    name = default_index_name(keys);
  }
  Bson index;
  BSON_APPEND_DOCUMENT(index.get(), "key", keys);
  BSON_APPEND_UTF8(index.get(), "name", name.c_str());
  copy_opts(opts, index.get(), {"name", "key"});
  Bson cmd;
  BSON_APPEND_UTF8(cmd.get(), "createIndexes", name_.c_str());
  bson_t indexes;
  BSON_APPEND_ARRAY_BEGIN(cmd.get(), "indexes", &indexes);
  BSON_APPEND_DOCUMENT(&indexes, "0", index.get());
  bson_append_array_end(cmd.get(), &indexes);

  client_->run([&](Client::Lease &lease) {
    CollectionHandle coll(lease, db_, name_);
    bson_t mreply;
    bson_error_t error;
    if (!mongoc_collection_write_command_with_opts(coll.get(), cmd.get(), nullptr, &mreply, &error)) {
      fail_write(error, &mreply, reply, "create_index");
    }
    bson_destroy(&mreply);
    if (reply) BSON_APPEND_UTF8(reply, "name", name.c_str());
  });
}

}  // namespace mongo_odm::core
