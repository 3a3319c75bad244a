// The header-only C++ wrapper (include/mongo_odm.hpp) without a server: models, documents,
// ids, BSON ownership, and errors thrown as mongo_odm::Error with the C API's codes.
#include <mongo_odm.hpp>

#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "test_util.h"

namespace {

// Runs `body`, which must throw mongo_odm::Error with `code`; returns the error's message.
template <typename F>
std::string expect_error(uint32_t code, F &&body) {
  try {
    body();
  } catch (const mongo_odm::Error &e) {
    if (e.code() != code) {
      print_error("expected %s, got %s: %s\n", mongo_odm_error_code_name(code), e.code_name(), e.what());
      fail();
    }
    assert_string_equal(e.code_name(), mongo_odm_error_code_name(code));
    assert_true(std::strlen(e.what()) > 0);
    return e.what();
  } catch (...) {
    print_error("expected mongo_odm::Error, got another exception\n");
    fail();
  }
  print_error("expected %s, nothing was thrown\n", mongo_odm_error_code_name(code));
  fail();
  return std::string();
}

bson_t *json(const char *text) { return tu_bson(text); }

struct BsonDeleter {
  void operator()(bson_t *b) const { bson_destroy(b); }
};
using BsonPtr = std::unique_ptr<bson_t, BsonDeleter>;

std::string keys_of(const bson_t *doc) {
  char buf[512];
  return tu_keys(doc, buf, sizeof buf);
}

void test_error_type(void **) {
  static_assert(std::is_base_of<std::runtime_error, mongo_odm::Error>::value, "Error is a runtime_error");
  mongo_odm_error_t raw;
  std::memset(&raw, 0, sizeof raw);
  raw.code = MONGO_ODM_ERROR_DUPLICATE_KEY;
  raw.server_code = 11000;
  std::strcpy(raw.message, "E11000 duplicate key");
  mongo_odm::Error e(raw);
  assert_int_equal(e.code(), MONGO_ODM_ERROR_DUPLICATE_KEY);
  assert_int_equal(e.server_code(), 11000);
  assert_string_equal(e.what(), "E11000 duplicate key");
  assert_string_equal(e.code_name(), "MONGO_ODM_ERROR_DUPLICATE_KEY");
  mongo_odm::Error e2(MONGO_ODM_ERROR_INTERNAL, "boom");
  assert_int_equal(e2.server_code(), 0);
  assert_string_equal(e2.what(), "boom");

  // check() throws only on failure
  mongo_odm::check(true, raw);
  expect_error(MONGO_ODM_ERROR_DUPLICATE_KEY, [&] { mongo_odm::check(false, raw); });
}

void test_ids(void **) {
  const std::string a = mongo_odm::generate_id();
  const std::string b = mongo_odm::generate_id();
  assert_int_equal(a.size(), 24);
  assert_true(mongo_odm_id_is_object_id(a.c_str()));
  assert_true(a != b);

  const std::string composite = mongo_odm::generate_composite_id({"acme", "100.0"});
  const char *values[] = {"acme", "100.0"};
  char expected[33];
  assert_true(mongo_odm_generate_composite_id(values, 2, expected, nullptr));
  assert_string_equal(composite.c_str(), expected);
  assert_string_equal(mongo_odm::generate_composite_id({}).c_str(), "d41d8cd98f00b204e9800998ecf8427e");

  const std::string pair = mongo_odm::generate_id_from_pairs({{"b", "2"}, {"a", "1"}});
  const char *keys[] = {"a", "b"};
  const char *vals[] = {"1", "2"};
  assert_true(mongo_odm_generate_id_from_pairs(keys, vals, 2, expected, nullptr));
  assert_string_equal(pair.c_str(), expected);

  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [] { mongo_odm::generate_id_from_pairs({{"a", "1"}, {"a", "2"}}); });
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [] { mongo_odm::generate_id_from_pairs({}); });
  expect_error(MONGO_ODM_ERROR_ENCODING, [] { mongo_odm::generate_composite_id({"ok", "\xff"}); });
}

