/* memu run --gdb: the stub's stops and packets (docs/gdb.md).
 *
 * Synchronous: a stop is a call to gdb_stop, from an instruction hook
 * (before the instruction at RIP runs: a breakpoint, the very first user
 * instruction), from the debug trap (a step's end: the trap flag, set as
 * ptrace sets it), from the block hook (after a watched access, Ctrl-C)
 * or from signal delivery (gdb_signal: Linux's ptrace signal stop), or
 * from the instruction counter where a replay arrives (gdb_arrive).
 * gdb_stop talks to gdb until gdb resumes, and returns; the machine runs
 * on from where it stood.  A stop's position is the count of retired
 * instructions (icount.c); bs and bc go back to another one
 * (gdb_reverse.c), and a copy of the machine that runs there answers.
 *
 * Nothing of the stub runs per instruction but the instruction counter
 * reverse execution needs (none with --gdb-no-reverse): a breakpoint is
 * an instruction hook on
 * its one address (Unicorn decides which instructions call hooks as it
 * translates them, so the code of the page is translated again); guest
 * memory is never written, so the guest reads its own code unchanged.
 * Watchpoints are a memory hook, put in at the first one; the stop comes
 * after the accessing instruction, as on x86.  Memory is read through pt_peek,
 * the page walk without side effects.  Without --gdb none of this is installed
 * and nothing here runs.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../mmu/pagetable.h"
#include "../mmu/tlb.h"
#include "gdbstub.h"
#include "machine.h"

#define MAX_BPS		GDB_MAX_BPS
#define MAX_WATCH	GDB_MAX_WATCH
#define POLL_EVERY	(1u << 12) /* blocks between Ctrl-C checks */
#define EFLAGS_TF	(1ULL << 8)
#define SIGINFO_BYTES	128
#define RESUME_GONE	-1 /* gdb went away or detached */
#define ORIG_RAX_NOCALL UINT64_MAX

enum watch_type { WATCH_WRITE = 2, WATCH_READ = 3, WATCH_ACCESS = 4 };

struct gdbstub {
	struct gdb_conn conn;
	bool connected, detached, ended;
	bool multi;    /* gdb speaks the multiprocess extension */
	int sel_tid;   /* Hg's task while stopped, 0: the CPU's */
	int stop_tid;  /* the task that stopped */
	int step_tid;  /* a step of a task off the CPU: its pid */
	int first_pid; /* the machine's first process */
	bool waiting;  /* gdb resumed us and waits for a stop reply */
	bool stepping; /* the trap flag is ours: stop after one instruction */
	bool watching; /* the memory hook is in */
	bool flush_pending; /* drop all translated code (gdb_after_run) */
	bool watch_pending; /* a watched access: stop at the block's end */
	uc_hook entry_hook;
	bool in_insn_hook; /* the stop is in the instruction hook */
	/* After a stop: the hook calls at skip while skip_pos instructions
	 * have retired are the instruction the guest stopped at, not one
	 * more (a block that starts again, another hook, a resume from a
	 * signal stop or a changed RIP). */
	bool skip_valid;
	uint64_t skip, skip_pos;
	uint64_t pos;	     /* instructions retired at the stop */
	bool arriving;	     /* the stop is a replay's arrival (gdb_arrive) */
	bool restarted;	     /* the stop wrote RIP: the block starts again */
	struct gdb_rev *rev; /* reverse execution, NULL: none */
	struct gdb_events *events; /* `monitor events` */
	struct {
		uint64_t addr;
		bool hw;
		int tgid;  /* the process whose address space it is in */
		uc_hook h; /* shared by those at one address */
	} bps[MAX_BPS];
	unsigned nbps;
	struct {
		uint64_t addr, len;
		enum watch_type type;
	} watch[MAX_WATCH];
	unsigned nwatch;
	bool watch_hit;
	uint64_t watch_addr;
	enum watch_type watch_hit_type;
	uint32_t polls;
	uint64_t orig_rax;
	struct guest_siginfo siginfo; /* the last signal stop's */
	uint64_t pass;		      /* QPassSignals, Linux numbering */
	struct gdb_ev ev;	      /* fork, vfork, exec (gdb_fork.c) */
	bool stop_thread;	      /* thread:ID follows stop_reply */
	/* T, signal and reason (an exec's path: up to FS_PATH_MAX in
	 * hex), or W, X and process. */
	char stop_reply[GDB_BUF / 2 + 96];
	char pkt[GDB_BUF];
	char out[2 * GDB_BUF + 16];
};

/* The process the debugger looks at: the one place that names it. */
struct process *gdb_process(struct memu *m)
{
	struct gdbstub *g = m->gdb;
	struct process *t = g && g->sel_tid ? find_task(m, g->sel_tid) : NULL;
	return t && gdb_task_traced(t) ? t : gdb_cpu_task(m);
}

struct gdb_ev *gdb_ev_live(struct memu *m)
{
	struct gdbstub *g = m->gdb;
	if (!g || !g->connected || g->detached || g->ended || !g->multi ||
	    rev_mode(g->rev) != REV_LIVE)
		return NULL;
	return &g->ev;
}

struct gdb_rev *gdb_rev_of(struct memu *m)
{
	return m->gdb ? m->gdb->rev : NULL;
}

struct gdb_events *gdb_events_of(struct memu *m)
{
	return m->gdb ? m->gdb->events : NULL;
}

/* ---- signal numbers: gdb's (gdb/signals.def) for Linux x86-64's */

static const unsigned char linux_to_gdb[32] = {
	0,   1,	 2,  3,	 4,  5,	 6,  10, 8,  9,	 30, 11, 31, 13, 14, 15,
	143, 20, 19, 17, 18, 21, 22, 16, 24, 25, 26, 27, 28, 23, 32, 12};

int gdb_signal_from_linux(int sig)
{
	if (sig > 0 && sig < 32)
		return linux_to_gdb[sig];
	if (sig == 32)
		return 77; /* GDB_SIGNAL_REALTIME_32 */
	if (sig > 32 && sig < 64)
		return sig + 12; /* REALTIME_33 is 45 */
	if (sig == 64)
		return 78;
	return 143; /* GDB_SIGNAL_UNKNOWN */
}

int gdb_signal_to_linux(int gsig)
{
	for (int s = 1; s <= 64; s++)
		if (gdb_signal_from_linux(s) == gsig)
			return s;
	return 0;
}

/* ---- memory */

static bool peek(struct memu *m, uint64_t va, struct pt_peek_out *o)
{
	struct pt_level lv[4];
	struct mm *mm = gdb_process(m)->mm;
	if (va >= USER_VA_END || !mm) /* !mm: an exit's stop */
		return false;
	pt_peek(mm, va, lv, o);
	return o->pa != PT_PEEK_NONE && o->user;
}

size_t gdb_read_mem(struct memu *m, uint64_t va, uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		struct pt_peek_out o;
		uint64_t a = va + done;
		if (a < va || !peek(m, a, &o))
			break;
		size_t n = PAGE_SIZE - (a & ~PAGE_MASK);
		if (n > len - done)
			n = len - done;
		/* RAM only: a device's registers are not read behind the
		 * guest's back. */
		if (memu_read_phys(m, o.pa, buf + done, n))
			break;
		done += n;
	}
	return done;
}

/* Writes go where the guest could write itself without a fault: a
 * present, writable, dirty page (no copy-on-write, no A/D change). */
