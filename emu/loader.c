/* The ELF loader (libelf): static x86-64 executables only.
 *
 * Segments are loaded eagerly: every page that holds file bytes gets a
 * private "file" frame at load time (memu has no page cache), so running
 * the program's code and data takes no faults.  Pages of a segment beyond
 * its file bytes (.bss) are left to demand paging as anonymous memory.
 * A static-PIE (ET_DYN without PT_INTERP) is placed like Linux 6.1 places
 * it: top-down from the mmap base.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../mmu/mmap.h"
#include "../mmu/pagetable.h"
#include "machine.h"

#define MAX_SEGMENTS 64

struct segment {
	uint64_t vaddr, memsz, offset, filesz;
	uint64_t vm_flags;
};

struct elf_file {
	uint8_t *bytes;
	size_t size;
	GElf_Ehdr ehdr;
	struct segment seg[MAX_SEGMENTS];
	int nseg;
	uint64_t phdr_vaddr;		 /* PT_PHDR, or 0 */
	uint64_t interp_off, interp_len; /* PT_INTERP's bytes, or 0 */
};

static int read_file(const char *path, struct elf_file *f, char *err,
		     size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	f->size = (size_t)st.st_size;
	f->bytes = malloc(f->size ? f->size : 1);
	size_t got = 0;
	while (f->bytes && got < f->size) {
		ssize_t r = read(fd, f->bytes + got, f->size - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!f->bytes || got != f->size) {
		snprintf(err, errlen, "%s: cannot read the file", path);
		return -1;
	}
	return 0;
}

static uint64_t pf_to_vm(uint32_t pf)
{
	return ((pf & PF_R) ? VM_READ : 0) | ((pf & PF_W) ? VM_WRITE : 0) |
	       ((pf & PF_X) ? VM_EXEC : 0);
}

static int check_segment(const GElf_Phdr *ph, size_t file_size, char *why,
			 size_t whylen)
{
	if (ph->p_filesz > ph->p_memsz)
		snprintf(why, whylen, "segment file size exceeds memory size");
	else if (ph->p_offset > file_size ||
		 ph->p_filesz > file_size - ph->p_offset)
		snprintf(why, whylen,
			 "truncated: a segment extends past the end "
			 "of the file");
	else if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr ||
		 ph->p_vaddr + ph->p_memsz > TASK_SIZE)
		snprintf(why, whylen, "a segment lies outside user space");
	else if ((ph->p_vaddr & ~PAGE_MASK) != (ph->p_offset & ~PAGE_MASK))
		snprintf(why, whylen,
			 "a segment's address and file offset are "
			 "not congruent modulo the page size");
	else
		return 0;
	return -1;
}

static int parse(const char *path, struct elf_file *f, char *err, size_t errlen)
{
	char why[160] = "";
	Elf *e = elf_memory((char *)f->bytes, f->size);
	size_t n = 0;
	if (!e || elf_kind(e) != ELF_K_ELF) {
		snprintf(why, sizeof(why), "not an ELF file");
	} else if (gelf_getclass(e) != ELFCLASS64 ||
		   !gelf_getehdr(e, &f->ehdr)) {
		snprintf(why, sizeof(why), "not a 64-bit ELF file");
	} else if (f->ehdr.e_machine != EM_X86_64) {
		snprintf(why, sizeof(why),
			 "wrong architecture (e_machine %u); memu runs x86-64",
			 f->ehdr.e_machine);
	} else if (f->ehdr.e_type != ET_EXEC && f->ehdr.e_type != ET_DYN) {
		snprintf(why, sizeof(why), "not an executable (e_type %u)",
			 f->ehdr.e_type);
	} else if (f->ehdr.e_phentsize != sizeof(Elf64_Phdr)) {
		/* Linux's load_elf_phdrs: ENOEXEC. */
		snprintf(why, sizeof(why),
			 "bad program header size (e_phentsize %u)",
			 f->ehdr.e_phentsize);
	} else if (elf_getphdrnum(e, &n) != 0 || n == 0) {
		snprintf(why, sizeof(why), "no program headers");
	}
	for (size_t i = 0; !why[0] && i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph)) {
			snprintf(why, sizeof(why), "truncated program headers");
			break;
		}
		if (ph.p_type == PT_INTERP) {
			f->interp_off = ph.p_offset;
			f->interp_len = ph.p_filesz;
			snprintf(why, sizeof(why),
				 "dynamically linked (it has an "
				 "interpreter); build it with "
				 "-static");
		} else if (ph.p_type == PT_PHDR) {
			f->phdr_vaddr = ph.p_vaddr;
		} else if (ph.p_type == PT_LOAD &&
			   (ph.p_memsz || ph.p_filesz)) {
			if (check_segment(&ph, f->size, why, sizeof(why)))
				break;
			if (f->nseg == MAX_SEGMENTS) {
				snprintf(why, sizeof(why), "too many segments");
				break;
			}
			struct segment *s = &f->seg[f->nseg++];
			*s = (struct segment){ph.p_vaddr, ph.p_memsz,
					      ph.p_offset, ph.p_filesz,
					      pf_to_vm(ph.p_flags)};
			if (f->nseg > 1) {
				struct segment *p = s - 1;
				if (s->vaddr < p->vaddr + p->memsz)
					snprintf(why, sizeof(why),
						 "overlapping or unordered "
						 "segments");
			}
		}
	}
	if (!why[0] && f->nseg == 0)
		snprintf(why, sizeof(why), "no loadable segments");
	if (e)
		elf_end(e);
	if (why[0]) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return 0;
}

