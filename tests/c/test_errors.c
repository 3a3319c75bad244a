/* Error classification against the test server: duplicate keys, server errors, encoding
 * errors (invalid UTF-8, documents over 16 MiB), maxTimeMS timeouts, connection and
 * configuration failures, and the error struct itself. */
#include "test_util.h"

typedef struct {
  mongo_odm_model_t *model;
  mongo_odm_collection_t *coll; /* the model's collection, raw */
} fixture_t;

static int setup(void **state) {
  if (!mongo_odm_is_connected()) tu_connect();
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  f->model = tu_model("errors");
  f->coll = tu_collection(f->model);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  if (!mongo_odm_is_connected()) tu_connect();
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_drop(f->coll, &err));
  mongo_odm_collection_destroy(f->coll);
  mongo_odm_model_destroy(f->model);
  free(f);
  return 0;
}

static int64_t count_all(fixture_t *f) { return tu_count(f->model, NULL); }

/* A document {"_id": id, "s": <size bytes of 'x'>}. */
static bson_t *big_document(const char *id, size_t size) {
  char *text = malloc(size + 1);
  assert_non_null(text);
  memset(text, 'x', size);
  text[size] = '\0';
  bson_t *doc = bson_new();
  BSON_APPEND_UTF8(doc, "_id", id);
  assert_true(bson_append_utf8(doc, "s", 1, text, (int)size));
  free(text);
  return doc;
}

/* ---- duplicate keys ----------------------------------------------------------------------- */

