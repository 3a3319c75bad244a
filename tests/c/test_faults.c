/* Server faults: the server process is killed (kill -9) while threads save, then restarted on
 * the same data directory and port; and a server that never comes up.
 *
 * This suite does not use the server named by MONGO_URL (it must not kill someone else's): it
 * starts a FerretDB instance of its own with scripts/ferretdb.sh (named rel-cfaults-<pid>, on
 * a free port, removed at the end), so it needs only what scripts/ferretdb.sh needs.
 *
 * What is asserted:
 *  - during the outage every call fails with MONGO_ODM_ERROR_CONNECTION, none takes longer
 *    than upper_bound_s(serverSelectionTimeoutMS) (3 s for the 1 s here), and nothing hangs
 *    or crashes;
 *  - after the restart the same default connection and the same mongo_odm_client_t work
 *    again, without being recreated;
 *  - every save acknowledged before (or after) the kill is in the database afterwards;
 *  - a server that never comes up fails within its serverSelectionTimeoutMS, the configured
 *    value and the library's default (5 s). */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

/* serverSelectionTimeoutMS used here. */
#define SELECTION_TIMEOUT_S 1.0
/* The library's default serverSelectionTimeoutMS (libmongoc's own is 30 s). */
#define LIBRARY_DEFAULT_TIMEOUT_S 5.0
/* Clock granularity: libmongoc counts the timeout in whole milliseconds on its own clock. */
#define EPSILON_S 0.1

enum { SAVERS = 3, MAX_OPS = 4096, AFTER_RESTART_MIN = 20 };

static char g_name[64];       /* FerretDB instance name */
static char g_state_dir[1024];
static char g_port[16];
static char g_user[128];
static char g_password[128];
static char g_url[256];       /* mongodb://127.0.0.1:<port>/?serverSelectionTimeoutMS=1000 */
static const char *DB = "rel_cfaults";

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The longest a call with serverSelectionTimeoutMS `timeout_s` may take: twice the timeout, at
 * least the timeout + 2 s (1 s -> 3 s, 5 s -> 10 s). Safe on a loaded 2-core machine under ASan
 * with `ctest -j2`: a call measured there takes the timeout + at most about 0.1 s (one refused
 * connect on loopback plus scheduling); load only adds scheduling delays, tens to hundreds of
 * ms, against 2 s or more of slack. Still separates: 3 s is short of the library's 5 s default
 * (a URL option that was ignored) and 10 s of libmongoc's 30 s (a lost library default). */
static double upper_bound_s(double timeout_s) {
  return timeout_s + (timeout_s > 2.0 ? timeout_s : 2.0);
}

/* Runs scripts/ferretdb.sh with `args`; parses the export lines it prints. */
static int ferretdb(const char *args) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "'%s' %s", MONGO_ODM_FERRETDB_SCRIPT, args);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  char line[512];
  while (fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = '\0';
    const char *v;
    if ((v = strstr(line, "MONGO_URL=mongodb://127.0.0.1:"))) snprintf(g_port, sizeof g_port, "%s", v + 30);
    if ((v = strstr(line, "MONGO_USER="))) snprintf(g_user, sizeof g_user, "%s", v + 11);
    if ((v = strstr(line, "MONGO_PASSWORD="))) snprintf(g_password, sizeof g_password, "%s", v + 15);
  }
  return pclose(p);
}

static pid_t server_pid(void) {
  char path[1100];
  snprintf(path, sizeof path, "%s/pid", g_state_dir);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long pid = -1;
  if (fscanf(f, "%ld", &pid) != 1) pid = -1;
  fclose(f);
  return (pid_t)pid;
}

static int start_own_server(void **state) {
  (void)state;
  mongo_odm_init();
  snprintf(g_name, sizeof g_name, "rel-cfaults-%ld", (long)getpid());
  const char *root = getenv("MONGO_ODM_FERRETDB_STATE");
  snprintf(g_state_dir, sizeof g_state_dir, "%s/%s", root && *root ? root : MONGO_ODM_SOURCE_DIR "/build/ferretdb",
           g_name);
  char args[256];
  snprintf(args, sizeof args, "start --name %s", g_name);
  if (ferretdb(args) != 0 || !g_port[0] || !g_user[0] || !g_password[0]) {
    fprintf(stderr, "cannot start FerretDB instance %s with %s\n", g_name, MONGO_ODM_FERRETDB_SCRIPT);
    return -1;
  }
  snprintf(g_url, sizeof g_url, "mongodb://127.0.0.1:%s/?serverSelectionTimeoutMS=%d", g_port,
           (int)(SELECTION_TIMEOUT_S * 1000));
  return 0;
}

