#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *guest_path(const char *name)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/%s", GUEST_DIR, name);
	return path;
}

static void open_guest(struct guest *g, const struct memu_config *cfg,
		       FILE *trace, unsigned mask,
		       enum memu_trace_format format, const char *name,
		       const char *argv0, const char *const *args,
		       const char *const *specs)
{
	memset(g, 0, sizeof(*g));
	struct memu_config c = *cfg;
	g->out_fd = memfd_create("guest-stdout", MFD_CLOEXEC);
	g->err_fd = memfd_create("guest-stderr", MFD_CLOEXEC);
	cr_assert(g->out_fd >= 0 && g->err_fd >= 0);
	c.stdout_fd = g->out_fd;
	c.stderr_fd = g->err_fd;
	c.stdin_fd = -1;
	char err[512] = "";
	g->m = memu_new(&c, err, sizeof(err));
	cr_assert(g->m, "memu_new: %s", err);
	if (trace)
		cr_assert(memu_trace(g->m, trace, mask, format, err,
				     sizeof(err)) == 0,
			  "memu_trace: %s", err);
	for (int i = 0; specs && specs[i]; i++)
		cr_assert(memu_inject(g->m, specs[i], err, sizeof(err)) == 0,
			  "memu_inject %s: %s", specs[i], err);
	const char *argv[64];
	int argc = 0;
	argv[argc++] = argv0 ? argv0 : guest_path(name);
	for (; args && args[argc - 1] && argc < 63; argc++)
		argv[argc] = args[argc - 1];
	argv[argc] = NULL;
	cr_assert(memu_load(g->m, guest_path(name), argc, argv, err,
			    sizeof(err)) == 0,
		  "memu_load %s: %s", name, err);
}

void guest_open_cfg(struct guest *g, const struct memu_config *cfg,
		    const char *name, const char *const *args)
{
	open_guest(g, cfg, NULL, 0, MEMU_TRACE_JSONL, name, NULL, args, NULL);
}

void guest_open_argv0(struct guest *g, const char *name, const char *argv0,
		      const char *const *args)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	open_guest(g, &cfg, NULL, 0, MEMU_TRACE_JSONL, name, argv0, args, NULL);
}

void guest_open_injected(struct guest *g, FILE *trace, const char *const *specs,
			 const char *name, const char *const *args)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	open_guest(g, &cfg, trace, trace ? MEMU_TRACE_ALL : 0, MEMU_TRACE_JSONL,
		   name, NULL, args, specs);
}

uint64_t guest_symbol(const char *guest, const char *name)
{
	elf_version(EV_CURRENT);
	int fd = open(guest_path(guest), O_RDONLY);
	cr_assert(fd >= 0);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	cr_assert(e);
	uint64_t value = 0;
	Elf_Scn *scn = NULL;
	while (!value && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;
			if (gelf_getsym(d, (int)i, &s) &&
			    (n = elf_strptr(e, sh.sh_link, s.st_name)) &&
			    !strcmp(n, name))
				value = s.st_value;
		}
	}
	elf_end(e);
	close(fd);
	cr_assert(value, "no symbol %s in %s", name, guest);
	return value;
}

void guest_open_traced(struct guest *g, FILE *trace, unsigned mask,
		       enum memu_trace_format format, const char *name,
		       const char *const *args)
{
	struct memu_config cfg;
	memu_config_init(&cfg);
	open_guest(g, &cfg, trace, mask, format, name, NULL, args, NULL);
}

void guest_open(struct guest *g, const char *name, ...)
{
	const char *args[62];
	int n = 0;
	va_list ap;
	va_start(ap, name);
	const char *a;
	while (n < 61 && (a = va_arg(ap, const char *)))
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	struct memu_config cfg;
	memu_config_init(&cfg);
	guest_open_cfg(g, &cfg, name, args);
}

enum memu_stop guest_run(struct guest *g)
{
	memu_run(g->m, &g->r);
	cr_assert(g->r.stop != MEMU_STOP_ERROR, "machine error: %s",
		  g->r.reason ? g->r.reason : "?");
	return g->r.stop;
}

void guest_finish(struct guest *g)
{
	while (guest_run(g) == MEMU_STOP_PROBE)
		;
}

static char *slurp(int fd, char **slot)
{
	free(*slot);
	off_t n = lseek(fd, 0, SEEK_END);
	char *s = malloc((size_t)n + 1);
	cr_assert(s);
	ssize_t got = pread(fd, s, (size_t)n, 0);
	s[got > 0 ? got : 0] = '\0';
	*slot = s;
	return s;
}

const char *guest_stdout(struct guest *g)
{
	return slurp(g->out_fd, &g->out);
}

const char *guest_stderr(struct guest *g)
{
	return slurp(g->err_fd, &g->err);
}

void guest_close(struct guest *g)
{
	memu_free(g->m);
	close(g->out_fd);
	close(g->err_fd);
	free(g->out);
	free(g->err);
	memset(g, 0, sizeof(*g));
}

void guest_stats(struct guest *g, struct memu_stats *s)
{
	memu_get_stats(g->m, s);
}

uint64_t guest_faults(struct guest *g, enum memu_fault_kind k)
{
	struct memu_stats s;
	memu_get_stats(g->m, &s);
	return s.faults[k];
}

