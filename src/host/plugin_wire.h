/* The pipe between a plugin's child process and the host. A message is a
 * 1-byte type, a 4-byte little-endian length, and the payload; structured
 * payloads are JSON. The host treats the child as untrusted: lengths are
 * capped, JSON is validated, and a malformed stream ends the plugin with
 * an error. */
#ifndef MG_PLUGIN_WIRE_H
#define MG_PLUGIN_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum mg_wire_type {
  MG_WIRE_LOG = 1,      /* [level byte][text] */
  MG_WIRE_PROGRESS = 2, /* {"stage", "done", "total"} */
  MG_WIRE_FINDING = 3,  /* a finding as JSON */
  MG_WIRE_EVIDENCE = 4, /* a JSON object merged into the plugin's evidence */
  MG_WIRE_IMAGE = 5,    /* [u16 name len][name][u16 caption len][caption][PNG] */
  MG_WIRE_DONE = 6,     /* {"code", "message"}: run() returned */
  MG_WIRE_CRASH = 7     /* {"signal", "vm_peak_kib"}: from the fatal-signal handler */
};

#define MG_WIRE_HEADER 5

/* Longest text fields of a finding, in bytes. The child's emit service
 * shortens longer ones (with a trailing "...") before sending, so one long
 * crafted file name cannot turn a finding into a protocol violation; the
 * host still refuses a message that exceeds them. */
#define MG_WIRE_TITLE_MAX 1000
#define MG_WIRE_MESSAGE_MAX 8000
#define MG_WIRE_ARTIFACT_MAX 4096
#define MG_WIRE_LOCATION_MAX 1000

/* Child side: writes one whole message (retrying short writes); the host
 * side enforces the size limit. */
int mg_wire_send(int fd, uint8_t type, const void *payload, uint32_t len);

/* Host side: accumulates bytes and splits them into messages. */
typedef struct mg_wire_reader {
  uint8_t *buf;
  size_t len, cap;
  size_t consumed;      /* bytes of the message returned last, dropped next call */
  uint64_t total;       /* bytes received, for the per-plugin cap */
  int broken;           /* a message exceeded the cap */
  uint64_t max_message; /* the plugin-message-bytes limit, set by the reader's owner */
} mg_wire_reader;

/* Reads what is available on a non-blocking fd: 1 data read, 0 end of
 * stream, -1 nothing now (EAGAIN) or error. */
int mg_wire_fill(mg_wire_reader *r, int fd);
/* 1 and a message (valid until the next call) when one is complete. */
int mg_wire_next(mg_wire_reader *r, uint8_t *type, const uint8_t **payload, uint32_t *len);
void mg_wire_free(mg_wire_reader *r);

#endif
