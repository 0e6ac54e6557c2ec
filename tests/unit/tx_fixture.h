/* tx_fixture.h: building a tx_conv in memory for the segmentation,
 * files and distiller tests, without the readers. */
#ifndef TX_FIXTURE_H
#define TX_FIXTURE_H

#include "common.h"
#include "tx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static inline struct tx_msg *fx_msg(struct tx_conv *c, enum tx_role r,
				    const char *text, const char *tools)
{
	struct tx_msg *m;

	XGROW(c->msg, c->cap, c->nmsg + 1);
	m = &c->msg[c->nmsg++];
	memset(m, 0, sizeof(*m));
	m->role = r;
	m->text = xstrdup(text ? text : "");
	m->tools = tools ? xstrdup(tools) : NULL;
	m->tool_use = tools != NULL;
	return m;
}

#define FX_U(c, t) fx_msg((c), TX_USER, (t), NULL)
#define FX_A(c, t) fx_msg((c), TX_ASSISTANT, (t), NULL)
#define FX_T(c, t, tools) fx_msg((c), TX_ASSISTANT, (t), (tools))

static inline void fx_init(struct tx_conv *c, const char *id)
{
	memset(c, 0, sizeof(*c));
	c->id = xstrdup(id);
}

static inline void fx_release(struct tx_conv *c)
{
	for (size_t i = 0; i < c->nmsg; i++) {
		free(c->msg[i].text);
		free(c->msg[i].tools);
		free(c->msg[i].source_id);
		strv_clear(&c->msg[i].paths);
	}
	free(c->msg);
	free(c->id);
	free(c->cwd);
	memset(c, 0, sizeof(*c));
}

#endif
