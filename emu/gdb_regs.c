/* The registers as gdb sees them: the target description (gdb's own
 * i386/64bit-core.xml, 64bit-sse.xml, 64bit-linux.xml and
 * 64bit-segments.xml, in that order, as its amd64 GNU/Linux description
 * numbers them: 0-15 the general registers, 16 rip, 17 eflags, 18-23 the
 * selectors, 24-31 st0-7, 32-39 the x87 control registers, 40-55 xmm0-15,
 * 56 mxcsr, 57 orig_rax, 58 fs_base, 59 gs_base), and Unicorn's registers
 * behind them (docs/gdb.md, "Registers"). */
#include <string.h>
#include <unicorn/unicorn.h>

#include "gdbstub.h"
#include "machine.h"

/* clang-format off */
const char gdb_target_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n"
	"<architecture>i386:x86-64</architecture>\n"
	"<osabi>GNU/Linux</osabi>\n"
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	"<flags id=\"i386_eflags\" size=\"4\">\n"
	"<field name=\"CF\" start=\"0\" end=\"0\"/>\n"
	"<field name=\"\" start=\"1\" end=\"1\"/>\n"
	"<field name=\"PF\" start=\"2\" end=\"2\"/>\n"
	"<field name=\"AF\" start=\"4\" end=\"4\"/>\n"
	"<field name=\"ZF\" start=\"6\" end=\"6\"/>\n"
	"<field name=\"SF\" start=\"7\" end=\"7\"/>\n"
	"<field name=\"TF\" start=\"8\" end=\"8\"/>\n"
	"<field name=\"IF\" start=\"9\" end=\"9\"/>\n"
	"<field name=\"DF\" start=\"10\" end=\"10\"/>\n"
	"<field name=\"OF\" start=\"11\" end=\"11\"/>\n"
	"<field name=\"NT\" start=\"14\" end=\"14\"/>\n"
	"<field name=\"RF\" start=\"16\" end=\"16\"/>\n"
	"<field name=\"VM\" start=\"17\" end=\"17\"/>\n"
	"<field name=\"AC\" start=\"18\" end=\"18\"/>\n"
	"<field name=\"VIF\" start=\"19\" end=\"19\"/>\n"
	"<field name=\"VIP\" start=\"20\" end=\"20\"/>\n"
	"<field name=\"ID\" start=\"21\" end=\"21\"/>\n"
	"</flags>\n"
	"<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
	"<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
	"<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.sse\">\n"
	"<vector id=\"v8bf16\" type=\"bfloat16\" count=\"8\"/>\n"
	"<vector id=\"v8h\" type=\"ieee_half\" count=\"8\"/>\n"
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
	"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
	"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
	"<union id=\"vec128\">\n"
	"<field name=\"v8_bfloat16\" type=\"v8bf16\"/>\n"
	"<field name=\"v8_half\" type=\"v8h\"/>\n"
	"<field name=\"v4_float\" type=\"v4f\"/>\n"
	"<field name=\"v2_double\" type=\"v2d\"/>\n"
	"<field name=\"v16_int8\" type=\"v16i8\"/>\n"
	"<field name=\"v8_int16\" type=\"v8i16\"/>\n"
	"<field name=\"v4_int32\" type=\"v4i32\"/>\n"
	"<field name=\"v2_int64\" type=\"v2i64\"/>\n"
	"<field name=\"uint128\" type=\"uint128\"/>\n"
	"</union>\n"
	"<flags id=\"i386_mxcsr\" size=\"4\">\n"
	"<field name=\"IE\" start=\"0\" end=\"0\"/>\n"
	"<field name=\"DE\" start=\"1\" end=\"1\"/>\n"
	"<field name=\"ZE\" start=\"2\" end=\"2\"/>\n"
	"<field name=\"OE\" start=\"3\" end=\"3\"/>\n"
	"<field name=\"UE\" start=\"4\" end=\"4\"/>\n"
	"<field name=\"PE\" start=\"5\" end=\"5\"/>\n"
	"<field name=\"DAZ\" start=\"6\" end=\"6\"/>\n"
	"<field name=\"IM\" start=\"7\" end=\"7\"/>\n"
	"<field name=\"DM\" start=\"8\" end=\"8\"/>\n"
	"<field name=\"ZM\" start=\"9\" end=\"9\"/>\n"
	"<field name=\"OM\" start=\"10\" end=\"10\"/>\n"
	"<field name=\"UM\" start=\"11\" end=\"11\"/>\n"
	"<field name=\"PM\" start=\"12\" end=\"12\"/>\n"
	"<field name=\"FZ\" start=\"15\" end=\"15\"/>\n"
	"</flags>\n"
	"<reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\" regnum=\"40\"/>\n"
	"<reg name=\"xmm1\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm2\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm3\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm4\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm5\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm6\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm7\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm8\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm9\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm10\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm11\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm12\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm13\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm14\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"xmm15\" bitsize=\"128\" type=\"vec128\"/>\n"
	"<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" group=\"vector\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.linux\">\n"
	"<reg name=\"orig_rax\" bitsize=\"64\" type=\"int\" regnum=\"57\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.segments\">\n"
	"<reg name=\"fs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"<reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"</feature>\n"
	"</target>\n";
