/* prctl(PR_MCE_KILL) and prctl(PR_MCE_KILL_GET): the machine-check kill
 * policy of the process, with Linux's errnos (kernel/sys.c).  Needs no
 * CONFIG_MEMORY_FAILURE: tests/inject_test.c compares it with the host. */
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, errno == EINVAL ? "EINVAL" : "?");
	else
		printf("%s: %ld\n", what, r);
}

static long get(void)
{
	return prctl(PR_MCE_KILL_GET, 0, 0, 0, 0);
}

int main(void)
{
	show("get", get());
	show("set early",
	     prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0));
	show("get", get());
	show("set late",
	     prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_LATE, 0, 0));
	show("get", get());
	show("clear", prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0));
	show("get", get());
	show("set bad", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, 7, 0, 0));
	show("get after set bad", get());
	show("set early",
	     prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0));
	show("clear keeps early",
	     prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0));
	show("get", get());
	show("set bad again", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, 7, 0, 0));
	show("get (early came back)", get());
	show("set default",
	     prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_DEFAULT, 0, 0));
	show("get", get());
	show("clear with arg3", prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 1, 0, 0));
	show("arg4",
	     prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 1, 0));
	show("arg5",
	     prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 1));
	show("bad arg2", prctl(PR_MCE_KILL, 2, 0, 0, 0));
	show("get with arg2", prctl(PR_MCE_KILL_GET, 1, 0, 0, 0));
	show("get with arg5", prctl(PR_MCE_KILL_GET, 0, 0, 0, 1));
	return 0;
}
