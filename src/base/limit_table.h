/* Every resource limit modelgate enforces, with its default, in one place.
 * Vendor packages are hostile: each parser and decompression loop asks
 * mg_limit_check() before it grows, and a limit that is hit is reported as
 * an error (exit 2), never a silent truncation. Users override any of them
 * with --limit NAME=VALUE; docs/package-format.md ("Limits") and modelgate(1)
 * list them. */
#ifndef MG_LIMIT_TABLE_H
#define MG_LIMIT_TABLE_H

#include <stdint.h>

#include "diag.h"

typedef enum mg_limit_id {
  MG_LIMIT_TOTAL_BYTES,          /* bytes decompressed from the package, nested archives included */
  MG_LIMIT_ENTRY_BYTES,          /* bytes of any single file or member */
  MG_LIMIT_ENTRIES,              /* files and members, all levels */
  MG_LIMIT_RATIO,                /* decompressed/compressed bytes of an archive */
  MG_LIMIT_RATIO_GRACE,          /* output bytes before the ratio is enforced */
  MG_LIMIT_DEPTH,                /* archives inside archives that are inspected */
  MG_LIMIT_NAME_BYTES,           /* length of a path inside the package */
  MG_LIMIT_DESCRIPTOR_BYTES,     /* modelgate.json */
  MG_LIMIT_REGISTRY_BYTES,       /* registry file */
  MG_LIMIT_RULES_BYTES,          /* a rules XML file */
  MG_LIMIT_MODEL_BYTES,          /* an ONNX file and its external data */
  MG_LIMIT_TENSOR_BYTES,         /* one tensor the runtime allocates */
  MG_LIMIT_GRAPH_NODES,          /* nodes in an ONNX graph */
  MG_LIMIT_DATASET_BYTES,        /* a decompressed dataset */
  MG_LIMIT_SIGNATURE_BYTES,      /* a registry's detached signature */
  MG_LIMIT_CLASSES,              /* classes a descriptor lists, labels a finding names */
  MG_LIMIT_NPY_HEADER_BYTES,     /* an NPY file's header */
  MG_LIMIT_PLUGIN_MESSAGE_BYTES, /* one message from a plugin's child */
  MG_LIMIT_PLUGIN_FINDINGS,      /* findings kept per plugin (the rest are counted) */
  MG_LIMIT_PLUGIN_IMAGES,        /* images attached per plugin */
  MG_LIMIT_PLUGIN_EVIDENCE_BYTES, /* evidence JSON per plugin */
  MG_LIMIT_PLUGIN_INDICES,        /* row indices one finding names */
  MG_LIMIT_IMAGE_SIDE,            /* height or width of an attached image */
  MG_LIMIT_TEXT_ROW_BYTES,        /* one row of a text dataset (line, CSV record, array element) */
  MG_LIMIT_TEXT_ROWS,             /* rows of one text dataset */
  /* Read by plugins through option("limit.NAME"): */
  MG_LIMIT_ZIP_ENTRIES,           /* central-directory entries of a zip inside an artifact */
  MG_LIMIT_PICKLE_STACK,          /* items on a disassembled pickle's stack */
  MG_LIMIT_PICKLE_MEMO,           /* a pickle's memo entries */
  MG_LIMIT_PICKLE_IMPORTS,        /* distinct imports kept per pickle */
  MG_LIMIT_DETECTOR_NODES,        /* model nodes beyond which model-based detectors are not run */
  MG_LIMIT_WAIVERS_BYTES,         /* the reviewer's --waivers file */
  MG_LIMIT_BASELINE_BYTES,        /* the --baseline results JSON */
  MG_LIMIT_MODEL_SIGNATURE_BYTES, /* the --model-signature Sigstore bundle */
  MG_LIMIT_COUNT
} mg_limit_id;

typedef struct mg_limits {
  uint64_t value[MG_LIMIT_COUNT];
} mg_limits;

#define MG_KIB (UINT64_C(1) << 10)
#define MG_MIB (UINT64_C(1) << 20)
#define MG_GIB (UINT64_C(1) << 30)

