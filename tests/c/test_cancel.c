/* cancel.h: cancel tokens, deadlines, check functions and timeoutMS, on a server that accepts
 * connections and never answers (tu_listen_loopback: a listening socket nobody reads from; the kernel
 * completes the TCP handshake, libmongoc's hello then waits for ever) and on the test FerretDB.
 * Also mongo_odm_error_reason() for each timeout and failure the library tells apart. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

/* How much later than asked a call may give control back. Safe on a loaded 2-core machine under
 * ASan with `ctest -j2`: scheduling delays there are tens to hundreds of ms, and load can only make
 * a call later, never earlier. Still a failure for the bug: every call here would otherwise wait
 * at least 5 s (the library's serverSelectionTimeoutMS on the hung server, or waitQueueTimeoutMS=5000),
 * and the largest bound asked below is 1 s + LATENESS_S = 3 s. */
#define LATENESS_S 2.0
/* Clock granularity: libmongoc and the library count deadlines in whole milliseconds. */
#define EPSILON_S 0.01

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a server that never answers ------------------------------------------------------- */

static int g_hung_fd = -1;
static char g_hung_url[128];

static int hung_setup(void **state) {
  (void)state;
  mongo_odm_init();
  int port = 0;
  g_hung_fd = tu_listen_loopback(&port);
  snprintf(g_hung_url, sizeof g_hung_url, "mongodb://127.0.0.1:%d", port);
  return 0;
}

static int hung_teardown(void **state) {
  (void)state;
  close(g_hung_fd);
  mongo_odm_cleanup();
  return 0;
}

/* A collection on the hung server; `options` are URL options ("" for none). */
static mongo_odm_collection_t *hung_collection(mongo_odm_client_t **client, const char *options) {
  char url[256];
  snprintf(url, sizeof url, "%s/?%s", g_hung_url, options);
  mongo_odm_error_t err;
  *client = mongo_odm_client_new(url, NULL, NULL, &err);
  assert_non_null(*client);
  mongo_odm_collection_t *coll = mongo_odm_collection_new(*client, "db", "c", &err);
  assert_non_null(coll);
  return coll;
}

/* ---- a trigger from another thread ------------------------------------------------------- */

struct trigger_args {
  mongo_odm_cancel_t *token;
  double after_s;
  double triggered_at;
};

static void *trigger_later(void *p) {
  struct trigger_args *args = p;
  usleep((useconds_t)(args->after_s * 1e6));
  args->triggered_at = now_s();
  mongo_odm_cancel_trigger(args->token);
  return NULL;
}

/* For a deadline or timer that starts inside the call (after `start`): the call is back no
 * earlier than the deadline (load cannot make it earlier, so the lower bound stays tight) and
 * at most LATENESS_S after it. */
static void assert_back_within(double start, double expected_s, const char *what) {
  const double took = now_s() - start;
  printf("[ cancel   ] %s: %.3f s (expected %.3f s)\n", what, took, expected_s);
  if (took < expected_s - EPSILON_S || took > expected_s + LATENESS_S) {
    print_error("%s took %.3f s; expected %.3f s up to +%.2f s\n", what, took, expected_s, LATENESS_S);
    fail();
  }
}

/* For a trigger (or signal) sent by another thread at `sent_at`: that thread starts its sleep
 * before the call's `start`, so a start-based lower bound breaks when the caller is descheduled
 * in between. Ordering instead: the call came back after the trigger was sent, and (measured from
 * the trigger, so a late trigger thread does not count against the library) within LATENESS_S. */
static void assert_back_after(double back, double sent_at, const char *what) {
  printf("[ cancel   ] %s: back %.3f s after the trigger\n", what, back - sent_at);
  if (sent_at <= 0 || back < sent_at || back - sent_at > LATENESS_S) {
    print_error("%s: back %.3f s after the trigger (sent: %s); expected 0 up to +%.2f s\n", what, back - sent_at,
                sent_at > 0 ? "yes" : "no", LATENESS_S);
    fail();
  }
}

/* ---- tests --------------------------------------------------------------------------------- */

