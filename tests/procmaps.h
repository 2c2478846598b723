/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guest programs that read /proc/PID/maps and its
 * relatives: reading a whole proc file, and PROCMAP_QUERY.
 */
#ifndef PROCMAPS_H
#define PROCMAPS_H

#include <errno.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* A buffer for the contents of a proc file: malloc()ed and grown, or fixed. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	int fixed;	/* data is the caller's and cannot grow */
};

/*
 * Read @fd from its current position to EOF into @b (replacing what it
 * held), @next_size(@ctx) bytes per read() or, if @next_size is NULL, as
 * many as fit.  The contents are NUL-terminated.  Returns the number of
 * bytes read, or -errno (b->len then holds what was read before the error;
 * -EFBIG if a fixed buffer is full).
 */
static inline ssize_t buf_read_fd(int fd, struct buf *b,
				  size_t (*next_size)(void *ctx), void *ctx)
{
	b->len = 0;
	for (;;) {
		size_t want;
		ssize_t n;

		if (b->cap - b->len < 65536 + 1 && !b->fixed) {
			size_t cap = b->cap ? 2 * b->cap : 1 << 20;
			char *data = realloc(b->data, cap);

			if (!data)
				return -ENOMEM;
			b->data = data;
			b->cap = cap;
		}
		want = b->cap - b->len - 1;
		if (!want) {
			b->data[b->len] = '\0';
			return -EFBIG;
		}
		if (next_size) {
			size_t size = next_size(ctx);

			if (size < want)
				want = size;
		}
		n = read(fd, b->data + b->len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			b->data[b->len] = '\0';
			return -errno;
		}
		if (n == 0)
			break;
		b->len += n;
	}
	b->data[b->len] = '\0';
	return b->len;
}

/*
 * PROCMAP_QUERY on @fd (an open /proc/PID/maps): the VMA at or (with
 * PROCMAP_QUERY_COVERING_OR_NEXT_VMA in @flags) after @addr, into @q, its
 * name into @name (@name_size bytes, 0 for none) and its build ID into
 * @build_id (@build_id_size bytes, 0 for none).  Returns 0 or -errno.
 */
static inline int query_vma(int fd, struct procmap_query *q, uint64_t addr,
			    uint64_t flags, char *name, uint32_t name_size,
			    unsigned char *build_id, uint32_t build_id_size)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->query_flags = flags;
	q->query_addr = addr;
	q->vma_name_size = name_size;
	q->vma_name_addr = name_size ? (uintptr_t)name : 0;
	q->build_id_size = build_id_size;
	q->build_id_addr = build_id_size ? (uintptr_t)build_id : 0;
	return ioctl(fd, PROCMAP_QUERY, q) ? -errno : 0;
}

#endif /* PROCMAPS_H */
