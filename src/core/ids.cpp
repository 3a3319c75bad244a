#include "ids.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "bson_util.hpp"
#include "error.hpp"

namespace mongo_odm::core {
namespace ids {

void new_object_id(char out[25]) {
  bson_oid_t oid;
  bson_oid_init(&oid, nullptr);  // libbson's default context: thread-safe, fork-aware
  bson_oid_to_string(&oid, out);
}

std::string new_object_id() {
  char buf[25];
  new_object_id(buf);
  return std::string(buf, 24);
}

std::string md5_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr) != 1 || len != 16) {
    fail(Code::internal, "OpenSSL could not compute an MD5 digest (is MD5 disabled by the OpenSSL configuration?)");
  }
  static const char hex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (unsigned i = 0; i < 16; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 0xF];
  }
  return out;
}

std::string composite_id(const std::vector<std::string_view> &values) {
  std::string joined;
  size_t total = 0;
  for (const auto &v : values) total += v.size();
  joined.reserve(total);
  for (size_t i = 0; i < values.size(); ++i) {
    if (!valid_utf8(values[i].data(), values[i].size(), true)) {
      fail(Code::encoding, "composite id value " + std::to_string(i) + " is not valid UTF-8");
    }
    joined.append(values[i]);
  }
  return md5_hex(joined);
}

namespace {

void append_escaped(std::string &out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '%': out += "%25"; break;
      case '&': out += "%26"; break;
      case '=': out += "%3D"; break;
      default: out += c;
    }
  }
}

}  // namespace

std::string pair_id(std::vector<std::pair<std::string_view, std::string_view>> pairs) {
  if (pairs.empty()) fail(Code::invalid_argument, "pair id needs at least one key/value pair");
  for (const auto &p : pairs) {
    if (!valid_utf8(p.first.data(), p.first.size(), true) || !valid_utf8(p.second.data(), p.second.size(), true)) {
      fail(Code::encoding, "pair id key or value is not valid UTF-8");
    }
  }
  // Byte order of UTF-8 equals code point order, which is how Python sorts str keys.
  std::sort(pairs.begin(), pairs.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
  for (size_t i = 1; i < pairs.size(); ++i) {
    if (pairs[i].first == pairs[i - 1].first) {
      fail(Code::invalid_argument, "pair id key '" + std::string(pairs[i].first) + "' is given twice");
    }
  }
  std::string canonical;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i) canonical += '&';
    append_escaped(canonical, pairs[i].first);
    canonical += '=';
    append_escaped(canonical, pairs[i].second);
  }
  return md5_hex(canonical);
}

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Shortest round-trip digits, as Python's repr() chooses them, in scientific form.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string out;
  size_t pos = 0;
  if (sci[0] == '-') {
    out += '-';
    pos = 1;
  }
  const size_t e = sci.find('e');
  std::string digits;
  for (size_t i = pos; i < e; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  const int exponent = std::atoi(sci.c_str() + e + 1);
  // Strip trailing zeros of the mantissa (to_chars does not emit them, but be safe).
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int decpt = exponent + 1;  // value = 0.DIGITS * 10^decpt
  const int ndigits = static_cast<int>(digits.size());
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (ndigits > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp_buf;
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= ndigits) {
    out += digits;
    out.append(static_cast<size_t>(decpt - ndigits), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<size_t>(decpt));
    out += '.';
    out.append(digits, static_cast<size_t>(decpt), std::string::npos);
  }
  return out;
}

namespace {

void append_datetime(int64_t ms, std::string &out) {
  // Python's str() of a naive datetime: "YYYY-MM-DD HH:MM:SS[.ffffff]".
  int64_t secs = ms / 1000;
  int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  const time_t t = static_cast<time_t>(secs);
  struct tm tm_utc;
  if (!gmtime_r(&t, &tm_utc)) {
    out += std::to_string(ms);
    return;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", tm_utc.tm_year + 1900, tm_utc.tm_mon + 1,
                tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec);
  out += buf;
  if (millis) {
    std::snprintf(buf, sizeof buf, ".%06d", static_cast<int>(millis * 1000));
    out += buf;
  }
}

}  // namespace

bool append_python_str(const bson_value_t &value, std::string &out) {
  switch (value.value_type) {
    case BSON_TYPE_UTF8:
      out.append(value.value.v_utf8.str, value.value.v_utf8.len);
      return true;
    case BSON_TYPE_INT32:
      out += std::to_string(value.value.v_int32);
      return true;
    case BSON_TYPE_INT64:
      out += std::to_string(value.value.v_int64);
      return true;
    case BSON_TYPE_DOUBLE:
      out += python_float_repr(value.value.v_double);
      return true;
    case BSON_TYPE_BOOL:
      out += value.value.v_bool ? "True" : "False";
      return true;
    case BSON_TYPE_NULL:
      out += "None";
      return true;
    case BSON_TYPE_OID: {
      char hex[25];
      bson_oid_to_string(&value.value.v_oid, hex);
      out.append(hex, 24);
      return true;
    }
    case BSON_TYPE_DATE_TIME:
      append_datetime(value.value.v_datetime, out);
      return true;
    case BSON_TYPE_DECIMAL128: {
      char buf[BSON_DECIMAL128_STRING];
      bson_decimal128_to_string(&value.value.v_decimal128, buf);
      out += buf;
      return true;
    }
    default:
      return false;
  }
}

}  // namespace ids
}  // namespace mongo_odm::core
