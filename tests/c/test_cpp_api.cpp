// The C++ wrapper as a new user meets it (issue 17 item 5), against the test server: string
// arguments of every kind, unambiguous integer setters with range checks, typed getters
// returning std::optional, explicit not-found, move-only documents with copy(), and cursors
// in range-for. Built twice, as C++17 (test_cpp_api) and C++20 (test_cpp_api_cxx20), with
// -Wall -Wextra -Wconversion -Werror.
#include <mongo_odm.hpp>

#include <climits>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "test_util.h"

namespace {

template <typename F>
std::string expect_error(uint32_t code, F &&body) {
  try {
    body();
  } catch (const mongo_odm::Error &e) {
    if (e.code() != code) {
      print_error("expected %s, got %s: %s\n", mongo_odm_error_code_name(code), e.code_name(), e.what());
      fail();
    }
    return e.what();
  }
  print_error("expected mongo_odm::Error %s, nothing thrown\n", mongo_odm_error_code_name(code));
  fail();
  return {};
}

// Compile-time: what the header promises.
template <typename T>
using set_result = decltype(std::declval<mongo_odm::Document &>().set("k", std::declval<T>()));
template <typename T, typename = void>
struct can_set : std::false_type {};
template <typename T>
struct can_set<T, std::void_t<set_result<T>>> : std::true_type {};

static_assert(can_set<int>::value && can_set<long>::value && can_set<long long>::value, "signed integers");
static_assert(can_set<unsigned>::value && can_set<unsigned long>::value && can_set<unsigned long long>::value,
              "unsigned integers");
static_assert(can_set<std::size_t>::value && can_set<short>::value && can_set<unsigned char>::value, "others");
static_assert(can_set<int32_t>::value && can_set<int64_t>::value && can_set<uint64_t>::value, "fixed width");
static_assert(can_set<std::string_view>::value && can_set<const char *>::value && can_set<std::string>::value,
              "strings");
static_assert(can_set<double>::value && can_set<float>::value && can_set<bool>::value, "others");
static_assert(!std::is_copy_constructible_v<mongo_odm::Document>, "Document is move-only");
static_assert(std::is_nothrow_move_constructible_v<mongo_odm::Document>, "Document moves");
static_assert(std::is_copy_constructible_v<mongo_odm::DocumentView>, "views are cheap to copy");
static_assert(std::is_same_v<decltype(mongo_odm::get(std::declval<const mongo_odm::Model &>(), "x")),
                             std::optional<mongo_odm::Document>>,
              "get makes not-found explicit");
static_assert(std::is_same_v<decltype(std::declval<mongo_odm::Document &>().get_int32("k")), std::optional<int32_t>>,
              "typed getters return optional");

std::string unique_name(const char *prefix) {
  char *name = tu_unique_name(prefix);  // malloc'ed
  std::string out(name);
  free(name);
  return out;
}

struct Fixture {
  mongo_odm::Model model{std::optional<std::string>(unique_name("cpp_api"))};
  Fixture() {
    model.add_field(std::string_view("name"), MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED)
        .add_field("age", MONGO_ODM_TYPE_INT32)
        .add_field(std::string("big"), MONGO_ODM_TYPE_INT64)
        .add_field("when", MONGO_ODM_TYPE_DATETIME)
        .add_field("ref", MONGO_ODM_TYPE_OID)
        .add_field("blob", MONGO_ODM_TYPE_BINARY)
        .add_field("sub", MONGO_ODM_TYPE_DOCUMENT)
        .add_field("price", MONGO_ODM_TYPE_DECIMAL128);
  }
  ~Fixture() { tu_drop(model.get()); }
};

int setup(void **state) {
  if (!mongo_odm_is_connected()) tu_connect();
  *state = new Fixture();
  return 0;
}

int teardown(void **state) {
  delete static_cast<Fixture *>(*state);
  return 0;
}

void test_string_arguments_of_every_kind(void **state) {
  auto &f = *static_cast<Fixture *>(*state);
  mongo_odm::Document d(f.model);
  const std::string key = "name";
  const std::string_view view_key = std::string_view("nickXYZ").substr(0, 4);  // not NUL-terminated
  d.set(key, std::string_view("Alice"));
  d.set(view_key, "Al");
  d.set(std::string_view("city"), std::string("Oslo"));
  d.set_id(std::string_view("sv-id"));
  assert_string_equal(d.get_string("name").value().c_str(), "Alice");
  assert_string_equal(d.get_string(std::string_view("nick")).value().c_str(), "Al");
  assert_true(d.has(std::string("city")));
  assert_false(d.has("nickXYZ"));
  assert_string_equal(d.id().value().c_str(), "sv-id");
  d.save();
  auto got = mongo_odm::get(f.model, std::string_view("sv-id"));
  assert_true(got.has_value());
  assert_string_equal(got->get_string("city").value().c_str(), "Oslo");
}

void test_integer_setters_are_unambiguous_and_checked(void **state) {
  auto &f = *static_cast<Fixture *>(*state);
  mongo_odm::Document d(f.model);
  d.set("age", 5);      // int -> int32
  d.set("big", 5LL);    // long long -> int64
  assert_int_equal(mongo_odm_doc_get(d.get(), "big")->value_type, BSON_TYPE_INT64);
  d.set("big", 6L);     // long -> int64
  d.set("age", 7u);     // unsigned that fits -> int32 (an int32 field accepts it)
  assert_int_equal(d.get_int32("age").value(), 7);
  d.set("age", std::size_t{8});
  assert_int_equal(d.get_int32("age").value(), 8);
  d.set("age", static_cast<unsigned long>(9));
  d.set("age", static_cast<short>(10));
  d.set("age", static_cast<unsigned char>(11));
  assert_int_equal(d.get_int32("age").value(), 11);
  // unsigned past int32: int64 (fine for the int64 field, a VALIDATION error for the int32 one)
  d.set("big", 3000000000u);
  assert_int_equal(d.get_int64("big").value(), 3000000000LL);
  assert_int_equal(mongo_odm_doc_get(d.get(), "big")->value_type, BSON_TYPE_INT64);
  expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { d.set("age", 3000000000u); });
  assert_int_equal(d.get_int32("age").value(), 11);  // unchanged
  // past int64: INVALID_ARGUMENT, document unchanged
  const std::string msg = expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [&] { d.set("big", ULLONG_MAX); });
  assert_non_null(std::strstr(msg.c_str(), "'big'"));
  assert_int_equal(d.get_int64("big").value(), 3000000000LL);
  d.set("big", static_cast<unsigned long long>(LLONG_MAX));
  assert_true(d.get_int64("big").value() == LLONG_MAX);
  d.set("ratio", 0.5f);
  assert_true(d.get_double("ratio").value() == 0.5);
  d.set("flag", true);
  assert_true(d.get_bool("flag").value());
}

