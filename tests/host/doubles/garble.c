/* Test plugin gone rogue: writes raw bytes into the host's message pipe
 * and then hangs, so only the host's reading of the bytes can stop it.
 * --set mgtest-garble.send=oversize claims a 4 GiB message; anything else
 * sends a well-formed header of an unknown type. */
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mgtest.h"

/* The message pipe is the only FIFO open for writing beyond stdio. */
static int find_pipe(void) {
  for (int fd = 3; fd < 1024; fd++) {
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
      return fd;
  }
  return -1;
}

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  const char *send = svc->option(ctx, "send");
  int oversize = send && strcmp(send, "oversize") == 0;
  /* type, then the payload length, little-endian */
  uint8_t header[5] = {oversize ? 1 : 0xEE, 0xFF, 0xFF, 0xFF, 0xFF};
  if (!oversize)
    memset(header + 1, 0, 4);
  int fd = find_pipe();
  if (fd < 0 || write(fd, header, sizeof header) != (ssize_t)sizeof header)
    return MG_ERR_IO;
  for (;;)
    pause();
  return MG_OK;
}

MGTEST_PLUGIN("mgtest-garble", "Test plugin that writes garbage to the host", MG_NEED_FILES, run)
