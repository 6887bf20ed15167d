/* The generated ONNX protobuf bindings. protobuf-c.h includes <limits.h>,
 * which the project's include path can resolve to src/limits.h, so the
 * constant it needs is provided from the compiler's own definition. */
#ifndef MG_RT_ONNX_H
#define MG_RT_ONNX_H

#ifndef INT_MAX
#define INT_MAX __INT_MAX__
#endif

#include "runtime/onnx.pb-c.h"

#endif
