#include "replace_command.hpp"

#include <mongoc/mongoc.h>

#include <cstring>

#include "bson_util.hpp"
#include "error.hpp"

namespace mongo_odm::core {
namespace replace_command {

namespace {

enum class Place { statement, command, libmongoc, dropped };

struct Option {
  const char *name;
  Place place;
  bool (*type_ok)(const bson_iter_t *);
  const char *expected;
};

bool is_bool(const bson_iter_t *it) { return BSON_ITER_HOLDS_BOOL(it); }
bool is_document(const bson_iter_t *it) { return BSON_ITER_HOLDS_DOCUMENT(it); }
bool is_hint(const bson_iter_t *it) { return BSON_ITER_HOLDS_UTF8(it) || BSON_ITER_HOLDS_DOCUMENT(it); }
bool is_any(const bson_iter_t *) { return true; }
bool is_validate(const bson_iter_t *it) { return BSON_ITER_HOLDS_BOOL(it) || BSON_ITER_HOLDS_INT32(it); }

// mongoc_collection_replace_one()'s options (libmongoc 1.23 to 2.x), and where each one goes.
const Option kOptions[] = {
    {"upsert", Place::statement, is_bool, "a boolean"},
    {"collation", Place::statement, is_document, "a document"},
    {"hint", Place::statement, is_hint, "a string or a document"},
    {"sort", Place::statement, is_document, "a document"},
    {"bypassDocumentValidation", Place::command, is_bool, "a boolean"},
    {"let", Place::command, is_document, "a document"},
    {"comment", Place::command, is_any, ""},
    {"writeConcern", Place::libmongoc, is_document, "a document"},
    {"sessionId", Place::libmongoc, is_any, ""},
    {"validate", Place::dropped, is_validate, "a boolean or validation flags"},
};

const Option *find_option(const char *name) {
  for (const Option &o : kOptions) {
    if (!std::strcmp(o.name, name)) return &o;
  }
  return nullptr;
}

// The options of one place, appended to `out`.
void append_options(const bson_t *opts, Place place, bson_t *out) {
  if (!opts) return;
  bson_iter_t iter;
  bson_iter_init(&iter, opts);
  while (bson_iter_next(&iter)) {
    const Option *o = find_option(bson_iter_key(&iter));
    if (o && o->place == place) bson_append_iter(out, nullptr, 0, &iter);
  }
}

void check_options(const bson_t *opts) {
  if (!opts) return;
  bson_iter_t iter;
  if (!bson_iter_init(&iter, opts)) fail(Code::invalid_argument, "opts is not valid BSON");
  while (bson_iter_next(&iter)) {
    const char *key = bson_iter_key(&iter);
    const Option *o = find_option(key);
    if (!o) fail(Code::invalid_argument, std::string("Invalid option '") + key + "'");
    if (!o->type_ok(&iter)) {
      fail(Code::invalid_argument, std::string("Invalid type for option \"") + key + "\": expected " + o->expected);
    }
  }
}

int32_t array_length(const bson_t *doc, const char *key) {
  bson_iter_t iter, child;
  int32_t n = 0;
  if (bson_iter_init_find(&iter, doc, key) && BSON_ITER_HOLDS_ARRAY(&iter) && bson_iter_recurse(&iter, &child)) {
    while (bson_iter_next(&child)) ++n;
  }
  return n;
}

// The "code" and "errmsg" of an error document (a writeErrors element, a writeConcernError).
void set_error_from(const bson_iter_t *error_doc, uint32_t domain, bson_error_t *error) {
  uint32_t code = 0;
  const char *message = "";
  bson_iter_t fields;
  if (BSON_ITER_HOLDS_DOCUMENT(error_doc) && bson_iter_recurse(error_doc, &fields)) {
    while (bson_iter_next(&fields)) {
      if (BSON_ITER_IS_KEY(&fields, "code") && BSON_ITER_HOLDS_NUMBER(&fields)) {
        code = static_cast<uint32_t>(bson_iter_as_int64(&fields));
      } else if (BSON_ITER_IS_KEY(&fields, "errmsg") && BSON_ITER_HOLDS_UTF8(&fields)) {
        message = bson_iter_utf8(&fields, nullptr);
      }
    }
  }
  bson_set_error(error, domain, code, "%s", message);
}

}  // namespace

void build(const std::string &collection, const bson_t *filter, const std::function<void(bson_t *)> &write_replacement,
           const bson_t *opts, bson_t *cmd, bson_t *mongoc_opts) {
  check_options(opts);
  bson_append_utf8(cmd, "update", 6, collection.data(), static_cast<int>(collection.size()));
  bson_t updates, statement, u;
  bson_append_array_begin(cmd, "updates", 7, &updates);
  bson_append_document_begin(&updates, "0", 1, &statement);
  bson_append_document(&statement, "q", 1, or_empty(filter));
  bson_append_document_begin(&statement, "u", 1, &u);
  write_replacement(&u);
  bson_append_document_end(&statement, &u);
  append_options(opts, Place::statement, &statement);
  bson_append_document_end(&updates, &statement);
  bson_append_array_end(cmd, &updates);
  bson_append_bool(cmd, "ordered", 7, true);
  append_options(opts, Place::command, cmd);
  append_options(opts, Place::libmongoc, mongoc_opts);
}

namespace {

// complete(), counts: libmongoc's reply fields for one update statement (matchedCount excludes
// an upsert, as the CRUD specification says) and the upserted _id.
void append_counts(const bson_t *server_reply, bson_t *reply) {
  const int32_t n = static_cast<int32_t>(reply_count(server_reply, "n"));
  const int32_t upserted = array_length(server_reply, "upserted");
  BSON_APPEND_INT32(reply, "modifiedCount", static_cast<int32_t>(reply_count(server_reply, "nModified")));
  BSON_APPEND_INT32(reply, "matchedCount", n - upserted);
  BSON_APPEND_INT32(reply, "upsertedCount", upserted);
  bson_iter_t iter, first, id;
  if (upserted > 0 && bson_iter_init_find(&iter, server_reply, "upserted") && bson_iter_recurse(&iter, &first) &&
      bson_iter_next(&first) && BSON_ITER_HOLDS_DOCUMENT(&first) && bson_iter_recurse(&first, &id) &&
      bson_iter_find(&id, "_id")) {
    bson_append_iter(reply, "upsertedId", 10, &id);
  }
}

// complete(), errors: as libmongoc, the first write error, else the write concern error, is the
// call's error; `reply` (may be null) gets writeErrors, writeConcernErrors and errorLabels.
bool take_errors(const bson_t *server_reply, bson_t *reply, bson_error_t *error) {
  bson_iter_t iter;
  bool ok = true;
  if (bson_iter_init_find(&iter, server_reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY(&iter)) {
    if (reply) bson_append_iter(reply, "writeErrors", 11, &iter);
    bson_iter_t errors;
    if (bson_iter_recurse(&iter, &errors) && bson_iter_next(&errors)) {
      set_error_from(&errors, MONGOC_ERROR_SERVER, error);
      ok = false;
    }
  }
  if (bson_iter_init_find(&iter, server_reply, "writeConcernError") && BSON_ITER_HOLDS_DOCUMENT(&iter)) {
    if (reply) {
      bson_t errors;
      bson_append_array_begin(reply, "writeConcernErrors", 18, &errors);
      bson_append_iter(&errors, "0", 1, &iter);
      bson_append_array_end(reply, &errors);
    }
    if (ok) {
      set_error_from(&iter, MONGOC_ERROR_WRITE_CONCERN, error);
      ok = false;
    }
  }
  if (reply && bson_iter_init_find(&iter, server_reply, "errorLabels") && BSON_ITER_HOLDS_ARRAY(&iter)) {
    bson_append_iter(reply, "errorLabels", 11, &iter);
  }
  return ok;
}

}  // namespace

bool complete(const bson_t *server_reply, bson_t *reply, bson_error_t *error) {
  bson_iter_t iter;
  if (reply && bson_iter_init_find(&iter, server_reply, "n")) append_counts(server_reply, reply);  // acknowledged
  return take_errors(server_reply, reply, error);
}

}  // namespace replace_command
}  // namespace mongo_odm::core
