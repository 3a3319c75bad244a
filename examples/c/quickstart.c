/*
 * quickstart.c - libmongo_odm from top to bottom.
 *
 * Run it against any MongoDB (or the project's FerretDB: scripts/run.sh starts one):
 *   MONGO_URL=mongodb://127.0.0.1:27017 MONGO_DB_NAME=quickstart ./quickstart
 * MONGO_USER / MONGO_PASSWORD are used when set.
 */
#include <mongo_odm.h>

#include <stdio.h>
#include <stdlib.h>

/* Every fallible call reports through a mongo_odm_error_t; this prints it and stops. */
static void check(bool ok, const mongo_odm_error_t *error, const char *what) {
  if (!ok) {
    fprintf(stderr, "%s failed: %s: %s\n", what, mongo_odm_error_code_name(error->code), error->message);
    exit(1);
  }
}

/* mongo_odm_doc_new() returns NULL only for a NULL model or when memory is exhausted. */
static mongo_odm_doc_t *new_doc(const mongo_odm_model_t *model) {
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  if (!doc) {
    fprintf(stderr, "doc_new failed: out of memory\n");
    exit(1);
  }
  return doc;
}

/* Borrowed strings (mongo_odm_doc_id(), mongo_odm_doc_get_utf8(), ...) are NULL when the value
 * is absent or of another type: never hand NULL to printf's %s. */
static const char *or_missing(const char *s) { return s ? s : "(missing)"; }

