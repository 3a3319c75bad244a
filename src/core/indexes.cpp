#include "indexes.hpp"

#include <mongoc/mongoc.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bson_util.hpp"
#include "client.hpp"
#include "collection.hpp"
#include "error.hpp"

namespace mongo_odm::core {
namespace indexes {

namespace {

// Fields of a listIndexes entry that describe the entry rather than the index: never compared.
bool bookkeeping(const char *key) {
  return std::strcmp(key, "v") == 0 || std::strcmp(key, "key") == 0 || std::strcmp(key, "name") == 0 ||
         std::strcmp(key, "ns") == 0 || std::strcmp(key, "background") == 0;
}

// Options that change what an index does: one the existing index has and the declaration lacks
// is a difference too (a declaration without "unique" is not satisfied by a unique index).
bool semantic(const char *key) {
  return std::strcmp(key, "unique") == 0 || std::strcmp(key, "sparse") == 0 ||
         std::strcmp(key, "expireAfterSeconds") == 0 || std::strcmp(key, "partialFilterExpression") == 0 ||
         std::strcmp(key, "collation") == 0 || std::strcmp(key, "hidden") == 0;
}

bool boolean_option(const char *key) {
  return std::strcmp(key, "unique") == 0 || std::strcmp(key, "sparse") == 0 || std::strcmp(key, "hidden") == 0;
}

std::string json(const bson_t *doc) {
  char *text = bson_as_relaxed_extended_json(doc, nullptr);
  std::string out = text ? text : "?";
  bson_free(text);
  return out;
}

// Equal BSON values, numbers compared by value (servers echo 1 as int32, int64 or double).
bool same_value(const bson_iter_t *a, const bson_iter_t *b) {
  if (BSON_ITER_HOLDS_NUMBER(a) && BSON_ITER_HOLDS_NUMBER(b)) return bson_iter_as_double(a) == bson_iter_as_double(b);
  if (bson_iter_type(a) != bson_iter_type(b)) return false;
  const bson_value_t *va = bson_iter_value(const_cast<bson_iter_t *>(a));
  const bson_value_t *vb = bson_iter_value(const_cast<bson_iter_t *>(b));
  switch (va->value_type) {
    case BSON_TYPE_UTF8:
      return va->value.v_utf8.len == vb->value.v_utf8.len &&
             std::memcmp(va->value.v_utf8.str, vb->value.v_utf8.str, va->value.v_utf8.len) == 0;
    case BSON_TYPE_BOOL:
      return va->value.v_bool == vb->value.v_bool;
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      return va->value.v_doc.data_len == vb->value.v_doc.data_len &&
             std::memcmp(va->value.v_doc.data, vb->value.v_doc.data, va->value.v_doc.data_len) == 0;
    default: {
      bson_t da = BSON_INITIALIZER, db = BSON_INITIALIZER;
      bson_append_value(&da, "v", 1, va);
      bson_append_value(&db, "v", 1, vb);
      const bool same = bson_equal(&da, &db);
      bson_destroy(&da);
      bson_destroy(&db);
      return same;
    }
  }
}

bool same_keys(const bson_t *declared, const bson_t *existing) {
  bson_iter_t a, b;
  if (!bson_iter_init(&a, declared) || !bson_iter_init(&b, existing)) return false;
  for (;;) {
    const bool na = bson_iter_next(&a), nb = bson_iter_next(&b);
    if (na != nb) return false;
    if (!na) return true;
    if (std::strcmp(bson_iter_key(&a), bson_iter_key(&b)) != 0 || !same_value(&a, &b)) return false;
  }
}

// A boolean option's truth (absent: false).
bool truthy(const bson_t *spec, const char *key) {
  bson_iter_t it;
  return bson_iter_init_find(&it, spec, key) && bson_iter_as_bool(&it);
}

// True when the options of `declared` and `existing` (whole specifications) agree.
bool same_options(const bson_t *declared, const bson_t *existing) {
  bson_iter_t it, other;
  bson_iter_init(&it, declared);
  while (bson_iter_next(&it)) {
    const char *key = bson_iter_key(&it);
    if (bookkeeping(key)) continue;
    if (boolean_option(key)) {
      if (bson_iter_as_bool(&it) != truthy(existing, key)) return false;
      continue;
    }
    if (!bson_iter_init_find(&other, existing, key) || !same_value(&it, &other)) return false;
  }
  bson_iter_init(&it, existing);
  while (bson_iter_next(&it)) {
    const char *key = bson_iter_key(&it);
    if (!semantic(key) || bson_iter_init_find(&other, declared, key)) continue;
    if (boolean_option(key) ? bson_iter_as_bool(&it) : true) return false;
  }
  return true;
}

// The "key" document of a specification (a view into it).
void spec_keys(const bson_t *spec, bson_t *keys) {
  bson_iter_t it;
  uint32_t len = 0;
  const uint8_t *data = nullptr;
  if (!bson_iter_init_find(&it, spec, "key") || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
    fail(Code::invalid_argument, "index specification has no 'key' document");
  }
  bson_iter_document(&it, &len, &data);
  if (!bson_init_static(keys, data, len)) fail(Code::invalid_argument, "index 'key' is not valid BSON");
}

std::string spec_name(const bson_t *spec) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, spec, "name") || !BSON_ITER_HOLDS_UTF8(&it)) return std::string();
  return bson_iter_utf8(&it, nullptr);
}

