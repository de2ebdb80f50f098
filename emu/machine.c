/* The public machine API (include/memu.h): create, load, run, inspect. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../devices/module.h"
#include "../mmu/mmap.h"
#include "../mmu/pagetable.h"
#include "../mmu/rmap.h"
#include "../mmu/shmem.h"
#include "../mmu/vmscan.h"
#include "gdbstub.h"
#include "machine.h"

#define DEFAULT_RAM (256ULL << 20)

void memu_config_init(struct memu_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ram_bytes = DEFAULT_RAM;
	cfg->mtrr_var = 8;
	cfg->numa_nodes = 1;
	cfg->stdin_fd = 0;
	cfg->stdout_fd = 1;
	cfg->stderr_fd = 2;
}

/* The page-table bank: enough tables to map all of RAM with 4 KiB pages
 * several times over, and for mappings scattered over user space (16,384
 * page tables: one-page mappings every 64 MiB need one table each); at
 * least 64 MiB, RAM/16 above 1 GiB of RAM, at most 1 GiB.  Untouched, it
 * costs the host nothing. */
static uint64_t ptbank_size(uint64_t ram)
{
	uint64_t size = ram / 16;
	if (size < (64ULL << 20))
		size = 64ULL << 20;
	if (size > PTBANK_MAX)
		size = PTBANK_MAX;
	return PAGE_ALIGN(size);
}

static char **copy_env(const char *const *envp)
{
	size_t n = 0;
	while (envp && envp[n])
		n++;
	char **out = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; out && i < n; i++)
		out[i] = strdup(envp[i]);
	return out;
}

static int start_devices(struct memu *m, char *err, size_t errlen)
{
	mmu_setup_mtrrs(&m->mmu, (enum mtrr_mode)m->cfg.mtrr, m->cfg.mtrr_var);
	mmu_setup_numa(&m->mmu, m->cfg.numa_nodes);
	m->devices.mmu = &m->mmu;
	m->devices.mm = m->proc->mm;
	m->devices.devmem = (enum devmem_policy)m->cfg.devmem;
	m->devices.fs = &m->fs;
	if (fs_init(&m->fs, &m->mmu, &m->clock.ns,
		    VCLOCK_EPOCH * 1000000000ULL)) {
		snprintf(err, errlen, "cannot make the file system");
		return -1;
	}
	m->proc->cwd = m->fs.root;
	dget(m->proc->cwd);
	proc_task_init(m);
	if (devices_probe(&m->devices) || files_init(m)) {
		snprintf(err, errlen, "cannot start the devices");
		return -1;
	}
	return 0;
}

