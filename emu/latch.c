#include "latch.h"

#include <string.h>

/* uc_context is opaque: a header that starts with `size_t context_size`
 * (the bytes of CPU state that follow), then the raw CPUX86State. */
#define RAX_MARKER 0x6d656d752d6c6174ULL /* "memu-lat" */

static uint8_t *state_of(struct latch *l, uc_context *c)
{
	return (uint8_t *)c + l->data;
}

static int32_t slot(const uint8_t *state, size_t off)
{
	int32_t v;
	memcpy(&v, state + off, sizeof(v));
	return v;
}

/* Find the CPU state in a context: RAX is CPUX86State's first field. */
static int find_state(struct latch *l, uc_engine *uc, size_t header)
{
	uint64_t rax = 0, marker = RAX_MARKER, v;
	uc_reg_read(uc, UC_X86_REG_RAX, &rax);
	uc_reg_write(uc, UC_X86_REG_RAX, &marker);
	int err = uc_context_save(uc, l->ctx) ? -1 : 0;
	uc_reg_write(uc, UC_X86_REG_RAX, &rax);
	for (size_t off = sizeof(size_t); !err && off <= header; off += 4) {
		memcpy(&v, (uint8_t *)l->ctx + off, sizeof(v));
		if (v == RAX_MARKER) {
			l->data = off;
			return 0;
		}
	}
	return -1;
}

int latch_prepare(struct latch *l, uc_engine *uc)
{
	memset(l, 0, sizeof(*l));
	if (uc_context_alloc(uc, &l->before) || uc_context_alloc(uc, &l->ctx))
		return -1;
	size_t total = uc_context_size(uc);
	memcpy(&l->size, l->before, sizeof(l->size));
	if (l->size >= total || total - l->size > 256)
		return -1; /* not a layout we know */
	if (find_state(l, uc, total - l->size))
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

bool latch_calibrate(struct latch *l, uc_engine *uc, uint32_t vector,
		     uint32_t want_code)
{
	if (uc_context_save(uc, l->ctx))
		return false;
	const uint8_t *a = state_of(l, l->before);
	const uint8_t *b = state_of(l, l->ctx);
	size_t found = 0, hits = 0;
	for (size_t off = LATCH_ERROR_CODE_DISTANCE; off + 4 <= l->size;
	     off += 4) {
		if (slot(a, off) != -1 || slot(b, off) != (int32_t)vector)
			continue;
		if ((uint32_t)slot(b, off - LATCH_ERROR_CODE_DISTANCE) !=
		    want_code)
			continue;
		found = off;
		hits++;
	}
	if (hits != 1) {
		l->failure = hits ? "several candidate slots"
				  : "no slot went from -1 to the vector";
		return false;
	}
	l->offset = found;
	l->calibrated = true;
	return true;
}

bool latch_clear(struct latch *l, uc_engine *uc, uint32_t *code)
{
	uc_context_save(uc, l->ctx);
	uint8_t *s = state_of(l, l->ctx);
	*code = (uint32_t)slot(s, l->offset - LATCH_ERROR_CODE_DISTANCE);
	if (slot(s, l->offset) == -1)
		return false;
	int32_t none = -1;
	memcpy(s + l->offset, &none, sizeof(none));
	uc_context_restore(uc, l->ctx);
	return true;
}
