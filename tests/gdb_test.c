/* memu run --gdb with Debian's gdb in batch mode (docs/gdb.md): the test
 * starts memu on a Unix socket, runs `gdb -batch -nx` against it, and
 * checks what gdb printed against the guest's ELF file, the guest's own
 * output, the machine's page tables and Linux. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

#define GUEST "gdb_target"

struct session {
	char *gdb_out;	 /* what gdb printed, stdout and stderr */
	char *out, *err; /* memu's */
	int status;	 /* memu's exit status */
	char sock[64];
};

static char *slurp(int fd)
{
	size_t len = 0, cap = 4096;
	char *b = malloc(cap);
	cr_assert_not_null(b);
	for (;;) {
		if (len + 1024 > cap)
			cr_assert_not_null(b = realloc(b, cap *= 2));
		ssize_t n = read(fd, b + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	b[len] = '\0';
	return b;
}

/* argv with stdin from the file in, stdout and stderr to the fds. */
static pid_t spawn_in(const char *const *argv, const char *in, int out_fd,
		      int err_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
			      environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "cannot start %s: %s", argv[0], strerror(rc));
	return pid;
}

static pid_t spawn(const char *const *argv, int out_fd, int err_fd)
{
	return spawn_in(argv, "/dev/null", out_fd, err_fd);
}

/* What a session runs besides its gdb commands; NULL: the default. */
struct run {
	const char *tcp;   /* --gdb HOST:PORT (default: a Unix socket) */
	const char *flag;  /* an option of memu run before --gdb */
	const char *guest; /* default GUEST */
	const char *arg;   /* the guest's one argument */
	const char *arg2;  /* and a second */
	const char *in;	   /* memu's stdin (default /dev/null) */
};

/* memu run [flag] --gdb unix:SOCKET GUEST [arg], then gdb with the
 * commands (NULL-terminated), each as -ex; both run to their end. */
static void session_run(struct session *s, const struct run *run,
			const char *const *cmds)
{
	const char *tcp = run->tcp, *flag = run->flag, *arg = run->arg;
	const char *guest = run->guest ? run->guest : GUEST;
	memset(s, 0, sizeof(*s));
	snprintf(s->sock, sizeof(s->sock), "/tmp/memu-gdb-test-%d.sock",
		 (int)getpid());
	unlink(s->sock);
	char spec[80];
	snprintf(spec, sizeof(spec), "unix:%s", s->sock);
	if (tcp)
		snprintf(spec, sizeof(spec), "%s", tcp);
	int mo[2], me[2];
	cr_assert(pipe2(mo, O_CLOEXEC) == 0 && pipe2(me, O_CLOEXEC) == 0);
	const char *margv[9] = {MEMU_BIN, "run"};
	int mk = 2;
	if (flag)
		margv[mk++] = flag;
	margv[mk++] = "--gdb";
	margv[mk++] = spec;
	margv[mk++] = guest_path(guest);
	margv[mk++] = arg;
	if (arg)
		margv[mk++] = run->arg2;
	pid_t memu =
		spawn_in(margv, run->in ? run->in : "/dev/null", mo[1], me[1]);
	close(mo[1]);
	close(me[1]);
	/* memu says where it listens once it does: read up to that line. */
	char line[256];
	size_t n = 0;
	while (n + 1 < sizeof(line) && read(me[0], line + n, 1) == 1 &&
	       line[n] != '\n')
		n++;
	line[n] = '\0';
	char want[128];
	snprintf(want, sizeof(want), "memu: waiting for gdb on %s", spec);
	cr_assert_str_eq(line, want);

	const char *gargv[64] = {
		"gdb", "-batch", "-nx", "-iex", "set debuginfod enabled off",
		"-ex"};
	char target[96];
	snprintf(target, sizeof(target), "target remote %s",
		 tcp ? tcp : s->sock);
	int k = 6;
	gargv[k++] = target;
	for (int i = 0; cmds[i] && k < 60; i++) {
		gargv[k++] = "-ex";
		gargv[k++] = cmds[i];
	}
	gargv[k++] = guest_path(guest);
	int go[2];
	cr_assert(pipe2(go, O_CLOEXEC) == 0);
	pid_t gdb = spawn(gargv, go[1], go[1]);
	close(go[1]);
	s->gdb_out = slurp(go[0]);
	close(go[0]);
	int ws;
	cr_assert_eq(waitpid(gdb, &ws, 0), gdb);
	s->out = slurp(mo[0]);
	char *rest = slurp(me[0]);
	close(mo[0]);
	close(me[0]);
	cr_assert_eq(waitpid(memu, &ws, 0), memu);
	cr_assert(WIFEXITED(ws), "memu died of signal %d", WTERMSIG(ws));
	s->status = WEXITSTATUS(ws);
	s->err = rest;
}

static void session(struct session *s, const char *arg, const char *const *cmds)
{
	session_run(s, &(struct run){.arg = arg}, cmds);
}

#define SESSION(s, arg, ...)                                                   \
	session((s), (arg), (const char *const[]){__VA_ARGS__, NULL})

static void session_free(struct session *s)
{
	free(s->gdb_out);
	free(s->out);
	free(s->err);
	unlink(s->sock);
}

/* The value gdb printed after `prefix` (a hex or decimal number). */
static uint64_t number_after(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);
	cr_assert_not_null(p, "no \"%s\" in gdb's output:\n%s", prefix, text);
	return strtoull(p + strlen(prefix), NULL, 0);
}

Test(gdb, breakpoint_registers_variable_stepi)
{
	uint64_t bump = guest_symbol(GUEST, "bump");
	struct session s;
	SESSION(&s, NULL, "break bump", "continue", "info registers rip",
		"print counter", "x/2i $pc", "stepi",
		"printf \"pc=%#lx\\n\", $pc", "delete", "continue");
	char want[64];
	snprintf(want, sizeof(want), "rip            0x%" PRIx64, bump);
	cr_assert(strstr(s.gdb_out, want), "want %s in:\n%s", want, s.gdb_out);
	cr_assert(strstr(s.gdb_out, "$1 = 7\n"), "%s", s.gdb_out);
	/* x/2i: gdb's disassembler says where the next instruction is. */
	char at[64];
	snprintf(at, sizeof(at), "=> 0x%" PRIx64 " <bump>:", bump);
	cr_assert(strstr(s.gdb_out, at), "%s", s.gdb_out);
	const char *second = strstr(strstr(s.gdb_out, at), "\n   0x");
	cr_assert_not_null(second, "%s", s.gdb_out);
	uint64_t next = strtoull(second + 4, NULL, 16);
	cr_assert_gt(next, bump);
	cr_assert_leq(next - bump, 15);
	cr_assert_eq(number_after(s.gdb_out, "pc="), next, "%s", s.gdb_out);
	/* The guest ran on to its end, as without gdb. */
	cr_assert_str_eq(s.out, "counter 13 total 31\n");
	cr_assert_eq(s.status, 0, "%s", s.err);
	cr_assert(strstr(s.gdb_out, "exited normally"), "%s", s.gdb_out);
	session_free(&s);
}

Test(gdb, watchpoint_old_and_new_value)
{
	struct session s;
	SESSION(&s, NULL, "break bump", "continue", "delete", "watch counter",
		"continue", "continue", "delete", "continue");
	cr_assert(strstr(s.gdb_out, "Hardware watchpoint 2: counter\n\n"
				    "Old value = 7\nNew value = 8\n"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "Old value = 8\nNew value = 10\n"), "%s",
		  s.gdb_out);
	/* Stopped after the writing instruction: in bump, at line 15. */
	cr_assert(strstr(s.gdb_out, "gdb_target.c:15\n"), "%s", s.gdb_out);
	cr_assert_str_eq(s.out, "counter 13 total 31\n");
	cr_assert_eq(s.status, 0);
	session_free(&s);
}

