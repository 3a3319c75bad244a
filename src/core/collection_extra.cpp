// pymongo's remaining Collection methods (mongo_odm/collection_extra.h): findAndModify,
// distinct, the estimated count, createIndexes, dropIndexes, renameCollection.
#include <cstring>
#include <string>

#include "bson_util.hpp"
#include "collection.hpp"
#include "error.hpp"
#include "names.hpp"

namespace mongo_odm::core {

namespace {

// A libmongoc collection for one operation on a leased connection.
class Handle {
 public:
  Handle(const Client::Lease &lease, const std::string &db, const std::string &name)
      : coll_(mongoc_client_get_collection(lease.get(), db.c_str(), name.c_str())) {}
  ~Handle() { mongoc_collection_destroy(coll_); }
  Handle(const Handle &) = delete;
  Handle &operator=(const Handle &) = delete;
  mongoc_collection_t *get() const { return coll_; }

 private:
  mongoc_collection_t *coll_;
};

// The iterator over `opts` (NULL: none); INVALID_ARGUMENT for invalid BSON.
bool init_opts(bson_iter_t *iter, const bson_t *opts) {
  if (!opts) return false;
  if (!bson_iter_init(iter, opts)) fail(Code::invalid_argument, "opts is not valid BSON");
  return true;
}

// Appends every option of `opts` to `cmd` (the command's own fields come first).
void append_all(const bson_t *opts, bson_t *cmd) {
  bson_iter_t iter;
  if (!init_opts(&iter, opts)) return;
  while (bson_iter_next(&iter)) bson_append_iter(cmd, nullptr, 0, &iter);
}

// A command sent as a write (findAndModify, createIndexes, dropIndexes): the server's error
// becomes the thrown Error.
void write_command(Client &client, const std::string &db, const std::string &name, const bson_t *cmd,
                   const char *what, bson_t *out_reply) {
  client.run([&](Client::Lease &lease) {
    Handle coll(lease, db, name);
    bson_t reply;
    bson_error_t error;
    const bool ok = mongoc_collection_write_command_with_opts(coll.get(), cmd, nullptr, &reply, &error);
    if (ok && out_reply) bson_concat(out_reply, &reply);
    bson_destroy(&reply);
    if (!ok) fail_from_bson_error(error, what);
  });
}

bool is_pipeline(const bson_t *update, const char *what) {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, update) || !bson_iter_next(&iter)) {
    fail(Code::invalid_argument, std::string(what) + ": update document is empty");
  }
  const char *first = bson_iter_key(&iter);
  const bool pipeline = std::strcmp(first, "0") == 0;
  if (first[0] != '$' && !pipeline) {
    fail(Code::invalid_argument, std::string(what) + ": update only works with $ operators and pipelines (key '" +
                                     first + "'); use find_one_and_replace to replace a document");
  }
  return pipeline;
}

}  // namespace

bool Collection::find_one_and_modify(Modify kind, const bson_t *filter, const bson_t *change, const bson_t *opts,
                                     bson_t *out) const {
  const char *what = kind == Modify::update    ? "find_one_and_update"
                     : kind == Modify::replace ? "find_one_and_replace"
                                               : "find_one_and_delete";
  require(filter, "filter");
  if (kind != Modify::remove) require(change, kind == Modify::update ? "update" : "replacement");
  bool pipeline = false;
  if (kind == Modify::update) pipeline = is_pipeline(change, what);
  if (kind == Modify::replace) check_storable(change, what);

  Bson cmd;
  BSON_APPEND_UTF8(cmd.get(), "findAndModify", name_.c_str());
  BSON_APPEND_DOCUMENT(cmd.get(), "query", filter);
  if (kind == Modify::remove) {
    BSON_APPEND_BOOL(cmd.get(), "remove", true);
  } else if (pipeline) {
    BSON_APPEND_ARRAY(cmd.get(), "update", change);
  } else {
    BSON_APPEND_DOCUMENT(cmd.get(), "update", change);
  }
  bson_iter_t iter;
  if (init_opts(&iter, opts)) {
    while (bson_iter_next(&iter)) {
      const char *key = bson_iter_key(&iter);
      if (std::strcmp(key, "projection") == 0) {
        bson_append_iter(cmd.get(), "fields", -1, &iter);
      } else if (std::strcmp(key, "returnDocument") == 0) {
        const char *value = BSON_ITER_HOLDS_UTF8(&iter) ? bson_iter_utf8(&iter, nullptr) : "";
        const bool after = std::strcmp(value, "after") == 0;
        if (!after && std::strcmp(value, "before") != 0) {
          fail(Code::invalid_argument, std::string(what) + ": returnDocument must be \"before\" or \"after\"");
        }
        if (kind == Modify::remove) {
          fail(Code::invalid_argument, std::string(what) + ": returnDocument does not apply to a delete");
        }
        BSON_APPEND_BOOL(cmd.get(), "new", after);
      } else {
        bson_append_iter(cmd.get(), nullptr, 0, &iter);
      }
    }
  }
  Bson reply;
  write_command(*client_, db_, name_, cmd.get(), what, reply.get());
  if (bson_iter_init_find(&iter, reply.get(), "value") && BSON_ITER_HOLDS_DOCUMENT(&iter)) {
    if (out) {
      bson_t value;
      uint32_t len = 0;
      const uint8_t *data = nullptr;
      bson_iter_document(&iter, &len, &data);
      if (!bson_init_static(&value, data, len)) fail(Code::internal, std::string(what) + ": invalid reply");
      bson_concat(out, &value);
    }
    return true;
  }
  return false;
}

