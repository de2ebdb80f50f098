/* Unicorn 2.0.1's "exception in flight" latch (architecture, fact 4).
 *
 * QEMU records the exception being delivered in CPUX86State.old_exception
 * and clears it when delivery through the IDT completes.  Unicorn hands
 * exceptions to UC_HOOK_INTR instead and never clears it (Unicorn issue
 * #1883), so the second #PF would be promoted to a double fault and the
 * third would stop the CPU.  The field is private; the only way to it is
 * uc_context_save/restore, which copy CPUX86State up to `retaddr`.
 * Calibration finds its offset once per machine: the 32-bit slot that is
 * -1 before the first #PF and 14 inside it.  The #PF error code
 * (CPUX86State.error_code) sits a fixed 112 bytes before it; calibration
 * checks that too, and a second fault must arrive as #PF again.
 */
#ifndef MEMU_EMU_LATCH_H
#define MEMU_EMU_LATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#define LATCH_ERROR_CODE_DISTANCE 112

struct latch {
	uc_context *before; /* saved before any exception */
	uc_context *ctx;    /* scratch, for save/modify/restore */
	size_t size;	    /* bytes of CPU state in a context */
	size_t offset;	    /* of old_exception in the CPU state */
	bool calibrated;
	int stage; /* calibration progress */
	const char *failure;
};

int latch_prepare(struct latch *l, uc_engine *uc);
void latch_destroy(struct latch *l);
/* Inside the first #PF: find the slot.  false if it cannot be found. */
bool latch_calibrate(struct latch *l, uc_engine *uc, uint32_t want_code);
/* Inside a handled exception: read the error code and clear the latch. */
uint32_t latch_clear(struct latch *l, uc_engine *uc);

#endif