Test(gdb, catch_signal_of_guard_page)
{
	int lstatus;
	const char *linux_out = native_stdout(GUEST, "x", &lstatus);
	cr_assert(strstr(linux_out, "signal 11 code 2 addr 0x"), "%s",
		  linux_out);
	struct session s;
	SESSION(&s, "x", "catch signal SIGSEGV", "continue",
		"printf \"addr=%#lx\\n\", "
		"$_siginfo._sifields._sigfault.si_addr",
		"printf \"code=%d signo=%d\\n\", $_siginfo.si_code, "
		"$_siginfo.si_signo",
		"continue");
	cr_assert(strstr(s.gdb_out, "Catchpoint 1 (signal SIGSEGV), main"),
		  "%s", s.gdb_out);
	/* The handler ran after the stop and printed what it was given. */
	const char *g = strstr(s.out, "guard 0x");
	cr_assert_not_null(g, "%s", s.out);
	uint64_t guard = strtoull(g + 6, NULL, 16);
	char handler[96];
	snprintf(handler, sizeof(handler), "signal 11 code 2 addr 0x%" PRIx64,
		 guard + 8);
	cr_assert(strstr(s.out, handler), "%s", s.out);
	cr_assert_eq(number_after(s.gdb_out, "addr="), guard + 8, "%s",
		     s.gdb_out);
	cr_assert(strstr(s.gdb_out, "code=2 signo=11\n"), "%s", s.gdb_out);
	cr_assert_eq(s.status, 3);
	cr_assert_eq(WEXITSTATUS(lstatus), 3);
	session_free(&s);
}

Test(gdb, monitor_pt_exact_entry)
{
	uint64_t bump = guest_symbol(GUEST, "bump");
	uint64_t page = bump & ~0xfffULL;
	/* The machine's own view of the same page at the end of a run
	 * without gdb: runs are deterministic, so the same frame, and a
	 * text page's bits (P, U, A; not W, not D, not NX) do not change. */
	struct guest gr;
	guest_open(&gr, GUEST, NULL);
	guest_finish(&gr);
	struct memu_pte pte;
	memu_pte(gr.m, page, &pte);
	guest_close(&gr);
	cr_assert(pte.present && pte.user && pte.accessed && !pte.writable);

	char cmd[64];
	snprintf(cmd, sizeof(cmd), "monitor pt %#" PRIx64, page);
	struct session s;
	char fcmd[64];
	snprintf(fcmd, sizeof(fcmd), "monitor frame %#" PRIx64, pte.pfn);
	SESSION(&s, NULL, "break bump", "continue", cmd, fcmd,
		"monitor vmprint");
	/* vmprint: the same entry, four levels deep. */
	char vwant[128];
	snprintf(vwant, sizeof(vwant),
		 "\n .. .. .. ..%u: pte 0x%016" PRIx64 " pa 0x%016" PRIx64 "\n",
		 (unsigned)((page >> 12) & 511), pte.raw, pte.pfn << 12);
	cr_assert(strstr(s.gdb_out, vwant), "want %s in:\n%s", vwant,
		  s.gdb_out);
	/* The program's text: a page of its file, mapped once. */
	char fwant[64];
	snprintf(fwant, sizeof(fwant), "pfn 0x%" PRIx64 ": file, mapcount 1\n",
		 pte.pfn);
	cr_assert(strstr(s.gdb_out, fwant), "want %s in:\n%s", fwant,
		  s.gdb_out);
	/* The table's address is the machine's: match around it. */
	char head[32], tail[96];
	snprintf(head, sizeof(head), "PT[%u] at 0x",
		 (unsigned)((page >> 12) & 511));
	snprintf(tail, sizeof(tail),
		 " = 0x%016" PRIx64 " p us a -> frame pfn 0x%" PRIx64 "\n",
		 pte.raw, pte.pfn);
	const char *h = strstr(s.gdb_out, head);
	cr_assert_not_null(h, "%s", s.gdb_out);
	const char *t = strstr(h, tail);
	cr_assert(t && !memchr(h, '\n', (size_t)(t - h)),
		  "want %s...%s in:\n%s", head, tail, s.gdb_out);
	cr_assert_eq(pte.raw & 0xfff, 0x025); /* P, U/S, A */
	cr_assert_eq(pte.raw >> 63, 0);	      /* executable */
	session_free(&s);
}

Test(gdb, unmapped_memory_is_an_error)
{
	struct session s;
	SESSION(&s, NULL, "x/4xb 0", "x/4xb 0x7fff00000000",
		"print *(long *)0xffffffff80000000", "continue");
	cr_assert(strstr(s.gdb_out, "Cannot access memory at address 0x0\n"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out,
			 "Cannot access memory at address 0x7fff00000000\n"),
		  "%s", s.gdb_out);
	/* The kernel half is not the process's to read. */
	cr_assert(strstr(s.gdb_out, "Cannot access memory at address "
				    "0xffffffff80000000\n"),
		  "%s", s.gdb_out);
	/* No fault reached the guest, which ran on unharmed. */
	cr_assert_str_eq(s.out, "counter 13 total 31\n");
	cr_assert_eq(s.status, 0);
	session_free(&s);
}

Test(gdb, memory_writes_where_the_guest_could)
{
	uint64_t bump = guest_symbol(GUEST, "bump");
	char text[96];
	snprintf(text, sizeof(text), "set var *(char *)%#" PRIx64 " = 0", bump);
	struct session s;
	/* .data is written (copy-on-write done) by the time bump runs; the
	 * text is read-only. */
	SESSION(&s, NULL, "break bump", "continue", "set var counter = 100",
		text, "delete", "continue");
	char want[96];
	snprintf(want, sizeof(want),
		 "Cannot access memory at address %#" PRIx64, bump);
	cr_assert(strstr(s.gdb_out, want), "%s", s.gdb_out);
	/* 100 + 1 + 2 + 3; bump returned 101, 103, 106. */
	cr_assert_str_eq(s.out, "counter 106 total 310\n");
	cr_assert_eq(s.status, 0);
	session_free(&s);
}

Test(gdb, continue_is_the_same_run)
{
	for (int with_arg = 0; with_arg < 2; with_arg++) {
		struct guest g;
		if (with_arg)
			guest_open(&g, GUEST, "x", NULL);
		else
			guest_open(&g, GUEST, NULL);
		guest_finish(&g);
		int code = memu_exit_code(&g.r);
		char *plain = strdup(guest_stdout(&g));
		guest_close(&g);
		struct session s;
		/* With x the guest takes a SIGSEGV: gdb stops there, and the
		 * second continue passes the signal on. */
		if (with_arg)
			SESSION(&s, "x", "continue", "continue");
		else
			SESSION(&s, NULL, "continue");
		cr_assert_str_eq(s.out, plain);
		cr_assert_eq(s.status, code);
		cr_assert_eq(code, with_arg ? 3 : 0);
		free(plain);
		session_free(&s);
	}
}

static void bad_value(const char *value)
{
	int e[2];
	cr_assert(pipe2(e, O_CLOEXEC) == 0);
	const char *argv[] = {MEMU_BIN,		 "run", "--gdb", value,
			      guest_path(GUEST), NULL};
	pid_t pid = spawn(argv, e[1], e[1]);
	close(e[1]);
	char *err = slurp(e[0]);
	close(e[0]);
	int ws;
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 2, "%s: %s", value, err);
	char want[128];
	snprintf(want, sizeof(want), "memu: bad --gdb %s: ", value);
	cr_assert_eq(strncmp(err, want, strlen(want)), 0, "%s", err);
	/* One line. */
	cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "%s", err);
	free(err);
}

Test(gdb, bad_values)
{
	bad_value("0");
	bad_value("65536");
	bad_value("12x");
	bad_value("-1");
	bad_value("unix:");
	bad_value("example.com:1234");
	bad_value(":1234");
}