static bool write_mem(struct memu *m, uint64_t va, const uint8_t *buf,
		      size_t len)
{
	size_t done = 0;
	while (done < len) {
		struct pt_peek_out o;
		uint64_t a = va + done;
		if (a < va || !peek(m, a, &o) || !o.writable || !o.dirty)
			return false;
		size_t n = PAGE_SIZE - (a & ~PAGE_MASK);
		if (n > len - done)
			n = len - done;
		uint8_t probe;
		if (memu_read_phys(m, o.pa, &probe, 1))
			return false;
		mmu_phys_write(&m->mmu, o.pa, buf + done, n);
		done += n;
	}
	return true;
}

/* ---- encoding */

static const char hexd[] = "0123456789abcdef";

static char *put_hex(char *p, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		*p++ = hexd[b[i] >> 4];
		*p++ = hexd[b[i] & 15];
	}
	*p = '\0';
	return p;
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex bytes from s into b (at most n); the count, or -1. */
static long get_hex(const char *s, uint8_t *b, size_t n)
{
	size_t i = 0;
	while (s[0] && s[1] && i < n) {
		int h = hexv(s[0]), l = hexv(s[1]);
		if (h < 0 || l < 0)
			return -1;
		b[i++] = (uint8_t)(h << 4 | l);
		s += 2;
	}
	return *s && i < n ? -1 : (long)i;
}

/* A hex number at *s, which moves past it; false if there is none. */
static bool get_num(const char **s, uint64_t *v)
{
	const char *p = *s;
	*v = 0;
	if (hexv(*p) < 0)
		return false;
	while (hexv(*p) >= 0) {
		if (*v >> 60)
			return false;
		*v = *v << 4 | (uint64_t)hexv(*p++);
	}
	*s = p;
	return true;
}

static int reply(struct gdbstub *g, const char *s)
{
	return gdb_put_str(&g->conn, s);
}

/* The stop reply: stop_reply and the thread that stopped. */
static int send_stop(struct memu *m, struct gdbstub *g)
{
	struct process *t = find_task(m, g->stop_tid);
	char id[32];
	if (g->ev.cut[0] && strstr(g->stop_reply, "replaylog:begin")) {
		/* Console output first: why the history ends here. */
		char text[160];
		snprintf(text, sizeof(text),
			 "memu: the history begins at %s: no going back "
			 "across it (docs/gdb.md)\n",
			 g->ev.cut);
		g->out[0] = 'O';
		put_hex(g->out + 1, (const uint8_t *)text, strlen(text));
		if (reply(g, g->out))
			return -1;
	}
	if (!g->stop_thread)
		return reply(g, g->stop_reply);
	gdb_thread_id(id, sizeof(id), t ? t : gdb_cpu_task(m), g->multi);
	snprintf(g->out, sizeof(g->out), "%sthread:%s;", g->stop_reply, id);
	return reply(g, g->out);
}

/* qXfer's answer: m or l, then the bytes from offset, binary-escaped. */
static int xfer(struct gdbstub *g, const void *data, size_t size,
		const char *args)
{
	uint64_t off, len;
	const char *p = args;
	if (!get_num(&p, &off) || *p++ != ',' || !get_num(&p, &len))
		return reply(g, "E01");
	if (off > size)
		return reply(g, "E01");
	if (len > GDB_BUF / 2 - 8)
		len = GDB_BUF / 2 - 8;
	size_t n = size - off < len ? size - off : len;
	char *o = g->out;
	*o++ = off + n < size ? 'm' : 'l';
	const uint8_t *b = (const uint8_t *)data + off;
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '#' || b[i] == '$' || b[i] == '}' || b[i] == '*') {
			*o++ = '}';
			*o++ = (char)(b[i] ^ 0x20);
		} else
			*o++ = (char)b[i];
	}
	return gdb_put_packet(&g->conn, g->out, (size_t)(o - g->out));
}

/* ---- packets */

static int read_registers(struct memu *m, struct gdbstub *g)
{
	char *o = g->out;
	for (int n = 0; n < GDB_NREGS; n++) {
		uint8_t b[16];
		int sz = gdb_reg_read(m, n, b, g->orig_rax);
		o = put_hex(o, b, (size_t)sz);
	}
	return reply(g, g->out);
}

static int write_registers(struct memu *m, struct gdbstub *g, const char *s)
{
	uint8_t b[16];
	for (int n = 0; n < GDB_NREGS && *s; n++) {
		uint8_t tmp[16];
		int sz = gdb_reg_read(m, n, tmp, g->orig_rax);
		if (strlen(s) < (size_t)sz * 2)
			return reply(g, "E01");
		char part[33];
		memcpy(part, s, (size_t)sz * 2);
		part[sz * 2] = '\0';
		if (get_hex(part, b, (size_t)sz) != sz)
			return reply(g, "E01");
		gdb_reg_write(m, n, b, &g->orig_rax);
		s += sz * 2;
	}
	return reply(g, "OK");
}

static int read_memory(struct memu *m, struct gdbstub *g, const char *s)
{
	uint64_t addr, len;
	if (!get_num(&s, &addr) || *s++ != ',' || !get_num(&s, &len))
		return reply(g, "E01");
	if (len > GDB_BUF / 2 - 8)
		len = GDB_BUF / 2 - 8;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return reply(g, "E0c");
	size_t n = gdb_read_mem(m, addr, buf, len);
	if (!n && len)
		reply(g, "E14"); /* EFAULT */
	else {
		put_hex(g->out, buf, n);
		reply(g, g->out);
	}
	free(buf);
	return 0;
}

static int write_memory(struct memu *m, struct gdbstub *g, const char *s,
			size_t plen, bool binary)
{
	const char *start = s;
	uint64_t addr, len;
	if (!get_num(&s, &addr) || *s++ != ',' || !get_num(&s, &len) ||
	    *s++ != ':' || len > GDB_BUF)
		return reply(g, "E01");
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return reply(g, "E0c");
	size_t n = 0;
	if (binary) {
		const char *end = start + plen;
		while (s < end && n < len) {
			uint8_t c = (uint8_t)*s++;
			if (c == '}' && s < end)
				c = (uint8_t)(*s++ ^ 0x20);
			buf[n++] = c;
		}
	} else {
		long got = get_hex(s, buf, len);
		n = got < 0 ? len + 1 : (size_t)got;
	}
	int rc = reply(g,
		       n == len && write_mem(m, addr, buf, len) ? "OK" : "E14");
	free(buf);
	return rc;
}

static void insn_hook(uc_engine *uc, uint64_t address, uint32_t size,
		      void *user);
static void watch_hook(uc_engine *uc, uint64_t address, uint32_t size,
		       void *user);
static void mem_hook(uc_engine *uc, uc_mem_type type, uint64_t pa, int size,
		     int64_t value, void *user);

/* Drop the translated code of va's page, so that a hook added or removed
 * there takes effect (code_invalidate: no TLB fill, no fault). */
static void retranslate(struct memu *m, uint64_t va)
{
	/* Nothing is translated for a task that has exited (an exit's
	 * stop): its code goes with its address space. */
	if (!m->proc->mm)
		return;
	/* In every address space: a breakpoint's hook is on a virtual
	 * address, whatever process it is for. */
	for (unsigned i = 0; va < USER_VA_END && i < m->ntasks; i++) {
		struct pt_level lv[4];
		struct pt_peek_out o;
		if (!m->tasks[i]->mm)
			continue;
		pt_peek(m->tasks[i]->mm, va, lv, &o);
		if (o.pa != PT_PEEK_NONE)
			code_invalidate(&m->mmu, o.pa >> PAGE_SHIFT);
	}
}

/* A breakpoint of process tgid at addr: one instruction hook for all
 * those at one address.  -1 if there is no room (ENOSPC) or no hook. */
