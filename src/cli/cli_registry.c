/* `modelgate registry add|list|revoke`: maintain a JSON registry without
 * hand-editing it. Every change is written atomically. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "package/package.h"
#include "intake/path.h"
#include "registry/registry.h"
#include "intake/sha256.h"
#include "intake/unpack.h"
#include "intake/workspace.h"

static void usage(FILE *out) {
  fputs("usage: modelgate registry add REGISTRY FILE... [--kind KIND] [--name NAME]\n"
        "                 [--origin TEXT] [--trained-on FILE|SHA256]... [--parent FILE|SHA256]\n"
        "                 [--in-package NAME]\n"
        "       modelgate registry add REGISTRY --package PACKAGE [--origin TEXT]\n"
        "       modelgate registry list REGISTRY [--json]\n"
        "       modelgate registry revoke REGISTRY SHA256|NAME [--in-package NAME]\n"
        "                 [--reason TEXT]\n\n"
        "add      approves artifacts by SHA-256 (the registry is created if missing);\n"
        "         --package approves every file of a package with its role as kind, the\n"
        "         model recorded as trained on the package's training set, each entry\n"
        "         recording the package's name (as the scan's reports show it);\n"
        "         --in-package NAME records it for FILEs\n"
        "list     prints status, kind, digest, size and name of every entry\n"
        "revoke   marks every entry with that digest or name as revoked; with\n"
        "         --in-package only that package's entries\n"
        "KIND is model, dataset, source, package or other.\n",
        out);
}

enum {
  OPT_KIND = 256,
  OPT_NAME,
  OPT_ORIGIN,
  OPT_TRAINED,
  OPT_PARENT,
  OPT_PACKAGE,
  OPT_REASON,
  OPT_JSON,
  OPT_IN_PACKAGE
};

static const struct option options[] = {
    {"kind", required_argument, NULL, OPT_KIND},
    {"name", required_argument, NULL, OPT_NAME},
    {"origin", required_argument, NULL, OPT_ORIGIN},
    {"trained-on", required_argument, NULL, OPT_TRAINED},
    {"parent", required_argument, NULL, OPT_PARENT},
    {"package", required_argument, NULL, OPT_PACKAGE},
    {"reason", required_argument, NULL, OPT_REASON},
    {"json", no_argument, NULL, OPT_JSON},
    {"in-package", required_argument, NULL, OPT_IN_PACKAGE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A digest given directly, or the digest of a file. */
static int digest_of(const char *arg, char out[MG_SHA256_HEX], mg_err *err) {
  if (mg_sha256_is_hex(arg)) {
    for (int i = 0; i < 65; i++)
      out[i] = (char)(arg[i] >= 'A' && arg[i] <= 'F' ? arg[i] - 'A' + 'a' : arg[i]);
    return MG_OK;
  }
  return mg_sha256_file(arg, out, NULL, err);
}

static mg_artifact_kind kind_of_role(const char *role) {
  if (!strcmp(role, "model"))
    return MG_KIND_MODEL;
  if (strstr(role, "train") || strstr(role, "reference"))
    return MG_KIND_DATASET;
  return MG_KIND_OTHER;
}

