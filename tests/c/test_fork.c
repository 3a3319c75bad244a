/* fork() and the library, against the test server named by MONGO_URL / MONGO_USER /
 * MONGO_PASSWORD / MONGO_DB_NAME: a child of a connected process gets a pool of its own, forks
 * while other threads hold the library's locks or have operations in flight, children while
 * the parent's threads work, a cursor opened before fork().
 *
 * Not run under valgrind (a forked child abandons the parent's pool on purpose: it cannot be
 * closed safely there, and the child's leak check reports it) nor under AddressSanitizer as
 * GCC 12 ships it: libasan 12 takes no lock of its own allocator across fork(), so a child forked
 * while another thread refills or drains its allocator cache inherits a locked size-class
 * mutex and blocks forever in its first malloc() of that size (seen here: children stuck in
 * __sanitizer::SizeClassAllocator64::GetFromAllocator under SCRAM's HMAC). glibc's malloc,
 * which programs use, is fork-safe. scripts/test.sh runs this suite in the plain build and
 * against each libmongoc it tests. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Each test starts connected from the environment. */
static int connect_from_env(void **state) {
  (void)state;
  tu_connect();
  return 0;
}

static volatile int g_fork_noticed = 0;

static void fork_log_handler(mongo_odm_log_level_t level, const char *domain, const char *message, void *user_data) {
  (void)level;
  (void)user_data;
  if (strcmp(domain, "mongo_odm") == 0 && strstr(message, "fork")) g_fork_noticed = 1;
}

/* A child process must not use the parent's pooled sockets: the library notices the fork and
 * gives the child a pool of its own, and the parent's keeps working. */
static void test_fork_child_gets_its_own_pool(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_non_null(client);
  assert_true(mongo_odm_client_ping(client, &err));
  char *name = tu_unique_name("fork");
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, mongo_odm_default_database_name(), name, &err);
  assert_non_null(coll);
  fflush(NULL);
  const pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    /* the child: the inherited handles work, on new connections */
    mongo_odm_log_set_handler(fork_log_handler, NULL);
    mongo_odm_log_set_level(MONGO_ODM_LOG_INFO);
    mongo_odm_error_t e;
    bson_t *doc = BCON_NEW("_id", BCON_UTF8("from-child"));
    const bool ok = mongo_odm_client_ping(client, &e) && mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &e);
    /* no cleanup: the parent's pool is not the child's to close */
    _exit(!ok ? 1 : !g_fork_noticed ? 2 : 0);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  /* the parent's pool still works, and sees the child's write */
  assert_true(mongo_odm_client_ping(client, &err));
  int64_t n = -1;
  bson_t *filter = BCON_NEW("_id", BCON_UTF8("from-child"));
  assert_true(mongo_odm_collection_count_documents(coll, filter, NULL, &n, &err));
  assert_int_equal(n, 1);
  bson_destroy(filter);
  assert_true(mongo_odm_collection_drop(coll, &err));
  mongo_odm_collection_destroy(coll);
  free(name);
}

/* Waits for `pid` at most `seconds`; a child still running then is killed and reported as
 * hung (-1). Otherwise its exit status (or 128 + the signal that ended it). Every caller's
 * `seconds` is a hang detector (what it guards, a deadlock after fork(), lasts for ever), so it
 * is many times what the child needs even under ASan on a loaded 2-core machine. */
