// mongo_odm/error.h, and the error plumbing every other C API file uses.
#include "capi.hpp"

static_assert(sizeof(mongo_odm_error_t) == 512, "mongo_odm_error_t must stay exactly 512 bytes");
static_assert(static_cast<uint32_t>(mongo_odm::core::Code::internal) == MONGO_ODM_ERROR_INTERNAL, "codes drifted");
static_assert(static_cast<uint32_t>(mongo_odm::core::Code::duplicate_key) == MONGO_ODM_ERROR_DUPLICATE_KEY, "codes drifted");
static_assert(static_cast<uint32_t>(mongo_odm::core::Code::timeout) == MONGO_ODM_ERROR_TIMEOUT, "codes drifted");
static_assert(static_cast<uint32_t>(mongo_odm::core::Code::cancelled) == MONGO_ODM_ERROR_CANCELLED, "codes drifted");
static_assert(static_cast<uint32_t>(mongo_odm::core::Code::revision_conflict) == MONGO_ODM_ERROR_REVISION_CONFLICT,
              "codes drifted");
static_assert(static_cast<uint32_t>(mongo_odm::core::Cause::cancelled) == MONGO_ODM_REASON_CANCELLED, "reasons drifted");
static_assert(static_cast<uint32_t>(mongo_odm::core::Cause::server_selection) == MONGO_ODM_REASON_SERVER_SELECTION,
              "reasons drifted");
static_assert(static_cast<uint32_t>(mongo_odm::core::Cause::deadline) == MONGO_ODM_REASON_DEADLINE, "reasons drifted");
static_assert(static_cast<uint32_t>(mongo_odm::core::Code::invalid_argument) == MONGO_ODM_ERROR_INVALID_ARGUMENT,
              "codes drifted");

namespace mongo_odm {
namespace capi {

namespace {

// Copies at most sizeof(message)-1 bytes without cutting a UTF-8 sequence in two.
void copy_message(char *dst, size_t cap, const char *src) {
  size_t len = std::strlen(src);
  if (len >= cap) {
    len = cap - 1;
    while (len > 0 && (static_cast<unsigned char>(src[len]) & 0xC0) == 0x80) --len;
  }
  std::memcpy(dst, src, len);
  dst[len] = '\0';
}

}  // namespace

void set_ok(mongo_odm_error_t *error) noexcept {
  if (!error) return;
  error->code = MONGO_ODM_OK;
  error->server_code = 0;
  error->message[0] = '\0';
}

void set_error(mongo_odm_error_t *error, Code code, const char *message, int32_t server_code) noexcept {
  if (!error) return;
  error->code = static_cast<uint32_t>(code);
  error->server_code = server_code;
  copy_message(error->message, sizeof error->message, message ? message : "");
}

void set_error(mongo_odm_error_t *error, const Error &e) noexcept {
  set_error(error, e.code(), e.message().c_str(), e.server_code());
}

std::shared_ptr<Client> client_of(const mongo_odm_client_t *handle) {
  require(handle, "client");
  std::shared_ptr<Client> client = std::atomic_load(&handle->impl);
  if (!client) fail(Code::connection, "this default client was closed (mongo_odm_disconnect or a new mongo_odm_connect)");
  return client;
}

}  // namespace capi
}  // namespace mongo_odm

extern "C" {

const char *mongo_odm_error_code_name(uint32_t code) { return mongo_odm::core::code_name(code); }

mongo_odm_error_reason_t mongo_odm_error_reason(const mongo_odm_error_t *error) {
  if (!error) return MONGO_ODM_REASON_NONE;
  return static_cast<mongo_odm_error_reason_t>(mongo_odm::core::cause_of(error->code, error->server_code));
}

const char *mongo_odm_error_reason_name(mongo_odm_error_reason_t reason) {
  switch (mongo_odm::capi::enum_value(reason)) {
    case MONGO_ODM_REASON_NONE: return "MONGO_ODM_REASON_NONE";
    case MONGO_ODM_REASON_OTHER: return "MONGO_ODM_REASON_OTHER";
    case MONGO_ODM_REASON_SERVER_SELECTION: return "MONGO_ODM_REASON_SERVER_SELECTION";
    case MONGO_ODM_REASON_NETWORK: return "MONGO_ODM_REASON_NETWORK";
    case MONGO_ODM_REASON_NETWORK_TIMEOUT: return "MONGO_ODM_REASON_NETWORK_TIMEOUT";
    case MONGO_ODM_REASON_EXECUTION_TIMEOUT: return "MONGO_ODM_REASON_EXECUTION_TIMEOUT";
    case MONGO_ODM_REASON_DEADLINE: return "MONGO_ODM_REASON_DEADLINE";
    case MONGO_ODM_REASON_WAIT_QUEUE_TIMEOUT: return "MONGO_ODM_REASON_WAIT_QUEUE_TIMEOUT";
    case MONGO_ODM_REASON_CANCELLED: return "MONGO_ODM_REASON_CANCELLED";
    default: return "MONGO_ODM_REASON_UNKNOWN";
  }
}

}  // extern "C"
