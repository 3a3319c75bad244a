/*
 * mongo_odm/log.h - one log handler for the library and for libmongoc underneath it.
 *
 * The library installs itself as libmongoc's log handler, so everything either of them says
 * goes through the function set here. It is quiet by default: nothing is written until a
 * level is chosen, either with mongo_odm_log_set_level() or with the environment variable
 * MONGO_ODM_LOG=error|warning|info|debug, read once at the first mongo_odm_init() (explicit or
 * implicit). Messages never contain a password: the passwords of live clients (and the
 * passphrases of their client keys, tlsCertificateKeyFilePassword) are replaced by "*****"
 * before a message reaches the handler.
 *
 * One exception, outside the library's reach: libmongoc 1.x initialises itself when it is
 * loaded, before this library runs, and may warn on stderr then ("Falling back to malloc for
 * counters." when a /dev/shm/mongoc-<pid> left by a killed process with the same pid exists).
 * Programs linked to libmongoc 1.x that must keep stderr clean set MONGOC_DISABLE_SHM=1 in
 * their environment (the Python package does). With libmongoc 2.x the handler is installed
 * before mongoc_init() and catches that warning too.
 */
#ifndef MONGO_ODM_LOG_H
#define MONGO_ODM_LOG_H

#include "macros.h"

MONGO_ODM_BEGIN_DECLS

typedef enum {
  MONGO_ODM_LOG_OFF = -1, /* as a level: write nothing (the default) */
  MONGO_ODM_LOG_ERROR = 0,
  MONGO_ODM_LOG_WARNING = 1,
  MONGO_ODM_LOG_INFO = 2,
  MONGO_ODM_LOG_DEBUG = 3
} mongo_odm_log_level_t;

/* Receives one message. `domain` is "mongo_odm" or libmongoc's domain ("client", "cluster",
 * "stream", ...); `message` is borrowed for the call. Called from whichever thread logs, so it
 * must be thread-safe; it must not call back into the library. */
typedef void (*mongo_odm_log_func_t)(mongo_odm_log_level_t level, const char *domain,
                                     const char *message, void *user_data);

/* Messages at `level` or more severe are delivered; MONGO_ODM_LOG_OFF silences everything.
 * Overrides MONGO_ODM_LOG. Values outside the enumeration are clamped. Thread-safe. */
MONGO_ODM_API(void) mongo_odm_log_set_level(mongo_odm_log_level_t level);

/* The level in effect. */
MONGO_ODM_API(mongo_odm_log_level_t) mongo_odm_log_get_level(void);

/* Sends messages to `func` (with `user_data`) instead of the default handler, which writes
 * "mongo_odm[LEVEL] domain: message" lines to stderr. NULL restores the default. The level
 * still filters what reaches `func`. Thread-safe. */
MONGO_ODM_API(void) mongo_odm_log_set_handler(mongo_odm_log_func_t func, void *user_data);

/* The lowercase name of a level: "off", "error", "warning", "info", "debug". */
MONGO_ODM_API(const char *) mongo_odm_log_level_name(mongo_odm_log_level_t level);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_LOG_H */
