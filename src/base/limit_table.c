/* Limit defaults, parsing of --limit, and the single check function. */
#include "config.h"

#include "limit_table.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <modelgate/plugin.h> /* mg_size_parse: one size syntax for --limit and --set */

static const struct {
  const char *name;
  uint64_t value;
} defaults[MG_LIMIT_COUNT] = {
    [MG_LIMIT_TOTAL_BYTES] = {"total-bytes", MG_DEFAULT_TOTAL_BYTES},
    [MG_LIMIT_ENTRY_BYTES] = {"entry-bytes", MG_DEFAULT_ENTRY_BYTES},
    [MG_LIMIT_ENTRIES] = {"entries", MG_DEFAULT_ENTRIES},
    [MG_LIMIT_RATIO] = {"ratio", MG_DEFAULT_RATIO},
    [MG_LIMIT_RATIO_GRACE] = {"ratio-grace", MG_DEFAULT_RATIO_GRACE},
    [MG_LIMIT_DEPTH] = {"depth", MG_DEFAULT_DEPTH},
    [MG_LIMIT_NAME_BYTES] = {"name-bytes", MG_DEFAULT_NAME_BYTES},
    [MG_LIMIT_DESCRIPTOR_BYTES] = {"descriptor-bytes", MG_DEFAULT_DESCRIPTOR_BYTES},
    [MG_LIMIT_REGISTRY_BYTES] = {"registry-bytes", MG_DEFAULT_REGISTRY_BYTES},
    [MG_LIMIT_RULES_BYTES] = {"rules-bytes", MG_DEFAULT_RULES_BYTES},
    [MG_LIMIT_MODEL_BYTES] = {"model-bytes", MG_DEFAULT_MODEL_BYTES},
    [MG_LIMIT_TENSOR_BYTES] = {"tensor-bytes", MG_DEFAULT_TENSOR_BYTES},
    [MG_LIMIT_GRAPH_NODES] = {"graph-nodes", MG_DEFAULT_GRAPH_NODES},
    [MG_LIMIT_DATASET_BYTES] = {"dataset-bytes", MG_DEFAULT_DATASET_BYTES},
    [MG_LIMIT_SIGNATURE_BYTES] = {"signature-bytes", MG_DEFAULT_SIGNATURE_BYTES},
    [MG_LIMIT_CLASSES] = {"classes", MG_DEFAULT_CLASSES},
    [MG_LIMIT_NPY_HEADER_BYTES] = {"npy-header-bytes", MG_DEFAULT_NPY_HEADER_BYTES},
    [MG_LIMIT_PLUGIN_MESSAGE_BYTES] = {"plugin-message-bytes", MG_DEFAULT_PLUGIN_MESSAGE_BYTES},
    [MG_LIMIT_PLUGIN_FINDINGS] = {"plugin-findings", MG_DEFAULT_PLUGIN_FINDINGS},
    [MG_LIMIT_PLUGIN_IMAGES] = {"plugin-images", MG_DEFAULT_PLUGIN_IMAGES},
    [MG_LIMIT_PLUGIN_EVIDENCE_BYTES] = {"plugin-evidence-bytes", MG_DEFAULT_PLUGIN_EVIDENCE_BYTES},
    [MG_LIMIT_PLUGIN_INDICES] = {"plugin-indices", MG_DEFAULT_PLUGIN_INDICES},
    [MG_LIMIT_IMAGE_SIDE] = {"image-side", MG_DEFAULT_IMAGE_SIDE},
    [MG_LIMIT_ZIP_ENTRIES] = {"zip-entries", MG_DEFAULT_ZIP_ENTRIES},
    [MG_LIMIT_PICKLE_STACK] = {"pickle-stack", MG_DEFAULT_PICKLE_STACK},
    [MG_LIMIT_PICKLE_MEMO] = {"pickle-memo", MG_DEFAULT_PICKLE_MEMO},
    [MG_LIMIT_PICKLE_IMPORTS] = {"pickle-imports", MG_DEFAULT_PICKLE_IMPORTS},
    [MG_LIMIT_TEXT_ROW_BYTES] = {"text-row-bytes", MG_DEFAULT_TEXT_ROW_BYTES},
    [MG_LIMIT_TEXT_ROWS] = {"text-rows", MG_DEFAULT_TEXT_ROWS},
    [MG_LIMIT_DETECTOR_NODES] = {"detector-nodes", MG_DEFAULT_DETECTOR_NODES},
    [MG_LIMIT_WAIVERS_BYTES] = {"waivers-bytes", MG_DEFAULT_WAIVERS_BYTES},
    [MG_LIMIT_BASELINE_BYTES] = {"baseline-bytes", MG_DEFAULT_BASELINE_BYTES},
    [MG_LIMIT_MODEL_SIGNATURE_BYTES] = {"model-signature-bytes", MG_DEFAULT_MODEL_SIGNATURE_BYTES},
};

void mg_limits_default(mg_limits *lim) {
  for (int i = 0; i < MG_LIMIT_COUNT; i++)
    lim->value[i] = defaults[i].value;
}

const char *mg_limit_name(mg_limit_id id) {
  return (unsigned)id < MG_LIMIT_COUNT ? defaults[id].name : "?";
}

int mg_limit_by_name(const char *name) {
  for (int i = 0; name && i < MG_LIMIT_COUNT; i++)
    if (!strcmp(defaults[i].name, name))
      return i;
  return -1;
}

int mg_limits_set(mg_limits *lim, const char *assignment, mg_err *err) {
  const char *eq = strchr(assignment, '=');
  if (!eq)
    return mg_fail(err, MG_ERR_ARGS, "--limit %s: expected NAME=VALUE", assignment);
  size_t n = (size_t)(eq - assignment);
  for (int i = 0; i < MG_LIMIT_COUNT; i++) {
    if (strlen(defaults[i].name) != n || strncmp(defaults[i].name, assignment, n) != 0)
      continue;
    if (mg_size_parse(eq + 1, &lim->value[i]))
      return mg_fail(err, MG_ERR_ARGS, "--limit %s: VALUE must be a non-negative integer",
                     assignment);
    return MG_OK;
  }
  return mg_fail(err, MG_ERR_ARGS, "--limit %s: unknown limit (see modelgate(1))", assignment);
}

int mg_limit_check(const mg_limits *lim, mg_limit_id id, uint64_t value, const char *what,
                   mg_err *err) {
  if (value <= lim->value[id])
    return MG_OK;
  return mg_fail(err, MG_ERR_LIMIT,
                 "%s: %s limit exceeded (%" PRIu64 " > %" PRIu64 "; raise it with --limit %s=N)",
                 what, defaults[id].name, value, lim->value[id], defaults[id].name);
}

int mg_limit_check_ratio(const mg_limits *lim, uint64_t out, uint64_t in, const char *what,
                         mg_err *err) {
  if (out <= lim->value[MG_LIMIT_RATIO_GRACE])
    return MG_OK;
  uint64_t ratio = out / (in ? in : 1);
  if (ratio <= lim->value[MG_LIMIT_RATIO])
    return MG_OK;
  return mg_fail(err, MG_ERR_LIMIT,
                 "%s: compression ratio limit exceeded (%" PRIu64 " bytes out of %" PRIu64
                 " in, ratio %" PRIu64 " > %" PRIu64
                 "; possible decompression bomb; raise it with --limit ratio=N)",
                 what, out, in, ratio, lim->value[MG_LIMIT_RATIO]);
}