static int wait_child(pid_t pid, double seconds) {
  const double deadline = now_seconds() + seconds;
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -2;
    if (now_seconds() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    const struct timespec pause = {0, 2 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
}

static void quiet_log_handler(mongo_odm_log_level_t level, const char *domain, const char *message, void *user_data) {
  (void)level;
  (void)domain;
  (void)message;
  (void)user_data;
}

static volatile int g_hammer_stop = 0;

/* Takes one of the library's short-held locks over and over, without any I/O: the connection
 * state (is_connected), the log sink (set_handler) or the secret registry (every error message
 * is redacted under it). */
static void *lock_hammer(void *arg) {
  const int which = *(const int *)arg;
  while (!__atomic_load_n(&g_hammer_stop, __ATOMIC_ACQUIRE)) {
    if (which == 0) {
      (void)mongo_odm_is_connected();
    } else if (which == 1) {
      mongo_odm_log_set_handler(quiet_log_handler, NULL);
    } else {
      mongo_odm_error_t err;
      mongo_odm_model_t *bad = mongo_odm_model_new("bad$name", &err);
      if (bad) mongo_odm_model_destroy(bad);
    }
  }
  return NULL;
}

/* fork() copies only the calling thread: a lock another thread held at that moment stays
 * locked forever in the child. Regression: the library's internal mutexes (connection state,
 * secret registry, log sink) were not taken across fork(), so a child forked while another
 * thread was inside one of them deadlocked on its first library call. Here threads take them
 * in a tight loop while the main thread forks 60 children; each child must finish its library
 * calls (including a round trip on its own new pool) within 30 s, a hang detector. (Without the fix,
 * most of the children hang.) */
static void test_fork_while_other_threads_hold_library_locks(void **state) {
  (void)state;
  enum { HAMMERS = 3, FORKS = 60 };
  mongo_odm_error_t err;
  mongo_odm_log_set_level(MONGO_ODM_LOG_INFO); /* the child's "fork detected" message is delivered */
  mongo_odm_log_set_handler(quiet_log_handler, NULL);
  g_hammer_stop = 0;
  pthread_t hammers[HAMMERS];
  static const int which[HAMMERS] = {0, 1, 2};
  for (int i = 0; i < HAMMERS; ++i) {
    assert_int_equal(pthread_create(&hammers[i], NULL, lock_hammer, (void *)&which[i]), 0);
  }
  int hung = 0, failed = 0, first_status = 0;
  for (int i = 0; i < FORKS; ++i) {
    fflush(NULL);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      mongo_odm_error_t e;
      if (!mongo_odm_is_connected() || !mongo_odm_default_database_name()) _exit(3);
      mongo_odm_model_t *bad = mongo_odm_model_new("bad$name", &e);
      if (bad || e.code != MONGO_ODM_ERROR_INVALID_ARGUMENT) _exit(4);
      mongo_odm_log_set_handler(quiet_log_handler, NULL);
      /* one child in ten also talks to the server (on the pool it makes for itself) */
      if (i % 10 == 0) {
        mongo_odm_client_t *client = mongo_odm_default_client(&e);
        if (!client || !mongo_odm_client_ping(client, &e)) _exit(5);
      }
      _exit(0);
    }
    const int status = wait_child(pid, 30.0); /* a hang detector: the child needs well under 1 s */
    if (status == -1) ++hung;
    else if (status != 0 && failed++ == 0) first_status = status;
    if (hung + failed >= 3) break; /* proven; do not wait for every other child */
  }
  __atomic_store_n(&g_hammer_stop, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < HAMMERS; ++i) assert_int_equal(pthread_join(hammers[i], NULL), 0);
  mongo_odm_log_set_handler(NULL, NULL);
  mongo_odm_log_set_level(MONGO_ODM_LOG_OFF);
  if (hung || failed) {
    print_error("%d children deadlocked, %d failed (first exit status %d)\n", hung, failed, first_status);
    fail();
  }
  /* the parent is unharmed */
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_non_null(client);
  assert_true(mongo_odm_client_ping(client, &err));
}

typedef struct {
  mongo_odm_collection_t *coll;
  volatile int waiting;      /* the count's call has waited for the server at least once */
  volatile int forked;       /* set by the main thread as soon as fork() returned */
  volatile int waited_after; /* the count was still waiting after fork() returned */
  volatile int ok;
  int64_t count;
} slow_count_t;

/* The check function of the count's cancel token: the library calls it on the counting thread
 * every check interval (1 ms here) while the call waits, that is, only from inside the
 * operation. It records the two facts the test orders; it never stops the call. */
static bool slow_count_check(void *arg) {
  slow_count_t *w = arg;
  __atomic_store_n(&w->waiting, 1, __ATOMIC_RELEASE);
  if (__atomic_load_n(&w->forked, __ATOMIC_ACQUIRE)) __atomic_store_n(&w->waited_after, 1, __ATOMIC_RELEASE);
  return false;
}

/* A count the server takes most of a second over (a $regex filter is not pushed down to
 * SQLite: FerretDB reads and matches every document), with nothing to do on the client side. */
static void *slow_count(void *arg) {
  slow_count_t *w = arg;
  mongo_odm_error_t e;
  mongo_odm_cancel_t *token = mongo_odm_cancel_new();
  assert_non_null(token);
  assert_true(mongo_odm_cancel_set_check(token, slow_count_check, w, &e));
  assert_true(mongo_odm_cancel_set_check_interval(token, 1, &e));
  mongo_odm_cancel_t *previous = mongo_odm_cancel_attach(token);
  bson_t *filter = BCON_NEW("pad", "{", "$regex", BCON_UTF8("z$"), "}");
  w->ok = mongo_odm_collection_count_documents(w->coll, filter, NULL, &w->count, &e);
  bson_destroy(filter);
  mongo_odm_cancel_attach(previous);
  mongo_odm_cancel_destroy(token);
  return NULL;
}

/* Regression (a pre-fork server's worker hung in CI): libmongoc and OpenSSL take locks inside
 * operations that the library cannot hold across fork(). A thread inside RAND_bytes() (a SCRAM
 * nonce, a session id) holds OpenSSL's DRBG lock, and a child forked at that moment blocked
 * forever in its own first authentication. So fork() waits for the library's operations in
 * flight (library.hpp, OperationScope): here a slow count is waiting for the server in another
 * thread when the main thread forks; fork() returns only after it ended, and the child
 * authenticates on its own new pool.
 *
 * No clock is read: the order is observed through the count's cancel-token check function,
 * which the library calls only while the call waits. The main thread forks once the check has
 * run (the count is in flight), and flags the moment fork() returned; with the gate the count
 * cannot wait any more after that, so the flag is never seen from inside the call, however the
 * threads are scheduled. Without the gate fork() returns at once, while the count has most of
 * its ~250 ms still to wait, and the 1 ms check sees the flag. */
static void test_fork_waits_for_operations_in_flight(void **state) {
  (void)state;
  /* A count of ~250 ms, far inside the gate's 2 s bound (kForkQuiesceMs). The test does not
   * time anything: it checks an order (the flag is never seen inside the call). Load can only
   * lengthen the count; if it outlasted the 2 s bound, fork() would go ahead and the check would
   * see the flag and fail: an 8x slowdown of a 250 ms count, far beyond what a loaded 2-core
   * machine does (this suite does not run under ASan or valgrind: scripts/test.sh). */
  enum { DOCS = 4000 };
  mongo_odm_error_t err;
  mongo_odm_client_t *client = mongo_odm_default_client(&err);
  assert_non_null(client);
  char *name = tu_unique_name("forkgate");
  slow_count_t w = {0};
  w.coll = mongo_odm_collection_new(client, mongo_odm_default_database_name(), name, &err);
  assert_non_null(w.coll);
  bson_t **docs = calloc(DOCS, sizeof *docs);
  for (int i = 0; i < DOCS; ++i) docs[i] = BCON_NEW("i", BCON_INT32(i), "pad", BCON_UTF8("0123456789abcdef0123456789abcdef"));
  assert_true(mongo_odm_collection_insert_many(w.coll, (const bson_t *const *)docs, DOCS, NULL, NULL, &err));
  for (int i = 0; i < DOCS; ++i) bson_destroy(docs[i]);
  free(docs);

  pthread_t thread;
  assert_int_equal(pthread_create(&thread, NULL, slow_count, &w), 0);
  while (!__atomic_load_n(&w.waiting, __ATOMIC_ACQUIRE)) sched_yield();
  fflush(NULL);
  const pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    mongo_odm_error_t e;
    mongo_odm_client_t *own = mongo_odm_default_client(&e);
    _exit(own && mongo_odm_client_ping(own, &e) ? 0 : 5);
  }
  __atomic_store_n(&w.forked, 1, __ATOMIC_RELEASE);
  assert_int_equal(pthread_join(thread, NULL), 0);
  assert_true(w.ok);
  assert_int_equal(w.count, 0);
  assert_int_equal(wait_child(pid, 10.0), 0);
  if (__atomic_load_n(&w.waited_after, __ATOMIC_ACQUIRE)) {
    print_error("the count was still waiting for the server after fork() returned: fork() did not wait for it\n");
    fail();
  }
  assert_true(mongo_odm_collection_drop(w.coll, &err));
  mongo_odm_collection_destroy(w.coll);
  free(name);
}

