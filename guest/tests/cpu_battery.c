/* CPU battery: one instruction (or a short sequence) that Linux answers
 * with a signal, or with a syscall result, per case.  Each case's code is
 * copied to a fixed read-write-execute page, so addresses are the same
 * natively and under memu, and run there; code that does not kill the
 * process falls through to exit_group(100).
 *
 *   cpu_battery list          the case names, one a line
 *   cpu_battery CASE          run one case
 *   cpu_battery int N         mov eax,1; mov ebx,42; int N (N 0..255)
 *   cpu_battery hex BYTES     run any bytes (hex digits, e.g. 0f0b)
 *   cpu_battery -r ...        first install handlers that print
 *                             "sig S code C addr A" and die of the signal
 *                             (for native runs: memu does not run signal
 *                             handlers yet)
 *
 * Case names start with their group: insn_ (invalid encodings), priv_
 * (privileged at CPL 3), trap_, div_, mem_ (bad addresses), fpu_, sys_
 * (syscall numbers), ok_ (instructions a user program may run).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Where the code runs: two pages, the second one unmapped. */
#define CODE	  0x200000000UL
#define PAGE	  4096UL
#define AT_END	  1 /* place the code so it ends at the end of the page */
#define EXIT_TAIL "mov $100, %edi\n mov $231, %eax\n syscall\n"

/* syscall with rax = NR (and rdi = 42, the other arguments 0); exits with
 * the negated result (38 for ENOSYS). */
#define SYS(nr)                                                                \
	"movabs $" nr ", %rax\n mov $42, %edi\n xor %esi, %esi\n"              \
	"xor %edx, %edx\n xor %r10d, %r10d\n xor %r8d, %r8d\n"                 \
	"xor %r9d, %r9d\n syscall\n mov %rax, %rdi\n neg %rdi\n"               \
	"mov $231, %eax\n syscall\n"

/* Load an address into rax, then an instruction using it. */
#define AT(addr, insn) "movabs $" addr ", %rax\n " insn "\n"