void test_typed_getters_return_optional(void **state) {
  auto &f = *static_cast<Fixture *>(*state);
  mongo_odm::Document d(f.model);
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "5f1d7f0c2b3a4c5d6e7f8091");
  bson_decimal128_t dec;
  assert_true(bson_decimal128_from_string("9.99", &dec));
  mongo_odm::Bson sub;
  BSON_APPEND_UTF8(sub.get(), "k", "v");
  d.set("name", "n").set_datetime("when", 1234).set("ref", oid).set("price", dec);
  d.set_binary("blob", std::vector<uint8_t>{1, 2, 3}).set_document("sub", sub.get()).set("nothing", nullptr);
  assert_true(d.get_datetime("when") == std::optional<int64_t>(1234));
  const bson_oid_t got_oid = d.get_oid("ref").value();
  assert_true(bson_oid_equal(&got_oid, &oid));
  assert_true(d.get_binary("blob").value() == (std::vector<uint8_t>{1, 2, 3}));
  assert_true(d.get_document("sub").has_value());
  assert_true(bson_equal(d.get_document("sub")->get(), sub.get()));
  assert_true(d.get_decimal128("price").has_value());
  assert_true(d.is_null("nothing"));
  // absent or of another type: nullopt
  assert_false(d.get_int32("name").has_value());
  assert_false(d.get_string("missing").has_value());
  assert_false(d.get_array("sub").has_value());
  assert_false(d.get_oid("when").has_value());
  // the copy of a getter outlives the document
  std::optional<mongo_odm::Bson> kept = d.get_document("sub");
  { mongo_odm::Document gone = std::move(d); }
  assert_true(bson_equal(kept->get(), sub.get()));
}

