/* A program built against the 0.1 headers (tests/c/abi-0.1/include, frozen at cb8c73b) and
 * linked against the current libmongo_odm: it must keep working (issue 17, "the C ABI stays
 * compatible"). No cmocka and no test_util: nothing here may see the current headers. It uses
 * the calls a 0.1 program makes (life cycle, models, documents, CRUD with lightodm's results,
 * cursors, raw collections, ids, error codes) against the test server named by MONGO_URL,
 * MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME. Prints one line per check; exit 0 when all pass. */
#include <mongo_odm.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int g_failed = 0;
static int g_passed = 0;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (cond) {                                                              \
      ++g_passed;                                                            \
    } else {                                                                 \
      ++g_failed;                                                            \
      fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);     \
    }                                                                        \
  } while (0)

#define CHECK_OK(call, err)                                                                      \
  do {                                                                                           \
    if (call) {                                                                                  \
      ++g_passed;                                                                                \
    } else {                                                                                     \
      ++g_failed;                                                                                \
      fprintf(stderr, "%s:%d: FAILED: %s: %s: %s\n", __FILE__, __LINE__, #call,                \
              mongo_odm_error_code_name((err).code), (err).message);                             \
    }                                                                                            \
  } while (0)

/* Compile time: the 0.1 layout and values. */
typedef char error_struct_is_512_bytes[sizeof(mongo_odm_error_t) == 512 ? 1 : -1];
typedef char message_at_8[offsetof(mongo_odm_error_t, message) == 8 ? 1 : -1];
typedef char decimal_is_11[MONGO_ODM_TYPE_DECIMAL128 == 11 ? 1 : -1];
typedef char revision_conflict_is_13[MONGO_ODM_ERROR_REVISION_CONFLICT == 13 ? 1 : -1];
typedef char headers_are_0_1_0[MONGO_ODM_VERSION_NUMBER == 100 ? 1 : -1];

