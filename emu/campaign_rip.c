/* The executions of chosen instructions in the golden run
 * (docs/campaigns.md, "Snapshots").
 *
 * A rip=ADDR#N fault fires before the Nth execution of the instruction
 * at ADDR.  To fork its experiment from a snapshot taken just there, the
 * campaign must know how many instructions had retired by then: a child
 * runs the golden run again with a code hook on each ADDR the fault
 * space names, and records, for each execution, the instructions retired
 * before it (an instruction the CPU runs again - a REP string's next
 * iteration, one restarted after a signal handler - records the same
 * count again).  The hooks count as inject.c's rip trigger counts: not
 * while the fault-address probe replays an instruction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "campaign.h"
#include "machine.h"

#define RIP_RECORDS_MAX (1u << 22) /* executions recorded, in all */

struct rip_ctx {
	struct golden *g;
	struct memu *m;
	uint64_t total;
	bool full;
	size_t cap[CAMPAIGN_FILTERS];
};

static void on_rip(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
	(void)uc, (void)size;
	struct rip_ctx *x = user;
	if (x->m->probe.active || x->full)
		return;
	for (int i = 0; i < x->g->nrips; i++) {
		struct crip *r = &x->g->rips[i];
		if (r->at != address)
			continue;
		if (++x->total > RIP_RECORDS_MAX) {
			x->full = true;
			return;
		}
		if (r->n == x->cap[i]) {
			size_t cap = x->cap[i] ? x->cap[i] * 2 : 256;
			uint64_t *a = realloc(r->insns, cap * sizeof(*a));
			if (!a) {
				x->full = true;
				return;
			}
			r->insns = a;
			x->cap[i] = cap;
		}
		/* The counter's hook ran first: this one is under way. */
		r->insns[r->n++] = memu_instructions(x->m);
	}
}

static int install(struct memu *m, void *ctx)
{
	struct rip_ctx *x = ctx;
	x->m = m;
	for (int i = 0; i < x->g->nrips; i++) {
		uc_hook h;
		uint64_t at = x->g->rips[i].at;
		if (uc_hook_add(m->uc, &h, UC_HOOK_CODE, (void *)on_rip, x, at,
				at))
			return -1;
	}
	return 0;
}

static void rip_child(struct campaign *c, struct golden *g, int fd)
{
	struct rip_ctx x = {.g = g};
	struct cmachine cm;
	char err[CAMPAIGN_ERR];
	uint8_t ok = 0;
	if (!campaign_child_setup(c) &&
	    !cmachine_start_hooked(c, &cm, NULL, c->golden_limit, install, &x,
				   err, sizeof(err))) {
		int stop = cmachine_run(&cm);
		/* The golden run again, or nothing can be trusted. */
		ok = !x.full &&
		     (stop == MEMU_STOP_EXIT || stop == MEMU_STOP_SIGNAL) &&
		     memu_instructions(cm.m) == g->run.instructions;
	}
	if (pipe_write_full(fd, &ok, 1))
		_exit(1);
	for (int i = 0; ok && i < g->nrips; i++)
		if (pipe_write_full(fd, &g->rips[i].n, sizeof(uint64_t)) ||
		    pipe_write_full(fd, g->rips[i].insns,
				    g->rips[i].n * sizeof(uint64_t)))
			_exit(1);
	_exit(0);
}

int rip_pass(struct campaign *c, struct golden *g)
{
	int p[2];
	if (!g->nrips || pipe(p))
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		rip_child(c, g, p[1]);
	}
	close(p[1]);
	uint8_t ok = 0;
	int rc = pipe_read_full(p[0], &ok, 1) || !ok ? -1 : 0;
	for (int i = 0; !rc && i < g->nrips; i++) {
		struct crip *r = &g->rips[i];
		if (pipe_read_full(p[0], &r->n, sizeof(r->n)) ||
		    !(r->insns =
			      malloc((r->n ? r->n : 1) * sizeof(uint64_t))) ||
		    pipe_read_full(p[0], r->insns, r->n * sizeof(uint64_t)))
			rc = -1;
	}
	close(p[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!rc && (!WIFEXITED(ws) || WEXITSTATUS(ws)))
		rc = -1;
	if (rc) {
		for (int i = 0; i < g->nrips; i++) {
			free(g->rips[i].insns);
			g->rips[i].insns = NULL;
		}
		g->nrips = 0;
	}
	return rc;
}