void check_keys(const bson_t *keys) {
  bson_iter_t it;
  if (!bson_iter_init(&it, keys)) fail(Code::invalid_argument, "index keys are not valid BSON");
  size_t n = 0;
  while (bson_iter_next(&it)) {
    ++n;
    const char *field = bson_iter_key(&it);
    if (!field[0] || !valid_utf8(field, std::strlen(field))) {
      fail(Code::invalid_argument, "index key names must be non-empty UTF-8");
    }
    if (BSON_ITER_HOLDS_NUMBER(&it)) {
      if (bson_iter_as_double(&it) == 0) {
        fail(Code::invalid_argument, std::string("index key '") + field + "': direction 0 (use 1 or -1)");
      }
    } else if (!BSON_ITER_HOLDS_UTF8(&it)) {
      fail(Code::invalid_argument, std::string("index key '") + field +
                                       "': the direction must be a number (1, -1) or a string ('text', '2dsphere', "
                                       "'hashed', ...)");
    }
  }
  if (n == 0) fail(Code::invalid_argument, "index keys are empty");
}

// {key, name, options...} from keys and the other fields of `rest` (skipping "key").
void build_spec(const bson_t *keys, const bson_t *rest, bson_t *out) {
  check_keys(keys);
  std::string name;
  bson_iter_t it;
  if (rest && bson_iter_init_find(&it, rest, "name")) {
    if (!BSON_ITER_HOLDS_UTF8(&it) || !*bson_iter_utf8(&it, nullptr)) {
      fail(Code::invalid_argument, "index option 'name' must be a non-empty string");
    }
    name = bson_iter_utf8(&it, nullptr);
  } else {
    name = default_index_name(keys);
  }
  BSON_APPEND_DOCUMENT(out, "key", keys);
  BSON_APPEND_UTF8(out, "name", name.c_str());
  if (!rest) return;
  if (!bson_iter_init(&it, rest)) fail(Code::invalid_argument, "index options are not valid BSON");
  while (bson_iter_next(&it)) {
    const char *key = bson_iter_key(&it);
    if (std::strcmp(key, "key") == 0 || std::strcmp(key, "name") == 0) continue;
    bson_append_iter(out, nullptr, 0, &it);
  }
}

struct Owned {
  bson_t *doc;
  explicit Owned(const bson_t *d) : doc(bson_copy(d)) {}
  ~Owned() { bson_destroy(doc); }
  Owned(const Owned &) = delete;
  Owned &operator=(const Owned &) = delete;
};

}  // namespace

