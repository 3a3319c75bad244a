// replace_one as the update command the library builds itself, and its reply in the shape of
// libmongoc's mongoc_collection_replace_one().
//
// mongoc_collection_replace_one() copies the replacement twice into fresh buffers before it is
// sent (an update statement {q, u, upsert}, then the command's document sequence), and a fresh
// multi-megabyte buffer costs more in page faults than the copy itself. The library builds the
// command {update, updates: [{q, u, ...}], ordered} once, in a reused buffer (scratch.hpp), with
// the replacement written straight into it, and sends it with
// mongoc_collection_write_command_with_opts() (which copies it once, adding $db and the session;
// it also retries it as a retryable write, as replace_one would).
#pragma once

#include <bson/bson.h>

#include <functional>
#include <string>

namespace mongo_odm::core {
namespace replace_command {

// Builds the command into `cmd` (initialized, empty): `write_replacement` appends the
// replacement's fields to the document it is given. `opts` are mongoc_collection_replace_one()'s
// options: "upsert", "collation", "hint" and "sort" go into the statement, "bypassDocumentValidation",
// "let" and "comment" into the command, "writeConcern" and "sessionId" into `mongoc_opts`
// (initialized, empty) for libmongoc, and "validate" is dropped (the library checks what it
// stores itself). Throws INVALID_ARGUMENT for any other option or a value of the wrong type, as
// libmongoc does ("Invalid option ...").
void build(const std::string &collection, const bson_t *filter, const std::function<void(bson_t *)> &write_replacement,
           const bson_t *opts, bson_t *cmd, bson_t *mongoc_opts);

// Appends to `reply` (initialized; may be NULL) what mongoc_collection_replace_one() would:
// {matchedCount, modifiedCount, upsertedCount[, upsertedId]} from the server's reply to the
// command, plus its "writeErrors" (the server's), "writeConcernErrors" (the server's
// writeConcernError, as a one-element array) and "errorLabels". Returns false with `error` set
// (as libmongoc sets it with error API version 2: domain MONGOC_ERROR_SERVER, the server's code
// and errmsg) when the write failed.
bool complete(const bson_t *server_reply, bson_t *reply, bson_error_t *error);

}  // namespace replace_command
}  // namespace mongo_odm::core