struct memu *memu_new(const struct memu_config *cfg, char *err, size_t errlen)
{
	if ((unsigned)cfg->devmem > MEMU_DEVMEM_OPEN) {
		snprintf(err, errlen, "unknown /dev/mem policy");
		return NULL;
	}
	if (cfg->numa_nodes < 1 || cfg->numa_nodes > 8) {
		snprintf(err, errlen, "NUMA nodes must be 1 to 8");
		return NULL;
	}
	if ((unsigned)cfg->mtrr > MEMU_MTRR_OFF || cfg->mtrr_var > 32) {
		snprintf(err, errlen,
			 "bad MTRR settings (at most 32 variable ranges)");
		return NULL;
	}
	if (cfg->ram_bytes < RAM_MIN || cfg->ram_bytes > RAM_MAX ||
	    (cfg->ram_bytes & ~PAGE_MASK)) {
		snprintf(err, errlen,
			 "RAM size must be a multiple of 4 KiB between 4 MiB "
			 "and "
			 "512 GiB");
		return NULL;
	}
	/* A policy by name, or a module by its path (reclaim_module.c). */
	void *policy_module = NULL;
	const struct reclaim_policy *policy = &reclaim_lru;
	if (cfg->reclaim_policy && strchr(cfg->reclaim_policy, '/')) {
		policy = reclaim_module_load(cfg->reclaim_policy,
					     &policy_module, err, errlen);
		if (!policy)
			return NULL;
	} else if (cfg->reclaim_policy &&
		   !(policy = reclaim_policy_find(cfg->reclaim_policy))) {
		snprintf(err, errlen, "unknown reclaim policy %s",
			 cfg->reclaim_policy);
		return NULL;
	}
	struct memu *m = calloc(1, sizeof(*m));
	if (!m) {
		reclaim_module_free(policy_module);
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	m->policy_module = policy_module;
	m->cfg = *cfg;
	m->envp = copy_env(cfg->envp);
	rng_seed(&m->rng, cfg->seed);
	rng_seed(&m->sched_rng, cfg->sched_seed);
	m->slice_blocks = SCHED_SLICE_BLOCKS;
	uc_err e = uc_open(UC_ARCH_X86, UC_MODE_64, &m->uc);
	if (e) {
		snprintf(err, errlen, "cannot start Unicorn: %s",
			 uc_strerror(e));
		free(m);
		return NULL;
	}
	if (mmu_init(&m->mmu, m->uc, cfg->ram_bytes,
		     ptbank_size(cfg->ram_bytes), err, errlen) ||
	    (cfg->swap_bytes &&
	     reclaim_init(&m->mmu, cfg->swap_path, cfg->swap_bytes, policy, err,
			  errlen)) ||
	    !(m->proc = task_alloc(m)) || !(m->proc->mm = mm_create(&m->mmu)) ||
	    cpu_init(m, err, errlen) || start_devices(m, err, errlen) ||
	    cpu_start(m, err, errlen)) {
		if (!err[0])
			snprintf(err, errlen, "cannot build the machine");
		memu_free(m);
		return NULL;
	}
	m->proc->signal->rlim_sigpending[0] =
		m->proc->signal->rlim_sigpending[1] =
			rlimit_sigpending_default(cfg->ram_bytes);
	oom_init(m);
	m->proc->signal->rlim_memlock[0] = m->proc->signal->rlim_memlock[1] =
		MLOCK_LIMIT;
	rlimits_init(m, m->proc->signal);
	cap_set_root(m->proc);
	return m;
}

void memu_free(struct memu *m)
{
	if (!m)
		return;
	memu_trace_end(m); /* the teardown's events are not the guest's */
	gdb_free(m);
	m->inject.log.on = false;
	/* Every task, pid 1 last (docs/processes.md: what is left when
	 * pid 1 ends is discarded). */
	while (m->ntasks) {
		struct process *p = m->tasks[m->ntasks - 1];
		m->proc = p; /* files_close_all and sigqueue_release */
		if (p->state != TASK_ZOMBIE) {
			p->state = TASK_ZOMBIE;
			if (thread_group_live(m, p)) {
				/* Its process's tables go with the last. */
				sigqueue_release_thread(m);
				if (p->cwd)
					dput(p->cwd);
				task_free(m, p);
				continue;
			}
			files_close_all(m);
			sigqueue_release(m);
			mm_destroy(p->mm); /* drops the VMAs' files */
			if (p->cwd)
				dput(p->cwd);
		}
		task_free(m, p);
	}
	m->proc = NULL;
	free(m->tasks);
	free(m->records);
	fs_destroy(&m->fs);
	devices_remove(&m->devices);
	latch_destroy(&m->latch);
	fault_probe_unmap(m);
	if (m->uc)
		uc_close(m->uc);
	mmu_destroy(&m->mmu);
	reclaim_module_free(m->policy_module); /* after the lists it ran */
	for (size_t i = 0; m->envp && m->envp[i]; i++)
		free(m->envp[i]);
	free(m->envp);
	inject_log_free(&m->inject.log);
	report_free(m);
	free(m);
}

int memu_load_driver(struct memu *m, const char *path, char *err, size_t errlen)
{
	if (m->loaded) {
		snprintf(err, errlen, "%s: load drivers before the program",
			 path);
		return -1;
	}
	return module_insert(&m->devices, path, err, errlen);
}

/* ---- the event point's sink */

static void machine_event(void *ctx, const struct event *e)
{
	struct memu *m = ctx;
	trace_event(m, e);
	if (m->report.on)
		report_event(m, e);
	if (m->inject.events)
		inject_event(m, e);
}

int memu_load(struct memu *m, const char *path, int argc,
	      const char *const *argv, char *err, size_t errlen)
{
	if (m->loaded) {
		snprintf(err, errlen, "a program is already loaded");
		return -1;
	}
	m->proc->exe = strdup(path);
	const char *slash = strrchr(path, '/');
	m->proc->comm = slash ? slash + 1 : m->proc->exe;
	struct exec_image img;
	if (load_elf(m, path, &img, err, errlen) ||
	    build_stack(m, &img, argc, argv, (const char *const *)m->envp,
			m->proc->exe, err, errlen))
		return -1;
	m->proc->mm->start_brk = m->proc->mm->brk = img.brk;
	m->proc->entry = img.entry;
	proc_task_exec(m, &img);
	mm_flush_tlb(m->proc->mm);
	cpu_prepare_user_entry(m);
	/* Statistics and the trace count from the guest's first
	 * instruction. */
	events_reset_counters(&m->mmu.events);
	m->loaded = true;
	trace_begin(m);
	/* The event point's sink: the trace and the fault triggers. */
	if (m->trace.started || m->inject.events || m->report.on) {
		m->mmu.events.sink = machine_event;
		m->mmu.events.sink_ctx = m;
	}
	return 0;
}

/* uc_emu_start returned an error that no hook turned into an event. */
static void machine_error(struct memu *m, uc_err e)
{
	m->result.stop = MEMU_STOP_ERROR;
	m->result.reason = uc_strerror(e);
	m->stop = true;
}

int memu_run(struct memu *m, struct memu_result *r)
{
	memset(r, 0, sizeof(*r));
	if (!m->loaded) {
		r->stop = MEMU_STOP_ERROR;
		r->reason = "no program loaded";
		return -1;
	}
	if (m->stop && !icount_resumable(m->result.stop)) {
		*r = m->result; /* already finished */
		return 0;
	}
	m->stop = false;
	memset(&m->result, 0, sizeof(m->result));
	if (m->signal_on_resume) {
		/* Sent while the guest stood still (memu_poison_pfn's early
		 * kill): taken now, as on the next return to user mode. */
		m->signal_on_resume = false;
		if (m->cpl3)
			signal_exit(m, -1);
	}
	unsigned stalls = 0;
	const struct events *ev = &m->mmu.events;
	while (!m->stop || m->resched) {
		uint64_t rip, rsp, after, after_sp;
		if (m->preempt_setup) {
			m->preempt_setup = false;
			sched_preempt_start(m);
		}
		if (m->resched) {
			/* Another task's turn (docs/processes.md); a stop
			 * that is the machine's, not the task's, wins. */
			m->resched = false;
			if (m->stop && !m->stop_task)
				break;
			m->stop_task = false;
			if (!schedule(m))
				break;
			stalls = 0;
			continue;
		}
		uc_reg_read(m->uc, UC_X86_REG_RIP, &rip);
		uc_reg_read(m->uc, UC_X86_REG_RSP, &rsp);
		/* System calls but rt_sigreturn: the guest doing something. */
		uint64_t calls = ev->count[EV_SYSCALL] - ev->syscalls[15];
		if (rip == RUN_UNTIL) {
			/* Unicorn stops *at* its "until" address instead of
			 * fetching there; nothing is mapped at 0 (below
			 * MMAP_MIN_ADDR), so fault as the fetch would. */
			fetch_fault(m, rip);
			break;
		}
		uc_err e = uc_emu_start(m->uc, rip, RUN_UNTIL, 0, 0);
		if (m->gp_pending) {
			m->gp_pending = false;
			m->stop = false;
			uc_reg_write(m->uc, UC_X86_REG_RIP, &m->gp_rip);
			cpu_exception(m, 13, 0);
		} else if (m->fault.set)
			fault_deliver(m);
		else if (m->insn_invalid || e == UC_ERR_INSN_INVALID)
			invalid_opcode(m);
		else if (e != UC_ERR_OK && !m->stop)
			machine_error(m, e);
		m->insn_invalid = false;
		icount_settle(m);
		/* A fault found due inside a fill or an allocation, which
		 * stopped the CPU to be injected here (inject.c). */
		inject_run_pending(m);
		if (m->gdb) /* docs/gdb.md */
			gdb_after_run(m);
		/* else: stopped with nothing to report: carry on, unless
		 * the CPU keeps stopping without moving (the same RIP and
		 * RSP, and no system call but rt_sigreturn in between: a
		 * handler that fixes nothing and returns, say; one that
		 * mprotects the page back makes progress however often the
		 * guest takes it away again). */
		uc_reg_read(m->uc, UC_X86_REG_RIP, &after);
		uc_reg_read(m->uc, UC_X86_REG_RSP, &after_sp);
		bool idle = ev->count[EV_SYSCALL] - ev->syscalls[15] == calls;
		stalls = after == rip && after_sp == rsp && idle && !m->stop
				 ? stalls + 1
				 : 0;
		if (stalls > 1000) {
			m->result.stop = MEMU_STOP_ERROR;
			m->result.reason = "the CPU stopped making progress";
			m->stop = true;
		}
	}
	*r = m->result;
	return 0;
}

/* ---- statistics */

void memu_get_stats(struct memu *m, struct memu_stats *s)
{
	const struct events *ev = &m->mmu.events;
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < FAULT_KINDS; i++)
		s->faults[i] = ev->faults[i];
	for (int i = 0; i < FRAME_KINDS; i++) {
		s->frames_now[i] = ev->frames_now[i];
		s->frames_peak[i] = ev->frames_peak[i];
		s->frames_alloc[i] = ev->frames_alloc[i];
	}
	s->minor_faults = ev->minflt;
	s->pte_writes = ev->count[EV_PTE_SET] + ev->count[EV_PTE_CLEAR];
	s->tlb_flushes = ev->count[EV_TLB_FLUSH];
	s->syscalls = ev->count[EV_SYSCALL];
	s->signals = ev->count[EV_SIGNAL];
	for (int i = 0; i < SYSCALL_SLOTS; i++)
		s->syscalls_enosys += ev->syscalls_enosys[i];
	s->alloc_failures = m->mmu.fail_alloc.failed;
	s->hwpoisoned = m->mmu.hwpoisoned;
	s->soft_offlined = m->mmu.soft_offlined;
	s->bit_flips = m->mmu.bit_flips;
	s->tlb_flushes_lost = m->mmu.lost_flush.lost;
	s->major_faults = ev->majflt;
	const struct reclaim *r = m->mmu.reclaim;
	if (r) {
		s->pages_scanned = r->pgscan;
		s->pages_reclaimed = r->pgsteal;
		s->swapped_out = r->swap.pswpout;
		s->swapped_in = r->swap.pswpin;
		s->oom_kills = r->oom_kills;
	}
	s->forks = m->forks;
	s->context_switches = m->switches;
}

