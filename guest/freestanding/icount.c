/* Known instruction counts for the trace (tests/trace_test.c): a
 * -nostdlib program whose every instruction is written out, so the
 * number retired before each syscall and fault is known.  The comment
 * on each instruction is that number (instructions retired before it).
 *
 * getpid at 6; mmap at 14; the first write to the new page, an anonymous
 * fault, at 16; a loop of 2,000; rt_sigaction (SIGSEGV, SA_RESETHAND) at
 * 2023; mprotect read-only at 2028; the write at 2029 faults, does not
 * retire, and its handler runs from 2029 (mprotect back at 2033,
 * rt_sigreturn at 2036); the write retires at 2037; a call to an
 * unmapped address retires at 2039 and the fetch there faults with 2040
 * retired: SIGSEGV, now the default action, kills the guest.
 */

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	nop\n"		 /* 0 */
	"	nop\n"		 /* 1 */
	"	nop\n"		 /* 2 */
	"	nop\n"		 /* 3 */
	"	nop\n"		 /* 4 */
	"	mov $39, %eax\n" /* 5: getpid */
	".globl ic_getpid\n"
	"ic_getpid:\n"
	"	syscall\n"	    /* 6 */
	"	mov $9, %eax\n"	    /* 7: mmap(0, 4096, RW, private anon) */
	"	xor %edi, %edi\n"   /* 8 */
	"	mov $4096, %esi\n"  /* 9 */
	"	mov $3, %edx\n"	    /* 10 */
	"	mov $0x22, %r10d\n" /* 11 */
	"	mov $-1, %r8\n"	    /* 12 */
	"	xor %r9d, %r9d\n"   /* 13 */
	".globl ic_mmap\n"
	"ic_mmap:\n"
	"	syscall\n"	  /* 14 */
	"	mov %rax, %rbx\n" /* 15 */
	".globl ic_touch\n"
	"ic_touch:\n"
	"	movb $1, (%rbx)\n"	  /* 16: anonymous fault */
	"	mov $1000, %ecx\n"	  /* 17 */
	"1:	dec %ecx\n"		  /* 18, 20, ... 2016 */
	"	jnz 1b\n"		  /* 19, 21, ... 2017 */
	"	mov $13, %eax\n"	  /* 2018: rt_sigaction(SIGSEGV) */
	"	mov $11, %edi\n"	  /* 2019 */
	"	lea ic_act(%rip), %rsi\n" /* 2020 */
	"	xor %edx, %edx\n"	  /* 2021 */
	"	mov $8, %r10d\n"	  /* 2022 */
	".globl ic_sigaction\n"
	"ic_sigaction:\n"
	"	syscall\n"	   /* 2023 */
	"	mov $10, %eax\n"   /* 2024: mprotect(page, 4096, PROT_READ) */
	"	mov %rbx, %rdi\n"  /* 2025 */
	"	mov $4096, %esi\n" /* 2026 */
	"	mov $1, %edx\n"	   /* 2027 */
	".globl ic_mprotect\n"
	"ic_mprotect:\n"
	"	syscall\n" /* 2028 */
	".globl ic_fault\n"
	"ic_fault:\n"
	"	movb $2, (%rbx)\n" /* 2029: faults; 2037 after the handler */
	"	mov $0x10000000, %eax\n" /* 2038: nothing is mapped there */
	".globl ic_call\n"
	"ic_call:\n"
	"	call *%rax\n" /* 2039; the fetch faults with 2040 retired */
	"	hlt\n"

	".globl ic_handler\n"
	"ic_handler:\n"
	"	mov $10, %eax\n"   /* 2029: mprotect(page, 4096, RW) */
	"	mov %rbx, %rdi\n"  /* 2030 */
	"	mov $4096, %esi\n" /* 2031 */
	"	mov $3, %edx\n"	   /* 2032 */
	".globl ic_unprotect\n"
	"ic_unprotect:\n"
	"	syscall\n" /* 2033 */
	"	ret\n"	   /* 2034 */
	"ic_restorer:\n"
	"	mov $15, %eax\n" /* 2035: rt_sigreturn */
	".globl ic_sigreturn\n"
	"ic_sigreturn:\n"
	"	syscall\n" /* 2036 */

	/* struct sigaction for rt_sigaction: handler, SA_RESTORER |
	 * SA_RESETHAND, restorer, empty mask. */
	".data\n"
	".balign 8\n"
	"ic_act:\n"
	"	.quad ic_handler\n"
	"	.quad 0x84000000\n"
	"	.quad ic_restorer\n"
	"	.quad 0\n");
