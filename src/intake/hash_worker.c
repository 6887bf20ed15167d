/* The hashing thread. */
#include "config.h"

#include "hash_worker.h"

#include <string.h>

static void *run(void *arg) {
  mg_hash_worker *w = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->pending && !w->quit)
      pthread_cond_wait(&w->cv, &w->mu);
    if (!w->pending && w->quit)
      break;
    mg_sha256 *h = w->hash;
    const void *data = w->data;
    size_t len = w->len;
    pthread_mutex_unlock(&w->mu);
    int bad = mg_sha256_update(h, data, len, NULL) != 0;
    pthread_mutex_lock(&w->mu);
    w->failed |= bad;
    w->pending = 0;
    pthread_cond_broadcast(&w->cv);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int mg_hash_worker_start(mg_hash_worker *w) {
  memset(w, 0, sizeof *w);
  if (pthread_mutex_init(&w->mu, NULL))
    return -1;
  if (pthread_cond_init(&w->cv, NULL)) {
    pthread_mutex_destroy(&w->mu);
    return -1;
  }
  if (pthread_create(&w->thread, NULL, run, w)) {
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    return -1;
  }
  w->started = 1;
  return 0;
}

void mg_hash_worker_submit(mg_hash_worker *w, mg_sha256 *hash, const void *data, size_t len) {
  if (!w->started) { /* no thread: hash inline */
    w->failed |= mg_sha256_update(hash, data, len, NULL) != 0;
    return;
  }
  pthread_mutex_lock(&w->mu);
  while (w->pending)
    pthread_cond_wait(&w->cv, &w->mu);
  w->hash = hash;
  w->data = data;
  w->len = len;
  w->pending = 1;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

int mg_hash_worker_wait(mg_hash_worker *w) {
  if (!w->started)
    return w->failed;
  pthread_mutex_lock(&w->mu);
  while (w->pending)
    pthread_cond_wait(&w->cv, &w->mu);
  int failed = w->failed;
  pthread_mutex_unlock(&w->mu);
  return failed;
}

void mg_hash_worker_stop(mg_hash_worker *w) {
  if (!w->started)
    return;
  pthread_mutex_lock(&w->mu);
  w->quit = 1;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  pthread_cond_destroy(&w->cv);
  pthread_mutex_destroy(&w->mu);
  w->started = 0;
}
