/* Raw collection operations (collection.h) and database-level client calls (client.h) against
 * the test server. Each test works on its own uniquely named collection and drops it. */
#include "test_util.h"

typedef struct {
  mongo_odm_client_t *client; /* the default client (borrowed) */
  mongo_odm_collection_t *coll;
  char *name;
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  mongo_odm_error_t err;
  f->client = mongo_odm_default_client(&err);
  assert_non_null(f->client);
  f->name = tu_unique_name("coll");
  f->coll = mongo_odm_collection_new(f->client, mongo_odm_default_database_name(), f->name, &err);
  assert_non_null(f->coll);
  assert_ok(err);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_drop(f->coll, &err));
  mongo_odm_collection_destroy(f->coll);
  free(f->name);
  free(f);
  return 0;
}

/* Inserts {"_id": i, "n": i, "even": i % 2 == 0, "name": "doc<i>"} for i in [0, count). */
static void insert_numbered(fixture_t *f, int count) {
  bson_t **docs = calloc((size_t)count, sizeof *docs);
  assert_non_null(docs);
  for (int i = 0; i < count; ++i) {
    docs[i] = bson_new();
    BSON_APPEND_INT32(docs[i], "_id", i);
    BSON_APPEND_INT32(docs[i], "n", i);
    BSON_APPEND_BOOL(docs[i], "even", i % 2 == 0);
    char name[32];
    snprintf(name, sizeof name, "doc%d", i);
    BSON_APPEND_UTF8(docs[i], "name", name);
  }
  mongo_odm_error_t err;
  bson_t reply;
  assert_true(mongo_odm_collection_insert_many(f->coll, (const bson_t *const *)docs, (size_t)count, NULL, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "insertedCount", count);
  bson_destroy(&reply);
  for (int i = 0; i < count; ++i) bson_destroy(docs[i]);
  free(docs);
}

static int64_t count_all(fixture_t *f) {
  int64_t n = -1;
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_count_documents(f->coll, NULL, NULL, &n, &err));
  assert_ok(err);
  return n;
}

/* Reads a raw cursor to the end: the "n" fields into `ns` (up to cap), returns the count. */
static int drain_ns(mongo_odm_cursor_t *cursor, int *ns, int cap) {
  const bson_t *doc;
  int count = 0;
  while (mongo_odm_cursor_next_bson(cursor, &doc)) {
    bson_iter_t iter;
    if (count < cap) ns[count] = bson_iter_init_find(&iter, doc, "n") ? bson_iter_int32(&iter) : -1;
    ++count;
  }
  assert_null(doc);
  mongo_odm_error_t err;
  if (mongo_odm_cursor_error(cursor, &err)) {
    print_error("cursor failed: %s\n", err.message);
    fail();
  }
  assert_ok(err);
  return count;
}

/* ---- names -------------------------------------------------------------------------------- */

static void test_collection_new_and_names(void **state) {
  fixture_t *f = *state;
  assert_string_equal(mongo_odm_collection_name(f->coll), f->name);
  assert_string_equal(mongo_odm_collection_database_name(f->coll), mongo_odm_default_database_name());
  mongo_odm_client_t *client = mongo_odm_collection_client(f->coll);
  assert_non_null(client);
  mongo_odm_error_t err;
  assert_true(mongo_odm_client_ping(client, &err));
  mongo_odm_client_destroy(client); /* borrowed: no-op */
  assert_true(mongo_odm_client_ping(mongo_odm_collection_client(f->coll), &err));

  const char *bad_dbs[] = {"", "a.b", "a b", "a/b", "a\\b", "a\"b", "a$b", "bad\xff",
                           "a234567890123456789012345678901234567890123456789012345678901234"};
  for (size_t i = 0; i < sizeof bad_dbs / sizeof bad_dbs[0]; ++i) {
    assert_null(mongo_odm_collection_new(f->client, bad_dbs[i], "c", &err));
    assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  }
  const char *bad_colls[] = {"", "a$b", "system.x", "system.indexes", "bad\xc3"};
  for (size_t i = 0; i < sizeof bad_colls / sizeof bad_colls[0]; ++i) {
    assert_null(mongo_odm_collection_new(f->client, "db", bad_colls[i], &err));
    assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  }
  /* dots and spaces are fine in collection names */
  mongo_odm_collection_t *ok = mongo_odm_collection_new(f->client, "db", "a.b c", &err);
  assert_non_null(ok);
  assert_ok(err);
  mongo_odm_collection_destroy(ok);
  /* the longest database name (63 bytes) is accepted */
  ok = mongo_odm_collection_new(f->client, "a23456789012345678901234567890123456789012345678901234567890123", "c", &err);
  assert_non_null(ok);
  mongo_odm_collection_destroy(ok);
}

/* ---- find_one / find ---------------------------------------------------------------------- */

