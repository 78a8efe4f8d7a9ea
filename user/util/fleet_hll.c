// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The estimate must be the same double as Java's: no fused multiply-add. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_hll.h"

/* 1 / (2 ln 2), written out as the Java side writes it. */
#define ALPHA_INF 0.7213475204444817

void xs_fhll_merge(uint8_t *dst, const uint8_t *src, int p)
{
	size_t i, m = (size_t)1 << p;

	for (i = 0; i < m; i++)
		dst[i] = src[i] > dst[i] ? src[i] : dst[i];
}

void xs_fhll_fold_into(uint8_t *dst, int p2, const uint8_t *src, int p)
{
	uint32_t i, m = 1u << p, mask = (1u << p2) - 1;

	if (p2 == p) {
		xs_fhll_merge(dst, src, p);
		return;
	}
	for (i = 0; i < m; i++) {
		uint32_t hi = i >> p2, r = src[i];

		if (!r)
			continue;
		r = hi ? (uint32_t)__builtin_ctz(hi) + 1 : r + (uint32_t)(p - p2);
		if (dst[i & mask] < r)
			dst[i & mask] = (uint8_t)r;
	}
}

int xs_fhll_nonzero(const uint8_t *reg, int p)
{
	size_t i, m = (size_t)1 << p;
	int n = 0;

	for (i = 0; i < m; i++)
		n += reg[i] != 0;
	return n;
}

static double sigma(double x)
{
	double y = 1.0, z = x, zp;

	if (x == 1.0)
		return INFINITY;
	do {
		x = x * x;
		zp = z;
		z = z + x * y;
		y = y + y;
	} while (z != zp);
	return z;
}

static double tau(double x)
{
	double y = 1.0, z, zp, d;

	if (x == 0.0 || x == 1.0)
		return 0.0;
	z = 1.0 - x;
	do {
		x = sqrt(x);
		zp = z;
		y = y * 0.5;
		d = 1.0 - x;
		z = z - d * d * y;
	} while (z != zp);
	return z / 3.0;
}

double xs_fhll_estimate(const uint8_t *reg, int p)
{
	int64_t c[64 + 2] = { 0 };
	int q = 64 - p, k;
	double m = (double)((size_t)1 << p), z;
	size_t i;

	for (i = 0; i < ((size_t)1 << p); i++)
		c[reg[i] <= q + 1 ? reg[i] : q + 1]++;
	z = m * tau(1.0 - (double)c[q + 1] / m);
	for (k = q; k >= 1; k--)
		z = 0.5 * (z + (double)c[k]);
	z = z + m * sigma((double)c[0] / m);
	return ALPHA_INF * m * m / z;
}