/* How the fork tests' children end, after their mongo_odm_cleanup(): _exit(), not exit(). A leak
 * checker at a child's exit (LeakSanitizer in the ASan build, valgrind) would report what only
 * the parent's threads reference (they do not exist in the child: its pool's monitor threads,
 * the test's workers) and what the child inherited and must not free (the parent's pool). */
static void child_exit(int rc) {
  fflush(NULL);
  _exit(rc);
}

/* Saves `n` documents "<prefix>-<i>" {i: i} through the default connection and reads each
 * back; 0 when all went well, else a small step number (for a child's exit status). */
static int save_and_get(const mongo_odm_model_t *model, const char *prefix, int n) {
  for (int i = 0; i < n; ++i) {
    char id[64];
    snprintf(id, sizeof id, "%s-%d", prefix, i);
    mongo_odm_error_t e;
    mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
    const bool saved = doc && mongo_odm_doc_set_id(doc, id, &e) && mongo_odm_doc_set_int32(doc, "i", i, &e) &&
                       mongo_odm_doc_save(doc, false, &e);
    mongo_odm_doc_destroy(doc);
    if (!saved) return 10;
    mongo_odm_doc_t *back = mongo_odm_get(model, id, &e);
    int32_t value = -1;
    const bool same = back && mongo_odm_doc_get_int32(back, "i", &value) && value == i;
    mongo_odm_doc_destroy(back);
    if (!same) return 11;
  }
  return 0;
}

typedef struct {
  const mongo_odm_model_t *model;
  int saved;
  int failed;
} parent_worker_t;

static volatile int g_parent_stop = 0;

static void *parent_saver(void *arg) {
  parent_worker_t *w = arg;
  while (!__atomic_load_n(&g_parent_stop, __ATOMIC_ACQUIRE) && w->saved < 2000) {
    char prefix[32];
    snprintf(prefix, sizeof prefix, "parent%d", w->saved);
    if (save_and_get(w->model, prefix, 1) == 0) ++w->saved;
    else ++w->failed;
  }
  return NULL;
}

/* Several children forked while two parent threads keep saving through the default
 * connection: every child saves and reads through the inherited default connection (a new
 * pool of its own), one of them forks a grandchild that does the same, and each ends with
 * mongo_odm_cleanup(). Nothing is lost on either side and the
 * parent's connection keeps working throughout. */
static void test_fork_children_while_parent_threads_work(void **state) {
  (void)state;
  enum { CHILDREN = 4, PER_CHILD = 15, PARENT_THREADS = 2 };
  mongo_odm_model_t *parent_models[PARENT_THREADS];
  mongo_odm_model_t *child_models[CHILDREN + 1]; /* the last one is the grandchild's */
  for (int i = 0; i < PARENT_THREADS; ++i) parent_models[i] = tu_model("forkp");
  for (int i = 0; i <= CHILDREN; ++i) child_models[i] = tu_model("forkc");
  /* the parent has used its pool before forking */
  assert_int_equal(save_and_get(parent_models[0], "before", 1), 0);

  g_parent_stop = 0;
  pthread_t threads[PARENT_THREADS];
  parent_worker_t workers[PARENT_THREADS];
  for (int i = 0; i < PARENT_THREADS; ++i) {
    workers[i] = (parent_worker_t){parent_models[i], 0, 0};
    assert_int_equal(pthread_create(&threads[i], NULL, parent_saver, &workers[i]), 0);
  }
  pid_t pids[CHILDREN];
  for (int k = 0; k < CHILDREN; ++k) {
    fflush(NULL);
    pids[k] = fork();
    assert_true(pids[k] >= 0);
    if (pids[k] == 0) {
      int rc = save_and_get(child_models[k], "child", PER_CHILD);
      if (rc == 0 && k == 0) {
        fflush(NULL);
        const pid_t grandchild = fork();
        if (grandchild == 0) {
          const int grc = save_and_get(child_models[CHILDREN], "grandchild", PER_CHILD);
          mongo_odm_cleanup();
          child_exit(grc);
        }
        rc = grandchild < 0 ? 20 : wait_child(grandchild, 60.0) == 0 ? 0 : 21;
      }
      /* the child's pool still works after its own child came and went */
      if (rc == 0) rc = save_and_get(child_models[k], "after", 1);
      mongo_odm_cleanup();
      child_exit(rc);
    }
  }
  int statuses[CHILDREN];
  for (int k = 0; k < CHILDREN; ++k) statuses[k] = wait_child(pids[k], 90.0);
  __atomic_store_n(&g_parent_stop, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < PARENT_THREADS; ++i) assert_int_equal(pthread_join(threads[i], NULL), 0);
  for (int k = 0; k < CHILDREN; ++k) {
    if (statuses[k] != 0) {
      print_error("child %d ended with status %d (-1: hung)\n", k, statuses[k]);
      fail();
    }
  }
  for (int k = 0; k < CHILDREN; ++k) assert_int_equal(tu_count(child_models[k], NULL), PER_CHILD + 1);
  assert_int_equal(tu_count(child_models[CHILDREN], NULL), PER_CHILD);
  for (int i = 0; i < PARENT_THREADS; ++i) {
    assert_int_equal(workers[i].failed, 0);
    assert_true(workers[i].saved > 0);
    assert_int_equal(tu_count(parent_models[i], NULL), workers[i].saved + (i == 0 ? 1 : 0));
  }
  assert_int_equal(save_and_get(parent_models[0], "after", 3), 0);
  for (int i = 0; i < PARENT_THREADS; ++i) {
    tu_drop(parent_models[i]);
    mongo_odm_model_destroy(parent_models[i]);
  }
  for (int i = 0; i <= CHILDREN; ++i) {
    tu_drop(child_models[i]);
    mongo_odm_model_destroy(child_models[i]);
  }
}

