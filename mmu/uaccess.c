#include "uaccess.h"

#include <errno.h>
#include <string.h>

#include "fault.h"
#include "pagetable.h"
#include "tlb.h"

bool access_ok(uint64_t addr, size_t n)
{
	return addr <= USER_VA_END && n <= USER_VA_END - addr;
}

/* The host address of user byte va, faulting the page in for the access
 * the way the CPU would; NULL when the access is not allowed. */
static uint8_t *user_byte(struct mm *mm, uint64_t va, bool write)
{
	uint64_t page = va & PAGE_MASK;
	struct pt_entry e;
	if (!pt_lookup(mm, page, &e) || (write && !e.writable)) {
		struct fault_outcome out;
		handle_mm_fault(mm, va, write ? FAULT_FLAG_WRITE : 0, &out);
		if (out.sig)
			return NULL;
		if (!pt_lookup(mm, page, &e) || !e.user)
			return NULL;
	}
	/* Only host memory is touched through the host: an entry whose frame
	 * number leads out of it (device registers, or a flipped bit:
	 * docs/inject.md) gives EFAULT. */
	uint8_t *host = mmu_pfn_host(mm->mmu, e.pfn);
	if (!host)
		return NULL;
	pt_touch(mm, page, write);
	/* Translated code does not see stores made behind the CPU's back. */
	if (write)
		code_invalidate(mm->mmu, e.pfn);
	return host + (va & ~PAGE_MASK);
}

typedef void (*chunk_fn)(uint8_t *host, size_t off, size_t len, void *arg);

static int user_walk(struct mm *mm, uint64_t va, size_t n, bool write,
		     chunk_fn fn, void *arg)
{
	if (!access_ok(va, n))
		return -EFAULT;
	size_t done = 0;
	while (done < n) {
		uint64_t at = va + done;
		size_t len = PAGE_SIZE - (at & ~PAGE_MASK);
		if (len > n - done)
			len = n - done;
		uint8_t *host = user_byte(mm, at, write);
		if (!host)
			return -EFAULT;
		fn(host, done, len, arg);
		done += len;
	}
	return 0;
}

static void read_chunk(uint8_t *host, size_t off, size_t len, void *arg)
{
	memcpy((uint8_t *)arg + off, host, len);
}

static void write_chunk(uint8_t *host, size_t off, size_t len, void *arg)
{
	memcpy(host, (const uint8_t *)arg + off, len);
}

static void zero_chunk(uint8_t *host, size_t off, size_t len, void *arg)
{
	(void)off;
	(void)arg;
	memset(host, 0, len);
}

int copy_from_user(struct mm *mm, void *dst, uint64_t src, size_t n)
{
	return user_walk(mm, src, n, false, read_chunk, dst);
}

int copy_to_user(struct mm *mm, uint64_t dst, const void *src, size_t n)
{
	return user_walk(mm, dst, n, true, write_chunk, (void *)src);
}

int clear_user(struct mm *mm, uint64_t dst, size_t n)
{
	return user_walk(mm, dst, n, true, zero_chunk, NULL);
}

long strncpy_from_user(struct mm *mm, char *dst, uint64_t src, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (!access_ok(src + i, 1))
			return -EFAULT;
		uint8_t *b = user_byte(mm, src + i, false);
		if (!b)
			return -EFAULT;
		dst[i] = (char)*b;
		if (!*b)
			return (long)i;
	}
	return -ENAMETOOLONG;
}
