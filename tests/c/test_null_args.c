/* NULL for every required pointer argument of every public function, and error == NULL for
 * every fallible one: the documented failure (INVALID_ARGUMENT in the error) or the
 * documented no-op / NULL / false, never a crash. No server: the non-NULL client is
 * mongo_odm_client_new("mongodb://127.0.0.1:1/...") and is never used for a server call.
 *
 * Every function declared with MONGO_ODM_API in include/mongo_odm/ *.h is covered (the
 * test_null_args_coverage CTest checks that each one is called in this file):
 *
 * library.h:    mongo_odm_init mongo_odm_cleanup mongo_odm_get_version mongo_odm_version_number
 *               mongo_odm_check_version mongo_odm_free mongo_odm_init_checked
 * error.h:      mongo_odm_error_code_name mongo_odm_error_reason mongo_odm_error_reason_name
 * cancel.h:     mongo_odm_cancel_new mongo_odm_cancel_destroy mongo_odm_cancel_trigger
 *               mongo_odm_cancel_is_triggered mongo_odm_cancel_reset mongo_odm_cancel_set_timeout
 *               mongo_odm_cancel_set_check mongo_odm_cancel_set_check_interval
 *               mongo_odm_cancel_attach mongo_odm_cancel_attached
 * log.h:        mongo_odm_log_set_level mongo_odm_log_get_level mongo_odm_log_set_handler
 *               mongo_odm_log_level_name
 * id.h:         mongo_odm_generate_id mongo_odm_generate_composite_id
 *               mongo_odm_generate_id_from_pairs mongo_odm_id_is_object_id
 *               mongo_odm_generate_composite_id_n mongo_odm_generate_id_from_pairs_n
 * connection.h: mongo_odm_connect mongo_odm_is_connected mongo_odm_disconnect mongo_odm_connection_settings
 *               mongo_odm_default_client mongo_odm_default_database_name
 * client.h:     mongo_odm_client_new mongo_odm_client_destroy mongo_odm_client_ping
 *               mongo_odm_client_command mongo_odm_client_default_database_name
 *               mongo_odm_client_list_collection_names mongo_odm_client_drop_database
 *               mongo_odm_uri_option_is_known
 * collection.h: mongo_odm_collection_new mongo_odm_collection_destroy mongo_odm_collection_name
 *               mongo_odm_collection_database_name mongo_odm_collection_client
 *               mongo_odm_collection_find_one mongo_odm_collection_find
 *               mongo_odm_collection_insert_one mongo_odm_collection_insert_many
 *               mongo_odm_collection_replace_one mongo_odm_collection_update_one
 *               mongo_odm_collection_update_many mongo_odm_collection_delete_one
 *               mongo_odm_collection_delete_many mongo_odm_collection_count_documents
 *               mongo_odm_collection_aggregate mongo_odm_collection_drop
 *               mongo_odm_collection_create_index
 * collection_extra.h: mongo_odm_collection_find_one_and_update mongo_odm_collection_find_one_and_replace
 *               mongo_odm_collection_find_one_and_delete mongo_odm_collection_distinct
 *               mongo_odm_collection_estimated_document_count mongo_odm_collection_create_indexes
 *               mongo_odm_collection_drop_index mongo_odm_collection_rename
 * cursor.h:     mongo_odm_cursor_next mongo_odm_cursor_next_bson mongo_odm_cursor_error
 *               mongo_odm_cursor_destroy mongo_odm_cursor_set_skip_invalid
 *               mongo_odm_cursor_skipped_count mongo_odm_cursor_next_or_raw mongo_odm_cursor_id
 * model.h:      mongo_odm_model_new mongo_odm_model_destroy mongo_odm_model_collection_name
 *               mongo_odm_model_set_composite_key mongo_odm_model_composite_key_size
 *               mongo_odm_model_composite_key_field mongo_odm_model_add_field
 *               mongo_odm_model_field_count mongo_odm_model_set_collection
 *               mongo_odm_model_set_check_updates mongo_odm_model_check_updates
 *               mongo_odm_model_check_update mongo_odm_model_field_type
 * doc.h:        mongo_odm_doc_new mongo_odm_doc_from_bson mongo_odm_doc_copy mongo_odm_doc_destroy
 *               mongo_odm_doc_model mongo_odm_doc_id mongo_odm_doc_set_id mongo_odm_doc_set_utf8
 *               mongo_odm_doc_set_int32 mongo_odm_doc_set_int64 mongo_odm_doc_set_double
 *               mongo_odm_doc_set_bool mongo_odm_doc_set_null mongo_odm_doc_set_datetime
 *               mongo_odm_doc_set_document mongo_odm_doc_set_array mongo_odm_doc_set_value
 *               mongo_odm_doc_has mongo_odm_doc_is_extra mongo_odm_doc_get mongo_odm_doc_get_utf8
 *               mongo_odm_doc_get_int32 mongo_odm_doc_get_int64 mongo_odm_doc_get_double
 *               mongo_odm_doc_get_bool mongo_odm_doc_remove mongo_odm_doc_fields
 *               mongo_odm_doc_to_bson mongo_odm_doc_set_oid mongo_odm_doc_set_binary
 *               mongo_odm_doc_set_decimal128 mongo_odm_doc_get_datetime mongo_odm_doc_get_document
 *               mongo_odm_doc_get_array mongo_odm_doc_get_oid mongo_odm_doc_get_binary
 *               mongo_odm_doc_get_decimal128 mongo_odm_doc_is_null
 * crud.h:       mongo_odm_doc_save mongo_odm_doc_delete mongo_odm_get mongo_odm_find_one
 *               mongo_odm_find mongo_odm_count mongo_odm_update_one mongo_odm_update_many
 *               mongo_odm_delete_one mongo_odm_delete_many mongo_odm_insert_many
 *               mongo_odm_aggregate mongo_odm_try_get mongo_odm_try_find_one
 * changes.h:    mongo_odm_diff mongo_odm_collection_save mongo_odm_model_set_use_state_management
 *               mongo_odm_model_use_state_management mongo_odm_model_set_use_revision
 *               mongo_odm_model_use_revision mongo_odm_doc_saved_state mongo_odm_doc_set_saved_state
 *               mongo_odm_doc_get_changes mongo_odm_doc_is_changed
 * index.h:      mongo_odm_model_add_index mongo_odm_model_index_count mongo_odm_model_index
 *               mongo_odm_ensure_indexes mongo_odm_collection_ensure_indexes
 *               mongo_odm_collection_list_indexes
 * bulk.h:       mongo_odm_collection_bulk_new mongo_odm_bulk_new mongo_odm_bulk_destroy
 *               mongo_odm_bulk_size mongo_odm_bulk_insert mongo_odm_bulk_replace_one
 *               mongo_odm_bulk_update_one mongo_odm_bulk_update_many mongo_odm_bulk_delete_one
 *               mongo_odm_bulk_delete_many mongo_odm_bulk_insert_doc mongo_odm_bulk_save_doc
 *               mongo_odm_bulk_execute
 * projection.h: mongo_odm_model_projection mongo_odm_find_as mongo_odm_find_one_as
 *               mongo_odm_try_find_one_as
 */
