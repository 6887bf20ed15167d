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

/* Records what the zip in data (a depth-0 file called name) holds as
 * TorchScript; returns 1 when it is a TorchScript archive, 0 when not,
 * -1 when out of memory. */
int mg_pc_torchscript_check(const char *name, const uint8_t *data, size_t size,
                            uint64_t max_inflate, const mf_rules *rules, mf_list *out);

/* The plugin side: loads rules/torchscript-calls.xml once per run (rules
 * stays NULL until the first archive), checks the file, emits findings. */
int mg_pc_torchscript_report(const mg_services *svc, mg_plugin_ctx *ctx, const char *artifact,
                             const uint8_t *data, size_t size, uint64_t max_inflate,
                             mf_rules **rules);

#endif
