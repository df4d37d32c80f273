// qjit::Tensor: the one tensor type of the library (float, integer and quantized dtypes), shaped and strided like
// PyTorch's. A Tensor is a handle: copying it shares the storage, as in PyTorch; view/reshape (of a contiguous
// tensor) and permute share it too; clone() and contiguous() (when it has to) copy.
//
// Quantized dtypes carry their quantization parameters (a Quantizer, shared by views). quint4x2 packs two 4-bit
// values per byte along the last dimension (low nibble first, ceil(last/2) bytes per row, as PyTorch sizes it);
// such tensors are always row-major: view keeps the last dimension, permute and channels_last are refused.
//
// Every public function checks its arguments and throws qjit::Error "fn: arg = value: requirement".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "kernels/qtype.h"

namespace qjit {

// ---------------------------------------------------------------------------------------------------- dtypes
enum class DType : uint8_t { float32, float16, int32, int64, uint8, int8, quint8, qint8, qint32, quint4x2 };

// PyTorch's name without "torch." ("float32", "quint8", ...).
const char* dtype_name(DType t);
// Bytes of one element; quint4x2 reports 1, the byte that holds two values (see storage_nbytes).
size_t element_size(DType t);
bool is_quantized(DType t);
bool is_floating_point(DType t);
// Range of the stored integers of a quantized dtype (quint4x2: [0, 15]). Throws for other dtypes.
int64_t quant_min(DType t);
int64_t quant_max(DType t);
// The kernel storage type of a quantized dtype (quint4x2: u8, values in [0, 15]). Throws for other dtypes.
QType qtype_of(DType t);
// Bytes a tensor of this shape and dtype occupies when packed (row-major / any dense layout).
size_t storage_nbytes(const std::vector<int64_t>& sizes, DType t);

enum class QScheme {
  none,
  per_tensor_affine,
  per_tensor_symmetric,
  per_channel_affine,
  per_channel_symmetric,
  per_channel_affine_float_qparams
};
const char* qscheme_name(QScheme s);
bool is_per_channel(QScheme s);

// contiguous: row-major (NCHW). channels_last: NHWC for 4-D tensors, NDHWC for 5-D (PyTorch's channels_last_3d).
enum class MemoryFormat { contiguous, channels_last };
const char* memory_format_name(MemoryFormat f);

// "[2, 3, 4]", for messages.
std::string shape_str(const std::vector<int64_t>& sizes);

// ---------------------------------------------------------------------------------------------------- storage
// A 64-byte aligned byte buffer (a cache line, and the widest vector load), owned by every tensor viewing it.
class Storage {
 public:
  static constexpr size_t kAlignment = 64;
  explicit Storage(size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  std::byte* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }

 private:
  std::byte* data_;
  size_t nbytes_;
};

// The quantization parameters of a quantized tensor. Per-tensor schemes use scale/zero_point; per-channel ones
// use scales and zero_points (or float_zero_points for per_channel_affine_float_qparams) along `axis`.
// Scales are doubles as PyTorch stores them; kernels use (float)scale.
struct Quantizer {
  QScheme scheme = QScheme::none;
  double scale = 1.0;
  int64_t zero_point = 0;
  std::vector<double> scales;
  std::vector<int64_t> zero_points;
  std::vector<float> float_zero_points;
  int64_t axis = 0;
};

// Validated quantizers; `fn` names the caller in messages. Scales must be finite and > 0 (also as float32), zero
// points within [quant_min(dtype), quant_max(dtype)], axis in [0, dim) as PyTorch requires, one scale and one
// zero point per index along the axis. Float zero points must be finite and need quint8 or quint4x2.
Quantizer make_per_tensor_quantizer(std::string_view fn, double scale, int64_t zero_point, DType dtype);
Quantizer make_per_channel_quantizer(std::string_view fn, const std::vector<int64_t>& sizes,
                                     const std::vector<double>& scales, const std::vector<int64_t>& zero_points,
                                     int64_t axis, DType dtype);
Quantizer make_per_channel_quantizer(std::string_view fn, const std::vector<int64_t>& sizes,
                                     const std::vector<double>& scales, const std::vector<float>& zero_points,
                                     int64_t axis, DType dtype);
// The same checks on a quantizer built by hand, against the sizes and dtype of the tensor that carries it.
void check_quantizer(std::string_view fn, const std::vector<int64_t>& sizes, DType dtype, const Quantizer& q);

// ---------------------------------------------------------------------------------------------------- tensor
namespace detail {
// data_ptr<T> accepts the C++ type each dtype is stored as: the quantized dtypes are their integer storage (the
// kernels take raw buffers), float16 is uint16_t bits.
template <class T>
constexpr bool stored_as(DType t) {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, float>) return t == DType::float32;
  else if constexpr (std::is_same_v<U, uint16_t>) return t == DType::float16;
  else if constexpr (std::is_same_v<U, int32_t>) return t == DType::int32 || t == DType::qint32;
  else if constexpr (std::is_same_v<U, int64_t>) return t == DType::int64;
  else if constexpr (std::is_same_v<U, uint8_t>) return t == DType::uint8 || t == DType::quint8 || t == DType::quint4x2;
  else if constexpr (std::is_same_v<U, int8_t>) return t == DType::int8 || t == DType::qint8;
  else static_assert(sizeof(U) == 0, "data_ptr<T>: T must be float, uint16_t, int32_t, int64_t, uint8_t or int8_t");
}
template <class T>
constexpr const char* cpp_type_name() {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, float>) return "float";
  else if constexpr (std::is_same_v<U, uint16_t>) return "uint16_t";
  else if constexpr (std::is_same_v<U, int32_t>) return "int32_t";
  else if constexpr (std::is_same_v<U, int64_t>) return "int64_t";
  else if constexpr (std::is_same_v<U, uint8_t>) return "uint8_t";
  else return "int8_t";
}
}  // namespace detail

class Tensor {
 public:
  Tensor() = default;  // undefined: every method but defined() throws

  // A tensor over existing storage (the base of every view). Offset and strides are in elements; the extent they
  // reach must lie inside the storage. quantizer: required for quantized dtypes, must be null otherwise.
  static Tensor from_storage(std::shared_ptr<Storage> storage, int64_t storage_offset, std::vector<int64_t> sizes,
                             std::vector<int64_t> strides, DType dtype,
                             std::shared_ptr<const Quantizer> quantizer = nullptr);

  bool defined() const { return storage_ != nullptr; }
  int64_t dim() const;
  const std::vector<int64_t>& sizes() const;
  int64_t size(int64_t d) const;  // negative d counts from the end
  const std::vector<int64_t>& strides() const;
  int64_t stride(int64_t d) const;
  int64_t numel() const;
  DType dtype() const;
  size_t element_size() const { return qjit::element_size(dtype()); }
  bool is_quantized() const { return qjit::is_quantized(dtype()); }
  int64_t storage_offset() const;
  const std::shared_ptr<Storage>& storage() const;
  bool shares_storage_with(const Tensor& other) const { return defined() && storage_ == other.storage_; }

  // The first element. T is the type the dtype is stored as (see detail::stored_as); data_ptr<void>() skips the
  // check. Throws when T does not match the dtype.
  template <class T = void>
  T* data_ptr() const {
    if constexpr (!std::is_void_v<std::remove_cv_t<T>>) {
      if (!detail::stored_as<T>(dtype())) throw_data_ptr_mismatch(detail::cpp_type_name<T>());
    }
    return reinterpret_cast<T*>(raw_data());
  }

  // Memory layout. A size-1 dimension's stride is ignored, as PyTorch does.
  bool is_contiguous(MemoryFormat format = MemoryFormat::contiguous) const;
  // channels_last when the strides order dimensions like NHWC / NDHWC (PyTorch's heuristic, NCHW on ties).
  MemoryFormat suggest_memory_format() const;
  // *this when already dense in `format`, else a copy that is.
  Tensor contiguous(MemoryFormat format = MemoryFormat::contiguous) const;
  // A copy that owns its storage, in the memory format this tensor suggests.
  Tensor clone() const;

  // Views. view needs a contiguous tensor; reshape copies when it must. One size may be -1 (inferred).
  // Per-channel quantized tensors keep the dimensions up to and including their axis; quint4x2 its last one.
  Tensor view(std::vector<int64_t> sizes) const;
  Tensor reshape(std::vector<int64_t> sizes) const;
  // dims is a permutation of [0, dim) (negative entries count from the end); a per-channel axis moves along.
  Tensor permute(std::vector<int64_t> dims) const;

  // Conversion between the plain dtypes: float32 <-> float16 by the f16 kernels, float -> integer truncates
  // toward zero (a value out of the target range, or NaN, is an error), integer -> float rounds to nearest.
  // Quantized tensors convert through quantize_* / dequantize. Returns *this when the dtype already matches.
  Tensor to(DType dtype) const;

  // Quantization parameters (PyTorch's names). Per-tensor accessors on a per-channel tensor (and the reverse), and
  // any of them on a non-quantized tensor, throw naming the function and the actual qscheme / dtype.
  QScheme qscheme() const;
  double q_scale() const;
  int64_t q_zero_point() const;
  const std::vector<double>& q_per_channel_scales() const;
  // Integer zero points; a per_channel_affine_float_qparams tensor has float ones instead:
  const std::vector<int64_t>& q_per_channel_zero_points() const;
  const std::vector<float>& q_per_channel_float_zero_points() const;
  int64_t q_per_channel_axis() const;
  const Quantizer& quantizer() const;
  const std::shared_ptr<const Quantizer>& quantizer_ptr() const { return quantizer_; }

  // "Tensor(quint8, [2, 3], per_tensor_affine)", for messages.
  std::string to_string() const;

 private:
  void check_defined(std::string_view fn) const;
  std::byte* raw_data() const;
  [[noreturn]] void throw_data_ptr_mismatch(const char* type_name) const;
  const Quantizer& per_tensor_quantizer(std::string_view fn) const;
  const Quantizer& per_channel_quantizer(std::string_view fn) const;

  std::shared_ptr<Storage> storage_;
  int64_t offset_ = 0;  // elements
  std::vector<int64_t> sizes_, strides_;
  DType dtype_ = DType::float32;
  std::shared_ptr<const Quantizer> quantizer_;
};

// ---------------------------------------------------------------------------------------------------- factories
// Dense strides of `sizes` in `format` (channels_last needs 4 or 5 dimensions).
std::vector<int64_t> dense_strides(const std::vector<int64_t>& sizes, MemoryFormat format = MemoryFormat::contiguous);

// Uninitialised / zero-filled / constant plain tensors (quantized dtypes need parameters: empty_quantized).
Tensor empty(const std::vector<int64_t>& sizes, DType dtype = DType::float32,
             MemoryFormat format = MemoryFormat::contiguous);
Tensor zeros(const std::vector<int64_t>& sizes, DType dtype = DType::float32,
             MemoryFormat format = MemoryFormat::contiguous);
Tensor full(const std::vector<int64_t>& sizes, double value, DType dtype = DType::float32);

// Uninitialised quantized tensors (PyTorch's _empty_affine_quantized, _empty_per_channel_affine_quantized).
Tensor empty_quantized(const std::vector<int64_t>& sizes, DType dtype, Quantizer quantizer,
                       MemoryFormat format = MemoryFormat::contiguous);
Tensor empty_affine_quantized(const std::vector<int64_t>& sizes, double scale, int64_t zero_point, DType dtype,
                              MemoryFormat format = MemoryFormat::contiguous);
Tensor empty_per_channel_affine_quantized(const std::vector<int64_t>& sizes, const std::vector<double>& scales,
                                          const std::vector<int64_t>& zero_points, int64_t axis, DType dtype,
                                          MemoryFormat format = MemoryFormat::contiguous);

// Copies of caller data, row-major. from_vector without a shape makes a 1-D tensor.
Tensor from_data(const void* data, const std::vector<int64_t>& sizes, DType dtype);
Tensor from_vector(const std::vector<float>& v);
Tensor from_vector(const std::vector<float>& v, const std::vector<int64_t>& sizes);
namespace detail {
Tensor from_vector_data(const void* data, size_t count, const std::vector<int64_t>& sizes, DType dtype);
}
// Integer vectors (a template, so that a braced list of numbers picks the float overload, as torch.tensor does).
template <class T>
  requires(std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t> || std::is_same_v<T, uint8_t> ||
           std::is_same_v<T, int8_t>)
Tensor from_vector(const std::vector<T>& v, const std::vector<int64_t>& sizes) {
  const DType dtype = std::is_same_v<T, int32_t>   ? DType::int32
                      : std::is_same_v<T, int64_t> ? DType::int64
                      : std::is_same_v<T, uint8_t> ? DType::uint8
                                                   : DType::int8;
  return detail::from_vector_data(v.data(), v.size(), sizes, dtype);
}

// A quantized tensor from stored integers (PyTorch's _make_per_tensor_quantized_tensor and
// _make_per_channel_quantized_tensor), copying them: uint8 -> quint8, int8 -> qint8, int32 -> qint32.
// Values are taken as they are (no clamping), as PyTorch does.
Tensor make_per_tensor_quantized_tensor(const Tensor& int_repr, double scale, int64_t zero_point);
Tensor make_per_channel_quantized_tensor(const Tensor& int_repr, const std::vector<double>& scales,
                                         const std::vector<int64_t>& zero_points, int64_t axis);
// Float zero points (per_channel_affine_float_qparams), dtype quint8 or quint4x2. int_repr is uint8 with the
// logical shape, one value per element (for quint4x2 each in [0, 15]; they are packed here).
Tensor make_per_channel_quantized_tensor(const Tensor& int_repr, const std::vector<double>& scales,
                                         const std::vector<float>& zero_points, int64_t axis, DType dtype);

// Free-function forms of the accessors (PyTorch's torch.q_scale etc.).
QScheme qscheme(const Tensor& t);
double q_scale(const Tensor& t);
int64_t q_zero_point(const Tensor& t);
const std::vector<double>& q_per_channel_scales(const Tensor& t);
const std::vector<int64_t>& q_per_channel_zero_points(const Tensor& t);
const std::vector<float>& q_per_channel_float_zero_points(const Tensor& t);
int64_t q_per_channel_axis(const Tensor& t);

}  // namespace qjit
