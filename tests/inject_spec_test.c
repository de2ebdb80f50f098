/* The fault-spec language (emu/inject_spec.c, docs/inject.md): every
 * spec prints back in its canonical form, which parses to the same spec;
 * bad specs are refused with one line that says what is wrong. */
#include <criterion/criterion.h>
#include <string.h>

#include "../emu/inject.h"

static void round_trip(const char *in, const char *canonical)
{
	struct inject_spec s, t;
	char err[256] = "", out[INJECT_SPEC_MAX];
	cr_assert_eq(inject_parse(in, &s, err, sizeof(err)), 0, "%s: %s", in,
		     err);
	inject_format(&s, out, sizeof(out));
	cr_assert_str_eq(out, canonical);
	cr_assert_eq(inject_parse(out, &t, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(memcmp(&s, &t, sizeof(s)), 0, "%s parses the same", out);
}

Test(inject_spec, canonical_forms)
{
	round_trip("flip:phys=0x1f000,bit=3@insn=120000",
		   "flip:phys=0x1f000,bit=3@insn=120000");
	round_trip("flip:bit=0,va=140737354108944@event=fault.anon#3",
		   "flip:va=0x7ffff7ff9010,bit=0@event=fault.anon#3");
	round_trip("flip:reg=rax,bit=63@rip=0x401234#2",
		   "flip:reg=rax,bit=63@rip=0x401234#2");
	round_trip("flip:reg=rflags,bit=8@rip=0x401234",
		   "flip:reg=rflags,bit=8@rip=0x401234#1");
	round_trip("flip:pte=0x7ffff7ff9000,bit=rw@event=syscall.mmap#10",
		   "flip:pte=0x7ffff7ff9000,level=1,bit=rw@event=syscall.mmap"
		   "#10");
	round_trip("flip:pte=0x400000,level=4,bit=nx@insn=7",
		   "flip:pte=0x400000,level=4,bit=nx@insn=7");
	round_trip("flip:pte=0x400000,level=2,bit=20@insn=7",
		   "flip:pte=0x400000,level=2,bit=20@insn=7");
	round_trip("lose-flush@event=syscall.munmap",
		   "lose-flush:count=1@event=syscall.munmap#1");
	round_trip("fail-alloc:times=2,every=3@event=fault#5",
		   "fail-alloc:times=2,every=3@event=fault#5");
	round_trip("fail-alloc:p=0.25,seed=9@insn=0",
		   "fail-alloc:times=1,p=0.25,seed=9@insn=0");
	round_trip("hwpoison:pfn=0x230@access=0x7ffff7ff9000",
		   "hwpoison:pfn=0x230@access=0x7ffff7ff9000");
	round_trip("syscall:errno=EIO@event=syscall.write#3",
		   "syscall:errno=EIO@event=syscall.write#3");
	round_trip("syscall:errno=12@event=syscall.brk",
		   "syscall:errno=ENOMEM@event=syscall.brk#1");
	round_trip("syscall:retval=-1@event=syscall.read#1",
		   "syscall:retval=-1@event=syscall.read#1");
	round_trip("signal:sig=USR1@insn=1000", "signal:sig=SIGUSR1@insn=1000");
	round_trip("signal:sig=SIGRTMIN+2@event=tlb-flush,p=0.5,seed=3",
		   "signal:sig=36@event=tlb-flush,p=0.5,seed=3");
	round_trip(
		"lose-flush:reason=unmap@event=syscall.memu_probe",
		"lose-flush:count=1,reason=unmap@event=syscall.memu_probe#1");
	round_trip("signal:sig=9@event=frame-alloc#1000",
		   "signal:sig=SIGKILL@event=frame-alloc#1000");
}

static void refused(const char *in, const char *why)
{
	struct inject_spec s;
	char err[256] = "";
	cr_assert_eq(inject_parse(in, &s, err, sizeof(err)), -1, "%s", in);
	cr_assert_str_eq(err, why, "%s", in);
	cr_assert_null(strchr(err, '\n'), "one line");
}

Test(inject_spec, bad_specs)
{
	refused("flip:phys=1,bit=1", "'flip:phys=1,bit=1': no @WHEN");
	refused("melt:x=1@insn=1",
		"unknown fault 'melt' (flip, lose-flush, fail-alloc, hwpoison, "
		"syscall, signal)");
	refused("flip:bit=1@insn=1",
		"flip needs one of phys=, va=, reg=, pte=");
	refused("flip:phys=1,va=2,bit=1@insn=1",
		"flip needs one of phys=, va=, reg=, pte=");
	refused("flip:phys=0x1g,bit=1@insn=1", "phys: not a number: '0x1g'");
	refused("flip:phys=-1,bit=1@insn=1", "phys: not a number: '-1'");
	refused("flip:phys=99999999999999999999,bit=1@insn=1",
		"phys: not a number: '99999999999999999999'");
	refused("flip:phys=1,bit=8@insn=1",
		"bit: 8 is out of range (at most 7)");
	refused("flip:reg=xmm0,bit=1@insn=1", "unknown register 'xmm0'");
	refused("flip:pte=0x1000,level=5,bit=p@insn=1",
		"level: 5 is out of range (at most 4)");
	refused("flip:pte=0x1000,bit=dirty@insn=1",
		"bit: not a number: 'dirty'");
	refused("flip:phys=1,bit=1,level=2@insn=1", "level= goes with pte=");
	refused("flip:phys=1,bit=1,phys=2@insn=1", "phys given twice");
	refused("flip:phys=1,bit=1,colour=red@insn=1",
		"flip takes no 'colour'");
	refused("lose-flush:count=0@insn=1", "count: at least 1");
	refused("syscall:errno=EWHAT@insn=1", "unknown errno 'EWHAT'");
	refused("syscall@insn=1", "syscall needs one of errno=, retval=");
	refused("signal:sig=SIGNOPE@insn=1", "unknown signal 'SIGNOPE'");
	refused("signal:sig=65@insn=1", "sig: 65 is out of range (at most 64)");
	refused("signal:sig=1@when=1",
		"@ needs one of insn=, rip=, event=, access=");
	refused("signal:sig=1@event=fault.bogus", "unknown fault kind 'bogus'");
	refused("signal:sig=1@event=syscall.nope", "unknown syscall 'nope'");
	refused("signal:sig=1@event=moon",
		"unknown event 'moon' (fault[.KIND], syscall[.NAME], "
		"tlb-flush, "
		"frame-alloc, signal)");
	refused("signal:sig=1@event=fault#0", "#: the first is #1");
	refused("signal:sig=1@insn=1,p=0.5", "p= and seed= go with event=");
	refused("signal:sig=1@event=fault#2,p=0.5",
		"event= takes #N or p=, not both");
	refused("signal:sig=1@event=fault,p=1.5",
		"p: not a probability in (0, 1]: '1.5'");
	refused("signal:sig=1@event=fault,seed=3", "seed= goes with p=");
	refused("signal:sig@insn=1", "'sig' is not KEY=VALUE");
	refused("lose-flush:reason=soon@insn=1",
		"reason: unmap, protect, cow or any, not 'soon'");
}
