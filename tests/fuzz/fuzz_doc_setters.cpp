// libFuzzer target: a sequence of document operations derived from the input: every typed
// setter, set_value with an arbitrary bson_value_t (embedded documents and arrays from raw
// bytes, strings with invalid UTF-8 or NUL, NULL pointers inside the value, unknown type
// tags), set_id, remove, copy, to_bson and the getters, on keys that are empty, start with
// '$', are not UTF-8, hold a NUL in the middle (a C string ends there), are "id"/"_id", a
// declared field, or very long.
//
// Checked after every operation: a failed call returns a documented code with a message and
// leaves the document unchanged; a successful set is visible through get with its type; the
// document stays readable and to_bson gives valid BSON that loads again.

#include <deque>

#include "fuzz_common.hpp"

namespace {

// Keys worth trying; the input can also spell its own.
const char *const kKeys[] = {
    "", "$", "$set", "a$", "a.b", "id", "_id", "ID", "_id\xff", "name", "tenant", "n", "age", "big", "score",
    "ok", "when", "ref", "sub", "tags", "blob", "price", "note", "a", "b", "\xff", "k\xc3", "\xed\xa0\x80",
    "\xc0\x80", "\xf4\x90\x80\x80", "\xe2\x82\xac", "fuzz",
};

std::string make_key(fuzz::Input &in) {
  const int kind = in.ConsumeIntegralInRange<int>(0, 15);
  if (kind < 10) return kKeys[in.ConsumeIntegralInRange<size_t>(0, sizeof kKeys / sizeof kKeys[0] - 1)];
  // Any bytes; an embedded NUL ends the C string the library sees.
  if (kind < 15) return in.ConsumeRandomLengthString(64);
  // Very long keys (BSON keys are C strings of any length), past 64 KiB now and then.
  const size_t n = in.ConsumeBool() ? in.ConsumeIntegralInRange<size_t>(1, 70000) : in.ConsumeIntegralInRange<size_t>(1, 1000);
  return std::string(n, static_cast<char>(in.ConsumeIntegralInRange<int>('a', 'z')));
}

// Owns the bytes a bson_value_t points to until the call is done.
struct Arena {
  std::deque<std::string> strings;  // a deque: growing it never moves the strings
  std::vector<bson_t *> docs;
  const char *keep(std::string s) {
    strings.push_back(std::move(s));
    return strings.back().c_str();
  }
  ~Arena() {
    for (bson_t *d : docs) bson_destroy(d);
  }
};

// Document bytes: raw input (length prefix fixed or not), or a small valid document.
std::string doc_bytes(fuzz::Input &in, bool array) {
  const int kind = in.ConsumeIntegralInRange<int>(0, 3);
  if (kind == 0) return in.ConsumeRandomLengthString(256);  // anything, probably corrupt
  if (kind == 1) {
    std::string raw = in.ConsumeRandomLengthString(256);
    if (raw.size() < 5) raw.resize(5, '\0');
    const uint32_t le = BSON_UINT32_TO_LE(static_cast<uint32_t>(raw.size()));
    std::memcpy(&raw[0], &le, 4);
    raw.back() = '\0';
    return raw;  // framed, contents arbitrary
  }
  bson_t *b = bson_new();
  const int n = in.ConsumeIntegralInRange<int>(0, 4);
  for (int i = 0; i < n; ++i) {
    const std::string key = array ? std::to_string(i) : make_key(in).substr(0, 16);
    const std::string s = in.ConsumeRandomLengthString(16);
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: bson_append_int32(b, key.c_str(), -1, in.ConsumeIntegral<int32_t>()); break;
      case 1: bson_append_utf8(b, key.c_str(), -1, s.data(), static_cast<int>(s.size())); break;  // maybe not UTF-8
      case 2: {
        bson_t child;
        bson_append_document_begin(b, key.c_str(), -1, &child);
        bson_append_utf8(&child, "$k", -1, s.data(), static_cast<int>(s.size()));
        bson_append_document_end(b, &child);
        break;
      }
      default: bson_append_null(b, key.c_str(), -1); break;
    }
  }
  std::string out = fuzz::bytes_of(b);
  bson_destroy(b);
  return out;
}

