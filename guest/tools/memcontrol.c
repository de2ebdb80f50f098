/* memcontrol: list and change memory-range attributes through /dev/mem,
 * a work-alike of FreeBSD's memcontrol(8) with its command-line shape and
 * output format (see docs/memrange.md):
 *
 *   memcontrol list [-a] [-o owner]
 *   memcontrol set -b base -l length [-o owner] attribute...
 *   memcontrol clear -o owner | -b base -l length
 *   memcontrol help [command]
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/memrange.h>
#include <unistd.h>

static const struct {
	const char *name;
	int flag;
	int settable;
} attrs[] = {
	{"uncacheable", MDF_UNCACHEABLE, 1},
	{"write-combine", MDF_WRITECOMBINE, 1},
	{"write-through", MDF_WRITETHROUGH, 1},
	{"write-back", MDF_WRITEBACK, 1},
	{"write-protect", MDF_WRITEPROTECT, 1},
	{"force", MDF_FORCE, 1},
	{"unknown", MDF_UNKNOWN, 0},
	{"fixed-base", MDF_FIXBASE, 0},
	{"fixed-length", MDF_FIXLEN, 0},
	{"set-by-firmware", MDF_FIRMWARE, 0},
	{"active", MDF_ACTIVE, 1},
	{"bogus", MDF_BOGUS, 0},
};
#define NATTRS (sizeof(attrs) / sizeof(attrs[0]))

static int memfd;

static void help(const char *what);

static void usage_general(void)
{
	fprintf(stderr, "Valid commands are :\n    list\n    set\n    clear\n"
			"Use help <command> for command-specific help\n");
}

static void help(const char *what)
{
	if (what && !strcmp(what, "list"))
		fprintf(stderr, "memcontrol list [-a]\n"
				"    -a    list all range slots, even those "
				"that are inactive\n");
	else if (what && !strcmp(what, "set"))
		fprintf(stderr,
			"memcontrol set -b <base> -l <length> -o <owner> "
			"<attribute>\n"
			"    <base>      memory range base address\n"
			"    <length>    length of memory range in bytes, "
			"power of 2\n"
			"    <owner>     text identifier for this setting "
			"(7 char max)\n"
			"    <attribute> attribute(s) to be applied to this "
			"range:\n"
			"                    uncacheable\n"
			"                    write-combine\n"
			"                    write-through\n"
			"                    write-back\n"
			"                    write-protect\n");
	else if (what && !strcmp(what, "clear"))
		fprintf(stderr,
			"memcontrol clear -o <owner>\n"
			"    <owner>     all ranges with this owner "
			"will be cleared\n"
			"memcontrol clear -b <base> -l <length>\n"
			"    <base>      memory range base address\n"
			"    <length>    length of memory range in bytes, "
			"power of 2\n"
			"                Base and length must exactly "
			"match an existing range\n");
	else {
		if (what)
			fprintf(stderr, "Unknown command '%s'\n", what);
		usage_general();
	}
}

/* Every descriptor, in the kernel's order. */
static struct mem_range_desc *get_all(int *count)
{
	struct mem_range_op op = {NULL, {0, 0}};
	if (ioctl(memfd, MEMRANGE_GET, &op))
		err(1, "can't size range descriptor array");
	int n = op.mo_arg[0];
	struct mem_range_desc *d = malloc(sizeof(*d) * (size_t)(n ? n : 1));
	if (!d)
		errx(1, "can't allocate %zd bytes for %d range descriptors",
		     sizeof(*d) * (size_t)n, n);
	op.mo_desc = d;
	op.mo_arg[0] = n;
	if (ioctl(memfd, MEMRANGE_GET, &op))
		err(1, "can't fetch range descriptor array");
	*count = op.mo_arg[0];
	return d;
}

static void print_desc(const struct mem_range_desc *d)
{
	printf("0x%llx/0x%llx %.8s ", (unsigned long long)d->mr_base,
	       (unsigned long long)d->mr_len,
	       d->mr_owner[0] ? d->mr_owner : "-");
	for (size_t i = 0; i < NATTRS; i++)
		if (d->mr_flags & attrs[i].flag)
			printf("%s ", attrs[i].name);
	printf("\n");
}