void test_bson_ownership(void **) {
  mongo_odm::Bson a;
  BSON_APPEND_INT32(a.get(), "x", 1);
  mongo_odm::Bson b(std::move(a));
  assert_int_equal(bson_count_keys(b.get()), 1);
  assert_int_equal(bson_count_keys(a.get()), 0);  // moved-from is empty, still valid
  mongo_odm::Bson c;
  c = std::move(b);
  assert_int_equal(bson_count_keys(c.get()), 1);
  assert_string_equal(c.to_json().c_str(), "{ \"x\" : 1 }");
  mongo_odm::Bson &alias = c;
  c = std::move(alias);  // self-move is harmless
  assert_int_equal(bson_count_keys(c.get()), 1);
  bson_t raw;
  bson_init(&raw);
  BSON_APPEND_UTF8(&raw, "s", "t");
  mongo_odm::Bson adopted = mongo_odm::Bson::adopt(&raw);
  assert_string_equal(adopted.to_json().c_str(), "{ \"s\" : \"t\" }");
}

void test_model(void **) {
  mongo_odm::Model users("users");
  users.add_field("name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED)
      .add_field("age", MONGO_ODM_TYPE_INT32)
      .set_composite_key({"name"});
  assert_string_equal(mongo_odm_model_collection_name(users.get()), "users");
  assert_int_equal(mongo_odm_model_field_count(users.get()), 2);
  assert_int_equal(mongo_odm_model_composite_key_size(users.get()), 1);

  mongo_odm::Model anonymous(std::nullopt);
  assert_null(mongo_odm_model_collection_name(anonymous.get()));

  std::string msg = expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [] { mongo_odm::Model bad("a$b"); });
  assert_contains(msg.c_str(), "a$b");
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [] { mongo_odm::Model bad(""); });
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [&] { users.add_field("name", MONGO_ODM_TYPE_UTF8); });
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [&] { users.add_field("id", MONGO_ODM_TYPE_UTF8); });
  msg = expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { users.set_composite_key({}); });
  assert_string_equal(msg.c_str(), "composite_key must be a non-empty list");
  users.set_collection(nullptr);
}

void test_document(void **) {
  mongo_odm::Model model("people");
  model.add_field("name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED).add_field("age", MONGO_ODM_TYPE_INT32);
  mongo_odm::Document doc(model);
  assert_true(doc.id().has_value());
  assert_int_equal(doc.id()->size(), 24);

  doc.set("name", "Alice").set("age", int32_t{30}).set("big", int64_t{1} << 40).set("ratio", 0.5).set("flag", true);
  doc.set("nothing", nullptr).set("text", std::string("std::string"));
  doc.set_datetime("when", 1000);
  BsonPtr sub(json("{\"k\": \"v\"}"));
  BsonPtr arr(json("{\"0\": 1}"));
  doc.set_document("sub", sub.get()).set_array("arr", arr.get());
  bson_value_t v;
  std::memset(&v, 0, sizeof v);
  v.value_type = BSON_TYPE_INT32;
  v.value.v_int32 = 9;
  doc.set("value", v);

  // overloads pick the right BSON types
  assert_int_equal(doc.get("name")->value_type, BSON_TYPE_UTF8);
  assert_int_equal(doc.get("age")->value_type, BSON_TYPE_INT32);
  assert_int_equal(doc.get("big")->value_type, BSON_TYPE_INT64);
  assert_int_equal(doc.get("ratio")->value_type, BSON_TYPE_DOUBLE);
  assert_int_equal(doc.get("flag")->value_type, BSON_TYPE_BOOL);
  assert_int_equal(doc.get("nothing")->value_type, BSON_TYPE_NULL);
  assert_int_equal(doc.get("text")->value_type, BSON_TYPE_UTF8);
  assert_int_equal(doc.get("when")->value_type, BSON_TYPE_DATE_TIME);
  assert_int_equal(doc.get("sub")->value_type, BSON_TYPE_DOCUMENT);
  assert_int_equal(doc.get("arr")->value_type, BSON_TYPE_ARRAY);
  assert_int_equal(doc.get("value")->value_type, BSON_TYPE_INT32);
  assert_true(doc.has("name"));
  assert_false(doc.is_extra("name"));
  assert_true(doc.is_extra("flag"));
  assert_true(doc.remove("flag"));
  assert_false(doc.remove("flag"));

  mongo_odm::Bson out = doc.to_bson();
  assert_string_equal(keys_of(out.get()).c_str(), "_id,name,age,big,ratio,nothing,text,when,sub,arr,value");
  mongo_odm::Bson compact = doc.to_bson(true);
  assert_string_equal(keys_of(compact.get()).c_str(), "_id,name,age,big,ratio,text,when,sub,arr,value");

  doc.set_id(std::string("my-id"));
  assert_string_equal(doc.id()->c_str(), "my-id");
  doc.set_id(std::nullopt);
  assert_false(doc.id().has_value());

  // errors: the document is unchanged
  std::string msg = expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { doc.set("age", "thirty"); });
  assert_contains(msg.c_str(), "age");
  expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { doc.set("name", nullptr); });
  expect_error(MONGO_ODM_ERROR_ENCODING, [&] { doc.set("$bad", 1); });
  expect_error(MONGO_ODM_ERROR_ENCODING, [&] { doc.set("", 1); });
  expect_error(MONGO_ODM_ERROR_ENCODING, [&] { doc.set("s", "\xff"); });
  assert_int_equal(doc.get("age")->value.v_int32, 30);
  // a failure does not poison the next call
  doc.set("age", int32_t{31});
  assert_int_equal(doc.get("age")->value.v_int32, 31);

  // required field missing
  mongo_odm::Document empty(model);
  msg = expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { (void)empty.to_bson(); });
  assert_contains(msg.c_str(), "name");

  // move-only handle
  static_assert(!std::is_copy_constructible<mongo_odm::Document>::value, "Document owns its handle");
  mongo_odm::Document moved(std::move(empty));
  assert_non_null(moved.get());
}

