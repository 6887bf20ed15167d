# plugins/loss-outliers: build fragment (included by plugins/local.mk)