/* clang-format on */

#define ORIG_RAX 57
#define NONE	 -1 /* reads as 0, writes are dropped */

struct gdb_reg {
	int uc; /* Unicorn's id, NONE, or ORIG_RAX's own slot */
	int size;
};

static struct gdb_reg reg_of(int n)
{
	static const int gpr[16] = {
		UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX,
		UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_RBP, UC_X86_REG_RSP,
		UC_X86_REG_R8,	UC_X86_REG_R9,	UC_X86_REG_R10, UC_X86_REG_R11,
		UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15};
	static const int seg[6] = {UC_X86_REG_CS, UC_X86_REG_SS, UC_X86_REG_DS,
				   UC_X86_REG_ES, UC_X86_REG_FS, UC_X86_REG_GS};
	static const int fpctl[8] = {UC_X86_REG_FPCW,
				     UC_X86_REG_FPSW,
				     UC_X86_REG_FPTAG,
				     NONE,
				     NONE,
				     NONE,
				     NONE,
				     UC_X86_REG_FOP};
	if (n < 16)
		return (struct gdb_reg){gpr[n], 8};
	if (n == 16)
		return (struct gdb_reg){UC_X86_REG_RIP, 8};
	if (n == 17)
		return (struct gdb_reg){UC_X86_REG_EFLAGS, 4};
	if (n < 24)
		return (struct gdb_reg){seg[n - 18], 4};
	if (n < 32)
		return (struct gdb_reg){UC_X86_REG_FP0 + (n - 24), 10};
	if (n < 40)
		return (struct gdb_reg){fpctl[n - 32], 4};
	if (n < 56)
		return (struct gdb_reg){UC_X86_REG_XMM0 + (n - 40), 16};
	if (n == 56)
		return (struct gdb_reg){UC_X86_REG_MXCSR, 4};
	if (n == ORIG_RAX)
		return (struct gdb_reg){ORIG_RAX, 8};
	if (n == 58)
		return (struct gdb_reg){UC_X86_REG_FS_BASE, 8};
	return (struct gdb_reg){UC_X86_REG_GS_BASE, 8};
}

/* The task's register: the CPU's, or its saved context's (sched.c). */
static void reg_get(struct memu *m, const struct process *t, int id, void *v)
{
	if (t == m->proc)
		uc_reg_read(m->uc, id, v);
	else
		uc_context_reg_read(t->ctx, id, v);
}

static void reg_set(struct memu *m, const struct process *t, int id,
		    const void *v)
{
	if (t == m->proc)
		uc_reg_write(m->uc, id, v);
	else
		uc_context_reg_write(t->ctx, id, v);
}

int gdb_reg_read(struct memu *m, int n, uint8_t *buf, uint64_t orig_rax)
{
	if (n < 0 || n >= GDB_NREGS)
		return -1;
	const struct process *t = gdb_process(m);
	struct gdb_reg r = reg_of(n);
	uint8_t v[64] = {0};
	if (r.uc == ORIG_RAX) {
		if (t != m->proc)
			orig_rax = UINT64_MAX;
		memcpy(v, &orig_rax, 8);
	} else if (r.uc != NONE)
		reg_get(m, t, r.uc, v);
	memcpy(buf, v, (size_t)r.size);
	return r.size;
}

int gdb_reg_write(struct memu *m, int n, const uint8_t *buf, uint64_t *orig_rax)
{
	if (n < 0 || n >= GDB_NREGS)
		return -1;
	const struct process *t = gdb_process(m);
	struct gdb_reg r = reg_of(n);
	uint8_t v[64] = {0}, old[64] = {0};
	memcpy(v, buf, (size_t)r.size);
	if (r.uc == ORIG_RAX) {
		if (t == m->proc)
			memcpy(orig_rax, v, 8);
		return r.size;
	}
	/* The selectors stay as Linux sets them for a 64-bit process. */
	if (r.uc == NONE || (n >= 18 && n < 24))
		return r.size;
	reg_get(m, t, r.uc, old);
	if (memcmp(old, v, (size_t)r.size)) {
		if (n == 17) /* eflags: the upper half stays */
			memcpy(v + 4, old + 4, 4);
		reg_set(m, t, r.uc, v);
	}
	return r.size;
}