void make_spec(const bson_t *keys, const bson_t *opts, bson_t *out) {
  require(keys, "keys");
  bson_iter_t it;
  if (opts && bson_iter_init_find(&it, opts, "key")) {
    fail(Code::invalid_argument, "index options must not contain 'key' (pass the keys as keys)");
  }
  build_spec(keys, opts, out);
}

void normalize_spec(const bson_t *spec, bson_t *out) {
  require(spec, "index specification");
  bson_t keys;
  spec_keys(spec, &keys);
  build_spec(&keys, spec, out);
}

void list(const Collection &coll, bson_t *reply) {
  Bson indexes;
  coll.client()->run([&](Client::Lease &lease) {
    bson_reinit(indexes.get());  // a retried attempt starts over
    std::unique_ptr<mongoc_collection_t, void (*)(mongoc_collection_t *)> c(
        mongoc_client_get_collection(lease.get(), coll.db().c_str(), coll.name().c_str()), mongoc_collection_destroy);
    std::unique_ptr<mongoc_cursor_t, void (*)(mongoc_cursor_t *)> cursor(
        mongoc_collection_find_indexes_with_opts(c.get(), nullptr), mongoc_cursor_destroy);
    const bson_t *doc = nullptr;
    uint32_t i = 0;
    char buf[16];
    while (mongoc_cursor_next(cursor.get(), &doc)) {
      const char *key;
      bson_uint32_to_string(i++, &key, buf, sizeof buf);
      BSON_APPEND_DOCUMENT(indexes.get(), key, doc);
    }
    bson_error_t error;
    // libmongoc answers "ns not found" with an empty cursor; FerretDB's code 26 is kept so.
    if (mongoc_cursor_error(cursor.get(), &error) && error.code != 26) fail_from_bson_error(error, "list_indexes");
  });
  BSON_APPEND_ARRAY(reply, "indexes", indexes.get());
}

namespace {

using OwnedList = std::vector<std::unique_ptr<Owned>>;
using OwnedByName = std::map<std::string, std::unique_ptr<Owned>>;

// ensure(), phase 1: the declared specifications, normalized; a name declared twice is refused.
OwnedList normalize_declared(const bson_t *const *specs, size_t n) {
  OwnedList declared;
  declared.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!specs[i]) fail(Code::invalid_argument, "index " + std::to_string(i) + " is NULL");
    Bson spec;
    normalize_spec(specs[i], spec.get());
    for (const auto &d : declared) {
      if (spec_name(d->doc) == spec_name(spec.get())) {
        fail(Code::invalid_argument, "index '" + spec_name(spec.get()) + "' is declared twice");
      }
    }
    declared.push_back(std::make_unique<Owned>(spec.get()));
  }
  return declared;
}

// ensure(), phase 2: the collection's indexes by name.
OwnedByName existing_by_name(const Collection &coll) {
  Bson listed;
  list(coll, listed.get());
  OwnedByName by_name;
  bson_iter_t it, entry;
  if (bson_iter_init_find(&it, listed.get(), "indexes") && bson_iter_recurse(&it, &entry)) {
    while (bson_iter_next(&entry)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&entry)) continue;
      uint32_t len;
      const uint8_t *data;
      bson_iter_document(&entry, &len, &data);
      bson_t doc;
      if (!bson_init_static(&doc, data, len)) continue;
      const std::string name = spec_name(&doc);
      if (!name.empty()) by_name.emplace(name, std::make_unique<Owned>(&doc));
    }
  }
  return by_name;
}