void test_document_from_bson_and_copy(void **) {
  mongo_odm::Model model("people");
  model.add_field("name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED);
  BsonPtr src(json("{\"_id\": {\"$oid\": \"507f1f77bcf86cd799439011\"}, \"name\": \"Bob\", \"x\": 1}"));
  mongo_odm::Document doc = mongo_odm::Document::from_bson(model, src.get());
  assert_string_equal(doc.id()->c_str(), "507f1f77bcf86cd799439011");
  assert_int_equal(doc.get("_id")->value_type, BSON_TYPE_OID);

  mongo_odm::Document copy = mongo_odm::Document::copy_of(doc.get());
  copy.set("name", "Carol");
  assert_string_equal(mongo_odm_doc_get_utf8(doc.get(), "name"), "Bob");
  assert_string_equal(mongo_odm_doc_get_utf8(copy.get(), "name"), "Carol");

  BsonPtr missing(json("{\"_id\": \"x\"}"));
  expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { mongo_odm::Document::from_bson(model, missing.get()); });
  BsonPtr dollar(json("{\"_id\": \"x\", \"name\": \"n\"}"));
  bson_append_int32(dollar.get(), "$bad", -1, 1);
  expect_error(MONGO_ODM_ERROR_ENCODING, [&] { mongo_odm::Document::from_bson(model, dollar.get()); });
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [&] { mongo_odm::Document::from_bson(model, nullptr); });
}

void test_client_and_collection_without_server(void **) {
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [] { mongo_odm::Client bad("not a url"); });
  mongo_odm::Client client("mongodb://127.0.0.1:1/appdb?serverSelectionTimeoutMS=200");
  assert_true(client.default_database_name().has_value());
  assert_string_equal(client.default_database_name()->c_str(), "appdb");
  mongo_odm::Client no_db("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200", std::string("u"), std::string("p"));
  assert_false(no_db.default_database_name().has_value());

  mongo_odm::Collection coll(client, "appdb", "things");
  assert_string_equal(coll.name().c_str(), "things");
  assert_string_equal(coll.database_name().c_str(), "appdb");
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [&] { mongo_odm::Collection bad(client, "app db", "things"); });
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [&] { mongo_odm::Collection bad(client, "appdb", "system.x"); });

  // argument errors surface before any server call
  BsonPtr empty(json("{}"));
  BsonPtr replacement(json("{\"a\": 1}"));
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [&] { coll.update_one(empty.get(), replacement.get()); });
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [&] { coll.delete_many(nullptr); });
  mongo_odm::Bson none = coll.insert_many({});
  tu_assert_bson_int(none.get(), "insertedCount", 0);

  // a raw cursor refuses model documents
  mongo_odm::Cursor cursor = coll.find();
  std::string msg = expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [&] { cursor.next(); });
  assert_contains(msg.c_str(), "next_bson");

  // a model on this collection: MISSING_ID is found before the server is needed
  mongo_odm::Model model("things");
  model.set_collection(&coll);
  mongo_odm::Document doc(model);
  doc.set_id(std::nullopt);
  msg = expect_error(MONGO_ODM_ERROR_MISSING_ID, [&] { doc.save(); });
  assert_string_equal(msg.c_str(), "Document ID is required");
  assert_false(doc.remove_from_db());  // no id: false, no server call
  model.set_collection(nullptr);
}

void test_crud_errors_without_server(void **) {
  char *saved_url = tu_env_save("MONGO_URL");
  unsetenv("MONGO_URL");

  mongo_odm::Model anonymous(std::nullopt);
  mongo_odm::Document doc(anonymous);
  doc.set("a", int32_t{1});
  BsonPtr filter(json("{}"));
  BsonPtr update(json("{\"$set\": {\"a\": 2}}"));
  std::string msg = expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { doc.save(); });
  assert_contains(msg.c_str(), "collection");
  expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { doc.remove_from_db(); });
  expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { mongo_odm::get(anonymous, "x"); });
  expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { mongo_odm::find_one(anonymous); });
  expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { mongo_odm::find(anonymous); });
  expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { mongo_odm::count(anonymous); });
  expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { mongo_odm::update_one(anonymous, filter.get(), update.get()); });
  expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { mongo_odm::update_many(anonymous, filter.get(), update.get()); });
  expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { mongo_odm::delete_one(anonymous, filter.get()); });
  expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { mongo_odm::delete_many(anonymous, filter.get()); });
  expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { mongo_odm::insert_many(anonymous, {&doc}); });
  BsonPtr pipeline(json("[]"));
  expect_error(MONGO_ODM_ERROR_NOT_IMPLEMENTED, [&] { mongo_odm::aggregate(anonymous, pipeline.get()); });
  mongo_odm::insert_many(anonymous, {});  // nothing to insert: no error

  // a named model without any connection parameters
  mongo_odm::Model named("things");
  msg = expect_error(MONGO_ODM_ERROR_CONFIGURATION, [&] { mongo_odm::count(named); });
  assert_contains(msg.c_str(), "MongoDB connection parameters");
  expect_error(MONGO_ODM_ERROR_CONFIGURATION, [] { mongo_odm::connect(); });
  expect_error(MONGO_ODM_ERROR_CONFIGURATION, [] { mongo_odm::default_client(); });
  assert_false(mongo_odm::is_connected());
  assert_false(mongo_odm::default_database_name().has_value());
  mongo_odm::disconnect();

  tu_env_restore("MONGO_URL", saved_url);
}

}  // namespace

// CancelToken / ScopedCancel: a triggered token attached to the thread stops a call at its first
// wait (here: the server selection of a client whose server does not exist), and the error's
// reason says so; detached again, the call waits for its server selection as usual.
void test_cancel_token_raii(void **) {
  mongo_odm::Client client("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300");
  mongo_odm::CancelToken token;
  assert_false(token.cancelled());
  token.cancel();
  assert_true(token.cancelled());
  {
    mongo_odm::ScopedCancel attached(token);
    assert_ptr_equal(mongo_odm_cancel_attached(), token.get());
    try {
      client.ping();
      fail();
    } catch (const mongo_odm::Error &e) {
      assert_int_equal(e.code(), MONGO_ODM_ERROR_CANCELLED);
      assert_int_equal(e.reason(), MONGO_ODM_REASON_CANCELLED);
    }
  }
  assert_null(mongo_odm_cancel_attached());
  token.reset();
  assert_false(token.cancelled());
  token.set_timeout(-1);
  try {
    client.ping();
    fail();
  } catch (const mongo_odm::Error &e) {
    assert_int_equal(e.code(), MONGO_ODM_ERROR_CONNECTION);
    assert_int_equal(e.reason(), MONGO_ODM_REASON_SERVER_SELECTION);
  }
}

int main(void) {
  mongo_odm::Library library;  // init for the lifetime of main, cleanup at its end
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_error_type),
      cmocka_unit_test(test_ids),
      cmocka_unit_test(test_bson_ownership),
      cmocka_unit_test(test_model),
      cmocka_unit_test(test_document),
      cmocka_unit_test(test_document_from_bson_and_copy),
      cmocka_unit_test(test_client_and_collection_without_server),
      cmocka_unit_test(test_crud_errors_without_server),
      cmocka_unit_test(test_cancel_token_raii),
  };
  return cmocka_run_group_tests_name("cpp_wrapper", tests, nullptr, nullptr);
}
