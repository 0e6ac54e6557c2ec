build/core/xalloc.o: core/xalloc.c core/common.h core/buf.h core/strv.h \
 core/err.h core/banned.h
core/common.h:
core/buf.h:
core/strv.h:
core/err.h:
core/banned.h:
