# plugins/package-anomaly: build fragment (included by plugins/local.mk)
