build/core/hash.o: core/hash.c core/common.h core/buf.h core/strv.h \
 core/err.h core/banned.h core/hash.h
core/common.h:
core/buf.h:
core/strv.h:
core/err.h:
core/banned.h:
core/hash.h:
