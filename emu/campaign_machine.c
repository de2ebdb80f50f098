/* A machine for a campaign's guest (docs/campaigns.md): the settings of
 * the campaign file, set up in the order `memu run` sets them up (faults,
 * the instruction counter and limit, imports, the program), so that an
 * experiment's command line reproduces it.  The guest's stdout and stderr
 * go to memory files; its stdin is the campaign's file or /dev/null.
 *
 * A process that runs guests first calls campaign_child_setup: it moves
 * to the campaign file's directory (paths in the file are relative to
 * it, as in the command lines) and bounds what the guest can write.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "campaign.h"
#include "machine.h"

int campaign_child_setup(const struct campaign *c)
{
	/* Dies with its parent: nothing outlives an interrupted run. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	/* A guest writing past the limit gets EFBIG, not the host's disk. */
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = {c->output_limit, c->output_limit};
	if (setrlimit(RLIMIT_FSIZE, &rl))
		return -1;
	return chdir(c->dir);
}

static int open_stdin(const struct campaign *c)
{
	return open(c->stdin_path ? c->stdin_path : "/dev/null",
		    O_RDONLY | O_CLOEXEC);
}

enum { LOG_NONE, LOG_COUNT, LOG_KEEP };

static int start(const struct campaign *c, struct cmachine *cm,
		 const char *specs, uint64_t limit, int log,
		 int (*before_load)(struct memu *m, void *ctx), void *ctx,
		 char *err, size_t errlen)
{
	memset(cm, 0, sizeof(*cm));
	cm->in_fd = -1;
	cm->out_fd = memfd_create("stdout", MFD_CLOEXEC);
	cm->err_fd = memfd_create("stderr", MFD_CLOEXEC);
	cm->in_fd = open_stdin(c);
	if (cm->out_fd < 0 || cm->err_fd < 0 || cm->in_fd < 0) {
		snprintf(err, errlen, "%s: %s",
			 cm->in_fd < 0 && c->stdin_path ? c->stdin_path
							: "memfd_create",
			 strerror(errno));
		return -1;
	}
	struct memu_config cfg;
	memu_config_init(&cfg);
	if (c->ram_text)
		cfg.ram_bytes = c->ram;
	cfg.seed = c->seed;
	cfg.stdin_fd = cm->in_fd;
	cfg.stdout_fd = cm->out_fd;
	cfg.stderr_fd = cm->err_fd;
	const char **env = calloc((size_t)c->nenv + 1, sizeof(char *));
	for (int i = 0; env && i < c->nenv; i++)
		env[i] = c->env[i];
	cfg.envp = env;
	cm->m = memu_new(&cfg, err, errlen);
	free(env);
	if (!cm->m)
		return -1;
	char buf[4096 * 2];
	snprintf(buf, sizeof(buf), "%s", specs ? specs : "");
	for (char *s = buf, *e; *s; s = e ? e + 1 : s + strlen(s)) {
		e = strchr(s, ' ');
		if (e)
			*e = '\0';
		char why[CAMPAIGN_ERR];
		if (memu_inject(cm->m, s, why, sizeof(why))) {
			snprintf(err, errlen, "%s: %s", s, why);
			return -1;
		}
		cm->nspecs++;
	}
	if (memu_count_instructions(cm->m) ||
	    (limit && memu_insn_limit(cm->m, limit))) {
		snprintf(err, errlen, "cannot count instructions");
		return -1;
	}
	if (log != LOG_NONE && inject_log_start(cm->m, log == LOG_KEEP)) {
		snprintf(err, errlen, "cannot log events");
		return -1;
	}
	if (before_load && before_load(cm->m, ctx)) {
		snprintf(err, errlen, "cannot install the hooks");
		return -1;
	}
	for (int i = 0; i < c->nimports; i++)
		if (memu_import(cm->m, c->imports[i].spec, c->imports[i].tree,
				err, errlen))
			return -1;
	const char **argv = calloc((size_t)c->nargs + 2, sizeof(char *));
	if (!argv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	argv[0] = c->guest;
	for (int i = 0; i < c->nargs; i++)
		argv[i + 1] = c->args[i];
	int rc = memu_load(cm->m, c->guest, c->nargs + 1, argv, err, errlen);
	free(argv);
	return rc;
}

int cmachine_start(const struct campaign *c, struct cmachine *cm,
		   const char *specs, uint64_t limit, char *err, size_t errlen)
{
	return start(c, cm, specs, limit, LOG_NONE, NULL, NULL, err, errlen);
}

int cmachine_start_hooked(const struct campaign *c, struct cmachine *cm,
			  const char *specs, uint64_t limit,
			  int (*before_load)(struct memu *m, void *ctx),
			  void *ctx, char *err, size_t errlen)
{
	return start(c, cm, specs, limit, LOG_NONE, before_load, ctx, err,
		     errlen);
}

int cmachine_start_log(const struct campaign *c, struct cmachine *cm,
		       const char *specs, uint64_t limit, bool keep,
		       int (*before_load)(struct memu *m, void *ctx), void *ctx,
		       char *err, size_t errlen)
{
	return start(c, cm, specs, limit, keep ? LOG_KEEP : LOG_COUNT,
		     before_load, ctx, err, errlen);
}

int cmachine_run(struct cmachine *cm)
{
	do
		memu_run(cm->m, &cm->r);
	while (cm->r.stop == MEMU_STOP_PROBE);
	return cm->r.stop;
}

static char *slurp(int fd, size_t *len)
{
	struct stat st;
	*len = 0;
	if (fstat(fd, &st) || st.st_size < 0)
		return calloc(1, 1);
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return NULL;
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got,
				  (off_t)got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

void cmachine_result(struct cmachine *cm, struct crun *r)
{
	const struct memu_result *mr = &cm->r;
	struct memu *m = cm->m;
	memset(r, 0, sizeof(*r));
	r->stop = mr->stop;
	r->exit_code = memu_exit_code(mr);
	r->signal = mr->signal;
	r->si_code = mr->si_code;
	r->addr = mr->fault_addr;
	snprintf(r->reason, sizeof(r->reason), "%s",
		 mr->reason ? mr->reason : "");
	r->instructions = memu_instructions(m);
	r->nspecs = cm->nspecs < CRUN_SPECS ? cm->nspecs : CRUN_SPECS;
	for (int i = 0; i < r->nspecs; i++) {
		r->fired[i] = m->inject.a[i].fired;
		r->seen[i] = m->inject.a[i].seen;
	}
	r->out = slurp(cm->out_fd, &r->outlen);
	r->err = slurp(cm->err_fd, &r->errlen);
}

/* fd's bytes so far into a memory file of this process's own, in fd's
 * place. */
static int own_copy(int fd)
{
	size_t len;
	char *buf = slurp(fd, &len);
	int nfd = memfd_create("copy", MFD_CLOEXEC);
	int rc = buf && nfd >= 0 && write(nfd, buf, len) == (ssize_t)len &&
				 dup3(nfd, fd, O_CLOEXEC) == fd
			 ? 0
			 : -1;
	free(buf);
	if (nfd >= 0)
		close(nfd);
	return rc;
}

int cmachine_unshare(const struct campaign *c, struct cmachine *cm)
{
	/* The parent's files share their offsets with a forked child: the
	 * child's writes and reads would move the parent's.  Never seek
	 * them here - only ask. */
	off_t at = lseek(cm->in_fd, 0, SEEK_CUR);
	int in = open_stdin(c);
	if (at < 0 || in < 0 || lseek(in, at, SEEK_SET) != at ||
	    dup3(in, cm->in_fd, O_CLOEXEC) != cm->in_fd) {
		if (in >= 0)
			close(in);
		return -1;
	}
	close(in);
	return own_copy(cm->out_fd) || own_copy(cm->err_fd) ? -1 : 0;
}

void cmachine_free(struct cmachine *cm)
{
	memu_free(cm->m);
	cm->m = NULL;
	int *fds[] = {&cm->in_fd, &cm->out_fd, &cm->err_fd};
	for (int i = 0; i < 3; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

void crun_free(struct crun *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}
