/* memu run --report FILE.html (docs/report.md), rendered by a real
 * browser: Debian's Chromium, headless, loads the page from the file,
 * runs its script and gives back the DOM, whose text the tests check
 * against what --stats says of the same run; a screenshot is kept in
 * the build folder (tests/report_test.png). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static char dir[64];

static void make_dir(void)
{
	scratch_make(dir, "report");
}

static void remove_dir(void)
{
	scratch_remove(dir);
}

TestSuite(report, .init = make_dir, .fini = remove_dir);

/* memu run --stats --report DIR/name GUEST: its --stats on c->err. */
static void run_report(struct cmd *c, const char *name, const char *guest)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	const char *argv[] = {MEMU_BIN,	  "run", "--stats",
			      "--report", path,	 guest_path(guest),
			      NULL};
	cmd_run(c, dir, argv, NULL);
}

/* Chromium, headless, on DIR/name: the DOM after the script ran (with
 * shot, a screenshot there too). */
static char *render(const char *name, const char *shot)
{
	cr_assert(*CHROMIUM, "Chromium is missing: install Debian's chromium "
			     "(scripts/test does) and configure again");
	char url[160], profile[128], shot_arg[300];
	snprintf(url, sizeof(url), "file://%s/%s", dir, name);
	snprintf(profile, sizeof(profile), "--user-data-dir=%s/profile", dir);
	snprintf(shot_arg, sizeof(shot_arg), "--screenshot=%s", shot);
	/* timeout(1) keeps a wedged browser from holding the suite; the
	 * page itself takes a second or two. */
	const char *argv[] = {"/usr/bin/timeout",
			      "120",
			      CHROMIUM,
			      "--headless",
			      "--no-sandbox",
			      "--disable-gpu",
			      "--no-first-run",
			      profile,
			      "--window-size=1200,1800",
			      shot ? shot_arg : "--dump-dom",
			      url,
			      NULL};
	char home[96];
	snprintf(home, sizeof(home), "HOME=%s", dir);
	char *envp[] = {home, "LANG=C.UTF-8", NULL};
	struct cmd c;
	cmd_run(&c, dir, argv, envp);
	cr_assert_eq(c.status, 0, "chromium: %s", c.err);
	char *dom = c.out;
	c.out = NULL;
	cmd_free(&c);
	return dom;
}

/* The count --stats gives in its first line "    NAME   N" after
 * section. */
static unsigned long stat_in(const char *stats, const char *section,
			     const char *name)
{
	const char *from = strstr(stats, section);
	cr_assert(from, "no %s in:\n%s", section, stats);
	char key[64];
	snprintf(key, sizeof(key), "\n    %-20s ", name);
	const char *at = strstr(from, key);
	cr_assert(at, "no %s in:\n%s", name, stats);
	return strtoul(at + strlen(key), NULL, 10);
}

