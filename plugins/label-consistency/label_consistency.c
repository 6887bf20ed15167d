/* The label-consistency plugin (CTL-05): each training row's label against
 * the labels of its k nearest clean reference rows in the model's feature
 * space (deep k-NN, Peri et al. 2020); the engine is lc_engine.c. */
#include "config.h"

#include <modelgate/plugin.h>

#include "lc_engine.h"

static const char *const atlas[] = {"AML.T0020", "AML.T0059", "AML.T0018.000", NULL};

LC_PLUGIN("label-consistency", NULL,
          "deep k-NN label consistency against the clean reference set (Peri et al. 2020); "
          "Fisher exact per label pair, Holm after Tarone",
          "Training labels against their nearest clean reference rows in the model's feature "
          "space: flipped blocks (source -> target) and all-to-all relabelling",
          atlas)