char *lines_starting(const char *text, const char *const *prefixes, bool keep)
{
	char *out = malloc(strlen(text) + 1);
	cr_assert_not_null(out);
	size_t len = 0;
	for (const char *l = text; *l;) {
		const char *end = strchr(l, '\n');
		size_t n = end ? (size_t)(end - l) + 1 : strlen(l);
		bool match = false;
		for (int i = 0; prefixes[i]; i++)
			match |= !strncmp(l, prefixes[i], strlen(prefixes[i]));
		if (match == keep) {
			memcpy(out + len, l, n);
			len += n;
		}
		l += n;
	}
	out[len] = '\0';
	return out;
}

char *exact_lines(const char *guest)
{
	struct guest g;
	const char *args[] = {"exact", NULL};
	guest_open_argv0(&g, guest, guest, args);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s: %s", guest,
		     g.r.reason ? g.r.reason : "");
	cr_assert_eq(g.r.exit_status, 0, "%s", guest);
	static const char *const exact[] = {"exact: ", NULL};
	char *got = lines_starting(guest_stdout(&g), exact, true);
	guest_close(&g);
	return got;
}

extern char **environ;

/* A native run that does not end within this many seconds is killed: its
 * test fails and says so, rather than the executable's CTest timeout
 * taking every test with it. */
#define NATIVE_LIMIT_S 120

const char *native_stdout(const char *name, const char *arg, int *status)
{
	static char out[65536];
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "exec %s %s 2>/dev/null", guest_path(name),
		 arg ? arg : "");
	int fds[2];
	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	char *argv[] = {"sh", "-c", cmd, NULL};
	pid_t pid;
	int e = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	cr_assert_eq(e, 0, "%s: %s", cmd, strerror(e));
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t n = 0;
	bool hung = false;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= NATIVE_LIMIT_S) {
			hung = true;
			kill(pid, SIGKILL);
			break;
		}
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		if (poll(&pfd, 1, 1000) <= 0)
			continue; /* a second more, or a signal: look again */
		ssize_t got = read(fds[0], out + n, sizeof(out) - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
		if (n == sizeof(out) - 1)
			break;
	}
	close(fds[0]);
	out[n] = '\0';
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	cr_assert(!hung, "%s natively: no end after %d s; its output:\n%s", cmd,
		  NATIVE_LIMIT_S, out);
	return out;
}

void same_output_as_linux(const char *guest, const char *must)
{
	int status;
	const char *linux_out = native_stdout(guest, NULL, &status);
	cr_assert_eq(status, 0, "%s", linux_out);
	cr_assert(strstr(linux_out, must),
		  "the host is not the Linux this test expects:\n%s",
		  linux_out);
	struct guest g;
	guest_open(&g, guest, NULL);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s",
		     g.r.reason ? g.r.reason : "");
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert_str_eq(guest_stdout(&g), linux_out);
	guest_close(&g);
}

/* ---- commands run in a directory */

char *slurp_path(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "%s: %s", path, strerror(errno));
	char *s = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&s, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(s);
		s = strdup("");
	}
	cr_assert(s);
	return s;
}

static char *in(const char *dir, const char *name)
{
	char *p;
	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

pid_t cmd_spawn(const char *dir, const char *const *argv, char *const *envp)
{
	char *out = in(dir, ".out"), *err = in(dir, ".err");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out,
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, err,
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char cwd[4096];
	cr_assert(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(dir), 0);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv,
			     envp ? envp : environ);
	cr_assert_eq(chdir(cwd), 0);
	posix_spawn_file_actions_destroy(&fa);
	free(out);
	free(err);
	cr_assert_eq(rc, 0, "posix_spawn %s: %s", argv[0], strerror(rc));
	return pid;
}

void cmd_wait(struct cmd *c, const char *dir, pid_t pid)
{
	int ws;
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	cr_assert(WIFEXITED(ws), "pid %d died of signal %d", (int)pid,
		  WTERMSIG(ws));
	c->status = WEXITSTATUS(ws);
	char *out = in(dir, ".out"), *err = in(dir, ".err");
	c->out = slurp_path(out);
	c->err = slurp_path(err);
	free(out);
	free(err);
}

void cmd_run(struct cmd *c, const char *dir, const char *const *argv,
	     char *const *envp)
{
	cmd_wait(c, dir, cmd_spawn(dir, argv, envp));
}

void cmd_free(struct cmd *c)
{
	free(c->out);
	free(c->err);
}

void cmd_expect_status(const struct cmd *c, int status)
{
	cr_assert_eq(c->status, status,
		     "exit status %d, want %d; stdout:\n%s\nstderr:\n%s",
		     c->status, status, c->out, c->err);
}

char *shell_output(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	cr_assert(p, "%s", cmd);
	char *out = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&out, &len);
	cr_assert(o);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, o);
	fclose(o);
	*status = pclose(p);
	return out;
}

void scratch_make(char dir[64], const char *name)
{
	snprintf(dir, 64, "/tmp/memu-%s-XXXXXX", name);
	cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

void scratch_remove(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	int status;
	free(shell_output(cmd, &status));
	cr_assert_eq(status, 0, "%s", cmd);
}
