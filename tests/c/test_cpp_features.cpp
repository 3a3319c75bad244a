// The features of issue 11 through the header-only C++ wrapper, against the test server:
// changed-field saves and revisions (Document::get_changes, Model::set_use_revision, a
// conflict thrown as mongo_odm::Error), indexes (Model::add_index, ensure_indexes), bulk
// writes (BulkWriter) and projections (find_as, find_one_as). The C suite test_features.c has
// the exhaustive cases; this one checks that the wrapper adds no behaviour of its own.
#include <mongo_odm.hpp>

#include <cstdlib>
#include <memory>
#include <string>

#include "test_util.h"

namespace {

struct BsonDeleter {
  void operator()(bson_t *b) const { bson_destroy(b); }
};
using Json = std::unique_ptr<bson_t, BsonDeleter>;
Json json(const char *text) { return Json(tu_bson(text)); }

std::string unique(const char *prefix) {
  char *name = tu_unique_name(prefix);
  std::string out = name;
  free(name);
  return out;
}

template <typename F>
uint32_t error_code_of(F &&body) {
  try {
    body();
  } catch (const mongo_odm::Error &e) {
    return e.code();
  }
  return MONGO_ODM_OK;
}

int32_t int_of(const mongo_odm::Document &doc, const char *key) {
  int32_t v = -1;
  assert_true(mongo_odm_doc_get_int32(doc.get(), key, &v));
  return v;
}

void test_changes_and_revisions(void **) {
  mongo_odm::Model model(unique("cpp_rev"));
  model.add_field("n", MONGO_ODM_TYPE_INT32).set_use_state_management(true).set_use_revision(true);
  mongo_odm::Document doc(model);
  doc.set_id(std::string("c")).set("n", int32_t{0});
  assert_true(doc.is_changed());
  assert_null(doc.saved_state());
  doc.save();
  assert_non_null(doc.saved_state());
  assert_false(doc.is_changed());
  assert_false(doc.get_changes().has_value());

  auto a = mongo_odm::get(model, "c");
  auto b = mongo_odm::get(model, "c");
  assert_true(a.has_value() && b.has_value());
  a->set("n", int32_t{1});
  auto changes = a->get_changes();
  assert_true(changes.has_value());
  assert_string_equal(changes->to_json().c_str(), "{ \"$set\" : { \"n\" : 1 } }");
  a->save();
  b->set("n", int32_t{2});
  assert_int_equal(error_code_of([&] { b->save(); }), MONGO_ODM_ERROR_REVISION_CONFLICT);
  assert_int_equal(int_of(*mongo_odm::get(model, "c"), "n"), 1);

  // the raw diff and the collection-level save
  auto saved = json("{\"_id\": 1, \"a\": 1}");
  auto current = json("{\"_id\": 1, \"a\": 2}");
  auto update = mongo_odm::diff(saved.get(), current.get());
  assert_true(update.has_value());
  assert_string_equal(update->to_json().c_str(), "{ \"$set\" : { \"a\" : 2 } }");
  assert_false(mongo_odm::diff(saved.get(), saved.get()).has_value());

  auto client = mongo_odm::default_client();
  mongo_odm::Collection coll(client, *mongo_odm::default_database_name(), mongo_odm_model_collection_name(model.get()));
  auto first = mongo_odm::save(coll, current.get(), nullptr, MONGO_ODM_SAVE_REVISION);
  bson_iter_t it;
  assert_true(bson_iter_init_find(&it, first.reply.get(), "sent"));
  assert_string_equal(bson_iter_utf8(&it, nullptr), "replace");
  auto again = mongo_odm::save(coll, current.get(), first.stored.get(), MONGO_ODM_SAVE_CHANGES | MONGO_ODM_SAVE_REVISION);
  assert_true(bson_iter_init_find(&it, again.reply.get(), "sent"));
  assert_string_equal(bson_iter_utf8(&it, nullptr), "nothing");
  assert_int_equal(error_code_of([&] { mongo_odm::save(coll, current.get(), nullptr, MONGO_ODM_SAVE_REVISION); }),
                   MONGO_ODM_ERROR_REVISION_CONFLICT);
  coll.drop();
}

void test_indexes(void **) {
  mongo_odm::Model model(unique("cpp_idx"));
  auto keys = json("{\"email\": 1}");
  auto opts = json("{\"unique\": true}");
  model.add_field("email", MONGO_ODM_TYPE_UTF8).add_index(keys.get(), opts.get());
  assert_int_equal(error_code_of([&] { model.add_index(keys.get()); }), MONGO_ODM_ERROR_INVALID_ARGUMENT);
  auto reply = mongo_odm::ensure_indexes(model);
  assert_true(std::string(reply.to_json()).find("\"created\" : [ \"email_1\" ]") != std::string::npos);
  reply = mongo_odm::ensure_indexes(model);
  assert_true(std::string(reply.to_json()).find("\"existing\" : [ \"email_1\" ]") != std::string::npos);
  mongo_odm::Document a(model), b(model);
  a.set("email", "x@y").save();
  b.set("email", "x@y");
  assert_int_equal(error_code_of([&] { b.save(); }), MONGO_ODM_ERROR_DUPLICATE_KEY);

  auto client = mongo_odm::default_client();
  mongo_odm::Collection coll(client, *mongo_odm::default_database_name(), mongo_odm_model_collection_name(model.get()));
  auto listed = mongo_odm::list_indexes(coll);
  assert_true(listed.to_json().find("email_1") != std::string::npos);
  auto clash = json("{\"key\": {\"other\": 1}, \"name\": \"email_1\"}");
  try {
    mongo_odm::ensure_indexes(coll, {clash.get()});
    fail();
  } catch (const mongo_odm::Error &e) {
    assert_int_equal(e.code(), MONGO_ODM_ERROR_SERVER);
    assert_int_equal(e.server_code(), 86);
  }
  coll.drop();
}

void test_bulk_and_projection(void **) {
  mongo_odm::Model model(unique("cpp_bulk"));
  model.add_field("n", MONGO_ODM_TYPE_INT32).add_field("text", MONGO_ODM_TYPE_UTF8);
  mongo_odm::BulkWriter writer(model);
  for (int32_t i = 0; i < 1500; ++i) {
    mongo_odm::Document d(model);
    d.set_id("d" + std::to_string(i)).set("n", i).set("text", "t");
    writer.insert(d);
  }
  auto f = json("{\"n\": {\"$lt\": 10}}");
  auto inc = json("{\"$inc\": {\"n\": 10000}}");
  auto gone = json("{\"n\": {\"$gte\": 1000, \"$lt\": 10000}}");
  writer.update_many(f.get(), inc.get()).delete_many(gone.get());
  assert_int_equal(writer.size(), 1502);
  const mongo_odm::Bson &reply = writer.execute();
  assert_int_equal(writer.size(), 0);
  tu_assert_bson_int(reply.get(), "nInserted", 1500);
  tu_assert_bson_int(reply.get(), "nModified", 10);
  tu_assert_bson_int(reply.get(), "nRemoved", 500);
  assert_int_equal(mongo_odm::count(model), 1000);

  // an ordered failure: the reply stays readable after the throw
  auto dup = json("{\"_id\": \"d1\"}");
  auto fresh = json("{\"_id\": \"new\"}");
  writer.insert(fresh.get()).insert(dup.get()).insert(fresh.get());
  assert_int_equal(error_code_of([&] { writer.execute(); }), MONGO_ODM_ERROR_DUPLICATE_KEY);
  tu_assert_bson_int(writer.last_reply().get(), "nInserted", 1);

  // read as a model with one field
  mongo_odm::Model only_n(std::nullopt);
  only_n.add_field("n", MONGO_ODM_TYPE_INT32);
  assert_string_equal(mongo_odm::projection_of(only_n).to_json().c_str(), "{ \"n\" : 1 }");
  auto big = json("{\"n\": {\"$gte\": 10000}}");
  auto cursor = mongo_odm::find_as(model, only_n, big.get());
  int seen = 0;
  while (const mongo_odm_doc_t *d = cursor.next()) {
    assert_false(mongo_odm_doc_has(d, "text"));
    ++seen;
  }
  assert_int_equal(seen, 10);
  auto one = mongo_odm::find_one_as(model, only_n, dup.get());
  assert_true(one.has_value());
  assert_false(one->has("text"));
  assert_int_equal(int_of(*one, "n"), 10001);
  auto client = mongo_odm::default_client();
  mongo_odm::Collection(client, *mongo_odm::default_database_name(), mongo_odm_model_collection_name(model.get())).drop();
}

}  // namespace

int main(void) {
  mongo_odm::Library library;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_changes_and_revisions),
      cmocka_unit_test(test_indexes),
      cmocka_unit_test(test_bulk_and_projection),
  };
  tu_apply_skip_filter();
  return cmocka_run_group_tests_name("cpp_features", tests, tu_setup_connected, tu_teardown_connected);
}
