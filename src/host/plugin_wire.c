/* Framing for the plugin pipe. */
#include "config.h"

#include "plugin_wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len) {
  const uint8_t *p = data;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int mg_wire_send(int fd, uint8_t type, const void *payload, uint32_t len) {
  uint8_t head[MG_WIRE_HEADER] = {type, (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                                  (uint8_t)(len >> 24)};
  if (write_all(fd, head, sizeof head))
    return -1;
  return len ? write_all(fd, payload, len) : 0;
}

int mg_wire_fill(mg_wire_reader *r, int fd) {
  if (r->consumed) { /* make room: drop the message already handled */
    memmove(r->buf, r->buf + r->consumed, r->len - r->consumed);
    r->len -= r->consumed;
    r->consumed = 0;
  }
  if (r->cap - r->len < 65536) {
    size_t cap = r->cap ? r->cap * 2 : 131072;
    if (cap > r->max_message + MG_WIRE_HEADER + 131072) {
      r->broken = 1;
      return -1;
    }
    uint8_t *grown = realloc(r->buf, cap);
    if (!grown) {
      r->broken = 1;
      return -1;
    }
    r->buf = grown;
    r->cap = cap;
  }
  ssize_t n = read(fd, r->buf + r->len, r->cap - r->len);
  if (n > 0) {
    r->len += (size_t)n;
    r->total += (uint64_t)n;
    return 1;
  }
  if (n == 0)
    return 0;
  return -1;
}

int mg_wire_next(mg_wire_reader *r, uint8_t *type, const uint8_t **payload, uint32_t *len) {
  if (r->consumed) {
    memmove(r->buf, r->buf + r->consumed, r->len - r->consumed);
    r->len -= r->consumed;
    r->consumed = 0;
  }
  if (r->len < MG_WIRE_HEADER)
    return 0;
  uint32_t n = (uint32_t)r->buf[1] | (uint32_t)r->buf[2] << 8 | (uint32_t)r->buf[3] << 16 |
               (uint32_t)r->buf[4] << 24;
  if (n > r->max_message) {
    r->broken = 1;
    return 0;
  }
  if (r->len - MG_WIRE_HEADER < n)
    return 0;
  *type = r->buf[0];
  *payload = r->buf + MG_WIRE_HEADER;
  *len = n;
  r->consumed = MG_WIRE_HEADER + (size_t)n;
  return 1;
}

void mg_wire_free(mg_wire_reader *r) {
  free(r->buf);
  memset(r, 0, sizeof *r);
}