#include "test_util.h"

/* `expr` must fail (false / NULL) with INVALID_ARGUMENT when evaluated with ERR pointing at an
 * error struct (filled with garbage first: the library must overwrite it), and fail again
 * without crashing when ERR is NULL. */
#define EXPECT_INVALID(expr)                                                                   \
  do {                                                                                         \
    for (int pass_ = 0; pass_ < 2; ++pass_) {                                                  \
      mongo_odm_error_t err_;                                                                  \
      memset(&err_, 0x5a, sizeof err_);                                                        \
      mongo_odm_error_t *ERR = pass_ == 0 ? &err_ : NULL;                                      \
      assert_true(!(expr));                                                                    \
      if (ERR) {                                                                               \
        assert_code(err_, MONGO_ODM_ERROR_INVALID_ARGUMENT);                                   \
        assert_int_equal(err_.server_code, 0);                                                 \
        assert_non_null(memchr(err_.message, '\0', sizeof err_.message));                      \
      }                                                                                        \
    }                                                                                          \
  } while (0)

/* As EXPECT_INVALID for functions with a `bson_t *` out/reply parameter, written OUT in `expr`:
 * the uninitialized (garbage-filled) storage must come back initialized and empty, with ERR
 * set and with ERR NULL; OUT NULL must fail the same way. */
#define EXPECT_INVALID_OUT(expr)                                                               \
  do {                                                                                         \
    for (int pass_ = 0; pass_ < 3; ++pass_) {                                                  \
      bson_t out_;                                                                             \
      memset(&out_, 0xab, sizeof out_);                                                        \
      bson_t *OUT = pass_ == 2 ? NULL : &out_;                                                 \
      mongo_odm_error_t err_;                                                                  \
      memset(&err_, 0x5a, sizeof err_);                                                        \
      mongo_odm_error_t *ERR = pass_ == 1 ? NULL : &err_;                                      \
      assert_true(!(expr));                                                                    \
      if (ERR) {                                                                               \
        assert_code(err_, MONGO_ODM_ERROR_INVALID_ARGUMENT);                                   \
        assert_int_equal(err_.server_code, 0);                                                 \
      }                                                                                        \
      if (OUT) {                                                                               \
        assert_int_equal(bson_count_keys(&out_), 0);                                           \
        bson_destroy(&out_);                                                                   \
      }                                                                                        \
    }                                                                                          \
  } while (0)

typedef struct {
  mongo_odm_client_t *client;   /* never contacted */
  mongo_odm_collection_t *coll; /* of `client` */
  mongo_odm_model_t *model;     /* named, no fields */
  mongo_odm_doc_t *doc;
  bson_t *empty;
  bson_t *update;  /* {"$set": {"a": 1}} */
  bson_t *pipeline;
  char *saved_url, *saved_db;
} fixture_t;

static int setup(void **state) {
  assert_int_equal(mongo_odm_init(), 1);
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  /* no default connection can be opened from the environment in this suite */
  f->saved_url = tu_env_save("MONGO_URL");
  f->saved_db = tu_env_save("MONGO_DB_NAME");
  unsetenv("MONGO_URL");
  unsetenv("MONGO_DB_NAME");
  mongo_odm_error_t err;
  f->client = mongo_odm_client_new("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200", NULL, NULL, &err);
  assert_non_null(f->client);
  f->coll = mongo_odm_collection_new(f->client, "db", "nullargs", &err);
  assert_non_null(f->coll);
  f->model = mongo_odm_model_new("nullargs", &err);
  assert_non_null(f->model);
  f->doc = mongo_odm_doc_new(f->model);
  assert_non_null(f->doc);
  f->empty = tu_bson("{}");
  f->update = tu_bson("{\"$set\": {\"a\": 1}}");
  f->pipeline = tu_bson("[{\"$match\": {}}]");
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  bson_destroy(f->empty);
  bson_destroy(f->update);
  bson_destroy(f->pipeline);
  mongo_odm_doc_destroy(f->doc);
  mongo_odm_model_destroy(f->model);
  mongo_odm_collection_destroy(f->coll);
  mongo_odm_client_destroy(f->client);
  tu_env_restore("MONGO_URL", f->saved_url);
  tu_env_restore("MONGO_DB_NAME", f->saved_db);
  free(f);
  assert_int_equal(mongo_odm_cleanup(), 0);
  return 0;
}

/* library.h, error.h, log.h: no required pointers; NULL where a pointer is taken is a no-op. */
static void test_library_error_log(void **state) {
  (void)state;
  /* mongo_odm_init / mongo_odm_cleanup take no arguments (balanced here) */
  assert_int_equal(mongo_odm_init(), 2);
  assert_int_equal(mongo_odm_cleanup(), 1);
  assert_int_equal(mongo_odm_init_checked(NULL), 2); /* error may be NULL */
  assert_int_equal(mongo_odm_cleanup(), 1);
  assert_non_null(mongo_odm_get_version());
  assert_true(mongo_odm_version_number() > 0);
  assert_true(mongo_odm_check_version(0, 0, 0));
  mongo_odm_free(NULL);
  assert_non_null(mongo_odm_error_code_name(MONGO_ODM_OK));
  mongo_odm_log_set_level(mongo_odm_log_get_level());
  mongo_odm_log_set_handler(NULL, NULL); /* documented: restores the default */
  mongo_odm_log_set_handler(NULL, (void *)1);
  assert_non_null(mongo_odm_log_level_name(MONGO_ODM_LOG_OFF));
  assert_int_equal(mongo_odm_error_reason(NULL), MONGO_ODM_REASON_NONE);
  assert_string_equal(mongo_odm_error_reason_name((mongo_odm_error_reason_t)999), "MONGO_ODM_REASON_UNKNOWN");
}

/* cancel.h: NULL tokens are no-ops (trigger, reset, destroy), false (is_triggered) or
 * INVALID_ARGUMENT (the setters); attach(NULL) detaches. */
