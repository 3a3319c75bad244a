/* CRUD on models (crud.h) against the test server: lightodm's operations and results. Each
 * test gets fresh, uniquely named collections and drops them. */
#include "test_util.h"

typedef struct {
  mongo_odm_model_t *person; /* name: utf8 REQUIRED, age: int32, nick: utf8 NULLABLE */
  mongo_odm_model_t *loose;  /* no declared fields */
} fixture_t;

static int setup(void **state) {
  if (!mongo_odm_is_connected()) tu_connect(); /* a test may have disconnected */
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  mongo_odm_error_t err;
  f->person = tu_model("crud_person");
  assert_true(mongo_odm_model_add_field(f->person, "name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &err));
  assert_true(mongo_odm_model_add_field(f->person, "age", MONGO_ODM_TYPE_INT32, 0, &err));
  assert_true(mongo_odm_model_add_field(f->person, "nick", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_NULLABLE, &err));
  f->loose = tu_model("crud_loose");
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  if (!mongo_odm_is_connected()) tu_connect();
  tu_drop(f->person);
  tu_drop(f->loose);
  mongo_odm_model_destroy(f->person);
  mongo_odm_model_destroy(f->loose);
  free(f);
  return 0;
}

static mongo_odm_doc_t *new_person(fixture_t *f, const char *name, int32_t age) {
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->person);
  assert_non_null(doc);
  assert_true(mongo_odm_doc_set_utf8(doc, "name", name, &err));
  assert_true(mongo_odm_doc_set_int32(doc, "age", age, &err));
  return doc;
}

static void save_people(fixture_t *f, int count) {
  for (int i = 0; i < count; ++i) {
    char name[32];
    snprintf(name, sizeof name, "p%02d", i);
    mongo_odm_doc_t *doc = new_person(f, name, i);
    char id[32];
    snprintf(id, sizeof id, "id%02d", i);
    mongo_odm_error_t err;
    assert_true(mongo_odm_doc_set_id(doc, id, &err));
    mongo_odm_doc_save(doc, false, &err);
    assert_ok(err);
    mongo_odm_doc_destroy(doc);
  }
}

/* The stored document with _id `id` (a string), through the raw API. */
static bson_t *stored(const mongo_odm_model_t *model, const char *id) {
  mongo_odm_collection_t *coll = tu_collection(model);
  bson_t *filter = bson_new();
  BSON_APPEND_UTF8(filter, "_id", id);
  bson_t *out = bson_new();
  bson_t tmp;
  bool found = false;
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_find_one(coll, filter, NULL, &tmp, &found, &err));
  assert_true(found);
  bson_concat(out, &tmp);
  bson_destroy(&tmp);
  bson_destroy(filter);
  mongo_odm_collection_destroy(coll);
  return out;
}

/* ---- save --------------------------------------------------------------------------------- */

static void test_save_upserts(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = new_person(f, "Alice", 30);
  assert_true(mongo_odm_doc_set_null(doc, "nick", &err));
  assert_true(mongo_odm_doc_set_utf8(doc, "extra", "kept", &err));
  memset(&err, 0x5a, sizeof err);
  assert_true(mongo_odm_doc_save(doc, false, &err));
  assert_ok(err);
  assert_int_equal(tu_count(f->person, NULL), 1);

  /* stored as to_bson() renders it: string _id first, nulls kept */
  bson_t *db = stored(f->person, mongo_odm_doc_id(doc));
  bson_t expected;
  assert_true(mongo_odm_doc_to_bson(doc, false, &expected, &err));
  assert_true(bson_equal(db, &expected));
  char keys[128];
  assert_string_equal(tu_keys(db, keys, sizeof keys), "_id,name,age,nick,extra");
  bson_destroy(&expected);
  bson_destroy(db);

  /* saving again replaces: still one document, new content */
  assert_true(mongo_odm_doc_set_int32(doc, "age", 31, &err));
  assert_true(mongo_odm_doc_remove(doc, "extra"));
  assert_true(mongo_odm_doc_save(doc, false, &err));
  assert_ok(err);
  assert_true(mongo_odm_doc_save(doc, false, NULL));
  assert_int_equal(tu_count(f->person, NULL), 1);
  db = stored(f->person, mongo_odm_doc_id(doc));
  tu_assert_bson_int(db, "age", 31);
  assert_false(bson_has_field(db, "extra"));
  bson_destroy(db);

  /* another document is another _id */
  mongo_odm_doc_t *other = new_person(f, "Bob", 40);
  assert_true(mongo_odm_doc_save(other, false, &err));
  assert_int_equal(tu_count(f->person, NULL), 2);
  mongo_odm_doc_destroy(other);
  mongo_odm_doc_destroy(doc);
}

