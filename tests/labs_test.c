/* The lab kit (docs/labs): each grader on its lab's reference solution
 * (every check passes, exit 0), on a deliberately wrong solution (the
 * checks it breaks fail, with their reasons, exit 1) and on the starter
 * (exit 1); and a grader says the same twice. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Where the graders' output goes (cmd_run's DIR/.out and .err). */
static char dir[64];

static void make_dir(void)
{
	scratch_make(dir, "labs");
}

static void remove_dir(void)
{
	scratch_remove(dir);
}

TestSuite(labs, .init = make_dir, .fini = remove_dir);

/* grade-LAB on the variant: its output and exit status. */
static void grade(struct cmd *c, const char *lab, const char *variant)
{
	char grader[256], program[256];
	snprintf(grader, sizeof(grader), "%s/labs/grade-%s", BUILD_DIR, lab);
	if (!strcmp(lab, "driver"))
		snprintf(program, sizeof(program), "%s/labs/lab-driver-%s.so",
			 BUILD_DIR, variant);
	else
		snprintf(program, sizeof(program), "lab-%s-%s", lab, variant);
	const char *path =
		strcmp(lab, "driver") ? guest_path(program) : program;
	const char *argv[] = {grader, path, NULL};
	cmd_run(c, dir, argv, NULL);
}

/* Every line PASS, then the count: n of n. */
static void all_pass(const char *lab, unsigned n)
{
	struct cmd c;
	grade(&c, lab, "solution");
	cmd_expect_status(&c, 0);
	unsigned lines = 0;
	for (const char *p = c.out; *p; p = strchr(p, '\n') + 1, lines++)
		if (strncmp(p, "PASS  ", 6))
			break;
	cr_assert_eq(lines, n, "%s", c.out);
	char last[64];
	snprintf(last, sizeof(last), "%s: %u of %u checks passed\n", lab, n, n);
	cr_assert(strstr(c.out, last) && !strcmp(strstr(c.out, last), last),
		  "%s", c.out);
	/* The same verdict, byte for byte, on a second run. */
	struct cmd again;
	grade(&again, lab, "solution");
	cr_assert_str_eq(again.out, c.out);
	cmd_free(&again);
	cmd_free(&c);
}

/* The wrong solution: these lines (each a whole line or its start) and
 * the count. */
static void fails(const char *lab, const char *variant, const char *count,
		  const char *const *lines)
{
	struct cmd c;
	grade(&c, lab, variant);
	cmd_expect_status(&c, 1);
	for (; *lines; lines++)
		cr_assert(strstr(c.out, *lines), "want \"%s\" in:\n%s", *lines,
			  c.out);
	cr_assert(strstr(c.out, count), "want \"%s\" in:\n%s", count, c.out);
	cmd_free(&c);
}

Test(labs, paging)
{
	all_pass("paging", 9);
	fails("paging", "wrong", "paging: 8 of 9 checks passed\n",
	      (const char *const[]){
		      "\nFAIL  after the reads, pages 4k+1 map the zero frame "
		      "read-only: page 1 is not as it should be\n",
		      NULL});
	fails("paging", "starter", "paging: 2 of 9 checks passed\n",
	      (const char *const[]){"\nFAIL  the program stops at a probe "
				    "with the region's address: no probe",
				    NULL});
}

Test(labs, cow)
{
	all_pass("cow", 9);
	fails("cow", "wrong", "cow: 4 of 9 checks passed\n",
	      (const char *const[]){
		      "\nFAIL  after fork, the parent's pages are present and "
		      "read-only: page 0 is not\n",
		      "\nFAIL  after fork, each frame is mapped by the parent "
		      "and the child: page 0's frame is not (its reverse "
		      "map)\n",
		      NULL});
	fails("cow", "starter", "cow: 1 of 9 checks passed\n",
	      (const char *const[]){"\nFAIL  fork made one child: 0 "
				    "processes made\n",
				    NULL});
}

Test(labs, pagewalk)
{
	all_pass("pagewalk", 7);
	/* Without the mask the NX bit (63) stays in the address; without
	 * the present bit the unmapped address "maps". */
	fails("pagewalk", "wrong", "pagewalk: 3 of 7 checks passed\n",
	      (const char *const[]){
		      "\nFAIL  the walk of the data address: 0x",
		      ", the program said 0x8000000000",
		      "\nFAIL  the walk of the unmapped address gives 0: "
		      "0x10000 maps to 0, the program said 0x",
		      "\nPASS  the walk of the code address\n", NULL});
	fails("pagewalk", "starter", "pagewalk: 3 of 7 checks passed\n",
	      (const char *const[]){"\nFAIL  the walk of the code address: ",
				    NULL});
}

Test(labs, memtypes)
{
	all_pass("memtypes", 9);
	fails("memtypes", "wrong", "memtypes: 5 of 9 checks passed\n",
	      (const char *const[]){
		      "\nFAIL  the MTRRs now make 0xA0000 write-combining: its "
		      "MTRR type is 4\n",
		      "\nFAIL  the page's effective type is WC (MTRR WC with "
		      "PAT UC-): its effective type is 4\n",
		      "\nFAIL  the program lists every range: base, length, "
		      "flags: range 95 is missing or wrong\n",
		      NULL});
	fails("memtypes", "starter", "memtypes: 2 of 9 checks passed\n",
	      (const char *const[]){"\nFAIL  the program counts the ranges: "
				    "it said -1, mem(4) has 96\n",
				    NULL});
}

Test(labs, driver)
{
	all_pass("driver", 9);
	fails("driver", "wrong", "driver: 8 of 9 checks passed\n",
	      (const char *const[]){"\nFAIL  region 2 takes 16 device faults "
				    "when touched: it took 0\n",
				    NULL});
	fails("driver", "starter", "driver: 2 of 9 checks passed\n",
	      (const char *const[]){"\nFAIL  region 0 maps: pages 0-15 with "
				    "remap_pfn_range: its mmap failed\n",
				    NULL});
}

Test(labs, a_grader_needs_one_argument)
{
	char grader[256];
	snprintf(grader, sizeof(grader), "%s/labs/grade-paging", BUILD_DIR);
	const char *argv[] = {grader, NULL};
	struct cmd c;
	cmd_run(&c, dir, argv, NULL);
	cmd_expect_status(&c, 2);
	cr_assert_str_eq(c.err, "usage: grade-paging PROGRAM\n");
	cmd_free(&c);
}
