// mongo_odm/cancel.h
#include "../core/interrupt.hpp"
#include "capi.hpp"

using mongo_odm::capi::guard;
using mongo_odm::core::require;
using Token = mongo_odm::core::interrupt::Token;

namespace {

Token *unwrap(mongo_odm_cancel_t *t) { return reinterpret_cast<Token *>(t); }
const Token *unwrap(const mongo_odm_cancel_t *t) { return reinterpret_cast<const Token *>(t); }
mongo_odm_cancel_t *wrap(Token *t) { return reinterpret_cast<mongo_odm_cancel_t *>(t); }

}  // namespace

extern "C" {

mongo_odm_cancel_t *mongo_odm_cancel_new(void) { return wrap(new (std::nothrow) Token()); }

void mongo_odm_cancel_destroy(mongo_odm_cancel_t *token) { delete unwrap(token); }

void mongo_odm_cancel_trigger(mongo_odm_cancel_t *token) {
  if (token) unwrap(token)->trigger();
}

bool mongo_odm_cancel_is_triggered(const mongo_odm_cancel_t *token) { return token && unwrap(token)->triggered(); }

void mongo_odm_cancel_reset(mongo_odm_cancel_t *token) {
  if (token) unwrap(token)->reset();
}

bool mongo_odm_cancel_set_timeout(mongo_odm_cancel_t *token, int64_t timeout_ms, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(token, "token");
    const int64_t now = mongo_odm::core::interrupt::now_us();
    int64_t deadline = mongo_odm::core::interrupt::kNever;
    if (timeout_ms >= 0) {
      deadline = timeout_ms > (mongo_odm::core::interrupt::kNever - now) / 1000 ? mongo_odm::core::interrupt::kNever
                                                                          : now + timeout_ms * 1000;
    }
    unwrap(token)->set_deadline(deadline);
    return true;
  });
}

bool mongo_odm_cancel_set_check(mongo_odm_cancel_t *token, mongo_odm_cancel_check_t check, void *user_data,
                                mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(token, "token");
    unwrap(token)->set_check(check, user_data);
    return true;
  });
}

bool mongo_odm_cancel_set_check_interval(mongo_odm_cancel_t *token, int32_t interval_ms, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(token, "token");
    if (interval_ms < 1 || interval_ms > 60000) {
      mongo_odm::core::fail(mongo_odm::core::Code::invalid_argument,
                            "check interval must be 1 to 60000 ms, not " + std::to_string(interval_ms));
    }
    unwrap(token)->set_check_interval_ms(interval_ms);
    return true;
  });
}

mongo_odm_cancel_t *mongo_odm_cancel_attach(mongo_odm_cancel_t *token) {
  return wrap(mongo_odm::core::interrupt::attach(unwrap(token)));
}

mongo_odm_cancel_t *mongo_odm_cancel_attached(void) { return wrap(mongo_odm::core::interrupt::attached()); }

}  // extern "C"