static void test_save_exclude_none(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = new_person(f, "Carol", 20);
  assert_true(mongo_odm_doc_set_null(doc, "nick", &err));
  assert_true(mongo_odm_doc_set_null(doc, "other", &err));
  assert_true(mongo_odm_doc_save(doc, true, &err));
  assert_ok(err);
  bson_t *db = stored(f->person, mongo_odm_doc_id(doc));
  char keys[128];
  assert_string_equal(tu_keys(db, keys, sizeof keys), "_id,name,age");
  bson_destroy(db);
  /* the replacement drops fields that became null */
  assert_true(mongo_odm_doc_set_utf8(doc, "nick", "C", &err));
  assert_true(mongo_odm_doc_save(doc, true, &err));
  assert_true(mongo_odm_doc_set_null(doc, "nick", &err));
  assert_true(mongo_odm_doc_save(doc, true, &err));
  db = stored(f->person, mongo_odm_doc_id(doc));
  assert_false(bson_has_field(db, "nick"));
  bson_destroy(db);
  mongo_odm_doc_destroy(doc);
}

static void test_save_without_id(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = new_person(f, "NoId", 1);
  assert_true(mongo_odm_doc_set_id(doc, NULL, &err));
  assert_false(mongo_odm_doc_save(doc, false, &err));
  assert_code(err, MONGO_ODM_ERROR_MISSING_ID);
  assert_string_equal(err.message, "Document ID is required");
  assert_false(mongo_odm_doc_save(doc, true, NULL));
  /* a null id is no id (lightodm: `if doc_id is None: raise`), never an {_id: null} upsert */
  assert_true(mongo_odm_doc_set_id(doc, "x", &err));
  assert_true(mongo_odm_doc_set_null(doc, "id", &err));
  assert_false(mongo_odm_doc_save(doc, false, &err));
  assert_code(err, MONGO_ODM_ERROR_MISSING_ID);
  bool deleted = true;
  assert_true(mongo_odm_doc_delete(doc, &deleted, &err));
  assert_false(deleted);
  /* an empty string is an id for save (not None), but not for delete (`if not self.id`) */
  assert_true(mongo_odm_doc_set_id(doc, "", &err));
  assert_true(mongo_odm_doc_save(doc, false, &err));
  assert_ok(err);
  assert_int_equal(tu_count(f->person, "{\"_id\": \"\"}"), 1);
  deleted = true;
  assert_true(mongo_odm_doc_delete(doc, &deleted, &err));
  assert_false(deleted);
  assert_int_equal(tu_count(f->person, NULL), 1);
  mongo_odm_doc_destroy(doc);
}

