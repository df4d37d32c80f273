// Cache blocking of the int8 GEMM driver (kernels/gemm.cc), derived in one place from the caches found
// (jit/cache_sizes.h). The driver's loop order, outermost first:
//   row blocks of A (mc_tiles tiles of mr rows)  ->  panels of B (nr columns, all of K)  ->  tiles of the block
// What sits where:
//   - the row block of A, as the kernel reads it (u8, or int16 on s16x2 after widening), stays in L2 while every
//     panel of B passes it: it takes half of the L2, the other half holding the panel being read (K x nr, 16-32
//     KiB at K = 1024), the C tile lines and whatever the hardware prefetcher brings ahead;
//   - one panel of B is read by every tile of the block in turn: it stays in L1 when K x nr fits in half of it
//     (K <= 512 on s16x2, 1024 on u8x4 with a 32 KiB L1d), else in L2, where a 6 x 16 tile still needs only 64
//     bytes of B per 6 cycles of multiplies (the L2 gives 32 bytes per cycle), so no K blocking: the kernel keeps
//     whole-K accumulators and applies the output stage once, without int32 partial tiles in memory;
//   - all of B is read once per row block, from L3 (or DRAM when it is larger than the core's share of the L3).
// Measured on the Zen 3 here (bench/RESULTS.md, "GEMM driver: cache blocking, small M, 2 threads"): neither K nor
// N blocking pays for the shapes of bench/data/gemm_shapes.txt (reasons beside the fields below), and a row block
// of 1/8 to all of the L2 gives the same speed within noise; half is kept as the middle of that range.
#pragma once

#include <cstddef>
#include <string>

#include "jit/cache_sizes.h"

namespace qjit {

struct GemmBlocking {
  // Tiles of mr rows per row block of A: the block (a_row_bytes x mr x mc_tiles) fills half of the L2. At least 1.
  size_t mc_tiles = 1;
  // Bytes of the row block (for the verbose log and tests).
  size_t a_block_bytes = 0;
  // Whether one panel of B (K x nr) fits in half of the L1d, i.e. is re-read from L1 by the tiles of a block.
  bool panel_in_l1 = false;
  // Whether all of B fits in the core's share of the L3 (else each row block streams it from DRAM; N blocking
  // would then keep a block of panels in L3 across row blocks: only 256+ row shapes with > 16 MB of weights,
  // none in the benchmark list, would gain).
  bool b_in_l3 = true;

  std::string str() const;  // "mc=21tiles:a_block=252KiB:panel=L1:b=L3"
};

// a_row_bytes: bytes of one row of A as the kernel reads it; mr: rows per tile; panel_bytes: one packed panel;
// b_bytes: all packed panels.
GemmBlocking gemm_blocking(const CacheSizes& caches, size_t a_row_bytes, size_t mr, size_t panel_bytes,
                           size_t b_bytes);

}  // namespace qjit