#define CASES(X)                                                               \
	/* invalid encodings: #UD (SIGILL), or #GP for too long */             \
	X(insn_ud2, 0, "ud2")                                                  \
	X(insn_ud0, 0, ".byte 0x0f, 0xff, 0xc0")                               \
	X(insn_ud1, 0, ".byte 0x0f, 0xb9, 0xc0")                               \
	X(insn_farjmp_reg, 0, ".byte 0xff, 0xe8")                              \
	X(insn_farcall_reg, 0, ".byte 0xff, 0xd8")                             \
	X(insn_lea_reg, 0, ".byte 0x8d, 0xc0")                                 \
	X(insn_cmpxchg16b_reg, 0, ".byte 0x48, 0x0f, 0xc7, 0xc8")              \
	X(insn_mov_cs, 0, ".byte 0x8e, 0xc8")                                  \
	X(insn_mov_sreg7, 0, ".byte 0x8e, 0xf8")                               \
	X(insn_lock_nop, 0, ".byte 0xf0, 0x90")                                \
	X(insn_lock_add_reg, 0, ".byte 0xf0, 0x01, 0xc0")                      \
	X(insn_vex_map0, 0, ".byte 0xc4, 0xe0, 0x78, 0x00, 0xc0")              \
	X(insn_vex_syscall, 0, ".byte 0xc5, 0xf8, 0x05")                       \
	X(insn_evex_reserved, 0, ".byte 0x62, 0xf1, 0x78, 0x08, 0xff, 0xc0")   \
	X(insn_getsec, 0, ".byte 0x0f, 0x37")                                  \
	X(insn_rsm, 0, ".byte 0x0f, 0xaa")                                     \
	X(insn_xbegin, 0, ".byte 0xc7, 0xf8, 0, 0, 0, 0")                      \
	X(insn_salc, 0, ".byte 0xd6")                                          \
	X(insn_daa, 0, ".byte 0x27")                                           \
	X(insn_aaa, 0, ".byte 0x37")                                           \
	X(insn_aam, 0, ".byte 0xd4, 0x0a")                                     \
	X(insn_aam0, 0, ".byte 0xd4, 0x00")                                    \
	X(insn_push_es, 0, ".byte 0x06")                                       \
	X(insn_pop_ds, 0, ".byte 0x1f")                                        \
	X(insn_pusha, 0, ".byte 0x60")                                         \
	X(insn_into, 0, ".byte 0xce")                                          \
	X(insn_jmpf_ptr, 0, ".byte 0xea, 0, 0, 0, 0, 0x33, 0")                 \
	X(insn_callf_ptr, 0, ".byte 0x9a, 0, 0, 0, 0, 0x33, 0")                \
	X(insn_too_long, 0, ".fill 15, 1, 0x66\n .byte 0x90")                  \
	X(insn_cross_unmapped, AT_END, ".byte 0x0f")                           \
	/* privileged at CPL 3: #GP (SIGSEGV) */                               \
	X(priv_hlt, 0, "hlt")                                                  \
	X(priv_cli, 0, "cli")                                                  \
	X(priv_sti, 0, "sti")                                                  \
	X(priv_in_dx, 0, "xor %edx, %edx\n in %dx, %al")                       \
	X(priv_out_dx, 0, "mov $0x80, %edx\n out %al, %dx")                    \
	X(priv_in_imm, 0, "in $0x60, %al")                                     \
	X(priv_out_imm, 0, "out %al, $0x80")                                   \
	X(priv_insb, 0, "mov %rsp, %rdi\n xor %edx, %edx\n insb")              \
	X(priv_outsb, 0, "mov %rsp, %rsi\n xor %edx, %edx\n outsb")            \
	X(priv_cr0_read, 0, "mov %cr0, %rax")                                  \
	X(priv_cr3_write, 0, "xor %eax, %eax\n mov %rax, %cr3")                \
	X(priv_cr8_read, 0, "mov %cr8, %rax")                                  \
	X(priv_dr7_read, 0, "mov %dr7, %rax")                                  \
	X(priv_dr0_write, 0, "xor %eax, %eax\n mov %rax, %dr0")                \
	X(priv_rdmsr, 0, "mov $0x10, %ecx\n rdmsr")                            \
	X(priv_wrmsr, 0, "mov $0x10, %ecx\n xor %eax, %eax\n cdq\n wrmsr")     \
	X(priv_rdpmc, 0, "xor %ecx, %ecx\n rdpmc")                             \
	X(priv_lgdt, 0, "lgdt (%rsp)")                                         \
	X(priv_lidt, 0, "lidt (%rsp)")                                         \
	X(priv_lldt, 0, "xor %eax, %eax\n lldt %ax")                           \
	X(priv_ltr, 0, "xor %eax, %eax\n ltr %ax")                             \
	X(priv_lmsw, 0, "xor %eax, %eax\n lmsw %ax")                           \
	X(priv_invlpg, 0, "invlpg (%rsp)")                                     \
	X(priv_invd, 0, "invd")                                                \
	X(priv_wbinvd, 0, "wbinvd")                                            \
	X(priv_clts, 0, "clts")                                                \
	X(priv_swapgs, 0, "swapgs")                                            \
	X(priv_xsetbv, 0, "xor %ecx, %ecx\n mov $3, %eax\n cdq\n xsetbv")      \
	X(priv_sysret, 0, "sysretq")                                           \
	X(priv_iretq_null_cs, 0,                                               \
	  "mov %rsp, %rax\n push $0x2b\n push %rax\n pushfq\n push $0\n"       \
	  "lea 1f(%rip), %rcx\n push %rcx\n iretq\n 1:")                       \
	X(priv_mov_ss_null, 0, "xor %eax, %eax\n mov %eax, %ss")               \
	X(priv_mov_ds_bad, 0, "mov $0xfff8, %eax\n mov %eax, %ds")             \
	/* traps */                                                            \
	X(trap_int3, 0, "int3")                                                \
	X(trap_int1, 0, ".byte 0xf1")                                          \
	/* divide errors: #DE (SIGFPE) */                                      \
	X(div_zero32, 0, "xor %ecx, %ecx\n xor %edx, %edx\n div %ecx")         \
	X(div_zero64, 0, "xor %ecx, %ecx\n xor %edx, %edx\n div %rcx")         \
	X(div_zero8, 0, "xor %ecx, %ecx\n div %cl")                            \
	X(div_idiv_zero, 0, "xor %ecx, %ecx\n cqo\n idiv %rcx")                \
	X(div_overflow, 0, "mov $1, %edx\n mov $1, %ecx\n div %ecx")           \
	X(div_intmin32, 0,                                                     \
	  "mov $0x80000000, %eax\n cltd\n mov $-1, %ecx\n idiv %ecx")          \
	X(div_intmin64, 0,                                                     \
	  "movabs $0x8000000000000000, %rax\n cqo\n mov $-1, %rcx\n"           \
	  "idiv %rcx")                                                         \
	/* bad addresses */                                                    \
	X(mem_jmp_noncanonical, 0, AT("0x0000800000000000", "jmp *%rax"))      \
	X(mem_jmp_noncanonical_high, 0, AT("0x8000000000000000", "jmp *%rax")) \
	X(mem_jmp_kernel, 0, AT("0xffffffff80000000", "jmp *%rax"))            \
	X(mem_jmp_zero, 0, "xor %eax, %eax\n jmp *%rax")                       \
	X(mem_jmp_unmapped, 0, AT("0x10000000000", "jmp *%rax"))               \
	X(mem_jmp_task_size, 0, AT("0x7ffffffff000", "jmp *%rax"))             \
	X(mem_call_vsyscall, 0,                                                \
	  "xor %edi, %edi\n xor %esi, %esi\n"                                  \
	  "movabs $0xffffffffff600000, %rax\n call *%rax")                     \
	X(mem_store_noncanonical, 0,                                           \
	  AT("0x8000000000000000", "movl $1, (%rax)"))                         \
	X(mem_load_noncanonical, 0,                                            \
	  AT("0x0000800000000000", "mov (%rax), %ecx"))                        \
	X(mem_store_kernel, 0, AT("0xffffffff80000000", "movl $1, (%rax)"))    \
	X(mem_load_zero, 0, "xor %eax, %eax\n mov (%rax), %ecx")               \
	X(mem_store_text, 0, AT("0x401000", "movl $1, (%rax)"))                \
	X(mem_push_noncanonical, 0,                                            \
	  "movabs $0x0000800000000008, %rsp\n push %rax")                      \
	X(mem_load_noncanonical_rbp, 0,                                        \
	  "movabs $0x0000800000000000, %rbp\n mov (%rbp), %eax")               \
	X(mem_push_rsp_zero, 0, "xor %esp, %esp\n push %rax")                  \
	X(mem_movaps_unaligned, 0, "lea 1(%rsp), %rax\n movaps (%rax), %xmm0") \
	X(mem_alignment_check, 0,                                              \
	  "pushfq\n orl $0x40000, (%rsp)\n popfq\n"                            \
	  "lea 1(%rsp), %rax\n mov (%rax), %ecx")                              \
	/* unmasked floating-point exceptions */                               \
	X(fpu_sse_div0, 0,                                                     \
	  "push $0x1d80\n ldmxcsr (%rsp)\n xorps %xmm1, %xmm1\n"               \
	  "mov $1, %eax\n cvtsi2ss %eax, %xmm0\n divss %xmm1, %xmm0")          \
	X(fpu_x87_div0, 0,                                                     \
	  "push $0x037b\n fldcw (%rsp)\n fld1\n fldz\n fdivrp\n fwait")        \
	/* syscall numbers: none, or one in eax (Linux ignores rax's top half: \
	 * 0x8000000000000000 is read(42, 0, 0), 0x10000003c exit(42)) */      \
	X(sys_1000, 0, SYS("1000"))                                            \
	X(sys_neg1, 0, SYS("-1"))                                              \
	X(sys_u32max, 0, SYS("0xffffffff"))                                    \
	X(sys_s64max, 0, SYS("0x7fffffffffffffff"))                            \
	X(sys_s64min, 0, SYS("0x8000000000000000"))                            \
	X(sys_high_bits_exit, 0, SYS("0x10000003c"))                           \
	/* instructions a user program may run */                              \
	X(ok_cpuid, 0, "xor %eax, %eax\n xor %ecx, %ecx\n cpuid")              \
	X(ok_rdtsc, 0, "rdtsc")                                                \
	X(ok_rdtscp, 0, "rdtscp")                                              \
	X(ok_xgetbv, 0, "xor %ecx, %ecx\n xgetbv")                             \
	X(ok_pause_nops, 0, "pause\n nop\n .byte 0x0f, 0x1f, 0x00")            \
	X(ok_syscall_getpid, 0, "mov $39, %eax\n syscall")