Test(report, the_rendered_page_shows_the_run_as_stats_counts_it)
{
	struct cmd c;
	run_report(&c, "fork_cow.html", "fork_cow");
	cmd_expect_status(&c, 0);
	char path[128];
	snprintf(path, sizeof(path), "%s/fork_cow.html", dir);
	char *html = slurp_path(path);

	/* Self-contained: nothing to fetch (the SVG namespace is a name,
	 * not a request). */
	const char *never[] = {"src=",	  "href=",   "<link", "url(",
			       "@import", "<iframe", "fetch("};
	for (size_t i = 0; i < sizeof(never) / sizeof(*never); i++)
		cr_assert(!strstr(html, never[i]), "the page has %s", never[i]);

	char *dom = render("fork_cow.html", NULL);
	cr_assert(strstr(dom, "data-rendered=\"yes\""),
		  "the script did not "
		  "finish:\n%s",
		  dom);
	/* The timeline's counts, drawn by the script: fork_cow's first
	 * touch, its three COW copies and three reuses, two faults on the
	 * shared page, one TLB flush - what --stats counts. */
	cr_assert_eq(stat_in(c.err, "minor faults", "COW"), 3);
	cr_assert_eq(stat_in(c.err, "minor faults", "write-protect reuse"), 3);
	cr_assert_eq(stat_in(c.err, "minor faults", "anon first-touch"), 1);
	cr_assert_eq(stat_in(c.err, "minor faults", "shared"), 2);
	cr_assert(strstr(c.err, "\n  TLB flushes: 1\n"), "%s", c.err);
	cr_assert(strstr(dom, "<ul id=\"rows\"><li>anon first-touch: 1</li>"
			      "<li>COW: 3</li><li>write-protect reuse: 3</li>"
			      "<li>shared: 2</li><li>TLB flush: 1</li></ul>"),
		  "%s", dom);
	/* The frame map's legend, counted by the script from the page's
	 * frame-by-frame data: the frames --stats says are in use. */
	const char *kinds[] = {"kernel", "zero",   "file",
			       "anon",	 "shared", "driver"};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		char want[64];
		snprintf(want, sizeof(want), "</span>%s: %lu</li>", kinds[i],
			 stat_in(c.err, "frames in use", kinds[i]));
		cr_assert(strstr(dom, want), "want %s in:\n%s", want, dom);
	}
	/* The ISA hole and frame 0, never RAM memu hands out. */
	cr_assert(strstr(dom, "</span>reserved: 97</li>"), "%s", dom);
	/* The address space: the stack's 33 pages, one present. */
	cr_assert(strstr(dom, "<td>[stack]</td><td class=\"n\">33</td><td "
			      "class=\"n\">1</td><td class=\"n\">0</td>"),
		  "%s", dom);
	/* The tree, in xv6's format. */
	cr_assert(strstr(dom, "<pre>page table 0x000000f000000000\n ..0: pte "),
		  "%s", dom);
	free(dom);

	/* The screenshot, kept in the build folder. */
	char shot[4096];
	cr_assert(getcwd(shot, sizeof(shot) - 32));
	strcat(shot, "/report_test.png");
	unlink(shot);
	free(render("fork_cow.html", shot));
	char *png = slurp_path(shot);
	cr_assert(!memcmp(png, "\x89PNG\r\n\x1a\n", 8), "not a PNG: %s", shot);
	free(png);
	struct stat st;
	cr_assert_eq(stat(shot, &st), 0);
	cr_assert_gt(st.st_size, 10000, "an empty screenshot? %s", shot);

	free(html);
	cmd_free(&c);
}

Test(report, the_same_run_writes_the_same_bytes)
{
	struct cmd a, b;
	run_report(&a, "a.html", "threads_sched");
	run_report(&b, "b.html", "threads_sched");
	cmd_expect_status(&a, 0);
	cmd_expect_status(&b, 0);
	char pa[128], pb[128];
	snprintf(pa, sizeof(pa), "%s/a.html", dir);
	snprintf(pb, sizeof(pb), "%s/b.html", dir);
	char *ha = slurp_path(pa), *hb = slurp_path(pb);
	cr_assert_str_eq(ha, hb);
	free(ha);
	free(hb);
	cmd_free(&a);
	cmd_free(&b);
}

/* A guest memu kills: the page says how it ended. */
Test(report, a_killed_guest_has_its_death_line)
{
	struct cmd c;
	run_report(&c, "segv.html", "segv_null");
	cmd_expect_status(&c, 128 + 11);
	char path[128];
	snprintf(path, sizeof(path), "%s/segv.html", dir);
	char *html = slurp_path(path);
	cr_assert(strstr(html, "<p id=\"end\">exit status 139: "), "%s", html);
	free(html);
	cmd_free(&c);
}

Test(report, an_unwritable_path_is_said_before_the_guest_runs)
{
	const char *argv[] = {MEMU_BIN,
			      "run",
			      "--report",
			      "/nonexistent/r.html",
			      guest_path("hello"),
			      NULL};
	struct cmd c;
	cmd_run(&c, dir, argv, NULL);
	cmd_expect_status(&c, 2);
	cr_assert_str_eq(c.out, "");
	cr_assert_str_eq(c.err, "memu: cannot write the report: "
				"/nonexistent/r.html: No such file or "
				"directory\n");
	cmd_free(&c);
}
