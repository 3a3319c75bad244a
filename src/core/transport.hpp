// The connections of the library's clients: a libmongoc stream over a socket of the library's
// own, so that every wait on the network can be interrupted (interrupt.hpp).
//
// libmongoc's own socket stream waits in poll() for as long as the operation's timeout allows,
// and nothing but that timeout ends the wait. This stream's waits (interrupt::Waiter) also
// wake when the call's cancel token is triggered, at the call's deadlines and the token's next
// check, and on a signal, and ask interrupt::should_stop(): a cancelled call, a passed
// timeoutMS, or (while connecting and in the handshake) a passed serverSelectionTimeoutMS ends
// the wait at once. A stream stopped that way reports a timeout to libmongoc, which then drops
// the connection (it is never reused with a reply still on its way) without marking the server
// unknown. TLS is libmongoc's, layered on this stream with mongoc_stream_tls_new_with_hostname().
// Connecting, and the TLS and MongoDB handshakes, happen in libmongoc's asynchronous scan: the
// initiator only starts the connection (see connect_stream() in the .cpp for why it must not
// fail there), and the scan waits through this stream's poll().
//
// Installed on every libmongoc client of the pool with mongoc_client_set_stream_initiator(),
// which libmongoc allows on single-threaded clients in every version the project supports (2.x
// refuses it on pooled clients, which is why the library pools single-threaded clients itself).
#pragma once

#include <mongoc/mongoc.h>

#include <string>

namespace mongo_odm::core {
namespace transport {

// What the initiator needs to know of a client's URI; owned by the client.
struct Config {
  bool tls = false;
  std::string pem_file, pem_pwd, ca_file;
  bool weak_cert_validation = false;
  bool allow_invalid_hostname = false;
  mongoc_ssl_opt_t ssl{};  // points into the strings above
};

// Fills `config` from `uri`. Returns false when the URI asks for TLS options this stream cannot
// pass to libmongoc's TLS layer (tlsDisableOCSPEndpointCheck, tlsDisableCertificateRevocationCheck):
// such a client keeps libmongoc's own streams, whose waits are not interruptible.
bool configure(const mongoc_uri_t *uri, Config *config);

// The mongoc_stream_initiator_t of the library's clients; `user_data` is the client's Config.
mongoc_stream_t *initiate(const mongoc_uri_t *uri, const mongoc_host_list_t *host, void *user_data,
                          bson_error_t *error);

}  // namespace transport
}  // namespace mongo_odm::core