/* Approves every depth-0 file of a package, and the package itself. */
static int add_package(mg_registry *reg, const char *package, const char *origin, mg_err *err) {
  mg_limits lim;
  mg_limits_default(&lim);
  mg_workspace ws;
  int rc = mg_workspace_create(&ws, NULL, err);
  if (rc)
    return rc;
  mg_package pkg;
  mg_package_init(&pkg);
  rc = mg_unpack(package, &ws, &lim, &pkg.inv, err);
  if (!rc && pkg.inv.n_refused)
    rc = mg_fail(err, MG_ERR_UNSAFE,
                 "%s: refused to approve a package with unsafe entries ('%s': %s)", package,
                 pkg.inv.refused[0].name, pkg.inv.refused[0].reason);
  if (!rc)
    rc = mg_package_resolve(&pkg, NULL, &ws, &lim, err);
  const char *trained[3] = {NULL, NULL, NULL};
  size_t nt = 0;
  if (!rc && pkg.train_inputs)
    trained[nt++] = pkg.train_inputs->sha256;
  if (!rc && pkg.train_labels)
    trained[nt++] = pkg.train_labels->sha256;
  size_t added = 0;
  /* The name the scan's reports give the package: entries carry it. */
  const char *name = pkg.name ? pkg.name : pkg.inv.name;
  for (size_t i = 0; !rc && i < pkg.inv.count; i++) {
    const mg_file *f = &pkg.inv.files[i];
    if (f->depth)
      continue;
    mg_artifact_new a = {f->path, f->sha256, f->size, kind_of_role(f->role),
                         origin,  NULL,      NULL,    name};
    if (f == pkg.model)
      a.trained_on = trained;
    rc = mg_registry_add(reg, &a, err);
    added += !rc;
  }
  if (!rc) {
    mg_artifact_new a = {name, pkg.inv.sha256, 0, MG_KIND_PACKAGE, origin, NULL, NULL, name};
    rc = mg_registry_add(reg, &a, err);
    if (!rc)
      printf("approved %zu files of %s and the package '%s' itself (%.16s...)\n", added, package,
             name, pkg.inv.sha256);
  }
  mg_package_free(&pkg);
  mg_workspace_destroy(&ws);
  return rc;
}

static int cmd_add(mg_registry *reg, int argc, char **argv, const char *kind_s, const char *name,
                   const char *origin, char **trained_args, size_t n_trained,
                   const char *parent_arg, const char *package, const char *in_package,
                   mg_err *err) {
  if (package) {
    if (argc)
      return mg_fail(err, MG_ERR_ARGS, "registry add: give either FILEs or --package, not both");
    if (in_package)
      return mg_fail(err, MG_ERR_ARGS,
                     "registry add: --package records the package's own name; drop --in-package");
    return add_package(reg, package, origin, err);
  }
  if (!argc)
    return mg_fail(err, MG_ERR_ARGS, "registry add: no FILE given");
  if (name && argc > 1)
    return mg_fail(err, MG_ERR_ARGS, "registry add: --name needs exactly one FILE");
  mg_artifact_kind kind = MG_KIND_OTHER;
  if (kind_s && mg_artifact_kind_parse(kind_s, &kind))
    return mg_fail(err, MG_ERR_ARGS, "--kind %s: expected model, dataset, source, package or other",
                   kind_s);
  char(*trained)[MG_SHA256_HEX] = calloc(n_trained + 1, sizeof *trained);
  const char **trained_ptrs = calloc(n_trained + 1, sizeof *trained_ptrs);
  char parent[MG_SHA256_HEX];
  int rc = trained && trained_ptrs ? MG_OK : mg_fail(err, MG_ERR_NOMEM, "out of memory");
  for (size_t i = 0; !rc && i < n_trained; i++) {
    rc = digest_of(trained_args[i], trained[i], err);
    trained_ptrs[i] = trained[i];
  }
  if (!rc && parent_arg)
    rc = digest_of(parent_arg, parent, err);
  for (int i = 0; !rc && i < argc; i++) {
    char digest[MG_SHA256_HEX];
    uint64_t size = 0;
    rc = mg_sha256_file(argv[i], digest, &size, err);
    if (rc)
      break;
    mg_artifact_new a = {name ? name : mg_path_base(argv[i]),
                         digest,
                         size,
                         kind,
                         origin,
                         n_trained ? trained_ptrs : NULL,
                         parent_arg ? parent : NULL,
                         in_package};
    rc = mg_registry_add(reg, &a, err);
    if (!rc)
      printf("approved %s %s (%s)\n", a.name, digest, mg_artifact_kind_name(kind));
  }
  free(trained);
  free(trained_ptrs);
  return rc;
}