static void test_duplicate_key(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t *doc = tu_bson("{\"_id\": \"dup\", \"v\": 1}");
  assert_true(mongo_odm_collection_insert_one(f->coll, doc, NULL, NULL, &err));
  bson_t reply;
  assert_false(mongo_odm_collection_insert_one(f->coll, doc, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  assert_int_equal(err.server_code, 11000);
  /* the server's write errors are handed over in the reply */
  assert_true(bson_has_field(&reply, "writeErrors"));
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 1);
  bson_destroy(doc);

  /* through a unique index, on update and on a model save */
  bson_t *keys = tu_bson("{\"email\": 1}");
  bson_t *opts = tu_bson("{\"unique\": true}");
  assert_true(mongo_odm_collection_create_index(f->coll, keys, opts, NULL, &err));
  bson_destroy(opts);
  bson_destroy(keys);
  mongo_odm_doc_t *a = mongo_odm_doc_new(f->model);
  assert_true(mongo_odm_doc_set_utf8(a, "email", "a@example.com", &err));
  assert_true(mongo_odm_doc_save(a, false, &err));
  mongo_odm_doc_t *b = mongo_odm_doc_new(f->model);
  assert_true(mongo_odm_doc_set_utf8(b, "email", "b@example.com", &err));
  assert_true(mongo_odm_doc_save(b, false, &err));
  /* a new document violating the unique index: inserted through save's upsert */
  mongo_odm_doc_t *c = mongo_odm_doc_new(f->model);
  assert_true(mongo_odm_doc_set_utf8(c, "email", "a@example.com", &err));
  assert_false(mongo_odm_doc_save(c, false, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  assert_int_equal(err.server_code, 11000);
  mongo_odm_doc_t *batch[] = {c};
  assert_false(mongo_odm_insert_many(f->model, batch, 1, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  assert_int_equal(err.server_code, 11000);
  mongo_odm_doc_destroy(c);

  /* An existing document updated into a violation. MongoDB answers 11000 (DUPLICATE_KEY);
   * FerretDB 1.24 answers InternalError (1) with SQLite's "UNIQUE constraint failed", which
   * is a SERVER error. Either way the write fails and changes nothing. */
  assert_true(mongo_odm_doc_set_utf8(b, "email", "a@example.com", &err));
  assert_false(mongo_odm_doc_save(b, false, &err));
  assert_true(err.code == MONGO_ODM_ERROR_DUPLICATE_KEY || err.code == MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);

  bson_t *filter = tu_bson("{\"email\": \"b@example.com\"}");
  bson_t *update = tu_bson("{\"$set\": {\"email\": \"a@example.com\"}}");
  bool changed = true;
  assert_false(mongo_odm_update_one(f->model, filter, update, false, &changed, &err));
  assert_true(err.code == MONGO_ODM_ERROR_DUPLICATE_KEY || err.code == MONGO_ODM_ERROR_SERVER);
  assert_false(changed);
  assert_false(mongo_odm_collection_update_many(f->coll, filter, update, NULL, &reply, &err));
  assert_true(err.code == MONGO_ODM_ERROR_DUPLICATE_KEY || err.code == MONGO_ODM_ERROR_SERVER);
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 3);
  assert_int_equal(tu_count(f->model, "{\"email\": \"a@example.com\"}"), 1);
  assert_int_equal(tu_count(f->model, "{\"email\": \"b@example.com\"}"), 1);
  bson_destroy(update);
  bson_destroy(filter);
  mongo_odm_doc_destroy(a);
  mongo_odm_doc_destroy(b);
}

/* ---- server errors ------------------------------------------------------------------------ */

static void test_server_error(void **state) {
  fixture_t *f = *state;
  (void)f;
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  bson_t *cmd = tu_bson("{\"noSuchCommandXyz\": 1}");
  bson_t reply;
  assert_false(mongo_odm_client_command(client, "admin", cmd, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);
  assert_contains(err.message, "noSuchCommandXyz");
  /* on a server error the reply holds the server's answer */
  tu_assert_bson_int(&reply, "ok", 0);
  assert_true(bson_has_field(&reply, "errmsg"));
  bson_destroy(&reply);
  bson_destroy(cmd);

  /* a failing write: $inc on a string */
  bson_t *doc = tu_bson("{\"_id\": 1, \"s\": \"text\"}");
  assert_true(mongo_odm_collection_insert_one(f->coll, doc, NULL, NULL, &err));
  bson_t *filter = tu_bson("{\"_id\": 1}");
  bson_t *inc = tu_bson("{\"$inc\": {\"s\": 1}}");
  assert_false(mongo_odm_collection_update_one(f->coll, filter, inc, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);
  bson_destroy(&reply);
  /* the same through the model */
  bool changed = true;
  assert_false(mongo_odm_update_one(f->model, filter, inc, false, &changed, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_false(changed);
  bson_destroy(inc);
  bson_destroy(filter);
  bson_destroy(doc);

  /* options unknown to libmongoc go to the server, which rejects them: from the cursor */
  bson_t *opts = tu_bson("{\"noSuchFindOption\": 1}");
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(f->coll, NULL, opts, &err);
  assert_non_null(cursor);
  assert_ok(err);
  const bson_t *out;
  assert_false(mongo_odm_cursor_next_bson(cursor, &out));
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);
  assert_contains(err.message, "noSuchFindOption");
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);
  opts = tu_bson("{\"limit\": \"ten\"}");
  int64_t n;
  assert_false(mongo_odm_collection_count_documents(f->coll, NULL, opts, &n, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);
  bson_destroy(opts);
}

/* ---- encoding ----------------------------------------------------------------------------- */

static void test_invalid_utf8_is_encoding(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t reply;

  bson_t *top = bson_new();
  BSON_APPEND_INT32(top, "_id", 1);
  bson_append_utf8(top, "s", -1, "caf\xe9", 4); /* Latin-1, not UTF-8 */
  bson_t *nested = bson_new();
  bson_t child, array;
  BSON_APPEND_INT32(nested, "_id", 2);
  BSON_APPEND_DOCUMENT_BEGIN(nested, "a", &child);
  bson_append_utf8(&child, "s", -1, "\xc3\x28", 2);
  bson_append_document_end(nested, &child);
  bson_t *in_array = bson_new();
  BSON_APPEND_INT32(in_array, "_id", 3);
  BSON_APPEND_ARRAY_BEGIN(in_array, "a", &array);
  bson_append_utf8(&array, "0", -1, "ok", 2);
  bson_append_utf8(&array, "1", -1, "\xed\xa0\x80", 3); /* a UTF-16 surrogate */
  bson_append_array_end(in_array, &array);
  bson_t *bad_key = bson_new();
  BSON_APPEND_INT32(bad_key, "_id", 4);
  bson_append_int32(bad_key, "k\xff", 2, 1);
  bson_t *bad_regex = bson_new();
  BSON_APPEND_INT32(bad_regex, "_id", 5);
  BSON_APPEND_REGEX(bad_regex, "r", "a\xff", "i");
  const bson_t *bad[] = {top, nested, in_array, bad_key, bad_regex};

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    assert_false(mongo_odm_collection_insert_one(f->coll, bad[i], NULL, &reply, &err));
    assert_code(err, MONGO_ODM_ERROR_ENCODING);
    assert_int_equal(bson_count_keys(&reply), 0);
    bson_destroy(&reply);
    bson_t *filter = tu_bson("{\"_id\": 1}");
    assert_false(mongo_odm_collection_replace_one(f->coll, filter, bad[i], NULL, NULL, &err));
    assert_code(err, MONGO_ODM_ERROR_ENCODING);
    bson_destroy(filter);
    assert_null(mongo_odm_doc_from_bson(f->model, bad[i], &err));
    assert_code(err, MONGO_ODM_ERROR_ENCODING);
  }
  bson_t *good = tu_bson("{\"_id\": 10, \"s\": \"caf\\u00e9\"}");
  const bson_t *batch[] = {good, nested};
  assert_false(mongo_odm_collection_insert_many(f->coll, batch, 2, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_int_equal(count_all(f), 0);

  /* through a document */
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->model);
  assert_false(mongo_odm_doc_set_utf8(doc, "s", "caf\xe9", &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_false(mongo_odm_doc_set_document(doc, "sub", nested, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_false(mongo_odm_doc_set_array(doc, "arr", in_array, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_true(mongo_odm_doc_save(doc, false, &err));
  assert_int_equal(count_all(f), 1);
  mongo_odm_doc_destroy(doc);

  /* valid UTF-8 (multi-byte, 4-byte sequences) goes through and comes back intact */
  assert_true(mongo_odm_collection_insert_one(f->coll, good, NULL, NULL, &err));
  assert_ok(err);
  bson_t *emoji = bson_new();
  BSON_APPEND_INT32(emoji, "_id", 11);
  BSON_APPEND_UTF8(emoji, "s", "\xf0\x9f\x90\xb6 \xe6\x97\xa5\xe6\x9c\xac");
  assert_true(mongo_odm_collection_insert_one(f->coll, emoji, NULL, NULL, &err));
  bson_t *filter = tu_bson("{\"_id\": 11}");
  bson_t out;
  bool found;
  assert_true(mongo_odm_collection_find_one(f->coll, filter, NULL, &out, &found, &err));
  tu_assert_bson_utf8(&out, "s", "\xf0\x9f\x90\xb6 \xe6\x97\xa5\xe6\x9c\xac");
  bson_destroy(&out);
  bson_destroy(filter);
  bson_destroy(emoji);

  bson_destroy(good);
  bson_destroy(top);
  bson_destroy(nested);
  bson_destroy(in_array);
  bson_destroy(bad_key);
  bson_destroy(bad_regex);
}

static void test_document_over_16_mib_is_encoding(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  const size_t over = (size_t)16 * 1024 * 1024 + 1024;
  bson_t *big = big_document("big", over);
  assert_true(big->len > 16u * 1024 * 1024);
  bson_t reply;
  assert_false(mongo_odm_collection_insert_one(f->coll, big, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_contains(err.message, "16 MiB");
  bson_destroy(&reply);
  const bson_t *batch[] = {big};
  assert_false(mongo_odm_collection_insert_many(f->coll, batch, 1, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_t *filter = tu_bson("{\"_id\": \"big\"}");
  bson_t *upsert = tu_bson("{\"upsert\": true}");
  assert_false(mongo_odm_collection_replace_one(f->coll, filter, big, upsert, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_destroy(upsert);
  bson_destroy(filter);
  bson_destroy(big);
  assert_int_equal(count_all(f), 0);

  /* a model document: save and insert_many */
  char *text = malloc(over + 1);
  assert_non_null(text);
  memset(text, 'y', over);
  text[over] = '\0';
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->model);
  assert_true(mongo_odm_doc_set_utf8(doc, "s", text, &err));
  free(text);
  assert_false(mongo_odm_doc_save(doc, false, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_contains(err.message, "16 MiB");
  mongo_odm_doc_t *small = mongo_odm_doc_new(f->model);
  mongo_odm_doc_t *docs[] = {small, doc};
  assert_false(mongo_odm_insert_many(f->model, docs, 2, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_int_equal(count_all(f), 0);

  /* a large document under the limit is fine */
  assert_true(mongo_odm_doc_set_utf8(doc, "s", "short again", &err));
  bson_t *four = big_document("four", (size_t)4 * 1024 * 1024);
  assert_true(mongo_odm_collection_insert_one(f->coll, four, NULL, NULL, &err));
  assert_ok(err);
  bson_destroy(four);
  assert_true(mongo_odm_doc_save(doc, false, &err));
  assert_int_equal(count_all(f), 2);
  mongo_odm_doc_destroy(small);
  mongo_odm_doc_destroy(doc);
}

/* ---- timeouts ----------------------------------------------------------------------------- */

/* FerretDB honours maxTimeMS (checked: code 50, MaxTimeMSExpired). A $regex filter is not
 * pushed down to SQLite, so scanning 2000 documents takes ~100 ms here: far over 1 ms.
 *
 * The test runs in a database of its own: FerretDB 1.24 (SQLite) interrupts the expired query
 * with sqlite3_interrupt(), and the interruption can hit other operations sharing that
 * database's connection pool ("interrupted (9)" on unrelated saves of concurrent test
 * processes). A database is a separate SQLite file with its own pool. */
static void test_max_time_ms_is_timeout(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_non_null(client);
  char *db = tu_unique_name("maxtime");
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, db, "scan", &err);
  assert_non_null(coll);
  mongo_odm_model_t *model = mongo_odm_model_new("scan", &err);
  assert_true(mongo_odm_model_set_collection(model, coll, &err));
  enum { N = 2000 };
  bson_t **docs = calloc(N, sizeof *docs);
  assert_non_null(docs);
  for (int i = 0; i < N; ++i) {
    docs[i] = bson_new();
    BSON_APPEND_INT32(docs[i], "n", i);
    BSON_APPEND_UTF8(docs[i], "s", i % 100 == 0 ? "hit-zz" : "abcdefghijklmnopqrstuvwxyz0123456789");
  }
  assert_true(mongo_odm_collection_insert_many(coll, (const bson_t *const *)docs, N, NULL, NULL, &err));
  for (int i = 0; i < N; ++i) bson_destroy(docs[i]);
  free(docs);

  bson_t *filter = tu_bson("{\"s\": {\"$regex\": \"zz$\"}}");
  bson_t *limited = tu_bson("{\"maxTimeMS\": 1}");

  /* without a limit the query works */
  int64_t n = -1;
  assert_true(mongo_odm_collection_count_documents(coll, filter, NULL, &n, &err));
  assert_int_equal(n, N / 100);

  assert_false(mongo_odm_collection_count_documents(coll, filter, limited, &n, &err));
  assert_code(err, MONGO_ODM_ERROR_TIMEOUT);
  assert_int_equal(err.server_code, 50);

  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(coll, filter, limited, &err);
  assert_non_null(cursor);
  const bson_t *doc;
  while (mongo_odm_cursor_next_bson(cursor, &doc)) {
  }
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_TIMEOUT);
  assert_int_equal(err.server_code, 50);
  mongo_odm_cursor_destroy(cursor);

  bson_t *pipeline = tu_bson("[{\"$match\": {\"s\": {\"$regex\": \"zz$\"}}}]");
  cursor = mongo_odm_collection_aggregate(coll, pipeline, limited, &err);
  assert_non_null(cursor);
  while (mongo_odm_cursor_next_bson(cursor, &doc)) {
  }
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_TIMEOUT);
  mongo_odm_cursor_destroy(cursor);

  /* a model cursor and find_one */
  cursor = mongo_odm_find(model, filter, limited, &err);
  assert_non_null(cursor);
  const mongo_odm_doc_t *mdoc;
  while (mongo_odm_cursor_next(cursor, &mdoc)) {
  }
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_TIMEOUT);
  mongo_odm_cursor_destroy(cursor);
  bson_t *nothing = tu_bson("{\"s\": {\"$regex\": \"^no match$\"}}");
  assert_null(mongo_odm_find_one(model, nothing, limited, &err));
  assert_code(err, MONGO_ODM_ERROR_TIMEOUT);
  bson_destroy(nothing);

  bson_destroy(pipeline);
  bson_destroy(limited);
  bson_destroy(filter);
  mongo_odm_model_destroy(model);
  mongo_odm_collection_destroy(coll);
  assert_true(mongo_odm_client_drop_database(client, db, &err));
  free(db);
}

/* A cursor holds its pooled connection until destroyed: with maxPoolSize=1 the next operation
 * waits for a free connection and gives up after waitQueueTimeoutMS with TIMEOUT. */
static void test_wait_queue_timeout(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  char *url = tu_server_url(NULL, "/?maxPoolSize=1&waitQueueTimeoutMS=300");
  mongo_odm_client_t *client = mongo_odm_client_new(url, tu_env("MONGO_USER"), tu_env("MONGO_PASSWORD"), &err);
  free(url);
  assert_non_null(client);
  mongo_odm_collection_t *coll =
      mongo_odm_collection_new(client, mongo_odm_default_database_name(), mongo_odm_model_collection_name(f->model), &err);
  assert_non_null(coll);
  bson_t *a = tu_bson("{\"_id\": 1}"), *b = tu_bson("{\"_id\": 2}"), *c = tu_bson("{\"_id\": 3}");
  const bson_t *docs[] = {a, b, c};
  assert_true(mongo_odm_collection_insert_many(coll, docs, 3, NULL, NULL, &err));

  bson_t *opts = tu_bson("{\"batchSize\": 1}");
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(coll, NULL, opts, &err);
  assert_non_null(cursor);
  const bson_t *doc;
  assert_true(mongo_odm_cursor_next_bson(cursor, &doc));
  int64_t n = -1;
  assert_false(mongo_odm_collection_count_documents(coll, NULL, NULL, &n, &err));
  assert_code(err, MONGO_ODM_ERROR_TIMEOUT);
  assert_contains(err.message, "waitQueueTimeoutMS");
  assert_false(mongo_odm_client_ping(client, &err));
  assert_code(err, MONGO_ODM_ERROR_TIMEOUT);
  /* the cursor itself goes on on its connection */
  assert_true(mongo_odm_cursor_next_bson(cursor, &doc));
  mongo_odm_cursor_destroy(cursor); /* the connection goes back to the pool */
  assert_true(mongo_odm_collection_count_documents(coll, NULL, NULL, &n, &err));
  assert_ok(err);
  assert_int_equal(n, 3);

  bson_destroy(opts);
  bson_destroy(a);
  bson_destroy(b);
  bson_destroy(c);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
}

/* ---- connection and configuration --------------------------------------------------------- */

static void test_unreachable_server_operations(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_client_new(
      "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300", NULL, NULL, &err);
  assert_non_null(client);
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, "db", "c", &err);
  assert_non_null(coll);
  bson_t *doc = tu_bson("{\"_id\": 1}");
  bson_t reply;
  assert_false(mongo_odm_collection_insert_one(coll, doc, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  bson_destroy(&reply);
  bool found = true;
  assert_false(mongo_odm_collection_find_one(coll, NULL, NULL, &reply, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_false(found);
  bson_destroy(&reply);
  int64_t n;
  assert_false(mongo_odm_collection_count_documents(coll, NULL, NULL, &n, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(coll, NULL, NULL, &err);
  assert_non_null(cursor);
  const bson_t *out;
  assert_false(mongo_odm_cursor_next_bson(cursor, &out));
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  mongo_odm_cursor_destroy(cursor);

  /* a model on that collection */
  mongo_odm_model_t *model = mongo_odm_model_new("c", &err);
  assert_true(mongo_odm_model_set_collection(model, coll, &err));
  mongo_odm_doc_t *mdoc = mongo_odm_doc_new(model);
  assert_false(mongo_odm_doc_save(mdoc, false, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_null(mongo_odm_get(model, "x", &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  mongo_odm_doc_destroy(mdoc);
  mongo_odm_model_destroy(model);
  bson_destroy(doc);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
}

static void test_crud_without_connection_parameters(void **state) {
  fixture_t *f = *state;
  mongo_odm_disconnect();
  char *saved = tu_env_save("MONGO_URL");
  unsetenv("MONGO_URL");
  mongo_odm_error_t err;
  int64_t n = 5;
  bool ok = mongo_odm_count(f->model, NULL, &n, &err);
  mongo_odm_error_t err_save;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->model);
  bool saved_ok = mongo_odm_doc_save(doc, false, &err_save);
  tu_env_restore("MONGO_URL", saved);
  assert_false(ok);
  assert_code(err, MONGO_ODM_ERROR_CONFIGURATION);
  assert_contains(err.message, "MongoDB connection parameters");
  assert_false(saved_ok);
  assert_code(err_save, MONGO_ODM_ERROR_CONFIGURATION);
  assert_false(mongo_odm_is_connected());
  mongo_odm_doc_destroy(doc);

  /* with the environment back, the next operation connects by itself */
  assert_true(mongo_odm_count(f->model, NULL, &n, &err));
  assert_ok(err);
  assert_true(mongo_odm_is_connected());
}

/* ---- the error struct --------------------------------------------------------------------- */

static void test_error_struct_reset_and_truncation(void **state) {
  (void)state;
  mongo_odm_error_t err;
  /* a failure, then a success through the same struct: OK and an empty message */
  assert_null(mongo_odm_model_new("a$b", &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  mongo_odm_model_t *model = mongo_odm_model_new("fine", &err);
  assert_non_null(model);
  assert_int_equal(err.code, MONGO_ODM_OK);
  assert_int_equal(err.server_code, 0);
  assert_string_equal(err.message, "");
  mongo_odm_model_destroy(model);

  /* a message longer than 503 bytes is cut on a UTF-8 boundary and NUL-terminated */
  char name[1200];
  size_t len = 0;
  while (len + 2 < 1000) {
    name[len++] = '\xc3'; /* U+00E9, two bytes */
    name[len++] = '\xa9';
  }
  name[len++] = '$';
  name[len] = '\0';
  assert_null(mongo_odm_model_new(name, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  const size_t msg_len = strlen(err.message);
  assert_true(msg_len <= 503);
  assert_true(msg_len >= 490);
  assert_true(bson_utf8_validate(err.message, msg_len, false));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_duplicate_key),
      T(test_server_error),
      T(test_invalid_utf8_is_encoding),
      T(test_document_over_16_mib_is_encoding),
      T(test_max_time_ms_is_timeout),
      T(test_wait_queue_timeout),
      T(test_unreachable_server_operations),
      T(test_crud_without_connection_parameters),
      T(test_error_struct_reset_and_truncation),
  };
  return cmocka_run_group_tests_name("errors", tests, tu_setup_connected, tu_teardown_connected);
}
