/*
 * mongo_odm/cancel.h - giving control back: deadlines and cancel tokens for blocking calls.
 * (Since 0.2.)
 *
 * Every call of the library that waits - an operation, a cursor's next batch, connecting,
 * server selection, the wait for a pooled connection - can be bounded and interrupted:
 *
 *  - timeoutMS in the URL ("mongodb://host/?timeoutMS=500"): a client-side limit on each whole
 *    call of that client, the wait for a pooled connection, server selection, every round trip
 *    and libmongoc's retries included. Past it the call fails with MONGO_ODM_ERROR_TIMEOUT
 *    (reason MONGO_ODM_REASON_DEADLINE). libmongoc has no timeoutMS; the library implements
 *    it, client-side only (it does not send maxTimeMS for you). 0 or absent: no limit.
 *  - "maxTimeMS" in the options of reads and aggregations: the server's limit on its own work
 *    (TIMEOUT, reason MONGO_ODM_REASON_EXECUTION_TIMEOUT).
 *  - a cancel token attached to the calling thread. Another thread (or a signal handler)
 *    triggers it, its deadline passes, or its check function asks to stop: the thread's call
 *    then returns with MONGO_ODM_ERROR_CANCELLED (TIMEOUT, reason DEADLINE, for the deadline).
 *    A trigger wakes a waiting call at once (the token writes to the waiting thread's wake
 *    descriptor; with more than 4 threads waiting on one token, the others notice within
 *    20 ms), and a deadline ends the wait it falls in; a waiting call sleeps otherwise, it does
 *    not poll.
 *
 *   mongo_odm_cancel_t *token = mongo_odm_cancel_new();
 *   mongo_odm_cancel_t *previous = mongo_odm_cancel_attach(token);
 *   // calls; another thread may call mongo_odm_cancel_trigger(token)
 *   mongo_odm_cancel_attach(previous);
 *   mongo_odm_cancel_destroy(token);
 *
 * What an interrupted call leaves behind:
 *  - The connection it was using is closed and dropped from the pool: a reply still on its way
 *    is never read as the answer to a later call. The next call opens a new connection (a
 *    handshake and, with authentication, a SCRAM conversation).
 *  - A write that was sent before the interruption may or may not have been applied by the
 *    server, exactly as after a network failure: read before you repeat a write that is not
 *    idempotent.
 *  - A cursor whose next() was interrupted stops: mongo_odm_cursor_error() reports CANCELLED
 *    (or TIMEOUT); its server-side cursor, whose connection is gone, is left to the server's
 *    cursor timeout (10 minutes by default). Destroying a cursor that was not interrupted kills
 *    its server-side cursor.
 *  - The client stays usable; nothing leaks. The token stays triggered until
 *    mongo_odm_cancel_reset().
 *
 * Waits the library cannot cut short: name resolution (getaddrinfo), the key derivation of a
 * new SCRAM connection (CPU, tens of milliseconds), and with libmongoc older than 1.26 the
 * pause of at most minHeartbeatFrequencyMS (500 ms) libmongoc takes before it rescans a server
 * it found unavailable moments ago. A client whose URL sets tlsDisableOCSPEndpointCheck or
 * tlsDisableCertificateRevocationCheck uses libmongoc's own sockets: its network waits end only
 * with their timeouts (the token is still obeyed between them).
 */
#ifndef MONGO_ODM_CANCEL_H
#define MONGO_ODM_CANCEL_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* A new token: not triggered, no deadline, no check function. Release it with
 * mongo_odm_cancel_destroy(). NULL only when memory is exhausted. */
MONGO_ODM_API(mongo_odm_cancel_t *) mongo_odm_cancel_new(void);

/* Releases the token. NULL is a no-op. It must not be attached to any thread any more: the
 * library does not know which threads hold it. */
MONGO_ODM_API(void) mongo_odm_cancel_destroy(mongo_odm_cancel_t *token);

/* Triggers the token: the calls of every thread it is attached to stop (CANCELLED), now or when
 * they next wait, until mongo_odm_cancel_reset(). Thread-safe and async-signal-safe (an atomic
 * store, and a write() to the wake descriptor of each thread waiting under the token): a SIGINT
 * handler may call it. NULL is a no-op. */
MONGO_ODM_API(void) mongo_odm_cancel_trigger(mongo_odm_cancel_t *token);

/* True once the token was triggered (and not reset since). False for NULL. */
MONGO_ODM_API(bool) mongo_odm_cancel_is_triggered(const mongo_odm_cancel_t *token);

/* Clears the trigger; the deadline and the check function stay. NULL is a no-op. */
MONGO_ODM_API(void) mongo_odm_cancel_reset(mongo_odm_cancel_t *token);

/* Sets the token's deadline to `timeout_ms` milliseconds from now: calls still waiting then fail
 * with TIMEOUT (reason MONGO_ODM_REASON_DEADLINE). A negative value removes the deadline; 0 makes
 * every call fail at its first wait. Errors: INVALID_ARGUMENT for a NULL token. */
MONGO_ODM_API(bool) mongo_odm_cancel_set_timeout(mongo_odm_cancel_t *token, int64_t timeout_ms,
                                                 mongo_odm_error_t *error);

/* A check function: returns true to interrupt the call that is waiting. */
typedef bool (*mongo_odm_cancel_check_t)(void *user_data);

/* Sets (NULL: removes) a check function, called with `user_data` on the waiting thread every
 * check interval (20 ms unless mongo_odm_cancel_set_check_interval() says otherwise) while a
 * call of a thread the token is attached to waits, and at once when a signal interrupts the
 * thread's wait; when it returns true the call stops with CANCELLED. It runs inside the library
 * (possibly inside libmongoc): it must not call the library, nor wait for a lock that a caller
 * of the library may hold. Set it before attaching the token. (The Python binding runs the
 * interpreter's signal handlers from it, so that Ctrl-C and a handler of the user's run during
 * a call.) Errors: INVALID_ARGUMENT for a NULL token. */
MONGO_ODM_API(bool) mongo_odm_cancel_set_check(mongo_odm_cancel_t *token, mongo_odm_cancel_check_t check,
                                               void *user_data, mongo_odm_error_t *error);

/* How often the check function runs while a call waits: every `interval_ms` milliseconds
 * (1 to 60000; the default is 20). A waiting call wakes only for that (and for a trigger, a
 * deadline, a signal or its own reply), so a longer interval costs less CPU during long waits;
 * a check function that watches for signals is also run when a signal interrupts the wait.
 * Set it before attaching the token. Errors: INVALID_ARGUMENT for a NULL token or an interval
 * out of range. (Since 0.2.) */
MONGO_ODM_API(bool) mongo_odm_cancel_set_check_interval(mongo_odm_cancel_t *token, int32_t interval_ms,
                                                        mongo_odm_error_t *error);

/* Attaches `token` to the calling thread: the calls the thread starts from now on obey it.
 * NULL detaches. Returns the token attached before (NULL if none), to restore when done. One
 * token may be attached to several threads. */
MONGO_ODM_API(mongo_odm_cancel_t *) mongo_odm_cancel_attach(mongo_odm_cancel_t *token);

/* The token attached to the calling thread, or NULL. */
MONGO_ODM_API(mongo_odm_cancel_t *) mongo_odm_cancel_attached(void);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_CANCEL_H */
