/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The fleet's HyperLogLog registers (docs/fleet.md, "HyperLogLog"), as the
 * fleet application reads them: 2^p one-byte registers; a 64-bit hash h
 * picks register h mod 2^p and offers rank ctz(h >> p) + 1 (64 - p + 1 when
 * h >> p is 0); registers merge by maximum; a finer sketch folds exactly
 * into a coarser one; Ertl's improved estimator, operation for operation
 * as the Java side computes it, so both give the same double; the wire
 * form {"p", "s"|"d"} in base64.
 */
#ifndef XS_FLEET_HLL_H
#define XS_FLEET_HLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_FHLL_P_MIN 4
#define XS_FHLL_P_MAX 16

/* idx << 6 | rank of a hash at precision p: the register and its offer. */
static inline uint32_t xs_fhll_cell(uint64_t h, int p)
{
	uint64_t w = h >> p;
	uint32_t rank = w ? (uint32_t)__builtin_ctzll(w) + 1 : (uint32_t)(64 - p + 1);

	return (uint32_t)(h & ((1ULL << p) - 1)) << 6 | rank;
}

static inline void xs_fhll_add_cell(uint8_t *reg, uint32_t cell)
{
	uint8_t r = cell & 63;

	if (reg[cell >> 6] < r)
		reg[cell >> 6] = r;
}

static inline void xs_fhll_add(uint8_t *reg, int p, uint64_t h)
{
	xs_fhll_add_cell(reg, xs_fhll_cell(h, p));
}

/* dst[i] = max(dst[i], src[i]) over 2^p registers. */
void xs_fhll_merge(uint8_t *dst, const uint8_t *src, int p);
/* Merges src (precision p) into dst (precision p2 <= p) folded: exactly
 * the registers the items of src would have given at p2. */
void xs_fhll_fold_into(uint8_t *dst, int p2, const uint8_t *src, int p);
int xs_fhll_nonzero(const uint8_t *reg, int p);
double xs_fhll_estimate(const uint8_t *reg, int p);
/* floor(estimate + 0.5), as messages and alerts report it. */
uint64_t xs_fhll_count(const uint8_t *reg, int p);

/* Cells (xs_fhll_cell at precision p), in place: folded to p2 <= p, sorted
 * by register, one per register (its highest rank): the sparse form.
 * Returns how many remain. */
size_t xs_fhll_cells_fold(uint32_t *cells, size_t n, int p, int p2);
/* Base64 (and a NUL) of cells from xs_fhll_cells_fold: (n * 3 + 2) / 3 * 4
 * characters; returns them. */
size_t xs_fhll_encode_cells(const uint32_t *cells, size_t n, char *out);

/* Base64 length (padded, no NUL) of the sparse or dense form. */
size_t xs_fhll_encoded_len(const uint8_t *reg, int p, bool *sparse);
/* Writes the registers' base64 (sparse when 3 x non-zero < 2^p, else
 * dense) and a NUL into out, which holds xs_fhll_encoded_len() + 1 bytes;
 * returns the length. */
size_t xs_fhll_encode(const uint8_t *reg, int p, bool sparse, char *out);
/* Reads either form back into reg (2^p bytes, zeroed first). 0, or -1 for
 * anything the fleet application would refuse. */
int xs_fhll_decode(const char *b64, bool sparse, int p, uint8_t *reg);

#endif