static void test_trigger_from_another_thread_interrupts_every_kind_of_wait(void **state) {
  (void)state;
  mongo_odm_client_t *client;
  /* the library's defaults: a selection would take 5 s, a socket wait 20 s */
  mongo_odm_collection_t *coll = hung_collection(&client, "");
  mongo_odm_cancel_t *token = mongo_odm_cancel_new();
  mongo_odm_cancel_t *previous = mongo_odm_cancel_attach(token);
  assert_null(previous);
  mongo_odm_error_t err;

  /* a single call (server selection waits on the hello) */
  struct trigger_args args = {token, 0.2, 0};
  pthread_t thread;
  pthread_create(&thread, NULL, trigger_later, &args);
  bson_t out;
  bool found;
  assert_false(mongo_odm_collection_find_one(coll, NULL, NULL, &out, &found, &err));
  bson_destroy(&out);
  double back = now_s();
  pthread_join(thread, NULL); /* then triggered_at is safe to read */
  assert_back_after(back, args.triggered_at, "find_one, token triggered by another thread");
  assert_code(err, MONGO_ODM_ERROR_CANCELLED);
  assert_int_equal(mongo_odm_error_reason(&err), MONGO_ODM_REASON_CANCELLED);
  assert_true(mongo_odm_cancel_is_triggered(token));

  /* still triggered: the next call stops at its first wait */
  const double start = now_s();
  assert_false(mongo_odm_client_ping(client, &err));
  assert_code(err, MONGO_ODM_ERROR_CANCELLED);
  assert_back_within(start, 0.0, "ping with a token triggered before the call");

  /* a cursor's first batch */
  mongo_odm_cancel_reset(token);
  assert_false(mongo_odm_cancel_is_triggered(token));
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(coll, NULL, NULL, &err);
  assert_non_null(cursor); /* find sends nothing until next() */
  args.after_s = 0.15;
  pthread_create(&thread, NULL, trigger_later, &args);
  const bson_t *doc;
  assert_false(mongo_odm_cursor_next_bson(cursor, &doc));
  back = now_s();
  pthread_join(thread, NULL); /* then triggered_at is safe to read */
  assert_back_after(back, args.triggered_at, "cursor next, token triggered by another thread");
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_CANCELLED);
  mongo_odm_cursor_destroy(cursor);

  assert_ptr_equal(mongo_odm_cancel_attach(previous), token);
  mongo_odm_cancel_destroy(token);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
}

static void test_token_deadline_is_a_timeout(void **state) {
  (void)state;
  mongo_odm_client_t *client;
  mongo_odm_collection_t *coll = hung_collection(&client, "");
  mongo_odm_cancel_t *token = mongo_odm_cancel_new();
  mongo_odm_error_t err;
  assert_true(mongo_odm_cancel_set_timeout(token, 150, &err));
  assert_ok(err);
  mongo_odm_cancel_attach(token);
  const double start = now_s();
  bson_t *doc = tu_bson("{\"x\": 1}");
  assert_false(mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &err));
  assert_back_within(start, 0.15, "insert_one, token deadline 150 ms");
  assert_code(err, MONGO_ODM_ERROR_TIMEOUT);
  assert_int_equal(mongo_odm_error_reason(&err), MONGO_ODM_REASON_DEADLINE);
  assert_int_equal(err.server_code, -1);
  assert_false(mongo_odm_cancel_is_triggered(token)); /* a deadline does not trigger the token */
  /* no deadline any more */
  assert_true(mongo_odm_cancel_set_timeout(token, -1, &err));
  mongo_odm_cancel_attach(NULL);
  bson_destroy(doc);
  mongo_odm_cancel_destroy(token);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
}