uint64_t memu_syscall_count(struct memu *m, unsigned nr, uint64_t *enosys)
{
	unsigned slot = nr < SYSCALL_SLOTS - 1 ? nr : SYSCALL_SLOTS - 1;
	if (enosys)
		*enosys = m->mmu.events.syscalls_enosys[slot];
	return m->mmu.events.syscalls[slot];
}

/* ---- inspection */

static void pte_of(struct memu *m, struct mm *mm, uint64_t va,
		   struct memu_pte *out);

void memu_pte(struct memu *m, uint64_t va, struct memu_pte *out)
{
	pte_of(m, m->proc->mm, va, out);
}

int memu_current_pid(struct memu *m)
{
	return m->proc->task.pid;
}

int memu_pte_pid(struct memu *m, int pid, uint64_t va, struct memu_pte *out)
{
	struct process *p = find_task(m, pid);
	memset(out, 0, sizeof(*out));
	if (!p || !p->mm)
		return -1;
	pte_of(m, p->mm, va, out);
	return 0;
}

int memu_cow_counts(struct memu *m, int pid, uint64_t *copies, uint64_t *reuses)
{
	sched_account(m);
	struct process *p = find_task(m, pid);
	if (p) {
		*copies = p->cow_copies;
		*reuses = p->cow_reuses;
		return 0;
	}
	for (unsigned i = m->nrecords; i-- > 0;)
		if (m->records[i].pid == pid) {
			*copies = m->records[i].cow_copies;
			*reuses = m->records[i].cow_reuses;
			return 0;
		}
	return -1;
}

