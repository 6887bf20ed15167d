# src/data: files of this subsystem (included by Makefile.am)
