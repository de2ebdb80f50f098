/* For guests that take faults on purpose (the injected-fault tests):
 * catch_faults(SIGSEGV) and friends install on_fault, which notes the
 * signal, its si_code, si_addr and si_addr_lsb and jumps back to
 * sigsetjmp(env); an early-kill SIGBUS (BUS_MCEERR_AO, which arrives as
 * the program resumes, not at an access) is counted in ao and returns.
 * map_at maps anonymous pages, at a fixed address unless at is 0, and
 * ends the program if it cannot. */
#ifndef MEMU_GUEST_FAULT_CATCH_H
#define MEMU_GUEST_FAULT_CATCH_H

#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

#define UNUSED __attribute__((unused))
static UNUSED sigjmp_buf env;
static UNUSED volatile int sig, code, lsb, ao;
static UNUSED char *volatile addr;

static inline void on_fault(int s, siginfo_t *si, void *uc)
{
	(void)uc;
	sig = s;
	code = si->si_code;
	addr = si->si_addr;
	lsb = si->si_addr_lsb;
	if (s == SIGBUS && code == BUS_MCEERR_AO) {
		ao++;
		return;
	}
	siglongjmp(env, 1);
}

/* Catch the signals given (0 ends the list), SA_NODEFER so that a
 * handler that jumps out leaves none blocked. */
static inline void catch_faults(int first, int second)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(first, &sa, NULL);
	if (second)
		sigaction(second, &sa, NULL);
}

static inline char *map_at(unsigned long at, int pages, int prot)
{
	char *p =
		mmap((void *)at, (size_t)pages * PAGE, prot,
		     MAP_PRIVATE | MAP_ANONYMOUS | (at ? MAP_FIXED : 0), -1, 0);
	if (p == MAP_FAILED)
		_exit(1);
	return p;
}

#endif