void test_not_found_is_nullopt_and_failure_throws(void **state) {
  auto &f = *static_cast<Fixture *>(*state);
  mongo_odm::Document someone(f.model);
  someone.set("name", "someone").save();  // the collection exists: the server parses the filter
  assert_false(mongo_odm::get(f.model, "nope").has_value());
  mongo_odm::Bson filter;
  BSON_APPEND_UTF8(filter.get(), "name", "nobody");
  assert_false(mongo_odm::find_one(f.model, filter.get()).has_value());
  mongo_odm::Bson bad;
  bson_t child;
  BSON_APPEND_DOCUMENT_BEGIN(bad.get(), "name", &child);
  BSON_APPEND_INT32(&child, "$nosuchop", 1);
  bson_append_document_end(bad.get(), &child);
  expect_error(MONGO_ODM_ERROR_SERVER, [&] { (void)mongo_odm::find_one(f.model, bad.get()); });
}

void test_document_value_semantics(void **state) {
  auto &f = *static_cast<Fixture *>(*state);
  mongo_odm::Document a(f.model);
  a.set("name", "A");
  mongo_odm::Document b = a.copy();  // deep
  b.set("name", "B");
  assert_string_equal(a.get_string("name")->c_str(), "A");
  assert_string_equal(b.get_string("name")->c_str(), "B");
  mongo_odm::Document c = std::move(a);
  assert_string_equal(c.get_string("name")->c_str(), "A");
}

void test_cursor_range_for(void **state) {
  auto &f = *static_cast<Fixture *>(*state);
  for (int i = 0; i < 5; ++i) {
    mongo_odm::Document d(f.model);
    // Built with append, not "p" + std::to_string(i): GCC 12 at -O2 -std=c++20 reports a
    // false -Wrestrict on that operator+ (GCC bug 105651), which -Werror turns into an error.
    std::string name("p");
    name.append(std::to_string(i));
    d.set("name", name).set("age", i);
    d.save();
  }
  mongo_odm::Bson opts;
  bson_t sort;
  BSON_APPEND_DOCUMENT_BEGIN(opts.get(), "sort", &sort);
  BSON_APPEND_INT32(&sort, "age", 1);
  bson_append_document_end(opts.get(), &sort);
  int expected = 0;
  std::vector<mongo_odm::Document> kept;
  for (mongo_odm::DocumentView d : mongo_odm::find(f.model, nullptr, opts.get())) {
    assert_int_equal(d.get_int32("age").value(), expected);
    if (expected == 2) kept.push_back(d.copy());
    ++expected;
  }
  assert_int_equal(expected, 5);
  assert_int_equal(kept.at(0).get_int32("age").value(), 2);
  // next_document()
  mongo_odm::Cursor cursor = mongo_odm::find(f.model, nullptr, opts.get());
  std::optional<mongo_odm::DocumentView> first = cursor.next_document();
  assert_true(first.has_value());
  assert_string_equal(first->get_string("name")->c_str(), "p0");
  int rest = 0;
  for (const auto &d : cursor) rest += d.has("name") ? 1 : 0;  // continues where it is
  assert_int_equal(rest, 4);
  assert_false(cursor.next_document().has_value());
  // an error stops the loop by throwing
  mongo_odm::Collection coll = mongo_odm::Collection::adopt(tu_collection(f.model.get()));
  mongo_odm::Bson bad;
  BSON_APPEND_UTF8(bad.get(), "_id", "zz-bad");
  BSON_APPEND_UTF8(bad.get(), "name", "bad");
  BSON_APPEND_UTF8(bad.get(), "age", "not a number");
  (void)coll.insert_one(bad.get());
  int seen = 0;
  expect_error(MONGO_ODM_ERROR_VALIDATION, [&] {
    for (mongo_odm::DocumentView d : mongo_odm::find(f.model, nullptr, opts.get())) seen += d.has("age") ? 1 : 0;
  });
  assert_true(seen <= 5);
  // or passes over it
  mongo_odm::Cursor skipping = mongo_odm::find(f.model, nullptr, opts.get());
  skipping.set_skip_invalid();
  int fitting = 0;
  for (mongo_odm::DocumentView d : skipping) fitting += d.has("age") ? 1 : 0;
  assert_int_equal(fitting, 5);
  assert_int_equal(skipping.skipped_count(), 1);
}


