/* The address of a symbol in a guest's ELF file, for campaign files that
 * name memory by symbol (docs/campaigns.md, "@NAME").  Only executables
 * linked at a fixed address (ET_EXEC): a static-PIE's symbols move with
 * its load address.
 *
 * Read by hand from the section headers and .symtab, every offset
 * checked against the file: libelf's section data would bring in zlib,
 * whose crc32 collides with Unicorn's in a static memu.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"

#define ELF_FILE_MAX (256u << 20)

static bool inside(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static char *read_file(const char *path, size_t *size, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			char *b =
				cap <= ELF_FILE_MAX ? realloc(buf, cap) : NULL;
			if (!b) {
				snprintf(err, errlen, "%s: too large", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (!got)
			break;
	}
	fclose(f);
	*size = n;
	return buf;
}

int elf_symbol(const char *path, const char *name, uint64_t *addr, char *err,
	       size_t errlen)
{
	size_t size;
	char *buf = read_file(path, &size, err, errlen);
	if (!buf)
		return -1;
	int rc = -1;
	Elf64_Ehdr eh;
	if (size < sizeof(eh) || memcmp(buf, ELFMAG, SELFMAG) ||
	    buf[EI_CLASS] != ELFCLASS64 || buf[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "%s: not a 64-bit ELF file", path);
		goto out;
	}
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_type != ET_EXEC) {
		snprintf(err, errlen,
			 "%s: @%s: symbols are only known in executables "
			 "linked at a fixed address (not static-PIE)",
			 path, name);
		goto out;
	}
	if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    !inside(size, eh.e_shoff,
		    (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr))) {
		snprintf(err, errlen, "%s: bad section headers", path);
		goto out;
	}
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		Elf64_Shdr sh, str;
		memcpy(&sh, buf + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_type != SHT_SYMTAB ||
		    sh.sh_entsize != sizeof(Elf64_Sym) ||
		    !inside(size, sh.sh_offset, sh.sh_size) ||
		    sh.sh_link >= eh.e_shnum)
			continue;
		memcpy(&str, buf + eh.e_shoff + sh.sh_link * sizeof(str),
		       sizeof(str));
		if (!inside(size, str.sh_offset, str.sh_size))
			continue;
		const char *strtab = buf + str.sh_offset;
		for (uint64_t k = 0; k < sh.sh_size / sizeof(Elf64_Sym); k++) {
			Elf64_Sym s;
			memcpy(&s, buf + sh.sh_offset + k * sizeof(s),
			       sizeof(s));
			if (s.st_shndx == SHN_UNDEF || s.st_name >= str.sh_size)
				continue;
			const char *sname = strtab + s.st_name;
			size_t max = str.sh_size - s.st_name;
			if (strnlen(sname, max) < max && !strcmp(sname, name)) {
				*addr = s.st_value;
				rc = 0;
				goto out;
			}
		}
	}
	snprintf(err, errlen, "%s has no symbol '%s'", path, name);
out:
	free(buf);
	return rc;
}
