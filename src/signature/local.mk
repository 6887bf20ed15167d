# src/signature: OpenSSF model signatures (sigstore/model-transparency's
# model_signing v1): the bundle and statement parsers, the OpenSSL
# verification, and the stage that compares the signed manifest with the
# package (docs/model-signatures.md).
libmgcore_la_SOURCES += \
	src/signature/model_sig.h src/signature/model_sig_parse.c \
	src/signature/model_sig_verify.c src/signature/model_sig_verify.h \
	src/signature/model_sig_check.c src/signature/model_sig_check.h
