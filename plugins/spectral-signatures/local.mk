# plugins/spectral-signatures: build fragment (included by plugins/local.mk)
