// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The sensor's fleet HyperLogLog against tests/data/fleet/hll_vectors.json,
 * the vectors the fleet application checks too: SipHash-2-4 (general and
 * the 16-byte form the XDP program uses), key ids, the items an address and
 * a target hash to, the registers of known item sets with their encoding,
 * estimate (bit for bit) and count, folds and a merge across precisions.
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "fleet_hll.h"
#include "names.h"
#include "siphash.h"
#include "xs_siphash.h"
#include "xs_test.h"

#define VECTORS "tests/data/fleet/hll_vectors.json"

static json_t *vec;
static struct xs_sipkey key;

static int unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2, i;
	unsigned int b;

	if (n > cap)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	return (int)n;
}

static uint64_t hex64(const char *s)
{
	return strtoull(s, NULL, 16);
}

static json_t *vectors(void)
{
	json_error_t err;

	if (!vec) {
		vec = json_load_file(VECTORS, 0, &err);
		if (!vec)
			fprintf(stderr, "%s: %s (run from the repository root)\n", VECTORS, err.text);
		else
			xs_sipkey_parse(json_string_value(json_object_get(vec, "key")), &key);
	}
	return vec;
}

static void test_siphash(void)
{
	json_t *v = vectors(), *e;
	size_t i;
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	json_array_foreach(json_object_get(v, "siphash"), i, e) {
		uint8_t m[64];
		int len = unhex(json_string_value(json_object_get(e, "message")), m, sizeof(m));
		uint64_t want = hex64(json_string_value(json_object_get(e, "hash")));

		CU_ASSERT_FATAL(len >= 0);
		CU_ASSERT_EQUAL(xs_siphash(&key, m, (size_t)len), want);
		if (len == 16)
			CU_ASSERT_EQUAL(xs_siphash16(key.k0, key.k1, m), want);
		n++;
	}
	CU_ASSERT_EQUAL(n, 17);
	json_array_foreach(json_object_get(v, "key_ids"), i, e) {
		struct xs_sipkey k;
		char id[17];

		CU_ASSERT_EQUAL_FATAL(xs_sipkey_parse(json_string_value(json_object_get(e, "key")), &k), 0);
		xs_sipkey_id(&k, id);
		CU_ASSERT_STRING_EQUAL(id, json_string_value(json_object_get(e, "key_id")));
	}
	CU_ASSERT_EQUAL(xs_sipkey_parse("000102030405060708090a0b0c0d0e0", &key), -1);
	CU_ASSERT_EQUAL(xs_sipkey_parse("000102030405060708090a0b0c0d0e0g", &key), -1);
	xs_sipkey_parse(json_string_value(json_object_get(v, "key")), &key);
}

static void test_items(void)
{
	json_t *v = vectors(), *e;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	json_array_foreach(json_object_get(v, "addresses"), i, e) {
		struct xs_addr a;
		uint8_t item[16];
		uint64_t h = hex64(json_string_value(json_object_get(e, "hash")));
		uint32_t cell;

		CU_ASSERT_EQUAL_FATAL(xs_addr_parse(json_string_value(json_object_get(e, "ip")), &a), 0);
		unhex(json_string_value(json_object_get(e, "item")), item, sizeof(item));
		CU_ASSERT_EQUAL(memcmp(item, a.a, 16), 0);
		CU_ASSERT_EQUAL(xs_siphash16(key.k0, key.k1, a.a), h);
		cell = xs_fhll_cell(h, 14);
		CU_ASSERT_EQUAL(cell >> 6, json_integer_value(json_object_get(e, "p14_index")));
		CU_ASSERT_EQUAL(cell & 63, json_integer_value(json_object_get(e, "p14_rank")));
	}
	json_array_foreach(json_object_get(v, "targets"), i, e) {
		uint8_t item[19], want[19];
		struct xs_addr a;
		int port = (int)json_integer_value(json_object_get(e, "port"));

		xs_addr_parse(json_string_value(json_object_get(e, "ip")), &a);
		memcpy(item, a.a, 16);
		item[16] = (uint8_t)(port >> 8);
		item[17] = (uint8_t)port;
		item[18] = (uint8_t)json_integer_value(json_object_get(e, "proto"));
		CU_ASSERT_EQUAL(unhex(json_string_value(json_object_get(e, "item")), want, 19), 19);
		CU_ASSERT_EQUAL(memcmp(item, want, 19), 0);
		CU_ASSERT_EQUAL(xs_siphash(&key, item, 19),
				hex64(json_string_value(json_object_get(e, "hash"))));
	}
}

