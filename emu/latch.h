/* Unicorn's "exception in flight" latch.
 *
 * What: QEMU records the exception being delivered in
 * CPUX86State.old_exception and clears it when delivery through the IDT
 * completes.  Unicorn hands exceptions to UC_HOOK_INTR instead and never
 * clears it, so the second contributory exception (two #GP, two #DE) is
 * promoted to a double fault and the third stops the CPU.
 * Why it matters: a guest that takes two exceptions (rdtsc twice, which
 * memu emulates through #GP) would die of a double fault.
 * Upstream: Unicorn issue #1883; still so in 2.1.1 (probe: two divide
 * errors in a row, the second arrives as vector 8).
 * The fix: the field is private; the only way to it is
 * uc_context_save/restore, which copy CPUX86State up to `retaddr` after a
 * header whose size changed in 2.1.  latch_prepare() finds where the CPU
 * state starts in a context (RAX, the first field, set to a marker);
 * calibration finds old_exception once per machine: the 32-bit slot that
 * is -1 before the first exception and holds its vector inside it, with
 * the error code (CPUX86State.error_code) a fixed 112 bytes before it.
 * Calibration raises two #GP faults with known error codes in kernel mode,
 * checks both, and memu refuses to start if that fails.
 * Verified by: calibration at every start, and the tests that take many
 * exceptions in one run (rdtsc in determinism_test, the CPU battery in
 * robustness_test).
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
	size_t data;	    /* where the CPU state starts in a context */
	size_t size;	    /* bytes of CPU state in a context */
	size_t offset;	    /* of old_exception in the CPU state */
	bool calibrated;
	const char *failure;
};

int latch_prepare(struct latch *l, uc_engine *uc);
void latch_destroy(struct latch *l);
/* Inside the first exception (vector, error code): find the slot.  false
 * if it cannot be found. */
bool latch_calibrate(struct latch *l, uc_engine *uc, uint32_t vector,
		     uint32_t want_code);
/* Inside UC_HOOK_INTR: read the error code into *code and clear the
 * latch.  true when an exception was in flight; false for a software
 * interrupt (int N, int3), which QEMU delivers without setting it. */
bool latch_clear(struct latch *l, uc_engine *uc, uint32_t *code);

#endif
