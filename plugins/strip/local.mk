# plugins/strip: build fragment (included by plugins/local.mk)