static void test_find_one(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 5);
  mongo_odm_error_t err;
  bson_t out;
  bool found = false;

  bson_t *filter = tu_bson("{\"n\": 3}");
  assert_true(mongo_odm_collection_find_one(f->coll, filter, NULL, &out, &found, &err));
  assert_ok(err);
  assert_true(found);
  tu_assert_bson_int(&out, "_id", 3);
  tu_assert_bson_utf8(&out, "name", "doc3");
  bson_destroy(&out);
  bson_destroy(filter);

  /* not found: success, found false, out empty */
  filter = tu_bson("{\"n\": 99}");
  found = true;
  assert_true(mongo_odm_collection_find_one(f->coll, filter, NULL, &out, &found, &err));
  assert_ok(err);
  assert_false(found);
  assert_int_equal(bson_count_keys(&out), 0);
  bson_destroy(&out);
  bson_destroy(filter);

  /* NULL filter = {}, sort and projection */
  bson_t *opts = tu_bson("{\"sort\": {\"n\": -1}, \"projection\": {\"name\": 1, \"_id\": 0}}");
  assert_true(mongo_odm_collection_find_one(f->coll, NULL, opts, &out, &found, &err));
  assert_true(found);
  char keys[128];
  assert_string_equal(tu_keys(&out, keys, sizeof keys), "name");
  tu_assert_bson_utf8(&out, "name", "doc4");
  bson_destroy(&out);
  bson_destroy(opts);

  /* skip; limit/batchSize given by the caller are overridden */
  opts = tu_bson("{\"sort\": {\"n\": 1}, \"skip\": 2, \"limit\": 50, \"batchSize\": 7}");
  assert_true(mongo_odm_collection_find_one(f->coll, NULL, opts, &out, &found, &err));
  assert_true(found);
  tu_assert_bson_int(&out, "n", 2);
  bson_destroy(&out);
  bson_destroy(opts);

  /* out may be NULL */
  assert_true(mongo_odm_collection_find_one(f->coll, NULL, NULL, NULL, &found, &err));
  assert_true(found);

  /* a server error: an unknown query operator */
  filter = tu_bson("{\"n\": {\"$noSuchOperator\": 1}}");
  assert_false(mongo_odm_collection_find_one(f->coll, filter, NULL, &out, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);
  assert_false(found);
  assert_int_equal(bson_count_keys(&out), 0);
  bson_destroy(&out);
  bson_destroy(filter);
}

static void test_find_sort_limit_skip_projection(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 10);
  mongo_odm_error_t err;
  int ns[32];

  /* everything, sorted descending */
  bson_t *opts = tu_bson("{\"sort\": {\"n\": -1}}");
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(f->coll, NULL, opts, &err);
  assert_non_null(cursor);
  assert_ok(err);
  assert_int_equal(drain_ns(cursor, ns, 32), 10);
  for (int i = 0; i < 10; ++i) assert_int_equal(ns[i], 9 - i);
  /* exhausted: stays false, without turning into an error */
  const bson_t *doc = (const bson_t *)1;
  assert_false(mongo_odm_cursor_next_bson(cursor, &doc));
  assert_null(doc);
  assert_false(mongo_odm_cursor_next_bson(cursor, &doc));
  if (mongo_odm_cursor_error(cursor, &err)) {
    print_error("advancing an exhausted cursor reported an error: %s\n", err.message);
    fail();
  }
  assert_ok(err);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);

  /* filter + sort + skip + limit */
  bson_t *filter = tu_bson("{\"even\": true}");
  opts = tu_bson("{\"sort\": {\"n\": 1}, \"skip\": 1, \"limit\": 3}");
  cursor = mongo_odm_collection_find(f->coll, filter, opts, &err);
  assert_int_equal(drain_ns(cursor, ns, 32), 3);
  assert_int_equal(ns[0], 2);
  assert_int_equal(ns[1], 4);
  assert_int_equal(ns[2], 6);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);
  bson_destroy(filter);

  /* projection */
  opts = tu_bson("{\"projection\": {\"n\": 1}, \"sort\": {\"n\": 1}, \"limit\": 2}");
  cursor = mongo_odm_collection_find(f->coll, NULL, opts, &err);
  int seen = 0;
  while (mongo_odm_cursor_next_bson(cursor, &doc)) {
    char keys[128];
    assert_string_equal(tu_keys(doc, keys, sizeof keys), "_id,n");
    ++seen;
  }
  assert_int_equal(seen, 2);
  assert_false(mongo_odm_cursor_error(cursor, NULL));
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);

  /* nothing matches */
  filter = tu_bson("{\"n\": {\"$gt\": 100}}");
  cursor = mongo_odm_collection_find(f->coll, filter, NULL, &err);
  assert_int_equal(drain_ns(cursor, ns, 32), 0);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(filter);
}

static void test_find_batch_size_smaller_than_result(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 25);
  mongo_odm_error_t err;
  bson_t *opts = tu_bson("{\"sort\": {\"n\": 1}, \"batchSize\": 4}");
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(f->coll, NULL, opts, &err);
  assert_non_null(cursor);
  int ns[32];
  assert_int_equal(drain_ns(cursor, ns, 32), 25);
  for (int i = 0; i < 25; ++i) assert_int_equal(ns[i], i);
  mongo_odm_cursor_destroy(cursor);

  /* destroying a cursor that was not exhausted (kills it on the server) */
  cursor = mongo_odm_collection_find(f->coll, NULL, opts, &err);
  const bson_t *doc;
  for (int i = 0; i < 6; ++i) assert_true(mongo_odm_cursor_next_bson(cursor, &doc));
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);
  /* the collection is still fine */
  assert_int_equal(count_all(f), 25);
}

