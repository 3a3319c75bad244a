#include "redact.hpp"

#include <map>
#include <mutex>

namespace mongo_odm::core {

namespace {

constexpr const char *kMask = "*****";

std::mutex &registry_mutex() {
  static std::mutex m;
  return m;
}

// secret -> registration count. Leaked on purpose: clients may be destroyed from static
// destructors after this translation unit's statics are gone.
std::map<std::string, int> &registry() {
  static auto *r = new std::map<std::string, int>();
  return *r;
}

void replace_all(std::string &text, const std::string &needle) {
  if (needle.empty()) return;
  size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    text.replace(pos, needle.size(), kMask);
    pos += 5;
  }
}

}  // namespace

SecretRegistration::SecretRegistration(std::string secret) : secret_(std::move(secret)) {
  if (secret_.empty()) return;
  std::lock_guard<std::mutex> lock(registry_mutex());
  ++registry()[secret_];
}

SecretRegistration::~SecretRegistration() {
  if (secret_.empty()) return;
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto it = registry().find(secret_);
  if (it != registry().end() && --it->second == 0) registry().erase(it);
}

void lock_secrets_for_fork() { registry_mutex().lock(); }
void unlock_secrets_after_fork() { registry_mutex().unlock(); }

std::string redact_url(std::string url) {
  size_t pos = 0;
  while ((pos = url.find("://", pos)) != std::string::npos) {
    const size_t start = pos + 3;
    // The authority ends at the first '/', '?' or whitespace; credentials end at its last '@'.
    size_t end = url.find_first_of("/? \t\n", start);
    if (end == std::string::npos) end = url.size();
    const size_t at = url.rfind('@', end);
    if (at != std::string::npos && at > start) {
      const size_t colon = url.find(':', start);
      if (colon != std::string::npos && colon < at) {
        url.replace(colon + 1, at - colon - 1, kMask);
        end = colon + 1 + 5;
      }
    }
    pos = end;
  }
  return url;
}

std::string redact(std::string text) {
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    for (const auto &entry : registry()) replace_all(text, entry.first);
  }
  if (text.find("://") != std::string::npos) text = redact_url(std::move(text));
  return text;
}

}  // namespace mongo_odm::core