int main(void) {
  mongo_odm_error_t err;
  /* run time: the library is at least the headers' version */
  CHECK(mongo_odm_version_number() >= MONGO_ODM_VERSION_NUMBER);
  CHECK(mongo_odm_check_version(0, 1, 0));
  CHECK(mongo_odm_init() == 1);
  CHECK(strcmp(mongo_odm_error_code_name(MONGO_ODM_ERROR_VALIDATION), "MONGO_ODM_ERROR_VALIDATION") == 0);

  char id[25];
  mongo_odm_generate_id(id);
  CHECK(strlen(id) == 24 && mongo_odm_id_is_object_id(id));

  CHECK_OK(mongo_odm_connect(NULL, NULL, NULL, NULL, &err), err);
  CHECK(mongo_odm_is_connected());

  char name[64];
  snprintf(name, sizeof name, "abi01_%ld_%d", (long)time(NULL), rand() % 100000);
  mongo_odm_model_t *model = mongo_odm_model_new(name, &err);
  CHECK_OK(model != NULL, err);
  CHECK_OK(mongo_odm_model_add_field(model, "name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &err), err);
  CHECK_OK(mongo_odm_model_add_field(model, "age", MONGO_ODM_TYPE_INT32, 0, &err), err);
  CHECK_OK(mongo_odm_model_add_field(model, "when", MONGO_ODM_TYPE_DATETIME, 0, &err), err);
  CHECK(mongo_odm_model_field_count(model) == 3);

  /* documents: setters and getters of 0.1 */
  for (int i = 0; i < 3; ++i) {
    mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
    char doc_id[16], doc_name[16];
    snprintf(doc_id, sizeof doc_id, "id%d", i);
    snprintf(doc_name, sizeof doc_name, "p%d", i);
    CHECK_OK(mongo_odm_doc_set_id(doc, doc_id, &err), err);
    CHECK_OK(mongo_odm_doc_set_utf8(doc, "name", doc_name, &err), err);
    CHECK_OK(mongo_odm_doc_set_int32(doc, "age", 20 + i, &err), err);
    CHECK_OK(mongo_odm_doc_set_datetime(doc, "when", 1000 * i, &err), err);
    CHECK_OK(mongo_odm_doc_set_utf8(doc, "city", "Oslo", &err), err);
    CHECK(mongo_odm_doc_is_extra(doc, "city"));
    /* a wrong type on a declared field: VALIDATION, as in 0.1 */
    CHECK(!mongo_odm_doc_set_utf8(doc, "age", "x", &err) && err.code == MONGO_ODM_ERROR_VALIDATION);
    CHECK_OK(mongo_odm_doc_save(doc, false, &err), err);
    mongo_odm_doc_destroy(doc);
  }

  /* get: found, and not found = NULL with code OK (the 0.1 meaning) */
  mongo_odm_doc_t *got = mongo_odm_get(model, "id1", &err);
  CHECK_OK(got != NULL, err);
  if (got) {
    int32_t age = 0;
    CHECK(mongo_odm_doc_get_int32(got, "age", &age) && age == 21);
    CHECK(strcmp(mongo_odm_doc_get_utf8(got, "name"), "p1") == 0);
    CHECK(strcmp(mongo_odm_doc_id(got), "id1") == 0);
    const bson_value_t *when = mongo_odm_doc_get(got, "when");
    CHECK(when && when->value_type == BSON_TYPE_DATE_TIME && when->value.v_datetime == 1000);
    mongo_odm_doc_destroy(got);
  }
  memset(&err, 0x5a, sizeof err);
  CHECK(mongo_odm_get(model, "nope", &err) == NULL && err.code == MONGO_ODM_OK);

  /* find_one with options, find with a cursor, count */
  bson_t *filter = BCON_NEW("age", "{", "$gte", BCON_INT32(21), "}");
  bson_t *opts = BCON_NEW("sort", "{", "age", BCON_INT32(-1), "}");
  mongo_odm_doc_t *oldest = mongo_odm_find_one(model, filter, opts, &err);
  CHECK_OK(oldest != NULL, err);
  if (oldest) CHECK(strcmp(mongo_odm_doc_id(oldest), "id2") == 0);
  mongo_odm_doc_destroy(oldest);
  mongo_odm_cursor_t *cursor = mongo_odm_find(model, filter, opts, &err);
  CHECK_OK(cursor != NULL, err);
  const mongo_odm_doc_t *doc;
  int n = 0;
  while (mongo_odm_cursor_next(cursor, &doc)) ++n;
  CHECK(n == 2);
  CHECK(!mongo_odm_cursor_error(cursor, &err));
  mongo_odm_cursor_destroy(cursor);
  int64_t count = 0;
  CHECK_OK(mongo_odm_count(model, NULL, &count, &err), err);
  CHECK(count == 3);

  /* update with lightodm's results; a well-typed update behaves as in 0.1 */
  bson_t *by_id = BCON_NEW("_id", BCON_UTF8("id0"));
  bson_t *inc = BCON_NEW("$inc", "{", "age", BCON_INT32(1), "}");
  bool changed = false;
  CHECK_OK(mongo_odm_update_one(model, by_id, inc, false, &changed, &err), err);
  CHECK(changed);
  int64_t modified = 0;
  bson_t *set_extra = BCON_NEW("$set", "{", "team", BCON_UTF8("blue"), "}");
  bson_t *all = bson_new();
  CHECK_OK(mongo_odm_update_many(model, all, set_extra, &modified, &err), err);
  CHECK(modified == 3);

  /* aggregate (raw documents) */
  bson_t *pipeline = BCON_NEW("0", "{", "$group", "{", "_id", BCON_NULL, "n", "{", "$sum", BCON_INT32(1), "}", "}", "}");
  cursor = mongo_odm_aggregate(model, pipeline, NULL, &err);
  CHECK_OK(cursor != NULL, err);
  const bson_t *raw;
  bson_iter_t it;
  CHECK(mongo_odm_cursor_next_bson(cursor, &raw) && bson_iter_init_find(&it, raw, "n") && bson_iter_as_int64(&it) == 3);
  mongo_odm_cursor_destroy(cursor);

  /* raw collection through the default client */
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  CHECK_OK(client != NULL, err);
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, mongo_odm_default_database_name(), name, &err);
  CHECK_OK(coll != NULL, err);
  bson_t found_doc;
  bool found = false;
  CHECK_OK(mongo_odm_collection_find_one(coll, by_id, NULL, &found_doc, &found, &err), err);
  CHECK(found && bson_iter_init_find(&it, &found_doc, "age") && bson_iter_int32(&it) == 21);
  bson_destroy(&found_doc);

  /* delete */
  bool deleted = false;
  CHECK_OK(mongo_odm_delete_one(model, by_id, &deleted, &err), err);
  CHECK(deleted);
  int64_t deleted_count = 0;
  CHECK_OK(mongo_odm_delete_many(model, all, &deleted_count, &err), err);
  CHECK(deleted_count == 2);
  CHECK_OK(mongo_odm_collection_drop(coll, &err), err);

  bson_destroy(pipeline);
  bson_destroy(all);
  bson_destroy(set_extra);
  bson_destroy(inc);
  bson_destroy(by_id);
  bson_destroy(opts);
  bson_destroy(filter);
  mongo_odm_collection_destroy(coll);
  mongo_odm_model_destroy(model);
  mongo_odm_disconnect();
  CHECK(mongo_odm_cleanup() == 0);

  printf("ABI 0.1: %d checks passed, %d failed (library %s, headers %s)\n", g_passed, g_failed,
         mongo_odm_get_version(), MONGO_ODM_VERSION_S);
  return g_failed == 0 ? 0 : 1;
}
