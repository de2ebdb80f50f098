#include "iomem.h"

#include <inttypes.h>
#include <string.h>

#include "phys.h"

static void add(struct iomem *io, uint64_t start, uint64_t end,
		const char *name, enum iomem_kind kind, unsigned flags,
		int depth)
{
	if (io->count == IOMEM_MAX || start >= end)
		return;
	/* Keep the table sorted by start, parents before children. */
	int i = io->count++;
	while (i > 0 && (io->res[i - 1].start > start ||
			 (io->res[i - 1].start == start &&
			  io->res[i - 1].depth > depth))) {
		io->res[i] = io->res[i - 1];
		i--;
	}
	io->res[i] = (struct iomem_resource){start, end,   name, kind,
					     flags, depth, NULL, {0}};
}

void iomem_init(struct iomem *io, uint64_t ram_top, uint64_t ptbank_base,
		uint64_t ptbank_size)
{
	memset(io, 0, sizeof(*io));
	add(io, 0, ISA_HOLE_START, "System RAM", IOMEM_RAM, IORESOURCE_BUSY, 0);
	add(io, ISA_HOLE_START, ISA_HOLE_END, "Reserved (ISA I/O hole)",
	    IOMEM_RESERVED, 0, 0);
	add(io, ISA_HOLE_END, ram_top, "System RAM", IOMEM_RAM, IORESOURCE_BUSY,
	    0);
	add(io, ptbank_base, ptbank_base + ptbank_size,
	    "System RAM (page-table bank)", IOMEM_RAM, IORESOURCE_BUSY, 0);
}

static bool overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

int iomem_request(struct iomem *io, uint64_t start, uint64_t end,
		  const char *name, enum iomem_kind kind, unsigned flags,
		  const struct iomem_ops *ops)
{
	int depth = 0;
	for (int i = 0; i < io->count; i++) {
		const struct iomem_resource *r = &io->res[i];
		if (!overlaps(start, end, r->start, r->end))
			continue;
		if (r->kind != IOMEM_RESERVED || start < r->start ||
		    end > r->end)
			return -1;
		depth = 1;
	}
	for (int i = 0; i < io->count; i++)
		if (io->res[i].depth == 1 &&
		    overlaps(start, end, io->res[i].start, io->res[i].end))
			return -1;
	add(io, start, end, name, kind, flags, depth);
	for (int i = 0; i < io->count; i++)
		if (io->res[i].start == start && io->res[i].depth == depth)
			io->res[i].ops = ops;
	return 0;
}

const struct iomem_resource *iomem_find(const struct iomem *io, uint64_t pa)
{
	const struct iomem_resource *found = NULL;
	for (int i = 0; i < io->count; i++) {
		const struct iomem_resource *r = &io->res[i];
		if (pa >= r->start && pa < r->end &&
		    (!found || r->depth > found->depth))
			found = r;
	}
	return found;
}

enum iomem_kind iomem_kind_of(const struct iomem *io, uint64_t pa)
{
	const struct iomem_resource *r = iomem_find(io, pa);
	/* Reserved space that no device claimed is empty bus too. */
	if (!r || r->kind == IOMEM_RESERVED)
		return IOMEM_UNCLAIMED;
	return r->kind;
}

bool iomem_is_memory(enum iomem_kind kind)
{
	return kind == IOMEM_RAM || kind == IOMEM_DEVICE_MEM;
}

bool iomem_intersects_ram(const struct iomem *io, uint64_t start, uint64_t end)
{
	for (int i = 0; i < io->count; i++)
		if (io->res[i].kind == IOMEM_RAM &&
		    overlaps(start, end, io->res[i].start, io->res[i].end))
			return true;
	return false;
}

bool iomem_is_exclusive(const struct iomem *io, uint64_t pa, bool strict)
{
	const struct iomem_resource *r = iomem_find(io, pa);
	if (!r)
		return false;
	if (r->flags & IORESOURCE_EXCLUSIVE)
		return true;
	/* IO_STRICT_DEVMEM: every busy (driver-claimed) resource. */
	return strict && (r->flags & IORESOURCE_BUSY) && r->kind != IOMEM_RAM;
}

static struct iomem_resource *find_mut(struct iomem *io, uint64_t pa)
{
	return (struct iomem_resource *)iomem_find(io, pa);
}

uint64_t iomem_read(struct iomem *io, uint64_t pa, unsigned size)
{
	struct iomem_resource *r = find_mut(io, pa);
	if (r && r->kind == IOMEM_DEVICE_IO && r->ops && r->ops->read)
		return r->ops->read(r, pa - r->start, size);
	/* Unclaimed bus: nobody drives the lines, they read as ones. */
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

void iomem_write(struct iomem *io, uint64_t pa, unsigned size, uint64_t value)
{
	struct iomem_resource *r = find_mut(io, pa);
	if (r && r->kind == IOMEM_DEVICE_IO && r->ops && r->ops->write)
		r->ops->write(r, pa - r->start, size, value);
}

static void print_range(FILE *out, int depth, uint64_t start, uint64_t end,
			const char *name, bool busy)
{
	fprintf(out, "  %*s%012" PRIx64 "-%012" PRIx64 " : %s%s\n", depth * 2,
		"", start, end - 1, name, busy ? " [busy]" : "");
}

/* Like /proc/iomem, with the unclaimed gaps shown. */
void iomem_print(const struct iomem *io, FILE *out)
{
	uint64_t top = 0, inner = 0;
	for (int i = 0; i < io->count; i++) {
		const struct iomem_resource *r = &io->res[i];
		bool busy =
			(r->flags & IORESOURCE_BUSY) && r->kind != IOMEM_RAM;
		if (r->depth == 0) {
			if (inner && inner < top)
				print_range(out, 1, inner, top, "(unclaimed)",
					    0);
			if (r->start > top)
				print_range(out, 0, top, r->start,
					    "(unclaimed)", 0);
			print_range(out, 0, r->start, r->end, r->name, busy);
			top = r->end;
			inner = r->kind == IOMEM_RESERVED ? r->start : 0;
			continue;
		}
		if (r->start > inner)
			print_range(out, 1, inner, r->start, "(unclaimed)", 0);
		print_range(out, 1, r->start, r->end, r->name, busy);
		inner = r->end;
	}
	if (inner && inner < top)
		print_range(out, 1, inner, top, "(unclaimed)", 0);
}
