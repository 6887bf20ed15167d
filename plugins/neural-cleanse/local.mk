# plugins/neural-cleanse: build fragment (included by plugins/local.mk)
