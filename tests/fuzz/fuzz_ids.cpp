// libFuzzer target: the id helpers on arbitrary strings.
//   mongo_odm_generate_composite_id  - compared with md5 of the concatenation (computed here
//                                      with OpenSSL), and with the id of the joined string
//   mongo_odm_generate_id_from_pairs - compared with md5 of the canonical string built here
//                                      (sorted by key bytes, % & = escaped); must not depend on
//                                      the order of the pairs
//   mongo_odm_generate_composite_id_n - values with lengths (NUL bytes inside): compared with md5
//                                      of the joined bytes; equal to the C-string form when no
//                                      value holds a NUL
//   mongo_odm_id_is_object_id        - compared with "24 hex characters"
// Strings that are not UTF-8 must give ENCODING, NULL elements and repeated keys
// INVALID_ARGUMENT, and nothing else may fail.
#include <openssl/evp.h>

#include <algorithm>

#include "fuzz_common.hpp"

namespace {

std::string md5_hex(const std::string &data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  FUZZ_CHECK(EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr) == 1 && len == 16);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < 16; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

bool utf8(const std::string &s) { return fuzz::strict_utf8(s.data(), s.size(), false); }

std::string escaped(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '%') {
      out += "%25";
    } else if (c == '&') {
      out += "%26";
    } else if (c == '=') {
      out += "%3D";
    } else {
      out += c;
    }
  }
  return out;
}

// A C string from the input: it ends at the first NUL, as the library sees it.
std::string c_string(fuzz::Input &in) {
  std::string s = in.ConsumeRandomLengthString(80);
  return std::string(s.c_str());
}

void composite(fuzz::Input &in) {
  const size_t n = in.ConsumeIntegralInRange<size_t>(0, 8);
  std::vector<std::string> strings;
  for (size_t i = 0; i < n; ++i) strings.push_back(c_string(in));
  std::vector<const char *> values;
  bool all_utf8 = true;
  std::string joined;
  for (const std::string &s : strings) {
    values.push_back(s.c_str());
    all_utf8 = all_utf8 && utf8(s);
    joined += s;
  }
  const bool null_element = n > 0 && in.ConsumeIntegralInRange<int>(0, 15) == 0;
  if (null_element) values[in.ConsumeIntegralInRange<size_t>(0, n - 1)] = nullptr;

  char out[33];
  std::memset(out, 'X', sizeof out);
  mongo_odm_error_t err;
  const bool ok = mongo_odm_generate_composite_id(n ? values.data() : nullptr, n, out, &err);
  if (null_element) {
    FUZZ_CHECK(!ok);
    fuzz::check_error(err, {MONGO_ODM_ERROR_INVALID_ARGUMENT, MONGO_ODM_ERROR_ENCODING});
    return;
  }
  if (!all_utf8) {
    FUZZ_CHECK(!ok);
    fuzz::check_error(err, {MONGO_ODM_ERROR_ENCODING});
    return;
  }
  if (!ok) std::fprintf(stderr, "composite id failed: %s\n", err.message);
  FUZZ_CHECK(ok);
  fuzz::check_ok(err);
  FUZZ_CHECK(fuzz::is_hex(out, 32, true));
  FUZZ_CHECK(md5_hex(joined) == out);
  // No separator: the id of the pieces is the id of the joined string.
  const char *one[] = {joined.c_str()};
  char out_joined[33];
  FUZZ_CHECK(mongo_odm_generate_composite_id(one, 1, out_joined, &err));
  FUZZ_CHECK(std::strcmp(out, out_joined) == 0);
}