uint64_t xs_fhll_count(const uint8_t *reg, int p)
{
	double e = xs_fhll_estimate(reg, p);

	return isinf(e) ? INT64_MAX : (uint64_t)floor(e + 0.5);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t xs_fhll_encoded_len(const uint8_t *reg, int p, bool *sparse)
{
	size_t nz = (size_t)xs_fhll_nonzero(reg, p), m = (size_t)1 << p;
	size_t bytes;

	*sparse = 3 * nz < m;
	bytes = *sparse ? 3 * nz : m;
	return (bytes + 2) / 3 * 4;
}

/* Base64 of a byte stream produced three bytes at a time. */
struct b64w {
	char *out;
	size_t n;
	uint8_t buf[3];
	int have;
};

static void b64_put(struct b64w *w, uint8_t c)
{
	w->buf[w->have++] = c;
	if (w->have < 3)
		return;
	w->out[w->n++] = b64[w->buf[0] >> 2];
	w->out[w->n++] = b64[(w->buf[0] & 3) << 4 | w->buf[1] >> 4];
	w->out[w->n++] = b64[(w->buf[1] & 15) << 2 | w->buf[2] >> 6];
	w->out[w->n++] = b64[w->buf[2] & 63];
	w->have = 0;
}

static void b64_end(struct b64w *w)
{
	if (w->have == 1) {
		w->out[w->n++] = b64[w->buf[0] >> 2];
		w->out[w->n++] = b64[(w->buf[0] & 3) << 4];
		w->out[w->n++] = '=';
		w->out[w->n++] = '=';
	} else if (w->have == 2) {
		w->out[w->n++] = b64[w->buf[0] >> 2];
		w->out[w->n++] = b64[(w->buf[0] & 3) << 4 | w->buf[1] >> 4];
		w->out[w->n++] = b64[(w->buf[1] & 15) << 2];
		w->out[w->n++] = '=';
	}
	w->out[w->n] = '\0';
}

size_t xs_fhll_encode(const uint8_t *reg, int p, bool sparse, char *out)
{
	struct b64w w = { .out = out };
	uint32_t i, m = 1u << p;

	for (i = 0; i < m; i++) {
		if (!sparse) {
			b64_put(&w, reg[i]);
		} else if (reg[i]) {
			uint32_t e = i << 6 | reg[i];

			b64_put(&w, (uint8_t)(e >> 16));
			b64_put(&w, (uint8_t)(e >> 8));
			b64_put(&w, (uint8_t)e);
		}
	}
	b64_end(&w);
	return w.n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

size_t xs_fhll_cells_fold(uint32_t *cells, size_t n, int p, int p2)
{
	uint32_t mask = (1u << p2) - 1;
	size_t i, k = 0;

	for (i = 0; p2 < p && i < n; i++) {
		uint32_t idx = cells[i] >> 6, r = cells[i] & 63, hi = idx >> p2;

		r = hi ? (uint32_t)__builtin_ctz(hi) + 1 : r + (uint32_t)(p - p2);
		cells[i] = (idx & mask) << 6 | r;
	}
	qsort(cells, n, sizeof(*cells), cmp_u32);
	/* Sorted: one register's cells are together, its highest rank last. */
	for (i = 0; i < n; i++)
		if (i + 1 == n || cells[i + 1] >> 6 != cells[i] >> 6)
			cells[k++] = cells[i];
	return k;
}

size_t xs_fhll_encode_cells(const uint32_t *cells, size_t n, char *out)
{
	struct b64w w = { .out = out };
	size_t i;

	for (i = 0; i < n; i++) {
		b64_put(&w, (uint8_t)(cells[i] >> 16));
		b64_put(&w, (uint8_t)(cells[i] >> 8));
		b64_put(&w, (uint8_t)cells[i]);
	}
	b64_end(&w);
	return w.n;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int xs_fhll_decode(const char *s, bool sparse, int p, uint8_t *reg)
{
	size_t len = strlen(s), i, n = 0, m = (size_t)1 << p;
	uint8_t *bytes;
	int prev = -1, ret = -1;

	if (p < XS_FHLL_P_MIN || p > XS_FHLL_P_MAX || len % 4)
		return -1;
	bytes = malloc(len / 4 * 3 + 1);
	if (!bytes)
		return -1;
	for (i = 0; i < len; i += 4) {
		int v[4], k, pad = 0;

		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad || (v[k] = b64_val(s[i + k])) < 0)
				goto out;
		}
		bytes[n++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			bytes[n++] = (uint8_t)(v[1] << 4 | v[2] >> 2);
		if (pad < 1)
			bytes[n++] = (uint8_t)(v[2] << 6 | v[3]);
	}
	memset(reg, 0, m);
	if (!sparse) {
		if (n != m)
			goto out;
		for (i = 0; i < m; i++)
			if (bytes[i] > 64 - p + 1)
				goto out;
		memcpy(reg, bytes, m);
		ret = 0;
		goto out;
	}
	if (n % 3)
		goto out;
	for (i = 0; i < n; i += 3) {
		uint32_t e = (uint32_t)bytes[i] << 16 | (uint32_t)bytes[i + 1] << 8 | bytes[i + 2];
		int idx = (int)(e >> 6), r = (int)(e & 63);

		if ((size_t)idx >= m || idx <= prev || r < 1 || r > 64 - p + 1)
			goto out;
		reg[idx] = (uint8_t)r;
		prev = idx;
	}
	ret = 0;
out:
	free(bytes);
	return ret;
}