void Collection::distinct(const char *key, const bson_t *filter, const bson_t *opts, bson_t *reply) const {
  require(key, "key");
  require(reply, "reply");
  if (!key[0]) fail(Code::invalid_argument, "distinct: key is empty");
  Bson cmd;
  BSON_APPEND_UTF8(cmd.get(), "distinct", name_.c_str());
  BSON_APPEND_UTF8(cmd.get(), "key", key);
  BSON_APPEND_DOCUMENT(cmd.get(), "query", or_empty(filter));
  append_all(opts, cmd.get());
  client_->run([&](Client::Lease &lease) {
    Handle coll(lease, db_, name_);
    bson_t server_reply;
    bson_error_t error;
    const bool ok = mongoc_collection_read_command_with_opts(coll.get(), cmd.get(), nullptr, nullptr, &server_reply,
                                                             &error);
    bson_iter_t iter;
    if (ok && bson_iter_init_find(&iter, &server_reply, "values")) bson_append_iter(reply, "values", -1, &iter);
    bson_destroy(&server_reply);
    if (!ok) fail_from_bson_error(error, "distinct");
  });
  if (!bson_has_field(reply, "values")) {
    bson_t empty;
    BSON_APPEND_ARRAY_BEGIN(reply, "values", &empty);
    bson_append_array_end(reply, &empty);
  }
}

int64_t Collection::estimated_count(const bson_t *opts) const {
  return client_->run([&](Client::Lease &lease) {
    Handle coll(lease, db_, name_);
    bson_error_t error;
    const int64_t n = mongoc_collection_estimated_document_count(coll.get(), opts, nullptr, nullptr, &error);
    if (n < 0) fail_from_bson_error(error, "estimated_document_count");
    return n;
  });
}

void Collection::create_indexes(const bson_t *const *indexes, size_t n, const bson_t *opts, bson_t *reply) const {
  if (n == 0) {
    if (reply) {
      bson_t empty;
      BSON_APPEND_ARRAY_BEGIN(reply, "names", &empty);
      bson_append_array_end(reply, &empty);
    }
    return;
  }
  require(indexes, "indexes");
  Bson cmd, names;
  BSON_APPEND_UTF8(cmd.get(), "createIndexes", name_.c_str());
  bson_t array;
  BSON_APPEND_ARRAY_BEGIN(cmd.get(), "indexes", &array);
  for (size_t i = 0; i < n; ++i) {
    const std::string where = "create_indexes: index " + std::to_string(i);
    if (!indexes[i]) fail(Code::invalid_argument, where + " is NULL");
    bson_iter_t iter;
    if (!bson_iter_init_find(&iter, indexes[i], "key") || !BSON_ITER_HOLDS_DOCUMENT(&iter)) {
      fail(Code::invalid_argument, where + " has no \"key\" document");
    }
    uint32_t len = 0;
    const uint8_t *data = nullptr;
    bson_iter_document(&iter, &len, &data);
    bson_t keys;
    if (!bson_init_static(&keys, data, len)) fail(Code::invalid_argument, where + ": invalid keys");
    std::string name;
    if (bson_iter_init_find(&iter, indexes[i], "name")) {
      if (!BSON_ITER_HOLDS_UTF8(&iter) || !bson_iter_utf8(&iter, nullptr)[0]) {
        fail(Code::invalid_argument, where + ": \"name\" must be a non-empty string");
      }
      name = bson_iter_utf8(&iter, nullptr);
    } else {
      name = default_index_name(&keys);
    }
    const std::string idx = std::to_string(i);
    bson_t spec;
    BSON_APPEND_DOCUMENT_BEGIN(&array, idx.c_str(), &spec);
    BSON_APPEND_DOCUMENT(&spec, "key", &keys);
    BSON_APPEND_UTF8(&spec, "name", name.c_str());
    bson_iter_init(&iter, indexes[i]);
    while (bson_iter_next(&iter)) {
      const char *k = bson_iter_key(&iter);
      if (std::strcmp(k, "key") != 0 && std::strcmp(k, "name") != 0) bson_append_iter(&spec, nullptr, 0, &iter);
    }
    bson_append_document_end(&array, &spec);
    BSON_APPEND_UTF8(names.get(), idx.c_str(), name.c_str());
  }
  bson_append_array_end(cmd.get(), &array);
  append_all(opts, cmd.get());
  write_command(*client_, db_, name_, cmd.get(), "create_indexes", nullptr);
  if (reply) BSON_APPEND_ARRAY(reply, "names", names.get());
}

void Collection::drop_index(const char *index_name, const bson_t *opts) const {
  require(index_name, "index_name");
  if (!index_name[0]) fail(Code::invalid_argument, "drop_index: index_name is empty");
  Bson cmd;
  BSON_APPEND_UTF8(cmd.get(), "dropIndexes", name_.c_str());
  BSON_APPEND_UTF8(cmd.get(), "index", index_name);
  append_all(opts, cmd.get());
  write_command(*client_, db_, name_, cmd.get(), "drop_index", nullptr);
}

void Collection::rename(const char *new_name, bool drop_target, const bson_t *opts) const {
  require(new_name, "new_name");
  check_collection_name(new_name);
  client_->run([&](Client::Lease &lease) {
    Handle coll(lease, db_, name_);
    bson_error_t error;
    if (!mongoc_collection_rename_with_opts(coll.get(), nullptr, new_name, drop_target, opts, &error)) {
      fail_from_bson_error(error, "rename");
    }
  });
}

}  // namespace mongo_odm::core