void pairs(fuzz::Input &in) {
  const size_t n = in.ConsumeIntegralInRange<size_t>(0, 8);
  std::vector<std::pair<std::string, std::string>> kv;
  for (size_t i = 0; i < n; ++i) {
    // Small alphabets now and then, so that repeated keys and the escaped characters turn up.
    std::string k = in.ConsumeBool() ? c_string(in) : std::string(1, "ab%&="[in.ConsumeIntegralInRange<int>(0, 4)]);
    kv.emplace_back(std::move(k), c_string(in));
  }
  std::vector<const char *> keys, values;
  for (const auto &p : kv) {
    keys.push_back(p.first.c_str());
    values.push_back(p.second.c_str());
  }
  const int null_kind = n > 0 ? in.ConsumeIntegralInRange<int>(0, 31) : 99;
  if (null_kind == 0) keys[in.ConsumeIntegralInRange<size_t>(0, n - 1)] = nullptr;
  if (null_kind == 1) values[in.ConsumeIntegralInRange<size_t>(0, n - 1)] = nullptr;

  char out[33];
  mongo_odm_error_t err;
  const bool ok = mongo_odm_generate_id_from_pairs(keys.data(), values.data(), n, out, &err);
  if (null_kind <= 1) {
    FUZZ_CHECK(!ok);
    fuzz::check_error(err, {MONGO_ODM_ERROR_INVALID_ARGUMENT});
    return;
  }
  bool all_utf8 = true;
  for (const auto &p : kv) all_utf8 = all_utf8 && utf8(p.first) && utf8(p.second);
  auto sorted = kv;
  std::sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) {
    return std::lexicographical_compare(a.first.begin(), a.first.end(), b.first.begin(), b.first.end(),
                                        [](char x, char y) { return static_cast<unsigned char>(x) < static_cast<unsigned char>(y); });
  });
  bool repeated = false;
  for (size_t i = 1; i < sorted.size(); ++i) repeated = repeated || sorted[i].first == sorted[i - 1].first;
  if (n == 0) {
    FUZZ_CHECK(!ok);
    fuzz::check_error(err, {MONGO_ODM_ERROR_INVALID_ARGUMENT});
    return;
  }
  if (!all_utf8 || repeated) {
    FUZZ_CHECK(!ok);
    // Both problems at once may report either.
    if (!all_utf8 && !repeated) fuzz::check_error(err, {MONGO_ODM_ERROR_ENCODING});
    if (all_utf8 && repeated) fuzz::check_error(err, {MONGO_ODM_ERROR_INVALID_ARGUMENT});
    if (!all_utf8 && repeated) fuzz::check_error(err, {MONGO_ODM_ERROR_ENCODING, MONGO_ODM_ERROR_INVALID_ARGUMENT});
    return;
  }
  if (!ok) std::fprintf(stderr, "pair id failed: %s\n", err.message);
  FUZZ_CHECK(ok);
  fuzz::check_ok(err);
  std::string canonical;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i) canonical += '&';
    canonical += escaped(sorted[i].first) + "=" + escaped(sorted[i].second);
  }
  FUZZ_CHECK(md5_hex(canonical) == out);
  // The order the pairs are given in does not matter.
  std::reverse(keys.begin(), keys.end());
  std::reverse(values.begin(), values.end());
  char reversed[33];
  FUZZ_CHECK(mongo_odm_generate_id_from_pairs(keys.data(), values.data(), n, reversed, &err));
  FUZZ_CHECK(std::strcmp(out, reversed) == 0);
}

void composite_with_lengths(fuzz::Input &in) {
  const size_t n = in.ConsumeIntegralInRange<size_t>(0, 8);
  std::vector<std::string> strings;
  for (size_t i = 0; i < n; ++i) strings.push_back(in.ConsumeRandomLengthString(80));  // NULs kept
  std::vector<const char *> values;
  std::vector<size_t> lengths;
  bool all_utf8 = true, any_nul = false;
  std::string joined;
  for (const std::string &s : strings) {
    values.push_back(s.data());
    lengths.push_back(s.size());
    all_utf8 = all_utf8 && fuzz::strict_utf8(s.data(), s.size(), true);
    any_nul = any_nul || s.find('\0') != std::string::npos;
    joined += s;
  }
  char out[33];
  mongo_odm_error_t err;
  const bool ok = mongo_odm_generate_composite_id_n(n ? values.data() : nullptr, lengths.data(), n, out, &err);
  if (!all_utf8) {
    FUZZ_CHECK(!ok);
    fuzz::check_error(err, {MONGO_ODM_ERROR_ENCODING});
    return;
  }
  FUZZ_CHECK(ok);
  fuzz::check_ok(err);
  FUZZ_CHECK(md5_hex(joined) == out);
  if (!any_nul) {
    char plain[33];
    FUZZ_CHECK(mongo_odm_generate_composite_id(n ? values.data() : nullptr, n, plain, &err));
    FUZZ_CHECK(std::strcmp(out, plain) == 0);
  }
}

void object_id(fuzz::Input &in) {
  const std::string s = c_string(in);
  FUZZ_CHECK(mongo_odm_id_is_object_id(s.c_str()) == fuzz::is_hex(s.c_str(), 24, false));
  char fresh[25];
  mongo_odm_generate_id(fresh);
  FUZZ_CHECK(fuzz::is_hex(fresh, 24, true) && mongo_odm_id_is_object_id(fresh));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)fuzz::models();  // mongo_odm_init()
  fuzz::Input in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: composite(in); break;
    case 1: pairs(in); break;
    case 3: composite_with_lengths(in); break;
    default: object_id(in); break;
  }
  return 0;
}
