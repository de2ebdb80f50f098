/* Known instruction counts around CPU exceptions and REP strings, for
 * the trace (tests/trace_test.c): a trap retires (int3: the signal comes
 * with the count after it), a fault does not (ud2's #UD, div's #DE: the
 * count before it, and the handler moves RIP past it), and a REP string
 * instruction is one instruction however many times it repeats.
 * -nostdlib, every instruction written out; the comment on each is the
 * number retired before it.
 *
 * rt_sigaction at 5, 8, 11; int3 at 16, its SIGTRAP at 17 with RIP after
 * it, rt_sigreturn at 21; ud2 at 23 (SIGILL at 23, at it), rt_sigreturn
 * at 28; div at 30 (SIGFPE at 30, at it), rt_sigreturn at 35; rep movsb
 * of 100 bytes at 39 (its faults: a zero-page read, an anonymous write);
 * exit_group at 44.
 */

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	lea it_act(%rip), %rsi\n" /* 0 */
	"	xor %edx, %edx\n"	  /* 1 */
	"	mov $8, %r10d\n"	  /* 2 */
	"	mov $5, %edi\n"		  /* 3: SIGTRAP */
	"	mov $13, %eax\n"	  /* 4 */
	"	syscall\n"		  /* 5: rt_sigaction */
	"	mov $4, %edi\n"		  /* 6: SIGILL */
	"	mov $13, %eax\n"	  /* 7 */
	".globl it_sigill\n"
	"it_sigill:\n"
	"	syscall\n"	 /* 8 */
	"	mov $8, %edi\n"	 /* 9: SIGFPE */
	"	mov $13, %eax\n" /* 10 */
	"	syscall\n"	 /* 11 */
	"	nop\n"		 /* 12 */
	"	nop\n"		 /* 13 */
	"	nop\n"		 /* 14 */
	"	nop\n"		 /* 15 */
	".globl it_int3\n"
	"it_int3:\n"
	"	int3\n" /* 16: a trap; the handler runs from 17 */
	".globl it_after_int3\n"
	"it_after_int3:\n"
	"	nop\n" /* 22 */
	".globl it_ud2\n"
	"it_ud2:\n"
	"	ud2\n"		  /* 23: a fault; the handler runs from 23 */
	"	xor %ecx, %ecx\n" /* 29 */
	".globl it_div\n"
	"it_div:\n"
	"	div %ecx\n" /* 30: #DE; the handler runs from 30 */
	"	lea it_buf(%rip), %rdi\n"      /* 36 */
	"	lea it_buf+4096(%rip), %rsi\n" /* 37 */
	"	mov $100, %ecx\n"	       /* 38 */
	".globl it_rep\n"
	"it_rep:\n"
	"	rep movsb\n"	  /* 39 */
	"	xor %ecx, %ecx\n" /* 40 */
	"	rep stosb\n"	  /* 41: no iteration at all */
	"	xor %edi, %edi\n" /* 42 */
	"	mov $231, %eax\n" /* 43 */
	".globl it_exit\n"
	"it_exit:\n"
	"	syscall\n" /* 44: exit_group */

	/* SIGTRAP: cmp, je, ret; SIGILL and SIGFPE: cmp, je, add (past
	 * the two-byte instruction, in uc_mcontext.rip), ret. */
	"it_handler:\n"
	"	cmp $5, %edi\n"
	"	je 1f\n"
	"	addq $2, 168(%rdx)\n"
	"1:	ret\n"
	"it_restorer:\n"
	"	mov $15, %eax\n"
	".globl it_sigreturn\n"
	"it_sigreturn:\n"
	"	syscall\n"

	/* SA_SIGINFO | SA_RESTORER, restorer, empty mask. */
	".data\n"
	".balign 8\n"
	"it_act:\n"
	"	.quad it_handler\n"
	"	.quad 0x04000004\n"
	"	.quad it_restorer\n"
	"	.quad 0\n"
	".bss\n"
	".balign 4096\n"
	"it_buf:\n"
	"	.skip 8192\n");