/* "198.18.0.0 + i for i in [A, B)" */
static void add_range(uint8_t *reg, int p, const char *items)
{
	const char *s = strstr(items, "in [");
	unsigned long lo, hi, i;
	struct xs_addr a;

	CU_ASSERT_FATAL(s && sscanf(s, "in [%lu, %lu)", &lo, &hi) == 2);
	xs_addr_parse("198.18.0.0", &a);
	for (i = lo; i < hi; i++) {
		struct xs_addr b = a;
		uint32_t x = (uint32_t)b.a[12] << 24 | b.a[13] << 16 | b.a[14] << 8 | b.a[15];

		x += (uint32_t)i;
		b.a[12] = x >> 24;
		b.a[13] = x >> 16;
		b.a[14] = x >> 8;
		b.a[15] = x;
		xs_fhll_add(reg, p, xs_siphash16(key.k0, key.k1, b.a));
	}
}

/* The wire form must be exactly the vector's (key s or d), and decode back. */
static void check_encoding(const uint8_t *reg, int p, json_t *hll)
{
	json_t *s = json_object_get(hll, "s"), *d = json_object_get(hll, "d");
	const char *want = json_string_value(s ? s : d);
	uint8_t *back = calloc(1, (size_t)1 << p);
	bool sparse;
	size_t len = xs_fhll_encoded_len(reg, p, &sparse);
	char *out = malloc(len + 1);

	CU_ASSERT_EQUAL(json_integer_value(json_object_get(hll, "p")), p);
	CU_ASSERT_EQUAL(sparse, s != NULL);
	CU_ASSERT_EQUAL(xs_fhll_encode(reg, p, sparse, out), len);
	CU_ASSERT_STRING_EQUAL(out, want);
	CU_ASSERT_EQUAL(xs_fhll_decode(want, s != NULL, p, back), 0);
	CU_ASSERT_EQUAL(memcmp(back, reg, (size_t)1 << p), 0);
	free(out);
	free(back);
}

static void test_sketches(void)
{
	json_t *v = vectors(), *e;
	size_t i;
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	json_array_foreach(json_object_get(v, "sketches"), i, e) {
		int p = (int)json_integer_value(json_object_get(e, "p"));
		uint8_t *reg = calloc(1, (size_t)1 << p);
		double est;

		add_range(reg, p, json_string_value(json_object_get(e, "items")));
		check_encoding(reg, p, json_object_get(e, "hll"));
		est = xs_fhll_estimate(reg, p);
		/* Bit for bit: the app computes the same operations in order. */
		CU_ASSERT(est == json_real_value(json_object_get(e, "estimate")));
		CU_ASSERT_EQUAL(xs_fhll_count(reg, p),
				(uint64_t)json_integer_value(json_object_get(e, "count")));
		free(reg);
		n++;
	}
	CU_ASSERT_EQUAL(n, 14);
}

static uint8_t *decode(json_t *hll, int *p)
{
	json_t *s = json_object_get(hll, "s");
	uint8_t *reg;

	*p = (int)json_integer_value(json_object_get(hll, "p"));
	reg = calloc(1, (size_t)1 << *p);
	CU_ASSERT_EQUAL(xs_fhll_decode(json_string_value(s ? s : json_object_get(hll, "d")), s != NULL,
				       *p, reg), 0);
	return reg;
}

