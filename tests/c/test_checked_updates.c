/* Update operators checked against the model before they are sent, with the opt-outs, and
 * the ways through stored documents that no longer fit the model (issue 17 item 3), against
 * the test server. */
#include "test_util.h"

typedef struct {
  mongo_odm_model_t *m; /* name utf8 REQUIRED, age int32, big int64, score double, tags array,
                           when datetime, note utf8 NULLABLE, any ANY */
} fixture_t;

static int setup(void **state) {
  if (!mongo_odm_is_connected()) tu_connect();
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  mongo_odm_error_t err;
  f->m = tu_model("checked_upd");
  assert_true(mongo_odm_model_add_field(f->m, "name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &err));
  assert_true(mongo_odm_model_add_field(f->m, "age", MONGO_ODM_TYPE_INT32, 0, &err));
  assert_true(mongo_odm_model_add_field(f->m, "big", MONGO_ODM_TYPE_INT64, 0, &err));
  assert_true(mongo_odm_model_add_field(f->m, "score", MONGO_ODM_TYPE_DOUBLE, 0, &err));
  assert_true(mongo_odm_model_add_field(f->m, "tags", MONGO_ODM_TYPE_ARRAY, 0, &err));
  assert_true(mongo_odm_model_add_field(f->m, "when", MONGO_ODM_TYPE_DATETIME, 0, &err));
  assert_true(mongo_odm_model_add_field(f->m, "note", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_NULLABLE, &err));
  assert_true(mongo_odm_model_add_field(f->m, "any", MONGO_ODM_TYPE_ANY, 0, &err));
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->m);
  assert_true(mongo_odm_doc_set_id(doc, "a", &err));
  assert_true(mongo_odm_doc_set_utf8(doc, "name", "Ann", &err));
  assert_true(mongo_odm_doc_set_int32(doc, "age", 30, &err));
  assert_true(mongo_odm_doc_save(doc, false, &err));
  assert_ok(err);
  mongo_odm_doc_destroy(doc);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  tu_drop(f->m);
  mongo_odm_model_destroy(f->m);
  free(f);
  return 0;
}

/* update_one must refuse `update_json` with VALIDATION naming `needle`, and send nothing. */
static void expect_refused(fixture_t *f, const char *update_json, const char *needle) {
  mongo_odm_error_t err;
  bson_t *filter = tu_bson("{\"_id\": \"a\"}");
  bson_t *update = tu_bson(update_json);
  bool changed = true;
  assert_false(mongo_odm_update_one(f->m, filter, update, false, &changed, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, needle);
  int64_t n = -1;
  assert_false(mongo_odm_update_many(f->m, filter, update, &n, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  /* the same verdict without a server call */
  assert_false(mongo_odm_model_check_update(f->m, update, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  bson_destroy(update);
  bson_destroy(filter);
  /* nothing was written: the stored document still loads */
  mongo_odm_doc_t *doc = NULL;
  bool found = false;
  assert_true(mongo_odm_try_get(f->m, "a", &doc, &found, &err));
  assert_ok(err);
  assert_true(found);
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "name"), "Ann");
  mongo_odm_doc_destroy(doc);
}

static void expect_accepted(fixture_t *f, const char *update_json) {
  mongo_odm_error_t err;
  bson_t *filter = tu_bson("{\"_id\": \"a\"}");
  bson_t *update = tu_bson(update_json);
  assert_true(mongo_odm_model_check_update(f->m, update, &err));
  assert_ok(err);
  assert_true(mongo_odm_update_one(f->m, filter, update, false, NULL, &err));
  assert_ok(err);
  bson_destroy(update);
  bson_destroy(filter);
  mongo_odm_doc_t *doc = NULL;
  bool found = false;
  assert_true(mongo_odm_try_get(f->m, "a", &doc, &found, &err)); /* still fits */
  assert_ok(err);
  assert_true(found);
  mongo_odm_doc_destroy(doc);
}

static void test_set_and_set_on_insert_wrong_type_refused(void **state) {
  fixture_t *f = *state;
  expect_refused(f, "{\"$set\": {\"age\": \"x\"}}", "$set on field 'age'");
  expect_refused(f, "{\"$set\": {\"age\": \"x\"}}", "expected int32, got utf8");
  expect_refused(f, "{\"$setOnInsert\": {\"when\": 5}}", "$setOnInsert on field 'when'");
  expect_refused(f, "{\"$set\": {\"name\": null}}", "'name'");
  expect_refused(f, "{\"$set\": {\"big\": 1.5}}", "'big'");
  expect_refused(f, "{\"$max\": {\"age\": \"z\"}}", "$max on field 'age'");
  /* a valid operator before the bad one does not get through either */
  expect_refused(f, "{\"$set\": {\"note\": \"ok\"}, \"$inc\": {\"name\": 1}}", "$inc on field 'name'");
}

static void test_set_fitting_values_accepted(void **state) {
  fixture_t *f = *state;
  expect_accepted(f, "{\"$set\": {\"age\": 31, \"note\": null, \"big\": 5, \"score\": 2}}");
  expect_accepted(f, "{\"$set\": {\"extra\": \"anything\", \"any\": [1], \"sub.path\": 1}}");
  expect_accepted(f, "{\"$setOnInsert\": {\"when\": {\"$date\": 0}}}");
}

static void test_inc_and_mul(void **state) {
  fixture_t *f = *state;
  expect_refused(f, "{\"$inc\": {\"name\": 1}}", "not numeric");
  expect_refused(f, "{\"$inc\": {\"age\": 1.5}}", "$inc on field 'age'");      /* would become a double */
  expect_refused(f, "{\"$inc\": {\"age\": {\"$numberLong\": \"1\"}}}", "'age'"); /* would become int64 */
  expect_refused(f, "{\"$mul\": {\"tags\": 2}}", "$mul on field 'tags'");
  expect_refused(f, "{\"$inc\": {\"score\": \"1\"}}", "not a number");
  expect_accepted(f, "{\"$inc\": {\"age\": 1, \"big\": {\"$numberLong\": \"2\"}, \"score\": 0.5, \"any\": 1}}");
  expect_accepted(f, "{\"$mul\": {\"big\": 2}}");
}

static void test_unset_and_rename_of_required(void **state) {
  fixture_t *f = *state;
  expect_refused(f, "{\"$unset\": {\"name\": \"\"}}", "$unset on field 'name': the field is required");
  expect_refused(f, "{\"$rename\": {\"name\": \"nom\"}}", "$rename on field 'name'");
  expect_refused(f, "{\"$rename\": {\"extra\": \"age\"}}", "$rename on field 'age'");
  expect_accepted(f, "{\"$unset\": {\"age\": \"\", \"note\": \"\"}}");
}

static void test_array_date_and_bit_operators(void **state) {
  fixture_t *f = *state;
  expect_refused(f, "{\"$push\": {\"name\": 1}}", "$push on field 'name': the field is utf8, not an array");
  expect_refused(f, "{\"$addToSet\": {\"age\": 1}}", "$addToSet on field 'age'");
  expect_refused(f, "{\"$currentDate\": {\"name\": true}}", "$currentDate on field 'name'");
  expect_refused(f, "{\"$currentDate\": {\"when\": {\"$type\": \"timestamp\"}}}", "$currentDate on field 'when'");
  expect_refused(f, "{\"$bit\": {\"score\": {\"and\": 1}}}", "$bit on field 'score'");
  expect_accepted(f, "{\"$push\": {\"tags\": \"t\"}, \"$currentDate\": {\"when\": true}}");
  expect_accepted(f, "{\"$bit\": {\"age\": {\"or\": 1}}}");
}

static void test_opt_outs_for_raw_updates(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  assert_true(mongo_odm_model_check_updates(f->m)); /* the default */
  bson_t *filter = tu_bson("{\"_id\": \"a\"}");
  bson_t *update = tu_bson("{\"$set\": {\"age\": \"thirty\"}}");
  /* 1. the model's switch */
  assert_true(mongo_odm_model_set_check_updates(f->m, false, &err));
  assert_false(mongo_odm_model_check_updates(f->m));
  bool changed = false;
  assert_true(mongo_odm_update_one(f->m, filter, update, false, &changed, &err));
  assert_ok(err);
  assert_true(changed);
  /* check_update still answers when asked */
  assert_false(mongo_odm_model_check_update(f->m, update, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_true(mongo_odm_model_set_check_updates(f->m, true, &err));
  /* 2. the raw collection API is never checked */
  bson_t *update2 = tu_bson("{\"$set\": {\"age\": \"forty\"}}");
  mongo_odm_collection_t *coll = tu_collection(f->m);
  bson_t reply;
  assert_true(mongo_odm_collection_update_one(coll, filter, update2, NULL, &reply, &err));
  assert_ok(err);
  bson_destroy(&reply);
  mongo_odm_collection_destroy(coll);
  /* the stored document no longer fits: get fails with VALIDATION, as documented */
  mongo_odm_doc_t *doc = NULL;
  bool found = true;
  assert_false(mongo_odm_try_get(f->m, "a", &doc, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  bson_destroy(update);
  bson_destroy(update2);
  bson_destroy(filter);
}

static void test_models_without_fields_and_pipelines_are_not_checked(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_model_t *loose = mongo_odm_model_new("loose_any", &err);
  bson_t *update = tu_bson("{\"$set\": {\"age\": \"x\"}, \"$unset\": {\"name\": 1}}");
  assert_true(mongo_odm_model_check_update(loose, update, &err));
  assert_ok(err);
  bson_destroy(update);
  mongo_odm_model_destroy(loose);
  /* a pipeline update (array of stages) is the server's business */
  update = tu_bson("[{\"$set\": {\"age\": \"x\"}}]");
  assert_true(mongo_odm_model_check_update(f->m, update, &err));
  bson_destroy(update);
}

/* Two documents that fit and one in between that does not. */
static void store_mixed(fixture_t *f) {
  mongo_odm_error_t err;
  mongo_odm_collection_t *coll = tu_collection(f->m);
  const char *docs[] = {"{\"_id\": \"b\", \"name\": \"Bo\", \"age\": 2}",
                        "{\"_id\": \"c\", \"name\": \"Cy\", \"age\": \"three\"}",
                        "{\"_id\": \"d\", \"name\": \"Di\", \"age\": 4}"};
  for (int i = 0; i < 3; ++i) {
    bson_t *b = tu_bson(docs[i]);
    assert_true(mongo_odm_collection_insert_one(coll, b, NULL, NULL, &err));
    assert_ok(err);
    bson_destroy(b);
  }
  mongo_odm_collection_destroy(coll);
}

static mongo_odm_cursor_t *find_sorted(fixture_t *f) {
  mongo_odm_error_t err;
  bson_t *filter = tu_bson("{\"_id\": {\"$gt\": \"a\"}}");
  bson_t *opts = tu_bson("{\"sort\": {\"_id\": 1}}");
  mongo_odm_cursor_t *cursor = mongo_odm_find(f->m, filter, opts, &err);
  assert_non_null(cursor);
  bson_destroy(filter);
  bson_destroy(opts);
  return cursor;
}

static void test_cursor_stops_by_default(void **state) {
  fixture_t *f = *state;
  store_mixed(f);
  mongo_odm_cursor_t *cursor = find_sorted(f);
  const mongo_odm_doc_t *doc;
  int read = 0;
  while (mongo_odm_cursor_next(cursor, &doc)) ++read;
  assert_int_equal(read, 1);
  mongo_odm_error_t err;
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_int_equal(mongo_odm_cursor_skipped_count(cursor), 0);
  mongo_odm_cursor_destroy(cursor);
}

static void test_cursor_skip_invalid(void **state) {
  fixture_t *f = *state;
  store_mixed(f);
  mongo_odm_cursor_t *cursor = find_sorted(f);
  mongo_odm_error_t err;
  assert_true(mongo_odm_cursor_set_skip_invalid(cursor, true, &err));
  const mongo_odm_doc_t *doc;
  char ids[8] = {0};
  int read = 0;
  while (mongo_odm_cursor_next(cursor, &doc)) ids[read++] = mongo_odm_doc_id(doc)[0];
  assert_string_equal(ids, "bd");
  assert_false(mongo_odm_cursor_error(cursor, &err));
  assert_ok(err);
  assert_int_equal(mongo_odm_cursor_skipped_count(cursor), 1);
  mongo_odm_cursor_destroy(cursor);
}

static void test_cursor_next_or_raw(void **state) {
  fixture_t *f = *state;
  store_mixed(f);
  mongo_odm_cursor_t *cursor = find_sorted(f);
  const mongo_odm_doc_t *doc;
  const bson_t *raw;
  mongo_odm_error_t why;
  int models = 0, raws = 0;
  while (mongo_odm_cursor_next_or_raw(cursor, &doc, &raw, &why)) {
    if (doc) {
      assert_null(raw);
      assert_ok(why);
      ++models;
    } else {
      assert_non_null(raw);
      assert_code(why, MONGO_ODM_ERROR_VALIDATION);
      assert_contains(why.message, "'age'");
      tu_assert_bson_utf8(raw, "_id", "c");
      tu_assert_bson_utf8(raw, "age", "three");
      ++raws;
    }
  }
  assert_int_equal(models, 2);
  assert_int_equal(raws, 1);
  mongo_odm_error_t err;
  assert_false(mongo_odm_cursor_error(cursor, &err));
  /* invalid may be NULL */
  mongo_odm_cursor_destroy(cursor);
  cursor = find_sorted(f);
  int n = 0;
  while (mongo_odm_cursor_next_or_raw(cursor, &doc, &raw, NULL)) ++n;
  assert_int_equal(n, 3);
  mongo_odm_cursor_destroy(cursor);
  /* on a raw cursor: false, INVALID_ARGUMENT through cursor_error */
  mongo_odm_collection_t *coll = tu_collection(f->m);
  cursor = mongo_odm_collection_find(coll, NULL, NULL, &err);
  assert_false(mongo_odm_cursor_next_or_raw(cursor, &doc, &raw, &why));
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  mongo_odm_cursor_destroy(cursor);
  mongo_odm_collection_destroy(coll);
}

/* Bulk writers of a model check queued updates as update_one/update_many do (issue 17);
 * writers on a collection and the model's switch opt out. */
static void test_bulk_updates_are_checked(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t *filter = tu_bson("{\"_id\": \"a\"}");
  bson_t *bad_set = tu_bson("{\"$set\": {\"age\": \"thirty\"}}");
  bson_t *bad_inc = tu_bson("{\"$inc\": {\"name\": 1}}");
  bson_t *good = tu_bson("{\"$set\": {\"age\": 31}, \"$inc\": {\"big\": 2}}");
  mongo_odm_bulk_t *bulk = mongo_odm_bulk_new(f->m, true, &err);
  assert_non_null(bulk);
  assert_true(mongo_odm_bulk_update_one(bulk, filter, good, false, &err));
  assert_ok(err);
  assert_false(mongo_odm_bulk_update_one(bulk, filter, bad_set, false, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "bulk update_one (operation 1)");
  assert_contains(err.message, "$set");
  assert_contains(err.message, "'age'");
  assert_false(mongo_odm_bulk_update_many(bulk, filter, bad_inc, false, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "bulk update_many");
  assert_contains(err.message, "$inc");
  assert_contains(err.message, "'name'");
  assert_int_equal(mongo_odm_bulk_size(bulk), 1); /* the refused ones were not queued */
  mongo_odm_bulk_destroy(bulk);                   /* dropped unsent */
  /* the model's switch is read when the writer is made */
  assert_true(mongo_odm_model_set_check_updates(f->m, false, &err));
  bulk = mongo_odm_bulk_new(f->m, true, &err);
  assert_true(mongo_odm_model_set_check_updates(f->m, true, &err));
  assert_true(mongo_odm_bulk_update_many(bulk, filter, bad_inc, false, &err));
  assert_ok(err);
  mongo_odm_bulk_destroy(bulk);
  /* the writer keeps its own copy of the declarations: the model may go first (as in 0.1) */
  mongo_odm_model_t *twin = mongo_odm_model_new(mongo_odm_model_collection_name(f->m), &err);
  assert_true(mongo_odm_model_add_field(twin, "age", MONGO_ODM_TYPE_INT32, 0, &err));
  bulk = mongo_odm_bulk_new(twin, true, &err);
  assert_non_null(bulk);
  mongo_odm_model_destroy(twin);
  assert_false(mongo_odm_bulk_update_one(bulk, filter, bad_set, false, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'age'");
  mongo_odm_bulk_destroy(bulk);
  bulk = mongo_odm_bulk_new(f->m, true, &err);
  assert_true(mongo_odm_bulk_update_one(bulk, filter, good, false, &err));
  bson_t reply;
  assert_true(mongo_odm_bulk_execute(bulk, &reply, &err));
  assert_ok(err);
  bson_destroy(&reply);
  mongo_odm_bulk_destroy(bulk);
  mongo_odm_doc_t *doc = NULL;
  bool found = false;
  assert_true(mongo_odm_try_get(f->m, "a", &doc, &found, &err));
  assert_true(found);
  assert_int_equal(mongo_odm_doc_get(doc, "age")->value.v_int32, 31);
  mongo_odm_doc_destroy(doc);
  /* a writer on the collection has no model: unchecked, like the raw collection calls */
  mongo_odm_collection_t *coll = tu_collection(f->m);
  bulk = mongo_odm_collection_bulk_new(coll, true, &err);
  assert_true(mongo_odm_bulk_update_one(bulk, filter, bad_set, false, &err));
  assert_ok(err);
  mongo_odm_bulk_destroy(bulk);
  mongo_odm_collection_destroy(coll);
  bson_destroy(good);
  bson_destroy(bad_inc);
  bson_destroy(bad_set);
  bson_destroy(filter);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_set_and_set_on_insert_wrong_type_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_set_fitting_values_accepted, setup, teardown),
      cmocka_unit_test_setup_teardown(test_inc_and_mul, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unset_and_rename_of_required, setup, teardown),
      cmocka_unit_test_setup_teardown(test_array_date_and_bit_operators, setup, teardown),
      cmocka_unit_test_setup_teardown(test_opt_outs_for_raw_updates, setup, teardown),
      cmocka_unit_test_setup_teardown(test_models_without_fields_and_pipelines_are_not_checked, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cursor_stops_by_default, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cursor_skip_invalid, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cursor_next_or_raw, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bulk_updates_are_checked, setup, teardown),
  };
  return cmocka_run_group_tests_name("checked_updates", tests, tu_setup_connected, tu_teardown_connected);
}
