/* `modelgate scan` and `modelgate verify`: parse options into a scan
 * config, run it, print a summary, write the requested reports. verify is
 * a scan with the registry required and no detector plugins. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_config.h"
#include "base/paths.h"
#include "base/suggest.h"
#include "cli_review.h"
#include "report/report.h"
#include "report/report_set.h"
#include "report/report_text.h"
#include "scan.h"

enum {
  OPT_REGISTRY = 256,
  OPT_REGISTRY_KEY,
  OPT_REGISTRY_SIG,
  OPT_UNKNOWN,
  OPT_FAIL_ON,
  OPT_JSON,
  OPT_XML,
  OPT_JUNIT,
  OPT_HTML,
  OPT_SARIF,
  OPT_STYLESHEET,
  OPT_KEEP,
  OPT_LIMIT,
  OPT_PLUGINS,
  OPT_ONLY,
  OPT_SKIP,
  OPT_SET,
  OPT_STRICT,
  OPT_SEED,
  OPT_TIMEOUT,
  OPT_CPU,
  OPT_MEM,
  OPT_RULES,
  OPT_MODEL,
  OPT_TRAIN_IN,
  OPT_TRAIN_LB,
  OPT_REF_IN,
  OPT_REF_LB,
  OPT_INPUTS,
  OPT_SCALE,
  OPT_MEAN,
  OPT_STD,
  OPT_LAYER,
  OPT_CONFIG,
  OPT_NO_CONFIG,
  OPT_WAIVERS,
  OPT_BASELINE,
  OPT_CYCLONEDX,
  OPT_MODEL_SIG,
  OPT_MODEL_KEY,
  OPT_MODEL_CA,
};

static const struct option scan_options[] = {
    {"registry", required_argument, NULL, OPT_REGISTRY},
    {"registry-key", required_argument, NULL, OPT_REGISTRY_KEY},
    {"registry-sig", required_argument, NULL, OPT_REGISTRY_SIG},
    {"unknown-severity", required_argument, NULL, OPT_UNKNOWN},
    {"model-signature", required_argument, NULL, OPT_MODEL_SIG},
    {"model-key", required_argument, NULL, OPT_MODEL_KEY},
    {"model-cert-chain", required_argument, NULL, OPT_MODEL_CA},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"json", required_argument, NULL, OPT_JSON},
    {"xml", required_argument, NULL, OPT_XML},
    {"junit", required_argument, NULL, OPT_JUNIT},
    {"html", required_argument, NULL, OPT_HTML},
    {"sarif", required_argument, NULL, OPT_SARIF},
    {"cyclonedx", required_argument, NULL, OPT_CYCLONEDX},
    {"stylesheet", required_argument, NULL, OPT_STYLESHEET},
    {"keep-workspace", required_argument, NULL, OPT_KEEP},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"plugins", required_argument, NULL, OPT_PLUGINS},
    {"only", required_argument, NULL, OPT_ONLY},
    {"skip", required_argument, NULL, OPT_SKIP},
    {"set", required_argument, NULL, OPT_SET},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"seed", required_argument, NULL, OPT_SEED},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"cpu-limit", required_argument, NULL, OPT_CPU},
    {"mem-limit", required_argument, NULL, OPT_MEM},
    {"rules", required_argument, NULL, OPT_RULES},
    {"model", required_argument, NULL, OPT_MODEL},
    {"train-inputs", required_argument, NULL, OPT_TRAIN_IN},
    {"train-labels", required_argument, NULL, OPT_TRAIN_LB},
    {"reference-inputs", required_argument, NULL, OPT_REF_IN},
    {"reference-labels", required_argument, NULL, OPT_REF_LB},
    {"inputs", required_argument, NULL, OPT_INPUTS},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"mean", required_argument, NULL, OPT_MEAN},
    {"std", required_argument, NULL, OPT_STD},
    {"feature-layer", required_argument, NULL, OPT_LAYER},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"no-config", no_argument, NULL, OPT_NO_CONFIG},
    {"waivers", required_argument, NULL, OPT_WAIVERS},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out, int verify) {
  if (verify)
    fputs("usage: modelgate verify PACKAGE --registry FILE [OPTIONS]\n"
          "       modelgate verify PACKAGE --model-signature FILE --model-key PEM [OPTIONS]\n\n"
          "Unpacks PACKAGE safely and checks every file's SHA-256 against the registry of\n"
          "approved artifacts and/or an OpenSSF model signature. No detector runs.\n\n",
          out);
  else
    fputs("usage: modelgate scan PACKAGE [OPTIONS]\n\n"
          "Unpacks PACKAGE (an archive or a directory) safely, checks digests against a\n"
          "registry, runs the detector plugins, evaluates the checklist and writes reports.\n\n",
          out);
  fputs("Registry:\n"
        "  --registry FILE          registry of approved artifacts (JSON or sha256sum)\n"
        "  --registry-key PEM       require a valid detached signature (Ed25519/ECDSA P-256)\n"
        "  --registry-sig FILE      the signature (default: FILE.sig)\n"
        "  --unknown-severity SEV   severity for files the registry does not know (low)\n"
        "Model signature (OpenSSF model_signing v1, offline; docs/model-signatures.md):\n"
        "  --model-signature FILE   the Sigstore bundle (model.sig) the vendor signed\n"
        "  --model-key PEM          verify with this ECDSA public key (the key method)\n"
        "  --model-cert-chain PEM   or: its certificate must chain to this CA\n"
        "Gate and reports:\n"
        "  --fail-on SEV            lowest severity that fails the gate (high)\n"
        "  --json FILE  --xml FILE  --junit FILE  --html FILE  --sarif FILE\n"
        "  --cyclonedx FILE         CycloneDX 1.6 ML-BOM of the package and the verdict\n"
        "                           reports; FILE - is standard output (one report)\n"
        "  --stylesheet NAME=FILE   XSLT used for junit or html instead of the shipped one\n"
        "  --rules DIR              rules directory (checklist, ATLAS catalog, policy)\n"
        "  --waivers FILE           the reviewer's waivers (docs/waivers.md)\n"
        "  --baseline OLD.json      mark findings new or unchanged since that JSON report\n"
        "Package:\n"
        "  --keep-workspace DIR     unpack into DIR (new or empty) and leave it there\n"
        "  --limit NAME=VALUE       raise or lower a limit (see modelgate(1), "
        "docs/package-format.md)\n"
        "  --model PATH  --train-inputs PATH  --train-labels PATH\n"
        "  --reference-inputs PATH  --reference-labels PATH\n"
        "                           override the descriptor's roles (paths inside the package)\n"
        "  --scale S  --mean M[,M..]  --std S[,S..]  --feature-layer NAME\n",
        out);
  if (!verify)
    fputs("Detectors:\n"
          "  --plugins DIR            load plugins from DIR\n"
          "  --only A,B  --skip A,B   choose plugins by name\n"
          "  --set NAME.KEY=VALUE     a plugin option\n"
          "  --inputs PATH            extra rows for the input-level detectors (strip, scale-up,\n"
          "                           ibd-psc); may be outside the package\n"
          "  --strict                 unknown pickle imports are critical\n"
          "  --seed N                 random seed (default 0)\n"
          "  --timeout S  --cpu-limit S  --mem-limit MIB   per-plugin limits\n",
          out);
  fputs("Configuration:\n"
        "  --config FILE            options from FILE (JSON; default ./.modelgate.json)\n"
        "  --no-config              do not read ./.modelgate.json\n"
        "  -q, --quiet  -v, --verbose  -h, --help\n\n"
        "Exit status: 0 passed, 1 gate failed, 2 scan could not be completed.\n",
        out);
}

static int parse_double(const char *s, const char *opt, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v > 0) || v > 1e9) {
    fprintf(stderr, "modelgate: error: %s: expected a positive number, got '%s'\n", opt, s);
    return -1;
  }
  *out = v;
  return 0;
}

static int parse_u64(const char *s, const char *opt, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || s[0] == '-') {
    fprintf(stderr, "modelgate: error: %s: expected a non-negative integer, got '%s'\n", opt, s);
    return -1;
  }
  *out = v;
  return 0;
}

typedef struct report_paths {
  mg_report_set set; /* its stylesheets point into the array below */
  const char *stylesheets[8];
} report_paths;