static int list(int argc, char **argv)
{
	int all = 0, ch, n;
	const char *owner = NULL;
	while ((ch = getopt(argc, argv, "ao:")) != -1) {
		if (ch == 'a')
			all = 1;
		else if (ch == 'o')
			owner = optarg;
		else
			help("list");
	}
	struct mem_range_desc *d = get_all(&n);
	for (int i = 0; i < n; i++) {
		if (!all && !(d[i].mr_flags & MDF_ACTIVE))
			continue;
		if (owner && strcmp(d[i].mr_owner, owner))
			continue;
		print_desc(&d[i]);
	}
	free(d);
	return 0;
}

static int parse_number(const char *s, unsigned long long *out)
{
	char *end;
	*out = strtoull(s, &end, 0);
	return *s && !*end;
}

static int attr_flag(const char *name, int *flag)
{
	for (size_t i = 0; i < NATTRS; i++)
		if (attrs[i].settable && !strcmp(attrs[i].name, name)) {
			*flag = attrs[i].flag;
			return 1;
		}
	return 0;
}

/* -b base or -l length into d: false for anything else or a bad number */
static int range_option(int ch, const char *arg, struct mem_range_desc *d)
{
	unsigned long long v;
	if ((ch != 'b' && ch != 'l') || !parse_number(arg, &v))
		return 0;
	if (ch == 'b')
		d->mr_base = v;
	else
		d->mr_len = v;
	return 1;
}

static int set(int argc, char **argv)
{
	struct mem_range_desc d;
	memset(&d, 0, sizeof(d));
	strcpy(d.mr_owner, "user");
	int ch;
	while ((ch = getopt(argc, argv, "b:l:o:")) != -1) {
		if (range_option(ch, optarg, &d))
			continue;
		if (ch == 'o' && *optarg && strlen(optarg) < 8)
			strcpy(d.mr_owner, optarg);
		else
			/* Unlike FreeBSD's (see docs/memrange.md), a long
			 * owner is never copied past the 8-byte field. */
			help("set");
	}
	if (!d.mr_len)
		help("set");
	for (int i = optind; i < argc; i++) {
		int flag;
		if (attr_flag(argv[i], &flag))
			d.mr_flags |= flag;
		else
			help("flags");
	}
	struct mem_range_op op = {&d, {MEMRANGE_SET_UPDATE, 0}};
	if (ioctl(memfd, MEMRANGE_SET, &op))
		err(1, "can't set range");
	return 0;
}

static int clear(int argc, char **argv)
{
	struct mem_range_desc d;
	memset(&d, 0, sizeof(d));
	const char *owner = NULL;
	int ch;
	while ((ch = getopt(argc, argv, "b:l:o:")) != -1) {
		if (range_option(ch, optarg, &d))
			continue;
		if (ch == 'o')
			owner = optarg;
		else
			help("clear");
	}
	struct mem_range_op op = {&d, {MEMRANGE_SET_REMOVE, 0}};
	if (owner && (d.mr_base || d.mr_len)) {
		help("clear");
	} else if (owner) {
		int n;
		struct mem_range_desc *all = get_all(&n);
		for (int i = 0; i < n; i++) {
			if (strcmp(all[i].mr_owner, owner) ||
			    !(all[i].mr_flags & MDF_ACTIVE) ||
			    (all[i].mr_flags & MDF_FIXACTIVE))
				continue;
			op.mo_desc = &all[i];
			if (ioctl(memfd, MEMRANGE_SET, &op))
				warn("couldn't clear range owned by '%s'",
				     owner);
		}
		free(all);
	} else if (d.mr_len) {
		if (ioctl(memfd, MEMRANGE_SET, &op))
			err(1, "couldn't clear range");
	} else {
		help("clear");
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_general();
		return 0;
	}
	memfd = open("/dev/mem", O_RDONLY);
	if (memfd < 0)
		err(1, "can't open /dev/mem");
	optind = 2;
	if (!strcmp(argv[1], "list"))
		return list(argc, argv);
	if (!strcmp(argv[1], "set"))
		return set(argc, argv);
	if (!strcmp(argv[1], "clear"))
		return clear(argc, argv);
	help(argc > 2 ? argv[2] : NULL);
	return 0;
}