static int bp_add(struct memu *m, struct gdbstub *g, uint64_t addr, bool hw,
		  int tgid)
{
	if (g->nbps == MAX_BPS)
		return -1;
	unsigned i = 0;
	while (i < g->nbps && g->bps[i].addr != addr)
		i++;
	if (i < g->nbps)
		g->bps[g->nbps].h = g->bps[i].h;
	else if (uc_hook_add(m->uc, &g->bps[g->nbps].h, UC_HOOK_CODE,
			     (void *)insn_hook, m, addr, addr))
		return -1;
	g->bps[g->nbps].addr = addr;
	g->bps[g->nbps].hw = hw;
	g->bps[g->nbps++].tgid = tgid;
	return 0;
}

static void bp_remove(struct memu *m, struct gdbstub *g, unsigned i)
{
	uint64_t addr = g->bps[i].addr;
	uc_hook h = g->bps[i].h;
	g->bps[i] = g->bps[--g->nbps];
	for (unsigned k = 0; k < g->nbps; k++)
		if (g->bps[k].addr == addr)
			return; /* the hook stays for them */
	uc_hook_del(m->uc, h);
}

void gdb_drop_breakpoints(struct memu *m, int tgid)
{
	struct gdbstub *g = m->gdb;
	for (unsigned i = g->nbps; i-- > 0;)
		if (g->bps[i].tgid == tgid) {
			uint64_t addr = g->bps[i].addr;
			bp_remove(m, g, i);
			retranslate(m, addr);
		}
}

void gdb_fork(struct memu *m, const struct process *parent,
	      const struct process *child, bool vfork)
{
	struct gdbstub *g = m->gdb;
	if (!g || g->detached || g->ended || parent->gdb_detached)
		return;
	struct gdb_ev *ev = gdb_ev_live(m);
	if (ev && (vfork ? ev->vfork : ev->fork)) {
		/* Reported at the call's end (gdb_fork.c). */
		ev->pending = vfork ? GDB_EV_VFORK : GDB_EV_FORK;
		ev->pending_tid = parent->task.pid;
		ev->child = child->task.pid;
	}
	/* The child's memory is a copy: breakpoints in it as well, as the
	 * breakpoint instructions gdb writes on Linux are copied. */
	int from = gdb_tgid(parent);
	for (unsigned i = 0, n = g->nbps; i < n; i++)
		if (g->bps[i].tgid == from)
			bp_add(m, g, g->bps[i].addr, g->bps[i].hw,
			       child->task.pid);
}

static int breakpoint(struct memu *m, struct gdbstub *g, const char *s,
		      bool insert)
{
	uint64_t type, addr, kind;
	if (!get_num(&s, &type) || *s++ != ',' || !get_num(&s, &addr) ||
	    *s++ != ',' || !get_num(&s, &kind))
		return reply(g, "E01");
	if (type <= 1) {
		/* The selected task's process (docs/gdb.md, "Threads and
		 * processes"). */
		int tgid = gdb_tgid(gdb_process(m));
		for (unsigned i = 0; i < g->nbps; i++)
			if (g->bps[i].addr == addr &&
			    g->bps[i].hw == (type == 1) &&
			    g->bps[i].tgid == tgid) {
				if (!insert) {
					bp_remove(m, g, i);
					retranslate(m, addr);
				}
				return reply(g, "OK");
			}
		if (!insert)
			return reply(g, "OK");
		if (bp_add(m, g, addr, type == 1, tgid))
			return reply(g, g->nbps == MAX_BPS ? "E1c" : "E0c");
		retranslate(m, addr);
		return reply(g, "OK");
	}
	if (!g->watching && insert && type <= 4) {
		/* Unicorn builds the memory hook into code as it translates
		 * it: all of it again, once. */
		uc_hook h;
		if (uc_hook_add(m->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
				(void *)mem_hook, m, 0,
				m->mmu.phys.ram_top - 1))
			return reply(g, "E0c");
		if (uc_hook_add(m->uc, &h, UC_HOOK_CODE, (void *)watch_hook, m,
				0, USER_VA_END - 1))
			return reply(g, "E0c");
		/* Not while a block runs: the run loop drops them all
		 * (gdb_after_run). */
		g->flush_pending = true;
		uc_emu_stop(m->uc);
		g->watching = true;
	}
	if (type > 4 || !kind || kind > 8)
		return reply(g, "");
	for (unsigned i = 0; i < g->nwatch; i++)
		if (g->watch[i].addr == addr && g->watch[i].len == kind &&
		    g->watch[i].type == (enum watch_type)type) {
			if (!insert)
				g->watch[i] = g->watch[--g->nwatch];
			return reply(g, "OK");
		}
	if (!insert)
		return reply(g, "OK");
	if (g->nwatch == MAX_WATCH) /* x86 has four debug registers */
		return reply(g, "E1c");
	g->watch[g->nwatch].addr = addr;
	g->watch[g->nwatch].len = kind;
	g->watch[g->nwatch++].type = (enum watch_type)type;
	return reply(g, "OK");
}

/* Whether qSupported's list p has the feature name. */
static bool feature(const char *p, const char *name)
{
	size_t n = strlen(name);
	for (const char *f = strchr(p, ':'); f; f = strchr(f + 1, ';'))
		if (!strncmp(f + 1, name, n) && (!f[1 + n] || f[1 + n] == ';'))
			return true;
	return false;
}

static int query(struct memu *m, struct gdbstub *g, const char *p)
{
	if (!strncmp(p, "qSupported", 10)) {
		g->multi = strstr(p, "multiprocess+") != NULL;
		/* Process events name processes: multiprocess only. */
		g->ev.fork = g->multi && feature(p, "fork-events+");
		g->ev.vfork = g->multi && feature(p, "vfork-events+");
		g->ev.exec = g->multi && feature(p, "exec-events+");
		snprintf(g->out, sizeof(g->out),
			 "PacketSize=3ff0;qXfer:features:read+;"
			 "qXfer:auxv:read+;qXfer:exec-file:read+;"
			 "qXfer:siginfo:read+;QStartNoAckMode+;"
			 "QPassSignals+;swbreak+;hwbreak+;"
			 "vContSupported+%s%s%s%s%s",
			 g->multi ? ";multiprocess+" : "",
			 g->ev.fork ? ";fork-events+" : "",
			 g->ev.vfork ? ";vfork-events+" : "",
			 g->ev.exec ? ";exec-events+" : "",
			 g->rev ? ";ReverseStep+;ReverseContinue+" : "");
		return reply(g, g->out);
	}
	if (!strncmp(p, "qXfer:features:read:target.xml:", 31))
		return xfer(g, gdb_target_xml, strlen(gdb_target_xml), p + 31);
	if (!strncmp(p, "qXfer:auxv:read::", 17)) {
		const struct proc_task *t = &gdb_process(m)->task;
		return xfer(g, t->auxv, t->auxv_words * sizeof(uint64_t),
			    p + 17);
	}
	if (!strncmp(p, "qXfer:exec-file:read:", 21)) {
		/* The annex: a process's pid, or none (the selected one). */
		const char *args = strchr(p + 21, ':'), *a = p + 21;
		uint64_t pid = 0;
		struct process *t = gdb_process(m);
		if (a != args && get_num(&a, &pid))
			t = gdb_find_thread(m, (int)pid, -1);
		if (!t || !t->exe)
			return reply(g, "E01");
		return args ? xfer(g, t->exe, strlen(t->exe), args + 1)
			    : reply(g, "E01");
	}
	if (!strncmp(p, "qXfer:siginfo:read::", 20))
		return xfer(g, &g->siginfo, SIGINFO_BYTES, p + 20);
	if (!strncmp(p, "qXfer:", 6))
		return reply(g, "E00");
	if (!strncmp(p, "qAttached", 9))
		return reply(g, "0"); /* memu made the processes */
	if (!strcmp(p, "qC")) {
		struct process *t = find_task(m, g->stop_tid);
		g->out[0] = 'Q';
		g->out[1] = 'C';
		gdb_thread_id(g->out + 2, sizeof(g->out) - 2,
			      t ? t : gdb_cpu_task(m), g->multi);
		return reply(g, g->out);
	}
	if (!strcmp(p, "qfThreadInfo")) {
		gdb_thread_list(m, g->multi, g->out, sizeof(g->out));
		return reply(g, g->out);
	}
	if (!strcmp(p, "qsThreadInfo"))
		return reply(g, "l"); /* all came in the first answer */
	if (!strncmp(p, "qThreadExtraInfo,", 17)) {
		const char *q = p + 17;
		int pid, tid;
		struct process *t = gdb_parse_thread(&q, &pid, &tid)
					    ? gdb_find_thread(m, pid, tid)
					    : NULL;
		char text[128];
		if (!t)
			return reply(g, "E01");
		int n = gdb_thread_extra(m, t, text, sizeof(text));
		put_hex(g->out, (const uint8_t *)text,
			n < (int)sizeof(text) ? (size_t)n : sizeof(text) - 1);
		return reply(g, g->out);
	}
	if (!strncmp(p, "qSymbol", 7))
		return reply(g, "OK");
	if (!strncmp(p, "qRcmd,", 6)) {
		size_t hl = strlen(p + 6) / 2;
		char *cmd = calloc(1, hl + 1);
		if (!cmd || get_hex(p + 6, (uint8_t *)cmd, hl) < 0) {
			free(cmd);
			return reply(g, "E01");
		}
		char *text = gdb_monitor(m, cmd);
		free(cmd);
		int rc = 0;
		/* O packets of output, then OK. */
		for (size_t i = 0, n = text ? strlen(text) : 0; i < n && !rc;
		     i += 1024) {
			size_t k = n - i < 1024 ? n - i : 1024;
			g->out[0] = 'O';
			put_hex(g->out + 1, (const uint8_t *)text + i, k);
			rc = reply(g, g->out);
		}
		free(text);
		return rc ? rc : reply(g, "OK");
	}
	return reply(g, "");
}

