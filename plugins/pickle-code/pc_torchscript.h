/* TorchScript archives (torch.jit.save): a zip whose code/ members hold the
 * model's TorchScript source and whose constants.pkl/data.pkl are pickles
 * (those go through the pickle scan like any member). torch.jit.load
 * compiles and runs that code, and torch.load(weights_only=True) of
 * PyTorch <= 2.5.1 handed such archives to torch.jit.load
 * (CVE-2025-32434): a "weights" file that is TorchScript bypasses the
 * weights-only guarantee. The sources are matched against
 * rules/torchscript-calls.xml and their operator namespaces checked. */
#ifndef MG_PC_TORCHSCRIPT_H
#define MG_PC_TORCHSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include <modelgate/plugin.h>

#include "mfissue.h"
#include "mflist.h"

/* The classes an archive's code/ sources define, by TorchScript name
 * ("__torch__.torch.nn.modules.linear.Linear" is class Linear of
 * code/__torch__/torch/nn/modules/linear.py), each with the archive
 * directory holding that code/. torch.jit.load's unpickler resolves the
 * __torch__.* imports of that directory's data.pkl and constants.pkl to
 * these classes and to nothing else (docs/unsafe-artifacts.md). */
typedef struct mg_pc_ts_classes {
  char **keys; /* "module.Class\nDIR/", sorted once the walk is over */
  size_t n, cap;
} mg_pc_ts_classes;

/* 1 when module.name is a __torch__ class the archive defines, imported by
 * the pickle at member: DIR/data.pkl or DIR/constants.pkl (a member of the
 * archive itself, not of a container inside it) for a class of DIR's
 * code/, or NULL, the archive read as a pickle from its first byte, for a
 * class of any directory. */
int mg_pc_ts_class_defined(const mg_pc_ts_classes *c, const char *member, const char *module,
                           const char *name);
void mg_pc_ts_classes_free(mg_pc_ts_classes *c);

/* Records what the zip in data (a depth-0 file called name) holds as
 * TorchScript, and, when classes is not NULL, the classes its sources
 * define; returns 1 when it is a TorchScript archive, 0 when not, -1 when
 * out of memory. */
int mg_pc_torchscript_check(const char *name, const uint8_t *data, size_t size,
                            uint64_t max_inflate, const mf_rules *rules, mf_list *out,
                            mg_pc_ts_classes *classes);

/* The plugin side: loads rules/torchscript-calls.xml once per run (rules
 * stays NULL until the first archive), checks the file, emits findings,
 * and leaves the archive's classes in classes (empty when the file is not
 * TorchScript; the caller frees them). */
int mg_pc_torchscript_report(const mg_services *svc, mg_plugin_ctx *ctx, const char *artifact,
                             const uint8_t *data, size_t size, uint64_t max_inflate,
                             mf_rules **rules, mg_pc_ts_classes *classes);

#endif