/* Defaults sized for classifier packages on a workstation. */
#define MG_DEFAULT_TOTAL_BYTES (64 * MG_GIB)
#define MG_DEFAULT_ENTRY_BYTES (16 * MG_GIB)
#define MG_DEFAULT_ENTRIES UINT64_C(100000)
#define MG_DEFAULT_RATIO UINT64_C(200)
/* Image classifiers run to a few hundred nodes (ResNet-152: ~500); a model
 * past this makes the model-based detectors (thousands of forward and
 * backward passes each) outlast any CI job (issue 14). */
#define MG_DEFAULT_DETECTOR_NODES UINT64_C(2000)
#define MG_DEFAULT_RATIO_GRACE (8 * MG_MIB)
#define MG_DEFAULT_DEPTH UINT64_C(2)
#define MG_DEFAULT_NAME_BYTES UINT64_C(1024)
#define MG_DEFAULT_DESCRIPTOR_BYTES (4 * MG_MIB)
#define MG_DEFAULT_REGISTRY_BYTES (256 * MG_MIB)
#define MG_DEFAULT_RULES_BYTES (16 * MG_MIB)
#define MG_DEFAULT_MODEL_BYTES (8 * MG_GIB)
#define MG_DEFAULT_TENSOR_BYTES (2 * MG_GIB)
#define MG_DEFAULT_GRAPH_NODES UINT64_C(100000)
#define MG_DEFAULT_DATASET_BYTES (32 * MG_GIB)
#define MG_DEFAULT_TEXT_ROW_BYTES (16 * MG_MIB)
#define MG_DEFAULT_TEXT_ROWS UINT64_C(200000000)
#define MG_DEFAULT_SIGNATURE_BYTES UINT64_C(4096)
#define MG_DEFAULT_CLASSES UINT64_C(100000)
#define MG_DEFAULT_NPY_HEADER_BYTES (64 * MG_KIB)
#define MG_DEFAULT_PLUGIN_MESSAGE_BYTES (64 * MG_MIB)
#define MG_DEFAULT_PLUGIN_FINDINGS UINT64_C(20000)
#define MG_DEFAULT_PLUGIN_IMAGES UINT64_C(64)
#define MG_DEFAULT_PLUGIN_EVIDENCE_BYTES (8 * MG_MIB)
#define MG_DEFAULT_PLUGIN_INDICES (UINT64_C(1) << 24)
#define MG_DEFAULT_IMAGE_SIDE UINT64_C(8192)
#define MG_DEFAULT_ZIP_ENTRIES (UINT64_C(1) << 20)
#define MG_DEFAULT_PICKLE_STACK (UINT64_C(1) << 22)
#define MG_DEFAULT_PICKLE_MEMO (UINT64_C(1) << 22)
#define MG_DEFAULT_PICKLE_IMPORTS UINT64_C(65536)
#define MG_DEFAULT_WAIVERS_BYTES (16 * MG_MIB)
#define MG_DEFAULT_BASELINE_BYTES (1 * MG_GIB)
/* About 150 bytes a signed file or shard: room for 400,000 of them. */
#define MG_DEFAULT_MODEL_SIGNATURE_BYTES (64 * MG_MIB)

void mg_limits_default(mg_limits *lim);
/* Parses "NAME=VALUE" (VALUE may end in K, M or G). */
int mg_limits_set(mg_limits *lim, const char *assignment, mg_err *err);
const char *mg_limit_name(mg_limit_id id);
/* The limit called name ("rules-bytes"), or -1. */
int mg_limit_by_name(const char *name);

/* The one enforcement point: fails with MG_ERR_LIMIT when value exceeds the
 * limit, naming what was being read. */
int mg_limit_check(const mg_limits *lim, mg_limit_id id, uint64_t value, const char *what,
                   mg_err *err);
/* Compression ratio of out bytes produced from in bytes consumed. */
int mg_limit_check_ratio(const mg_limits *lim, uint64_t out, uint64_t in, const char *what,
                         mg_err *err);

#endif
