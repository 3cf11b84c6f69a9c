/*
 * fuzz_trigger.c - trigger expressions: parsing any text, the canonical
 * text reading back the same, and the state machines driven by the
 * input's bytes.
 */
#include "fuzz.h"
#include "trigger.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[200], *expr = malloc(size + 1), *again;
	struct trigger *t, *u;
	struct trigger_node_state *s;
	struct trigger_now now = { 100, 0, 0 };
	struct buf b = BUF_INIT, c = BUF_INIT;
	size_t i;

	memcpy(expr, data, size);
	expr[size] = '\0';
	if ((t = trigger_parse(expr, err, sizeof err)) != NULL) {
		trigger_format(&b, t);
		again = b.data;
		if ((u = trigger_parse(again, err, sizeof err)) == NULL)
			abort();	/* the canonical text must read back */
		trigger_format(&c, u);
		if (strcmp(b.data, c.data) != 0)
			abort();
		trigger_free(u);
		s = calloc(trigger_state_size(t), sizeof *s);
		trigger_state_init(t, s);
		for (i = 0; i < size; i++) {
			now.wm += data[i] % 7;
			now.proc += data[i] % 5;
			if (data[i] & 1)
				trigger_on_element(t, s, &now);
			if (trigger_should_fire(t, s, &now))
				trigger_on_fire(t, s, &now);
			(void)trigger_deadline(t, s);
		}
		free(s);
		trigger_free(t);
	}
	buf_release(&b);
	buf_release(&c);
	free(expr);
	return 0;
}