#define ASM(name, flags, code)                                                 \
	__asm__(".pushsection .rodata\n .globl case_" #name "\n case_" #name   \
		":\n " code "\n .globl case_" #name "_end\n case_" #name       \
		"_end:\n .popsection");                                        \
	extern const unsigned char case_##name[], case_##name##_end[];
#define ENTRY(name, flags, code) {#name, flags, case_##name, case_##name##_end},

CASES(ASM)
ASM(exit_tail, 0, EXIT_TAIL)
ASM(int_n, 0, "mov $1, %eax\n mov $42, %ebx\n .byte 0xcd, 0")

static const struct {
	const char *name;
	int flags;
	const unsigned char *start, *end;
} cases[] = {CASES(ENTRY)};

static void out(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(3);
}

static void report(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* alignment_check left EFLAGS.AC set: the handler must not trap */
	__asm__ volatile("pushfq\n andl $~0x40000, (%%rsp)\n popfq"
			 :
			 :
			 : "cc", "memory");
	char line[96];
	snprintf(line, sizeof(line), "sig %d code %d addr %#lx\n", sig,
		 si->si_code, (unsigned long)si->si_addr);
	out(line);
	signal(sig, SIG_DFL);
	raise(sig); /* blocked until the handler returns */
}

static void install_reporters(void)
{
	static char altstack[65536];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	sigaltstack(&ss, NULL);
	static const int sigs[] = {SIGILL, SIGSEGV, SIGBUS,
				   SIGFPE, SIGTRAP, SIGSYS};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa = {.sa_sigaction = report,
				       .sa_flags = SA_SIGINFO | SA_ONSTACK};
		sigaction(sigs[i], &sa, NULL);
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void usage(void)
{
	out("usage: cpu_battery [-r] list|CASE|int N|hex BYTES\n");
	_exit(2);
}

int main(int argc, char **argv)
{
	int a = 1;
	if (a < argc && !strcmp(argv[a], "-r")) {
		install_reporters();
		a++;
	}
	if (a >= argc)
		usage();
	const char *name = argv[a];
	if (!strcmp(name, "list")) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			out(cases[i].name);
			out("\n");
		}
		return 0;
	}

	unsigned char code[256];
	size_t len = 0;
	int flags = 0;
	if (!strcmp(name, "int") && a + 1 < argc) {
		char *end;
		unsigned long n = strtoul(argv[a + 1], &end, 0);
		if (*end || n > 255)
			usage();
		len = (size_t)(case_int_n_end - case_int_n);
		memcpy(code, case_int_n, len);
		code[len - 1] = (unsigned char)n;
	} else if (!strcmp(name, "hex") && a + 1 < argc) {
		for (const char *h = argv[a + 1]; h[0] && h[1]; h += 2) {
			int hi = hexval(h[0]), lo = hexval(h[1]);
			if (hi < 0 || lo < 0 || len == 128)
				usage();
			code[len++] = (unsigned char)(hi << 4 | lo);
		}
	} else {
		size_t i = 0, n = sizeof(cases) / sizeof(cases[0]);
		while (i < n && strcmp(cases[i].name, name))
			i++;
		if (i == n)
			usage();
		len = (size_t)(cases[i].end - cases[i].start);
		memcpy(code, cases[i].start, len);
		flags = cases[i].flags;
	}
	size_t tail = (size_t)(case_exit_tail_end - case_exit_tail);
	memcpy(code + len, case_exit_tail, tail);

	unsigned char *p =
		mmap((void *)CODE, 2 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p != (unsigned char *)CODE || munmap(p + PAGE, PAGE))
		return 4;
	unsigned char *start = p;
	if (flags & AT_END)
		start = p + PAGE - len; /* the tail would be unmapped */
	else
		len += tail;
	memcpy(start, code, len);
	__asm__ volatile("jmp *%0" : : "r"(start) : "memory");
	__builtin_unreachable();
}
