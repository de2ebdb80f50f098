/* The initial user stack, laid out as Linux's create_elf_tables does:
 *
 *   STACK_TOP  -> [ 8 zero bytes ][ execfn ][ envp strings ][ argv strings ]
 *                 [ "x86_64" ][ 16 AT_RANDOM bytes ] (16-byte aligned below)
 *                 [ auxv pairs, AT_NULL ][ NULL ][ envp... ][ NULL ][ argv... ]
 *   rsp        -> [ argc ]
 *
 * The stack is a VM_GROWSDOWN VMA; nothing about it is randomised.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mmu/mmap.h"
#include "../mmu/uaccess.h"
#include "machine.h"

#define STACK_INITIAL (128 * 1024ULL)
#define MAX_ARG_BYTES (2ULL << 20)

struct stack_builder {
	struct mm *mm;
	uint64_t sp;
	int failed;
};

static uint64_t push_bytes(struct stack_builder *b, const void *p, size_t n)
{
	b->sp -= n;
	if (copy_to_user(b->mm, b->sp, p, n))
		b->failed = 1;
	return b->sp;
}

static uint64_t push_string(struct stack_builder *b, const char *s)
{
	return push_bytes(b, s, strlen(s) + 1);
}

static size_t strings_size(int n, const char *const *v)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += strlen(v[i]) + 1 + sizeof(uint64_t);
	return total;
}

static int count(const char *const *v)
{
	int n = 0;
	while (v && v[n])
		n++;
	return n;
}

int build_stack(struct memu *m, const struct exec_image *img, int argc,
		const char *const *argv, const char *const *envp,
		const char *execfn_str, char *err, size_t errlen)
{
	int envc = count(envp);
	size_t need = strings_size(argc, argv) + strings_size(envc, envp) +
		      strlen(execfn_str) + 1024;
	if (need > MAX_ARG_BYTES) {
		snprintf(err, errlen, "argument list too long");
		return -1;
	}
	uint64_t size = PAGE_ALIGN(need) + STACK_INITIAL;
	struct vma *v = mm_map_fixed(
		m->proc->mm, STACK_TOP - size, STACK_TOP,
		VM_READ | VM_WRITE | VM_GROWSDOWN | VM_ACCOUNT, "[stack]");
	if (!v) {
		snprintf(err, errlen, "cannot map the stack");
		return -1;
	}
	struct stack_builder b = {m->proc->mm, STACK_TOP, 0};
	uint64_t zero = 0;
	push_bytes(&b, &zero, sizeof(zero));
	uint64_t execfn = push_string(&b, execfn_str);
	uint64_t *envs = calloc((size_t)envc + 1, sizeof(uint64_t));
	uint64_t *args = calloc((size_t)argc + 1, sizeof(uint64_t));
	if (!envs || !args) {
		free(envs);
		free(args);
		snprintf(err, errlen, "out of host memory");
		return -1;
	}
	for (int i = envc - 1; i >= 0; i--)
		envs[i] = push_string(&b, envp[i]);
	uint64_t env_start = b.sp;
	for (int i = argc - 1; i >= 0; i--)
		args[i] = push_string(&b, argv[i]);
	/* Linux's mm->arg_start ... env_end: the strings, end to end. */
	struct proc_task *task = &m->proc->task;
	task->arg_start = b.sp;
	task->arg_end = task->env_start = env_start;
	task->env_end = execfn;
	uint64_t platform = push_string(&b, "x86_64");
	uint8_t random[16];
	rng_bytes(&m->rng, random, sizeof(random));
	uint64_t at_random = push_bytes(&b, random, sizeof(random));
	b.sp &= ~15ULL;

	uint64_t auxv[][2] = {
		{AT_HWCAP, 0x178bfbff}, {AT_PAGESZ, PAGE_SIZE},
		{AT_CLKTCK, 100},	{AT_PHDR, img->phdr},
		{AT_PHENT, img->phent}, {AT_PHNUM, img->phnum},
		{AT_BASE, 0},		{AT_FLAGS, 0},
		{AT_ENTRY, img->entry}, {AT_UID, 0},
		{AT_EUID, 0},		{AT_GID, 0},
		{AT_EGID, 0},		{AT_SECURE, 0},
		{AT_RANDOM, at_random}, {AT_HWCAP2, 0},
		{AT_EXECFN, execfn},	{AT_PLATFORM, platform},
		{AT_NULL, 0},
	};
	size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 +
		       sizeof(auxv) / sizeof(uint64_t);
	/* Keep rsp 16-byte aligned at entry, as the ABI asks. */
	if (words & 1)
		push_bytes(&b, &zero, sizeof(zero));
	push_bytes(&b, auxv, sizeof(auxv));
	_Static_assert(sizeof(auxv) <= sizeof(task->auxv), "saved auxv");
	memcpy(task->auxv, auxv, sizeof(auxv)); /* mm->saved_auxv */
	task->auxv_words = sizeof(auxv) / sizeof(uint64_t);
	push_bytes(&b, &zero, sizeof(zero));
	for (int i = envc - 1; i >= 0; i--)
		push_bytes(&b, &envs[i], sizeof(uint64_t));
	push_bytes(&b, &zero, sizeof(zero));
	for (int i = argc - 1; i >= 0; i--)
		push_bytes(&b, &args[i], sizeof(uint64_t));
	uint64_t argc64 = (uint64_t)argc;
	push_bytes(&b, &argc64, sizeof(argc64));
	free(envs);
	free(args);
	if (b.failed) {
		snprintf(err, errlen, "cannot write the initial stack");
		return -1;
	}
	m->proc->initial_rsp = task->start_stack = b.sp;
	return 0;
}
