#include "transport.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <new>
#include <vector>

#include "interrupt.hpp"
#include "log.hpp"

namespace mongo_odm::core {
namespace transport {

namespace {

// Not one of libmongoc's stream types (1-7): nothing in libmongoc casts this stream to its own
// socket stream.
constexpr int kStreamType = 0x6f64;

struct Stream {
  mongoc_stream_t vtable;  // first: libmongoc holds a mongoc_stream_t *
  int fd;      // -1: closed, or never connected (then `failed` says why)
  int error;   // errno of the last failed call: what timed_out() and should_retry() report
  int failed;  // the errno of a connection that failed before the scan began, else 0
};

Stream *of(mongoc_stream_t *stream) { return reinterpret_cast<Stream *>(stream); }

// -1: no limit; 0: do not wait; else the monotonic time (us) the wait ends at. libmongoc's
// timeouts are relative milliseconds with the same convention (negative = none).
int64_t expiration(int32_t timeout_msec) {
  if (timeout_msec < 0) return -1;
  if (timeout_msec == 0) return 0;
  return interrupt::now_us() + int64_t{timeout_msec} * 1000;
}

enum class Wait { ready, expired, stopped, failed };

// Waits until `fd` is ready for `events` (POLLERR/POLLHUP count as ready: the next read or
// write reports them), asking interrupt::should_stop() before each sleep and after each wake-up
// (a trigger of the call's token, a deadline, the token's next check, a signal).
Wait wait_fd(int fd, short events, int64_t expire_us, bool selecting) {
  const int64_t until = expire_us < 0 ? interrupt::kNever : expire_us;
  interrupt::Waiter waiter(selecting);
  for (;;) {
    if (interrupt::should_stop(selecting)) return Wait::stopped;
    const int ms = expire_us == 0 ? 0 : waiter.timeout_ms(until);
    if (ms == 0) return interrupt::should_stop(selecting) ? Wait::stopped : Wait::expired;
    pollfd p[2] = {{fd, events, 0}, {waiter.wake_fd(), POLLIN, 0}};
    const int r = ::poll(p, waiter.wake_fd() >= 0 ? 2 : 1, ms);
    if (r > 0) {
      if (p[1].revents) waiter.woken();
      if (p[0].revents) return Wait::ready;
    } else if (r < 0) {
      if (errno != EINTR) return Wait::failed;
      waiter.interrupted();
    }
  }
}

// The errno a wait that did not end ready leaves behind. A stopped call looks like a timeout
// to libmongoc: it drops the connection without marking the server unknown.
int wait_errno(Wait w, int64_t expire_us) {
  switch (w) {
    case Wait::stopped: return ETIMEDOUT;
    case Wait::expired: return expire_us == 0 ? EAGAIN : ETIMEDOUT;
    default: return errno ? errno : EIO;
  }
}

// Moves `cur` past the iovecs `n` bytes filled and trims the next one; true when all are full.
template <typename Iov>
bool advance(Iov *iov, size_t iovcnt, size_t *cur, size_t n) {
  while (*cur < iovcnt && n >= iov[*cur].iov_len) n -= iov[(*cur)++].iov_len;
  if (*cur == iovcnt) return true;
  iov[*cur].iov_base = static_cast<char *>(iov[*cur].iov_base) + n;
  iov[*cur].iov_len -= n;
  return false;
}

ssize_t stream_readv(mongoc_stream_t *stream, mongoc_iovec_t *iov, size_t iovcnt, size_t min_bytes,
                     int32_t timeout_msec) {
  Stream *s = of(stream);
  const int64_t expire = expiration(timeout_msec);
  ssize_t total = 0;
  size_t cur = 0;
  s->error = 0;
  if (s->fd < 0) {
    s->error = errno = s->failed ? s->failed : EBADF;
    return -1;
  }
  while (cur < iovcnt) {
    const ssize_t n = ::readv(s->fd, reinterpret_cast<struct iovec *>(&iov[cur]), static_cast<int>(iovcnt - cur));
    if (n > 0) {
      total += n;
      if (advance(iov, iovcnt, &cur, static_cast<size_t>(n)) || total >= static_cast<ssize_t>(min_bytes)) return total;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const Wait w = wait_fd(s->fd, POLLIN, expire, false);
      if (w == Wait::ready) continue;
      s->error = wait_errno(w, expire);
    } else {
      s->error = n == 0 ? 0 : errno;  // 0: the peer closed the connection
    }
    break;
  }
  if (total >= static_cast<ssize_t>(min_bytes)) return total;
  errno = s->error;
  return -1;
}

ssize_t stream_writev(mongoc_stream_t *stream, mongoc_iovec_t *in_iov, size_t iovcnt, int32_t timeout_msec) {
  Stream *s = of(stream);
  const int64_t expire = expiration(timeout_msec);
  s->error = 0;
  if (s->fd < 0) {
    s->error = errno = s->failed ? s->failed : EBADF;
    return -1;
  }
  std::vector<struct iovec> iov(iovcnt);
  for (size_t i = 0; i < iovcnt; ++i) iov[i] = {in_iov[i].iov_base, in_iov[i].iov_len};
  size_t cur = 0;
  ssize_t total = 0;
  while (cur < iovcnt) {
    msghdr msg{};
    msg.msg_iov = &iov[cur];
    msg.msg_iovlen = iovcnt - cur;
    // MSG_NOSIGNAL: a connection the server closed is an error of this call, not a SIGPIPE.
    const ssize_t n = ::sendmsg(s->fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      total += n;
      advance(iov.data(), iovcnt, &cur, static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      s->error = errno;
      return -1;
    }
    const Wait w = wait_fd(s->fd, POLLOUT, expire, false);
    if (w == Wait::ready) continue;
    s->error = wait_errno(w, expire);
    break;  // what was sent so far; libmongoc reports the shortfall
  }
  errno = s->error;
  return total;
}

// Used by libmongoc's topology scanner (the handshake of a new connection) and by the TLS
// handshake: part of finding a server, so serverSelectionTimeoutMS ends it too. A stopped call
// reports every stream failed. (Kept whole: translating libmongoc's poll set to poll(2) with the
// wake descriptor, the wait, and translating back are one loop over the same arrays.)
ssize_t stream_poll(mongoc_stream_poll_t *streams, size_t nstreams, int32_t timeout_msec) {
  std::vector<pollfd> fds(nstreams + 1);
  ssize_t dead = 0;
  for (size_t i = 0; i < nstreams; ++i) {
    const Stream *s = of(streams[i].stream);
    fds[i] = {s->fd, static_cast<short>(streams[i].events), 0};
    streams[i].revents = s->fd < 0 ? POLLHUP : 0;  // a connection that failed at once
    if (s->fd < 0) ++dead;
  }
  if (dead) return dead;
  const int64_t expire = expiration(timeout_msec);
  const int64_t until = expire < 0 ? interrupt::kNever : expire;
  interrupt::Waiter waiter(true);
  fds[nstreams] = {waiter.wake_fd(), POLLIN, 0};
  const nfds_t n = waiter.wake_fd() >= 0 ? nstreams + 1 : nstreams;
  while (!interrupt::should_stop(true)) {
    // 0 when the caller's own timeout or one of the call's deadlines has passed; a passed
    // deadline is caught by should_stop() above on the next turn.
    const int ms = expire == 0 ? 0 : waiter.timeout_ms(until);
    const int r = ::poll(fds.data(), n, ms);
    if (r > 0) {
      if (fds[nstreams].revents && n > nstreams) waiter.woken();
      int ready = 0;
      for (size_t i = 0; i < nstreams; ++i) {
        streams[i].revents = fds[i].revents;
        if (fds[i].revents) ++ready;
      }
      if (ready) return ready;
      continue;
    }
    if (r < 0) {
      if (errno != EINTR) return -1;
      waiter.interrupted();
      continue;
    }
    if (expire == 0 || interrupt::now_us() >= until) return 0;
  }
  for (size_t i = 0; i < nstreams; ++i) {
    streams[i].revents = POLLERR;
    of(streams[i].stream)->error = ETIMEDOUT;
  }
  return static_cast<ssize_t>(nstreams);
}

int stream_close(mongoc_stream_t *stream) {
  Stream *s = of(stream);
  if (s->fd >= 0) {
    ::close(s->fd);
    s->fd = -1;
  }
  return 0;
}

void stream_destroy(mongoc_stream_t *stream) {
  stream_close(stream);
  delete of(stream);
}

int stream_flush(mongoc_stream_t *) { return 0; }

int stream_setsockopt(mongoc_stream_t *stream, int level, int optname, void *optval, mongoc_socklen_t optlen) {
  Stream *s = of(stream);
  return s->fd >= 0 ? ::setsockopt(s->fd, level, optname, optval, optlen) : -1;
}

// libmongoc asks before reusing a connection that was idle: readable with nothing to read (or
// an error) means the peer closed it.
bool stream_check_closed(mongoc_stream_t *stream) {
  Stream *s = of(stream);
  if (s->fd < 0) return true;
  pollfd p{s->fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  char byte;
  const ssize_t r = ::recv(s->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (r < 0) s->error = errno;
  return r < 1 && !(r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

bool stream_timed_out(mongoc_stream_t *stream) { return of(stream)->error == ETIMEDOUT; }

bool stream_should_retry(mongoc_stream_t *stream) {
  const int e = of(stream)->error;
  return e == EAGAIN || e == EWOULDBLOCK || e == EINPROGRESS || e == EINTR;
}

// `fd` -1: a connection that failed with `error` (errno) before the scan began.
mongoc_stream_t *new_stream(int fd, int error) {
  Stream *s = new (std::nothrow) Stream();
  if (!s) return nullptr;
  s->vtable.type = kStreamType;
  s->vtable.destroy = stream_destroy;
  s->vtable.close = stream_close;
  s->vtable.flush = stream_flush;
  s->vtable.writev = stream_writev;
  s->vtable.readv = stream_readv;
  s->vtable.setsockopt = stream_setsockopt;
  s->vtable.get_base_stream = nullptr;  // a root stream: libmongoc walks down while it is set
  s->vtable.check_closed = stream_check_closed;
  s->vtable.poll = stream_poll;
  s->vtable.failed = stream_destroy;
  s->vtable.timed_out = stream_timed_out;
  s->vtable.should_retry = stream_should_retry;
  s->fd = fd;
  s->error = error;
  s->failed = fd < 0 ? error : 0;
  return &s->vtable;
}

// libmongoc's socket options for TCP: no Nagle delay, and keepalive probes after at most
// 120 s idle, every 10 s, 9 of them.
void tune_tcp(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
#ifdef TCP_KEEPIDLE
  int idle = 120, interval = 10, count = 9;
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
#endif
}

// Starts connecting a non-blocking socket to `addr`. Returns the fd (connected, or with the
// connection under way), or -1 with errno when the attempt failed at once.
int start_connect(int family, int protocol, const sockaddr *addr, socklen_t len) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return -1;
  if (family != AF_UNIX) tune_tcp(fd);
  int r;
  do {
    r = ::connect(fd, addr, len);
  } while (r < 0 && errno == EINTR);
  if (r == 0 || errno == EINPROGRESS) return fd;
  const int e = errno;
  ::close(fd);
  errno = e;
  return -1;
}

// -2 when the name does not resolve.
int start_tcp(const mongoc_host_list_t *host) {
  addrinfo hints{};
  hints.ai_family = host->family;
  hints.ai_socktype = SOCK_STREAM;
  char port[8];
  std::snprintf(port, sizeof port, "%hu", host->port);
  addrinfo *result = nullptr;
  if (::getaddrinfo(host->host, port, &hints, &result) != 0) return -2;
  // The first address whose connection does not fail at once (loopback refuses at once).
  int fd = -1;
  for (addrinfo *rp = result; rp && fd < 0; rp = rp->ai_next) {
    fd = start_connect(rp->ai_family, rp->ai_protocol, rp->ai_addr, rp->ai_addrlen);
  }
  ::freeaddrinfo(result);
  return fd;
}

int start_unix(const mongoc_host_list_t *host) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (std::strlen(host->host) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::strcpy(addr.sun_path, host->host);
  return start_connect(AF_UNIX, 0, reinterpret_cast<const sockaddr *>(&addr), sizeof addr);
}

// Connecting, and the TLS and MongoDB handshakes, are libmongoc's asynchronous scan: the
// initiator starts the connection and returns at once, and the scan polls the stream (with the
// waits of stream_poll()). libmongoc calls the initiator of a single-threaded client also from
// inside its scan callback, holding its topology lock, where an initiator that fails would
// deadlock it (its error callback takes that lock again): so a connection that fails at once is
// returned as a stream that reports the failure to the scan ("connection refused").
mongoc_stream_t *connect_stream(const Config *config_in, const mongoc_host_list_t *host, bson_error_t *error) {
  auto *config = const_cast<Config *>(config_in);  // mongoc_stream_tls_new_with_hostname takes it non-const
  errno = 0;
  const int fd = host->family == AF_UNIX ? start_unix(host) : start_tcp(host);
  if (fd == -2) {
    bson_set_error(error, MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_NAME_RESOLUTION, "Failed to resolve %s",
                   host->host);
    return nullptr;
  }
  if (fd < 0 && log::enabled(log::debug)) {
    log::write(log::debug, std::string("connection to ") + host->host_and_port + " failed: " + std::strerror(errno));
  }
  mongoc_stream_t *base = new_stream(fd, fd < 0 ? (errno ? errno : ECONNREFUSED) : 0);
  if (!base) {
    if (fd >= 0) ::close(fd);
    bson_set_error(error, MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_SOCKET, "out of memory");
    return nullptr;
  }
  if (!config->tls) return base;
  // The TLS handshake is done by the scan (mongoc_client_set_ssl_opts() installed it).
  mongoc_stream_t *tls = mongoc_stream_tls_new_with_hostname(base, host->host, &config->ssl, 1);
  if (!tls) {
    mongoc_stream_destroy(base);
    bson_set_error(error, MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_SOCKET, "Failed initialize TLS state.");
    return nullptr;
  }
  return tls;
}

}  // namespace

bool configure(const mongoc_uri_t *uri, Config *config) {
  const char *mechanism = mongoc_uri_get_auth_mechanism(uri);
  config->tls = mongoc_uri_get_tls(uri) || (mechanism && !std::strcmp(mechanism, "MONGODB-X509"));
  if (!config->tls) return true;
  if (mongoc_uri_get_option_as_bool(uri, MONGOC_URI_TLSDISABLECERTIFICATEREVOCATIONCHECK, false) ||
      mongoc_uri_get_option_as_bool(uri, MONGOC_URI_TLSDISABLEOCSPENDPOINTCHECK, false)) {
    return false;
  }
  // As libmongoc reads them from a URI (mongoc-ssl.c, _mongoc_ssl_opts_from_uri).
  const bool insecure = mongoc_uri_get_option_as_bool(uri, MONGOC_URI_TLSINSECURE, false);
  auto text = [&](const char *name, std::string &out) -> const char * {
    const char *value = mongoc_uri_get_option_as_utf8(uri, name, nullptr);
    if (!value) return nullptr;
    out = value;
    return out.c_str();
  };
  config->ssl = mongoc_ssl_opt_t{};
  config->ssl.pem_file = text(MONGOC_URI_TLSCERTIFICATEKEYFILE, config->pem_file);
  config->ssl.pem_pwd = text(MONGOC_URI_TLSCERTIFICATEKEYFILEPASSWORD, config->pem_pwd);
  config->ssl.ca_file = text(MONGOC_URI_TLSCAFILE, config->ca_file);
  config->ssl.weak_cert_validation =
      mongoc_uri_get_option_as_bool(uri, MONGOC_URI_TLSALLOWINVALIDCERTIFICATES, insecure);
  config->ssl.allow_invalid_hostname =
      mongoc_uri_get_option_as_bool(uri, MONGOC_URI_TLSALLOWINVALIDHOSTNAMES, insecure);
  return true;
}

mongoc_stream_t *initiate(const mongoc_uri_t *uri, const mongoc_host_list_t *host, void *user_data,
                          bson_error_t *error) {
  (void)uri;
  return connect_stream(static_cast<Config *>(user_data), host, error);
}

}  // namespace transport
}  // namespace mongo_odm::core
