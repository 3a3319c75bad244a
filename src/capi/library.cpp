// mongo_odm/library.h and mongo_odm/log.h
#include <cstdlib>

#include "../core/library.hpp"
#include "../core/log.hpp"
#include "capi.hpp"

extern "C" {

int mongo_odm_init(void) {
  return mongo_odm::capi::quiet(0, [] { return mongo_odm::core::library::init(); });
}

int mongo_odm_init_checked(mongo_odm_error_t *error) {
  return mongo_odm::capi::guard(error, 0, [] { return mongo_odm::core::library::init_or_throw(); });
}

int mongo_odm_cleanup(void) {
  return mongo_odm::capi::quiet(0, [] {
    const int remaining = mongo_odm::core::library::cleanup();
    if (mongo_odm::core::library::is_shut_down()) mongo_odm::capi::free_default_client_handles();
    return remaining;
  });
}

const char *mongo_odm_get_version(void) { return MONGO_ODM_VERSION_S; }

unsigned mongo_odm_version_number(void) { return MONGO_ODM_VERSION_NUMBER; }

bool mongo_odm_check_version(int major, int minor, int patch) {
  return static_cast<long>(MONGO_ODM_VERSION_NUMBER) >= static_cast<long>(major) * 10000L + minor * 100L + patch;
}

void mongo_odm_free(void *ptr) { std::free(ptr); }

void mongo_odm_log_set_level(mongo_odm_log_level_t level) {
  mongo_odm::core::log::set_level(mongo_odm::capi::enum_value(level));  // out-of-range values are clamped
}

mongo_odm_log_level_t mongo_odm_log_get_level(void) {
  return static_cast<mongo_odm_log_level_t>(mongo_odm::core::log::level());
}

void mongo_odm_log_set_handler(mongo_odm_log_func_t func, void *user_data) {
  mongo_odm::core::log::set_handler(func, user_data);
}

const char *mongo_odm_log_level_name(mongo_odm_log_level_t level) {
  return mongo_odm::core::log::level_name(mongo_odm::capi::enum_value(level));
}

}  // extern "C"