// insert_many and ensure_indexes(Collection &, ...) take a BsonList, not a
// std::vector<const bson_t *> (which -Wignored-attributes reports under -Wall): braced lists
// of pointers and Bson, C arrays, push_back.
void test_bson_lists(void **state) {
  auto &f = *static_cast<Fixture *>(*state);
  mongo_odm::Collection coll = mongo_odm::Collection::adopt(tu_collection(f.model.get()));
  mongo_odm::Bson a, b, c;
  BSON_APPEND_UTF8(a.get(), "name", "la");
  BSON_APPEND_UTF8(b.get(), "name", "lb");
  BSON_APPEND_UTF8(c.get(), "name", "lc");
  mongo_odm::Bson reply = coll.insert_many({a.get(), b});
  assert_int_equal(mongo_odm::count(f.model), 2);
  const bson_t *array[] = {c.get()};
  reply = coll.insert_many(array);
  assert_int_equal(mongo_odm::count(f.model), 3);
  mongo_odm::BsonList list;
  assert_true(list.empty() && list.data() == nullptr);
  for (int i = 0; i < 9; ++i) list.push_back(a.get());
  mongo_odm::BsonList copied = list;
  assert_int_equal(copied.size(), 9);
  assert_true(copied[8] == a.get() && copied.data() != list.data());
  mongo_odm::BsonList moved = std::move(copied);
  assert_int_equal(moved.size(), 9);
  mongo_odm::Bson spec, keys;
  BSON_APPEND_INT32(keys.get(), "name", 1);
  BSON_APPEND_DOCUMENT(spec.get(), "key", keys.get());
  BSON_APPEND_UTF8(spec.get(), "name", "by_name");
  reply = mongo_odm::ensure_indexes(coll, {spec});
  reply = coll.insert_many({});
  assert_int_equal(mongo_odm::count(f.model), 3);
}

// set_composite_key, generate_composite_id and generate_id_from_pairs take braced lists of any
// strings and vectors of std::string, std::string_view and const char *, with one result.
void test_string_lists(void **) {
  const std::string acme = "acme";
  const std::string_view amount = std::string_view("100.0xyz").substr(0, 5);  // not NUL-terminated
  const std::string expected = mongo_odm::generate_composite_id(std::vector<std::string>{"acme", "100.0"});
  assert_string_equal(mongo_odm::generate_composite_id({"acme", "100.0"}).c_str(), expected.c_str());
  assert_string_equal(mongo_odm::generate_composite_id({acme, amount}).c_str(), expected.c_str());
  assert_string_equal(mongo_odm::generate_composite_id(std::vector<std::string_view>{acme, amount}).c_str(),
                      expected.c_str());
  assert_string_equal(mongo_odm::generate_composite_id(std::vector<const char *>{"acme", "100.0"}).c_str(),
                      expected.c_str());
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT,
               [] { mongo_odm::generate_composite_id(std::vector<const char *>{"a", nullptr}); });

  const std::string pairs = mongo_odm::generate_id_from_pairs(
      std::vector<std::pair<std::string, std::string>>{{"b", "2"}, {"a", "1"}});
  assert_string_equal(mongo_odm::generate_id_from_pairs({{"b", "2"}, {"a", "1"}}).c_str(), pairs.c_str());
  const std::string_view b = std::string_view("bx").substr(0, 1);
  assert_string_equal(
      mongo_odm::generate_id_from_pairs(std::vector<std::pair<std::string_view, std::string_view>>{{b, "2"}, {"a", "1"}})
          .c_str(),
      pairs.c_str());
  assert_string_equal(
      mongo_odm::generate_id_from_pairs(std::vector<std::pair<const char *, const char *>>{{"b", "2"}, {"a", "1"}})
          .c_str(),
      pairs.c_str());

  mongo_odm::Model orders("orders_keys");
  orders.add_field("tenant", MONGO_ODM_TYPE_UTF8).add_field("number", MONGO_ODM_TYPE_UTF8);
  const std::string_view number = std::string_view("numberXYZ").substr(0, 6);
  orders.set_composite_key({"tenant", number});
  orders.set_composite_key(std::vector<std::string_view>{"tenant", number});
  orders.set_composite_key(std::vector<const char *>{"tenant", "number"});
  orders.set_composite_key(std::vector<std::string>{"tenant", "number"});
  assert_int_equal(mongo_odm_model_composite_key_size(orders.get()), 2);
  assert_string_equal(mongo_odm_model_composite_key_field(orders.get(), 1), "number");
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT,
               [&] { orders.set_composite_key(std::vector<const char *>{"tenant", nullptr}); });
}