static void pass_signals(struct gdbstub *g, const char *p)
{
	g->pass = 0;
	while (*p) {
		uint64_t s;
		if (!get_num(&p, &s))
			break;
		int sig = gdb_signal_to_linux((int)s);
		if (sig)
			g->pass |= SIGBIT(sig);
		if (*p == ';')
			p++;
	}
}

/* A resume command: step or not, the signal to deliver (gdb's
 * numbering, 0 for none), and the task a step is for (vCont's thread,
 * else the one on the CPU).  vCont's first action applies: the machine
 * runs as a whole (docs/gdb.md, "Threads and processes"). */
static bool parse_resume(struct memu *m, const char *p, bool *step, int *gsig,
			 struct process **who)
{
	uint64_t s = 0;
	*gsig = 0;
	*who = gdb_cpu_task(m);
	bool vcont = !strncmp(p, "vCont;", 6);
	if (vcont)
		p += 6;
	const char *q = p + 1;
	switch (*p) {
	case 'c':
	case 's':
		*step = *p == 's';
		break;
	case 'C':
	case 'S':
		*step = *p == 'S';
		if (!get_num(&q, &s))
			return false;
		*gsig = (int)s;
		break;
	default:
		return false;
	}
	int pid, tid;
	if (vcont && *q == ':' && (q++, gdb_parse_thread(&q, &pid, &tid))) {
		struct process *t = gdb_find_thread(m, pid, tid);
		if (t)
			*who = t;
	}
	return true;
}

/* A live task of another process than tgid. */
static bool others_live(struct memu *m, int tgid)
{
	for (unsigned i = 0; i < m->ntasks; i++)
		if (gdb_task_live(m->tasks[i]) && gdb_tgid(m->tasks[i]) != tgid)
			return true;
	return false;
}

bool gdb_others_traced(struct memu *m, int tgid)
{
	for (unsigned i = 0; i < m->ntasks; i++)
		if (gdb_task_traced(m->tasks[i]) &&
		    gdb_tgid(m->tasks[i]) != tgid)
			return true;
	return false;
}

void gdb_detach_process(struct memu *m, int tgid)
{
	for (unsigned i = 0; i < m->ntasks; i++)
		if (gdb_tgid(m->tasks[i]) == tgid) {
			m->tasks[i]->gdb_detached = true;
			m->tasks[i]->gdb_vforked = false;
			m->tasks[i]->gdb_held = false;
		}
	gdb_drop_breakpoints(m, tgid);
}

static void kill_guest(struct memu *m, struct gdbstub *g)
{
	g->ended = true;
	gdb_release_all(m);
	struct process *first = find_task(m, g->first_pid);
	if (gdb_task_live(m->proc))
		force_sig(m, SIGKILL, SI_USER, 0, 0, "killed by gdb");
	else if (first) /* an exit's stop: the machine's end is pid 1's */
		send_sig_to(m, first, SIGKILL, SI_USER);
	gdb_close(&g->conn);
}

/* All registers' bytes, to tell whether gdb changed one. */
static size_t all_registers(struct memu *m, struct gdbstub *g, uint8_t *b)
{
	size_t n = 0;
	for (int r = 0; r < GDB_NREGS; r++) {
		int sz = gdb_reg_read(m, r, b + n, g->orig_rax);
		n += sz > 0 ? (size_t)sz : 0;
	}
	return n;
}

/* gdb changed the machine: the history before now would not replay it
 * (gdb_reverse.c). */
static void changed(struct gdbstub *g)
{
	rev_forget(g->rev, g->pos);
}

/* A memory write (M, X) that changes bytes forgets the history. */
static void write_memory_tracked(struct memu *m, struct gdbstub *g,
				 const char *s, size_t plen, bool binary)
{
	uint64_t addr, len;
	const char *q = s;
	uint8_t before[256], after[256];
	size_t n = 0;
	bool known = get_num(&q, &addr) && *q++ == ',' && get_num(&q, &len) &&
		     len <= sizeof(before);
	if (known)
		n = gdb_read_mem(m, addr, before, len);
	write_memory(m, g, s, plen, binary);
	if (!known || gdb_read_mem(m, addr, after, n) != n ||
	    memcmp(before, after, n))
		changed(g);
}

/* Talk to gdb while the guest stands still, until a resume: the Linux
 * signal to deliver (0: none), or RESUME_GONE. */
static int serve(struct memu *m, struct gdbstub *g)
{
	uint8_t regs_before[GDB_NREGS * 16], regs_after[GDB_NREGS * 16];
	for (;;) {
		size_t len;
		if (gdb_get_packet(&g->conn, g->pkt, sizeof(g->pkt), &len)) {
			gdb_release_all(m);
			rev_end(g->rev);
			g->rev = NULL;
			g->detached = true; /* gdb went away: run on */
			gdb_close(&g->conn);
			return RESUME_GONE;
		}
		const char *p = g->pkt;
		bool step;
		int gsig;
		switch (p[0]) {
		case '?':
			send_stop(m, g);
			continue;
		case 'g':
			read_registers(m, g);
			continue;
		case 'G': {
			size_t n = all_registers(m, g, regs_before);
			write_registers(m, g, p + 1);
			if (all_registers(m, g, regs_after) != n ||
			    memcmp(regs_before, regs_after, n))
				changed(g);
			continue;
		}
		case 'p': {
			uint64_t n;
			uint8_t b[16];
			const char *q = p + 1;
			int sz = get_num(&q, &n) && n < GDB_NREGS
					 ? gdb_reg_read(m, (int)n, b,
							g->orig_rax)
					 : -1;
			if (sz < 0)
				reply(g, "E01");
			else {
				put_hex(g->out, b, (size_t)sz);
				reply(g, g->out);
			}
			continue;
		}
		case 'P': {
			uint64_t n;
			uint8_t b[16];
			const char *q = p + 1;
			if (!get_num(&q, &n) || n >= GDB_NREGS || *q++ != '=') {
				reply(g, "E01");
				continue;
			}
			size_t all = all_registers(m, g, regs_before);
			int sz = gdb_reg_read(m, (int)n, b, g->orig_rax);
			reply(g, get_hex(q, b, (size_t)sz) == sz &&
						 gdb_reg_write(m, (int)n, b,
							       &g->orig_rax) > 0
					 ? "OK"
					 : "E01");
			if (all_registers(m, g, regs_after) != all ||
			    memcmp(regs_before, regs_after, all))
				changed(g);
			continue;
		}
		case 'm':
			read_memory(m, g, p + 1);
			continue;
		case 'M':
		case 'X':
			write_memory_tracked(m, g, p + 1, len - 1, p[0] == 'X');
			continue;
		case 'b': {
			/* bs, bc: back one instruction, back to the last
			 * breakpoint or watched access.  They return only
			 * where there is no history before (gdb_reverse.c). */
			struct gdb_state st;
			if (p[1] != 's' && p[1] != 'c') {
				reply(g, "");
				continue;
			}
			g->waiting = true;
			gdb_state_save(m, &st);
			int back = REV_BACK_NONE;
			if (p[1] == 's')
				rev_step(m, g->rev, g->pos, &st);
			else
				back = rev_continue(m, g->rev, g->pos, &st,
						    &g->conn);
			g->waiting = false;
			if (back == REV_BACK_FAILED) {
				reply(g, "E05"); /* EIO */
				continue;
			}
			snprintf(g->stop_reply, sizeof(g->stop_reply), "%s",
				 back == REV_BACK_INTERRUPTED
					 ? "T02"
					 : "T05replaylog:begin;");
			g->stop_thread = true;
			g->stop_tid = gdb_cpu_task(m)->task.pid;
			send_stop(m, g);
			continue;
		}
		case 'Z':
		case 'z':
			breakpoint(m, g, p + 1, p[0] == 'Z');
			continue;
		case 'H':
		case 'T': {
			/* Hg: the task g, p, m, Z0 and the others are for;
			 * Hc: resumes name their thread in vCont; T: alive? */
			const char *q = p[0] == 'H' ? p + 2 : p + 1;
			int pid, tid;
			struct process *t =
				gdb_parse_thread(&q, &pid, &tid)
					? gdb_find_thread(m, pid, tid)
					: NULL;
			if (!t)
				reply(g, "E01"); /* ESRCH */
			else {
				if (p[0] == 'H' && p[1] == 'g')
					g->sel_tid = t->task.pid;
				reply(g, "OK");
			}
			continue;
		}
		case 'q':
			query(m, g, p);
			continue;
		case 'Q':
			if (!strcmp(p, "QStartNoAckMode")) {
				reply(g, "OK");
				g->conn.noack = true;
			} else if (!strncmp(p, "QPassSignals:", 13)) {
				pass_signals(g, p + 13);
				reply(g, "OK");
			} else
				reply(g, "");
			continue;
		case 'D': {
			/* D;PID while gdb has other processes: that one
			 * runs on by itself (docs/gdb.md). */
			uint64_t pid;
			const char *q = p + 2;
			if (p[1]) {
				struct process *t =
					p[1] == ';' && get_num(&q, &pid) &&
							!*q && pid &&
							pid <= PID_MAX
						? gdb_find_thread(m, (int)pid,
								  -1)
						: NULL;
				if (!t) {
					reply(g, "E01");
					continue;
				}
				if (gdb_others_traced(m, (int)pid)) {
					gdb_detach_process(m, (int)pid);
					changed(g); /* a replay would stop */
					reply(g, "OK");
					continue;
				}
			}
			reply(g, "OK");
			gdb_release_all(m);
			rev_end(g->rev); /* no one to go back for */
			g->rev = NULL;
			g->detached = true;
			gdb_close(&g->conn);
			return RESUME_GONE;
		}
		case 'k':
			kill_guest(m, g);
			return RESUME_GONE;
		default:
			break;
		}
		if (!strncmp(p, "vKill", 5)) {
			/* vKill;PID of one process while others live: its
			 * SIGKILL is queued, gdb goes on with the others. */
			uint64_t pid;
			const char *q = p + 6;
			struct process *t =
				p[5] == ';' && get_num(&q, &pid)
					? gdb_find_thread(m, (int)pid, -1)
					: NULL;
			reply(g, "OK");
			if (t && others_live(m, gdb_tgid(t))) {
				/* gdb has forgotten it: its end is not
				 * reported. */
				gdb_detach_process(m, gdb_tgid(t));
				send_sig_to(m, t, SIGKILL, SI_KERNEL);
				changed(g);
				continue;
			}
			kill_guest(m, g);
			return RESUME_GONE;
		}
		if (!strcmp(p, "vCont?")) {
			reply(g, "vCont;c;C;s;S");
			continue;
		}
		struct process *who;
		if ((p[0] == 'c' || p[0] == 's' || p[0] == 'C' || p[0] == 'S' ||
		     !strncmp(p, "vCont;", 6)) &&
		    parse_resume(m, p, &step, &gsig, &who)) {
			/* c ADDR / s ADDR: resume elsewhere (rarely used). */
			if ((p[0] == 'c' || p[0] == 's') && p[1]) {
				uint64_t a;
				const char *q = p + 1;
				if (get_num(&q, &a)) {
					uc_reg_write(m->uc, UC_X86_REG_RIP, &a);
					changed(g);
				}
			}
			g->stepping = step;
			g->waiting = true;
			/* Processes it does not name stay stopped: another
			 * schedule than a replay would run. */
			if (gdb_hold(m, p))
				changed(g);
			if (step && who != m->proc) {
				/* Its trap flag, in its saved registers:
				 * the stop comes after its next
				 * instruction, whenever it runs. */
				uint64_t fl = 0;
				uc_context_reg_read(who->ctx, UC_X86_REG_EFLAGS,
						    &fl);
				fl |= EFLAGS_TF;
				uc_context_reg_write(who->ctx,
						     UC_X86_REG_EFLAGS, &fl);
				g->step_tid = who->task.pid;
			}
			return gdb_signal_to_linux(gsig);
		}
		reply(g, "");
	}
}

static uint64_t rip_now(struct memu *m)
{
	uint64_t rip = 0;
	uc_reg_read(m->uc, UC_X86_REG_RIP, &rip);
	return rip;
}

/* x86's trap flag: a debug trap after the next instruction. */
static void set_trap_flag(struct memu *m, bool on)
{
	uint64_t fl = 0;
	uc_reg_read(m->uc, UC_X86_REG_EFLAGS, &fl);
	uint64_t want = on ? fl | EFLAGS_TF : fl & ~EFLAGS_TF;
	if (want != fl)
		uc_reg_write(m->uc, UC_X86_REG_EFLAGS, &want);
}

/* A step of a task off the CPU (its saved trap flag) ends at any stop:
 * the flag goes, unless that task is the one that stopped (the CPU's
 * flag is set_trap_flag's). */
static void clear_step_elsewhere(struct memu *m, struct gdbstub *g)
{
	struct process *t = g->step_tid ? find_task(m, g->step_tid) : NULL;
	g->step_tid = 0;
	if (!t || t == m->proc || !t->ctx)
		return;
	uint64_t fl = 0;
	uc_context_reg_read(t->ctx, UC_X86_REG_EFLAGS, &fl);
	fl &= ~EFLAGS_TF;
	uc_context_reg_write(t->ctx, UC_X86_REG_EFLAGS, &fl);
}

/* The one place the guest stops for gdb and resumes: sig (Linux
 * numbering) and the stop's reason for the T reply.  Returns the
 * signal gdb resumes with, or RESUME_GONE. */
static int stop_here(struct memu *m);

static int gdb_stop(struct memu *m, int sig, const char *why)
{
	struct gdbstub *g = m->gdb;
	snprintf(g->stop_reply, sizeof(g->stop_reply), "T%02x%s",
		 gdb_signal_from_linux(sig), why);
	g->stop_thread = true;
	return stop_here(m);
}

void gdb_event_stop(struct memu *m, const char *reply, bool thread, int64_t nr,
		    bool enosys)
{
	struct gdbstub *g = m->gdb;
	uint64_t rax = 0, no = (uint64_t)-ENOSYS, orig = g->orig_rax;
	if (enosys) {
		uc_reg_read(m->uc, UC_X86_REG_RAX, &rax);
		uc_reg_write(m->uc, UC_X86_REG_RAX, &no);
	}
	if (nr >= 0)
		g->orig_rax = (uint64_t)nr;
	/* gdb's processes changed: a replay from before would not tell
	 * gdb again (docs/gdb.md, "Fork, vfork, exec and exit"). */
	rev_forget(g->rev, memu_instructions(m));
	snprintf(g->stop_reply, sizeof(g->stop_reply), "%s", reply);
	g->stop_thread = thread;
	stop_here(m);
	if (enosys) /* the call's result, as Linux sets it after */
		uc_reg_write(m->uc, UC_X86_REG_RAX, &rax);
	g->orig_rax = orig;
}

/* The stop itself: stop_reply is set. */
static int stop_here(struct memu *m)
{
	struct gdbstub *g = m->gdb;
	uint64_t rip = rip_now(m);
	g->pos = memu_instructions(m);
	g->stop_tid = gdb_cpu_task(m)->task.pid;
	g->sel_tid = 0;
	clear_step_elsewhere(m, g);
	if (g->waiting && send_stop(m, g)) {
		gdb_release_all(m);
		rev_end(g->rev);
		g->rev = NULL;
		g->detached = true;
		gdb_close(&g->conn);
		return RESUME_GONE;
	}
	g->waiting = false;
	g->stepping = false;
	int r = serve(m, g);
	g->sel_tid = 0; /* running: the task on the CPU */
	/* gdb holds the task on the CPU stopped: another one runs, as
	 * the scheduler chooses, before its instruction (and a step of
	 * it, named by no action, is none). */
	bool away = m->proc->gdb_held;
	if (away) {
		m->resched = true;
		uc_emu_stop(m->uc);
		g->stepping = g->stepping && g->step_tid;
	}
	set_trap_flag(m, g->stepping && !g->step_tid);
	uint64_t now = rip_now(m);
	/* A step from an instruction hook: the trap flag counts from the
	 * next translation block, so the instruction's block starts again
	 * (a write of RIP restarts it). */
	bool restart =
		g->in_insn_hook && now == rip &&
		((g->stepping && !g->step_tid) || g->flush_pending || away);
	g->restarted = restart && !g->flush_pending && !away;
	if (g->restarted)
		uc_reg_write(m->uc, UC_X86_REG_RIP, &now);
	/* The instruction starts again: counted then (icount.c). */
	if (restart)
		icount_settle(m);
	/* The hook calls at RIP before an instruction more retires are
	 * the instruction the guest stopped at (see skipped). */
	g->skip = now;
	g->skip_pos = memu_instructions(m);
	if (g->arriving || !g->in_insn_hook)
		g->skip_pos = g->pos;
	g->skip_valid = true;
	return r;
}

/* ---- the hooks */

/* A breakpoint at address in the process on the CPU. */
static bool on_breakpoint(struct memu *m, struct gdbstub *g, uint64_t address,
			  bool *hw)
{
	int tgid = gdb_tgid(m->proc);
	for (unsigned i = 0; i < g->nbps; i++)
		if (g->bps[i].addr == address && g->bps[i].tgid == tgid) {
			*hw = g->bps[i].hw;
			return true;
		}
	return false;
}

static void stop_in_hook(struct memu *m, int sig, const char *why)
{
	struct gdbstub *g = m->gdb;
	g->in_insn_hook = true;
	gdb_stop(m, sig, why);
	g->in_insn_hook = false;
}

/* Whether a hook call at address is to be skipped (see gdb_stop). */
static bool skipped(struct memu *m, struct gdbstub *g, uint64_t address)
{
	if (g->detached || g->ended || m->probe.active || m->stop)
		return true;
	/* The hook runs after icount.c's, which counted the instruction
	 * as started. */
	if (g->skip_valid && address == g->skip &&
	    memu_instructions(m) == g->skip_pos)
		return true;
	g->skip_valid = g->skip_valid && memu_instructions(m) <= g->skip_pos;
	return false;
}

/* A breakpoint's hook, on its one address. */
static void insn_hook(uc_engine *uc, uint64_t address, uint32_t size,
		      void *user)
{
	(void)uc;
	(void)size;
	struct memu *m = user;
	struct gdbstub *g = m->gdb;
	bool hw;
	enum rev_mode mode = rev_mode(g->rev);
	if (mode == REV_SCAN && on_breakpoint(m, g, address, &hw))
		rev_hit(g->rev, memu_instructions(m),
			hw ? "hwbreak:;" : "swbreak:;");
	if (mode != REV_LIVE)
		return;
	if (!skipped(m, g, address) && on_breakpoint(m, g, address, &hw))
		stop_in_hook(m, SIGTRAP, hw ? "hwbreak:;" : "swbreak:;");
}

/* The first user instruction: gdb connects, and finds the guest there. */
static void entry_hook(uc_engine *uc, uint64_t address, uint32_t size,
		       void *user)
{
	(void)uc;
	(void)address;
	(void)size;
	struct memu *m = user;
	struct gdbstub *g = m->gdb;
	if (g->connected || m->probe.active)
		return;
	uc_hook_del(m->uc, g->entry_hook);
	g->connected = true;
	stop_in_hook(m, SIGTRAP, "");
}

/* Every instruction once a watchpoint was set: the one after a watched
 * access stops, as x86 stops after it. */
static void watch_hook(uc_engine *uc, uint64_t address, uint32_t size,
		       void *user)
{
	(void)uc;
	(void)size;
	struct memu *m = user;
	struct gdbstub *g = m->gdb;
	if (rev_mode(g->rev) != REV_LIVE) {
		g->watch_hit = false; /* a scan notes it in mem_hook */
		return;
	}
	if (skipped(m, g, address) || !g->watch_hit)
		return;
	if (m->proc->gdb_detached) { /* gdb let go of it */
		g->watch_hit = false;
		return;
	}
	static const char *const kind[] = {"", "", "watch", "rwatch", "awatch"};
	char why[48];
	g->watch_hit = false;
	snprintf(why, sizeof(why), "%s:%llx;", kind[g->watch_hit_type],
		 (unsigned long long)g->watch_addr);
	stop_in_hook(m, SIGTRAP, why);
}

