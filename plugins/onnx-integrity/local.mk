# plugins/onnx-integrity: build fragment (included by plugins/local.mk)