/* Static-PIE: reserve the span top-down, as Linux 6.1 does without an
 * interpreter (load_bias 0, no MAP_FIXED). */
static int64_t choose_bias(struct memu *m, const struct elf_file *f)
{
	if (f->ehdr.e_type != ET_DYN)
		return 0;
	uint64_t lo = f->seg[0].vaddr & PAGE_MASK;
	const struct segment *last = &f->seg[f->nseg - 1];
	uint64_t hi = PAGE_ALIGN(last->vaddr + last->memsz);
	int64_t at = do_mmap(m->proc->mm, 0, hi - lo, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, 0, NULL);
	if (at < 0)
		return at;
	do_munmap(m->proc->mm, (uint64_t)at, hi - lo);
	return at - (int64_t)lo;
}

/* VMAs: one per run of pages with the same permissions (pages shared by
 * two segments get the union). */
static int map_segments(struct memu *m, const struct elf_file *f, uint64_t bias)
{
	uint64_t lo = (f->seg[0].vaddr + bias) & PAGE_MASK;
	const struct segment *last = &f->seg[f->nseg - 1];
	uint64_t hi = PAGE_ALIGN(last->vaddr + last->memsz + bias);
	uint64_t run_start = 0, run_flags = 0;
	for (uint64_t va = lo; va <= hi; va += PAGE_SIZE) {
		uint64_t flags = 0;
		for (int i = 0; va < hi && i < f->nseg; i++) {
			uint64_t s = (f->seg[i].vaddr + bias) & PAGE_MASK;
			uint64_t e = PAGE_ALIGN(f->seg[i].vaddr + bias +
						f->seg[i].memsz);
			if (va >= s && va < e)
				flags |= f->seg[i].vm_flags | VM_READ;
		}
		if (flags != run_flags || va == hi) {
			if (run_flags &&
			    !mm_map_fixed(m->proc->mm, run_start, va, run_flags,
					  m->proc->exe))
				return -1;
			run_start = va;
			run_flags = flags;
		}
	}
	return 0;
}

static int load_page(struct memu *m, uint64_t va, uint64_t *prev_pfn)
{
	struct mm *mm = m->proc->mm;
	struct pt_entry e;
	if (pt_lookup(mm, va, &e))
		return 0;
	struct vma *v = vma_lookup(&mm->vmas, va);
	uint64_t want = *prev_pfn == PFN_NONE ? PFN_NONE : *prev_pfn + 1;
	uint64_t pfn =
		frame_alloc(&m->mmu.ram, FRAME_FILE, want,
			    (unsigned)((va >> PAGE_SHIFT) % FRAME_BLOCK));
	if (pfn == PFN_NONE || mm_install_file_page(mm, v, va, pfn))
		return -1;
	*prev_pfn = pfn;
	return 0;
}

static int copy_segments(struct memu *m, const struct elf_file *f,
			 uint64_t bias)
{
	struct mm *mm = m->proc->mm;
	uint64_t prev = PFN_NONE;
	for (int i = 0; i < f->nseg; i++) {
		const struct segment *s = &f->seg[i];
		uint64_t start = s->vaddr + bias;
		for (uint64_t va = start & PAGE_MASK; va < start + s->filesz;
		     va += PAGE_SIZE) {
			if (load_page(m, va, &prev))
				return -1;
			uint64_t from = va > start ? va : start;
			uint64_t to = va + PAGE_SIZE < start + s->filesz
					      ? va + PAGE_SIZE
					      : start + s->filesz;
			struct pt_entry e;
			pt_lookup(mm, va, &e);
			uint8_t *dst = mmu_pfn_host(&m->mmu, e.pfn);
			memcpy(dst + (from - va),
			       f->bytes + s->offset + (from - start),
			       to - from);
		}
	}
	return 0;
}