static void test_timeout_ms_in_the_url_bounds_each_call(void **state) {
  (void)state;
  mongo_odm_client_t *client;
  /* timeoutMS shorter than serverSelectionTimeoutMS: the call ends at timeoutMS */
  mongo_odm_collection_t *coll = hung_collection(&client, "timeoutMS=200&serverSelectionTimeoutMS=5000");
  mongo_odm_error_t err;
  double start = now_s();
  int64_t n;
  assert_false(mongo_odm_collection_count_documents(coll, NULL, NULL, &n, &err));
  assert_back_within(start, 0.2, "count_documents, timeoutMS=200");
  assert_code(err, MONGO_ODM_ERROR_TIMEOUT);
  assert_int_equal(mongo_odm_error_reason(&err), MONGO_ODM_REASON_DEADLINE);
  assert_contains(err.message, "timeoutMS=200");
  /* a cursor's next() too */
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(coll, NULL, NULL, &err);
  start = now_s();
  const bson_t *doc;
  assert_false(mongo_odm_cursor_next_bson(cursor, &doc));
  assert_back_within(start, 0.2, "cursor next, timeoutMS=200");
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_TIMEOUT);
  mongo_odm_cursor_destroy(cursor);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
  /* an invalid value */
  assert_null(mongo_odm_client_new("mongodb://127.0.0.1:1/?timeoutMS=-5", NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "timeoutMS");
  assert_null(mongo_odm_client_new("mongodb://127.0.0.1:1/?timeoutMS=soon", NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
}

struct check_state {
  pthread_t thread;
  int calls;
  int stop_after;
  bool other_thread;
};

static bool check_fn(void *p) {
  struct check_state *s = p;
  if (!pthread_equal(pthread_self(), s->thread)) s->other_thread = true;
  return ++s->calls >= s->stop_after;
}

static void test_check_function_runs_on_the_waiting_thread_and_can_stop_the_call(void **state) {
  (void)state;
  mongo_odm_client_t *client;
  mongo_odm_collection_t *coll = hung_collection(&client, "");
  mongo_odm_cancel_t *token = mongo_odm_cancel_new();
  struct check_state s = {pthread_self(), 0, 5, false};
  mongo_odm_error_t err;
  assert_true(mongo_odm_cancel_set_check(token, check_fn, &s, &err));
  mongo_odm_cancel_attach(token);
  const double start = now_s();
  assert_false(mongo_odm_client_ping(client, &err));
  const double took = now_s() - start;
  mongo_odm_cancel_attach(NULL);
  printf("[ cancel   ] check function: %d calls, stopped after %.3f s\n", s.calls, took);
  assert_code(err, MONGO_ODM_ERROR_CANCELLED);
  assert_int_equal(s.calls, 5);
  assert_false(s.other_thread);
  /* called about every 20 ms while the call waits: 5 calls take about 0.1 s. The lower bound
   * is safe under load (waits only get longer); the upper one is LATENESS_S (2 s, 20x the
   * expected time), still short of the 5 s selection timeout a call that ran its check
   * function only when a wait ended would reach (and calls == 5 above checks that too). */
  assert_true(took >= 0.06 && took < LATENESS_S);
  mongo_odm_cancel_destroy(token);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
}

/* A waiting call sleeps: it wakes for its reply, a trigger, a deadline or its token's check,
 * not on a timer. Counted as the waiting thread's voluntary context switches during 1 s on a
 * hung server (a wait in 20 ms slices makes 50 of them). */
static void test_a_waiting_call_sleeps_until_something_happens(void **state) {
  (void)state;
  mongo_odm_client_t *client;
  mongo_odm_collection_t *coll = hung_collection(&client, "");
  mongo_odm_cancel_t *token = mongo_odm_cancel_new();
  mongo_odm_cancel_attach(token);
  struct trigger_args args = {token, 1.0, 0};
  pthread_t thread;
  struct rusage before, after;
  getrusage(RUSAGE_THREAD, &before);
  pthread_create(&thread, NULL, trigger_later, &args);
  mongo_odm_error_t err;
  assert_false(mongo_odm_client_ping(client, &err));
  const double back = now_s();
  getrusage(RUSAGE_THREAD, &after);
  pthread_join(thread, NULL);
  const long switches = after.ru_nvcsw - before.ru_nvcsw;
  printf("[ cancel   ] ping of a hung server, trigger after 1 s: back %.1f ms after the trigger, "
         "%ld voluntary context switches\n", (back - args.triggered_at) * 1e3, switches);
  assert_code(err, MONGO_ODM_ERROR_CANCELLED);
  assert_back_after(back, args.triggered_at, "ping, token triggered after 1 s");
  /* A count, not a time: a sleeping wait switches a few times (the wake, the reply), a polling
   * one hundreds of times in a second. Load adds involuntary switches, which are not counted
   * (ru_nvcsw only), so a loaded 2-core machine does not move it. */
  assert_true(switches < 15);
  mongo_odm_cancel_attach(NULL);
  mongo_odm_cancel_destroy(token);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
}

static void test_check_interval_is_the_tokens(void **state) {
  (void)state;
  mongo_odm_client_t *client;
  mongo_odm_collection_t *coll = hung_collection(&client, "");
  mongo_odm_cancel_t *token = mongo_odm_cancel_new();
  struct check_state s = {pthread_self(), 0, 4, false};
  mongo_odm_error_t err;
  assert_true(mongo_odm_cancel_set_check(token, check_fn, &s, &err));
  assert_true(mongo_odm_cancel_set_check_interval(token, 150, &err));
  mongo_odm_cancel_attach(token);
  const double start = now_s();
  assert_false(mongo_odm_client_ping(client, &err));
  const double took = now_s() - start;
  mongo_odm_cancel_attach(NULL);
  printf("[ cancel   ] check function every 150 ms: %d calls, stopped after %.3f s\n", s.calls, took);
  assert_code(err, MONGO_ODM_ERROR_CANCELLED);
  assert_int_equal(s.calls, 4);
  /* 4 calls 150 ms apart: 0.6 s. The lower bound tells the token's interval from the 20 ms
   * default (about 0.1 s) and load cannot break it (waits only get longer); the upper one is
   * 0.6 s + LATENESS_S, under the 5 s selection timeout of the hung server. */
  assert_true(took >= 0.55 && took < 0.6 + LATENESS_S);
  mongo_odm_cancel_destroy(token);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
}

static volatile sig_atomic_t g_usr1_seen;
static void on_usr1(int signo) {
  (void)signo;
  g_usr1_seen = 1;
}
static bool stop_after_usr1(void *p) {
  (void)p;
  return g_usr1_seen != 0;
}
struct kill_args {
  pthread_t target;
  double after_s;
  double sent_at;
};
static void *signal_later(void *p) {
  struct kill_args *args = p;
  usleep((useconds_t)(args->after_s * 1e6));
  args->sent_at = now_s();
  pthread_kill(args->target, SIGUSR1);
  return NULL;
}

/* A signal that interrupts the waiting thread runs the check function at once, whatever the
 * interval: how the Python binding sees Ctrl-C without waking every few milliseconds. */
static void test_a_signal_runs_the_check_function_at_once(void **state) {
  (void)state;
  mongo_odm_client_t *client;
  mongo_odm_collection_t *coll = hung_collection(&client, "");
  mongo_odm_cancel_t *token = mongo_odm_cancel_new();
  mongo_odm_error_t err;
  assert_true(mongo_odm_cancel_set_check(token, stop_after_usr1, NULL, &err));
  assert_true(mongo_odm_cancel_set_check_interval(token, 60000, &err));
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1; /* no SA_RESTART; poll() is never restarted anyway */
  sigaction(SIGUSR1, &sa, &old);
  g_usr1_seen = 0;
  mongo_odm_cancel_attach(token);
  struct kill_args args = {pthread_self(), 0.3, 0};
  pthread_t thread;
  pthread_create(&thread, NULL, signal_later, &args);
  assert_false(mongo_odm_client_ping(client, &err));
  const double back = now_s();
  pthread_join(thread, NULL);
  assert_back_after(back, args.sent_at, "ping, SIGUSR1 to the waiting thread, check interval 60 s");
  assert_code(err, MONGO_ODM_ERROR_CANCELLED);
  mongo_odm_cancel_attach(NULL);
  sigaction(SIGUSR1, &old, NULL);
  mongo_odm_cancel_destroy(token);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
}

static mongo_odm_cancel_t *g_signal_token;

static void on_alarm(int signo) {
  (void)signo;
  mongo_odm_cancel_trigger(g_signal_token); /* async-signal-safe */
}

static void test_a_signal_handler_can_trigger_the_token(void **state) {
  (void)state;
  mongo_odm_client_t *client;
  mongo_odm_collection_t *coll = hung_collection(&client, "");
  g_signal_token = mongo_odm_cancel_new();
  mongo_odm_cancel_attach(g_signal_token);
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, &old);
  const double start = now_s();
  alarm(1);
  mongo_odm_error_t err;
  assert_false(mongo_odm_client_ping(client, &err));
  assert_back_within(start, 1.0, "ping, token triggered by a SIGALRM handler");
  assert_code(err, MONGO_ODM_ERROR_CANCELLED);
  sigaction(SIGALRM, &old, NULL);
  mongo_odm_cancel_attach(NULL);
  mongo_odm_cancel_destroy(g_signal_token);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
}

/* The wait for a pooled connection is interruptible too, and a triggered token beats
 * waitQueueTimeoutMS. Against FerretDB: a cursor holds the only connection. */
static void test_wait_for_a_pooled_connection_is_interrupted(void **state) {
  (void)state;
  char *url = tu_server_url(NULL, "/?maxPoolSize=1&waitQueueTimeoutMS=5000");
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_client_new(url, getenv("MONGO_USER"), getenv("MONGO_PASSWORD"), &err);
  assert_non_null(client);
  char *db = tu_unique_name("cancel_pool");
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, db, "c", &err);
  bson_t *docs[3];
  for (int i = 0; i < 3; ++i) docs[i] = tu_bson("{\"x\": 1}");
  assert_true(mongo_odm_collection_insert_many(coll, (const bson_t *const *)docs, 3, NULL, NULL, &err));
  for (int i = 0; i < 3; ++i) bson_destroy(docs[i]);
  bson_t *opts = tu_bson("{\"batchSize\": 1}");
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(coll, NULL, opts, &err);
  const bson_t *doc;
  assert_true(mongo_odm_cursor_next_bson(cursor, &doc)); /* holds the connection now */

  mongo_odm_cancel_t *token = mongo_odm_cancel_new();
  mongo_odm_cancel_attach(token);
  struct trigger_args args = {token, 0.2, 0};
  pthread_t thread;
  pthread_create(&thread, NULL, trigger_later, &args);
  int64_t n;
  assert_false(mongo_odm_collection_count_documents(coll, NULL, NULL, &n, &err));
  const double back = now_s();
  pthread_join(thread, NULL); /* then triggered_at is safe to read */
  assert_back_after(back, args.triggered_at, "count_documents waiting for the pool, token triggered");
  assert_code(err, MONGO_ODM_ERROR_CANCELLED);
  mongo_odm_cancel_attach(NULL);
  mongo_odm_cancel_destroy(token);

  /* the client works on: the cursor reads on, then gives its connection back */
  while (mongo_odm_cursor_next_bson(cursor, &doc)) {
  }
  assert_false(mongo_odm_cursor_error(cursor, &err));
  mongo_odm_cursor_destroy(cursor);
  assert_true(mongo_odm_collection_count_documents(coll, NULL, NULL, &n, &err));
  assert_int_equal(n, 3);
  assert_true(mongo_odm_client_drop_database(client, db, &err));
  bson_destroy(opts);
  free(db);
  free(url);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
}

