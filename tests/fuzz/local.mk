# tests/fuzz: files of this subsystem (included by Makefile.am)