/* Reads every remaining document of `cursor`; -1 on a cursor error. */
static int drain(mongo_odm_cursor_t *cursor) {
  const bson_t *doc;
  int n = 0;
  while (mongo_odm_cursor_next_bson(cursor, &doc)) ++n;
  return mongo_odm_cursor_error(cursor, NULL) ? -1 : n;
}

/* Regression: a cursor opened before fork() read (getMore) and, when destroyed, killed
 * (killCursors) the parent's server cursor through the parent's socket, which the child shares
 * after fork(): a child that merely exited normally broke the parent's open cursor ("cursor id
 * ... not found"), and reading concurrently mixed up replies on the shared socket. In the child
 * the inherited cursor now fails with CONNECTION and its destruction sends nothing. */
static void test_fork_cursor_opened_before_fork_stays_the_parents(void **state) {
  (void)state;
  enum { DOCS = 30, BATCH = 4 };
  mongo_odm_error_t err;
  mongo_odm_model_t *model = tu_model("forkcur");
  mongo_odm_collection_t *coll = tu_collection(model);
  for (int i = 0; i < DOCS; ++i) {
    bson_t *doc = BCON_NEW("_id", BCON_INT32(i));
    assert_true(mongo_odm_collection_insert_one(coll, doc, NULL, NULL, &err));
    bson_destroy(doc);
  }
  bson_t *opts = BCON_NEW("batchSize", BCON_INT32(BATCH), "sort", "{", "_id", BCON_INT32(1), "}");
  mongo_odm_cursor_t *cursor = mongo_odm_collection_find(coll, NULL, opts, &err);
  assert_non_null(cursor);
  const bson_t *doc;
  for (int i = 0; i < BATCH + 1; ++i) assert_true(mongo_odm_cursor_next_bson(cursor, &doc)); /* one getMore done */

  for (int variant = 0; variant < 2; ++variant) {
    fflush(NULL);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      int rc = 0;
      if (variant == 0) {
        /* reading fails cleanly, without touching the parent's socket */
        mongo_odm_error_t e;
        if (mongo_odm_cursor_next_bson(cursor, &doc)) rc = 2;
        else if (!mongo_odm_cursor_error(cursor, &e) || e.code != MONGO_ODM_ERROR_CONNECTION) rc = 3;
        else if (!strstr(e.message, "fork")) rc = 4;
      }
      /* variant 1: the child only destroys it, as a program's cleanup at exit would */
      mongo_odm_cursor_destroy(cursor);
      mongo_odm_collection_destroy(coll);
      mongo_odm_cleanup();
      child_exit(rc);
    }
    assert_int_equal(wait_child(pid, 30.0), 0);
  }
  /* the parent reads the rest of its cursor */
  assert_int_equal(drain(cursor), DOCS - BATCH - 1);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(opts);
  mongo_odm_collection_destroy(coll);
  tu_drop(model);
  mongo_odm_model_destroy(model);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_fork_child_gets_its_own_pool, connect_from_env),
      cmocka_unit_test_setup(test_fork_while_other_threads_hold_library_locks, connect_from_env),
      cmocka_unit_test_setup(test_fork_waits_for_operations_in_flight, connect_from_env),
      cmocka_unit_test_setup(test_fork_children_while_parent_threads_work, connect_from_env),
      cmocka_unit_test_setup(test_fork_cursor_opened_before_fork_stays_the_parents, connect_from_env),
  };
  tu_apply_skip_filter();
  return cmocka_run_group_tests_name("fork", tests, tu_setup_connected, tu_teardown_connected);
}
