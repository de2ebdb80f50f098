/* The triggers of --inject (emu/inject.c, docs/inject.md): an address's
 * Kth execution, a page's first access, events counted and drawn at
 * random under a seed; each fires exactly where it says, the same on
 * every run. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>

#include "emu/machine.h"
#include "harness.h"

static struct guest g;

static void teardown(void)
{
	if (g.m)
		guest_close(&g);
	g.m = NULL;
}

TestSuite(inject_trigger, .fini = teardown);

static void run_with(const char *spec, const char *guest,
		     const char *const *args)
{
	const char *specs[] = {spec, NULL};
	guest_open_injected(&g, NULL, specs, guest, args);
	guest_finish(&g);
}

static uint64_t fired(int i)
{
	return g.m->inject.a[i].fired;
}

Test(inject_trigger, rip_fires_before_the_kth_execution)
{
	const char *args[] = {"a", "b", NULL};
	char spec[128];
	snprintf(spec, sizeof(spec), "signal:sig=SIGUSR1@rip=%#llx",
		 (unsigned long long)guest_symbol("hello", "main"));
	run_with(spec, "hello", args);
	/* before main's first instruction: nothing printed */
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, SIGUSR1);
	cr_assert_str_empty(guest_stdout(&g));
	cr_assert_eq(fired(0), 1);
	teardown();
	/* main runs once: its second execution never comes */
	snprintf(spec, sizeof(spec), "signal:sig=SIGUSR1@rip=%#llx#2",
		 (unsigned long long)guest_symbol("hello", "main"));
	run_with(spec, "hello", args);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_str_eq(guest_stdout(&g), "hello: a b\n");
	cr_assert_eq(fired(0), 0);
}

Test(inject_trigger, access_fires_at_the_pages_first_miss)
{
	/* The first TLB miss on main's page (a fetch, in start-up code
	 * that shares the page): SIGUSR2's default action ends the run
	 * there, before anything is printed. */
	const char *args[] = {"a", "b", NULL};
	char spec[128];
	snprintf(spec, sizeof(spec), "signal:sig=SIGUSR2@access=%#llx",
		 (unsigned long long)guest_symbol("hello", "main"));
	run_with(spec, "hello", args);
	cr_assert_eq(g.r.stop, MEMU_STOP_SIGNAL);
	cr_assert_eq(g.r.signal, SIGUSR2);
	cr_assert_str_empty(guest_stdout(&g));
	cr_assert_eq(fired(0), 1);
}

/* SIGWINCH is ignored by default: the run goes on however often it
 * fires, so the count is the trigger's alone. */
static uint64_t winch_at_faults(const char *p, const char *seed)
{
	const char *args[] = {"write", "64", NULL};
	char spec[128];
	snprintf(spec, sizeof(spec),
		 "signal:sig=SIGWINCH@event=fault.anon,p=%s,seed=%s", p, seed);
	run_with(spec, "anon_touch", args);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	uint64_t n = fired(0);
	uint64_t anon = guest_faults(&g, MEMU_FAULT_ANON);
	cr_assert_leq(n, anon);
	teardown();
	return n;
}

Test(inject_trigger, probability_draws_from_the_seed_only)
{
	uint64_t all = winch_at_faults("1", "0");
	uint64_t a = winch_at_faults("0.5", "7");
	uint64_t b = winch_at_faults("0.5", "7");
	uint64_t c = winch_at_faults("0.5", "8");
	cr_assert_geq(all, 64, "every anonymous fault, at p=1");
	cr_assert_eq(a, b, "the same seed, the same draws");
	cr_assert(a > all / 4 && a < all * 3 / 4, "%llu of %llu",
		  (unsigned long long)a, (unsigned long long)all);
	cr_assert_neq(a, c, "another seed, other draws (%llu)",
		      (unsigned long long)a);
}

Test(inject_trigger, event_counts_the_kth)
{
	/* The 3rd anonymous fault: the memory system fails that fault's
	 * allocation once, Linux 6.1 retries, the guest never knows. */
	const char *args[] = {"write", "8", NULL};
	run_with("fail-alloc:times=1@event=fault.anon#3", "anon_touch", args);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert_eq(fired(0), 1);
	struct memu_stats s;
	guest_stats(&g, &s);
	cr_assert_eq(s.alloc_failures, 1);
}