/* Linux load_elf_binary's start_code (lowest executable segment),
 * end_code (end of its file bytes), start_data (the highest segment's
 * start) and end_data (the end of the file bytes), plus the bias. */
static void code_and_data(const struct elf_file *f, uint64_t bias,
			  struct exec_image *img)
{
	uint64_t start_code = ~0ULL, end_code = 0, start_data = 0;
	uint64_t end_data = 0;
	for (int i = 0; i < f->nseg; i++) {
		const struct segment *s = &f->seg[i];
		bool exec = s->vm_flags & VM_EXEC;
		uint64_t end = s->vaddr + s->filesz;
		if (exec && s->vaddr < start_code)
			start_code = s->vaddr;
		if (start_data < s->vaddr)
			start_data = s->vaddr;
		if (exec && end_code < end)
			end_code = end;
		if (end_data < end)
			end_data = end;
	}
	img->start_code = start_code + bias;
	img->end_code = end_code + bias;
	img->start_data = start_data + bias;
	img->end_data = end_data + bias;
}

static uint64_t find_phdr(const struct elf_file *f, uint64_t bias)
{
	if (f->phdr_vaddr)
		return f->phdr_vaddr + bias;
	for (int i = 0; i < f->nseg; i++) {
		const struct segment *s = &f->seg[i];
		if (f->ehdr.e_phoff >= s->offset &&
		    f->ehdr.e_phoff < s->offset + s->filesz)
			return s->vaddr + (f->ehdr.e_phoff - s->offset) + bias;
	}
	return 0;
}

/* Map and fill the parsed program into the current mm. */
static int load_parsed(struct memu *m, const char *path, struct elf_file *f,
		       struct exec_image *img, char *err, size_t errlen)
{
	int64_t bias = choose_bias(m, f);
	if (bias < 0 ||
	    !mm_range_usable((f->seg[0].vaddr + (uint64_t)bias) & PAGE_MASK,
			     PAGE_ALIGN(f->seg[f->nseg - 1].vaddr +
					(uint64_t)bias +
					f->seg[f->nseg - 1].memsz))) {
		snprintf(err, errlen, "%s: no room for the segments", path);
		return -1;
	}
	if (map_segments(m, f, (uint64_t)bias) ||
	    copy_segments(m, f, (uint64_t)bias)) {
		snprintf(err, errlen,
			 "%s: out of emulated memory while loading", path);
		return -1;
	}
	const struct segment *last = &f->seg[f->nseg - 1];
	img->load_bias = (uint64_t)bias;
	img->entry = f->ehdr.e_entry + (uint64_t)bias;
	img->phdr = find_phdr(f, (uint64_t)bias);
	img->phent = f->ehdr.e_phentsize;
	img->phnum = f->ehdr.e_phnum;
	img->brk = PAGE_ALIGN(last->vaddr + last->memsz + (uint64_t)bias);
	code_and_data(f, (uint64_t)bias, img);
	return 0;
}

int load_elf(struct memu *m, const char *path, struct exec_image *img,
	     char *err, size_t errlen)
{
	struct elf_file f;
	memset(&f, 0, sizeof(f));
	elf_version(EV_CURRENT);
	int rc = -1;
	if (!read_file(path, &f, err, errlen) && !parse(path, &f, err, errlen))
		rc = load_parsed(m, path, &f, img, err, errlen);
	free(f.bytes);
	return rc;
}

int elf_exec_check(const uint8_t *bytes, size_t size, char *interp,
		   size_t interp_size)
{
	struct elf_file f;
	memset(&f, 0, sizeof(f));
	char err[256];
	elf_version(EV_CURRENT);
	f.bytes = (uint8_t *)bytes;
	f.size = size;
	if (!parse("", &f, err, sizeof(err)))
		return 0;
	if (!f.interp_len)
		return -1;
	/* Linux load_elf_binary: ENOEXEC for an interpreter's name longer
	 * than PATH_MAX, shorter than 2, or without its NUL. */
	if (f.interp_len < 2 || f.interp_len > interp_size ||
	    f.interp_off > size || f.interp_len > size - f.interp_off ||
	    bytes[f.interp_off + f.interp_len - 1] != 0)
		return -1;
	memcpy(interp, bytes + f.interp_off, f.interp_len);
	return 1;
}

int load_elf_memory(struct memu *m, const char *name, const uint8_t *bytes,
		    size_t size, struct exec_image *img, char *err,
		    size_t errlen)
{
	struct elf_file f;
	memset(&f, 0, sizeof(f));
	elf_version(EV_CURRENT);
	f.bytes = (uint8_t *)bytes;
	f.size = size;
	if (parse(name, &f, err, errlen))
		return -1;
	return load_parsed(m, name, &f, img, err, errlen);
}