/* An option getopt_long refused (opterr off): one line, with the nearest
 * option for a misspelt one. */
static void bad_option(char *const *argv, int verify) {
  const char *cmd = verify ? "verify" : "scan";
  if (optopt) { /* a known option without its value, or an unknown letter */
    for (const struct option *o = scan_options; o->name; o++)
      if (o->val == optopt) {
        fprintf(stderr, "modelgate: error: --%s: expects a value (see modelgate %s --help)\n",
                o->name, cmd);
        return;
      }
    fprintf(stderr, "modelgate: error: unknown option '-%c' (see modelgate %s --help)\n",
            optopt > 32 && optopt < 127 ? optopt : '?', cmd);
    return;
  }
  const char *arg = argv[optind - 1], *name = arg + strspn(arg, "-");
  size_t len = strcspn(name, "=");
  const char *names[sizeof scan_options / sizeof *scan_options] = {NULL};
  for (size_t i = 0; scan_options[i].name; i++)
    names[i] = scan_options[i].name;
  const char *near = mg_suggest(name, len, names, sizeof names / sizeof *names);
  fprintf(stderr, "modelgate: error: unknown option '%.*s'%s%s%s (see modelgate %s --help)\n",
          (int)(name - arg + len), arg, near ? " (did you mean '--" : "", near ? near : "",
          near ? "'?)" : "", cmd);
}