/* ---- the protocol by hand: Ctrl-C */

static void raw_put(int fd, const char *data)
{
	char buf[256];
	unsigned sum = 0;
	for (const char *p = data; *p; p++)
		sum += (unsigned char)*p;
	int n = snprintf(buf, sizeof(buf), "$%s#%02x", data, sum & 0xff);
	cr_assert_eq(write(fd, buf, (size_t)n), n);
}

/* The next packet's payload (acks skipped). */
static void raw_get(int fd, char *out, size_t size)
{
	char c;
	size_t n = 0;
	do
		cr_assert_eq(read(fd, &c, 1), 1);
	while (c != '$');
	while (read(fd, &c, 1) == 1 && c != '#')
		if (n + 1 < size)
			out[n++] = c;
	out[n] = '\0';
	char cs[2];
	cr_assert_eq(read(fd, cs, 2), 2);
}

/* A memu under --gdb on a unix socket (spec), its stderr piped (err),
 * its stdout piped too (out) or to /dev/null (out -1), run to its first
 * line and connected in no-ack mode: the protocol by hand. */
struct raw {
	char sock[64], spec[80];
	int fd, out, err;
	pid_t pid;
};

static void raw_socket(struct raw *r, const char *tag)
{
	snprintf(r->sock, sizeof(r->sock), "/tmp/memu-gdb-test-%d.%s",
		 (int)getpid(), tag);
	unlink(r->sock);
	snprintf(r->spec, sizeof(r->spec), "unix:%s", r->sock);
}

static void raw_start(struct raw *r, const char *const *argv, bool out)
{
	int me[2], mo[2] = {-1, -1};
	cr_assert(pipe2(me, O_CLOEXEC) == 0);
	cr_assert(!out || pipe2(mo, O_CLOEXEC) == 0);
	int to = out ? mo[1] : open("/dev/null", O_WRONLY | O_CLOEXEC);
	r->pid = spawn(argv, to, me[1]);
	close(to);
	close(me[1]);
	r->out = mo[0];
	r->err = me[0];
	char c;
	while (read(r->err, &c, 1) == 1 && c != '\n')
		;
	r->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, r->sock);
	cr_assert_eq(connect(r->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	char ok[16];
	raw_put(r->fd, "QStartNoAckMode");
	raw_get(r->fd, ok, sizeof(ok));
	cr_assert_str_eq(ok, "OK");
	cr_assert_eq(write(r->fd, "+", 1), 1);
}

Test(gdb, ctrl_c_stops_a_running_guest)
{
	struct raw w;
	raw_socket(&w, "raw");
	/* checksum of its own ELF file, a million rounds: it runs until
	 * stopped. */
	char file[PATH_MAX + 8];
	snprintf(file, sizeof(file), "%s:/in", guest_path("checksum"));
	const char *argv[] = {MEMU_BIN,
			      "run",
			      "--gdb",
			      w.spec,
			      "--file",
			      file,
			      guest_path("checksum"),
			      "/in",
			      "1000000",
			      NULL};
	raw_start(&w, argv, true);
	int fd = w.fd;
	char r[512];
	raw_put(fd, "?");
	raw_get(fd, r, sizeof(r));
	cr_assert_str_eq(r, "T05thread:1;");
	raw_put(fd, "vCont;c");
	cr_assert_eq(write(fd, "\003", 1), 1);
	raw_get(fd, r, sizeof(r));
	cr_assert_str_eq(r, "T02thread:1;"); /* SIGINT */
	/* Stopped in the guest's code, below the kernel half. */
	raw_put(fd, "p10");
	raw_get(fd, r, sizeof(r));
	cr_assert_eq(strlen(r), 16, "%s", r);
	raw_put(fd, "vKill;1");
	raw_get(fd, r, sizeof(r));
	cr_assert_str_eq(r, "OK");
	close(fd);
	char *out = slurp(w.out), *err = slurp(w.err);
	int ws;
	cr_assert_eq(waitpid(w.pid, &ws, 0), w.pid);
	cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 128 + SIGKILL, "%s", err);
	cr_assert(strstr(err, "killed by SIGKILL"), "%s", err);
	cr_assert_str_eq(out, ""); /* it never got to print */
	free(out);
	free(err);
	close(w.out);
	close(w.err);
	unlink(w.sock);
}

/* A free TCP port on 127.0.0.1, as the kernel picks one. */
static unsigned free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

Test(gdb, tcp_hbreak_rwatch_awatch)
{
	char tcp[32];
	snprintf(tcp, sizeof(tcp), "127.0.0.1:%u", free_port());
	struct session s;
	session_run(&s, &(struct run){.tcp = tcp},
		    (const char *const[]){"hbreak bump", "continue", "delete",
					  "rwatch counter", "continue",
					  "delete", "awatch counter",
					  "continue", "delete", "continue",
					  NULL});
	cr_assert(strstr(s.gdb_out, "Hardware assisted breakpoint 1 at"), "%s",
		  s.gdb_out);
	cr_assert(strstr(s.gdb_out, "Breakpoint 1, bump (by=by@entry=1)"), "%s",
		  s.gdb_out);
	/* The read of counter by bump's first instruction, then its
	 * write by the third. */
	cr_assert(strstr(s.gdb_out, "Hardware read watchpoint 2: counter\n\n"
				    "Value = 7\n"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "Hardware access (read/write) watchpoint "
				    "3: counter\n\nOld value = 7\nNew value = "
				    "8\n"),
		  "%s", s.gdb_out);
	cr_assert_str_eq(s.out, "counter 13 total 31\n");
	cr_assert_eq(s.status, 0);
	session_free(&s);
}

/* ---- threads and processes (docs/gdb.md, "Threads and processes") */

#define THREADS "gdb_threads"

/* A breakpoint in a function only the second thread runs: gdb switches
 * to that thread (memu's tids are deterministic: 1, then 2); each
 * thread's registers and stack are its own; a step of the thread off the
 * CPU (blocked in pthread_join's futex) is one instruction of it. */
Test(gdb, threads_listed_selected_stepped)
{
	uint64_t fn = guest_symbol(THREADS, "only_in_thread");
	struct session s;
	session_run(&s, &(struct run){.guest = THREADS},
		    (const char *const[]){"break only_in_thread", "continue",
					  "info threads", "info registers rip",
					  "frame 1", "print mine", "thread 1",
					  "x/i $pc", "stepi",
					  "printf \"pc=%#lx\\n\", $pc",
					  "info threads", NULL});
	cr_assert(strstr(s.gdb_out, "[New Thread 1.2]\n"
				    "[Switching to Thread 1.2]\n\n"
				    "Thread 2 hit Breakpoint 1, only_in_thread "
				    "(v=42)"),
		  "%s", s.gdb_out);
	/* qThreadExtraInfo: comm and state. */
	cr_assert(strstr(s.gdb_out, "  1    Thread 1.1 (gdb_threads, blocked "
				    "in futex) 0x"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "* 2    Thread 1.2 (gdb_threads, running)"
				    "          only_in_thread (v=42)"),
		  "%s", s.gdb_out);
	char want[64];
	snprintf(want, sizeof(want), "rip            0x%" PRIx64 " ", fn);
	cr_assert(strstr(s.gdb_out, want), "want %s in:\n%s", want, s.gdb_out);
	/* The caller's frame, on the second thread's own stack. */
	cr_assert(strstr(s.gdb_out, "$1 = 42\n"), "%s", s.gdb_out);
	/* Thread 1's saved registers: its call was rewound to the syscall
	 * instruction (it runs again when woken). */
	const char *sw = strstr(s.gdb_out, "[Switching to thread 1 (Thread "
					   "1.1)]\n#0  0x");
	cr_assert_not_null(sw, "%s", s.gdb_out);
	uint64_t at = strtoull(sw + strlen("[Switching to thread 1 (Thread "
					   "1.1)]\n#0  "),
			       NULL, 16);
	char insn[64];
	snprintf(insn, sizeof(insn), "=> 0x%" PRIx64 " <", at);
	const char *x = strstr(s.gdb_out, insn);
	cr_assert_not_null(x, "want %s in:\n%s", insn, s.gdb_out);
	cr_assert(!strncmp(strchr(x, '\t'), "\tsyscall", 8), "%s", x);
	/* Its step: the syscall (2 bytes) once it ran, after thread 2
	 * ended (the last list has thread 1 only). */
	cr_assert_eq(number_after(s.gdb_out, "pc="), at + 2, "%s", s.gdb_out);
	const char *last = strstr(strstr(s.gdb_out, "pc="), "  Id ");
	cr_assert_not_null(last, "%s", s.gdb_out);
	cr_assert(strstr(last, "* 1    Thread 1.1 (gdb_threads, running)"),
		  "%s", last);
	cr_assert_null(strstr(last, "Thread 1.2"), "%s", last);
	session_free(&s);
}

