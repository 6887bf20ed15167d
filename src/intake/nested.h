/* Archives inside the package (a .tar.gz of weights, a PyTorch zip) are
 * inspected in place, never extracted: each member is streamed, hashed and
 * counted against the limits, recorded in the inventory with depth >= 1,
 * and descended into while depth <= the depth limit. Damage and unsafe
 * member names become notes for the package-anomaly plugin; only exceeded
 * limits stop the scan. */
#ifndef MG_NESTED_H
#define MG_NESTED_H

#include "base/diag.h"
#include "inventory.h"
#include "base/limit_table.h"
#include "workspace.h"

int mg_nested_inspect(mg_inventory *inv, const mg_workspace *ws, const mg_limits *lim, mg_err *err);

#endif