/* --stylesheet NAME=FILE: a view that takes one, and a file that exists. */
static int check_stylesheets(const report_paths *out, mg_err *err) {
  static const char *const views[] = {"junit", "html"};
  for (size_t i = 0; i < out->set.n_stylesheets; i++) {
    const char *s = out->stylesheets[i], *eq = strchr(s, '=');
    size_t len = eq ? (size_t)(eq - s) : strlen(s);
    if (!eq || !((len == 5 && !strncmp(s, "junit", 5)) || (len == 4 && !strncmp(s, "html", 4))))
      return mg_fail(err, MG_ERR_ARGS, "--stylesheet %s: expected junit=FILE or html=FILE%s", s,
                     mg_suggest_text(s, len, views, 2));
    if (mg_paths_check_input("--stylesheet", eq + 1, 0, err))
      return MG_ERR_ARGS;
  }
  return MG_OK;
}

static int run_args(int argc, char **argv, int verify) {
  mg_scan_config cfg;
  mg_scan_config_default(&cfg);
  cfg.run_plugins = !verify;
  report_paths out;
  memset(&out, 0, sizeof out);
  out.set.stylesheets = out.stylesheets;
  mg_cli_review review = {0};
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  size_t n_sets = 0;
  int verbosity = 1, status = MG_EXIT_ERROR;
  if (!sets)
    return mg_cli_error("out of memory");
  mg_err err;
  mg_err_clear(&err);
  optind = 1;
  opterr = 0; /* bad_option says it in one line */
  int c;
  while ((c = getopt_long(argc, argv, "qvh", scan_options, NULL)) != -1) {
    uint64_t mib;
    switch (c) {
    case OPT_REGISTRY:
      cfg.registry = optarg;
      break;
    case OPT_REGISTRY_KEY:
      cfg.registry_key = optarg;
      break;
    case OPT_REGISTRY_SIG:
      cfg.registry_sig = optarg;
      break;
    case OPT_MODEL_SIG:
      cfg.model_signature = optarg;
      break;
    case OPT_MODEL_KEY:
      cfg.model_key = optarg;
      break;
    case OPT_MODEL_CA:
      cfg.model_cert_chain = optarg;
      break;
    case OPT_UNKNOWN:
    case OPT_FAIL_ON:
      cfg.fail_on_given |= c == OPT_FAIL_ON;
      if (mg_severity_parse(optarg, c == OPT_UNKNOWN ? &cfg.unknown_severity : &cfg.fail_on)) {
        fprintf(stderr, "modelgate: error: --%s: expected info, low, medium, high or critical\n",
                c == OPT_UNKNOWN ? "unknown-severity" : "fail-on");
        goto out;
      }
      break;
    case OPT_JSON:
      out.set.path[MG_REPORT_JSON] = optarg;
      break;
    case OPT_XML:
      out.set.path[MG_REPORT_XML] = optarg;
      break;
    case OPT_JUNIT:
      out.set.path[MG_REPORT_JUNIT] = optarg;
      break;
    case OPT_HTML:
      out.set.path[MG_REPORT_HTML] = optarg;
      break;
    case OPT_SARIF:
      out.set.path[MG_REPORT_SARIF] = optarg;
      break;
    case OPT_CYCLONEDX:
      out.set.path[MG_REPORT_CYCLONEDX] = optarg;
      break;
    case OPT_STYLESHEET:
      if (out.set.n_stylesheets == sizeof out.stylesheets / sizeof *out.stylesheets) {
        mg_cli_error("--stylesheet: too many");
        goto out;
      }
      out.stylesheets[out.set.n_stylesheets++] = optarg;
      break;
    case OPT_KEEP:
      cfg.keep_workspace = optarg;
      break;
    case OPT_LIMIT:
      if (mg_limits_set(&cfg.limits, optarg, &err)) {
        mg_cli_error(err.msg);
        goto out;
      }
      break;
    case OPT_PLUGINS:
      cfg.host.plugin_dir = optarg;
      break;
    case OPT_ONLY:
      cfg.host.only = optarg;
      break;
    case OPT_SKIP:
      cfg.host.skip = optarg;
      break;
    case OPT_SET:
      if (!strchr(optarg, '.') || !strchr(optarg, '=')) {
        fprintf(stderr, "modelgate: error: --set %s: expected NAME.KEY=VALUE\n", optarg);
        goto out;
      }
      sets[n_sets++] = optarg;
      break;
    case OPT_STRICT:
      cfg.host.strict = 1;
      break;
    case OPT_SEED:
      if (parse_u64(optarg, "--seed", &cfg.host.seed))
        goto out;
      break;
    case OPT_TIMEOUT:
      if (parse_double(optarg, "--timeout", &cfg.host.timeout))
        goto out;
      break;
    case OPT_CPU:
      if (parse_double(optarg, "--cpu-limit", &cfg.host.cpu_limit))
        goto out;
      break;
    case OPT_MEM:
      if (parse_u64(optarg, "--mem-limit", &mib))
        goto out;
      if (mib < 16 || mib > (UINT64_C(1) << 40)) {
        mg_cli_error("--mem-limit: expected MiB between 16 and 2^40");
        goto out;
      }
      cfg.host.mem_limit = mib * MG_MIB;
      break;
    case OPT_RULES:
      cfg.rules_dir = optarg;
      break;
    case OPT_MODEL:
      cfg.overrides.model = optarg;
      break;
    case OPT_TRAIN_IN:
      cfg.overrides.train_inputs = optarg;
      break;
    case OPT_TRAIN_LB:
      cfg.overrides.train_labels = optarg;
      break;
    case OPT_REF_IN:
      cfg.overrides.reference_inputs = optarg;
      break;
    case OPT_REF_LB:
      cfg.overrides.reference_labels = optarg;
      break;
    case OPT_INPUTS:
      cfg.host.inputs = optarg;
      break;
    case OPT_SCALE:
      cfg.overrides.scale = optarg;
      break;
    case OPT_MEAN:
      cfg.overrides.mean = optarg;
      break;
    case OPT_STD:
      cfg.overrides.std = optarg;
      break;
    case OPT_LAYER:
      cfg.overrides.feature_layer = optarg;
      break;
    case OPT_CONFIG: /* read before parsing, by run() */
    case OPT_NO_CONFIG:
      break;
    case OPT_WAIVERS:
      review.waivers_path = optarg;
      break;
    case OPT_BASELINE:
      review.baseline_path = optarg;
      break;
    case 'q':
      verbosity = 0;
      break;
    case 'v':
      verbosity = verbosity >= 2 ? 3 : 2;
      break;
    case 'h':
      usage(stdout, verify);
      status = MG_EXIT_PASS;
      goto out;
    default:
      bad_option(argv, verify);
      goto out;
    }
  }
  cfg.host.sets = sets;
  mg_cli_set_verbosity(verbosity);
  if (optind != argc - 1) {
    fprintf(stderr, "modelgate: error: expected exactly one PACKAGE (see modelgate %s --help)\n",
            verify ? "verify" : "scan");
    goto out;
  }
  if (verify && !cfg.registry && !cfg.model_signature) {
    mg_cli_error("verify needs --registry FILE or --model-signature FILE");
    goto out;
  }
  cfg.package = argv[optind];
  if (check_stylesheets(&out, &err) || mg_report_set_check(&out.set, &err) ||
      mg_scan_config_check(&cfg, &err)) {
    mg_cli_error(err.msg);
    goto out;
  }
  if (mg_cli_review_load(&review, &cfg))
    goto out;

  mg_scan s;
  mg_scan_run(&s, &cfg, verify ? "verify" : "scan");
  /* Reports first: a report that cannot be written changes the verdict,
   * and the summary and the exit status must say the same as the reports. */
  out.set.descriptor = s.pkg.desc.present ? &s.pkg.desc : NULL; /* the BOM's model card */
  mg_report_set_write(&s.results, &out.set, stdout);
  status = mg_results_exit_code(&s.results);
  if (verbosity > 0) /* stdout may be a report's: the summary then goes to stderr */
    mg_report_text(&s.results, mg_report_set_uses_stdout(&out.set) ? stderr : stdout,
                   verbosity > 1);
  if (s.results.error)
    mg_log_error("%s", s.results.error);
  mg_cli_review_warn(&s.results);
  mg_scan_free(&s);
out:
  mg_cli_review_free(&review);
  free(sets);
  return status;
}

/* The configuration file's options go before the command line's, which
 * therefore win. */
static int run(int argc, char **argv, int verify) {
  mg_cli_args args;
  mg_err err;
  mg_err_clear(&err);
  if (mg_cli_config_load(argc, argv, scan_options, &args, &err)) {
    mg_cli_args_free(&args);
    return mg_cli_error(err.msg);
  }
  if (args.path)
    mg_log_debug("options from %s", args.path);
  int status = run_args(args.argc, args.argv, verify);
  mg_cli_args_free(&args);
  return status;
}

int mg_cmd_scan(int argc, char **argv) {
  return run(argc, argv, 0);
}

int mg_cmd_verify(int argc, char **argv) {
  return run(argc, argv, 1);
}
