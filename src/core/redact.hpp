// Keeps passwords out of every message the library produces (errors and logs).
//
// Each live client registers its password; redact() replaces every registered password, and
// the password part of any "scheme://user:password@" in the text, with "*****".
#pragma once

#include <string>

namespace mongo_odm {

// RAII registration of one secret. Registering the same secret twice is counted.
class SecretRegistration {
 public:
  SecretRegistration() = default;
  explicit SecretRegistration(std::string secret);
  ~SecretRegistration();
  SecretRegistration(const SecretRegistration &) = delete;
  SecretRegistration &operator=(const SecretRegistration &) = delete;

 private:
  std::string secret_;
};

// Returns `text` with secrets and URL passwords masked.
std::string redact(std::string text);

// Masks the password of "scheme://user:password@host" forms in `url` (for display).
std::string redact_url(std::string url);

}  // namespace mongo_odm
