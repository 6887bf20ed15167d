# plugins/activation-clustering: build fragment (included by plugins/local.mk)