static int stop_own_server(void **state) {
  (void)state;
  mongo_odm_disconnect();
  mongo_odm_cleanup();
  char args[256];
  snprintf(args, sizeof args, "stop --name %s >/dev/null 2>&1", g_name);
  ferretdb(args);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_state_dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ kill -9 and restart */

typedef struct {
  int index;
  mongo_odm_model_t *model;             /* savers: through the default connection */
  mongo_odm_collection_t *collection;   /* the own-client inserter */
  /* results */
  unsigned char acked[MAX_OPS];         /* acked[i]: save i returned success */
  int ops, ok, failures, wrong_code, after_restart_ok;
  double max_call_s, last_failure_start;
  char first_wrong[600];
} worker_t;

static volatile int g_stop = 0;
static double g_restarted_at = 0; /* written before g_restarted is set */
static volatile int g_restarted = 0;

static void record(worker_t *w, int i, bool ok, const mongo_odm_error_t *err, double start) {
  const double took = now_seconds() - start;
  if (took > w->max_call_s) w->max_call_s = took;
  ++w->ops;
  if (ok) {
    w->acked[i] = 1;
    ++w->ok;
    if (__atomic_load_n(&g_restarted, __ATOMIC_ACQUIRE)) ++w->after_restart_ok;
    return;
  }
  ++w->failures;
  w->last_failure_start = start;
  if (err->code != MONGO_ODM_ERROR_CONNECTION && w->wrong_code++ == 0) {
    snprintf(w->first_wrong, sizeof w->first_wrong, "%s: %s", mongo_odm_error_code_name(err->code), err->message);
  }
}

static bool done(const worker_t *w) {
  if (w->ops >= MAX_OPS) return true;
  return __atomic_load_n(&g_stop, __ATOMIC_ACQUIRE) && w->after_restart_ok >= AFTER_RESTART_MIN;
}

static void pause_ms(int ms) {
  const struct timespec t = {ms / 1000, (ms % 1000) * 1000L * 1000L};
  nanosleep(&t, NULL);
}

static void *saver(void *arg) {
  worker_t *w = arg;
  for (int i = 0; !done(w); ++i) {
    mongo_odm_error_t err;
    mongo_odm_doc_t *doc = mongo_odm_doc_new(w->model);
    char id[32];
    snprintf(id, sizeof id, "s%d", i);
    /* no cmocka assertion off the main thread: a failure here is recorded as a wrong code */
    const double start = now_seconds();
    const bool ok = doc && mongo_odm_doc_set_id(doc, id, &err) && mongo_odm_doc_set_int32(doc, "i", i, &err) &&
                    mongo_odm_doc_save(doc, false, &err);
    if (!doc) err.code = MONGO_ODM_ERROR_INTERNAL;
    record(w, i, ok, &err, start);
    mongo_odm_doc_destroy(doc);
    pause_ms(5);
  }
  return NULL;
}

static void *inserter(void *arg) {
  worker_t *w = arg;
  for (int i = 0; !done(w); ++i) {
    mongo_odm_error_t err;
    char id[32];
    snprintf(id, sizeof id, "s%d", i);
    bson_t *doc = BCON_NEW("_id", BCON_UTF8(id), "i", BCON_INT32(i));
    const double start = now_seconds();
    const bool ok = mongo_odm_collection_insert_one(w->collection, doc, NULL, NULL, &err);
    record(w, i, ok, &err, start);
    bson_destroy(doc);
    pause_ms(5);
  }
  return NULL;
}

/* The ids of `coll` as a bitmap over "s<i>"; the number of documents. */
static int64_t stored_ids(mongo_odm_collection_t *coll, unsigned char *seen) {
  mongo_odm_error_t err;
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(coll, NULL, NULL, &err);
  assert_non_null(cursor);
  const bson_t *doc;
  int64_t n = 0;
  while (mongo_odm_cursor_next_bson(cursor, &doc)) {
    bson_iter_t it;
    assert_true(bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_UTF8(&it));
    const int i = atoi(bson_iter_utf8(&it, NULL) + 1);
    assert_true(i >= 0 && i < MAX_OPS);
    seen[i] = 1;
    ++n;
  }
  if (mongo_odm_cursor_error(cursor, &err)) {
    print_error("reading back failed: %s\n", err.message);
    fail();
  }
  mongo_odm_cursor_destroy(cursor);
  return n;
}

static void test_kill_and_restart_during_saves(void **state) {
  (void)state;
  mongo_odm_error_t err;
  assert_true(mongo_odm_connect(g_url, g_user, g_password, DB, &err));
  assert_ok(err);
  mongo_odm_client_t *default_client = mongo_odm_default_client(&err);
  assert_non_null(default_client);
  mongo_odm_client_t *own = mongo_odm_client_new(g_url, g_user, g_password, &err);
  assert_non_null(own);
  assert_true(mongo_odm_client_ping(own, &err));

  /* one collection per thread: FerretDB scans the collection for every write */
  static worker_t workers[SAVERS + 1];
  memset(workers, 0, sizeof workers);
  for (int k = 0; k <= SAVERS; ++k) {
    workers[k].index = k;
    char name[32];
    snprintf(name, sizeof name, "w%d", k);
    if (k < SAVERS) {
      workers[k].model = mongo_odm_model_new(name, &err);
      assert_non_null(workers[k].model);
      assert_true(mongo_odm_model_add_field(workers[k].model, "i", MONGO_ODM_TYPE_INT32, MONGO_ODM_FIELD_REQUIRED, &err));
    } else {
      workers[k].collection = mongo_odm_collection_new(own, DB, name, &err);
      assert_non_null(workers[k].collection);
    }
  }
  assert_true(mongo_odm_client_drop_database(own, DB, &err));
  g_stop = 0;
  g_restarted = 0;
  pthread_t threads[SAVERS + 1];
  for (int k = 0; k <= SAVERS; ++k) {
    assert_int_equal(pthread_create(&threads[k], NULL, k < SAVERS ? saver : inserter, &workers[k]), 0);
  }

  pause_ms(1000);
  const pid_t pid = server_pid();
  assert_true(pid > 0);
  const double killed_at = now_seconds();
  assert_int_equal(kill(pid, SIGKILL), 0);
  pause_ms(2500); /* the outage: each thread fails a few times */
  char args[256];
  snprintf(args, sizeof args, "start --name %s --port %s", g_name, g_port);
  assert_int_equal(ferretdb(args), 0);
  g_restarted_at = now_seconds();
  __atomic_store_n(&g_restarted, 1, __ATOMIC_RELEASE);
  __atomic_store_n(&g_stop, 1, __ATOMIC_RELEASE);
  for (int k = 0; k <= SAVERS; ++k) assert_int_equal(pthread_join(threads[k], NULL), 0);

  int total_ops = 0, total_ok = 0, total_failures = 0;
  double max_call = 0;
  for (int k = 0; k <= SAVERS; ++k) {
    worker_t *w = &workers[k];
    total_ops += w->ops;
    total_ok += w->ok;
    total_failures += w->failures;
    if (w->max_call_s > max_call) max_call = w->max_call_s;
    if (w->wrong_code) {
      print_error("thread %d: %d failures were not CONNECTION errors, first: %s\n", k, w->wrong_code, w->first_wrong);
      fail();
    }
    /* Safe under load: every call a thread makes while the server is down fails, and a thread
     * keeps calling for the whole 2.5 s outage; a loaded machine only makes it call less often,
     * and one call in 2.5 s needs no more than a scheduling delay under 2.5 s. */
    if (w->failures == 0) {
      print_error("thread %d saw no failure during a 2.5 s outage\n", k);
      fail();
    }
    if (w->after_restart_ok < AFTER_RESTART_MIN) {
      print_error("thread %d: only %d successes after the restart\n", k, w->after_restart_ok);
      fail();
    }
    /* failures belong to the outage: none began once the server had been back for longer
     * than a call may take (the client's monitor rediscovers it within a 0.5 s heartbeat;
     * load only delays that by scheduling, far less than the 3 s allowed) */
    if (w->last_failure_start > g_restarted_at + upper_bound_s(SELECTION_TIMEOUT_S)) {
      print_error("thread %d: a call failed %.2f s after the restart\n", k, w->last_failure_start - g_restarted_at);
      fail();
    }
  }
  printf("[ faults   ] %d calls, %d acknowledged, %d failed during the %.1f s outage; slowest call %.2f s "
         "(bound %.1f s)\n",
         total_ops, total_ok, total_failures, g_restarted_at - killed_at, max_call, upper_bound_s(SELECTION_TIMEOUT_S));
  /* see upper_bound_s for why this holds on a loaded machine */
  if (max_call > upper_bound_s(SELECTION_TIMEOUT_S)) {
    print_error("a call took %.2f s: more than %.1f s (serverSelectionTimeoutMS %.1f s)\n", max_call,
                upper_bound_s(SELECTION_TIMEOUT_S), SELECTION_TIMEOUT_S);
    fail();
  }

  /* the same handles work again, and every acknowledged save is stored */
  assert_true(mongo_odm_client_ping(own, &err));
  assert_ok(err);
  mongo_odm_client_t *again = mongo_odm_default_client(&err);
  assert_ptr_equal(again, default_client);
  assert_true(mongo_odm_client_ping(default_client, &err));
  for (int k = 0; k <= SAVERS; ++k) {
    worker_t *w = &workers[k];
    mongo_odm_collection_t *coll = w->collection;
    if (!coll) {
      coll = mongo_odm_collection_new(own, DB, mongo_odm_model_collection_name(w->model), &err);
      assert_non_null(coll);
    }
    static unsigned char seen[MAX_OPS];
    memset(seen, 0, sizeof seen);
    const int64_t stored = stored_ids(coll, seen);
    int lost = 0;
    for (int i = 0; i < w->ops; ++i) {
      if (w->acked[i] && !seen[i]) {
        if (lost++ == 0) print_error("thread %d: acknowledged save s%d is not in the database\n", k, i);
      }
    }
    assert_int_equal(lost, 0);
    /* nothing more than was attempted; at most the calls cut by the kill beyond the acked */
    assert_true(stored >= w->ok && stored <= w->ops);
    if (coll != w->collection) mongo_odm_collection_destroy(coll);
    if (w->model) {
      /* and through the model API of the default connection */
      int64_t n = -1;
      assert_true(mongo_odm_count(w->model, NULL, &n, &err));
      assert_int_equal(n, stored);
      mongo_odm_model_destroy(w->model);
    } else {
      mongo_odm_collection_destroy(w->collection);
    }
  }
  assert_true(mongo_odm_client_drop_database(own, DB, &err));
  mongo_odm_client_destroy(own);
  mongo_odm_disconnect();
}

/* ------------------------------------------------------------------ a server that never comes up */

/* The call failed no earlier than its timeout (load cannot make it earlier: the lower bound
 * stays tight, minus the clock granularity) and no later than upper_bound_s(timeout). */
static void assert_took(double took, double timeout_s, const char *what) {
  printf("[ faults   ] %s: %.2f s (serverSelectionTimeoutMS %.1f s)\n", what, took, timeout_s);
  if (took < timeout_s - EPSILON_S || took > upper_bound_s(timeout_s)) {
    print_error("%s took %.2f s; expected serverSelectionTimeoutMS (%.1f s) up to %.1f s\n", what, took, timeout_s,
                upper_bound_s(timeout_s));
    fail();
  }
}

static void test_server_never_up(void **state) {
  (void)state;
  char url[128];
  snprintf(url, sizeof url, "mongodb://127.0.0.1:%d/?serverSelectionTimeoutMS=1000", tu_dead_port());
  mongo_odm_error_t err;

  /* the default connection: connect pings */
  double start = now_seconds();
  assert_false(mongo_odm_connect(url, g_user, g_password, DB, &err));
  assert_took(now_seconds() - start, SELECTION_TIMEOUT_S, "connect");
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  assert_false(mongo_odm_is_connected());

  /* a client of one's own: created without a server call, every operation then fails */
  mongo_odm_client_t *client = mongo_odm_client_new(url, g_user, g_password, &err);
  assert_non_null(client);
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, DB, "never", &err);
  assert_non_null(coll);
  bson_t *doc = BCON_NEW("_id", BCON_INT32(1));
  start = now_seconds();
  assert_false(mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &err));
  assert_took(now_seconds() - start, SELECTION_TIMEOUT_S, "insert_one");
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  start = now_seconds();
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(coll, NULL, NULL, &err);
  assert_non_null(cursor); /* the query starts at the first next */
  const bson_t *found;
  assert_false(mongo_odm_cursor_next_bson(cursor, &found));
  assert_took(now_seconds() - start, SELECTION_TIMEOUT_S, "find");
  assert_true(mongo_odm_cursor_error(cursor, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(doc);
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);

  /* without the URL option the library's default applies: 5 s */
  snprintf(url, sizeof url, "mongodb://127.0.0.1:%d/", tu_dead_port());
  client = mongo_odm_client_new(url, NULL, NULL, &err);
  assert_non_null(client);
  start = now_seconds();
  assert_false(mongo_odm_client_ping(client, &err));
  assert_took(now_seconds() - start, LIBRARY_DEFAULT_TIMEOUT_S, "ping with the default timeout");
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  mongo_odm_client_destroy(client);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kill_and_restart_during_saves),
      cmocka_unit_test(test_server_never_up),
  };
  return cmocka_run_group_tests_name("faults", tests, start_own_server, stop_own_server);
}
