build/cli/cli.o: cli/cli.c core/common.h core/buf.h core/strv.h \
 core/err.h core/banned.h cli/cli.h core/store.h core/distill.h core/tx.h
core/common.h:
core/buf.h:
core/strv.h:
core/err.h:
core/banned.h:
cli/cli.h:
core/store.h:
core/distill.h:
core/tx.h:
