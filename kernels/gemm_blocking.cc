#include "kernels/gemm_blocking.h"

#include <algorithm>

namespace qjit {

GemmBlocking gemm_blocking(const CacheSizes& caches, size_t a_row_bytes, size_t mr, size_t panel_bytes,
                           size_t b_bytes) {
  GemmBlocking b;
  const size_t tile_bytes = std::max<size_t>(1, a_row_bytes * std::max<size_t>(1, mr));
  b.mc_tiles = std::max<size_t>(1, caches.l2 / 2 / tile_bytes);
  b.a_block_bytes = b.mc_tiles * tile_bytes;
  b.panel_in_l1 = panel_bytes <= caches.l1d / 2;
  b.b_in_l3 = b_bytes <= caches.l3_per_core();
  return b;
}

std::string GemmBlocking::str() const {
  return "mc=" + std::to_string(mc_tiles) + "tiles:a_block=" + std::to_string(a_block_bytes / 1024) +
         "KiB:panel=" + (panel_in_l1 ? "L1" : "L2") + ":b=" + (b_in_l3 ? "L3" : "DRAM");
}

}  // namespace qjit