// A declared INT32 / INT64 / DOUBLE field gets its declared type whatever the C++ integer type;
// extra and ANY fields keep the C++ type (issue 17).
void test_integer_setters_follow_declared_type(void **state) {
  auto &f = *static_cast<Fixture *>(*state);
  mongo_odm::Model m(std::optional<std::string>(unique_name("cpp_api_int")));
  m.add_field("name", MONGO_ODM_TYPE_UTF8)
      .add_field("age", MONGO_ODM_TYPE_INT32)
      .add_field("big", MONGO_ODM_TYPE_INT64)
      .add_field("score", MONGO_ODM_TYPE_DOUBLE)
      .add_field("any", MONGO_ODM_TYPE_ANY);
  (void)f;
  mongo_odm::Document d(m);
  auto type_of = [&](const char *key) { return mongo_odm_doc_get(d.get(), key)->value_type; };
  d.set("age", 5L);  // long on an INT32 field: int32, not a VALIDATION error
  assert_int_equal(type_of("age"), BSON_TYPE_INT32);
  assert_int_equal(d.get_int32("age").value(), 5);
  d.set("age", 6LL).set("age", std::size_t{7}).set("age", int64_t{-2147483648LL});
  assert_int_equal(d.get_int32("age").value(), INT32_MIN);
  std::string msg = expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { d.set("age", 2147483648LL); });
  assert_non_null(std::strstr(msg.c_str(), "'age'"));
  assert_non_null(std::strstr(msg.c_str(), "2147483648"));
  assert_int_equal(d.get_int32("age").value(), INT32_MIN);  // unchanged
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [&] { d.set("age", ULLONG_MAX); });
  d.set("big", 5);  // int on an INT64 field: int64
  assert_int_equal(type_of("big"), BSON_TYPE_INT64);
  assert_int_equal(d.get_int64("big").value(), 5);
  d.set("score", 3);  // an integer on a DOUBLE field: a double when exact
  assert_int_equal(type_of("score"), BSON_TYPE_DOUBLE);
  assert_true(d.get_double("score").value() == 3.0);
  d.set("score", 9007199254740992LL);  // 2^53
  assert_true(d.get_double("score").value() == 9007199254740992.0);
  msg = expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { d.set("score", 9007199254740993LL); });
  assert_non_null(std::strstr(msg.c_str(), "'score'"));
  expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { d.set("name", 1); });  // not an integer field
  // ANY and extra fields: the C++ type, as before
  d.set("any", 5L).set("extra", 5L).set("small", 5).set("u", 5u).set("ubig", 3000000000u);
  assert_int_equal(type_of("any"), BSON_TYPE_INT64);
  assert_int_equal(type_of("extra"), BSON_TYPE_INT64);
  assert_int_equal(type_of("small"), BSON_TYPE_INT32);
  assert_int_equal(type_of("u"), BSON_TYPE_INT32);
  assert_int_equal(type_of("ubig"), BSON_TYPE_INT64);
  // and it round-trips through the server
  d.set("name", "ints").set_id("ints");
  d.save();
  auto back = mongo_odm::get(m, "ints");
  assert_true(back.has_value());
  assert_int_equal(back->get_int32("age").value(), INT32_MIN);
  assert_int_equal(back->get_int64("big").value(), 5);
  tu_drop(m.get());
}