static void pte_of(struct memu *m, struct mm *mm, uint64_t va,
		   struct memu_pte *out)
{
	memset(out, 0, sizeof(*out));
	pte_t p = pt_get(mm, va & PAGE_MASK);
	struct pt_entry e;
	pte_decode(p, &e);
	out->raw = p;
	out->table = p != 0 || va < USER_VA_END;
	out->present = e.present;
	out->writable = e.writable;
	out->user = e.user;
	out->accessed = e.accessed;
	out->dirty = e.dirty;
	out->pcd = e.nocache;
	out->pwt = e.writethru;
	out->special = e.special;
	out->protnone = e.protnone;
	out->pfn = e.pfn;
	const struct memtype *t = &m->mmu.memtype;
	out->mtrr_type =
		(enum memu_memtype)mtrr_type_of(t, out->pfn << PAGE_SHIFT);
	out->pat_type = (enum memu_memtype)pat_type_of(t, e.pat, e.nocache,
						       e.writethru);
	out->memtype = (enum memu_memtype)effective_type(
		(enum mem_type)out->mtrr_type, (enum mem_type)out->pat_type);
}

int memu_memranges(struct memu *m, void *descs, int max)
{
	int n = max;
	if (max <= 0)
		return m->mmu.memrange.ndesc;
	memrange_get(&m->mmu.memrange, descs, &n);
	return n;
}

