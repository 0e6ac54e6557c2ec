build/core/store_read.o: core/store_read.c core/common.h core/buf.h \
 core/strv.h core/err.h core/banned.h core/store.h core/distill.h \
 core/tx.h
core/common.h:
core/buf.h:
core/strv.h:
core/err.h:
core/banned.h:
core/store.h:
core/distill.h:
core/tx.h:
