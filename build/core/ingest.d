build/core/ingest.o: core/ingest.c core/common.h core/buf.h core/strv.h \
 core/err.h core/banned.h core/ingest.h core/store.h core/distill.h \
 core/tx.h /usr/include/cjson/cJSON.h core/hash.h core/segment.h
core/common.h:
core/buf.h:
core/strv.h:
core/err.h:
core/banned.h:
core/ingest.h:
core/store.h:
core/distill.h:
core/tx.h:
/usr/include/cjson/cJSON.h:
core/hash.h:
core/segment.h:
