/* The event trace: every event of the event point (mmu/event.c), from
 * the guest's first instruction on, as JSON Lines or as Chrome/Perfetto
 * trace-event JSON, each with the instruction count and RIP at which it
 * happened (icount.c).  The schema, versioned, is docs/trace.md; change
 * both together, and MEMU_TRACE_VERSION with any change a reader could
 * notice.
 *
 * Everything written comes from the machine's own state - counts,
 * addresses, entries, names - never from the host, so the same run gives
 * the same bytes.
 */
#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include "machine.h"

#define CHROME_PID 1 /* the guest's pid (GUEST_PID) and tid */

static const char *const kind_names[] = {
	"fault", "pte", "frame", "tlb", "syscall", "signal", "inject",
};
#define TRACE_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

static const char *const fault_names[FAULT_KINDS] = {
	"anon",	     "zero",	   "cow",      "wp_reuse",   "shared", "device",
	"file_read", "file_write", "file_cow", "stack_grow", "segv",   "swap",
};

static const char *const frame_names[FRAME_KINDS] = {
	"free", "reserved",  "kernel", "zero",	 "file",
	"anon", "pagetable", "shared", "driver", "pagecache",
};

/* A flush's reasons (TLB_FLUSH_*, mm.h), "+"-joined: "unmap+cow". */
static void flush_reasons(char *buf, size_t n, uint64_t reasons)
{
	static const char *const names[] = {"unmap", "protect", "cow"};
	size_t len = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < 3; i++)
		if (reasons & (1u << i))
			len += (size_t)snprintf(buf + len, n - len, "%s%s",
						len ? "+" : "", names[i]);
	if (!len)
		snprintf(buf, n, "none");
}

static const char *const inject_names[INJECT_KINDS] = {
	"bitflip_frame", "bitflip_va",	 "bitflip_reg", "bitflip_pte",
	"lost_flush",	 "alloc_fail",	 "hwpoison",	"syscall",
	"signal",	 "soft_offline",
};

int memu_trace_events(const char *list, unsigned *mask, char *bad,
		      size_t badlen)
{
	*mask = 0;
	const char *p = list;
	for (;;) {
		size_t len = strcspn(p, ",");
		unsigned bit = 0;
		for (unsigned i = 0; i < TRACE_KINDS && len; i++)
			if (strlen(kind_names[i]) == len &&
			    !strncmp(p, kind_names[i], len))
				bit = 1u << i;
		if (!bit) {
			snprintf(bad, badlen, "%.*s", (int)len, p);
			return -1;
		}
		*mask |= bit;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* The filter's bit for an event; 0 for TLB fills, which are never
 * traced: how many there are depends on host time (mmu/event.h). */
static unsigned kind_bit(enum event_kind k)
{
	switch (k) {
	case EV_FAULT:
		return MEMU_TRACE_FAULT;
	case EV_PTE_SET:
	case EV_PTE_CLEAR:
		return MEMU_TRACE_PTE;
	case EV_FRAME_ALLOC:
	case EV_FRAME_FREE:
		return MEMU_TRACE_FRAME;
	case EV_TLB_FLUSH:
		return MEMU_TRACE_TLB;
	case EV_SYSCALL:
		return MEMU_TRACE_SYSCALL;
	case EV_SIGNAL:
		return MEMU_TRACE_SIGNAL;
	case EV_INJECT:
		return MEMU_TRACE_INJECT;
	default:
		return 0;
	}
}

static const char *name_of(const char *const *names, size_t n, uint64_t i)
{
	return i < n ? names[i] : "unknown";
}
#define NAME(table, i) name_of(table, sizeof(table) / sizeof(table[0]), i)

/* What the access was, from the fault flags (mmu/fault.h). */
static const char *access_name(uint64_t flags)
{
	return (flags & FAULT_FLAG_INSTR)   ? "fetch"
	       : (flags & FAULT_FLAG_WRITE) ? "write"
					    : "read";
}

/* "SIGSEGV"; real-time signals by the kernel's numbering (SIGRTMIN 32),
 * as the death line names them. */
static void signal_name(char *buf, size_t len, uint64_t sig)
{
	const char *abbrev = sig > 0 && sig < 32 ? sigabbrev_np((int)sig) : 0;
	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else if (sig >= 32 && sig <= 64)
		snprintf(buf, len, "SIGRTMIN+%d", (int)sig - 32);
	else
		snprintf(buf, len, "signal %d", (int)sig);
}

/* A JSON string: quotes, backslashes and control bytes escaped; bytes
 * above 0x7f as they are (a guest's name is the host's file name). */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void hex(FILE *f, const char *key, uint64_t v)
{
	fprintf(f, ",\"%s\":\"0x%" PRIx64 "\"", key, v);
}

/* The fields of each kind after the common ones, as docs/trace.md lists
 * them: shared by both formats (Chrome's "args"). */
static void fields(FILE *f, const struct event *e, uint64_t in_use)
{
	char name[32];
	switch (e->kind) {
	case EV_FAULT:
		fprintf(f, ",\"kind\":\"%s\"", NAME(fault_names, e->b));
		hex(f, "addr", e->a);
		fprintf(f, ",\"access\":\"%s\",\"flags\":%" PRIu64,
			access_name(e->c), e->c);
		break;
	case EV_PTE_SET:
	case EV_PTE_CLEAR:
		fprintf(f, ",\"op\":\"%s\"",
			e->kind == EV_PTE_SET ? "set" : "clear");
		hex(f, "va", e->a);
		fprintf(f, ",\"level\":%" PRIu64, e->d);
		hex(f, "old", e->c);
		hex(f, "new", e->b);
		break;
	case EV_FRAME_ALLOC:
	case EV_FRAME_FREE:
		fprintf(f, ",\"op\":\"%s\"",
			e->kind == EV_FRAME_ALLOC ? "alloc" : "free");
		hex(f, "pfn", e->a);
		fprintf(f, ",\"kind\":\"%s\",\"in_use\":%" PRIu64,
			NAME(frame_names, e->b), in_use);
		break;
	case EV_TLB_FLUSH: {
		char r[32];
		flush_reasons(r, sizeof(r), e->a);
		fprintf(f, ",\"reason\":\"%s\"", r);
	} break;
	case EV_SYSCALL:
		fprintf(f,
			",\"nr\":%" PRIu64
			",\"name\":\"%s\",\"result\":%" PRId64,
			e->a, memu_syscall_name((unsigned)e->a), (int64_t)e->b);
		break;
	case EV_SIGNAL:
		signal_name(name, sizeof(name), e->a);
		fprintf(f, ",\"sig\":%" PRIu64 ",\"name\":\"%s\",\"code\":%d",
			e->a, name, (int)(int64_t)e->b);
		hex(f, "addr", e->c);
		fprintf(f, ",\"action\":\"%s\"", e->d ? "handler" : "kill");
		if (e->d)
			hex(f, "handler", e->d);
		break;
	case EV_INJECT:
		if (e->a == INJECT_NO_SPEC)
			fputs(",\"spec\":null", f);
		else
			fprintf(f, ",\"spec\":%" PRIu64, e->a);
		fprintf(f, ",\"what\":\"%s\"", NAME(inject_names, e->b));
		hex(f, "target", e->c);
		hex(f, "value", e->d);
		break;
	default:
		break;
	}
}

static const char *event_name(enum event_kind k)
{
	unsigned bit = kind_bit(k);
	for (unsigned i = 0; i < TRACE_KINDS; i++)
		if (bit == 1u << i)
			return kind_names[i];
	return "unknown";
}

uint64_t trace_in_use(struct memu *m, const struct event *e)
{
	return e->b < FRAME_KINDS ? m->mmu.events.frames_now[e->b] : 0;
}

void trace_jsonl_line(FILE *f, const struct event *e, uint64_t n, uint64_t rip,
		      uint64_t in_use)
{
	fprintf(f, "{\"n\":%" PRIu64, n);
	hex(f, "rip", rip);
	fprintf(f, ",\"ev\":\"%s\"", event_name(e->kind));
	fields(f, e, in_use);
	fputs("}\n", f);
}

static void jsonl_event(struct memu *m, const struct event *e, uint64_t n,
			uint64_t rip)
{
	trace_jsonl_line(m->trace.out, e, n, rip, trace_in_use(m, e));
}

/* One trace event: faults, PTE writes, flushes, signals and injections
 * as instants on the guest's thread, syscalls as complete slices one
 * instruction long, frames in use as counters (one series per kind).
 * ts is the instruction count (docs/trace.md, "Chrome format"). */
static void chrome_event(struct memu *m, const struct event *e, uint64_t n,
			 uint64_t rip)
{
	FILE *f = m->trace.out;
	char name[48];
	const char *ph = "i";
	switch (e->kind) {
	case EV_FAULT:
		snprintf(name, sizeof(name), "fault %s",
			 NAME(fault_names, e->b));
		break;
	case EV_PTE_SET:
	case EV_PTE_CLEAR:
		snprintf(name, sizeof(name), "pte %s",
			 e->kind == EV_PTE_SET ? "set" : "clear");
		break;
	case EV_FRAME_ALLOC:
	case EV_FRAME_FREE:
		snprintf(name, sizeof(name), "frames");
		ph = "C";
		break;
	case EV_TLB_FLUSH:
		snprintf(name, sizeof(name), "tlb flush");
		break;
	case EV_SYSCALL:
		snprintf(name, sizeof(name), "%s",
			 memu_syscall_name((unsigned)e->a));
		ph = "X";
		break;
	case EV_SIGNAL:
		signal_name(name, sizeof(name), e->a);
		break;
	default:
		snprintf(name, sizeof(name), "inject %s",
			 NAME(inject_names, e->b));
		break;
	}
	fputs(m->trace.any ? ",\n" : "\n", f);
	m->trace.any = true;
	fprintf(f,
		"{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"%s\",\"ts\":%" PRIu64
		",\"pid\":%d,\"tid\":%d",
		name, event_name(e->kind), ph, n, CHROME_PID, CHROME_PID);
	if (*ph == 'i')
		fputs(",\"s\":\"t\"", f);
	if (*ph == 'X')
		fputs(",\"dur\":1", f);
	if (*ph == 'C') {
		/* Counter args are the series' values, numbers only. */
		fprintf(f, ",\"args\":{\"%s\":%" PRIu64 "}}",
			NAME(frame_names, e->b),
			e->b < FRAME_KINDS ? m->mmu.events.frames_now[e->b]
					   : 0);
		return;
	}
	fprintf(f, ",\"args\":{\"n\":%" PRIu64, n);
	hex(f, "rip", rip);
	fields(f, e, trace_in_use(m, e));
	fputs("}}", f);
}

void trace_event(struct memu *m, const struct event *e)
{
	if (!m->trace.started || m->trace.ended ||
	    !(m->trace.mask & kind_bit(e->kind)))
		return;
	uint64_t n, rip;
	icount_position(m, &n, &rip);
	if (m->trace.format == MEMU_TRACE_CHROME)
		chrome_event(m, e, n, rip);
	else
		jsonl_event(m, e, n, rip);
}

static void kinds_list(FILE *f, unsigned mask)
{
	fputc('[', f);
	const char *sep = "";
	for (unsigned i = 0; i < TRACE_KINDS; i++)
		if (mask & (1u << i)) {
			fprintf(f, "%s\"%s\"", sep, kind_names[i]);
			sep = ",";
		}
	fputc(']', f);
}

void trace_begin(struct memu *m)
{
	struct trace *t = &m->trace;
	if (!t->out || t->started)
		return;
	FILE *f = t->out;
	const char *comm = m->proc->comm ? m->proc->comm : "guest";
	if (t->format == MEMU_TRACE_CHROME) {
		fprintf(f,
			"{\"otherData\":{\"trace\":\"memu\",\"version\":%d,"
			"\"ts\":\"guest instructions\",\"events\":",
			MEMU_TRACE_VERSION);
		kinds_list(f, t->mask);
		fputs(",\"guest\":", f);
		json_string(f, comm);
		fputs("},\n\"traceEvents\":[", f);
		/* Metadata: the names Perfetto shows for the track. */
		fprintf(f,
			"\n{\"name\":\"process_name\",\"ph\":\"M\",\"ts\":0,"
			"\"pid\":%d,\"tid\":%d,\"args\":{\"name\":",
			CHROME_PID, CHROME_PID);
		json_string(f, comm);
		fprintf(f,
			"}},\n{\"name\":\"thread_name\",\"ph\":\"M\",\"ts\":0,"
			"\"pid\":%d,\"tid\":%d,\"args\":{\"name\":",
			CHROME_PID, CHROME_PID);
		json_string(f, comm);
		fputs("}}", f);
		t->any = true;
	} else {
		fprintf(f, "{\"trace\":\"memu\",\"version\":%d,\"events\":",
			MEMU_TRACE_VERSION);
		kinds_list(f, t->mask);
		fputs(",\"guest\":", f);
		json_string(f, comm);
		fputs("}\n", f);
	}
	t->started = true;
}

int memu_trace(struct memu *m, FILE *out, unsigned mask,
	       enum memu_trace_format format, char *err, size_t errlen)
{
	if (m->loaded || m->trace.out) {
		snprintf(err, errlen,
			 "the trace is set up once, before the program is "
			 "loaded");
		return -1;
	}
	if (!out || !mask || (mask & ~(unsigned)MEMU_TRACE_ALL) ||
	    (format != MEMU_TRACE_JSONL && format != MEMU_TRACE_CHROME)) {
		snprintf(err, errlen, "bad trace settings");
		return -1;
	}
	if (icount_start(m)) {
		snprintf(err, errlen, "cannot install the instruction counter");
		return -1;
	}
	m->trace.out = out;
	m->trace.mask = mask;
	m->trace.format = format;
	return 0;
}

int memu_trace_end(struct memu *m)
{
	struct trace *t = &m->trace;
	if (!t->out || t->ended)
		return 0;
	t->ended = true;
	if (t->started && t->format == MEMU_TRACE_CHROME)
		fputs("\n]}\n", t->out);
	return fflush(t->out) || ferror(t->out) ? -1 : 0;
}
