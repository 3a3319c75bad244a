#include "log.hpp"

#include <mongoc/mongoc.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "redact.hpp"

namespace mongo_odm::core {
namespace log {

namespace {

std::atomic<int> g_level{off};

struct Sink {
  Handler handler = nullptr;
  void *user_data = nullptr;
};

std::mutex &sink_mutex() {
  static std::mutex m;
  return m;
}

Sink &sink() {
  static Sink s;
  return s;
}

void default_handler(int level, const char *domain, const char *message, void *) {
  std::fprintf(stderr, "mongo_odm[%s] %s: %s\n", level_name(level), domain, message);
}

void deliver(int level, const char *domain, const char *message) {
  if (!enabled(level)) return;
  const std::string clean = redact(message ? message : "");
  Sink current;
  {
    std::lock_guard<std::mutex> lock(sink_mutex());
    current = sink();
  }
  if (current.handler) {
    current.handler(static_cast<mongo_odm_log_level_t>(level), domain ? domain : "", clean.c_str(),
                    current.user_data);
  } else {
    default_handler(level, domain ? domain : "", clean.c_str(), nullptr);
  }
}

int from_mongoc_level(mongoc_log_level_t level) {
  switch (level) {
    case MONGOC_LOG_LEVEL_ERROR:
    case MONGOC_LOG_LEVEL_CRITICAL:
      return error;
    case MONGOC_LOG_LEVEL_WARNING:
      return warning;
    case MONGOC_LOG_LEVEL_MESSAGE:
    case MONGOC_LOG_LEVEL_INFO:
      return info;
    default:
      return debug;
  }
}

void mongoc_handler(mongoc_log_level_t level, const char *domain, const char *message, void *) {
  // libmongoc logs TRACE-level chatter only in trace builds; DEBUG and below map to debug.
  deliver(from_mongoc_level(level), domain, message);
}

int parse_level(const char *text) {
  if (!text || !*text) return off;
  if (!std::strcmp(text, "error")) return error;
  if (!std::strcmp(text, "warning") || !std::strcmp(text, "warn")) return warning;
  if (!std::strcmp(text, "info")) return info;
  if (!std::strcmp(text, "debug") || !std::strcmp(text, "trace")) return debug;
  return off;
}

}  // namespace

void set_level(int lvl) {
  if (lvl < off) lvl = off;
  if (lvl > debug) lvl = debug;
  g_level.store(lvl, std::memory_order_relaxed);
}

int level() { return g_level.load(std::memory_order_relaxed); }

void set_handler(Handler handler, void *user_data) {
  std::lock_guard<std::mutex> lock(sink_mutex());
  sink().handler = handler;
  sink().user_data = user_data;
}

const char *level_name(int lvl) {
  switch (lvl) {
    case error: return "error";
    case warning: return "warning";
    case info: return "info";
    case debug: return "debug";
    default: return "off";
  }
}

void install() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const char *env = std::getenv("MONGO_ODM_LOG")) set_level(parse_level(env));
  });
  // Re-installed at every init: mongoc_cleanup() does not reset it, but a program may have
  // replaced it in between.
  mongoc_log_set_handler(mongoc_handler, nullptr);
}

void lock_for_fork() { sink_mutex().lock(); }
void unlock_after_fork() { sink_mutex().unlock(); }

void write(int lvl, const std::string &message) { deliver(lvl, "mongo_odm", message.c_str()); }

}  // namespace log
}  // namespace mongo_odm::core
