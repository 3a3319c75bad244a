/* pymongo's remaining Collection methods (collection_extra.h) against the test server:
 * find_one_and_update/replace/delete, distinct, estimated_document_count, create_indexes,
 * drop_index, rename. Each test works on its own uniquely named collection and drops it. */
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
  f->name = tu_unique_name("extra");
  f->coll = mongo_odm_collection_new(f->client, mongo_odm_default_database_name(), f->name, &err);
  assert_non_null(f->coll);
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

/* {"_id": i, "n": i, "g": "a"/"b"} for i in [0, count). */
static void insert_numbered(fixture_t *f, int count) {
  mongo_odm_error_t err;
  for (int i = 0; i < count; ++i) {
    bson_t *doc = bson_new();
    BSON_APPEND_INT32(doc, "_id", i);
    BSON_APPEND_INT32(doc, "n", i);
    BSON_APPEND_UTF8(doc, "g", i % 2 ? "b" : "a");
    assert_true(mongo_odm_collection_insert_one(f->coll, doc, NULL, NULL, &err));
    bson_destroy(doc);
  }
}

/* `expr` (a call filling `err`) must succeed; its error message is printed when it does not. */
#define EXPECT_OK(expr)                                       \
  do {                                                        \
    if (!(expr)) {                                            \
      fprintf(stderr, "%s failed: %s\n", #expr, err.message); \
      fail();                                                 \
    }                                                         \
  } while (0)

static int64_t int_field(const bson_t *doc, const char *key) {
  bson_iter_t iter;
  assert_true(bson_iter_init_find(&iter, doc, key));
  return bson_iter_as_int64(&iter);
}

static void test_find_one_and_update(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 5);
  mongo_odm_error_t err;
  bson_t out;
  bool found = false;
  bson_t *filter = tu_bson("{\"g\": \"a\"}");
  bson_t *update = tu_bson("{\"$inc\": {\"n\": 100}}");
  /* default: the document before the change; sort picks which one */
  bson_t *opts = tu_bson("{\"sort\": {\"n\": -1}}");
  EXPECT_OK(mongo_odm_collection_find_one_and_update(f->coll, filter, update, opts, &out, &found, &err));
  assert_ok(err);
  assert_true(found);
  assert_int_equal(int_field(&out, "_id"), 4);
  assert_int_equal(int_field(&out, "n"), 4);
  bson_destroy(&out);
  bson_destroy(opts);
  /* returnDocument after, with a projection */
  opts = tu_bson("{\"sort\": {\"n\": 1}, \"returnDocument\": \"after\"}");
  EXPECT_OK(mongo_odm_collection_find_one_and_update(f->coll, filter, update, opts, &out, &found, &err));
  assert_true(found);
  assert_int_equal(int_field(&out, "_id"), 0);
  assert_int_equal(int_field(&out, "n"), 100);
  bson_destroy(&out);
  bson_destroy(opts);
  /* a projection is sent as findAndModify's "fields": FerretDB 1.24 answers NotImplemented */
  opts = tu_bson("{\"sort\": {\"n\": 1}, \"returnDocument\": \"after\", \"projection\": {\"n\": 1, \"_id\": 0}}");
  if (mongo_odm_collection_find_one_and_update(f->coll, filter, update, opts, &out, &found, &err)) {
    char keys[64];
    assert_string_equal(tu_keys(&out, keys, sizeof keys), "n");
  } else {
    assert_code(err, MONGO_ODM_ERROR_SERVER);
    assert_int_equal(err.server_code, 238);
    assert_contains(err.message, "fields");
  }
  bson_destroy(&out);
  bson_destroy(opts);
  /* nothing matches: not found; with upsert and "after": the inserted document */
  bson_t *none = tu_bson("{\"_id\": 99}");
  assert_true(mongo_odm_collection_find_one_and_update(f->coll, none, update, NULL, &out, &found, &err));
  assert_false(found);
  assert_int_equal(bson_count_keys(&out), 0);
  bson_destroy(&out);
  opts = tu_bson("{\"upsert\": true, \"returnDocument\": \"after\"}");
  assert_true(mongo_odm_collection_find_one_and_update(f->coll, none, update, opts, &out, &found, &err));
  assert_true(found);
  assert_int_equal(int_field(&out, "_id"), 99);
  assert_int_equal(int_field(&out, "n"), 100);
  bson_destroy(&out);
  bson_destroy(opts);
  /* a pipeline update */
  bson_t *pipeline = tu_bson("{\"0\": {\"$set\": {\"p\": \"$n\"}}}");
  opts = tu_bson("{\"returnDocument\": \"after\"}");
  bson_t *id3 = tu_bson("{\"_id\": 3}");
  /* a pipeline is sent as an array; FerretDB 1.24 refuses pipeline updates */
  if (mongo_odm_collection_find_one_and_update(f->coll, id3, pipeline, opts, &out, &found, &err)) {
    assert_true(found);
    assert_int_equal(int_field(&out, "p"), 3);
  } else {
    assert_code(err, MONGO_ODM_ERROR_SERVER);
    assert_contains(err.message, "pipelines are not supported");
  }
  bson_destroy(&out);
  /* argument errors: not operators, a bad returnDocument */
  bson_t *plain = tu_bson("{\"n\": 1}");
  assert_false(mongo_odm_collection_find_one_and_update(f->coll, id3, plain, NULL, &out, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(found);
  bson_destroy(&out);
  bson_t *bad = tu_bson("{\"returnDocument\": \"later\"}");
  assert_false(mongo_odm_collection_find_one_and_update(f->coll, id3, update, bad, &out, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&out);
  /* a server error: an unknown operator */
  bson_t *unknown = tu_bson("{\"$nope\": {\"n\": 1}}");
  assert_false(mongo_odm_collection_find_one_and_update(f->coll, id3, unknown, NULL, &out, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);
  bson_destroy(&out);
  bson_destroy(unknown);
  bson_destroy(bad);
  bson_destroy(plain);
  bson_destroy(id3);
  bson_destroy(opts);
  bson_destroy(pipeline);
  bson_destroy(none);
  bson_destroy(update);
  bson_destroy(filter);
}

static void test_find_one_and_replace_and_delete(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 3);
  mongo_odm_error_t err;
  bson_t out;
  bool found = false;
  bson_t *id1 = tu_bson("{\"_id\": 1}");
  bson_t *replacement = tu_bson("{\"r\": true}");
  assert_true(mongo_odm_collection_find_one_and_replace(f->coll, id1, replacement, NULL, &out, &found, &err));
  assert_ok(err);
  assert_true(found);
  assert_int_equal(int_field(&out, "n"), 1);  /* before */
  bson_destroy(&out);
  bson_t *opts = tu_bson("{\"returnDocument\": \"after\"}");
  assert_true(mongo_odm_collection_find_one_and_replace(f->coll, id1, replacement, opts, &out, &found, &err));
  char keys[64];
  assert_string_equal(tu_keys(&out, keys, sizeof keys), "_id,r");
  bson_destroy(&out);
  /* a replacement with an operator key is refused before anything is sent */
  bson_t *dollar = tu_bson("{\"$set\": {\"a\": 1}}");
  assert_false(mongo_odm_collection_find_one_and_replace(f->coll, id1, dollar, NULL, &out, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_destroy(&out);
  /* delete: the deleted document, then nothing */
  assert_true(mongo_odm_collection_find_one_and_delete(f->coll, id1, NULL, &out, &found, &err));
  assert_true(found);
  assert_int_equal(int_field(&out, "_id"), 1);
  bson_destroy(&out);
  assert_true(mongo_odm_collection_find_one_and_delete(f->coll, id1, NULL, &out, &found, &err));
  assert_false(found);
  bson_destroy(&out);
  bson_t *sort = tu_bson("{\"sort\": {\"n\": -1}}");
  bson_t *all = tu_bson("{}");
  assert_true(mongo_odm_collection_find_one_and_delete(f->coll, all, sort, &out, &found, &err));
  assert_int_equal(int_field(&out, "_id"), 2);
  bson_destroy(&out);
  /* returnDocument does not apply to a delete */
  assert_false(mongo_odm_collection_find_one_and_delete(f->coll, all, opts, &out, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&out);
  /* a duplicate key through a replacement */
  bson_t *keys_doc = tu_bson("{\"u\": 1}");
  bson_t *unique = tu_bson("{\"unique\": true}");
  assert_true(mongo_odm_collection_create_index(f->coll, keys_doc, unique, NULL, &err));
  bson_t *u1 = tu_bson("{\"_id\": 10, \"u\": 1}");
  bson_t *u2 = tu_bson("{\"_id\": 11, \"u\": 2}");
  assert_true(mongo_odm_collection_insert_one(f->coll, u1, NULL, NULL, &err));
  assert_true(mongo_odm_collection_insert_one(f->coll, u2, NULL, NULL, &err));
  bson_t *id11 = tu_bson("{\"_id\": 11}");
  bson_t *clash = tu_bson("{\"u\": 1}");
  assert_false(mongo_odm_collection_find_one_and_replace(f->coll, id11, clash, NULL, &out, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  /* MongoDB: 11000; FerretDB 1.24 reports its SQLite constraint as InternalError (1) */
  assert_true(err.server_code == 11000 || (err.server_code == 1 && strstr(err.message, "UNIQUE") != NULL));
  bson_destroy(&out);
  bson_destroy(clash);
  bson_destroy(id11);
  bson_destroy(u2);
  bson_destroy(u1);
  bson_destroy(unique);
  bson_destroy(keys_doc);
  bson_destroy(all);
  bson_destroy(sort);
  bson_destroy(dollar);
  bson_destroy(opts);
  bson_destroy(replacement);
  bson_destroy(id1);
}

static void test_distinct_and_estimated_count(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  int64_t count = -1;
  /* a collection that does not exist: 0, and no values */
  assert_true(mongo_odm_collection_estimated_document_count(f->coll, NULL, &count, &err));
  assert_ok(err);
  assert_int_equal(count, 0);
  bson_t reply;
  assert_true(mongo_odm_collection_distinct(f->coll, "g", NULL, NULL, &reply, &err));
  bson_iter_t iter, item;
  assert_true(bson_iter_init_find(&iter, &reply, "values") && BSON_ITER_HOLDS_ARRAY(&iter));
  bson_destroy(&reply);

  insert_numbered(f, 7);
  assert_true(mongo_odm_collection_estimated_document_count(f->coll, NULL, &count, &err));
  assert_int_equal(count, 7);
  assert_true(mongo_odm_collection_distinct(f->coll, "g", NULL, NULL, &reply, &err));
  assert_ok(err);
  assert_true(bson_iter_init_find(&iter, &reply, "values") && bson_iter_recurse(&iter, &item));
  int seen = 0;
  while (bson_iter_next(&item)) {
    const char *g = bson_iter_utf8(&item, NULL);
    assert_true(strcmp(g, "a") == 0 || strcmp(g, "b") == 0);
    ++seen;
  }
  assert_int_equal(seen, 2);
  bson_destroy(&reply);
  bson_t *filter = tu_bson("{\"n\": {\"$gte\": 5}}");
  assert_true(mongo_odm_collection_distinct(f->coll, "n", filter, NULL, &reply, &err));
  assert_true(bson_iter_init_find(&iter, &reply, "values") && bson_iter_recurse(&iter, &item));
  seen = 0;
  while (bson_iter_next(&item)) seen += (int)bson_iter_as_int64(&item);
  assert_int_equal(seen, 5 + 6);
  bson_destroy(&reply);
  /* an empty key is refused; a bad filter is the server's error */
  assert_false(mongo_odm_collection_distinct(f->coll, "", NULL, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&reply);
  bson_t *bad = tu_bson("{\"$bad\": 1}");
  assert_false(mongo_odm_collection_distinct(f->coll, "n", bad, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);
  bson_destroy(&reply);
  bson_destroy(bad);
  bson_destroy(filter);
}

static void test_create_indexes_and_drop_index(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t reply;
  /* n == 0: a no-op with an empty list */
  assert_true(mongo_odm_collection_create_indexes(f->coll, NULL, 0, NULL, &reply, &err));
  /* checked structurally: libbson 1.x prints an empty array "[  ]", 2.x "[ ]" */
  assert_int_equal(bson_count_keys(&reply), 1);
  bson_iter_t it, names;
  assert_true(bson_iter_init_find(&it, &reply, "names") && BSON_ITER_HOLDS_ARRAY(&it));
  assert_true(bson_iter_recurse(&it, &names));
  assert_false(bson_iter_next(&names));
  bson_destroy(&reply);
  bson_t *a = tu_bson("{\"key\": {\"a\": 1, \"b\": -1}}");
  bson_t *c = tu_bson("{\"key\": {\"c\": 1}, \"name\": \"c_unique\", \"unique\": true}");
  const bson_t *specs[] = {a, c};
  assert_true(mongo_odm_collection_create_indexes(f->coll, specs, 2, NULL, &reply, &err));
  assert_ok(err);
  char *json = bson_as_relaxed_extended_json(&reply, NULL);
  assert_string_equal(json, "{ \"names\" : [ \"a_1_b_-1\", \"c_unique\" ] }");
  bson_free(json);
  bson_destroy(&reply);
  assert_true(mongo_odm_collection_list_indexes(f->coll, &reply, &err));
  json = bson_as_relaxed_extended_json(&reply, NULL);
  assert_contains(json, "a_1_b_-1");
  assert_contains(json, "c_unique");
  bson_free(json);
  bson_destroy(&reply);
  /* drop one, then the same again: IndexNotFound (27) */
  assert_true(mongo_odm_collection_drop_index(f->coll, "a_1_b_-1", NULL, &err));
  assert_ok(err);
  assert_false(mongo_odm_collection_drop_index(f->coll, "a_1_b_-1", NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 27);
  /* "*": every index but _id's */
  assert_true(mongo_odm_collection_drop_index(f->coll, "*", NULL, &err));
  assert_true(mongo_odm_collection_list_indexes(f->coll, &reply, &err));
  json = bson_as_relaxed_extended_json(&reply, NULL);
  assert_null(strstr(json, "c_unique"));
  assert_contains(json, "_id_");
  bson_free(json);
  bson_destroy(&reply);
  /* bad specifications are refused before anything is sent */
  bson_t *nokey = tu_bson("{\"name\": \"x\"}");
  bson_t *badname = tu_bson("{\"key\": {\"x\": 1}, \"name\": 3}");
  const bson_t *bad1[] = {nokey};
  const bson_t *bad2[] = {badname};
  const bson_t *bad3[] = {a, NULL};
  assert_false(mongo_odm_collection_create_indexes(f->coll, bad1, 1, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&reply);
  assert_false(mongo_odm_collection_create_indexes(f->coll, bad2, 1, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&reply);
  assert_false(mongo_odm_collection_create_indexes(f->coll, bad3, 2, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&reply);
  assert_false(mongo_odm_collection_drop_index(f->coll, "", NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(badname);
  bson_destroy(nokey);
  bson_destroy(c);
  bson_destroy(a);
}

static void test_rename(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 2);
  mongo_odm_error_t err;
  char *target = tu_unique_name("renamed");
  assert_true(mongo_odm_collection_rename(f->coll, target, false, NULL, &err));
  assert_ok(err);
  assert_string_equal(mongo_odm_collection_name(f->coll), f->name);  /* the handle keeps its name */
  mongo_odm_collection_t *moved =
      mongo_odm_collection_new(f->client, mongo_odm_default_database_name(), target, &err);
  int64_t count = -1;
  assert_true(mongo_odm_collection_count_documents(moved, NULL, NULL, &count, &err));
  assert_int_equal(count, 2);
  assert_true(mongo_odm_collection_count_documents(f->coll, NULL, NULL, &count, &err));
  assert_int_equal(count, 0);
  /* the old name is free again; renaming onto an existing collection needs drop_target */
  insert_numbered(f, 1);
  assert_false(mongo_odm_collection_rename(f->coll, target, false, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 48);
  if (mongo_odm_collection_rename(f->coll, target, true, NULL, &err)) {
    assert_true(mongo_odm_collection_count_documents(moved, NULL, NULL, &count, &err));
    assert_int_equal(count, 1);
  } else { /* FerretDB 1.24: dropTarget is NotImplemented */
    assert_code(err, MONGO_ODM_ERROR_SERVER);
    assert_int_equal(err.server_code, 238);
  }
  /* invalid names */
  assert_false(mongo_odm_collection_rename(f->coll, "", false, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_collection_rename(f->coll, "a$b", false, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_true(mongo_odm_collection_drop(moved, &err));
  mongo_odm_collection_destroy(moved);
  free(target);
}

/* cursor.h: the cursor id, and what a cursor killed on the server answers (CursorNotFound). */
static void test_cursor_id_and_cursor_not_found(void **state) {
  fixture_t *f = *state;
  insert_numbered(f, 10);
  mongo_odm_error_t err;
  bson_t *opts = tu_bson("{\"batchSize\": 2, \"sort\": {\"_id\": 1}}");
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(f->coll, NULL, opts, &err);
  assert_non_null(cursor);
  assert_int_equal(mongo_odm_cursor_id(cursor), 0);  /* nothing sent yet */
  const bson_t *doc = NULL;
  assert_true(mongo_odm_cursor_next_bson(cursor, &doc));
  const int64_t id = mongo_odm_cursor_id(cursor);
  assert_true(id != 0);
  bson_t *kill = BCON_NEW("killCursors", BCON_UTF8(f->name), "cursors", "[", BCON_INT64(id), "]");
  bson_t reply;
  EXPECT_OK(mongo_odm_client_command(f->client, mongo_odm_default_database_name(), kill, &reply, &err));
  bson_destroy(&reply);
  while (mongo_odm_cursor_next_bson(cursor, &doc)) {
  }
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, 43);
  mongo_odm_cursor_destroy(cursor);
  /* read to its end: the server closed it, id 0 */
  cursor = mongo_odm_collection_find(f->coll, NULL, NULL, &err);
  while (mongo_odm_cursor_next_bson(cursor, &doc)) {
  }
  assert_false(mongo_odm_cursor_error(cursor, &err));
  assert_int_equal(mongo_odm_cursor_id(cursor), 0);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(kill);
  bson_destroy(opts);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_find_one_and_update),
      T(test_find_one_and_replace_and_delete),
      T(test_distinct_and_estimated_count),
      T(test_create_indexes_and_drop_index),
      T(test_rename),
      T(test_cursor_id_and_cursor_not_found),
  };
  return cmocka_run_group_tests_name("collection_extra", tests, tu_setup_connected, tu_teardown_connected);
}