uint64_t memu_zero_pfn(struct memu *m)
{
	return m->mmu.zero_pfn;
}

uint64_t memu_cr3(struct memu *m)
{
	return pt_root(m->proc->mm);
}

enum memu_frame_kind memu_frame_kind(struct memu *m, uint64_t pfn)
{
	struct frame *f = mmu_frame(&m->mmu, pfn);
	return f ? (enum memu_frame_kind)f->kind : MEMU_FRAME_RESERVED;
}

size_t memu_rmap(struct memu *m, uint64_t pfn, struct memu_rmap *out,
		 size_t max)
{
	struct rmap_entry e[64];
	size_t n = rmap_walk(&m->mmu, pfn, e, 64);
	struct frame *f = mmu_frame(&m->mmu, pfn);
	for (size_t i = 0; i < n && i < max && i < 64; i++) {
		out[i].va = e[i].va;
		out[i].vma_start = e[i].vma->start;
		out[i].vma_end = e[i].vma->end;
		out[i].anon_vma = f->kind == FRAME_ANON
					  ? ((struct anon_vma *)f->owner)->id
					  : ((struct shmem *)f->owner)->id;
		out[i].pid = 0;
		for (unsigned t = 0; t < m->ntasks; t++)
			if (m->tasks[t]->mm == e[i].mm)
				out[i].pid = m->tasks[t]->task.pid;
	}
	return n;
}

size_t memu_vmas(struct memu *m, struct memu_vma *out, size_t max)
{
	size_t n = 0;
	struct vma_tree *t = &m->proc->mm->vmas;
	for (struct vma *v = vma_first(t); v; v = vma_next(t, v), n++) {
		if (n >= max)
			continue;
		out[n] = (struct memu_vma){v->start,
					   v->end,
					   v->flags,
					   v->pgoff,
					   v->anon_vma ? v->anon_vma->id : 0,
					   v->name};
	}
	return n;
}

int memu_read_phys(struct memu *m, uint64_t pa, void *buf, size_t len)
{
	if (!phys_backed(&m->mmu.phys, pa, len))
		return -1;
	memcpy(buf, phys_host(&m->mmu.phys, pa), len);
	return 0;
}

int memu_parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 't':
	case 'T':
		shift = 40;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'i' && shift)
		end++;
	if ((*end == 'B' || *end == 'b') && end[1] == '\0')
		end++;
	if (*end || (shift && v > (~0ULL >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}