static void test_fold_merge(void)
{
	json_t *v = vectors(), *e;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	json_array_foreach(json_object_get(v, "folds"), i, e) {
		int p, p2 = (int)json_integer_value(json_object_get(e, "to_p"));
		uint8_t *src = decode(json_object_get(e, "from"), &p), *dst = calloc(1, 1u << p2);

		xs_fhll_fold_into(dst, p2, src, p);
		check_encoding(dst, p2, json_object_get(e, "result"));
		free(src);
		free(dst);
	}
	json_array_foreach(json_object_get(v, "merges"), i, e) {
		int pa, pb;
		uint8_t *a = decode(json_object_get(e, "a"), &pa), *b = decode(json_object_get(e, "b"), &pb);
		uint8_t *m = calloc(1, 1u << pb);

		CU_ASSERT_FATAL(pb < pa);
		xs_fhll_fold_into(m, pb, a, pa);
		xs_fhll_merge(m, b, pb);
		check_encoding(m, pb, json_object_get(e, "result"));
		CU_ASSERT(xs_fhll_estimate(m, pb) == json_real_value(json_object_get(e, "estimate")));
		CU_ASSERT_EQUAL(xs_fhll_count(m, pb), (uint64_t)json_integer_value(json_object_get(e, "count")));
		free(a);
		free(b);
		free(m);
	}
}

/* The sparse path straight from cells (few items) gives the bytes the
 * registers give, at full precision and folded. */
static void test_cells(void)
{
	static uint32_t cells[3000];
	static uint8_t reg[1 << 14], low[1 << 10];
	static char a[20000], b[20000];
	struct xs_addr x;
	bool sparse;
	size_t n, i;

	xs_addr_parse("198.18.0.0", &x);
	for (i = 0; i < 1500; i++) {
		uint64_t h;

		x.a[14] = (uint8_t)(i >> 8);
		x.a[15] = (uint8_t)i;
		h = xs_siphash16(key.k0, key.k1, x.a);
		cells[i] = xs_fhll_cell(h, 14);
		if (i < 1500)
			xs_fhll_add(reg, 14, h);
	}
	/* Each item twice: duplicates must collapse. */
	for (i = 1500; i < 3000; i++)
		cells[i] = cells[i - 1500];
	n = xs_fhll_cells_fold(cells, 3000, 14, 14);
	CU_ASSERT_EQUAL((int)n, xs_fhll_nonzero(reg, 14));
	CU_ASSERT_EQUAL(xs_fhll_encoded_len(reg, 14, &sparse), (3 * n + 2) / 3 * 4);
	CU_ASSERT(sparse);
	xs_fhll_encode(reg, 14, true, a);
	xs_fhll_encode_cells(cells, n, b);
	CU_ASSERT_STRING_EQUAL(a, b);
	/* Folded to p = 10. */
	xs_fhll_fold_into(low, 10, reg, 14);
	n = xs_fhll_cells_fold(cells, n, 14, 10);
	CU_ASSERT_EQUAL((int)n, xs_fhll_nonzero(low, 10));
	xs_fhll_encode(low, 10, true, a);
	xs_fhll_encode_cells(cells, n, b);
	CU_ASSERT_STRING_EQUAL(a, b);
}

static void test_decode_refuses(void)
{
	uint8_t reg[16];

	CU_ASSERT_EQUAL(xs_fhll_decode("AAA", false, 4, reg), -1);		/* not 4k chars */
	CU_ASSERT_EQUAL(xs_fhll_decode("AAAAAAAAAAAAAAAAAAAAAA==", false, 4, reg), 0);
	CU_ASSERT_EQUAL(xs_fhll_decode("AAAAAAAAAAAAAAAAAAAAAAAA", false, 4, reg), -1);	/* 18 bytes */
	CU_ASSERT_EQUAL(xs_fhll_decode("AABBAABB", true, 4, reg), -1);	/* index 0 twice */
	CU_ASSERT_EQUAL(xs_fhll_decode("AAAA", true, 4, reg), -1);		/* rank 0 */
}

static const struct xs_test tests[] = {
	{ "SipHash-2-4 and key ids match the vectors", test_siphash },
	{ "addresses and targets hash to the vectors' items", test_items },
	{ "sketches: registers, encoding, estimate bit for bit, count", test_sketches },
	{ "folds and a merge across precisions", test_fold_merge },
	{ "the sparse form straight from cells, folded too", test_cells },
	{ "decoding refuses what the app refuses", test_decode_refuses },
};

XS_RUN_SUITE("fleet_hll", tests)
