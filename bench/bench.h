/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the benchmark programs: a monotonic clock in
 * nanoseconds and a log-linear latency histogram.
 *
 * The histogram keeps 2^HIST_SUB_BITS buckets per power of two, so a
 * percentile is reported within 1/2^HIST_SUB_BITS (1.6%) of the true value
 * while memory stays fixed however long a run is.  Mean, min and max are
 * exact.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define HIST_SUB_BITS	6
#define HIST_SUB	(1u << HIST_SUB_BITS)
/* Values up to 2^40 ns (18 minutes) have a bucket of their own. */
#define HIST_BUCKETS	((40 - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t count[HIST_BUCKETS];
	uint64_t n, sum, min, max;
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static inline void sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000u, ns % 1000000000u };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts))
		;
}

static inline void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

static inline unsigned int hist_index(uint64_t v)
{
	unsigned int shift, idx;

	if (v < HIST_SUB)
		return v;
	shift = 63 - __builtin_clzll(v) - HIST_SUB_BITS;
	idx = ((shift + 1) << HIST_SUB_BITS) | ((v >> shift) & (HIST_SUB - 1));
	return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* The middle of bucket idx: the value a percentile in it is reported as. */
static inline double hist_value(unsigned int idx)
{
	unsigned int shift;
	uint64_t low;

	if (idx < HIST_SUB)
		return idx;
	shift = (idx >> HIST_SUB_BITS) - 1;
	low = (uint64_t)(HIST_SUB | (idx & (HIST_SUB - 1))) << shift;
	return low + ((1ull << shift) - 1) / 2.0;
}

static inline void hist_add(struct hist *h, uint64_t v)
{
	h->count[hist_index(v)]++;
	h->n++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* The value at or below which a fraction p of the samples lie. */
static inline double hist_percentile(const struct hist *h, double p)
{
	uint64_t rank = (uint64_t)(p * h->n + 0.999999), seen = 0;
	unsigned int i;

	if (!h->n)
		return 0;
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank)
			break;
	}
	/* The bucket's middle may lie beyond the largest sample in it. */
	if (hist_value(i) > h->max)
		return h->max;
	return hist_value(i) < h->min ? h->min : hist_value(i);
}

/* Print " mean_us=... p50_us=... p99_us=... p999_us=... min_us=... max_us=..." */
static inline void hist_print_us(const struct hist *h, FILE *out)
{
	double mean = h->n ? (double)h->sum / h->n : 0;

	fprintf(out, " mean_us=%.2f p50_us=%.2f p99_us=%.2f p999_us=%.2f min_us=%.2f max_us=%.2f",
		mean / 1e3, hist_percentile(h, 0.50) / 1e3,
		hist_percentile(h, 0.99) / 1e3, hist_percentile(h, 0.999) / 1e3,
		(h->n ? h->min : 0) / 1e3, h->max / 1e3);
}

#endif /* BENCH_H */