// ensure(), phase 3: which declared indexes are missing (returned) and which exist (their names
// appended to `existing`, an array). A declared index whose name exists with other keys or
// options fails with SERVER and MongoDB's own code for the conflict, before anything is sent.
std::vector<const bson_t *> plan_creation(const OwnedList &declared, const OwnedByName &by_name, bson_t *existing) {
  std::vector<const bson_t *> to_create;
  uint32_t n_existing = 0;
  char buf[16];
  for (const auto &d : declared) {
    const std::string name = spec_name(d->doc);
    auto found = by_name.find(name);
    if (found == by_name.end()) {
      to_create.push_back(d->doc);
      continue;
    }
    bson_iter_t it;
    bson_t want_keys, have_keys;
    spec_keys(d->doc, &want_keys);
    const bool keys_ok = bson_iter_init_find(&it, found->second->doc, "key") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
                         (spec_keys(found->second->doc, &have_keys), same_keys(&want_keys, &have_keys));
    if (!keys_ok || !same_options(d->doc, found->second->doc)) {
      fail(Code::server,
           "ensure_indexes: index '" + name + "' exists as " + json(found->second->doc) + " but is declared as " +
               json(d->doc) + " (" + (keys_ok ? "other options" : "other keys") +
               "); drop the existing index or give the declared one another name",
           keys_ok ? kIndexOptionsConflict : kIndexKeySpecsConflict);
    }
    const char *key;
    bson_uint32_to_string(n_existing++, &key, buf, sizeof buf);
    BSON_APPEND_UTF8(existing, key, name.c_str());
  }
  return to_create;
}

// ensure(), phase 4: one createIndexes command for the missing indexes; their names are appended
// to `created` (an array) and the command to `cmd`. On failure the caller's `reply` gets the
// command (FerretDB refuses TTL and partial indexes: it shows they were asked for) and the
// server's answer, and the error is rethrown.
void create_missing(const Collection &coll, const std::vector<const bson_t *> &to_create, bson_t *created, bson_t *cmd,
                    bson_t *reply) {
  char buf[16];
  BSON_APPEND_UTF8(cmd, "createIndexes", coll.name().c_str());
  bson_t list_arr;
  BSON_APPEND_ARRAY_BEGIN(cmd, "indexes", &list_arr);
  for (size_t i = 0; i < to_create.size(); ++i) {
    const char *key;
    bson_uint32_to_string(static_cast<uint32_t>(i), &key, buf, sizeof buf);
    BSON_APPEND_DOCUMENT(&list_arr, key, to_create[i]);
    BSON_APPEND_UTF8(created, key, spec_name(to_create[i]).c_str());
  }
  bson_append_array_end(cmd, &list_arr);

  Bson server_reply;
  try {
    coll.client()->run([&](Client::Lease &lease) {
      bson_reinit(server_reply.get());
      std::unique_ptr<mongoc_collection_t, void (*)(mongoc_collection_t *)> c(
          mongoc_client_get_collection(lease.get(), coll.db().c_str(), coll.name().c_str()), mongoc_collection_destroy);
      bson_t mreply;
      bson_error_t error;
      const bool ok = mongoc_collection_write_command_with_opts(c.get(), cmd, nullptr, &mreply, &error);
      bson_concat(server_reply.get(), &mreply);
      bson_destroy(&mreply);
      if (!ok) fail_from_bson_error(error, "ensure_indexes");
    });
  } catch (const Error &) {
    BSON_APPEND_DOCUMENT(reply, "command", cmd);
    bson_iter_t r;
    if (bson_iter_init(&r, server_reply.get())) {
      while (bson_iter_next(&r)) {
        if (std::strcmp(bson_iter_key(&r), "command") != 0) bson_append_iter(reply, nullptr, 0, &r);
      }
    }
    throw;
  }
}

}  // namespace

void ensure(const Collection &coll, const bson_t *const *specs, size_t n, bson_t *reply) {
  if (n > 0) require(specs, "indexes");
  const OwnedList declared = normalize_declared(specs, n);
  Bson created, existing;
  if (n > 0) {
    const std::vector<const bson_t *> to_create = plan_creation(declared, existing_by_name(coll), existing.get());
    if (!to_create.empty()) {
      Bson cmd;
      create_missing(coll, to_create, created.get(), cmd.get(), reply);
      BSON_APPEND_ARRAY(reply, "created", created.get());
      BSON_APPEND_ARRAY(reply, "existing", existing.get());
      BSON_APPEND_DOCUMENT(reply, "command", cmd.get());
      return;
    }
  }
  BSON_APPEND_ARRAY(reply, "created", created.get());
  BSON_APPEND_ARRAY(reply, "existing", existing.get());
}

}  // namespace indexes
}  // namespace mongo_odm::core
