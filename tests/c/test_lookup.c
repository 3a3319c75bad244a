/* Lookups whose "not found" cannot be misread (issue 17 item 2): mongo_odm_try_get() and
 * mongo_odm_try_find_one() tell failed / not found / found apart by their result and a found
 * flag, against the test server (SCRAM auth on). */
#include "test_util.h"

typedef struct {
  mongo_odm_model_t *person; /* name: utf8 REQUIRED, age: int32 */
} fixture_t;

static int setup(void **state) {
  if (!mongo_odm_is_connected()) tu_connect();
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  mongo_odm_error_t err;
  f->person = tu_model("lookup_person");
  assert_true(mongo_odm_model_add_field(f->person, "name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &err));
  assert_true(mongo_odm_model_add_field(f->person, "age", MONGO_ODM_TYPE_INT32, 0, &err));
  for (int i = 0; i < 3; ++i) {
    mongo_odm_doc_t *doc = mongo_odm_doc_new(f->person);
    char id[16], name[16];
    snprintf(id, sizeof id, "id%d", i);
    snprintf(name, sizeof name, "p%d", i);
    assert_true(mongo_odm_doc_set_id(doc, id, &err));
    assert_true(mongo_odm_doc_set_utf8(doc, "name", name, &err));
    assert_true(mongo_odm_doc_set_int32(doc, "age", i, &err));
    assert_true(mongo_odm_doc_save(doc, false, &err));
    assert_ok(err);
    mongo_odm_doc_destroy(doc);
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  tu_drop(f->person);
  mongo_odm_model_destroy(f->person);
  free(f);
  return 0;
}

static void test_try_get_found(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = NULL;
  bool found = false;
  assert_true(mongo_odm_try_get(f->person, "id1", &doc, &found, &err));
  assert_ok(err);
  assert_true(found);
  assert_non_null(doc);
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "name"), "p1");
  mongo_odm_doc_destroy(doc);
}

static void test_try_get_not_found_is_success_with_found_false(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  memset(&err, 0x5a, sizeof err);
  mongo_odm_doc_t *doc = (mongo_odm_doc_t *)&err; /* garbage: must come back NULL */
  bool found = true;
  assert_true(mongo_odm_try_get(f->person, "nope", &doc, &found, &err));
  assert_ok(err);
  assert_false(found);
  assert_null(doc);
  /* error may be NULL */
  found = true;
  assert_true(mongo_odm_try_get(f->person, "nope", &doc, &found, NULL));
  assert_false(found);
}

static void test_try_get_failure_is_false(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  /* a stored document that no longer fits the model */
  mongo_odm_collection_t *coll = tu_collection(f->person);
  bson_t *bad = tu_bson("{\"_id\": \"bad\", \"name\": \"n\", \"age\": \"x\"}");
  assert_true(mongo_odm_collection_insert_one(coll, bad, NULL, NULL, &err));
  bson_destroy(bad);
  mongo_odm_collection_destroy(coll);
  mongo_odm_doc_t *doc = NULL;
  bool found = true;
  assert_false(mongo_odm_try_get(f->person, "bad", &doc, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'age'");
  assert_false(found);
  assert_null(doc);
  /* a model without a collection name */
  mongo_odm_model_t *nameless = mongo_odm_model_new(NULL, &err);
  assert_false(mongo_odm_try_get(nameless, "id1", &doc, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  mongo_odm_model_destroy(nameless);
}

static void test_try_find_one_outcomes(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = NULL;
  bool found = false;
  bson_t *filter = tu_bson("{\"age\": {\"$gte\": 1}}");
  bson_t *opts = tu_bson("{\"sort\": {\"age\": -1}}");
  assert_true(mongo_odm_try_find_one(f->person, filter, opts, &doc, &found, &err));
  assert_ok(err);
  assert_true(found);
  assert_string_equal(mongo_odm_doc_id(doc), "id2");
  mongo_odm_doc_destroy(doc);
  bson_destroy(filter);
  bson_destroy(opts);

  filter = tu_bson("{\"age\": 99}");
  found = true;
  assert_true(mongo_odm_try_find_one(f->person, filter, NULL, &doc, &found, &err));
  assert_ok(err);
  assert_false(found);
  assert_null(doc);
  bson_destroy(filter);

  /* a server-side failure: an unknown query operator */
  filter = tu_bson("{\"age\": {\"$nosuchop\": 1}}");
  found = true;
  assert_false(mongo_odm_try_find_one(f->person, filter, NULL, &doc, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_false(found);
  assert_null(doc);
  bson_destroy(filter);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_try_get_found, setup, teardown),
      cmocka_unit_test_setup_teardown(test_try_get_not_found_is_success_with_found_false, setup, teardown),
      cmocka_unit_test_setup_teardown(test_try_get_failure_is_false, setup, teardown),
      cmocka_unit_test_setup_teardown(test_try_find_one_outcomes, setup, teardown),
  };
  return cmocka_run_group_tests_name("lookup", tests, tu_setup_connected, tu_teardown_connected);
}