// Checked updates from C++: the model's switch, the verdict without sending, and the update
// calls refusing (issue 17).
void test_checked_updates(void **state) {
  auto &f = *static_cast<Fixture *>(*state);
  assert_true(f.model.check_updates());  // the default
  mongo_odm::Bson bad, good;
  bson_t child;
  BSON_APPEND_DOCUMENT_BEGIN(bad.get(), "$set", &child);
  BSON_APPEND_UTF8(&child, "age", "thirty");
  bson_append_document_end(bad.get(), &child);
  BSON_APPEND_DOCUMENT_BEGIN(good.get(), "$inc", &child);
  BSON_APPEND_INT32(&child, "age", 1);
  bson_append_document_end(good.get(), &child);
  f.model.check_update(good.get());
  std::string msg = expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { f.model.check_update(bad.get()); });
  assert_non_null(std::strstr(msg.c_str(), "$set"));
  assert_non_null(std::strstr(msg.c_str(), "'age'"));
  mongo_odm::Document d(f.model);
  d.set("name", "checked").set("age", 1).set_id("checked");
  d.save();
  mongo_odm::Bson filter;
  BSON_APPEND_UTF8(filter.get(), "_id", "checked");
  expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { (void)mongo_odm::update_one(f.model, filter.get(), bad.get()); });
  assert_true(&f.model.set_check_updates(false) == &f.model);
  assert_false(f.model.check_updates());
  expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { f.model.check_update(bad.get()); });  // still answers
  (void)mongo_odm::update_one(f.model, filter.get(), bad.get());                      // sent unchecked
  f.model.set_check_updates(true);
  expect_error(MONGO_ODM_ERROR_VALIDATION, [&] { (void)mongo_odm::get(f.model, "checked"); });
}

// Cursor::next_or_raw(): model documents and the ones that no longer fit, in one pass.
void test_cursor_next_or_raw(void **state) {
  auto &f = *static_cast<Fixture *>(*state);
  mongo_odm::Collection coll = mongo_odm::Collection::adopt(tu_collection(f.model.get()));
  mongo_odm::Bson fits, unfit;
  BSON_APPEND_UTF8(fits.get(), "_id", "a");
  BSON_APPEND_UTF8(fits.get(), "name", "fits");
  BSON_APPEND_INT32(fits.get(), "age", 1);
  BSON_APPEND_UTF8(unfit.get(), "_id", "b");
  BSON_APPEND_UTF8(unfit.get(), "name", "unfit");
  BSON_APPEND_UTF8(unfit.get(), "age", "two");
  (void)coll.insert_many({fits, unfit});
  mongo_odm::Bson opts;
  bson_t sort;
  BSON_APPEND_DOCUMENT_BEGIN(opts.get(), "sort", &sort);
  BSON_APPEND_INT32(&sort, "_id", 1);
  bson_append_document_end(opts.get(), &sort);
  mongo_odm::Cursor cursor = mongo_odm::find(f.model, nullptr, opts.get());
  int models = 0, raws = 0;
  while (auto next = cursor.next_or_raw()) {
    if (auto *doc = std::get_if<mongo_odm::DocumentView>(&*next)) {
      assert_string_equal(doc->get_string("name")->c_str(), "fits");
      ++models;
    } else {
      const auto &bad = std::get<mongo_odm::InvalidDocument>(*next);
      assert_int_equal(bad.error.code(), MONGO_ODM_ERROR_VALIDATION);
      assert_non_null(std::strstr(bad.error.what(), "'age'"));
      bson_iter_t it;
      assert_true(bson_iter_init_find(&it, bad.raw, "age") && BSON_ITER_HOLDS_UTF8(&it));
      ++raws;
    }
  }
  assert_int_equal(models, 1);
  assert_int_equal(raws, 1);
  assert_false(cursor.next_or_raw().has_value());
  // a raw cursor (no model) throws INVALID_ARGUMENT
  mongo_odm::Cursor raw_cursor = coll.find();
  expect_error(MONGO_ODM_ERROR_INVALID_ARGUMENT, [&] { (void)raw_cursor.next_or_raw(); });
}

}  // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_string_arguments_of_every_kind, setup, teardown),
      cmocka_unit_test_setup_teardown(test_integer_setters_are_unambiguous_and_checked, setup, teardown),
      cmocka_unit_test_setup_teardown(test_integer_setters_follow_declared_type, setup, teardown),
      cmocka_unit_test_setup_teardown(test_typed_getters_return_optional, setup, teardown),
      cmocka_unit_test_setup_teardown(test_not_found_is_nullopt_and_failure_throws, setup, teardown),
      cmocka_unit_test_setup_teardown(test_document_value_semantics, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cursor_range_for, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bson_lists, setup, teardown),
      cmocka_unit_test(test_string_lists),
      cmocka_unit_test_setup_teardown(test_checked_updates, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cursor_next_or_raw, setup, teardown),
  };
  return cmocka_run_group_tests_name(MONGO_ODM_TEST_GROUP, tests, tu_setup_connected, tu_teardown_connected);
}
