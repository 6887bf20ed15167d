/* A thread that hashes buffers while the caller goes on: the unpacker
 * hashes the raw archive and each entry on two of these, overlapping both
 * digests with decompression and the workspace writes, so one pass over a
 * package uses both cores. One job at a time, in order. */
#ifndef MG_HASH_WORKER_H
#define MG_HASH_WORKER_H

#include <pthread.h>
#include <stddef.h>

#include "sha256.h"

typedef struct mg_hash_worker {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  mg_sha256 *hash; /* job: add data[0..len) to hash */
  const void *data;
  size_t len;
  int pending, quit, failed, started;
} mg_hash_worker;

int mg_hash_worker_start(mg_hash_worker *w);
/* Queues a buffer; it must stay valid until mg_hash_worker_wait(). */
void mg_hash_worker_submit(mg_hash_worker *w, mg_sha256 *hash, const void *data, size_t len);
/* Waits until every submitted buffer is hashed; nonzero if one failed. */
int mg_hash_worker_wait(mg_hash_worker *w);
void mg_hash_worker_stop(mg_hash_worker *w);

#endif