/* Going back from the second thread's breakpoint: the instruction
 * before (the call in worker) ran in that thread, and the stop names it;
 * forward again, the breakpoint stops it as before. */
Test(gdb, threads_reverse_stepi)
{
	struct session s;
	session_run(&s, &(struct run){.guest = THREADS},
		    (const char *const[]){"break only_in_thread", "continue",
					  "reverse-stepi", "info threads",
					  "stepi", NULL});
	const char *back = strstr(s.gdb_out, "Thread 2 hit Breakpoint 1");
	cr_assert_not_null(back, "%s", s.gdb_out);
	const char *cur = strstr(back, "* 2    Thread 1.2 (gdb_threads, "
				       "running)          0x");
	cr_assert_not_null(cur, "%s", s.gdb_out);
	const char *eol = strchr(cur, '\n'), *in = strstr(cur, " in worker (");
	cr_assert(eol && in && in < eol, "%s", s.gdb_out);
	cr_assert(strstr(back, "  1    Thread 1.1 (gdb_threads, blocked in "
			       "futex) 0x"),
		  "%s", s.gdb_out);
	cr_assert(strstr(eol, "Thread 2 hit Breakpoint 1, only_in_thread "
			      "(v=42)"),
		  "%s", s.gdb_out);
	session_free(&s);
}

/* gdb keeps a forked child (detach-on-fork off) and runs every
 * inferior when it continues (schedule-multiple on): the child runs on
 * to the breakpoint gdb set in the parent. */
#define KEEP_CHILD "set detach-on-fork off", "set schedule-multiple on"

/* Each inferior reads its own process's memory (Hg selects the task,
 * and with it the page tables): after the child's only_in_child
 * returned, its `seen` is 5, the parent's still the 42 its thread wrote.
 * finish's breakpoint is set with the child selected: the child's. */
Test(gdb, inferiors_have_their_own_memory)
{
	struct session s;
	session_run(&s, &(struct run){.guest = THREADS},
		    (const char *const[]){KEEP_CHILD, "break only_in_child",
					  "continue", "finish", "print seen",
					  "inferior 1", "print seen", NULL});
	cr_assert(strstr(s.gdb_out, "Value returned is $1 = 5\n$2 = 5\n"
				    "[Switching to inferior 1 [process 1]"),
		  "%s", s.gdb_out);
	const char *in1 = strstr(s.gdb_out, "[Switching to thread 1.1 (Thread "
					    "1.1)]\n#0  0x");
	cr_assert_not_null(in1, "%s", s.gdb_out);
	cr_assert(strstr(in1, " in __syscall_cp_c ()\n$3 = 42\n"), "%s",
		  s.gdb_out);
	session_free(&s);
}

/* A forked child is a new process: gdb hears of the fork and keeps it
 * as an inferior.  The breakpoint gdb set in the parent is in the
 * child's copy of memory, as on Linux; it stops in the child's one
 * thread. */
Test(gdb, forked_child_is_an_inferior)
{
	struct session s;
	session_run(&s, &(struct run){.guest = THREADS},
		    (const char *const[]){KEEP_CHILD, "break only_in_child",
					  "continue", "info inferiors",
					  "info threads", "bt", NULL});
	cr_assert(strstr(s.gdb_out, "[New inferior 2 (process 3)]\n"), "%s",
		  s.gdb_out);
	cr_assert(strstr(s.gdb_out, "[Switching to Thread 3.3]\n\n"
				    "Thread 2.1 hit Breakpoint 1.2, "
				    "only_in_child (v=v@entry=5)"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "  1    process 1 "), "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "* 2    process 3 "), "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "  1.1  Thread 1.1 (gdb_threads, blocked "
				    "in wait4) 0x"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "* 2.1  Thread 3.3 (gdb_threads, running)"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "#1  0x"), "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, " in main () at "), "%s", s.gdb_out);
	/* The parent's line before the fork, and no more: gdb's end kills
	 * both processes (vKill;3 queues the child's SIGKILL, vKill;1 the
	 * parent's), and the machine ends with the parent's SIGKILL. */
	cr_assert_str_eq(s.out, "thread returned 43\n");
	cr_assert_eq(s.status, 137, "%s", s.err);
	session_free(&s);
}

/* To the end with two inferiors: the child's breakpoint, then on; the
 * child exits 5 and gdb hears of it (W05;process:3); then the parent
 * exits 0, and gdb of process 1's end: no "Remote communication
 * error". */
Test(gdb, two_inferiors_run_to_the_end)
{
	struct session s;
	session_run(&s, &(struct run){.guest = THREADS},
		    (const char *const[]){KEEP_CHILD, "break only_in_child",
					  "continue", "continue", "inferior 1",
					  "continue", NULL});
	cr_assert(strstr(s.gdb_out, "only_in_child (v=v@entry=5)"), "%s",
		  s.gdb_out);
	cr_assert(strstr(s.gdb_out, "\n[Inferior 2 (process 3) exited with "
				    "code 05]\n[Switching to inferior 1 "),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "[Inferior 1 (process 1) exited normally]"),
		  "%s", s.gdb_out);
	cr_assert(!strstr(s.gdb_out, "Remote communication error"), "%s",
		  s.gdb_out);
	cr_assert_str_eq(s.out, "thread returned 43\nchild exited 5\n");
	cr_assert_eq(s.status, 0, "%s", s.err);
	session_free(&s);
}

/* ---- fork, vfork, exec and exit (docs/gdb.md, "Fork, vfork, exec and
 * exit") */

/* gdb_forks PATH: a fork (child 2 runs only_in_child, exits 5), a vfork
 * whose child 3 execs PATH (exits 7), then pid 1 execs PATH (exits 0). */
#define FORKS "gdb_forks"
#define FORKS_OUT                                                              \
	"child 2 exited 5\nvforked: exec'd\nchild 3 exited 7\n"                \
	"pid1: exec'd\n"

/* The end of a session on the forks guest: gdb printed exit_line, and
 * the guest printed what it prints without gdb and exited 0. */
static void ends_as_forks(struct session *s, const char *exit_line)
{
	cr_assert(strstr(s->gdb_out, exit_line), "%s", s->gdb_out);
	cr_assert_str_eq(s->out, FORKS_OUT);
	cr_assert_eq(s->status, 0, "%s", s->err);
	session_free(s);
}

/* The guest with its own path in the guest's files (--file), to exec. */
static char forks_path[4096];

static void forks_session(struct session *s, const char *guest,
			  const char *const *cmds)
{
	static char file[4200];
	snprintf(forks_path, sizeof(forks_path), "%s", guest_path(guest));
	snprintf(file, sizeof(file), "--file=%s", forks_path);
	session_run(
		s,
		&(struct run){.guest = guest, .flag = file, .arg = forks_path},
		cmds);
}

#define FORKS_SESSION(s, guest, ...)                                           \
	forks_session((s), (guest), (const char *const[]){__VA_ARGS__, NULL})

