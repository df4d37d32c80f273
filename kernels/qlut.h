// Byte-to-byte maps over raw u8 / s8 buffers: the fast form of every quantized unary op whose output depends only
// on the input value (activations with fixed input and output quantization parameters, requantization of cat).
//  - qlut_apply: out[i] = table[in[i]] with a 256-entry table indexed by the stored byte (an s8 value v is at
//    index uint8_t(v)). A table built once per (input qparams, output qparams) with the op's reference formula makes
//    the fast op exactly the reference, whatever the formula.
//  - qclamp: out[i] = min(max(in[i], lo), hi) on the stored integers (relu, relu6, hardtanh, clamp keep their input
//    qparams, so they are pure integer clamps).
// Every path (scalar, AVX2) gives the same bits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "kernels/exec.h"
#include "kernels/qtype.h"

namespace qjit {

using QLut = std::array<uint8_t, 256>;

// in and out may be the same buffer. n bytes.
void qlut_apply(const QLut& table, const uint8_t* in, uint8_t* out, size_t n, const Exec& exec = {});

// type u8 or s8; lo <= hi within the type's range (qjit::Error otherwise). in and out may be the same buffer.
void qclamp(QType type, const void* in, void* out, size_t n, int32_t lo, int32_t hi, const Exec& exec = {});

}  // namespace qjit
