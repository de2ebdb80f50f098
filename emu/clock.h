/* Virtual time and seeded randomness: nothing the guest can observe comes
 * from the host.  The clock advances only by the machine's own events
 * (syscalls, faults, sleeps), so two runs read the same times. */
#ifndef MEMU_EMU_CLOCK_H
#define MEMU_EMU_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* 2026-01-01T00:00:00Z: the realtime clock's reading at boot. */
#define VCLOCK_EPOCH	  1767225600ULL
#define VCLOCK_SYSCALL_NS 500
#define VCLOCK_FAULT_NS	  1000
/* The TSC ticks at a nominal 1 GHz: one tick per virtual nanosecond. */

struct vclock {
	uint64_t ns; /* since boot */
	/* of it, the time the kernel spent for the guest (syscalls and
	 * faults): system time in getrusage (docs/processes.md, "Resource
	 * usage") */
	uint64_t sys_ns;
};

static inline void vclock_advance(struct vclock *c, uint64_t ns)
{
	/* Saturating: a guest that sleeps for ages stops the clock at the
	 * end of time, it never wraps it back to boot. */
	c->ns = ns > UINT64_MAX - c->ns ? UINT64_MAX : c->ns + ns;
}

/* vclock_advance for the kernel's work: a syscall, a fault. */
static inline void vclock_advance_sys(struct vclock *c, uint64_t ns)
{
	vclock_advance(c, ns);
	c->sys_ns += ns;
}

/* xoshiro256** (Blackman and Vigna), seeded through splitmix64. */
struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
void rng_bytes(struct rng *r, void *buf, size_t n);

#endif
