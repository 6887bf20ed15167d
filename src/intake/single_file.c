/* Single-file packages: text datasets by name, model files by magic bytes
 * first, then by name (single_file.h). */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "single_file.h"

#include "text/text_dataset.h"

static int ends(const char *name, const char *suffix) {
  size_t n = strlen(name), s = strlen(suffix);
  return n >= s && !strcasecmp(name + n - s, suffix);
}

static int any_end(const char *name, const char *const *suffixes) {
  for (; *suffixes; suffixes++)
    if (ends(name, *suffixes))
      return 1;
  return 0;
}

static const char *const zip_model_names[] = {".pt",     ".pth", ".bin", ".ckpt",  ".pkl",
                                              ".joblib", ".npz", ".mar", ".keras", NULL};
static const char *const pickle_names[] = {".pt",     ".pth", ".bin", ".ckpt", ".pkl", ".pickle",
                                           ".joblib", ".dat", ".sav", ".p",    NULL};

const char *mg_model_file_kind(const char *path, const uint8_t *head, size_t n) {
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  if (n >= 4 && !memcmp(head, "GGUF", 4))
    return "gguf";
  if (n >= 8 && !memcmp(head, "\x89HDF\r\n\x1a\n", 8))
    return "hdf5";
  if (n >= 10 && head[8] == '{' && !head[6] && !head[7] && (head[0] | head[1] | head[2]))
    return "safetensors"; /* header length below 2^48, then JSON */
  if (n >= 4 && !memcmp(head, "PK\3\4", 4))
    return ends(base, ".keras") ? "keras" : any_end(base, zip_model_names) ? "pytorch-zip" : NULL;
  if (n >= 262 && !memcmp(head + 257, "ustar", 5))
    return ends(base, ".nemo") ? "nemo" : NULL;
  /* PROTO 2-5: what every binary pickle (and legacy torch.save) starts with. */
  if (n >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5 && any_end(base, pickle_names))
    return "pickle";
  if (ends(base, ".safetensors"))
    return "safetensors";
  if (ends(base, ".gguf"))
    return "gguf";
  if (ends(base, ".h5") || ends(base, ".hdf5"))
    return "hdf5";
  if (ends(base, ".keras"))
    return "keras";
  if (ends(base, ".nemo"))
    return "nemo";
  if (ends(base, ".onnx"))
    return "onnx";
  if (ends(base, ".pb"))
    return "tf-graph";
  if (ends(base, ".pkl") || ends(base, ".pickle") || ends(base, ".pt") || ends(base, ".pth"))
    return "pickle";
  return NULL;
}

int mg_single_file_package(const char *path) {
  if (mg_text_format_of_name(path) != MG_TEXT_FORMAT_AUTO)
    return 1;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0; /* the archive path reports the error */
  uint8_t head[512];
  ssize_t n = read(fd, head, sizeof head);
  close(fd);
  return mg_model_file_kind(path, head, n > 0 ? (size_t)n : 0) != NULL;
}