static void test_error_reasons(void **state) {
  (void)state;
  mongo_odm_error_t err;
  memset(&err, 0, sizeof err);
  assert_int_equal(mongo_odm_error_reason(&err), MONGO_ODM_REASON_NONE);
  /* no server at all: server selection */
  mongo_odm_client_t *client =
      mongo_odm_client_new("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200", NULL, NULL, &err);
  assert_false(mongo_odm_client_ping(client, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_int_equal(mongo_odm_error_reason(&err), MONGO_ODM_REASON_SERVER_SELECTION);
  assert_string_equal(mongo_odm_error_reason_name(mongo_odm_error_reason(&err)), "MONGO_ODM_REASON_SERVER_SELECTION");
  assert_contains(err.message, "No suitable servers found");
  mongo_odm_client_destroy(client);
  /* a server that accepts and never answers, with a short serverSelectionTimeoutMS */
  char url[256];
  snprintf(url, sizeof url, "%s/?serverSelectionTimeoutMS=200", g_hung_url);
  client = mongo_odm_client_new(url, NULL, NULL, &err);
  const double start = now_s();
  assert_false(mongo_odm_client_ping(client, &err));
  assert_back_within(start, 0.2, "ping of a hung server, serverSelectionTimeoutMS=200");
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_int_equal(mongo_odm_error_reason(&err), MONGO_ODM_REASON_SERVER_SELECTION);
  assert_contains(err.message, "serverSelectionTimeoutMS");
  mongo_odm_client_destroy(client);
  /* the names */
  const struct {
    mongo_odm_error_reason_t reason;
    const char *name;
  } names[] = {{MONGO_ODM_REASON_NONE, "MONGO_ODM_REASON_NONE"},
               {MONGO_ODM_REASON_OTHER, "MONGO_ODM_REASON_OTHER"},
               {MONGO_ODM_REASON_NETWORK, "MONGO_ODM_REASON_NETWORK"},
               {MONGO_ODM_REASON_NETWORK_TIMEOUT, "MONGO_ODM_REASON_NETWORK_TIMEOUT"},
               {MONGO_ODM_REASON_EXECUTION_TIMEOUT, "MONGO_ODM_REASON_EXECUTION_TIMEOUT"},
               {MONGO_ODM_REASON_DEADLINE, "MONGO_ODM_REASON_DEADLINE"},
               {MONGO_ODM_REASON_WAIT_QUEUE_TIMEOUT, "MONGO_ODM_REASON_WAIT_QUEUE_TIMEOUT"},
               {MONGO_ODM_REASON_CANCELLED, "MONGO_ODM_REASON_CANCELLED"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    assert_string_equal(mongo_odm_error_reason_name(names[i].reason), names[i].name);
  }
  /* reasons read from (code, server_code) */
  err.code = MONGO_ODM_ERROR_TIMEOUT;
  err.server_code = 50;
  assert_int_equal(mongo_odm_error_reason(&err), MONGO_ODM_REASON_EXECUTION_TIMEOUT);
  err.server_code = -2;
  assert_int_equal(mongo_odm_error_reason(&err), MONGO_ODM_REASON_WAIT_QUEUE_TIMEOUT);
  err.server_code = 2; /* a stream error code */
  assert_int_equal(mongo_odm_error_reason(&err), MONGO_ODM_REASON_NETWORK_TIMEOUT);
  err.code = MONGO_ODM_ERROR_DUPLICATE_KEY;
  err.server_code = 11000;
  assert_int_equal(mongo_odm_error_reason(&err), MONGO_ODM_REASON_OTHER);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trigger_from_another_thread_interrupts_every_kind_of_wait),
      cmocka_unit_test(test_token_deadline_is_a_timeout),
      cmocka_unit_test(test_timeout_ms_in_the_url_bounds_each_call),
      cmocka_unit_test(test_check_function_runs_on_the_waiting_thread_and_can_stop_the_call),
      cmocka_unit_test(test_a_signal_handler_can_trigger_the_token),
      cmocka_unit_test(test_a_waiting_call_sleeps_until_something_happens),
      cmocka_unit_test(test_check_interval_is_the_tokens),
      cmocka_unit_test(test_a_signal_runs_the_check_function_at_once),
      cmocka_unit_test(test_wait_for_a_pooled_connection_is_interrupted),
      cmocka_unit_test(test_error_reasons),
  };
  tu_apply_skip_filter();
  return cmocka_run_group_tests_name("cancel", tests, hung_setup, hung_teardown);
}