static void cmd_list(const mg_registry *reg, int as_json) {
  if (as_json && reg->doc) {
    json_dumpf(reg->doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    return;
  }
  for (size_t i = 0; i < reg->count; i++) {
    const mg_artifact *a = &reg->items[i];
    printf("%-8s %-8s %.16s... %12llu  %s%s%s%s%s%s\n", a->revoked ? "revoked" : "approved",
           mg_artifact_kind_name(a->kind), a->sha256, (unsigned long long)a->size, a->name,
           a->n_trained_on ? "  (lineage recorded)" : "", a->parent[0] ? "  (has parent)" : "",
           a->package ? "  [package " : "", a->package ? a->package : "", a->package ? "]" : "");
  }
  printf("%zu artifact%s\n", reg->count, reg->count == 1 ? "" : "s");
}

int mg_cmd_registry(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? MG_EXIT_ERROR : MG_EXIT_PASS;
  }
  const char *action = argv[1];
  if (strcmp(action, "add") && strcmp(action, "list") && strcmp(action, "revoke")) {
    fprintf(stderr, "modelgate: error: registry: unknown action '%s'\n", action);
    usage(stderr);
    return MG_EXIT_ERROR;
  }
  const char *kind = NULL, *name = NULL, *origin = NULL, *parent = NULL, *package = NULL,
             *reason = NULL, *in_package = NULL;
  char **trained = calloc((size_t)argc, sizeof *trained);
  size_t n_trained = 0;
  int as_json = 0, c, status = MG_EXIT_ERROR;
  if (!trained)
    return mg_cli_error("out of memory");
  optind = 1;
  while ((c = getopt_long(argc - 1, argv + 1, "h", options, NULL)) != -1) {
    switch (c) {
    case OPT_KIND:
      kind = optarg;
      break;
    case OPT_NAME:
      name = optarg;
      break;
    case OPT_ORIGIN:
      origin = optarg;
      break;
    case OPT_TRAINED:
      trained[n_trained++] = optarg;
      break;
    case OPT_PARENT:
      parent = optarg;
      break;
    case OPT_PACKAGE:
      package = optarg;
      break;
    case OPT_REASON:
      reason = optarg;
      break;
    case OPT_JSON:
      as_json = 1;
      break;
    case OPT_IN_PACKAGE:
      in_package = optarg;
      break;
    case 'h':
      usage(stdout);
      free(trained);
      return MG_EXIT_PASS;
    default:
      usage(stderr);
      free(trained);
      return MG_EXIT_ERROR;
    }
  }
  int rest = argc - 1 - optind;
  char **args = argv + 1 + optind;
  if (rest < 1) {
    free(trained);
    return mg_cli_error("registry: REGISTRY file missing");
  }
  mg_limits lim;
  mg_limits_default(&lim);
  mg_registry reg;
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_registry_load(&reg, args[0], &lim, !strcmp(action, "add"), &err);
  if (!rc && !strcmp(action, "list")) {
    if (rest != 1)
      rc = mg_fail(&err, MG_ERR_ARGS, "registry list: unexpected argument '%s'", args[1]);
    else
      cmd_list(&reg, as_json);
  } else if (!rc && !strcmp(action, "add")) {
    rc = cmd_add(&reg, rest - 1, args + 1, kind, name, origin, trained, n_trained, parent, package,
                 in_package, &err);
    if (!rc)
      rc = mg_registry_save(&reg, &err);
  } else if (!rc) {
    size_t revoked = 0;
    if (rest != 2)
      rc = mg_fail(&err, MG_ERR_ARGS, "registry revoke: expected REGISTRY and one SHA256 or NAME");
    else
      rc = mg_registry_revoke(&reg, args[1], in_package, reason, &revoked, &err);
    if (!rc)
      rc = mg_registry_save(&reg, &err);
    if (!rc)
      printf("revoked %zu entr%s\n", revoked, revoked == 1 ? "y" : "ies");
  }
  if (rc)
    mg_log_error("%s", err.msg);
  else
    status = MG_EXIT_PASS;
  mg_registry_free(&reg);
  free(trained);
  return status;
}