/* Ctrl-C: a look at the connection every POLL_EVERY blocks. */
static void block_hook(uc_engine *uc, uint64_t address, uint32_t size,
		       void *user)
{
	(void)uc;
	(void)size;
	struct memu *m = user;
	struct gdbstub *g = m->gdb;
	/* A block starts: the instruction before it has retired. */
	icount_fetch(m);
	/* A snapshot is due: taken between two runs (gdb_after_run). */
	if (!m->probe.active && rev_due(g->rev, m->icount.n))
		uc_emu_stop(m->uc);
	if (++g->polls % POLL_EVERY || !g->connected || g->detached ||
	    g->ended || m->probe.active || m->stop ||
	    rev_mode(g->rev) != REV_LIVE)
		return;
	if (gdb_poll_byte(&g->conn) != 0x03)
		return;
	/* Before the block's first instruction: as a hook stop. */
	g->skip_valid = false;
	stop_in_hook(m, SIGINT, "");
	(void)address;
}

void gdb_after_run(struct memu *m)
{
	struct gdbstub *g = m->gdb;
	if (g->flush_pending) {
		g->flush_pending = false;
		uc_ctl_flush_tb(m->uc);
	}
	if (!m->stop && !g->stepping && !g->detached && !g->ended)
		rev_snapshot(m, g->rev, m->icount.n);
}

bool gdb_arrive(struct memu *m, uint64_t address)
{
	struct gdbstub *g = m->gdb;
	(void)address;
	if (g && rev_waypoint(m, g->rev))
		return true; /* the instruction runs after the snapshot */
	m->icount.gdb_at = UINT64_MAX;
	if (!g || rev_mode(g->rev) == REV_LIVE)
		return false;
	icount_fetch(m); /* the one before retired: n are */
	const char *why = rev_arrived(m, g->rev); /* a scan ends here */
	char reason[GDB_WHY];
	snprintf(reason, sizeof(reason), "%s", why);
	g->arriving = true;
	stop_in_hook(m, SIGTRAP, reason);
	g->arriving = false;
	return g->restarted;
}

void gdb_state_save(struct memu *m, struct gdb_state *s)
{
	struct gdbstub *g = m->gdb;
	memset(s, 0, sizeof(*s));
	s->noack = g->conn.noack;
	s->multi = g->multi;
	s->fork_events = g->ev.fork;
	s->vfork_events = g->ev.vfork;
	s->exec_events = g->ev.exec;
	s->pass = g->pass;
	s->orig_rax = g->orig_rax;
	s->nbps = g->nbps;
	for (unsigned i = 0; i < g->nbps; i++) {
		s->bps[i].addr = g->bps[i].addr;
		s->bps[i].hw = g->bps[i].hw;
		s->bps[i].tgid = g->bps[i].tgid;
	}
	s->nwatch = g->nwatch;
	for (unsigned i = 0; i < g->nwatch; i++) {
		s->watch[i].addr = g->watch[i].addr;
		s->watch[i].len = g->watch[i].len;
		s->watch[i].type = (int)g->watch[i].type;
	}
	s->in_len = g->conn.in_len - g->conn.in_pos;
	memcpy(s->in, g->conn.in + g->conn.in_pos, s->in_len);
}

void gdb_state_load(struct memu *m, const struct gdb_state *s)
{
	struct gdbstub *g = m->gdb;
	if (!g->connected) {
		uc_hook_del(m->uc, g->entry_hook);
		g->connected = true;
	}
	g->conn.noack = s->noack;
	g->multi = s->multi;
	g->ev.fork = s->fork_events;
	g->ev.vfork = s->vfork_events;
	g->ev.exec = s->exec_events;
	g->sel_tid = 0;
	g->step_tid = 0;
	g->pass = s->pass;
	g->orig_rax = s->orig_rax;
	g->waiting = true;
	g->stepping = false;
	g->watch_hit = false;
	g->skip_valid = false;
	/* The breakpoints gdb has now, as hooks here. */
	while (g->nbps) {
		uint64_t addr = g->bps[g->nbps - 1].addr;
		bp_remove(m, g, g->nbps - 1);
		retranslate(m, addr);
	}
	for (unsigned i = 0; i < s->nbps; i++)
		if (!bp_add(m, g, s->bps[i].addr, s->bps[i].hw, s->bps[i].tgid))
			retranslate(m, s->bps[i].addr);
	g->nwatch = s->nwatch;
	for (unsigned i = 0; i < s->nwatch; i++) {
		g->watch[i].addr = s->watch[i].addr;
		g->watch[i].len = s->watch[i].len;
		g->watch[i].type = (enum watch_type)s->watch[i].type;
	}
	if (s->nwatch && !g->watching) {
		uc_hook h;
		/* Outside the run (a snapshot sleeps between two): the
		 * translated code goes now. */
		if (!uc_hook_add(
			    m->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
			    (void *)mem_hook, m, 0, m->mmu.phys.ram_top - 1) &&
		    !uc_hook_add(m->uc, &h, UC_HOOK_CODE, (void *)watch_hook, m,
				 0, USER_VA_END - 1)) {
			g->watching = true;
			uc_ctl_flush_tb(m->uc);
		}
	}
	g->conn.in_pos = 0;
	g->conn.in_len = s->in_len;
	memcpy(g->conn.in, s->in, s->in_len);
}

long gdb_host_read(struct memu *m, int fd, void *buf, size_t len)
{
	if (!m->gdb || !m->gdb->rev) {
		ssize_t r = read(fd, buf, len);
		return r < 0 ? -errno : (long)r;
	}
	return rev_host_io(m->gdb->rev, false, fd, buf, len);
}

long gdb_host_write(struct memu *m, int fd, const void *buf, size_t len)
{
	if (!m->gdb || !m->gdb->rev) {
		ssize_t r = write(fd, buf, len);
		return r < 0 ? -errno : (long)r;
	}
	return rev_host_io(m->gdb->rev, true, fd, (void *)buf, len);
}

bool gdb_held_wait(struct memu *m)
{
	struct gdbstub *g = m->gdb;
	bool held = false;
	for (unsigned i = 0; i < m->ntasks; i++)
		held |= m->tasks[i]->gdb_held;
	if (!held || !g->connected || g->detached || g->ended ||
	    rev_mode(g->rev) != REV_LIVE)
		return false;
	for (;;) {
		int c = gdb_wait_byte(&g->conn);
		if (c < 0) { /* gdb has gone: all run on */
			gdb_release_all(m);
			rev_end(g->rev);
			g->rev = NULL;
			g->detached = true;
			gdb_close(&g->conn);
			return true;
		}
		if (c == 0x03)
			break;
	}
	/* A replay would find no gdb to wait for: the history begins
	 * after the wait. */
	rev_forget(g->rev, memu_instructions(m));
	gdb_stop(m, SIGINT, "");
	return true;
}

bool gdb_debug_trap(struct memu *m)
{
	struct gdbstub *g = m->gdb;
	if (!g || !g->stepping || g->detached || g->ended)
		return false;
	icount_fetch(m); /* the stepped instruction retired */
	if (rev_mode(g->rev) != REV_LIVE) {
		/* A snapshot taken during a step: a replay runs on. */
		g->stepping = false;
		set_trap_flag(m, false);
		return true;
	}
	g->watch_hit = false; /* the step's stop says it all */
	gdb_stop(m, SIGTRAP, "");
	return true;
}

/* Does [pa, pa + size) touch the watched [va, va + len)?  The hook sees
 * physical addresses (memu's TLB hands Unicorn the frames), so the watch
 * is walked now, after any copy-on-write the access itself caused. */
