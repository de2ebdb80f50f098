/* The machine: one emulated PC running one guest process.  Internal to
 * memu; the public face is include/memu.h. */
#ifndef MEMU_EMU_MACHINE_H
#define MEMU_EMU_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#include "../devices/device.h"
#include "../include/memu.h"
#include "../mmu/mm.h"
#include "../mmu/mmu.h"
#include "clock.h"
#include "latch.h"

/* The kernel half: entry stub, GDT and kernel stack, supervisor-only. */
#define KERNEL_BASE	 0xffffffff80000000ULL
#define KERNEL_PAGES	 6
#define KERNEL_TEXT	 KERNEL_BASE
#define KERNEL_GDT	 (KERNEL_BASE + 1 * PAGE_SIZE)
#define KERNEL_STACK_TOP (KERNEL_BASE + KERNEL_PAGES * PAGE_SIZE)
/* uc_emu_start's "until" address.  It must be 0: any other value makes
 * Unicorn 2.0.1 raise a hidden #PF when it checks it, leaving the
 * exception latch set (the next fault would be a double fault).  A run
 * that starts at 0 stops at once; memu treats it as a jump to 0. */
#define RUN_UNTIL 0ULL
/* Scratch pages used once, to calibrate the exception latch. */
#define CALIB_PAGE (KERNEL_BASE + 0x100000ULL)

#define USER_CS 0x33
#define USER_SS 0x2b

#define PROC_FDS  64
#define GUEST_PID 1

struct process {
	struct mm *mm;
	uint64_t entry; /* first user instruction */
	uint64_t initial_rsp;
	uint64_t tid_address;
	uint64_t sigmask;
	uint64_t sigactions[65][4]; /* stored, not yet delivered */
	struct file *fds[PROC_FDS]; /* open files by descriptor, NULL: closed */
	char *exe;		    /* path, for VMA names and reports */
	const char *comm;	    /* basename */
};

struct memu {
	struct memu_config cfg;
	uc_engine *uc;
	struct mmu mmu;
	struct device_context devices;
	struct process proc;
	struct latch latch;
	struct vclock clock;
	struct rng rng;
	uint64_t kernel_pfn; /* first of KERNEL_PAGES frames */
	bool loaded;
	bool started; /* the iretq into user mode has happened */
	bool stop;    /* a hook asked the run loop to return */
	struct memu_result result;
	char **envp; /* owned copy of cfg.envp */
};

/* files.c: the descriptor table */
int fd_install(struct memu *m, struct file *f);
struct file *fd_file(struct memu *m, uint64_t fd);
int fd_close(struct memu *m, uint64_t fd);
int files_init(struct memu *m);
void files_close_all(struct memu *m);

/* cpu.c */
int cpu_init(struct memu *m, char *err, size_t errlen);
void cpu_prepare_user_entry(struct memu *m);
int cpu_install_hooks(struct memu *m, char *err, size_t errlen);

/* exceptions.c, syscall.c */
void handle_exception(uc_engine *uc, uint32_t intno, void *user);
void handle_syscall(uc_engine *uc, void *user);

/* signal.c: end the guest with a signal. */
void force_sig(struct memu *m, int sig, int code, uint64_t addr,
	       uint64_t error_code, const char *reason);
void machine_exit(struct memu *m, int status);

/* loader.c, stack.c */
struct exec_image {
	uint64_t entry;
	uint64_t phdr, phent, phnum;
	uint64_t load_bias;
	uint64_t brk;
};
int load_elf(struct memu *m, const char *path, struct exec_image *img,
	     char *err, size_t errlen);
int build_stack(struct memu *m, const struct exec_image *img, int argc,
		const char *const *argv, char *err, size_t errlen);

#endif