static void test_cursor_server_error_and_raw_cursor(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 3);
  mongo_odm_error_t err;
  bson_t *filter = tu_bson("{\"n\": {\"$noSuchOperator\": 1}}");
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(f->coll, filter, NULL, &err);
  /* server errors surface from the cursor, not from find */
  assert_non_null(cursor);
  assert_ok(err);
  const bson_t *doc;
  assert_false(mongo_odm_cursor_next_bson(cursor, &doc));
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);
  /* sticky */
  assert_false(mongo_odm_cursor_next_bson(cursor, &doc));
  assert_true(mongo_odm_cursor_error(cursor, NULL));
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(filter);

  /* cursor_next on a raw cursor: INVALID_ARGUMENT through cursor_error */
  cursor = mongo_odm_collection_find(f->coll, NULL, NULL, &err);
  const mongo_odm_doc_t *mdoc = (const mongo_odm_doc_t *)1;
  assert_false(mongo_odm_cursor_next(cursor, &mdoc));
  assert_null(mdoc);
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  mongo_odm_cursor_destroy(cursor);
}

/* ---- inserts ------------------------------------------------------------------------------ */

static void test_insert_one(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t reply;

  /* no _id: a new ObjectId, put first */
  bson_t *doc = tu_bson("{\"a\": 1, \"b\": \"x\"}");
  assert_true(mongo_odm_collection_insert_one(f->coll, doc, NULL, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "insertedCount", 1);
  bson_iter_t iter;
  assert_true(bson_iter_init_find(&iter, &reply, "insertedId"));
  assert_true(BSON_ITER_HOLDS_OID(&iter));
  bson_oid_t oid;
  bson_oid_copy(bson_iter_oid(&iter), &oid);
  bson_destroy(&reply);
  /* the caller's document is untouched */
  assert_false(bson_has_field(doc, "_id"));
  bson_destroy(doc);

  bson_t *filter = bson_new();
  BSON_APPEND_OID(filter, "_id", &oid);
  bson_t out;
  bool found;
  assert_true(mongo_odm_collection_find_one(f->coll, filter, NULL, &out, &found, &err));
  assert_true(found);
  char keys[64];
  assert_string_equal(tu_keys(&out, keys, sizeof keys), "_id,a,b");
  bson_destroy(&out);
  bson_destroy(filter);

  /* a given _id is kept, whatever its type */
  doc = tu_bson("{\"_id\": \"my-id\", \"a\": 2}");
  assert_true(mongo_odm_collection_insert_one(f->coll, doc, NULL, &reply, &err));
  tu_assert_bson_utf8(&reply, "insertedId", "my-id");
  bson_destroy(&reply);
  bson_destroy(doc);
  doc = tu_bson("{\"a\": 3, \"_id\": 77}");
  assert_true(mongo_odm_collection_insert_one(f->coll, doc, NULL, &reply, &err));
  tu_assert_bson_int(&reply, "insertedId", 77);
  bson_destroy(&reply);
  bson_destroy(doc);
  /* reply may be NULL */
  doc = tu_bson("{\"a\": 4}");
  assert_true(mongo_odm_collection_insert_one(f->coll, doc, NULL, NULL, &err));
  bson_destroy(doc);
  assert_int_equal(count_all(f), 4);

  /* forbidden documents: ENCODING, nothing written */
  bson_t *bad = bson_new();
  BSON_APPEND_INT32(bad, "ok", 1);
  BSON_APPEND_INT32(bad, "$bad", 1);
  assert_false(mongo_odm_collection_insert_one(f->coll, bad, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_contains(err.message, "$bad");
  assert_int_equal(bson_count_keys(&reply), 0);
  bson_destroy(&reply);
  bson_destroy(bad);
  bad = bson_new();
  bson_append_int32(bad, "", 0, 1);
  assert_false(mongo_odm_collection_insert_one(f->coll, bad, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_destroy(bad);
  assert_int_equal(count_all(f), 4);
}

static void test_insert_many(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t reply;

  /* n == 0: a successful no-op */
  assert_true(mongo_odm_collection_insert_many(f->coll, NULL, 0, NULL, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "insertedCount", 0);
  bson_iter_t iter, ids;
  assert_true(bson_iter_init_find(&iter, &reply, "insertedIds"));
  assert_true(BSON_ITER_HOLDS_ARRAY(&iter));
  bson_destroy(&reply);

  bson_t *a = tu_bson("{\"_id\": \"given\", \"v\": 1}");
  bson_t *b = tu_bson("{\"v\": 2}");
  bson_t *c = tu_bson("{\"v\": 3, \"_id\": 5}");
  const bson_t *docs[] = {a, b, c};
  assert_true(mongo_odm_collection_insert_many(f->coll, docs, 3, NULL, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "insertedCount", 3);
  assert_true(bson_iter_init_find(&iter, &reply, "insertedIds"));
  assert_true(bson_iter_recurse(&iter, &ids));
  assert_true(bson_iter_next(&ids));
  assert_string_equal(bson_iter_key(&ids), "0");
  assert_string_equal(bson_iter_utf8(&ids, NULL), "given");
  assert_true(bson_iter_next(&ids));
  assert_true(BSON_ITER_HOLDS_OID(&ids));
  bson_oid_t generated;
  bson_oid_copy(bson_iter_oid(&ids), &generated);
  assert_true(bson_iter_next(&ids));
  assert_int_equal(bson_iter_int32(&ids), 5);
  assert_false(bson_iter_next(&ids));
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 3);
  /* the generated id is the stored one */
  bson_t *filter = bson_new();
  BSON_APPEND_OID(filter, "_id", &generated);
  bool found;
  bson_t out;
  assert_true(mongo_odm_collection_find_one(f->coll, filter, NULL, &out, &found, &err));
  assert_true(found);
  tu_assert_bson_int(&out, "v", 2);
  bson_destroy(&out);
  bson_destroy(filter);
  bson_destroy(a);
  bson_destroy(b);
  bson_destroy(c);

  /* an invalid document anywhere: ENCODING and nothing inserted (checked before sending) */
  a = tu_bson("{\"_id\": 100}");
  b = bson_new();
  BSON_APPEND_INT32(b, "_id", 101);
  BSON_APPEND_INT32(b, "$bad", 1);
  const bson_t *with_bad[] = {a, b};
  assert_false(mongo_odm_collection_insert_many(f->coll, with_bad, 2, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_contains(err.message, "document 1");
  assert_int_equal(bson_count_keys(&reply), 0);
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 3);
  bson_destroy(b);

  /* ordered duplicate: the documents before the failing one stay */
  b = tu_bson("{\"_id\": 100}");
  c = tu_bson("{\"_id\": 102}");
  const bson_t *dup[] = {a, b, c};
  assert_false(mongo_odm_collection_insert_many(f->coll, dup, 3, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  assert_int_equal(err.server_code, 11000);
  tu_assert_bson_int(&reply, "insertedCount", 1);
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 4);
  /* unordered: the others go in */
  bson_t *unordered = tu_bson("{\"ordered\": false}");
  bson_t *d = tu_bson("{\"_id\": 103}");
  const bson_t *dup2[] = {a, d};
  assert_false(mongo_odm_collection_insert_many(f->coll, dup2, 2, unordered, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  assert_int_equal(count_all(f), 5);
  bson_destroy(unordered);
  bson_destroy(a);
  bson_destroy(b);
  bson_destroy(c);
  bson_destroy(d);
}

/* ---- replace / update / delete ------------------------------------------------------------ */

static void test_replace_one(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 3);
  mongo_odm_error_t err;
  bson_t reply;

  bson_t *filter = tu_bson("{\"_id\": 1}");
  bson_t *replacement = tu_bson("{\"replaced\": true}");
  assert_true(mongo_odm_collection_replace_one(f->coll, filter, replacement, NULL, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "matchedCount", 1);
  tu_assert_bson_int(&reply, "modifiedCount", 1);
  assert_false(bson_has_field(&reply, "upsertedId"));
  bson_destroy(&reply);
  bson_t out;
  bool found;
  assert_true(mongo_odm_collection_find_one(f->coll, filter, NULL, &out, &found, &err));
  char keys[64];
  assert_string_equal(tu_keys(&out, keys, sizeof keys), "_id,replaced");
  bson_destroy(&out);
  bson_destroy(filter);

  /* no match without upsert: nothing happens */
  filter = tu_bson("{\"_id\": \"new\"}");
  assert_true(mongo_odm_collection_replace_one(f->coll, filter, replacement, NULL, &reply, &err));
  tu_assert_bson_int(&reply, "matchedCount", 0);
  tu_assert_bson_int(&reply, "modifiedCount", 0);
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 3);

  /* upsert */
  bson_t *upsert = tu_bson("{\"upsert\": true}");
  assert_true(mongo_odm_collection_replace_one(f->coll, filter, replacement, upsert, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "matchedCount", 0);
  tu_assert_bson_int(&reply, "upsertedCount", 1);
  tu_assert_bson_utf8(&reply, "upsertedId", "new");
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 4);
  /* again: matched this time, no new document */
  assert_true(mongo_odm_collection_replace_one(f->coll, filter, replacement, upsert, &reply, &err));
  tu_assert_bson_int(&reply, "matchedCount", 1);
  assert_false(bson_has_field(&reply, "upsertedId"));
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 4);

  /* a '$' key in the replacement */
  bson_t *bad = tu_bson("{\"$set\": {\"a\": 1}}");
  assert_false(mongo_odm_collection_replace_one(f->coll, filter, bad, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_destroy(&reply);
  bson_destroy(bad);
  bson_destroy(upsert);
  bson_destroy(replacement);
  bson_destroy(filter);
}

static void test_update_one_and_many(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 6);
  mongo_odm_error_t err;
  bson_t reply;

  bson_t *even = tu_bson("{\"even\": true}");
  bson_t *set = tu_bson("{\"$set\": {\"tag\": \"t\"}}");
  assert_true(mongo_odm_collection_update_one(f->coll, even, set, NULL, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "matchedCount", 1);
  tu_assert_bson_int(&reply, "modifiedCount", 1);
  bson_destroy(&reply);

  assert_true(mongo_odm_collection_update_many(f->coll, even, set, NULL, &reply, &err));
  tu_assert_bson_int(&reply, "matchedCount", 3);
  tu_assert_bson_int(&reply, "modifiedCount", 2); /* one already had it */
  bson_destroy(&reply);
  bson_t *tagged = tu_bson("{\"tag\": \"t\"}");
  int64_t n = -1;
  assert_true(mongo_odm_collection_count_documents(f->coll, tagged, NULL, &n, &err));
  assert_int_equal(n, 3);

  /* $inc on everything: an empty filter means all */
  bson_t *all = tu_bson("{}");
  bson_t *inc = tu_bson("{\"$inc\": {\"n\": 100}}");
  assert_true(mongo_odm_collection_update_many(f->coll, all, inc, NULL, &reply, &err));
  tu_assert_bson_int(&reply, "matchedCount", 6);
  tu_assert_bson_int(&reply, "modifiedCount", 6);
  bson_destroy(&reply);

  /* no match */
  bson_t *none = tu_bson("{\"n\": -1}");
  assert_true(mongo_odm_collection_update_one(f->coll, none, set, NULL, &reply, &err));
  tu_assert_bson_int(&reply, "matchedCount", 0);
  tu_assert_bson_int(&reply, "modifiedCount", 0);
  bson_destroy(&reply);

  /* upsert through opts */
  bson_t *upsert = tu_bson("{\"upsert\": true}");
  bson_t *key = tu_bson("{\"_id\": \"up\"}");
  assert_true(mongo_odm_collection_update_one(f->coll, key, set, upsert, &reply, &err));
  tu_assert_bson_utf8(&reply, "upsertedId", "up");
  tu_assert_bson_int(&reply, "upsertedCount", 1);
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 7);

  /* not an operator document */
  bson_t *plain = tu_bson("{\"tag\": \"x\"}");
  assert_false(mongo_odm_collection_update_one(f->coll, all, plain, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "replace_one");
  assert_int_equal(bson_count_keys(&reply), 0);
  bson_destroy(&reply);
  assert_false(mongo_odm_collection_update_many(f->coll, all, plain, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&reply);
  assert_false(mongo_odm_collection_update_many(f->coll, all, all, NULL, NULL, &err)); /* empty update */
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  /* NULL filter: required */
  assert_false(mongo_odm_collection_update_one(f->coll, NULL, set, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_collection_update_many(f->coll, NULL, set, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_true(mongo_odm_collection_count_documents(f->coll, tagged, NULL, &n, &err));
  assert_int_equal(n, 4);

  /* a server-side failure: $inc on a string */
  bson_t *bad_inc = tu_bson("{\"$inc\": {\"name\": 1}}");
  assert_false(mongo_odm_collection_update_many(f->coll, all, bad_inc, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);
  bson_destroy(&reply);

  bson_destroy(bad_inc);
  bson_destroy(plain);
  bson_destroy(key);
  bson_destroy(upsert);
  bson_destroy(none);
  bson_destroy(inc);
  bson_destroy(all);
  bson_destroy(tagged);
  bson_destroy(set);
  bson_destroy(even);
}

static void test_delete_one_and_many(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 8);
  mongo_odm_error_t err;
  bson_t reply;
  bson_t *even = tu_bson("{\"even\": true}");
  assert_true(mongo_odm_collection_delete_one(f->coll, even, NULL, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "deletedCount", 1);
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 7);
  assert_true(mongo_odm_collection_delete_many(f->coll, even, NULL, &reply, &err));
  tu_assert_bson_int(&reply, "deletedCount", 3);
  bson_destroy(&reply);
  assert_true(mongo_odm_collection_delete_many(f->coll, even, NULL, &reply, &err));
  tu_assert_bson_int(&reply, "deletedCount", 0);
  bson_destroy(&reply);
  assert_true(mongo_odm_collection_delete_one(f->coll, even, NULL, &reply, &err));
  tu_assert_bson_int(&reply, "deletedCount", 0);
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 4);

  /* NULL filter is refused; {} deletes everything */
  assert_false(mongo_odm_collection_delete_many(f->coll, NULL, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&reply);
  assert_false(mongo_odm_collection_delete_one(f->coll, NULL, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_int_equal(count_all(f), 4);
  bson_t *all = tu_bson("{}");
  assert_true(mongo_odm_collection_delete_many(f->coll, all, NULL, NULL, &err));
  assert_int_equal(count_all(f), 0);
  bson_destroy(all);
  bson_destroy(even);
}

/* ---- count / aggregate -------------------------------------------------------------------- */

static void test_count_documents(void **state) {
  fixture_t *f = *state;
  assert_int_equal(count_all(f), 0); /* a collection that does not exist yet */
  insert_numbered(f, 9);
  assert_int_equal(count_all(f), 9);
  mongo_odm_error_t err;
  int64_t n = -1;
  bson_t *filter = tu_bson("{\"n\": {\"$gte\": 5}}");
  assert_true(mongo_odm_collection_count_documents(f->coll, filter, NULL, &n, &err));
  assert_ok(err);
  assert_int_equal(n, 4);
  bson_t *opts = tu_bson("{\"skip\": 1, \"limit\": 2}");
  assert_true(mongo_odm_collection_count_documents(f->coll, filter, opts, &n, &err));
  assert_int_equal(n, 2);
  bson_destroy(opts);
  bson_destroy(filter);
  filter = tu_bson("{\"n\": {\"$noSuchOperator\": 1}}");
  n = 42;
  assert_false(mongo_odm_collection_count_documents(f->coll, filter, NULL, &n, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  bson_destroy(filter);
}

static void test_aggregate(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 10);
  mongo_odm_error_t err;
  int ns[16];

  /* $match + $sort, pipeline as an array */
  bson_t *pipeline = tu_bson("[{\"$match\": {\"even\": false}}, {\"$sort\": {\"n\": -1}}]");
  mongo_odm_cursor_t *cursor = mongo_odm_collection_aggregate(f->coll, pipeline, NULL, &err);
  assert_non_null(cursor);
  assert_ok(err);
  assert_int_equal(drain_ns(cursor, ns, 16), 5);
  assert_int_equal(ns[0], 9);
  assert_int_equal(ns[4], 1);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(pipeline);

  /* as {"pipeline": [...]}, with a small batchSize */
  pipeline = tu_bson("{\"pipeline\": [{\"$match\": {\"n\": {\"$lt\": 7}}}, {\"$sort\": {\"n\": 1}}]}");
  bson_t *opts = tu_bson("{\"batchSize\": 2}");
  cursor = mongo_odm_collection_aggregate(f->coll, pipeline, opts, &err);
  assert_non_null(cursor);
  assert_int_equal(drain_ns(cursor, ns, 16), 7);
  for (int i = 0; i < 7; ++i) assert_int_equal(ns[i], i);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);
  bson_destroy(pipeline);

  /* $count */
  pipeline = tu_bson("[{\"$match\": {\"n\": {\"$gte\": 3}}}, {\"$count\": \"total\"}]");
  cursor = mongo_odm_collection_aggregate(f->coll, pipeline, NULL, &err);
  const bson_t *doc;
  assert_true(mongo_odm_cursor_next_bson(cursor, &doc));
  tu_assert_bson_int(doc, "total", 7);
  assert_false(mongo_odm_cursor_next_bson(cursor, &doc));
  assert_false(mongo_odm_cursor_error(cursor, &err));
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(pipeline);

  /* $group with $sum */
  pipeline = tu_bson("[{\"$group\": {\"_id\": \"$even\", \"sum\": {\"$sum\": \"$n\"}}}, {\"$sort\": {\"_id\": 1}}]");
  cursor = mongo_odm_collection_aggregate(f->coll, pipeline, NULL, &err);
  assert_true(mongo_odm_cursor_next_bson(cursor, &doc));
  tu_assert_bson_int(doc, "sum", 1 + 3 + 5 + 7 + 9); /* _id false first */
  assert_true(mongo_odm_cursor_next_bson(cursor, &doc));
  tu_assert_bson_int(doc, "sum", 0 + 2 + 4 + 6 + 8);
  assert_false(mongo_odm_cursor_next_bson(cursor, &doc));
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(pipeline);

  /* an unknown stage: the error comes from the cursor */
  pipeline = tu_bson("[{\"$noSuchStage\": {}}]");
  cursor = mongo_odm_collection_aggregate(f->coll, pipeline, NULL, &err);
  assert_non_null(cursor);
  assert_false(mongo_odm_cursor_next_bson(cursor, &doc));
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(pipeline);
}

/* ---- drop / indexes ----------------------------------------------------------------------- */

static void test_drop_twice(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 2);
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_drop(f->coll, &err));
  assert_ok(err);
  assert_int_equal(count_all(f), 0);
  assert_true(mongo_odm_collection_drop(f->coll, &err));
  assert_ok(err);
  /* usable again after a drop */
  insert_numbered(f, 1);
  assert_int_equal(count_all(f), 1);
}

/* replace_one is an update command the library builds itself (src/core/replace_command.cpp):
 * what the server refuses comes back as libmongoc's replace_one reports it, the options go where
 * the server expects them, and unknown or mistyped options are refused before anything is sent. */
static void test_replace_one_errors_and_options(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t reply;
  bson_t *keys = tu_bson("{\"email\": 1}");
  bson_t *unique = tu_bson("{\"unique\": true}");
  assert_true(mongo_odm_collection_create_index(f->coll, keys, unique, NULL, &err));
  bson_t *a = tu_bson("{\"_id\": 1, \"email\": \"a@example.com\"}");
  bson_t *b = tu_bson("{\"_id\": 2, \"email\": \"b@example.com\"}");
  assert_true(mongo_odm_collection_insert_one(f->coll, a, NULL, NULL, &err));
  assert_true(mongo_odm_collection_insert_one(f->coll, b, NULL, NULL, &err));

  /* a write error, with the server's writeErrors in the reply: a replacement that changes _id
   * (FerretDB reports a unique-index violation by an update as an internal error, not 11000) */
  bson_t *filter = tu_bson("{\"_id\": 2}");
  bson_t *moved = tu_bson("{\"_id\": 99, \"email\": \"z@example.com\"}");
  assert_false(mongo_odm_collection_replace_one(f->coll, filter, moved, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 66);
  assert_contains(err.message, "replace_one: ");
  assert_contains(err.message, "immutable field '_id'");
  bson_iter_t iter, item;
  assert_true(bson_iter_init_find(&iter, &reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY(&iter));
  assert_true(bson_iter_recurse(&iter, &item) && bson_iter_next(&item) && BSON_ITER_HOLDS_DOCUMENT(&item));
  bson_iter_t field;
  assert_true(bson_iter_recurse(&item, &field) && bson_iter_find(&field, "code"));
  assert_int_equal(bson_iter_as_int64(&field), 66);
  bson_destroy(&reply);
  /* and a duplicate key on the unique index, however the server words it */
  bson_t *taken = tu_bson("{\"email\": \"a@example.com\"}");
  assert_false(mongo_odm_collection_replace_one(f->coll, filter, taken, NULL, &reply, &err));
  assert_true(err.code == MONGO_ODM_ERROR_DUPLICATE_KEY || err.code == MONGO_ODM_ERROR_SERVER);
  assert_contains(err.message, "replace_one: ");
  bson_destroy(&reply);

  /* options: the statement's (upsert, hint), the command's (comment), libmongoc's (writeConcern) */
  bson_t *opts = tu_bson("{\"upsert\": true, \"hint\": {\"_id\": 1}, \"comment\": \"from the test\", "
                         "\"writeConcern\": {\"w\": 1}, \"validate\": false}");
  bson_t *new_filter = tu_bson("{\"_id\": 3}");
  bson_t *c = tu_bson("{\"email\": \"c@example.com\"}");
  assert_true(mongo_odm_collection_replace_one(f->coll, new_filter, c, opts, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "upsertedCount", 1);
  tu_assert_bson_int(&reply, "upsertedId", 3);
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 3);

  /* options libmongoc's replace_one refuses are refused, before anything is sent */
  static const char *const bad_opts[] = {"{\"foo\": 1}", "{\"upsert\": \"yes\"}", "{\"hint\": 5}",
                                         "{\"multi\": true}"};
  static const char *const fragments[] = {"Invalid option 'foo'", "Invalid type for option \"upsert\"",
                                          "Invalid type for option \"hint\"", "Invalid option 'multi'"};
  for (size_t i = 0; i < sizeof bad_opts / sizeof bad_opts[0]; ++i) {
    bson_t *o = tu_bson(bad_opts[i]);
    assert_false(mongo_odm_collection_replace_one(f->coll, new_filter, c, o, &reply, &err));
    assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
    assert_contains(err.message, fragments[i]);
    assert_true(bson_empty(&reply));
    bson_destroy(&reply);
    bson_destroy(o);
  }

  /* a 3 MB replacement arrives whole (the command is built in a reused buffer; twice, so the
   * second save reuses the first one's) */
  const size_t big_len = 3u << 20;
  uint8_t *bytes = malloc(big_len);
  for (size_t i = 0; i < big_len; ++i) bytes[i] = (uint8_t)(i * 7u + 3u);
  for (int round = 0; round < 2; ++round) {
    bson_t *big = bson_new();
    BSON_APPEND_INT32(big, "round", round);
    BSON_APPEND_BINARY(big, "blob", BSON_SUBTYPE_BINARY, bytes, (uint32_t)big_len);
    assert_true(mongo_odm_collection_replace_one(f->coll, new_filter, big, NULL, NULL, &err));
    bson_destroy(big);
    bson_t out;
    bool found;
    assert_true(mongo_odm_collection_find_one(f->coll, new_filter, NULL, &out, &found, &err));
    assert_true(found);
    tu_assert_bson_int(&out, "round", round);
    const uint8_t *data;
    uint32_t len;
    bson_subtype_t subtype;
    assert_true(bson_iter_init_find(&iter, &out, "blob"));
    bson_iter_binary(&iter, &subtype, &len, &data);
    assert_int_equal(len, big_len);
    assert_memory_equal(data, bytes, big_len);
    bson_destroy(&out);
  }
  free(bytes);

  bson_destroy(c);
  bson_destroy(new_filter);
  bson_destroy(opts);
  bson_destroy(taken);
  bson_destroy(moved);
  bson_destroy(filter);
  bson_destroy(a);
  bson_destroy(b);
  bson_destroy(unique);
  bson_destroy(keys);
}

static void test_create_index(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t reply;
  bson_t *keys = bson_new();
  BSON_APPEND_INT32(keys, "a", 1);
  BSON_APPEND_INT32(keys, "b", -1);
  assert_true(mongo_odm_collection_create_index(f->coll, keys, NULL, &reply, &err));
  assert_ok(err);
  tu_assert_bson_utf8(&reply, "name", "a_1_b_-1");
  bson_destroy(&reply);
  /* the same index again succeeds */
  assert_true(mongo_odm_collection_create_index(f->coll, keys, NULL, &reply, &err));
  tu_assert_bson_utf8(&reply, "name", "a_1_b_-1");
  bson_destroy(&reply);
  bson_destroy(keys);

  /* a named unique index, then a duplicate */
  keys = tu_bson("{\"email\": 1}");
  bson_t *opts = tu_bson("{\"unique\": true, \"name\": \"email_unique\"}");
  assert_true(mongo_odm_collection_create_index(f->coll, keys, opts, &reply, &err));
  assert_ok(err);
  tu_assert_bson_utf8(&reply, "name", "email_unique");
  bson_destroy(&reply);
  bson_t *doc1 = tu_bson("{\"email\": \"a@example.com\"}");
  bson_t *doc2 = tu_bson("{\"email\": \"a@example.com\"}");
  assert_true(mongo_odm_collection_insert_one(f->coll, doc1, NULL, NULL, &err));
  assert_false(mongo_odm_collection_insert_one(f->coll, doc2, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  assert_int_equal(err.server_code, 11000);
  bson_destroy(&reply);
  assert_int_equal(count_all(f), 1);
  bson_destroy(doc1);
  bson_destroy(doc2);
  bson_destroy(opts);

  /* the indexes are there */
  bson_t *cmd = bson_new();
  BSON_APPEND_UTF8(cmd, "listIndexes", f->name);
  assert_true(mongo_odm_client_command(f->client, mongo_odm_default_database_name(), cmd, &reply, &err));
  char *json = bson_as_relaxed_extended_json(&reply, NULL);
  assert_contains(json, "a_1_b_-1");
  assert_contains(json, "email_unique");
  bson_free(json);
  bson_destroy(&reply);
  bson_destroy(cmd);

  /* bad keys and options */
  bson_t *empty = tu_bson("{}");
  assert_false(mongo_odm_collection_create_index(f->coll, empty, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&reply);
  bson_t *bad_name = tu_bson("{\"name\": 5}");
  assert_false(mongo_odm_collection_create_index(f->coll, keys, bad_name, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(bad_name);
  bson_destroy(empty);
  bson_destroy(keys);
}

/* ---- client-level commands ---------------------------------------------------------------- */

static void test_client_command(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t reply;
  bson_t *ping = tu_bson("{\"ping\": 1}");
  assert_true(mongo_odm_client_command(f->client, "admin", ping, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "ok", 1);
  bson_destroy(&reply);
  assert_true(mongo_odm_client_command(f->client, "admin", ping, NULL, &err));
  bson_destroy(ping);

  bson_t *build = tu_bson("{\"buildInfo\": 1}");
  assert_true(mongo_odm_client_command(f->client, mongo_odm_default_database_name(), build, &reply, &err));
  assert_ok(err);
  bson_iter_t iter;
  assert_true(bson_iter_init_find(&iter, &reply, "version"));
  assert_true(BSON_ITER_HOLDS_UTF8(&iter));
  bson_destroy(&reply);
  bson_destroy(build);

  /* a bad database name */
  bson_t *cmd = tu_bson("{\"ping\": 1}");
  assert_false(mongo_odm_client_command(f->client, "bad db", cmd, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_int_equal(bson_count_keys(&reply), 0);
  bson_destroy(&reply);
  bson_destroy(cmd);
}

static void test_list_collection_names(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 1);
  mongo_odm_error_t err;
  bson_t reply;
  assert_true(mongo_odm_client_list_collection_names(f->client, mongo_odm_default_database_name(), NULL, &reply, &err));
  assert_ok(err);
  bson_iter_t iter, names;
  assert_true(bson_iter_init_find(&iter, &reply, "names"));
  assert_true(bson_iter_recurse(&iter, &names));
  bool seen = false;
  while (bson_iter_next(&names)) {
    if (strcmp(bson_iter_utf8(&names, NULL), f->name) == 0) seen = true;
  }
  assert_true(seen);
  bson_destroy(&reply);

  /* filtered by name: exactly ours */
  bson_t *filter = bson_new();
  BSON_APPEND_UTF8(filter, "name", f->name);
  assert_true(mongo_odm_client_list_collection_names(f->client, mongo_odm_default_database_name(), filter, &reply, &err));
  assert_true(bson_iter_init_find(&iter, &reply, "names"));
  assert_true(bson_iter_recurse(&iter, &names));
  assert_true(bson_iter_next(&names));
  assert_string_equal(bson_iter_utf8(&names, NULL), f->name);
  assert_false(bson_iter_next(&names));
  bson_destroy(&reply);
  bson_destroy(filter);

  assert_false(mongo_odm_client_list_collection_names(f->client, "bad.db", NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&reply);
}

static void test_drop_database(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  char *db = tu_unique_name("dropdb");
  mongo_odm_collection_t *coll = mongo_odm_collection_new(f->client, db, "c", &err);
  assert_non_null(coll);
  bson_t *doc = tu_bson("{\"x\": 1}");
  assert_true(mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &err));
  bson_destroy(doc);
  bson_t reply;
  assert_true(mongo_odm_client_list_collection_names(f->client, db, NULL, &reply, &err));
  bson_iter_t iter, names;
  assert_true(bson_iter_init_find(&iter, &reply, "names"));
  assert_true(bson_iter_recurse(&iter, &names));
  assert_true(bson_iter_next(&names));
  bson_destroy(&reply);

  assert_true(mongo_odm_client_drop_database(f->client, db, &err));
  assert_ok(err);
  assert_true(mongo_odm_client_list_collection_names(f->client, db, NULL, &reply, &err));
  assert_true(bson_iter_init_find(&iter, &reply, "names"));
  assert_true(bson_iter_recurse(&iter, &names));
  assert_false(bson_iter_next(&names));
  bson_destroy(&reply);
  /* dropping it again (it does not exist any more) succeeds */
  assert_true(mongo_odm_client_drop_database(f->client, db, &err));
  assert_ok(err);
  assert_false(mongo_odm_client_drop_database(f->client, "bad/db", &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  mongo_odm_collection_destroy(coll);
  free(db);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_collection_new_and_names),
      T(test_find_one),
      T(test_find_sort_limit_skip_projection),
      T(test_find_batch_size_smaller_than_result),
      T(test_cursor_server_error_and_raw_cursor),
      T(test_insert_one),
      T(test_insert_many),
      T(test_replace_one),
      T(test_replace_one_errors_and_options),
      T(test_update_one_and_many),
      T(test_delete_one_and_many),
      T(test_count_documents),
      T(test_aggregate),
      T(test_drop_twice),
      T(test_create_index),
      T(test_client_command),
      T(test_list_collection_names),
      T(test_drop_database),
  };
  return cmocka_run_group_tests_name("collection", tests, tu_setup_connected, tu_teardown_connected);
}