static void test_cancel(void **state) {
  (void)state;
  mongo_odm_cancel_trigger(NULL);
  mongo_odm_cancel_reset(NULL);
  mongo_odm_cancel_destroy(NULL);
  assert_false(mongo_odm_cancel_is_triggered(NULL));
  EXPECT_INVALID(mongo_odm_cancel_set_timeout(NULL, 10, ERR));
  EXPECT_INVALID(mongo_odm_cancel_set_check(NULL, NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_cancel_set_check_interval(NULL, 100, ERR));
  assert_null(mongo_odm_cancel_attached());
  assert_null(mongo_odm_cancel_attach(NULL));
  mongo_odm_cancel_t *token = mongo_odm_cancel_new();
  assert_non_null(token);
  mongo_odm_error_t err;
  assert_true(mongo_odm_cancel_set_check(token, NULL, NULL, &err)); /* removes: fine */
  EXPECT_INVALID(mongo_odm_cancel_set_check_interval(token, 0, ERR));
  EXPECT_INVALID(mongo_odm_cancel_set_check_interval(token, 60001, ERR));
  assert_true(mongo_odm_cancel_set_check_interval(token, 1, &err));
  assert_true(mongo_odm_cancel_set_check_interval(token, 60000, &err));
  assert_null(mongo_odm_cancel_attach(token));
  assert_ptr_equal(mongo_odm_cancel_attached(), token);
  assert_ptr_equal(mongo_odm_cancel_attach(NULL), token);
  mongo_odm_cancel_destroy(token);
}

/* id.h */
static void test_ids(void **state) {
  (void)state;
  char out[33];
  const char *values[] = {"a", NULL};
  const char *keys[] = {"k", NULL};
  mongo_odm_generate_id(NULL); /* documented no-op */
  EXPECT_INVALID(mongo_odm_generate_composite_id(values, 1, NULL, ERR));
  EXPECT_INVALID(mongo_odm_generate_composite_id(NULL, 1, out, ERR));
  EXPECT_INVALID(mongo_odm_generate_composite_id(values, 2, out, ERR));
  EXPECT_INVALID(mongo_odm_generate_id_from_pairs(keys, values, 1, NULL, ERR));
  EXPECT_INVALID(mongo_odm_generate_id_from_pairs(NULL, values, 1, out, ERR));
  EXPECT_INVALID(mongo_odm_generate_id_from_pairs(keys, NULL, 1, out, ERR));
  EXPECT_INVALID(mongo_odm_generate_id_from_pairs(keys, values, 2, out, ERR));
  EXPECT_INVALID(mongo_odm_generate_composite_id_n(values, NULL, 1, NULL, ERR));
  EXPECT_INVALID(mongo_odm_generate_composite_id_n(NULL, NULL, 1, out, ERR));
  EXPECT_INVALID(mongo_odm_generate_composite_id_n(values, NULL, 2, out, ERR));
  EXPECT_INVALID(mongo_odm_generate_id_from_pairs_n(keys, NULL, values, NULL, 1, NULL, ERR));
  EXPECT_INVALID(mongo_odm_generate_id_from_pairs_n(NULL, NULL, values, NULL, 1, out, ERR));
  EXPECT_INVALID(mongo_odm_generate_id_from_pairs_n(keys, NULL, NULL, NULL, 1, out, ERR));
  EXPECT_INVALID(mongo_odm_generate_id_from_pairs_n(keys, NULL, values, NULL, 2, out, ERR));
  const char *keys2[] = {"k", "k2"};
  EXPECT_INVALID(mongo_odm_generate_id_from_pairs(keys2, values, 2, out, ERR)); /* NULL value */
  assert_false(mongo_odm_id_is_object_id(NULL));
  /* success with error NULL */
  assert_true(mongo_odm_generate_composite_id(values, 1, out, NULL));
  assert_true(mongo_odm_generate_id_from_pairs(keys, values, 1, out, NULL));
}

/* connection.h: NULL arguments fall back to the environment, which is empty in this suite. */
static void test_connection(void **state) {
  (void)state;
  assert_false(mongo_odm_is_connected());
  mongo_odm_disconnect(); /* idempotent, nothing open */
  assert_null(mongo_odm_default_database_name());
  mongo_odm_error_t err;
  assert_false(mongo_odm_connect(NULL, NULL, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_CONFIGURATION);
  assert_contains(err.message, "MongoDB connection parameters");
  assert_false(mongo_odm_connect(NULL, NULL, NULL, NULL, NULL));
  /* a URL but no database anywhere */
  assert_false(mongo_odm_connect("mongodb://127.0.0.1:1/", NULL, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_CONFIGURATION);
  assert_null(mongo_odm_default_client(&err));
  assert_code(err, MONGO_ODM_ERROR_CONFIGURATION);
  assert_null(mongo_odm_default_client(NULL));
  assert_false(mongo_odm_is_connected());
  assert_null(mongo_odm_default_database_name());
  /* settings: no URL anywhere is CONFIGURATION, out initialized; the rest of the environment
   * is cleared for the duration */
  char *saved_user = tu_env_save("MONGO_USER"), *saved_password = tu_env_save("MONGO_PASSWORD");
  char *saved_db = tu_env_save("MONGO_DB_NAME");
  unsetenv("MONGO_USER");
  unsetenv("MONGO_PASSWORD");
  unsetenv("MONGO_DB_NAME");
  bson_t out;
  assert_false(mongo_odm_connection_settings(NULL, NULL, NULL, NULL, &out, &err));
  assert_code(err, MONGO_ODM_ERROR_CONFIGURATION);
  assert_true(bson_empty(&out));
  bson_destroy(&out);
  assert_false(mongo_odm_connection_settings(NULL, NULL, NULL, NULL, NULL, NULL));
  assert_true(mongo_odm_connection_settings("mongodb://h/", "u", NULL, NULL, NULL, &err)); /* out may be NULL */
  assert_true(mongo_odm_connection_settings("mongodb://h/", "u", NULL, "d", &out, &err));
  tu_assert_bson_utf8(&out, "url", "mongodb://h/");
  tu_assert_bson_utf8(&out, "username", "u");
  tu_assert_bson_utf8(&out, "db_name", "d");
  bson_iter_t iter;
  assert_false(bson_iter_init_find(&iter, &out, "password"));
  bson_destroy(&out);
  tu_env_restore("MONGO_USER", saved_user);
  tu_env_restore("MONGO_PASSWORD", saved_password);
  tu_env_restore("MONGO_DB_NAME", saved_db);
}

/* client.h */
static void test_client(void **state) {
  fixture_t *f = *state;
  EXPECT_INVALID(mongo_odm_client_new(NULL, NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_client_new(NULL, "user", "password", ERR));
  mongo_odm_client_destroy(NULL);
  EXPECT_INVALID(mongo_odm_client_ping(NULL, ERR));
  EXPECT_INVALID_OUT(mongo_odm_client_command(NULL, "db", f->empty, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_client_command(f->client, NULL, f->empty, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_client_command(f->client, "db", NULL, OUT, ERR));
  assert_null(mongo_odm_client_default_database_name(NULL));
  assert_null(mongo_odm_client_default_database_name(f->client)); /* none in its URL */
  EXPECT_INVALID_OUT(mongo_odm_client_list_collection_names(NULL, "db", NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_client_list_collection_names(f->client, NULL, NULL, OUT, ERR));
  EXPECT_INVALID(mongo_odm_client_drop_database(NULL, "db", ERR));
  EXPECT_INVALID(mongo_odm_client_drop_database(f->client, NULL, ERR));
  /* username and password are optional: NULL is fine */
  mongo_odm_client_t *c = mongo_odm_client_new("mongodb://127.0.0.1:1/", NULL, NULL, NULL);
  assert_non_null(c);
  mongo_odm_client_destroy(c);
}

/* collection.h */
static void test_collection(void **state) {
  fixture_t *f = *state;
  bool found = true;
  int64_t count = 7;
  EXPECT_INVALID(mongo_odm_collection_new(NULL, "db", "c", ERR));
  EXPECT_INVALID(mongo_odm_collection_new(f->client, NULL, "c", ERR));
  EXPECT_INVALID(mongo_odm_collection_new(f->client, "db", NULL, ERR));
  mongo_odm_collection_destroy(NULL);
  assert_null(mongo_odm_collection_name(NULL));
  assert_null(mongo_odm_collection_database_name(NULL));
  assert_null(mongo_odm_collection_client(NULL));
  assert_string_equal(mongo_odm_collection_name(f->coll), "nullargs");
  assert_string_equal(mongo_odm_collection_database_name(f->coll), "db");
  assert_non_null(mongo_odm_collection_client(f->coll));
  mongo_odm_client_destroy(mongo_odm_collection_client(f->coll)); /* borrowed: a no-op */
  assert_string_equal(mongo_odm_collection_name(f->coll), "nullargs");

  EXPECT_INVALID_OUT(mongo_odm_collection_find_one(NULL, NULL, NULL, OUT, &found, ERR));
  assert_false(found);
  found = true;
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one(f->coll, NULL, NULL, OUT, NULL, ERR));
  EXPECT_INVALID(mongo_odm_collection_find(NULL, NULL, NULL, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_insert_one(NULL, f->empty, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_insert_one(f->coll, NULL, NULL, OUT, ERR));

  const bson_t *docs[] = {f->empty, NULL};
  EXPECT_INVALID_OUT(mongo_odm_collection_insert_many(NULL, docs, 1, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_insert_many(f->coll, NULL, 1, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_insert_many(f->coll, docs, 2, NULL, OUT, ERR));
  /* n == 0 with NULL documents: the documented no-op, no server call */
  bson_t reply;
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_insert_many(f->coll, NULL, 0, NULL, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "insertedCount", 0);
  bson_destroy(&reply);
  assert_true(mongo_odm_collection_insert_many(f->coll, NULL, 0, NULL, NULL, NULL));

  EXPECT_INVALID_OUT(mongo_odm_collection_replace_one(NULL, f->empty, f->empty, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_replace_one(f->coll, NULL, f->empty, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_replace_one(f->coll, f->empty, NULL, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_update_one(NULL, f->empty, f->update, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_update_one(f->coll, NULL, f->update, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_update_one(f->coll, f->empty, NULL, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_update_many(NULL, f->empty, f->update, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_update_many(f->coll, NULL, f->update, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_update_many(f->coll, f->empty, NULL, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_delete_one(NULL, f->empty, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_delete_one(f->coll, NULL, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_delete_many(NULL, f->empty, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_delete_many(f->coll, NULL, NULL, OUT, ERR));
  EXPECT_INVALID(mongo_odm_collection_count_documents(NULL, NULL, NULL, &count, ERR));
  EXPECT_INVALID(mongo_odm_collection_count_documents(f->coll, NULL, NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_collection_aggregate(NULL, f->pipeline, NULL, ERR));
  EXPECT_INVALID(mongo_odm_collection_aggregate(f->coll, NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_collection_drop(NULL, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_create_index(NULL, f->empty, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_create_index(f->coll, NULL, NULL, OUT, ERR));
}

/* client.h: the URI option check (no server, no error out-parameter) */
static void test_uri_option_is_known(void **state) {
  (void)state;
  assert_false(mongo_odm_uri_option_is_known(NULL));
  assert_false(mongo_odm_uri_option_is_known(""));
  assert_false(mongo_odm_uri_option_is_known("fooBar"));
  assert_true(mongo_odm_uri_option_is_known("serverSelectionTimeoutMS"));
  assert_true(mongo_odm_uri_option_is_known("serverselectiontimeoutms"));
  assert_true(mongo_odm_uri_option_is_known("tls"));
  assert_true(mongo_odm_uri_option_is_known("appname"));
  assert_true(mongo_odm_uri_option_is_known("timeoutMS"));  /* read by the library itself */
  assert_true(mongo_odm_uri_option_is_known("authMechanismProperties"));
  assert_true(mongo_odm_uri_option_is_known("maxPoolSize"));
}

/* collection_extra.h */
static void test_collection_extra(void **state) {
  fixture_t *f = *state;
  bool found = true;
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one_and_update(NULL, f->empty, f->update, NULL, OUT, &found, ERR));
  assert_false(found);
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one_and_update(f->coll, NULL, f->update, NULL, OUT, &found, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one_and_update(f->coll, f->empty, NULL, NULL, OUT, &found, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one_and_update(f->coll, f->empty, f->update, NULL, OUT, NULL, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one_and_replace(NULL, f->empty, f->empty, NULL, OUT, &found, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one_and_replace(f->coll, NULL, f->empty, NULL, OUT, &found, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one_and_replace(f->coll, f->empty, NULL, NULL, OUT, &found, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one_and_replace(f->coll, f->empty, f->empty, NULL, OUT, NULL, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one_and_delete(NULL, f->empty, NULL, OUT, &found, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one_and_delete(f->coll, NULL, NULL, OUT, &found, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_find_one_and_delete(f->coll, f->empty, NULL, OUT, NULL, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_distinct(NULL, "k", NULL, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_distinct(f->coll, NULL, NULL, NULL, OUT, ERR));
  int64_t count = 7;
  EXPECT_INVALID(mongo_odm_collection_estimated_document_count(NULL, NULL, &count, ERR));
  EXPECT_INVALID(mongo_odm_collection_estimated_document_count(f->coll, NULL, NULL, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_create_indexes(NULL, NULL, 0, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_create_indexes(f->coll, NULL, 1, NULL, OUT, ERR));
  EXPECT_INVALID(mongo_odm_collection_drop_index(NULL, "x_1", NULL, ERR));
  EXPECT_INVALID(mongo_odm_collection_drop_index(f->coll, NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_collection_rename(NULL, "x", false, NULL, ERR));
  EXPECT_INVALID(mongo_odm_collection_rename(f->coll, NULL, false, NULL, ERR));
}

/* cursor.h: a real (never iterated against a server) cursor for the non-NULL cursor cases. */
static void test_cursor(void **state) {
  fixture_t *f = *state;
  const mongo_odm_doc_t *doc = (const mongo_odm_doc_t *)f; /* garbage, must be reset */
  const bson_t *raw = (const bson_t *)f;
  assert_false(mongo_odm_cursor_next(NULL, &doc));
  assert_null(doc);
  assert_false(mongo_odm_cursor_next(NULL, NULL));
  assert_false(mongo_odm_cursor_next_bson(NULL, &raw));
  assert_null(raw);
  assert_false(mongo_odm_cursor_next_bson(NULL, NULL));
  assert_int_equal(mongo_odm_cursor_id(NULL), 0);
  mongo_odm_error_t err;
  assert_true(mongo_odm_cursor_error(NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_true(mongo_odm_cursor_error(NULL, NULL));
  mongo_odm_cursor_destroy(NULL);
  EXPECT_INVALID(mongo_odm_cursor_set_skip_invalid(NULL, true, ERR));
  assert_int_equal(mongo_odm_cursor_skipped_count(NULL), 0);
  doc = (const mongo_odm_doc_t *)f;
  raw = (const bson_t *)f;
  memset(&err, 0x5a, sizeof err);
  assert_false(mongo_odm_cursor_next_or_raw(NULL, &doc, &raw, &err));
  assert_null(doc);
  assert_null(raw);
  assert_ok(err); /* `invalid` reports documents that do not fit, not argument errors */
  assert_false(mongo_odm_cursor_next_or_raw(NULL, &doc, &raw, NULL));
  assert_false(mongo_odm_cursor_next_or_raw(NULL, NULL, &raw, NULL));
  assert_false(mongo_odm_cursor_next_or_raw(NULL, &doc, NULL, NULL));

  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(f->coll, NULL, NULL, &err);
  assert_non_null(cursor);
  assert_ok(err);
  assert_false(mongo_odm_cursor_next(cursor, NULL));
  assert_false(mongo_odm_cursor_next_bson(cursor, NULL));
  assert_false(mongo_odm_cursor_next_or_raw(cursor, NULL, &raw, NULL));
  assert_false(mongo_odm_cursor_next_or_raw(cursor, &doc, NULL, NULL));
  assert_true(mongo_odm_cursor_set_skip_invalid(cursor, true, &err));
  assert_ok(err);
  assert_true(mongo_odm_cursor_set_skip_invalid(cursor, false, NULL));
  assert_false(mongo_odm_cursor_error(cursor, &err)); /* nothing recorded */
  assert_ok(err);
  assert_false(mongo_odm_cursor_error(cursor, NULL));
  /* a raw cursor refuses model documents without touching the server */
  doc = (const mongo_odm_doc_t *)f;
  assert_false(mongo_odm_cursor_next(cursor, &doc));
  assert_null(doc);
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "mongo_odm_cursor_next_bson");
  mongo_odm_cursor_destroy(cursor);
}

/* model.h */
static void test_model(void **state) {
  fixture_t *f = *state;
  const char *fields[] = {"a", NULL};
  mongo_odm_model_t *anon = mongo_odm_model_new(NULL, NULL); /* NULL name is allowed */
  assert_non_null(anon);
  assert_null(mongo_odm_model_collection_name(anon));
  mongo_odm_model_destroy(anon);
  mongo_odm_model_destroy(NULL);
  assert_null(mongo_odm_model_collection_name(NULL));
  EXPECT_INVALID(mongo_odm_model_set_composite_key(NULL, fields, 1, ERR));
  EXPECT_INVALID(mongo_odm_model_set_composite_key(f->model, NULL, 1, ERR));
  EXPECT_INVALID(mongo_odm_model_set_composite_key(f->model, fields, 2, ERR));
  assert_int_equal(mongo_odm_model_composite_key_size(NULL), 0);
  assert_null(mongo_odm_model_composite_key_field(NULL, 0));
  EXPECT_INVALID(mongo_odm_model_add_field(NULL, "a", MONGO_ODM_TYPE_ANY, 0, ERR));
  EXPECT_INVALID(mongo_odm_model_add_field(f->model, NULL, MONGO_ODM_TYPE_ANY, 0, ERR));
  assert_int_equal(mongo_odm_model_field_count(NULL), 0);
  mongo_odm_field_type_t type = MONGO_ODM_TYPE_UTF8;
  unsigned flags = 7;
  assert_false(mongo_odm_model_field_type(NULL, "a", &type, &flags));
  assert_false(mongo_odm_model_field_type(f->model, NULL, &type, &flags));
  assert_false(mongo_odm_model_field_type(f->model, "a", NULL, &flags));
  assert_true(type == MONGO_ODM_TYPE_UTF8 && flags == 7); /* nothing written */
  EXPECT_INVALID(mongo_odm_model_set_collection(NULL, f->coll, ERR));
  EXPECT_INVALID(mongo_odm_model_set_collection(NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_model_set_check_updates(NULL, false, ERR));
  assert_false(mongo_odm_model_check_updates(NULL));
  assert_true(mongo_odm_model_check_updates(f->model));
  EXPECT_INVALID(mongo_odm_model_check_update(NULL, f->update, ERR));
  EXPECT_INVALID(mongo_odm_model_check_update(f->model, NULL, ERR));
  assert_true(mongo_odm_model_set_collection(f->model, NULL, NULL)); /* NULL collection restores the default */
  /* nothing changed the fixture model */
  assert_int_equal(mongo_odm_model_field_count(f->model), 0);
  assert_int_equal(mongo_odm_model_composite_key_size(f->model), 0);
}

/* doc.h */
static void test_doc(void **state) {
  fixture_t *f = *state;
  mongo_odm_doc_t *d = f->doc;
  bson_value_t value;
  memset(&value, 0, sizeof value);
  value.value_type = BSON_TYPE_INT32;
  int32_t i32;
  int64_t i64;
  double dbl;
  bool b;

  assert_null(mongo_odm_doc_new(NULL));
  EXPECT_INVALID(mongo_odm_doc_from_bson(NULL, f->empty, ERR));
  EXPECT_INVALID(mongo_odm_doc_from_bson(f->model, NULL, ERR));
  assert_null(mongo_odm_doc_copy(NULL));
  mongo_odm_doc_destroy(NULL);
  assert_null(mongo_odm_doc_model(NULL));
  assert_null(mongo_odm_doc_id(NULL));

  EXPECT_INVALID(mongo_odm_doc_set_id(NULL, "x", ERR));
  EXPECT_INVALID(mongo_odm_doc_set_id(NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_utf8(NULL, "k", "v", ERR));
  EXPECT_INVALID(mongo_odm_doc_set_utf8(d, NULL, "v", ERR));
  EXPECT_INVALID(mongo_odm_doc_set_utf8(d, "k", NULL, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_int32(NULL, "k", 1, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_int32(d, NULL, 1, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_int64(NULL, "k", 1, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_int64(d, NULL, 1, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_double(NULL, "k", 1.0, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_double(d, NULL, 1.0, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_bool(NULL, "k", true, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_bool(d, NULL, true, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_null(NULL, "k", ERR));
  EXPECT_INVALID(mongo_odm_doc_set_null(d, NULL, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_datetime(NULL, "k", 0, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_datetime(d, NULL, 0, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_document(NULL, "k", f->empty, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_document(d, NULL, f->empty, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_document(d, "k", NULL, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_array(NULL, "k", f->empty, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_array(d, NULL, f->empty, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_array(d, "k", NULL, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_value(NULL, "k", &value, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_value(d, NULL, &value, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_value(d, "k", NULL, ERR));
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "5f1d7f0c2b3a4c5d6e7f8091");
  bson_decimal128_t dec;
  assert_true(bson_decimal128_from_string("1", &dec));
  const uint8_t byte = 7;
  EXPECT_INVALID(mongo_odm_doc_set_oid(NULL, "k", &oid, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_oid(d, NULL, &oid, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_oid(d, "k", NULL, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_binary(NULL, "k", BSON_SUBTYPE_BINARY, &byte, 1, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_binary(d, NULL, BSON_SUBTYPE_BINARY, &byte, 1, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_binary(d, "k", BSON_SUBTYPE_BINARY, NULL, 1, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_decimal128(NULL, "k", &dec, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_decimal128(d, NULL, &dec, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_decimal128(d, "k", NULL, ERR));
  /* none of that touched the document */
  assert_int_equal(bson_count_keys(mongo_odm_doc_fields(d)), 0);
  assert_non_null(mongo_odm_doc_id(d));

  assert_false(mongo_odm_doc_has(NULL, "k"));
  assert_false(mongo_odm_doc_has(d, NULL));
  assert_false(mongo_odm_doc_is_extra(NULL, "k"));
  assert_false(mongo_odm_doc_is_extra(d, NULL));
  assert_null(mongo_odm_doc_get(NULL, "k"));
  assert_null(mongo_odm_doc_get(d, NULL));
  assert_null(mongo_odm_doc_get_utf8(NULL, "k"));
  assert_null(mongo_odm_doc_get_utf8(d, NULL));
  assert_false(mongo_odm_doc_get_int32(NULL, "k", &i32));
  assert_false(mongo_odm_doc_get_int32(d, NULL, &i32));
  assert_false(mongo_odm_doc_get_int32(d, "k", NULL));
  assert_false(mongo_odm_doc_get_int64(NULL, "k", &i64));
  assert_false(mongo_odm_doc_get_int64(d, NULL, &i64));
  assert_false(mongo_odm_doc_get_int64(d, "k", NULL));
  assert_false(mongo_odm_doc_get_double(NULL, "k", &dbl));
  assert_false(mongo_odm_doc_get_double(d, NULL, &dbl));
  assert_false(mongo_odm_doc_get_double(d, "k", NULL));
  assert_false(mongo_odm_doc_get_bool(NULL, "k", &b));
  assert_false(mongo_odm_doc_get_bool(d, NULL, &b));
  assert_false(mongo_odm_doc_get_bool(d, "k", NULL));
  bson_t view;
  const uint8_t *data;
  uint32_t len;
  assert_false(mongo_odm_doc_get_datetime(NULL, "k", &i64));
  assert_false(mongo_odm_doc_get_datetime(d, NULL, &i64));
  assert_false(mongo_odm_doc_get_datetime(d, "k", NULL));
  assert_false(mongo_odm_doc_get_document(NULL, "k", &view));
  assert_false(mongo_odm_doc_get_document(d, NULL, &view));
  assert_false(mongo_odm_doc_get_document(d, "k", NULL));
  assert_false(mongo_odm_doc_get_array(NULL, "k", &view));
  assert_false(mongo_odm_doc_get_array(d, NULL, &view));
  assert_false(mongo_odm_doc_get_array(d, "k", NULL));
  assert_false(mongo_odm_doc_get_oid(NULL, "k", &oid));
  assert_false(mongo_odm_doc_get_oid(d, NULL, &oid));
  assert_false(mongo_odm_doc_get_oid(d, "k", NULL));
  assert_false(mongo_odm_doc_get_binary(NULL, "k", &data, &len, NULL));
  assert_false(mongo_odm_doc_get_binary(d, NULL, &data, &len, NULL));
  assert_false(mongo_odm_doc_get_binary(d, "k", NULL, &len, NULL));
  assert_false(mongo_odm_doc_get_binary(d, "k", &data, NULL, NULL));
  assert_false(mongo_odm_doc_get_decimal128(NULL, "k", &dec));
  assert_false(mongo_odm_doc_get_decimal128(d, NULL, &dec));
  assert_false(mongo_odm_doc_get_decimal128(d, "k", NULL));
  assert_false(mongo_odm_doc_is_null(NULL, "k"));
  assert_false(mongo_odm_doc_is_null(d, NULL));
  /* present fields with NULL out pointers: still false, nothing written */
  mongo_odm_doc_t *full = mongo_odm_doc_copy(d);
  assert_true(mongo_odm_doc_set_oid(full, "o", &oid, NULL));
  assert_true(mongo_odm_doc_set_binary(full, "b", BSON_SUBTYPE_BINARY, &byte, 1, NULL));
  assert_false(mongo_odm_doc_get_oid(full, "o", NULL));
  assert_false(mongo_odm_doc_get_binary(full, "b", NULL, &len, NULL));
  mongo_odm_doc_destroy(full);
  assert_false(mongo_odm_doc_remove(NULL, "k"));
  assert_false(mongo_odm_doc_remove(d, NULL));
  assert_null(mongo_odm_doc_fields(NULL));
  EXPECT_INVALID_OUT(mongo_odm_doc_to_bson(NULL, false, OUT, ERR));
  /* `out` NULL with a valid document */
  EXPECT_INVALID(mongo_odm_doc_to_bson(d, false, NULL, ERR));
  /* the id-clearing NULL of set_id is not an error */
  mongo_odm_doc_t *copy = mongo_odm_doc_copy(d);
  assert_true(mongo_odm_doc_set_id(copy, NULL, NULL));
  assert_null(mongo_odm_doc_id(copy));
  mongo_odm_doc_destroy(copy);
}

/* crud.h: every argument error is found before any connection is attempted. */
static void test_crud(void **state) {
  fixture_t *f = *state;
  bool flag = true;
  int64_t n = 5;
  EXPECT_INVALID(mongo_odm_doc_save(NULL, false, ERR));
  EXPECT_INVALID(mongo_odm_doc_delete(NULL, &flag, ERR));
  assert_false(flag);
  EXPECT_INVALID(mongo_odm_doc_delete(NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_get(NULL, "id", ERR));
  EXPECT_INVALID(mongo_odm_get(f->model, NULL, ERR));
  EXPECT_INVALID(mongo_odm_find_one(NULL, NULL, NULL, ERR));
  {
    mongo_odm_doc_t *out = (mongo_odm_doc_t *)f->doc; /* must be reset to NULL */
    bool found = true;
    EXPECT_INVALID(mongo_odm_try_get(NULL, "id", &out, &found, ERR));
    assert_null(out);
    assert_false(found);
    EXPECT_INVALID(mongo_odm_try_get(f->model, NULL, &out, &found, ERR));
    EXPECT_INVALID(mongo_odm_try_get(f->model, "id", NULL, &found, ERR));
    EXPECT_INVALID(mongo_odm_try_get(f->model, "id", &out, NULL, ERR));
    out = (mongo_odm_doc_t *)f->doc;
    found = true;
    EXPECT_INVALID(mongo_odm_try_find_one(NULL, NULL, NULL, &out, &found, ERR));
    assert_null(out);
    assert_false(found);
    EXPECT_INVALID(mongo_odm_try_find_one(f->model, NULL, NULL, NULL, &found, ERR));
    EXPECT_INVALID(mongo_odm_try_find_one(f->model, NULL, NULL, &out, NULL, ERR));
  }
  EXPECT_INVALID(mongo_odm_find(NULL, NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_count(NULL, NULL, &n, ERR));
  EXPECT_INVALID(mongo_odm_count(f->model, NULL, NULL, ERR));
  flag = true;
  EXPECT_INVALID(mongo_odm_update_one(NULL, f->empty, f->update, false, &flag, ERR));
  assert_false(flag);
  EXPECT_INVALID(mongo_odm_update_one(f->model, NULL, f->update, false, &flag, ERR));
  EXPECT_INVALID(mongo_odm_update_one(f->model, f->empty, NULL, true, NULL, ERR));
  n = 5;
  EXPECT_INVALID(mongo_odm_update_many(NULL, f->empty, f->update, &n, ERR));
  assert_int_equal(n, 0);
  EXPECT_INVALID(mongo_odm_update_many(f->model, NULL, f->update, &n, ERR));
  EXPECT_INVALID(mongo_odm_update_many(f->model, f->empty, NULL, NULL, ERR));
  flag = true;
  EXPECT_INVALID(mongo_odm_delete_one(NULL, f->empty, &flag, ERR));
  assert_false(flag);
  EXPECT_INVALID(mongo_odm_delete_one(f->model, NULL, NULL, ERR));
  n = 5;
  EXPECT_INVALID(mongo_odm_delete_many(NULL, f->empty, &n, ERR));
  assert_int_equal(n, 0);
  EXPECT_INVALID(mongo_odm_delete_many(f->model, NULL, NULL, ERR));
  mongo_odm_doc_t *docs[] = {f->doc, NULL};
  EXPECT_INVALID(mongo_odm_insert_many(NULL, docs, 1, ERR));
  EXPECT_INVALID(mongo_odm_insert_many(f->model, NULL, 1, ERR));
  EXPECT_INVALID(mongo_odm_insert_many(f->model, docs, 2, ERR));
  EXPECT_INVALID(mongo_odm_aggregate(NULL, f->pipeline, NULL, ERR));
  EXPECT_INVALID(mongo_odm_aggregate(f->model, NULL, NULL, ERR));

  /* documented successes without a server: n_docs == 0, deleting a document without an id */
  mongo_odm_error_t err;
  assert_true(mongo_odm_insert_many(f->model, NULL, 0, &err));
  assert_ok(err);
  assert_true(mongo_odm_insert_many(f->model, NULL, 0, NULL));
  mongo_odm_doc_t *no_id = mongo_odm_doc_new(f->model);
  assert_true(mongo_odm_doc_set_id(no_id, NULL, NULL));
  flag = true;
  assert_true(mongo_odm_doc_delete(no_id, &flag, &err));
  assert_ok(err);
  assert_false(flag);
  assert_true(mongo_odm_doc_delete(no_id, NULL, NULL));
  mongo_odm_doc_destroy(no_id);
  assert_false(mongo_odm_is_connected());
}

/* changes.h: argument errors are found before any server call. */
static void test_changes(void **state) {
  fixture_t *f = *state;
  bool changed = true;
  bson_t *doc = tu_bson("{\"_id\": \"x\", \"a\": 1}");
  EXPECT_INVALID_OUT(mongo_odm_diff(NULL, f->empty, OUT, &changed, ERR));
  assert_false(changed);
  EXPECT_INVALID_OUT(mongo_odm_diff(f->empty, NULL, OUT, &changed, ERR));
  EXPECT_INVALID_OUT(mongo_odm_diff(f->empty, f->empty, OUT, NULL, ERR));
  /* update NULL is allowed */
  mongo_odm_error_t err;
  assert_true(mongo_odm_diff(f->empty, doc, NULL, &changed, &err));
  assert_ok(err);
  assert_true(changed);

  EXPECT_INVALID_OUT(mongo_odm_collection_save(NULL, doc, NULL, 0, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_save(f->coll, NULL, NULL, 0, NULL, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_save(f->coll, NULL, NULL, 0, OUT, NULL, ERR));
  /* unknown flag bits are refused before the server is contacted */
  EXPECT_INVALID_OUT(mongo_odm_collection_save(f->coll, doc, NULL, 1u << 7, OUT, NULL, ERR));

  EXPECT_INVALID(mongo_odm_model_set_use_state_management(NULL, true, ERR));
  EXPECT_INVALID(mongo_odm_model_set_use_revision(NULL, true, ERR));
  assert_false(mongo_odm_model_use_state_management(NULL));
  assert_false(mongo_odm_model_use_revision(NULL));
  assert_false(mongo_odm_model_use_state_management(f->model));
  assert_false(mongo_odm_model_use_revision(f->model));

  assert_null(mongo_odm_doc_saved_state(NULL));
  assert_null(mongo_odm_doc_saved_state(f->doc));
  EXPECT_INVALID(mongo_odm_doc_set_saved_state(NULL, f->empty, ERR));
  EXPECT_INVALID(mongo_odm_doc_set_saved_state(NULL, NULL, ERR));
  EXPECT_INVALID_OUT(mongo_odm_doc_get_changes(NULL, false, OUT, &changed, ERR));
  EXPECT_INVALID_OUT(mongo_odm_doc_get_changes(f->doc, false, OUT, NULL, ERR));
  assert_false(mongo_odm_doc_is_changed(NULL));
  assert_true(mongo_odm_doc_is_changed(f->doc)); /* a new document */
  /* a state on a copy, then forgotten (NULL is not an error) */
  mongo_odm_doc_t *copy = mongo_odm_doc_copy(f->doc);
  assert_true(mongo_odm_doc_set_saved_state(copy, doc, NULL));
  assert_non_null(mongo_odm_doc_saved_state(copy));
  assert_true(mongo_odm_doc_set_saved_state(copy, NULL, NULL));
  assert_null(mongo_odm_doc_saved_state(copy));
  mongo_odm_doc_destroy(copy);
  bson_destroy(doc);
}

/* index.h */
static void test_index(void **state) {
  fixture_t *f = *state;
  bson_t *keys = tu_bson("{\"a\": 1}");
  EXPECT_INVALID(mongo_odm_model_add_index(NULL, keys, NULL, ERR));
  EXPECT_INVALID(mongo_odm_model_add_index(f->model, NULL, NULL, ERR));
  assert_int_equal(mongo_odm_model_index_count(NULL), 0);
  assert_int_equal(mongo_odm_model_index_count(f->model), 0);
  assert_null(mongo_odm_model_index(NULL, 0));
  assert_null(mongo_odm_model_index(f->model, 0));
  EXPECT_INVALID_OUT(mongo_odm_ensure_indexes(NULL, OUT, ERR));
  /* a model without declared indexes: success, no server call */
  bson_t reply;
  mongo_odm_error_t err;
  assert_true(mongo_odm_ensure_indexes(f->model, &reply, &err));
  assert_ok(err);
  bson_destroy(&reply);
  assert_true(mongo_odm_ensure_indexes(f->model, NULL, NULL));
  const bson_t *specs[] = {keys};
  EXPECT_INVALID_OUT(mongo_odm_collection_ensure_indexes(NULL, specs, 1, OUT, ERR));
  EXPECT_INVALID_OUT(mongo_odm_collection_ensure_indexes(f->coll, NULL, 1, OUT, ERR));
  const bson_t *null_spec[] = {NULL};
  EXPECT_INVALID_OUT(mongo_odm_collection_ensure_indexes(f->coll, null_spec, 1, OUT, ERR));
  assert_true(mongo_odm_collection_ensure_indexes(f->coll, NULL, 0, NULL, NULL)); /* the no-op */
  EXPECT_INVALID_OUT(mongo_odm_collection_list_indexes(NULL, OUT, ERR));
  EXPECT_INVALID(mongo_odm_collection_list_indexes(f->coll, NULL, ERR));
  bson_destroy(keys);
}

/* bulk.h: a writer on the never-contacted client; queuing makes no server call. */
static void test_bulk(void **state) {
  fixture_t *f = *state;
  EXPECT_INVALID(mongo_odm_collection_bulk_new(NULL, true, ERR));
  EXPECT_INVALID(mongo_odm_bulk_new(NULL, true, ERR));
  mongo_odm_error_t err;
  /* a model on the default connection, which this suite cannot open */
  assert_null(mongo_odm_bulk_new(f->model, true, &err));
  assert_code(err, MONGO_ODM_ERROR_CONFIGURATION);
  mongo_odm_bulk_destroy(NULL);
  assert_int_equal(mongo_odm_bulk_size(NULL), 0);
  mongo_odm_bulk_t *bulk = mongo_odm_collection_bulk_new(f->coll, false, &err);
  assert_non_null(bulk);
  EXPECT_INVALID(mongo_odm_bulk_insert(NULL, f->empty, ERR));
  EXPECT_INVALID(mongo_odm_bulk_insert(bulk, NULL, ERR));
  EXPECT_INVALID(mongo_odm_bulk_replace_one(NULL, f->empty, f->empty, false, ERR));
  EXPECT_INVALID(mongo_odm_bulk_replace_one(bulk, NULL, f->empty, false, ERR));
  EXPECT_INVALID(mongo_odm_bulk_replace_one(bulk, f->empty, NULL, false, ERR));
  EXPECT_INVALID(mongo_odm_bulk_update_one(NULL, f->empty, f->update, false, ERR));
  EXPECT_INVALID(mongo_odm_bulk_update_one(bulk, NULL, f->update, false, ERR));
  EXPECT_INVALID(mongo_odm_bulk_update_one(bulk, f->empty, NULL, false, ERR));
  EXPECT_INVALID(mongo_odm_bulk_update_many(NULL, f->empty, f->update, false, ERR));
  EXPECT_INVALID(mongo_odm_bulk_update_many(bulk, NULL, f->update, false, ERR));
  EXPECT_INVALID(mongo_odm_bulk_update_many(bulk, f->empty, NULL, false, ERR));
  EXPECT_INVALID(mongo_odm_bulk_delete_one(NULL, f->empty, ERR));
  EXPECT_INVALID(mongo_odm_bulk_delete_one(bulk, NULL, ERR));
  EXPECT_INVALID(mongo_odm_bulk_delete_many(NULL, f->empty, ERR));
  EXPECT_INVALID(mongo_odm_bulk_delete_many(bulk, NULL, ERR));
  EXPECT_INVALID(mongo_odm_bulk_insert_doc(NULL, f->doc, ERR));
  EXPECT_INVALID(mongo_odm_bulk_insert_doc(bulk, NULL, ERR));
  EXPECT_INVALID(mongo_odm_bulk_save_doc(NULL, f->doc, false, ERR));
  EXPECT_INVALID(mongo_odm_bulk_save_doc(bulk, NULL, false, ERR));
  EXPECT_INVALID(mongo_odm_bulk_update_one(bulk, f->empty, f->empty, false, ERR)); /* not an update */
  assert_int_equal(mongo_odm_bulk_size(bulk), 0);
  EXPECT_INVALID_OUT(mongo_odm_bulk_execute(NULL, OUT, ERR));
  /* queued, then dropped by destroy (nothing is sent) */
  assert_true(mongo_odm_bulk_insert(bulk, f->empty, &err));
  assert_true(mongo_odm_bulk_insert_doc(bulk, f->doc, &err));
  assert_true(mongo_odm_bulk_save_doc(bulk, f->doc, true, &err));
  assert_true(mongo_odm_bulk_replace_one(bulk, f->empty, f->empty, true, &err));
  assert_true(mongo_odm_bulk_update_one(bulk, f->empty, f->update, false, &err));
  assert_true(mongo_odm_bulk_update_many(bulk, f->empty, f->pipeline, false, &err));
  assert_true(mongo_odm_bulk_delete_one(bulk, f->empty, &err));
  assert_true(mongo_odm_bulk_delete_many(bulk, f->empty, &err));
  assert_int_equal(mongo_odm_bulk_size(bulk), 8);
  mongo_odm_bulk_destroy(bulk);
  /* an empty writer executes without a server call */
  bulk = mongo_odm_collection_bulk_new(f->coll, true, &err);
  bson_t reply;
  assert_true(mongo_odm_bulk_execute(bulk, &reply, &err));
  assert_ok(err);
  tu_assert_bson_int(&reply, "nInserted", 0);
  bson_destroy(&reply);
  assert_true(mongo_odm_bulk_execute(bulk, NULL, NULL));
  mongo_odm_bulk_destroy(bulk);
}

/* projection.h */
static void test_projection(void **state) {
  fixture_t *f = *state;
  EXPECT_INVALID_OUT(mongo_odm_model_projection(NULL, OUT, ERR));
  EXPECT_INVALID(mongo_odm_model_projection(f->model, NULL, ERR));
  /* a model without declared fields has nothing to project */
  EXPECT_INVALID_OUT(mongo_odm_model_projection(f->model, OUT, ERR));
  EXPECT_INVALID(mongo_odm_find_as(NULL, f->model, NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_find_as(f->model, NULL, NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_find_as(f->model, f->model, NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_find_one_as(NULL, f->model, NULL, NULL, ERR));
  EXPECT_INVALID(mongo_odm_find_one_as(f->model, NULL, NULL, NULL, ERR));
  {
    mongo_odm_doc_t *out = (mongo_odm_doc_t *)f->doc; /* must be reset to NULL */
    bool found = true;
    EXPECT_INVALID(mongo_odm_try_find_one_as(NULL, f->model, NULL, NULL, &out, &found, ERR));
    assert_null(out);
    assert_false(found);
    EXPECT_INVALID(mongo_odm_try_find_one_as(f->model, NULL, NULL, NULL, &out, &found, ERR));
    EXPECT_INVALID(mongo_odm_try_find_one_as(f->model, f->model, NULL, NULL, NULL, &found, ERR));
    EXPECT_INVALID(mongo_odm_try_find_one_as(f->model, f->model, NULL, NULL, &out, NULL, ERR));
  }
  assert_false(mongo_odm_is_connected());
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_library_error_log),
      cmocka_unit_test(test_cancel),
      cmocka_unit_test(test_ids),
      cmocka_unit_test(test_connection),
      cmocka_unit_test(test_client),
      cmocka_unit_test(test_collection),
      cmocka_unit_test(test_collection_extra),
      cmocka_unit_test(test_uri_option_is_known),
      cmocka_unit_test(test_cursor),
      cmocka_unit_test(test_model),
      cmocka_unit_test(test_doc),
      cmocka_unit_test(test_crud),
      cmocka_unit_test(test_changes),
      cmocka_unit_test(test_index),
      cmocka_unit_test(test_bulk),
      cmocka_unit_test(test_projection),
  };
  return cmocka_run_group_tests_name("null_args", tests, setup, teardown);
}
