// Keeps passwords out of every message the library produces (errors and logs).
//
// Each live client registers its password (and its client key's passphrase); redact() replaces
// every registered secret, and the password part of any "scheme://user:password@" in the text,
// with "*****".
#pragma once

#include <string>

namespace mongo_odm::core {

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

// Hold the registry mutex across fork() (library.cpp's pthread_atfork handlers).
void lock_secrets_for_fork();
void unlock_secrets_after_fork();

}  // namespace mongo_odm::core
