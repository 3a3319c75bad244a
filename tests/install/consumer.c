/* A program outside the project, built against the installed libmongo_odm. */
#include <mongo_odm.h>

#include <stdio.h>
#include <string.h>

int main(void) {
  mongo_odm_init();
  if (!MONGO_ODM_CHECK_VERSION(0, 1, 0) || !mongo_odm_check_version(0, 1, 0)) return 1;
  if (strcmp(mongo_odm_get_version(), MONGO_ODM_VERSION_S) != 0) return 2;

  mongo_odm_error_t error;
  mongo_odm_model_t *model = mongo_odm_model_new("consumers", &error);
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  if (!mongo_odm_doc_set_utf8(doc, "name", "installed", &error)) return 3;
  bson_t out;
  if (!mongo_odm_doc_to_bson(doc, false, &out, &error)) return 4;
  char *json = bson_as_relaxed_extended_json(&out, NULL);
  printf("consumer %s: %s\n", mongo_odm_get_version(), json);
  bson_free(json);
  bson_destroy(&out);
  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);
  mongo_odm_cleanup();
  return 0;
}