int main(void) {
  mongo_odm_error_t error;
  check(mongo_odm_init_checked(&error) > 0, &error, "init");
  printf("libmongo_odm %s\n", or_missing(mongo_odm_get_version()));

  /* 1. Connect: NULL arguments come from MONGO_URL, MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME. */
  check(mongo_odm_connect(NULL, NULL, NULL, NULL, &error), &error, "connect");
  printf("connected, database '%s'\n", or_missing(mongo_odm_default_database_name()));

  /* 2. A model: the collection "quickstart_users" with two declared fields. */
  mongo_odm_model_t *users = mongo_odm_model_new("quickstart_users", &error);
  check(users != NULL, &error, "model_new");
  check(mongo_odm_model_add_field(users, "name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &error), &error,
        "add_field name");
  check(mongo_odm_model_add_field(users, "age", MONGO_ODM_TYPE_INT64, MONGO_ODM_FIELD_NULLABLE, &error), &error,
        "add_field age");

  /* Start from an empty collection so the numbers below are always the same. */
  int64_t removed = 0;
  bson_t all = BSON_INITIALIZER;
  check(mongo_odm_delete_many(users, &all, &removed, &error), &error, "delete_many");

  /* 3. Documents get an ObjectId string id; undeclared fields ("city") are kept as extras. */
  const char *names[] = {"Alice", "Bob", "Carol"};
  const int ages[] = {34, 27, 41};
  char alice_id[25] = "";
  for (int i = 0; i < 3; ++i) {
    mongo_odm_doc_t *user = new_doc(users);
    check(mongo_odm_doc_set_utf8(user, "name", names[i], &error), &error, "set name");
    check(mongo_odm_doc_set_int32(user, "age", ages[i], &error), &error, "set age");
    check(mongo_odm_doc_set_utf8(user, "city", i == 1 ? "Berlin" : "Zurich", &error), &error, "set city");
    check(mongo_odm_doc_save(user, false, &error), &error, "save"); /* an upsert by _id */
    if (i == 0) {
      const char *id = mongo_odm_doc_id(user); /* NULL for an id that is not an ObjectId string */
      if (!id) {
        fprintf(stderr, "save: Alice has no ObjectId string id\n");
        return 1;
      }
      snprintf(alice_id, sizeof alice_id, "%s", id);
    }
    mongo_odm_doc_destroy(user);
  }
  printf("saved 3 users, Alice has id %s\n", alice_id);

  /* 4. Read one back by id: false = failed, found = false: no such document. */
  mongo_odm_doc_t *alice = NULL;
  bool found = false;
  check(mongo_odm_try_get(users, alice_id, &alice, &found, &error), &error, "get");
  if (!found) {
    fprintf(stderr, "get: %s was just saved but is not found\n", alice_id);
    return 1;
  }
  int64_t age = 0;
  if (!mongo_odm_doc_get_int64(alice, "age", &age)) {
    fprintf(stderr, "get: the age field is missing\n");
    return 1;
  }
  printf("get: %s, %lld, city %s (extra field: %s)\n", or_missing(mongo_odm_doc_get_utf8(alice, "name")),
         (long long)age, or_missing(mongo_odm_doc_get_utf8(alice, "city")),
         mongo_odm_doc_is_extra(alice, "city") ? "yes" : "no");
  mongo_odm_doc_destroy(alice);

  /* 5. Query with a filter and options: who lives in Zurich, oldest first. */
  bson_t *filter = BCON_NEW("city", BCON_UTF8("Zurich"));
  bson_t *opts = BCON_NEW("sort", "{", "age", BCON_INT32(-1), "}");
  mongo_odm_cursor_t *cursor = mongo_odm_find(users, filter, opts, &error);
  check(cursor != NULL, &error, "find");
  const mongo_odm_doc_t *doc;
  printf("find city=Zurich sorted by age desc:");
  while (mongo_odm_cursor_next(cursor, &doc)) printf(" %s", or_missing(mongo_odm_doc_get_utf8(doc, "name")));
  printf("\n");
  check(!mongo_odm_cursor_error(cursor, &error), &error, "cursor");
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);
  bson_destroy(filter);

  /* 6. Update, count, delete. */
  bool changed = false;
  bson_t *by_name = BCON_NEW("name", BCON_UTF8("Bob"));
  bson_t *birthday = BCON_NEW("$inc", "{", "age", BCON_INT32(1), "}");
  check(mongo_odm_update_one(users, by_name, birthday, false, &changed, &error), &error, "update_one");
  int64_t n = 0;
  check(mongo_odm_count(users, NULL, &n, &error), &error, "count");
  printf("update_one Bob: changed=%s; count=%lld\n", changed ? "true" : "false", (long long)n);
  bool deleted = false;
  check(mongo_odm_delete_one(users, by_name, &deleted, &error), &error, "delete_one");
  check(mongo_odm_count(users, NULL, &n, &error), &error, "count");
  printf("delete_one Bob: deleted=%s; count=%lld\n", deleted ? "true" : "false", (long long)n);
  bson_destroy(birthday);
  bson_destroy(by_name);

  /* 7. Composite keys: the id is md5 of the key fields, so saving twice upserts one document. */
  mongo_odm_model_t *memberships = mongo_odm_model_new("quickstart_memberships", &error);
  check(memberships != NULL, &error, "model_new");
  const char *key[] = {"tenant", "user"};
  check(mongo_odm_model_set_composite_key(memberships, key, 2, &error), &error, "composite_key");
  check(mongo_odm_delete_many(memberships, &all, &removed, &error), &error, "delete_many");
  for (int i = 0; i < 2; ++i) {
    mongo_odm_doc_t *m = new_doc(memberships);
    check(mongo_odm_doc_set_utf8(m, "tenant", "tenant1", &error), &error, "set tenant");
    check(mongo_odm_doc_set_utf8(m, "user", "user1", &error), &error, "set user");
    check(mongo_odm_doc_set_utf8(m, "role", i == 0 ? "member" : "admin", &error), &error, "set role");
    check(mongo_odm_doc_save(m, false, &error), &error, "save");
    if (i == 1) printf("composite id: %s\n", or_missing(mongo_odm_doc_id(m)));
    mongo_odm_doc_destroy(m);
  }
  check(mongo_odm_count(memberships, NULL, &n, &error), &error, "count");
  printf("memberships after saving the same key twice: %lld\n", (long long)n);

  mongo_odm_model_destroy(memberships);
  mongo_odm_model_destroy(users);
  mongo_odm_cleanup(); /* closes the connection */
  printf("done\n");
  return 0;
}
