#include "latch.h"

#include <string.h>

/* uc_context is opaque.  In 2.0.1 (include/uc_priv.h) it is a header --
 * size_t context_size; uc_mode mode; uc_arch arch -- followed by the raw
 * CPUX86State bytes, and context_size is their count. */
struct uc_context_header {
	size_t context_size;
	int mode, arch;
};

static uint8_t *state_of(struct latch *l, uc_context *c, uc_engine *uc)
{
	(void)l;
	(void)uc;
	return (uint8_t *)c + sizeof(struct uc_context_header);
}

static int32_t slot(const uint8_t *state, size_t off)
{
	int32_t v;
	memcpy(&v, state + off, sizeof(v));
	return v;
}

int latch_prepare(struct latch *l, uc_engine *uc)
{
	memset(l, 0, sizeof(*l));
	if (uc_context_alloc(uc, &l->before) || uc_context_alloc(uc, &l->ctx))
		return -1;
	struct uc_context_header h;
	memcpy(&h, l->before, sizeof(h));
	l->size = uc_context_size(uc) - sizeof(h);
	if (h.context_size != l->size) /* not the layout we know */
		return -1;
	return uc_context_save(uc, l->before) ? -1 : 0;
}

void latch_destroy(struct latch *l)
{
	if (l->before)
		uc_context_free(l->before);
	if (l->ctx)
		uc_context_free(l->ctx);
	l->before = l->ctx = NULL;
}

bool latch_calibrate(struct latch *l, uc_engine *uc, uint32_t want_code)
{
	if (uc_context_save(uc, l->ctx))
		return false;
	const uint8_t *a = state_of(l, l->before, uc);
	const uint8_t *b = state_of(l, l->ctx, uc);
	size_t found = 0, hits = 0;
	for (size_t off = LATCH_ERROR_CODE_DISTANCE; off + 4 <= l->size;
	     off += 4) {
		if (slot(a, off) != -1 || slot(b, off) != 14)
			continue;
		if ((uint32_t)slot(b, off - LATCH_ERROR_CODE_DISTANCE) !=
		    want_code)
			continue;
		found = off;
		hits++;
	}
	if (hits != 1) {
		l->failure = hits ? "several candidate slots"
				  : "no slot went from -1 to 14";
		return false;
	}
	l->offset = found;
	l->calibrated = true;
	return true;
}

uint32_t latch_clear(struct latch *l, uc_engine *uc)
{
	uc_context_save(uc, l->ctx);
	uint8_t *s = state_of(l, l->ctx, uc);
	uint32_t code =
		(uint32_t)slot(s, l->offset - LATCH_ERROR_CODE_DISTANCE);
	int32_t none = -1;
	memcpy(s + l->offset, &none, sizeof(none));
	uc_context_restore(uc, l->ctx);
	return code;
}