/* gdb printed want, with %s the guest's path. */
static void has_path_line(const struct session *s, const char *fmt)
{
	char want[4300];
	snprintf(want, sizeof(want), fmt, forks_path);
	cr_assert(strstr(s->gdb_out, want), "want \"%s\" in:\n%s", want,
		  s->gdb_out);
}

/* catch fork: the stop in the parent's fork, with the child's pid; in
 * the call, as Linux's event stop: RAX -ENOSYS, orig_rax the call, RIP
 * past the syscall instruction; stepi ends the call there with the
 * child's pid.  gdb then detaches the child (detach-on-fork on): its
 * copy of the breakpoint never stops it, nor does the vfork child's. */
static void catch_fork(const char *guest, const char *fn, int nr)
{
	struct session s;
	FORKS_SESSION(&s, guest, "catch fork", "break only_in_child",
		      "continue", "print $rax", "print $orig_rax",
		      "printf \"pc=%#lx\\n\", $pc", "stepi",
		      "printf \"pc=%#lx rax=%ld\\n\", $pc, $rax", "continue");
	char want[160];
	snprintf(want, sizeof(want),
		 "\nCatchpoint 1 (forked process 2), 0x%%016lx in %s ()\n"
		 "$1 = -38\n$2 = %d\npc=%%#lx\n",
		 fn, nr);
	const char *at = strstr(s.gdb_out, "\nCatchpoint 1 (forked process 2)");
	cr_assert_not_null(at, "%s", s.gdb_out);
	unsigned long pc = strtoul(at + 34, NULL, 16);
	char line[200];
	snprintf(line, sizeof(line), want, pc, pc);
	cr_assert(strstr(s.gdb_out, line), "want %s in:\n%s", line, s.gdb_out);
	/* After stepi: the same RIP, the call's result. */
	snprintf(line, sizeof(line),
		 "[Detaching after fork from child process "
		 "2]\n0x%016lx in %s ()\npc=%#lx rax=2\n",
		 pc, fn, pc);
	cr_assert(strstr(s.gdb_out, line), "want %s in:\n%s", line, s.gdb_out);
	cr_assert(strstr(s.gdb_out,
			 "[Detaching after fork from child process 2]\n"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out,
			 "[Detaching after vfork from child process 3]\n"),
		  "%s", s.gdb_out);
	has_path_line(&s, "\nprocess 1 is executing new program: %s\n");
	cr_assert(!strstr(s.gdb_out, "hit Breakpoint"), "%s", s.gdb_out);
	ends_as_forks(&s, "[Inferior 1 (process 1) exited normally]");
}

Test(gdb, catch_fork_in_the_parent)
{
	catch_fork(FORKS, "_Fork", 57); /* musl: fork */
}

Test(gdb, catch_fork_in_the_parent_glibc)
{
	catch_fork(FORKS "_glibc", "_Fork", 56); /* glibc: clone */
}

/* follow-fork-mode child: gdb attaches to the child, detaches the
 * parent, and stops at the child's breakpoint; the child's end is
 * reported, and the parent runs on to the end by itself. */
Test(gdb, follow_fork_mode_child)
{
	struct session s;
	FORKS_SESSION(&s, FORKS, "set follow-fork-mode child",
		      "break only_in_child", "continue", "info inferiors",
		      "continue");
	cr_assert(strstr(s.gdb_out,
			 "[Attaching after Thread 1.1 fork to child Thread "
			 "2.2]\n[New inferior 2 (process 2)]\n[Detaching "
			 "after fork from parent process 1]\n[Inferior 1 "
			 "(process 1) detached]\n[Switching to Thread 2.2]\n\n"
			 "Thread 2.1 hit Breakpoint 1, only_in_child "
			 "(v=v@entry=5) at "),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "\n  1    <null>  "), "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "\n* 2    process 2  "), "%s", s.gdb_out);
	ends_as_forks(&s, "\n[Inferior 2 (process 2) exited with code 05]\n");
}

/* detach-on-fork off: gdb keeps the child as inferior 2, stopped where
 * it was forked while the parent runs (gdb resumes inferior 1 only:
 * vCont;c:p1.-1); continued in its turn, it reaches its breakpoint while
 * the parent stays at its own, and its end is reported. */
Test(gdb, detach_on_fork_off_keeps_the_child)
{
	struct session s;
	FORKS_SESSION(&s, FORKS, "set detach-on-fork off", "break reap",
		      "break only_in_child", "continue", "info inferiors",
		      "info threads", "inferior 2", "continue", "continue",
		      "inferior 1", "info threads");
	cr_assert(strstr(s.gdb_out, "[New inferior 2 (process 2)]\n\nThread "
				    "1.1 hit Breakpoint 1.1, reap (pid=2) at "),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "\n* 1    process 1  "), "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "\n  2    process 2  "), "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "\n  2.1  Thread 2.2 (gdb_forks, runnable) "
				    "0x"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, " in _Fork ()\n[Switching to inferior 2 "),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "\nThread 2.1 hit Breakpoint 2.2, "
				    "only_in_child (v=v@entry=5) at "),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out,
			 "\n[Inferior 2 (process 2) exited with code 05]\n"),
		  "%s", s.gdb_out);
	/* The parent has not run meanwhile: still at its breakpoint. */
	cr_assert(strstr(s.gdb_out, "\n* 1.1  Thread 1.1 (gdb_forks, running) "
				    " reap (pid=2) at "),
		  "%s", s.gdb_out);
	cr_assert_str_eq(s.out, "");
	session_free(&s);
}

/* catch vfork and catch exec: the vfork stop names the child; the
 * vfork child, detached, execs and runs the breakpoint's function
 * without a stop; pid 1's exec stops at the new program's entry, and
 * its breakpoint, set again in the new program, stops it there. */
Test(gdb, catch_vfork_and_exec)
{
	struct session s;
	FORKS_SESSION(&s, FORKS, "catch vfork", "catch exec",
		      "break in_new_program", "continue", "continue",
		      "continue", "continue");
	cr_assert(strstr(s.gdb_out, "\nCatchpoint 1 (vforked process 3), 0x"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, " in vfork ()\n[Detaching after vfork "
				    "from child process 3]\n"),
		  "%s", s.gdb_out);
	has_path_line(&s, "\nprocess 1 is executing new program: %s\n");
	char want[4300];
	snprintf(want, sizeof(want),
		 "\nCatchpoint 2 (exec'd %s), 0x%016" PRIx64
		 " in _start ()\n\nBreakpoint 3, in_new_program (v=v@entry=0) "
		 "at ",
		 forks_path, guest_symbol(FORKS, "_start"));
	cr_assert(strstr(s.gdb_out, want), "want %s in:\n%s", want, s.gdb_out);
	ends_as_forks(&s, "[Inferior 1 (process 1) exited normally]");
}

/* Going back stops at the event: the history begins after it. */
Test(gdb, no_reverse_across_a_fork)
{
	struct session s;
	FORKS_SESSION(&s, FORKS, "catch fork", "continue", "reverse-stepi",
		      "delete", "break in_new_program", "continue",
		      "reverse-continue");
	cr_assert(strstr(s.gdb_out,
			 "\nmemu: the history begins at the fork of process 2: "
			 "no going back across it (docs/gdb.md)\n\nNo more "
			 "reverse-execution history.\n0x"),
		  "%s", s.gdb_out);
	char want[200];
	snprintf(want, sizeof(want),
		 "\nmemu: the history begins at the exec of process 1: no "
		 "going back across it (docs/gdb.md)\n\nNo more "
		 "reverse-execution history.\n0x%016" PRIx64 " in _start ()\n",
		 guest_symbol(FORKS, "_start"));
	cr_assert(strstr(s.gdb_out, want), "want %s in:\n%s", want, s.gdb_out);
	cr_assert_str_eq(s.out, FORKS_OUT);
	session_free(&s);
}

