/* Pictures of the rows a finding names, for the HTML report: the reviewer
 * sees the flagged training images (a checkerboard in a corner, a wrong
 * label) beside the finding instead of a list of row numbers. */
#ifndef MG_THUMBNAILS_H
#define MG_THUMBNAILS_H

#include "base/limit_table.h"
#include "intake/workspace.h"
#include "package/package.h"
#include "verdict/results.h"

/* At most this many rows per finding, and this many in one report. */
#define MG_THUMBS_PER_FINDING 16
#define MG_THUMBS_PER_REPORT 256
/* Rows larger than this (height or width) are subsampled to fit. */
#define MG_THUMB_SIDE 64

/* For each finding naming rows of the package's training or reference
 * image set, reads up to MG_THUMBS_PER_FINDING of them (the rows the
 * plugin ranked in its evidence first, as records with a "row" key;
 * otherwise the first by index) and stores them as PNGs on the finding.
 * Best effort: a dataset that cannot be read gives no pictures, never an
 * error, since the plugins already reported on it. */
void mg_thumbnails_add(mg_results *r, const mg_package *pkg, const mg_workspace *ws,
                       const mg_limits *lim);

#endif