static bool touches(struct memu *m, uint64_t va, uint64_t len, uint64_t pa,
		    uint64_t size)
{
	while (len) {
		uint64_t n = PAGE_SIZE - (va & ~PAGE_MASK);
		if (n > len)
			n = len;
		struct pt_peek_out o;
		if (peek(m, va, &o) && pa < o.pa + n && o.pa < pa + size)
			return true;
		va += n;
		len -= n;
	}
	return false;
}

static void mem_hook(uc_engine *uc, uc_mem_type type, uint64_t pa, int size,
		     int64_t value, void *user)
{
	(void)uc;
	(void)value;
	struct memu *m = user;
	struct gdbstub *g = m->gdb;
	if (!g->nwatch || g->detached || m->probe.active || size <= 0 ||
	    m->proc->gdb_detached)
		return;
	static const char *const kind[] = {"", "", "watch", "rwatch", "awatch"};
	bool scan = rev_mode(g->rev) == REV_SCAN;
	bool write = type == UC_MEM_WRITE;
	for (unsigned i = 0; i < g->nwatch; i++) {
		enum watch_type t = g->watch[i].type;
		if ((t == WATCH_WRITE && !write) ||
		    (t == WATCH_READ && write) ||
		    !touches(m, g->watch[i].addr, g->watch[i].len, pa,
			     (uint64_t)size))
			continue;
		g->watch_hit = true;
		g->watch_addr = g->watch[i].addr;
		g->watch_hit_type = t;
		if (scan) {
			/* Going back, the stop is before the access. */
			char why[GDB_WHY];
			snprintf(why, sizeof(why), "%s:%llx;", kind[t],
				 (unsigned long long)g->watch_addr);
			rev_hit(g->rev, memu_instructions(m), why);
		}
		return;
	}
}

int gdb_signal(struct memu *m, int sig, struct guest_siginfo *info)
{
	struct gdbstub *g = m->gdb;
	if (!g || !g->connected || g->detached || g->ended ||
	    (g->pass & SIGBIT(sig)) || sig == SIGKILL ||
	    rev_mode(g->rev) != REV_LIVE || m->proc->gdb_detached)
		return sig;
	g->watch_hit = false; /* the access did not happen */
	memset(&g->siginfo, 0, sizeof(g->siginfo));
	memcpy(&g->siginfo, info, KERNEL_SIGINFO_SIZE);
	int r = gdb_stop(m, sig, "");
	if (r == RESUME_GONE)
		return m->stop ? 0 : sig;
	if (r != sig)
		changed(g); /* a replay would deliver sig */
	if (r && r != sig) {
		/* Another signal: sent by the tracer (Linux ptrace_signal). */
		memset(info, 0, sizeof(*info));
		info->signo = r;
		info->code = SI_USER;
	}
	return r;
}

int gdb_attach(struct memu *m, const char *spec, bool reverse, char *err,
	       size_t errlen)
{
	if (!m->loaded || m->started) {
		snprintf(err, errlen,
			 "--gdb needs a loaded program that has "
			 "not started");
		return -1;
	}
	struct gdbstub *g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "out of host memory");
		return -1;
	}
	g->orig_rax = ORIG_RAX_NOCALL;
	g->first_pid = m->proc->task.pid;
	if (gdb_listen(&g->conn, spec, err, errlen)) {
		free(g);
		return -1;
	}
	uc_hook h;
	/* Installed before any user code is translated: all of it calls
	 * them (icount.c does the same). */
	uint64_t entry = gdb_process(m)->entry;
	if (uc_hook_add(m->uc, &g->entry_hook, UC_HOOK_CODE, (void *)entry_hook,
			m, entry, entry) ||
	    uc_hook_add(m->uc, &h, UC_HOOK_BLOCK, (void *)block_hook, m, 0,
			USER_VA_END - 1)) {
		snprintf(err, errlen, "cannot set the debugger's hooks");
		gdb_close(&g->conn);
		free(g);
		return -1;
	}
	m->gdb = g;
	/* gdb connects now, before the run: the first snapshot, at
	 * instruction 0, has the connection (gdb_reverse.c). */
	if (gdb_accept(&g->conn)) {
		g->detached = true;
		return 0;
	}
	g->events = gdb_events_start(m);
	if (reverse && m->icount.on)
		g->rev = rev_init(m);
	return 0;
}

/* How long gdb may take to let go of the other inferiors, in ms. */
#define WIND_UP_MS 10000

/* The machine has ended, every process with it, but gdb knows only that
 * the first did (W;process:PID): it still holds the others, and talks
 * to them before it lets go (vKill, D, the thread list).  Answer as for
 * processes that are gone, until gdb hangs up or stays silent. */
static void wind_up(struct gdbstub *g, const char *end)
{
	char *pkt = malloc(GDB_BUF);
	for (int n = 0; pkt && n < 256; n++) {
		struct pollfd p = {g->conn.fd, POLLIN, 0};
		size_t len;
		if ((g->conn.in_pos == g->conn.in_len &&
		     poll(&p, 1, WIND_UP_MS) != 1) ||
		    gdb_get_packet(&g->conn, pkt, GDB_BUF, &len) < 0 ||
		    pkt[0] == 'k')
			break;
		const char *a = "";
		if (!strncmp(pkt, "vKill", 5) || pkt[0] == 'D')
			a = "OK";
		else if (!strcmp(pkt, "qfThreadInfo") ||
			 !strcmp(pkt, "qsThreadInfo"))
			a = "l";
		else if (pkt[0] == '?')
			a = end;
		else if (pkt[0] && strchr("gGpPmMXHTZz", pkt[0]))
			a = "E01";
		if (reply(g, a))
			break;
	}
	free(pkt);
}

void gdb_end(struct memu *m)
{
	struct gdbstub *g = m->gdb;
	/* A copy that runs to a target ends first (never: the first run
	 * got there): a scan reports, a replay is the present. */
	if (g && rev_mode(g->rev) != REV_LIVE)
		rev_arrived(m, g->rev);
	if (!g || !g->connected || g->detached || g->ended)
		return;
	g->ended = true;
	rev_end(g->rev); /* nothing to go back to */
	g->rev = NULL;
	const struct memu_result *r = &m->result;
	char s[48];
	int n;
	if (r->stop == MEMU_STOP_EXIT)
		n = snprintf(s, sizeof(s), "W%02x", r->exit_status & 0xff);
	else if (r->stop == MEMU_STOP_SIGNAL)
		n = snprintf(s, sizeof(s), "X%02x",
			     gdb_signal_from_linux(r->signal));
	else
		n = snprintf(s, sizeof(s), "X%02x", 143);
	/* The machine's end is its first process's (docs/gdb.md); if gdb
	 * let go of that one, the others it has die with it. */
	struct process *first = find_task(m, g->first_pid);
	int pid = g->first_pid;
	if (g->multi && first && first->gdb_detached) {
		struct process *t = gdb_cpu_task(m);
		if (t->gdb_detached || !t->mm) {
			gdb_close(&g->conn); /* gdb has none left */
			return;
		}
		pid = gdb_tgid(t);
		n = snprintf(s, sizeof(s), "X%02x",
			     gdb_signal_from_linux(SIGKILL));
	}
	if (g->multi)
		snprintf(s + n, sizeof(s) - (size_t)n, ";process:%x",
			 (unsigned)pid);
	reply(g, s);
	if (g->multi)
		wind_up(g, s);
	gdb_close(&g->conn);
}

void gdb_free(struct memu *m)
{
	if (!m->gdb)
		return;
	rev_end(m->gdb->rev);
	gdb_events_free(m, m->gdb->events);
	gdb_close(&m->gdb->conn);
	free(m->gdb);
	m->gdb = NULL;
}
