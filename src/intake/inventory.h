/* The list of files a package holds, as unpacked into the workspace, with
 * their digests, roles and the anomalies the unpacker recorded. Built once
 * per scan and read-only afterwards. */
#ifndef MG_INVENTORY_H
#define MG_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "sha256.h"

/* A file's registry verdict (src/registry/registry_check.c). */
typedef enum mg_registry_status {
  MG_REG_NOT_CHECKED = 0, /* no registry given */
  MG_REG_APPROVED,
  MG_REG_UNKNOWN,
  MG_REG_MISMATCH, /* a known name with another digest */
  MG_REG_REVOKED
} mg_registry_status;

typedef struct mg_file {
  char *path;       /* normal, relative to the package root; "a.zip!/m" for members */
  char *ws_path;    /* relative to the workspace root; NULL for nested members */
  char *container;  /* nested members: path of the archive holding them */
  char *note;       /* anomaly recorded while reading it, or NULL */
  const char *role; /* static: "model", "train-inputs", ..., "other" */
  char sha256[MG_SHA256_HEX];
  uint64_t size;
  uint32_t mode;  /* permission bits recorded in the package */
  uint32_t depth; /* 0 in the package, 1+ inside nested archives */
  int is_archive; /* libarchive recognised it */
  /* Written by the registry stage, read by the plugins and the reports. */
  mg_registry_status registry;
  char *registry_name; /* the entry that matched, or NULL */
} mg_file;

/* An entry refused by the unpacker: it was not written anywhere. */
typedef struct mg_refusal {
  char *name;   /* as it appeared in the package (sanitised for printing) */
  char *reason; /* one line */
} mg_refusal;

typedef struct mg_inventory {
  char *source; /* the package path the user gave */
  char *name;   /* basename of the package */
  int is_directory;
  char *root_prefix;          /* workspace prefix of the package root ("" or "x/") */
  char sha256[MG_SHA256_HEX]; /* archive bytes, or the manifest digest of a directory */
  uint64_t total_bytes;       /* bytes decompressed, all levels */
  uint64_t entries;           /* entries seen, all levels */
  mg_file *files;
  size_t count, cap;
  int registry_checked; /* a registry was given: files carry its verdicts */
  mg_refusal *refused;
  size_t n_refused, cap_refused;
} mg_inventory;

void mg_inventory_init(mg_inventory *inv);
void mg_inventory_free(mg_inventory *inv);
/* Appends a zeroed file record and returns it (NULL on OOM). */
mg_file *mg_inventory_add(mg_inventory *inv);
int mg_inventory_refuse(mg_inventory *inv, const char *name, const char *reason);
/* Files at depth 0 by package path, or NULL. */
mg_file *mg_inventory_find(const mg_inventory *inv, const char *path);
void mg_file_set_note(mg_file *f, const char *note);
/* Digest of "sha256  path\n" lines over depth-0 files in path order: the
 * identity of a directory package. */
int mg_inventory_manifest_digest(const mg_inventory *inv, char hex[MG_SHA256_HEX], mg_err *err);

#endif
