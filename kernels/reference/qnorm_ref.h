// Scalar oracles of the normalization kernels (kernels/qnorm.h): the plainest loops that state the formulas. The
// AVX2 paths are tested bit-exact against them and call the pieces below for the statistics of a slice and for
// the elements their vectors do not cover.
//
// Rounding of values far outside the output range: the value in units of the output scale is clamped to
// [-512, 512] before rounding (NaN to -512). Every value whose rounding fits an int64 gives the same byte as the
// unclamped formula (|zero point| <= 255 puts +-512 past either end of both ranges); the clamp only makes the
// others (infinities, NaN, |v| >= 2^63, where C's conversion is unspecified) saturate the same way on every path.
#pragma once

#include <cstdint>

#include "kernels/qnorm.h"

namespace qjit::ref {

// The limit of the pre-rounding clamp described above.
inline constexpr float kRoundLimit = 512.0f;

// Mean (in stored units less the input zero point) and the factor 1 / std in input-scale units of one slice, from
// the integer sum and sum of squares of its stored values, as ATen computes them.
struct NormStats {
  float mean = 0.0f;
  float inv_std = 0.0f;
};
NormStats norm_stats(const NormDesc& d, int64_t sum, int64_t sum_sq);

// Sum and sum of squares of n stored integers.
void slice_sums(QType t, const void* x, int64_t n, int64_t& sum, int64_t& sum_sq);

// Elements [begin, end) of slice `slice`; x and y point at the slice's first element.
void normalize_span(const NormDesc& d, QType t, const NormStats& s, int64_t slice, const void* x, void* y,
                    int64_t begin, int64_t end);

void quantized_normalize(const NormDesc& d, QType t, const void* x, void* y);

// n elements from x to y, element k of channel c0 + k * c_step (c_step 1 along a channels-last row, 0 inside
// one channel's plane).
void batch_norm_span(const BatchNormDesc& d, QType t, const void* x, void* y, int64_t n, int64_t c0, int64_t c_step);

void q_batch_norm(const BatchNormDesc& d, QType t, const void* x, void* y);

}  // namespace qjit::ref