/* The protocol by hand: the stub's own events and detach.  A child gdb
 * lets go of (D;PID) without taking its breakpoints out first has none:
 * the forked child runs only_in_child past the breakpoint it inherited,
 * and the next stop is the vfork's. */
Test(gdb, detached_child_never_traps)
{
	char path[PATH_MAX], r[4200], want[4200];
	struct raw w;
	raw_socket(&w, "raw");
	snprintf(path, sizeof(path), "%s", guest_path(FORKS));
	const char *argv[] = {MEMU_BIN, "run", "--gdb", w.spec, "--file",
			      path,	path,  path,	NULL};
	raw_start(&w, argv, true);
	int fd = w.fd;
	raw_put(fd, "qSupported:multiprocess+;fork-events+;vfork-events+;"
		    "exec-events+");
	raw_get(fd, r, sizeof(r));
	cr_assert(strstr(r, ";multiprocess+;fork-events+;vfork-events+;"
			    "exec-events+;"),
		  "%s", r);
	snprintf(want, sizeof(want), "Z0,%" PRIx64 ",1",
		 guest_symbol(FORKS, "only_in_child"));
	const char *talk[][2] = {
		{want, "OK"},
		{"vCont;c", "T05fork:p2.2;thread:p1.1;"},
		{"p39", "3900000000000000"}, /* orig_rax: fork */
		{"p0", "daffffffffffffff"},  /* rax: -ENOSYS */
		{"D;2", "OK"},
		{"qfThreadInfo", "mp1.1"},
		{"D;2", "E01"}, /* gone from gdb's view */
		{"vCont;c:p1.-1", "T05vfork:p3.3;thread:p1.1;"},
		{"p39", "3a00000000000000"},
		{"D;3", "OK"},
		{"vCont;c:p1.-1", "T05vforkdone:;thread:p1.1;"},
		{"vCont;c:p1.-1", NULL},
		{"vCont;c", "W00;process:1"},
	};
	for (size_t i = 0; i < sizeof(talk) / sizeof(talk[0]); i++) {
		raw_put(fd, talk[i][0]);
		raw_get(fd, r, sizeof(r));
		if (talk[i][1]) {
			cr_assert_str_eq(r, talk[i][1], "after %s", talk[i][0]);
			continue;
		}
		/* The exec: the path in hex. */
		size_t n = (size_t)snprintf(want, sizeof(want), "T05exec:");
		for (const char *c = path; *c && n + 8 < sizeof(want); c++)
			n += (size_t)snprintf(want + n, sizeof(want) - n,
					      "%02x", (unsigned char)*c);
		snprintf(want + n, sizeof(want) - n, ";thread:p1.1;");
		cr_assert_str_eq(r, want);
	}
	close(fd);
	char *out = slurp(w.out), *err = slurp(w.err);
	int ws;
	cr_assert_eq(waitpid(w.pid, &ws, 0), w.pid);
	cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s", err);
	cr_assert_str_eq(out, FORKS_OUT);
	free(out);
	free(err);
	close(w.out);
	close(w.err);
	unlink(w.sock);
}

/* ---- reverse execution (docs/gdb.md, "Reverse execution") */

/* The straight run's output and exit status, without gdb. */
static char *plain_run(const char *arg, int *code)
{
	struct guest g;
	if (arg)
		guest_open(&g, GUEST, arg, NULL);
	else
		guest_open(&g, GUEST, NULL);
	guest_finish(&g);
	*code = memu_exit_code(&g.r);
	char *out = strdup(guest_stdout(&g));
	guest_close(&g);
	return out;
}

/* The run under gdb went on to the same end as the straight run. */
static void same_end(const struct session *s, const char *arg)
{
	int code;
	char *plain = plain_run(arg, &code);
	cr_assert_str_eq(s->out, plain);
	cr_assert_eq(s->status, code, "%s", s->err);
	free(plain);
}

Test(gdb, reverse_stepi_back_over_a_store)
{
	uint64_t bump = guest_symbol(GUEST, "bump");
	struct session s;
	/* The watchpoint stops after the store of 8; one instruction back
	 * is the store itself, not yet made. */
	SESSION(&s, NULL, "break bump", "continue", "delete", "watch counter",
		"continue", "delete", "print counter", "reverse-stepi",
		"print counter", "printf \"pc=%#lx\\n\", $pc", "x/i $pc",
		"stepi", "print counter", "continue");
	/* reverse-stepi shows where it stopped: mid-line 14. */
	char line[96];
	snprintf(line, sizeof(line), "$1 = 8\n0x%016" PRIx64 "\t14\t",
		 number_after(s.gdb_out, "pc="));
	cr_assert(strstr(s.gdb_out, line), "want %s in:\n%s", line, s.gdb_out);
	cr_assert(strstr(s.gdb_out, "counter += by;\n$2 = 7\n"), "%s",
		  s.gdb_out);
	uint64_t pc = number_after(s.gdb_out, "pc=");
	cr_assert(pc > bump && pc < bump + 32, "%s", s.gdb_out);
	char store[96];
	snprintf(store, sizeof(store),
		 "=> %#" PRIx64 " <bump+%" PRIu64 ">:\tmov ", pc, pc - bump);
	cr_assert(strstr(s.gdb_out, store), "want %s in:\n%s", store,
		  s.gdb_out);
	cr_assert(strstr(s.gdb_out, " <counter>\n"), "%s", s.gdb_out);
	/* Forward again: the store is made. */
	cr_assert(strstr(s.gdb_out, "$3 = 8\n"), "%s", s.gdb_out);
	same_end(&s, NULL);
	session_free(&s);
}

Test(gdb, reverse_continue_to_breakpoints)
{
	struct session s;
	SESSION(&s, NULL, "break bump", "continue", "continue", "continue",
		"reverse-continue", "print by", "print counter",
		"reverse-continue", "print by", "print counter", "delete",
		"continue");
	/* Back from the third call to the second, then the first, with
	 * counter as it was at each. */
	cr_assert(strstr(s.gdb_out, "$1 = 2\n$2 = 8\n"), "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "$3 = 1\n$4 = 7\n"), "%s", s.gdb_out);
	const char *second =
		strstr(s.gdb_out, "Breakpoint 1, bump (by=by@entry=2)");
	cr_assert_not_null(second, "%s", s.gdb_out);
	cr_assert(strstr(second + 1, "Breakpoint 1, bump (by=by@entry=2)"),
		  "%s", s.gdb_out);
	same_end(&s, NULL);
	session_free(&s);
}

Test(gdb, reverse_continue_to_a_watchpoint)
{
	uint64_t bump = guest_symbol(GUEST, "bump");
	struct session s;
	SESSION(&s, NULL, "break bump", "continue", "continue", "continue",
		"delete", "watch counter", "reverse-continue", "print counter",
		"print by", "printf \"pc=%#lx\\n\", $pc", "delete", "continue");
	/* The last write before the third call: the second call's store,
	 * stopped before it (counter 8, about to be 10). */
	cr_assert(strstr(s.gdb_out, "Hardware watchpoint 2: counter\n\n"
				    "Old value = 10\nNew value = 8\n"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "$1 = 8\n$2 = 2\n"), "%s", s.gdb_out);
	uint64_t pc = number_after(s.gdb_out, "pc=");
	cr_assert(pc > bump && pc < bump + 32, "%s", s.gdb_out);
	same_end(&s, NULL);
	session_free(&s);
}

Test(gdb, reverse_finish_and_reverse_step)
{
	struct session s;
	SESSION(&s, NULL, "break bump", "continue", "continue", "delete",
		"reverse-finish", "print i", "print total", "reverse-step",
		"reverse-step", "print counter", "continue");
	/* Out of the second call, back to its call in main (i is 2, the
	 * first call's 8 added), then back into the first call's end. */
	cr_assert(strstr(s.gdb_out, "main (argc=1, argv="), "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "gdb_target.c:33\n33\t\t\ttotal += "
				    "bump(i);\n$1 = 2\n"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "$1 = 2\n$2 = 8\n"), "%s", s.gdb_out);
	const char *back = strstr(s.gdb_out, "$2 = 8\n");
	cr_assert(strstr(back, "bump (by=by@entry=1) at "), "%s", s.gdb_out);
	cr_assert(strstr(back, "gdb_target.c:16\n16\t}\n15\t\treturn "
			       "counter;\n$3 = 8\n"),
		  "%s", s.gdb_out);
	same_end(&s, NULL);
	session_free(&s);
}