// An arbitrary bson_value_t: a known type with arbitrary contents, or any type tag.
bson_value_t make_value(fuzz::Input &in, Arena &arena) {
  static const bson_type_t kTypes[] = {
      BSON_TYPE_EOD,       BSON_TYPE_DOUBLE,    BSON_TYPE_UTF8,      BSON_TYPE_DOCUMENT, BSON_TYPE_ARRAY,
      BSON_TYPE_BINARY,    BSON_TYPE_UNDEFINED, BSON_TYPE_OID,       BSON_TYPE_BOOL,     BSON_TYPE_DATE_TIME,
      BSON_TYPE_NULL,      BSON_TYPE_REGEX,     BSON_TYPE_DBPOINTER, BSON_TYPE_CODE,     BSON_TYPE_SYMBOL,
      BSON_TYPE_CODEWSCOPE, BSON_TYPE_INT32,    BSON_TYPE_TIMESTAMP, BSON_TYPE_INT64,    BSON_TYPE_DECIMAL128,
      BSON_TYPE_MAXKEY,    BSON_TYPE_MINKEY,
  };
  bson_value_t v;
  std::memset(&v, 0, sizeof v);
  if (in.ConsumeIntegralInRange<int>(0, 15) == 0) {
    const uint8_t tag = in.ConsumeIntegral<uint8_t>();
    std::memcpy(&v.value_type, &tag, 1);  // any tag, also ones bson_type_t does not name
    return v;
  }
  v.value_type = kTypes[in.ConsumeIntegralInRange<size_t>(0, sizeof kTypes / sizeof kTypes[0] - 1)];
  // A string and its length: maybe NULL, maybe shorter than the buffer (never longer).
  auto text = [&](uint32_t *len) -> const char * {
    if (in.ConsumeIntegralInRange<int>(0, 15) == 0) {
      *len = in.ConsumeBool() ? 0 : 3;
      return nullptr;
    }
    const char *s = arena.keep(in.ConsumeRandomLengthString(64));
    const size_t full = arena.strings.back().size();
    *len = static_cast<uint32_t>(in.ConsumeBool() ? full : in.ConsumeIntegralInRange<size_t>(0, full));
    return s;
  };
  switch (v.value_type) {
    case BSON_TYPE_DOUBLE: v.value.v_double = in.ConsumeFloatingPoint(); break;
    case BSON_TYPE_UTF8: v.value.v_utf8.str = const_cast<char *>(text(&v.value.v_utf8.len)); break;
    case BSON_TYPE_CODE: v.value.v_code.code = const_cast<char *>(text(&v.value.v_code.code_len)); break;
    case BSON_TYPE_SYMBOL: v.value.v_symbol.symbol = const_cast<char *>(text(&v.value.v_symbol.len)); break;
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY: {
      if (in.ConsumeIntegralInRange<int>(0, 15) == 0) {
        v.value.v_doc.data = nullptr;
        v.value.v_doc.data_len = in.ConsumeBool() ? 0 : 5;
        break;
      }
      const char *d = arena.keep(doc_bytes(in, v.value_type == BSON_TYPE_ARRAY));
      v.value.v_doc.data = reinterpret_cast<uint8_t *>(const_cast<char *>(d));
      v.value.v_doc.data_len = static_cast<uint32_t>(arena.strings.back().size());
      break;
    }
    case BSON_TYPE_BINARY: {
      v.value.v_binary.subtype = static_cast<bson_subtype_t>(in.ConsumeIntegral<uint8_t>());
      uint32_t len;
      const char *d = text(&len);
      v.value.v_binary.data = reinterpret_cast<uint8_t *>(const_cast<char *>(d));
      v.value.v_binary.data_len = len;
      break;
    }
    case BSON_TYPE_OID: {
      const std::string raw = in.ConsumeBytesAsString(12);
      std::memcpy(v.value.v_oid.bytes, raw.data(), raw.size());
      break;
    }
    case BSON_TYPE_BOOL: v.value.v_bool = in.ConsumeBool(); break;
    case BSON_TYPE_DATE_TIME: v.value.v_datetime = in.ConsumeIntegral<int64_t>(); break;
    case BSON_TYPE_REGEX:
      v.value.v_regex.regex = in.ConsumeIntegralInRange<int>(0, 15) ? const_cast<char *>(arena.keep(in.ConsumeRandomLengthString(32))) : nullptr;
      v.value.v_regex.options = in.ConsumeIntegralInRange<int>(0, 15) ? const_cast<char *>(arena.keep(in.ConsumeRandomLengthString(8))) : nullptr;
      break;
    case BSON_TYPE_DBPOINTER: {
      v.value.v_dbpointer.collection = const_cast<char *>(text(&v.value.v_dbpointer.collection_len));
      const std::string raw = in.ConsumeBytesAsString(12);
      std::memcpy(v.value.v_dbpointer.oid.bytes, raw.data(), raw.size());
      break;
    }
    case BSON_TYPE_CODEWSCOPE: {
      v.value.v_codewscope.code = const_cast<char *>(text(&v.value.v_codewscope.code_len));
      if (in.ConsumeIntegralInRange<int>(0, 15) == 0) {
        v.value.v_codewscope.scope_data = nullptr;
        v.value.v_codewscope.scope_len = in.ConsumeBool() ? 0 : 5;
      } else {
        const char *d = arena.keep(doc_bytes(in, false));
        v.value.v_codewscope.scope_data = reinterpret_cast<uint8_t *>(const_cast<char *>(d));
        v.value.v_codewscope.scope_len = static_cast<uint32_t>(arena.strings.back().size());
      }
      break;
    }
    case BSON_TYPE_INT32: v.value.v_int32 = in.ConsumeIntegral<int32_t>(); break;
    case BSON_TYPE_TIMESTAMP:
      v.value.v_timestamp.timestamp = in.ConsumeIntegral<uint32_t>();
      v.value.v_timestamp.increment = in.ConsumeIntegral<uint32_t>();
      break;
    case BSON_TYPE_INT64: v.value.v_int64 = in.ConsumeIntegral<int64_t>(); break;
    case BSON_TYPE_DECIMAL128:
      v.value.v_decimal128.high = in.ConsumeIntegral<uint64_t>();
      v.value.v_decimal128.low = in.ConsumeIntegral<uint64_t>();
      break;
    default: break;  // EOD, undefined, null, minkey, maxkey: no payload
  }
  return v;
}