static void test_save_validation(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->person); /* name missing */
  assert_true(mongo_odm_doc_set_int32(doc, "age", 3, &err));
  assert_false(mongo_odm_doc_save(doc, false, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'name'");
  assert_int_equal(tu_count(f->person, NULL), 0);
  mongo_odm_doc_destroy(doc);
}

/* ---- a model without a collection name ---------------------------------------------------- */

static void test_model_without_collection_is_not_implemented(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new(NULL, &err);
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_int32(doc, "a", 1, &err));
  bson_t *filter = tu_bson("{}");
  bson_t *update = tu_bson("{\"$set\": {\"a\": 2}}");
  bson_t *pipeline = tu_bson("[]");
  bool flag = true;
  int64_t n = 9;

  assert_false(mongo_odm_doc_save(doc, false, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  assert_false(mongo_odm_doc_delete(doc, &flag, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  assert_false(flag);
  assert_null(mongo_odm_get(model, "x", &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  assert_null(mongo_odm_find_one(model, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  assert_null(mongo_odm_find(model, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  assert_false(mongo_odm_count(model, NULL, &n, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  assert_false(mongo_odm_update_one(model, filter, update, true, &flag, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  assert_false(mongo_odm_update_many(model, filter, update, &n, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  assert_int_equal(n, 0);
  assert_false(mongo_odm_delete_one(model, filter, &flag, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  assert_false(mongo_odm_delete_many(model, filter, &n, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  mongo_odm_doc_t *docs[] = {doc};
  assert_false(mongo_odm_insert_many(model, docs, 1, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  assert_null(mongo_odm_aggregate(model, pipeline, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  /* also for a document without an id (the collection is resolved first) */
  assert_true(mongo_odm_doc_set_id(doc, NULL, &err));
  assert_false(mongo_odm_doc_save(doc, false, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  /* nothing to insert: still the documented no-op */
  assert_true(mongo_odm_insert_many(model, NULL, 0, &err));
  assert_ok(err);

  bson_destroy(pipeline);
  bson_destroy(update);
  bson_destroy(filter);
  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);
}

/* ---- get / find_one ----------------------------------------------------------------------- */

static void test_get(void **state) {
  fixture_t *f = *state;
  save_people(f, 3);
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_get(f->person, "id01", &err);
  assert_non_null(doc);
  assert_ok(err);
  assert_string_equal(mongo_odm_doc_id(doc), "id01");
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "name"), "p01");
  assert_ptr_equal(mongo_odm_doc_model(doc), f->person);
  assert_false(mongo_odm_doc_is_extra(doc, "name"));
  mongo_odm_doc_destroy(doc);

  /* not found: NULL with OK */
  memset(&err, 0x5a, sizeof err);
  assert_null(mongo_odm_get(f->person, "nope", &err));
  assert_ok(err);
  assert_null(mongo_odm_get(f->person, "nope", NULL));

  /* a stored document that does not fit the model: VALIDATION */
  mongo_odm_collection_t *coll = tu_collection(f->person);
  bson_t *bad = tu_bson("{\"_id\": \"bad\", \"age\": \"not a number\", \"name\": \"n\"}");
  assert_true(mongo_odm_collection_insert_one(coll, bad, NULL, NULL, &err));
  bson_destroy(bad);
  bad = tu_bson("{\"_id\": \"nameless\", \"age\": 1}");
  assert_true(mongo_odm_collection_insert_one(coll, bad, NULL, NULL, &err));
  bson_destroy(bad);
  mongo_odm_collection_destroy(coll);
  assert_null(mongo_odm_get(f->person, "bad", &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'age'");
  assert_null(mongo_odm_get(f->person, "nameless", &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'name'");
}

static void test_find_one(void **state) {
  fixture_t *f = *state;
  save_people(f, 5);
  mongo_odm_error_t err;
  bson_t *filter = tu_bson("{\"age\": {\"$gte\": 2}}");
  bson_t *opts = tu_bson("{\"sort\": {\"age\": -1}}");
  mongo_odm_doc_t *doc = mongo_odm_find_one(f->person, filter, opts, &err);
  assert_non_null(doc);
  assert_ok(err);
  assert_string_equal(mongo_odm_doc_id(doc), "id04");
  mongo_odm_doc_destroy(doc);
  bson_destroy(opts);

  opts = tu_bson("{\"sort\": {\"age\": 1}, \"skip\": 1}");
  doc = mongo_odm_find_one(f->person, filter, opts, &err);
  assert_string_equal(mongo_odm_doc_id(doc), "id03");
  mongo_odm_doc_destroy(doc);
  bson_destroy(opts);
  bson_destroy(filter);

  /* NULL filter: any document */
  doc = mongo_odm_find_one(f->person, NULL, NULL, &err);
  assert_non_null(doc);
  mongo_odm_doc_destroy(doc);

  filter = tu_bson("{\"name\": \"nobody\"}");
  memset(&err, 0x5a, sizeof err);
  assert_null(mongo_odm_find_one(f->person, filter, NULL, &err));
  assert_ok(err);
  bson_destroy(filter);

  /* a server error is not "not found" */
  filter = tu_bson("{\"age\": {\"$noSuchOperator\": 1}}");
  assert_null(mongo_odm_find_one(f->person, filter, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  bson_destroy(filter);
}

/* ---- find and cursors --------------------------------------------------------------------- */

static int read_ages(mongo_odm_cursor_t *cursor, int *ages, int cap) {
  const mongo_odm_doc_t *doc;
  int n = 0;
  while (mongo_odm_cursor_next(cursor, &doc)) {
    int32_t age = -1;
    assert_true(mongo_odm_doc_get_int32(doc, "age", &age));
    if (n < cap) ages[n] = age;
    ++n;
  }
  assert_null(doc);
  mongo_odm_error_t err;
  if (mongo_odm_cursor_error(cursor, &err)) {
    print_error("cursor failed: %s\n", err.message);
    fail();
  }
  return n;
}

static void test_find_sort_limit_skip(void **state) {
  fixture_t *f = *state;
  save_people(f, 10);
  mongo_odm_error_t err;
  int ages[16];

  mongo_odm_cursor_t *cursor = mongo_odm_find(f->person, NULL, NULL, &err);
  assert_non_null(cursor);
  assert_ok(err);
  assert_int_equal(read_ages(cursor, ages, 16), 10);
  mongo_odm_cursor_destroy(cursor);

  bson_t *filter = tu_bson("{\"age\": {\"$lt\": 8}}");
  bson_t *opts = tu_bson("{\"sort\": {\"age\": -1}, \"skip\": 2, \"limit\": 3}");
  cursor = mongo_odm_find(f->person, filter, opts, &err);
  assert_int_equal(read_ages(cursor, ages, 16), 3);
  assert_int_equal(ages[0], 5);
  assert_int_equal(ages[1], 4);
  assert_int_equal(ages[2], 3);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);
  bson_destroy(filter);

  /* the documents are the model's, borrowed until the next call: copy what is kept */
  opts = tu_bson("{\"sort\": {\"age\": 1}}");
  cursor = mongo_odm_find(f->person, NULL, opts, &err);
  const mongo_odm_doc_t *doc;
  assert_true(mongo_odm_cursor_next(cursor, &doc));
  mongo_odm_doc_t *kept = mongo_odm_doc_copy(doc);
  assert_true(mongo_odm_cursor_next(cursor, &doc));
  assert_string_equal(mongo_odm_doc_id(kept), "id00");
  assert_string_equal(mongo_odm_doc_id(doc), "id01");
  assert_ptr_equal(mongo_odm_doc_model(doc), f->person);
  mongo_odm_cursor_destroy(cursor);
  assert_string_equal(mongo_odm_doc_get_utf8(kept, "name"), "p00");
  mongo_odm_doc_destroy(kept);
  bson_destroy(opts);

  /* raw reading of a model cursor works too */
  cursor = mongo_odm_find(f->person, NULL, NULL, &err);
  const bson_t *raw;
  int n = 0;
  while (mongo_odm_cursor_next_bson(cursor, &raw)) ++n;
  assert_int_equal(n, 10);
  assert_false(mongo_odm_cursor_error(cursor, &err));
  mongo_odm_cursor_destroy(cursor);
}

static void test_find_projection(void **state) {
  fixture_t *f = *state;
  save_people(f, 3);
  mongo_odm_error_t err;

  /* keeping the required field: fine */
  bson_t *opts = tu_bson("{\"projection\": {\"name\": 1}}");
  mongo_odm_cursor_t *cursor = mongo_odm_find(f->person, NULL, opts, &err);
  const mongo_odm_doc_t *doc;
  int n = 0;
  while (mongo_odm_cursor_next(cursor, &doc)) {
    assert_true(mongo_odm_doc_has(doc, "name"));
    assert_false(mongo_odm_doc_has(doc, "age"));
    ++n;
  }
  assert_int_equal(n, 3);
  assert_false(mongo_odm_cursor_error(cursor, &err));
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);

  /* omitting a REQUIRED field: the cursor stops with VALIDATION */
  opts = tu_bson("{\"projection\": {\"age\": 1}}");
  cursor = mongo_odm_find(f->person, NULL, opts, &err);
  assert_non_null(cursor);
  assert_ok(err);
  doc = (const mongo_odm_doc_t *)1;
  assert_false(mongo_odm_cursor_next(cursor, &doc));
  assert_null(doc);
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'name'");
  assert_false(mongo_odm_cursor_next(cursor, &doc)); /* stays stopped */
  mongo_odm_cursor_destroy(cursor);

  /* find_one with the same projection fails the same way */
  assert_null(mongo_odm_find_one(f->person, NULL, opts, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  bson_destroy(opts);

  /* without declared fields any projection works */
  mongo_odm_collection_t *coll = tu_collection(f->loose);
  bson_t *raw = tu_bson("{\"_id\": \"l1\", \"a\": 1, \"b\": 2}");
  assert_true(mongo_odm_collection_insert_one(coll, raw, NULL, NULL, &err));
  bson_destroy(raw);
  mongo_odm_collection_destroy(coll);
  opts = tu_bson("{\"projection\": {\"b\": 1, \"_id\": 0}}");
  cursor = mongo_odm_find(f->loose, NULL, opts, &err);
  assert_true(mongo_odm_cursor_next(cursor, &doc));
  assert_null(mongo_odm_doc_id(doc)); /* projected away */
  assert_false(mongo_odm_doc_has(doc, "a"));
  int32_t b = 0;
  assert_true(mongo_odm_doc_get_int32(doc, "b", &b));
  assert_int_equal(b, 2);
  assert_true(mongo_odm_doc_is_extra(doc, "b"));
  assert_false(mongo_odm_cursor_next(cursor, &doc));
  assert_false(mongo_odm_cursor_error(cursor, &err));
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);
}

static void test_cursor_more_documents_than_batch_size(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  enum { N = 57 };
  mongo_odm_doc_t *docs[N];
  for (int i = 0; i < N; ++i) {
    docs[i] = mongo_odm_doc_new(f->person);
    assert_true(mongo_odm_doc_set_utf8(docs[i], "name", "batch", &err));
    assert_true(mongo_odm_doc_set_int32(docs[i], "age", i, &err));
  }
  assert_true(mongo_odm_insert_many(f->person, docs, N, &err));
  assert_ok(err);
  for (int i = 0; i < N; ++i) mongo_odm_doc_destroy(docs[i]);
  bson_t *opts = tu_bson("{\"batchSize\": 5, \"sort\": {\"age\": 1}}");
  mongo_odm_cursor_t *cursor = mongo_odm_find(f->person, NULL, opts, &err);
  int ages[N + 1];
  assert_int_equal(read_ages(cursor, ages, N + 1), N);
  for (int i = 0; i < N; ++i) assert_int_equal(ages[i], i);
  /* after the end: still false, no error */
  const mongo_odm_doc_t *doc;
  assert_false(mongo_odm_cursor_next(cursor, &doc));
  assert_false(mongo_odm_cursor_error(cursor, &err));
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);
}

/* ---- count / update / delete -------------------------------------------------------------- */

static void test_count(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  int64_t n = -1;
  assert_true(mongo_odm_count(f->person, NULL, &n, &err));
  assert_ok(err);
  assert_int_equal(n, 0);
  save_people(f, 7);
  assert_true(mongo_odm_count(f->person, NULL, &n, &err));
  assert_int_equal(n, 7);
  bson_t *filter = tu_bson("{\"age\": {\"$in\": [1, 3, 5, 99]}}");
  assert_true(mongo_odm_count(f->person, filter, &n, &err));
  assert_int_equal(n, 3);
  bson_destroy(filter);
  filter = tu_bson("{}");
  assert_true(mongo_odm_count(f->person, filter, &n, NULL));
  assert_int_equal(n, 7);
  bson_destroy(filter);
}

static void test_update_one(void **state) {
  fixture_t *f = *state;
  save_people(f, 3);
  mongo_odm_error_t err;
  bool changed = false;
  bson_t *filter = tu_bson("{\"_id\": \"id01\"}");
  bson_t *update = tu_bson("{\"$set\": {\"age\": 100}}");
  assert_true(mongo_odm_update_one(f->person, filter, update, false, &changed, &err));
  assert_ok(err);
  assert_true(changed);
  mongo_odm_doc_t *doc = mongo_odm_get(f->person, "id01", &err);
  int32_t age = 0;
  assert_true(mongo_odm_doc_get_int32(doc, "age", &age));
  assert_int_equal(age, 100);
  mongo_odm_doc_destroy(doc);

  /* the same update again modifies nothing */
  assert_true(mongo_odm_update_one(f->person, filter, update, false, &changed, &err));
  assert_false(changed);
  bson_destroy(filter);

  /* no match, no upsert: false, nothing created */
  filter = tu_bson("{\"_id\": \"ghost\"}");
  changed = true;
  assert_true(mongo_odm_update_one(f->person, filter, update, false, &changed, &err));
  assert_false(changed);
  assert_int_equal(tu_count(f->person, NULL), 3);

  /* upsert creates */
  bson_t *upsert_update = tu_bson("{\"$set\": {\"name\": \"Ghost\", \"age\": 1}}");
  assert_true(mongo_odm_update_one(f->person, filter, upsert_update, true, &changed, &err));
  assert_true(changed);
  assert_int_equal(tu_count(f->person, NULL), 4);
  doc = mongo_odm_get(f->person, "ghost", &err);
  assert_non_null(doc);
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "name"), "Ghost");
  mongo_odm_doc_destroy(doc);
  /* upsert on an existing, unchanged document: false */
  assert_true(mongo_odm_update_one(f->person, filter, upsert_update, true, &changed, &err));
  assert_false(changed);
  assert_true(mongo_odm_update_one(f->person, filter, upsert_update, true, NULL, &err));
  assert_int_equal(tu_count(f->person, NULL), 4);

  /* not an operator document */
  bson_t *plain = tu_bson("{\"age\": 5}");
  changed = true;
  assert_false(mongo_odm_update_one(f->person, filter, plain, false, &changed, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(changed);
  bson_destroy(plain);
  bson_destroy(upsert_update);
  bson_destroy(update);
  bson_destroy(filter);
}

static void test_update_many(void **state) {
  fixture_t *f = *state;
  save_people(f, 6);
  mongo_odm_error_t err;
  int64_t modified = -1;
  bson_t *filter = tu_bson("{\"age\": {\"$gte\": 3}}");
  bson_t *update = tu_bson("{\"$set\": {\"senior\": true}}");
  assert_true(mongo_odm_update_many(f->person, filter, update, &modified, &err));
  assert_ok(err);
  assert_int_equal(modified, 3);
  assert_true(mongo_odm_update_many(f->person, filter, update, &modified, &err));
  assert_int_equal(modified, 0);
  bson_t *all = tu_bson("{}");
  bson_t *inc = tu_bson("{\"$inc\": {\"age\": 1}}");
  assert_true(mongo_odm_update_many(f->person, all, inc, &modified, &err));
  assert_int_equal(modified, 6);
  assert_true(mongo_odm_update_many(f->person, all, inc, NULL, &err));
  bson_t *senior = tu_bson("{\"senior\": true}");
  assert_int_equal(tu_count(f->person, "{\"senior\": true}"), 3);
  assert_int_equal(tu_count(f->person, "{\"age\": 7}"), 1);
  bson_destroy(senior);
  bson_destroy(inc);
  bson_destroy(all);
  bson_destroy(update);
  bson_destroy(filter);
}

static void test_delete_one_and_many(void **state) {
  fixture_t *f = *state;
  save_people(f, 6);
  mongo_odm_error_t err;
  bool deleted = false;
  bson_t *filter = tu_bson("{\"age\": {\"$lt\": 3}}");
  assert_true(mongo_odm_delete_one(f->person, filter, &deleted, &err));
  assert_ok(err);
  assert_true(deleted);
  assert_int_equal(tu_count(f->person, NULL), 5);
  int64_t n = -1;
  assert_true(mongo_odm_delete_many(f->person, filter, &n, &err));
  assert_int_equal(n, 2);
  assert_true(mongo_odm_delete_one(f->person, filter, &deleted, &err));
  assert_false(deleted);
  assert_true(mongo_odm_delete_many(f->person, filter, &n, &err));
  assert_int_equal(n, 0);
  bson_destroy(filter);
  filter = tu_bson("{}");
  assert_true(mongo_odm_delete_many(f->person, filter, NULL, &err));
  assert_int_equal(tu_count(f->person, NULL), 0);
  bson_destroy(filter);
}

static void test_doc_delete(void **state) {
  fixture_t *f = *state;
  save_people(f, 2);
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_get(f->person, "id00", &err);
  bool deleted = false;
  assert_true(mongo_odm_doc_delete(doc, &deleted, &err));
  assert_ok(err);
  assert_true(deleted);
  assert_int_equal(tu_count(f->person, NULL), 1);
  assert_true(mongo_odm_doc_delete(doc, &deleted, &err));
  assert_false(deleted);
  assert_true(mongo_odm_doc_delete(doc, NULL, NULL));
  /* no id: false without an error (and without the server) */
  assert_true(mongo_odm_doc_set_id(doc, NULL, &err));
  deleted = true;
  assert_true(mongo_odm_doc_delete(doc, &deleted, &err));
  assert_ok(err);
  assert_false(deleted);
  /* an empty id is not an id either (lightodm: `if not self.id`) */
  assert_true(mongo_odm_doc_set_id(doc, "", &err));
  deleted = true;
  assert_true(mongo_odm_doc_delete(doc, &deleted, &err));
  assert_false(deleted);
  assert_int_equal(tu_count(f->person, NULL), 1);
  mongo_odm_doc_destroy(doc);
}

/* ---- insert_many -------------------------------------------------------------------------- */

static void test_insert_many(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  memset(&err, 0x5a, sizeof err);
  assert_true(mongo_odm_insert_many(f->person, NULL, 0, &err));
  assert_ok(err);
  assert_int_equal(tu_count(f->person, NULL), 0);

  mongo_odm_doc_t *docs[3] = {new_person(f, "a", 1), new_person(f, "b", 2), new_person(f, "c", 3)};
  assert_true(mongo_odm_doc_set_id(docs[1], "chosen", &err));
  assert_true(mongo_odm_insert_many(f->person, docs, 3, &err));
  assert_ok(err);
  assert_int_equal(tu_count(f->person, NULL), 3);
  /* each document is stored under its own (string) id */
  for (int i = 0; i < 3; ++i) {
    mongo_odm_doc_t *got = mongo_odm_get(f->person, mongo_odm_doc_id(docs[i]), &err);
    assert_non_null(got);
    assert_string_equal(mongo_odm_doc_get_utf8(got, "name"), mongo_odm_doc_get_utf8(docs[i], "name"));
    mongo_odm_doc_destroy(got);
  }
  /* inserting them again: duplicate key on the first, nothing else goes in (ordered) */
  assert_false(mongo_odm_insert_many(f->person, docs, 3, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  assert_int_equal(err.server_code, 11000);
  assert_int_equal(tu_count(f->person, NULL), 3);
  for (int i = 0; i < 3; ++i) mongo_odm_doc_destroy(docs[i]);

  /* a document of another model */
  mongo_odm_doc_t *mine = new_person(f, "mine", 1);
  mongo_odm_doc_t *theirs = mongo_odm_doc_new(f->loose);
  mongo_odm_doc_t *mixed[] = {mine, theirs};
  assert_false(mongo_odm_insert_many(f->person, mixed, 2, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "another model");
  assert_int_equal(tu_count(f->person, NULL), 3);
  assert_int_equal(tu_count(f->loose, NULL), 0);

  /* a document missing a required field, after a good one: VALIDATION and nothing inserted */
  mongo_odm_doc_t *invalid = mongo_odm_doc_new(f->person);
  assert_true(mongo_odm_doc_set_int32(invalid, "age", 9, &err));
  mongo_odm_doc_t *batch[] = {mine, invalid};
  assert_false(mongo_odm_insert_many(f->person, batch, 2, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'name'");
  assert_int_equal(tu_count(f->person, NULL), 3);

  mongo_odm_doc_destroy(invalid);
  mongo_odm_doc_destroy(theirs);
  mongo_odm_doc_destroy(mine);
}

/* ---- aggregate ---------------------------------------------------------------------------- */

static void test_aggregate_raw_cursor(void **state) {
  fixture_t *f = *state;
  save_people(f, 6);
  mongo_odm_error_t err;
  bson_t *pipeline = tu_bson("[{\"$match\": {\"age\": {\"$gte\": 2}}}, {\"$sort\": {\"age\": -1}}, {\"$limit\": 2}]");
  mongo_odm_cursor_t *cursor = mongo_odm_aggregate(f->person, pipeline, NULL, &err);
  assert_non_null(cursor);
  assert_ok(err);
  const bson_t *raw;
  assert_true(mongo_odm_cursor_next_bson(cursor, &raw));
  tu_assert_bson_int(raw, "age", 5);
  assert_true(mongo_odm_cursor_next_bson(cursor, &raw));
  tu_assert_bson_int(raw, "age", 4);
  assert_false(mongo_odm_cursor_next_bson(cursor, &raw));
  assert_false(mongo_odm_cursor_error(cursor, &err));
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(pipeline);

  /* the documents are raw: model documents are refused */
  pipeline = tu_bson("{\"pipeline\": [{\"$count\": \"n\"}]}");
  cursor = mongo_odm_aggregate(f->person, pipeline, NULL, &err);
  const mongo_odm_doc_t *doc;
  assert_false(mongo_odm_cursor_next(cursor, &doc));
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  mongo_odm_cursor_destroy(cursor);
  cursor = mongo_odm_aggregate(f->person, pipeline, NULL, &err);
  assert_true(mongo_odm_cursor_next_bson(cursor, &raw));
  tu_assert_bson_int(raw, "n", 6);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(pipeline);
}

/* ---- ids ---------------------------------------------------------------------------------- */

static void test_composite_key_upsert(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = tu_model("crud_composite");
  const char *key[] = {"tenant", "user"};
  assert_true(mongo_odm_model_set_composite_key(model, key, 2, &err));

  mongo_odm_doc_t *first = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_utf8(first, "tenant", "acme", &err));
  assert_true(mongo_odm_doc_set_int32(first, "user", 7, &err));
  assert_true(mongo_odm_doc_set_utf8(first, "v", "first", &err));
  assert_true(mongo_odm_doc_save(first, false, &err));
  assert_ok(err);

  /* another document with the same key fields (and a different explicit id) */
  mongo_odm_doc_t *second = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_id(second, "ignored", &err));
  assert_true(mongo_odm_doc_set_utf8(second, "tenant", "acme", &err));
  assert_true(mongo_odm_doc_set_int32(second, "user", 7, &err));
  assert_true(mongo_odm_doc_set_utf8(second, "v", "second", &err));
  assert_true(mongo_odm_doc_save(second, false, &err));
  assert_ok(err);
  assert_int_equal(tu_count(model, NULL), 1);

  const char *values[] = {"acme", "7"};
  char md5[33];
  assert_true(mongo_odm_generate_composite_id(values, 2, md5, &err));
  bson_t *db = stored(model, md5);
  tu_assert_bson_utf8(db, "v", "second");
  bson_destroy(db);
  mongo_odm_doc_t *got = mongo_odm_get(model, md5, &err);
  assert_non_null(got);
  assert_string_equal(mongo_odm_doc_id(got), md5);
  mongo_odm_doc_destroy(got);

  /* a different key is a different document */
  assert_true(mongo_odm_doc_set_int32(second, "user", 8, &err));
  assert_true(mongo_odm_doc_save(second, false, &err));
  assert_int_equal(tu_count(model, NULL), 2);

  /* a missing key field: VALIDATION at save and at insert, nothing written */
  mongo_odm_doc_t *partial = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_utf8(partial, "tenant", "acme", &err));
  assert_false(mongo_odm_doc_save(partial, false, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "Composite key field 'user'");
  assert_true(mongo_odm_doc_set_null(partial, "user", &err));
  assert_false(mongo_odm_doc_save(partial, false, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_string_equal(err.message, "Composite key field 'user' is None. All fields must have values.");
  mongo_odm_doc_t *batch[] = {first, partial};
  assert_false(mongo_odm_insert_many(model, batch, 2, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_int_equal(tu_count(model, NULL), 2);

  /* deleting by the composite id */
  bool deleted = false;
  assert_true(mongo_odm_doc_delete(first, &deleted, &err));
  assert_true(deleted);
  assert_int_equal(tu_count(model, NULL), 1);

  mongo_odm_doc_destroy(partial);
  mongo_odm_doc_destroy(second);
  mongo_odm_doc_destroy(first);
  tu_drop(model);
  mongo_odm_model_destroy(model);
}

static void test_object_id_document_round_trip(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_collection_t *coll = tu_collection(f->loose);
  bson_t *raw = tu_bson("{\"_id\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}, \"v\": 1}");
  assert_true(mongo_odm_collection_insert_one(coll, raw, NULL, NULL, &err));
  bson_destroy(raw);

  bson_t *filter = tu_bson("{\"v\": 1}");
  mongo_odm_doc_t *doc = mongo_odm_find_one(f->loose, filter, NULL, &err);
  bson_destroy(filter);
  assert_non_null(doc);
  assert_string_equal(mongo_odm_doc_id(doc), "65a1b2c3d4e5f60718293a4b");
  assert_int_equal(mongo_odm_doc_get(doc, "_id")->value_type, BSON_TYPE_OID);

  /* saved back: the same document is updated, no string-id twin */
  assert_true(mongo_odm_doc_set_int32(doc, "v", 2, &err));
  assert_true(mongo_odm_doc_save(doc, false, &err));
  assert_ok(err);
  assert_int_equal(tu_count(f->loose, NULL), 1);
  assert_int_equal(tu_count(f->loose, "{\"_id\": {\"$oid\": \"65a1b2c3d4e5f60718293a4b\"}, \"v\": 2}"), 1);
  assert_int_equal(tu_count(f->loose, "{\"_id\": \"65a1b2c3d4e5f60718293a4b\"}"), 0);

  /* get() looks up string ids only (lightodm), so it does not find it */
  assert_null(mongo_odm_get(f->loose, "65a1b2c3d4e5f60718293a4b", &err));
  assert_ok(err);

  /* deleting matches the ObjectId */
  bool deleted = false;
  assert_true(mongo_odm_doc_delete(doc, &deleted, &err));
  assert_true(deleted);
  assert_int_equal(tu_count(f->loose, NULL), 0);
  mongo_odm_doc_destroy(doc);

  /* an int _id round-trips the same way */
  raw = tu_bson("{\"_id\": 42, \"v\": 1}");
  assert_true(mongo_odm_collection_insert_one(coll, raw, NULL, NULL, &err));
  bson_destroy(raw);
  doc = mongo_odm_find_one(f->loose, NULL, NULL, &err);
  assert_null(mongo_odm_doc_id(doc));
  assert_true(mongo_odm_doc_set_int32(doc, "v", 3, &err));
  assert_true(mongo_odm_doc_save(doc, false, &err));
  assert_ok(err);
  assert_int_equal(tu_count(f->loose, NULL), 1);
  assert_int_equal(tu_count(f->loose, "{\"_id\": 42, \"v\": 3}"), 1);
  mongo_odm_doc_destroy(doc);
  mongo_odm_collection_destroy(coll);
}

/* ---- bring your own collection ------------------------------------------------------------ */

static void test_bring_your_own_collection(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_client_t *client =
      mongo_odm_client_new(tu_env("MONGO_URL"), tu_env("MONGO_USER"), tu_env("MONGO_PASSWORD"), &err);
  assert_non_null(client);
  char *db = tu_unique_name("byo_db");
  char *name = tu_unique_name("byo");
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, db, name, &err);
  assert_non_null(coll);
  /* the model's own name differs: its collection decides */
  mongo_odm_model_t *model = mongo_odm_model_new("not_used_byo", &err);
  assert_true(mongo_odm_model_set_collection(model, coll, &err));
  assert_ok(err);

  /* no default connection is needed */
  mongo_odm_disconnect();
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_utf8(doc, "k", "v", &err));
  assert_true(mongo_odm_doc_save(doc, false, &err));
  assert_ok(err);
  int64_t n = -1;
  assert_true(mongo_odm_count(model, NULL, &n, &err));
  assert_int_equal(n, 1);
  mongo_odm_doc_t *got = mongo_odm_get(model, mongo_odm_doc_id(doc), &err);
  assert_non_null(got);
  assert_string_equal(mongo_odm_doc_get_utf8(got, "k"), "v");
  mongo_odm_doc_destroy(got);
  assert_false(mongo_odm_is_connected());
  /* the document really is in db.name of that client */
  assert_true(mongo_odm_collection_count_documents(coll, NULL, NULL, &n, &err));
  assert_int_equal(n, 1);

  /* NULL restores the default: the default database's collection named like the model */
  tu_connect();
  assert_true(mongo_odm_model_set_collection(model, NULL, &err));
  assert_true(mongo_odm_count(model, NULL, &n, &err));
  assert_int_equal(n, 0);

  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);
  assert_true(mongo_odm_client_drop_database(client, db, &err));
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
  free(name);
  free(db);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_save_upserts),
      T(test_save_exclude_none),
      T(test_save_without_id),
      T(test_save_validation),
      T(test_model_without_collection_is_not_implemented),
      T(test_get),
      T(test_find_one),
      T(test_find_sort_limit_skip),
      T(test_find_projection),
      T(test_cursor_more_documents_than_batch_size),
      T(test_count),
      T(test_update_one),
      T(test_update_many),
      T(test_delete_one_and_many),
      T(test_doc_delete),
      T(test_insert_many),
      T(test_aggregate_raw_cursor),
      T(test_composite_key_upsert),
      T(test_object_id_document_round_trip),
      T(test_bring_your_own_collection),
  };
  return cmocka_run_group_tests_name("crud", tests, tu_setup_connected, tu_teardown_connected);
}