Test(gdb, reverse_to_the_start)
{
	uint64_t start = guest_symbol(GUEST, "_start");
	struct session s;
	SESSION(&s, NULL, "reverse-stepi", "break bump", "continue", "delete",
		"reverse-continue", "printf \"pc=%#lx\\n\", $pc",
		"reverse-stepi", "continue");
	/* At the first instruction there is nothing before; back from
	 * bump with no breakpoint, the first instruction again. */
	const char *no = "\nNo more reverse-execution history.\n";
	const char *first = strstr(s.gdb_out, no);
	cr_assert_not_null(first, "%s", s.gdb_out);
	const char *second = strstr(first + 1, no);
	cr_assert_not_null(second, "%s", s.gdb_out);
	cr_assert(strstr(second + 1, no), "%s", s.gdb_out);
	cr_assert_eq(number_after(s.gdb_out, "pc="), start, "%s", s.gdb_out);
	same_end(&s, NULL);
	session_free(&s);
}

Test(gdb, forward_after_reverse_prints_once)
{
	/* With x the guest prints, then faults: back to the start over
	 * its writes and its signal, and forward again - each written
	 * once, as in the straight run. */
	struct session s;
	SESSION(&s, "x", "catch signal SIGSEGV", "continue", "reverse-continue",
		"continue", "reverse-stepi", "reverse-stepi", "stepi",
		"continue", "continue");
	cr_assert(strstr(s.gdb_out, "No more reverse-execution history."), "%s",
		  s.gdb_out);
	const char *c = "Catchpoint 1 (signal SIGSEGV), main";
	const char *first = strstr(s.gdb_out, c);
	cr_assert(first && strstr(first + 1, c), "%s", s.gdb_out);
	same_end(&s, "x");
	session_free(&s);
}

/* The pids `monitor history` printed. */
static int history_pids(const char *text, pid_t *pids, int max)
{
	int n = 0;
	for (const char *p = text; n < max && (p = strstr(p, ": pid "));) {
		p += 6;
		pids[n++] = (pid_t)strtol(p, NULL, 10);
	}
	return n;
}

Test(gdb, no_snapshot_left_behind)
{
	/* A snapshot memu left would be killed as memu ends
	 * (PR_SET_PDEATHSIG) and come to this process, the subreaper, to
	 * be reaped: memu must have reaped them all itself. */
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	struct session s;
	SESSION(&s, NULL, "break bump", "continue", "reverse-stepi",
		"monitor history", "continue", "reverse-continue",
		"monitor history", "delete", "continue");
	pid_t pids[16];
	int n = history_pids(s.gdb_out, pids, 16);
	cr_assert_geq(n, 2, "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "snapshot at insn 0: pid "), "%s",
		  s.gdb_out);
	for (int i = 0; i < n; i++) {
		cr_assert_gt(pids[i], 0);
		cr_assert_eq(waitpid(pids[i], NULL, WNOHANG), -1);
		cr_assert_eq(errno, ECHILD, "snapshot %d", (int)pids[i]);
		cr_assert_eq(kill(pids[i], 0), -1);
		cr_assert_eq(errno, ESRCH, "snapshot %d", (int)pids[i]);
	}
	same_end(&s, NULL);
	session_free(&s);
}

/* A packet's payload as hex (qRcmd's command). */
static void hex_of(const char *s, char *out)
{
	for (; *s; s++, out += 2)
		sprintf(out, "%02x", (unsigned char)*s);
	*out = '\0';
}