// A bson_t for set_document/set_array: raw bytes behind a valid frame, or a built document.
bson_t *make_doc(fuzz::Input &in, Arena &arena, bool array) {
  if (in.ConsumeIntegralInRange<int>(0, 15) == 0) return nullptr;
  const char *d = arena.keep(doc_bytes(in, array));
  const std::string &raw = arena.strings.back();
  bson_t *b = bson_new_from_data(reinterpret_cast<const uint8_t *>(d), raw.size());
  if (b) arena.docs.push_back(b);
  return b;  // NULL when the frame is wrong: the NULL-argument path
}

bool is_id_key(const char *k) { return std::strcmp(k, "id") == 0 || std::strcmp(k, "_id") == 0; }

void run(fuzz::Input &in) {
  const fuzz::Models &m = fuzz::models();
  const mongo_odm_model_t *models[] = {m.plain, m.typed, m.loose_key};
  const mongo_odm_model_t *model = models[in.ConsumeIntegralInRange<int>(0, 2)];
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  FUZZ_CHECK(doc);

  for (int step = 0; step < 32 && in.remaining_bytes() > 0; ++step) {
    Arena arena;
    const std::string key_storage = make_key(in);
    const char *key = key_storage.c_str();
    const fuzz::Snapshot before = fuzz::snapshot(doc);
    mongo_odm_error_t err;
    bool ok = true;
    bool is_set = true;
    int expected_type = -1;  // the type get() must report after a successful set, -1: unchecked
    const int op = in.ConsumeIntegralInRange<int>(0, 15);
    switch (op) {
      case 0: {
        const char *value = in.ConsumeIntegralInRange<int>(0, 15) ? arena.keep(in.ConsumeRandomLengthString(64)) : nullptr;
        ok = mongo_odm_doc_set_utf8(doc, key, value, &err);
        expected_type = BSON_TYPE_UTF8;
        break;
      }
      case 1:
        ok = mongo_odm_doc_set_int32(doc, key, in.ConsumeIntegral<int32_t>(), &err);
        expected_type = BSON_TYPE_INT32;
        break;
      case 2:
        ok = mongo_odm_doc_set_int64(doc, key, in.ConsumeIntegral<int64_t>(), &err);
        expected_type = BSON_TYPE_INT64;
        break;
      case 3:
        ok = mongo_odm_doc_set_double(doc, key, in.ConsumeFloatingPoint(), &err);
        expected_type = BSON_TYPE_DOUBLE;
        break;
      case 4:
        ok = mongo_odm_doc_set_bool(doc, key, in.ConsumeBool(), &err);
        expected_type = BSON_TYPE_BOOL;
        break;
      case 5:
        ok = mongo_odm_doc_set_null(doc, key, &err);
        expected_type = BSON_TYPE_NULL;
        break;
      case 6:
        ok = mongo_odm_doc_set_datetime(doc, key, in.ConsumeIntegral<int64_t>(), &err);
        expected_type = BSON_TYPE_DATE_TIME;
        break;
      case 7:
        ok = mongo_odm_doc_set_document(doc, key, make_doc(in, arena, false), &err);
        expected_type = BSON_TYPE_DOCUMENT;
        break;
      case 8:
        ok = mongo_odm_doc_set_array(doc, key, make_doc(in, arena, true), &err);
        expected_type = BSON_TYPE_ARRAY;
        break;
      case 9:
      case 10: {
        const bson_value_t v = make_value(in, arena);
        ok = mongo_odm_doc_set_value(doc, key, in.ConsumeIntegralInRange<int>(0, 31) ? &v : nullptr, &err);
        expected_type = v.value_type;
        break;
      }
      case 11: {
        // A value borrowed from the document itself (it points into the document's buffer).
        bson_iter_t iter;
        FUZZ_CHECK(bson_iter_init(&iter, mongo_odm_doc_fields(doc)));
        const bson_value_t *v = nullptr;
        if (bson_iter_next(&iter)) v = mongo_odm_doc_get(doc, bson_iter_key(&iter));
        if (!v) v = mongo_odm_doc_get(doc, "_id");
        if (!v) {
          is_set = false;
          break;
        }
        expected_type = v->value_type;
        ok = mongo_odm_doc_set_value(doc, key, v, &err);
        break;
      }
      case 12: {
        const char *id = in.ConsumeIntegralInRange<int>(0, 7) ? arena.keep(in.ConsumeRandomLengthString(40)) : nullptr;
        ok = mongo_odm_doc_set_id(doc, id, &err);
        is_set = false;
        if (!ok) {
          fuzz::check_error(err, {MONGO_ODM_ERROR_ENCODING});
          FUZZ_CHECK(fuzz::snapshot(doc) == before);
        }
        if (ok && id && mongo_odm_model_composite_key_size(model) == 0) {
          FUZZ_CHECK(std::strcmp(mongo_odm_doc_id(doc), id) == 0);
        }
        if (ok && !id && mongo_odm_model_composite_key_size(model) == 0) FUZZ_CHECK(!mongo_odm_doc_has(doc, "id"));
        break;
      }
      case 13: {
        const bool present = mongo_odm_doc_has(doc, key);
        const bool removed = mongo_odm_doc_remove(doc, key);
        if (!is_id_key(key)) {
          FUZZ_CHECK(removed == present);
          FUZZ_CHECK(!mongo_odm_doc_has(doc, key));
        }
        is_set = false;
        break;
      }
      case 14: {
        mongo_odm_doc_t *copy = mongo_odm_doc_copy(doc);
        FUZZ_CHECK(copy);
        FUZZ_CHECK(fuzz::snapshot(copy) == before);
        FUZZ_CHECK(fuzz::to_bson_bytes(copy, false) == fuzz::to_bson_bytes(doc, false));
        mongo_odm_doc_set_int32(copy, "only_in_copy", 1, &err);
        FUZZ_CHECK(fuzz::snapshot(doc) == before);
        mongo_odm_doc_destroy(copy);
        is_set = false;
        break;
      }
      default: {
        // to_bson must give BSON that loads again into the same document.
        is_set = false;
        const std::string out = fuzz::to_bson_bytes(doc, in.ConsumeBool());
        if (!out.empty()) {
          bson_t view;
          FUZZ_CHECK(bson_init_static(&view, reinterpret_cast<const uint8_t *>(out.data()), out.size()));
          mongo_odm_doc_t *again = mongo_odm_doc_from_bson(model, &view, &err);
          if (!again) std::fprintf(stderr, "to_bson output does not load again: %s\n", err.message);
          FUZZ_CHECK(again);
          mongo_odm_doc_destroy(again);
        }
        break;
      }
    }
    if (is_set) {
      if (ok) {
        fuzz::check_ok(err);
        if (!is_id_key(key)) {
          FUZZ_CHECK(mongo_odm_doc_has(doc, key));
          const bson_value_t *got = mongo_odm_doc_get(doc, key);
          FUZZ_CHECK(got);
          if (expected_type >= 0) FUZZ_CHECK(got->value_type == expected_type);
        }
      } else {
        fuzz::check_error(err, {MONGO_ODM_ERROR_INVALID_ARGUMENT, MONGO_ODM_ERROR_ENCODING, MONGO_ODM_ERROR_VALIDATION});
        FUZZ_CHECK(fuzz::snapshot(doc) == before);  // a failed set changes nothing
      }
    }
    fuzz::read_everything(doc);
  }
  (void)fuzz::to_bson_bytes(doc, false);
  mongo_odm_doc_destroy(doc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz::Input in(data, size);
  run(in);
  return 0;
}
