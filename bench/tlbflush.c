/* The cost of one TLB flush as memu does it (uc_ctl_flush_tlb on an
 * engine in virtual-TLB mode), empty TLB and with 512 entries filled in
 * between: prints "empty NS full NS", best of 5 rounds. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unicorn/unicorn.h>

#define ROUNDS	5
#define FLUSHES 20000
#define PAGES	512

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static bool fill(uc_engine *uc, uint64_t va, uc_mem_type type, uc_tlb_entry *e,
		 void *user)
{
	(void)uc;
	(void)type;
	(void)user;
	e->paddr = va & 0xfffff; /* one MiB of RAM, mapped over and over */
	e->perms = UC_PROT_ALL;
	return true;
}

int main(void)
{
	uc_engine *uc;
	uc_hook h;
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) ||
	    uc_ctl_tlb_mode(uc, UC_TLB_VIRTUAL) ||
	    uc_hook_add(uc, &h, UC_HOOK_TLB_FILL, (void *)fill, NULL, 1, 0) ||
	    uc_mem_map(uc, 0, 1 << 20, UC_PROT_ALL)) {
		fprintf(stderr, "bench_tlbflush: cannot set up Unicorn\n");
		return 1;
	}
	/* Code at 0x1000: touch PAGES pages from 0x10000000 (rcx = count,
	 * rdi = address), then hlt. */
	static const uint8_t code[] = {
		0x8a, 0x07,			    /* mov al, [rdi] */
		0x48, 0x81, 0xc7, 0x00, 0x10, 0, 0, /* add rdi, 0x1000 */
		0x48, 0xff, 0xc9,		    /* dec rcx */
		0x75, 0xf2,			    /* jnz loop */
		0xf4,				    /* hlt */
	};
	uc_mem_write(uc, 0x1000, code, sizeof(code));
	double best[2] = {1e18, 1e18};
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();
		for (int i = 0; i < FLUSHES; i++)
			uc_ctl_flush_tlb(uc);
		double empty = (now_ns() - t0) / FLUSHES, full = 0;
		for (int i = 0; i < FLUSHES / 20; i++) {
			uint64_t rcx = PAGES, rdi = 0x10000000;
			uc_reg_write(uc, UC_X86_REG_RCX, &rcx);
			uc_reg_write(uc, UC_X86_REG_RDI, &rdi);
			uc_emu_start(uc, 0x1000, 0x1000 + sizeof(code) - 1, 0,
				     0);
			double t1 = now_ns();
			uc_ctl_flush_tlb(uc);
			full += now_ns() - t1;
		}
		full /= FLUSHES / 20;
		if (empty < best[0])
			best[0] = empty;
		if (full < best[1])
			best[1] = full;
	}
	printf("empty %.0f full %.0f\n", best[0], best[1]);
	uc_close(uc);
	return 0;
}
