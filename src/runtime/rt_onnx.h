/* The generated ONNX protobuf bindings (protoc-c writes them into the build
 * tree's src/runtime/ from onnx.proto). */
#ifndef MG_RT_ONNX_H
#define MG_RT_ONNX_H

#include "runtime/onnx.pb-c.h"

#endif