Test(gdb, memu_killed_takes_its_snapshots)
{
	/* memu dies without a word (SIGKILL): its snapshots die with it
	 * (PR_SET_PDEATHSIG) and come here, the subreaper, killed. */
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	struct raw w;
	raw_socket(&w, "kill");
	const char *argv[] = {MEMU_BIN,		 "run", "--gdb", w.spec,
			      guest_path(GUEST), NULL};
	raw_start(&w, argv, false);
	int fd = w.fd;
	pid_t pid = w.pid;
	char r[2048], cmd[64] = "qRcmd,";
	/* One step forward and one back: the snapshot stays, the present
	 * is a process forked from it. */
	raw_put(fd, "vCont;s");
	raw_get(fd, r, sizeof(r));
	cr_assert_str_eq(r, "T05thread:1;");
	raw_put(fd, "bs");
	raw_get(fd, r, sizeof(r));
	cr_assert_str_eq(r, "T05thread:1;");
	raw_put(fd, "bs");
	raw_get(fd, r, sizeof(r));
	cr_assert_str_eq(r, "T05replaylog:begin;thread:1;");
	hex_of("history", cmd + 6);
	raw_put(fd, cmd);
	raw_get(fd, r, sizeof(r)); /* O + hex of the text */
	cr_assert_eq(r[0], 'O', "%s", r);
	char text[1024];
	size_t k = 0;
	for (const char *p = r + 1; p[0] && p[1] && k + 1 < sizeof(text);
	     p += 2) {
		unsigned v;
		sscanf(p, "%2x", &v);
		text[k++] = (char)v;
	}
	text[k] = '\0';
	pid_t snap[4];
	cr_assert_eq(history_pids(text, snap, 4), 1, "%s", text);
	cr_assert(strstr(text, "snapshot at insn 0: pid "), "%s", text);
	raw_get(fd, r, sizeof(r));
	cr_assert_str_eq(r, "OK");
	cr_assert_eq(kill(pid, SIGKILL), 0);
	int ws;
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	cr_assert(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
	/* The snapshot, and the present forked from it: both children of
	 * memu, both killed with it. */
	cr_assert_eq(waitpid(snap[0], &ws, 0), snap[0]);
	cr_assert(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
	pid_t other = waitpid(-1, &ws, 0);
	cr_assert_gt(other, 0);
	cr_assert(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
	cr_assert_eq(waitpid(-1, &ws, WNOHANG), -1);
	close(fd);
	close(w.err);
	unlink(w.sock);
}

Test(gdb, monitor_events_are_the_trace)
{
	/* The same events, as --trace writes them, of a run without gdb:
	 * before bump is first called, the guest has made two system
	 * calls and nothing else the trace shows but TLB fills. */
	FILE *t = tmpfile();
	cr_assert_not_null(t);
	struct guest g;
	guest_open_traced(&g, t, MEMU_TRACE_ALL & ~MEMU_TRACE_TLB,
			  MEMU_TRACE_JSONL, GUEST, NULL);
	guest_finish(&g);
	guest_close(&g);
	rewind(t);
	char header[512], l1[512], l2[512], l3[512];
	cr_assert(fgets(header, sizeof(header), t) &&
		  fgets(l1, sizeof(l1), t) && fgets(l2, sizeof(l2), t) &&
		  fgets(l3, sizeof(l3), t));
	fclose(t);
	cr_assert(strstr(l1, "\"name\":\"arch_prctl\""), "%s", l1);
	cr_assert(strstr(l2, "\"name\":\"set_tid_address\""), "%s", l2);
	struct session s;
	SESSION(&s, NULL, "break bump", "continue", "monitor events 1",
		"monitor events 100", "delete", "continue");
	char want[2048];
	snprintf(want, sizeof(want), "14\t\tcounter += by;\n%s%s%s", l2, l1,
		 l2);
	cr_assert(strstr(s.gdb_out, want), "want %s in:\n%s", want, s.gdb_out);
	/* and nothing after them: the third came later */
	cr_assert_null(strstr(s.gdb_out, l3), "%s", s.gdb_out);
	same_end(&s, NULL);
	session_free(&s);
}

Test(gdb, monitor_inject_arms_a_fault_now)
{
	struct session s;
	SESSION(&s, NULL, "break bump", "continue", "monitor inject bogus",
		"monitor inject syscall:errno=EIO@event=syscall.writev#1",
		"delete", "continue");
	cr_assert(strstr(s.gdb_out, "inject: 'bogus': no @WHEN\n"), "%s",
		  s.gdb_out);
	const char *armed = "armed syscall:errno=EIO@event=syscall.writev#1 "
			    "at insn ";
	cr_assert(strstr(s.gdb_out, armed), "%s", s.gdb_out);
	/* printf's one writev failed: nothing printed; main returns 0. */
	cr_assert_str_eq(s.out, "");
	cr_assert_eq(s.status, 0, "%s", s.err);
	session_free(&s);
}

Test(gdb, no_reverse_without_snapshots)
{
	struct session s;
	session_run(&s, &(struct run){.flag = "--gdb-no-reverse"},
		    (const char *const[]){"break bump", "continue",
					  "reverse-stepi", "monitor history",
					  "delete", "continue", NULL});
	/* Not announced: gdb does not even ask. */
	cr_assert(strstr(s.gdb_out, "Target remote does not support this "
				    "command.\n"),
		  "%s", s.gdb_out);
	cr_assert(strstr(s.gdb_out, "no history\n"), "%s", s.gdb_out);
	same_end(&s, NULL);
	session_free(&s);
}

/* The session's guest printed what the plain run cmd prints and exited
 * 0; then the input file in goes, and the session ends. */
static void ends_as_plain(struct session *s, const char *cmd, const char *in)
{
	int status;
	char *plain = shell_output(cmd, &status);
	cr_assert_str_eq(s->out, plain);
	cr_assert_eq(s->status, 0, "%s", s->err);
	free(plain);
	unlink(in);
	session_free(s);
}

Test(gdb, stdin_read_once_replayed)
{
	/* checksum reads its stdin, prints, exits: back to the start and
	 * forward again, the replay reads the same bytes from memu's log
	 * (the host's stdin is at its end by then) and prints nothing
	 * twice. */
	char in[64];
	snprintf(in, sizeof(in), "/tmp/memu-gdb-test-%d.in", (int)getpid());
	FILE *f = fopen(in, "w");
	cr_assert_not_null(f);
	fputs("hello stdin world\n", f);
	fclose(f);
	struct session s;
	session_run(
		&s,
		&(struct run){
			.guest = "checksum", .arg = "-", .arg2 = "3", .in = in},
		(const char *const[]){"break exit", "continue",
				      "reverse-continue", "continue",
				      "x/s (char *)&input", "continue", NULL});
	cr_assert(strstr(s.gdb_out, "No more reverse-execution history."), "%s",
		  s.gdb_out);
	cr_assert(strstr(s.gdb_out, " <input>:\t\"hello stdin world\\n\"\n"),
		  "%s", s.gdb_out);
	char cmd[PATH_MAX + 128];
	snprintf(cmd, sizeof(cmd), "%s run %s - 3 < %s", MEMU_BIN,
		 guest_path("checksum"), in);
	ends_as_plain(&s, cmd, in);
}

Test(gdb, long_run_thinned_history)
{
	/* checksum over 64 KiB, 28 rounds: about 35M instructions (19 a
	 * byte), so the 33rd snapshot is due at 32M and every other one
	 * goes (the interval doubles).  Going back still works, near the
	 * end and all the way to the start. */
	char in[64], file[96];
	snprintf(in, sizeof(in), "/tmp/memu-gdb-test-%d.big", (int)getpid());
	FILE *f = fopen(in, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 65536; i++)
		fputc(32 + (i * 37) % 95, f);
	fclose(f);
	snprintf(file, sizeof(file), "--file=%s:/in", in);
	struct session s;
	session_run(&s,
		    &(struct run){.flag = file,
				  .guest = "checksum",
				  .arg = "/in",
				  .arg2 = "28"},
		    (const char *const[]){
			    "break printf", "continue", "monitor history",
			    "reverse-stepi", "printf \"back=%#lx\\n\", $pc",
			    "reverse-stepi", "stepi", "stepi",
			    "printf \"again=%#lx\\n\", $pc", "reverse-continue",
			    "continue", "continue", NULL});
	/* 32 snapshots about 1M apart (each at the first block after its
	 * due count), thinned to 16 about 2M apart, then 2M apart. */
	cr_assert(strstr(s.gdb_out, "snapshots every 2097152 insns"), "%s",
		  s.gdb_out);
	pid_t pids[64];
	int n = history_pids(s.gdb_out, pids, 64);
	cr_assert(n >= 17 && n <= 19, "%d snapshots:\n%s", n, s.gdb_out);
	const char *at = strstr(s.gdb_out, "snapshot at insn 0: pid ");
	cr_assert_not_null(at, "%s", s.gdb_out);
	uint64_t second = number_after(at + 1, "snapshot at insn ");
	cr_assert(second >= 2 * 1048576 && second < 2 * 1048576 + 4096, "%s",
		  s.gdb_out);
	/* Two back and two forward: where the first step back was, and
	 * one more forward. */
	uint64_t printf_at = guest_symbol("checksum", "printf");
	uint64_t back = number_after(s.gdb_out, "back=");
	cr_assert_neq(back, printf_at, "%s", s.gdb_out);
	cr_assert_eq(number_after(s.gdb_out, "again="), printf_at, "%s",
		     s.gdb_out);
	cr_assert(strstr(s.gdb_out, "No more reverse-execution history."), "%s",
		  s.gdb_out);
	char cmd[PATH_MAX + 160];
	snprintf(cmd, sizeof(cmd), "%s run %s %s /in 28", MEMU_BIN, file,
		 guest_path("checksum"));
	ends_as_plain(&s, cmd, in);
}

Test(gdb, ctrl_c_stops_a_reverse_continue)
{
	/* Ctrl-C sent right behind bc: looked for before the first scan
	 * has answered, so the stop is T02 where gdb stood, and the
	 * history is still there. */
	struct raw w;
	raw_socket(&w, "cc");
	const char *argv[] = {MEMU_BIN,		 "run", "--gdb", w.spec,
			      guest_path(GUEST), NULL};
	raw_start(&w, argv, true);
	int fd = w.fd;
	char r[512];
	for (int i = 0; i < 3; i++) {
		raw_put(fd, "vCont;s");
		raw_get(fd, r, sizeof(r));
		cr_assert_str_eq(r, "T05thread:1;");
	}
	/* $bc#c5 and 0x03 in one write */
	cr_assert_eq(write(fd, "$bc#c5\003", 7), 7);
	raw_get(fd, r, sizeof(r));
	cr_assert_str_eq(r, "T02thread:1;");
	raw_put(fd, "bs");
	raw_get(fd, r, sizeof(r));
	cr_assert_str_eq(r, "T05thread:1;");
	raw_put(fd, "bc");
	raw_get(fd, r, sizeof(r));
	cr_assert_str_eq(r, "T05replaylog:begin;thread:1;");
	raw_put(fd, "vCont;c");
	raw_get(fd, r, sizeof(r));
	cr_assert_str_eq(r, "W00");
	close(fd);
	char *out = slurp(w.out);
	int ws;
	cr_assert_eq(waitpid(w.pid, &ws, 0), w.pid);
	cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	cr_assert_str_eq(out, "counter 13 total 31\n");
	free(out);
	close(w.out);
	close(w.err);
	unlink(w.sock);
}
