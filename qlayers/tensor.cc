// The Tensor half of qlayers/tensor.h: dtypes, storage, layouts, views, conversions, plain factories.
// (Quantizers and quantized factories: quantizer.cc.)
#include "qlayers/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "base/error.h"
#include "kernels/convert_f16.h"

namespace qjit {

// ---------------------------------------------------------------------------------------------------- dtypes
const char* dtype_name(DType t) {
  switch (t) {
    case DType::float32: return "float32";
    case DType::float16: return "float16";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
    case DType::uint8: return "uint8";
    case DType::int8: return "int8";
    case DType::quint8: return "quint8";
    case DType::qint8: return "qint8";
    case DType::qint32: return "qint32";
    case DType::quint4x2: return "quint4x2";
  }
  return "?";
}

size_t element_size(DType t) {
  switch (t) {
    case DType::float32: case DType::int32: case DType::qint32: return 4;
    case DType::float16: return 2;
    case DType::int64: return 8;
    default: return 1;
  }
}

bool is_quantized(DType t) {
  return t == DType::quint8 || t == DType::qint8 || t == DType::qint32 || t == DType::quint4x2;
}

bool is_floating_point(DType t) { return t == DType::float32 || t == DType::float16; }

static void check_quantized_dtype(std::string_view fn, std::string_view arg, DType t) {
  check_arg(is_quantized(t), fn, arg, dtype_name(t), "must be a quantized dtype (quint8, qint8, qint32, quint4x2)");
}

int64_t quant_min(DType t) {
  check_quantized_dtype("quant_min", "dtype", t);
  return t == DType::qint8 ? -128 : t == DType::qint32 ? INT32_MIN : 0;
}

int64_t quant_max(DType t) {
  check_quantized_dtype("quant_max", "dtype", t);
  return t == DType::quint8 ? 255 : t == DType::qint8 ? 127 : t == DType::qint32 ? INT32_MAX : 15;
}

QType qtype_of(DType t) {
  check_quantized_dtype("qtype_of", "dtype", t);
  return t == DType::qint8 ? QType::s8 : t == DType::qint32 ? QType::s32 : QType::u8;
}

const char* qscheme_name(QScheme s) {
  switch (s) {
    case QScheme::none: return "none";
    case QScheme::per_tensor_affine: return "per_tensor_affine";
    case QScheme::per_tensor_symmetric: return "per_tensor_symmetric";
    case QScheme::per_channel_affine: return "per_channel_affine";
    case QScheme::per_channel_symmetric: return "per_channel_symmetric";
    case QScheme::per_channel_affine_float_qparams: return "per_channel_affine_float_qparams";
  }
  return "?";
}

bool is_per_channel(QScheme s) {
  return s == QScheme::per_channel_affine || s == QScheme::per_channel_symmetric ||
         s == QScheme::per_channel_affine_float_qparams;
}

const char* memory_format_name(MemoryFormat f) {
  return f == MemoryFormat::contiguous ? "contiguous" : "channels_last";
}

std::string shape_str(const std::vector<int64_t>& sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

// Sizes are checked before anything is allocated; the product is bounded so no size arithmetic overflows.
static int64_t checked_numel(std::string_view fn, const std::vector<int64_t>& sizes) {
  int64_t n = 1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    check_arg(sizes[i] >= 0, fn, "sizes", shape_str(sizes), "sizes must be >= 0");
    if (sizes[i] != 0 && n > (int64_t{1} << 48) / sizes[i]) throw_bad_arg(fn, "sizes", shape_str(sizes), "too many elements");
    n *= sizes[i];
  }
  return n;
}

static int64_t product(const std::vector<int64_t>& sizes, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i) n *= sizes[i];
  return n;
}

size_t storage_nbytes(const std::vector<int64_t>& sizes, DType t) {
  const int64_t n = checked_numel("storage_nbytes", sizes);
  if (t != DType::quint4x2) return static_cast<size_t>(n) * element_size(t);
  if (sizes.empty()) return 1;
  return static_cast<size_t>(product(sizes, 0, sizes.size() - 1) * ((sizes.back() + 1) / 2));
}

// ---------------------------------------------------------------------------------------------------- storage
Storage::Storage(size_t nbytes)
    : data_(static_cast<std::byte*>(::operator new(nbytes, std::align_val_t{kAlignment}))), nbytes_(nbytes) {}

Storage::~Storage() { ::operator delete(data_, std::align_val_t{kAlignment}); }

// ---------------------------------------------------------------------------------------------------- layout
static std::vector<int64_t> dim_order(size_t dim, MemoryFormat format) {  // innermost first
  if (format == MemoryFormat::channels_last) return dim == 4 ? std::vector<int64_t>{1, 3, 2, 0}
                                                             : std::vector<int64_t>{1, 4, 3, 2, 0};
  std::vector<int64_t> order(dim);
  for (size_t i = 0; i < dim; ++i) order[i] = static_cast<int64_t>(dim - 1 - i);
  return order;
}

static void check_format(std::string_view fn, size_t dim, MemoryFormat format) {
  check_arg(format == MemoryFormat::contiguous || dim == 4 || dim == 5, fn, "memory_format", "channels_last",
            "needs a 4-D or 5-D tensor, got " + std::to_string(dim) + "-D");
}

std::vector<int64_t> dense_strides(const std::vector<int64_t>& sizes, MemoryFormat format) {
  check_format("dense_strides", sizes.size(), format);
  std::vector<int64_t> strides(sizes.size());
  int64_t expected = 1;
  for (int64_t d : dim_order(sizes.size(), format)) {
    strides[d] = expected;
    expected *= std::max<int64_t>(sizes[d], 1);
  }
  return strides;
}

static bool dense_in(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides, MemoryFormat format) {
  if (format == MemoryFormat::channels_last && sizes.size() != 4 && sizes.size() != 5) return false;
  int64_t expected = 1;
  for (int64_t d : dim_order(sizes.size(), format)) {
    if (sizes[d] == 0) return true;
    if (sizes[d] == 1) continue;
    if (strides[d] != expected) return false;
    expected *= sizes[d];
  }
  return true;
}

// PyTorch's is_channels_last_strides_2d / _3d: the strides order the dimensions like NHWC, with NCHW winning the
// ambiguous cases (size-1 channels, N111 tensors).
static bool strides_like_channels_last(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides) {
  if ((sizes.size() != 4 && sizes.size() != 5) || strides[1] == 0) return false;
  int64_t min = 0;
  for (int64_t d : dim_order(sizes.size(), MemoryFormat::channels_last)) {
    if (sizes[d] == 0 || strides[d] < min) return false;
    if (d == 0 && min == strides[1]) return false;
    min = strides[d];
    if (sizes[d] > 1) min *= sizes[d];
  }
  return true;
}

// Copies every element of src into dst: same sizes and element size, any strides.
template <class T>
static void copy_strided(const T* s, T* d, const std::vector<int64_t>& sizes, const std::vector<int64_t>& ss,
                         const std::vector<int64_t>& ds) {
  if (sizes.empty()) {
    *d = *s;
    return;
  }
  const size_t last = sizes.size() - 1;
  const int64_t inner = sizes[last], si = ss[last], di = ds[last];
  const int64_t outer = product(sizes, 0, last);
  std::vector<int64_t> idx(last, 0);
  int64_t so = 0, dof = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) d[dof + i * di] = s[so + i * si];
    for (int64_t k = static_cast<int64_t>(last) - 1; k >= 0; --k) {  // odometer over the outer dimensions
      if (++idx[k] < sizes[k]) {
        so += ss[k];
        dof += ds[k];
        break;
      }
      so -= ss[k] * (sizes[k] - 1);
      dof -= ds[k] * (sizes[k] - 1);
      idx[k] = 0;
    }
  }
}

static void copy_elements(const Tensor& src, const Tensor& dst) {
  if (src.numel() == 0) return;
  for (MemoryFormat f : {MemoryFormat::contiguous, MemoryFormat::channels_last}) {
    if (src.is_contiguous(f) && dst.is_contiguous(f)) {  // same dense layout: one block
      std::memcpy(dst.data_ptr(), src.data_ptr(), storage_nbytes(src.sizes(), src.dtype()));
      return;
    }
  }
  switch (src.element_size()) {
    case 1: copy_strided(static_cast<const uint8_t*>(src.data_ptr()), static_cast<uint8_t*>(dst.data_ptr()),
                         src.sizes(), src.strides(), dst.strides()); break;
    case 2: copy_strided(static_cast<const uint16_t*>(src.data_ptr()), static_cast<uint16_t*>(dst.data_ptr()),
                         src.sizes(), src.strides(), dst.strides()); break;
    case 4: copy_strided(static_cast<const uint32_t*>(src.data_ptr()), static_cast<uint32_t*>(dst.data_ptr()),
                         src.sizes(), src.strides(), dst.strides()); break;
    default: copy_strided(static_cast<const uint64_t*>(src.data_ptr()), static_cast<uint64_t*>(dst.data_ptr()),
                          src.sizes(), src.strides(), dst.strides()); break;
  }
}

// ---------------------------------------------------------------------------------------------------- tensor
Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, int64_t storage_offset, std::vector<int64_t> sizes,
                            std::vector<int64_t> strides, DType dtype, std::shared_ptr<const Quantizer> quantizer) {
  constexpr std::string_view fn = "Tensor::from_storage";
  check_not_null(fn, "storage", storage.get());
  const int64_t n = checked_numel(fn, sizes);
  check_arg(strides.size() == sizes.size(), fn, "strides", shape_str(strides),
            "needs one stride per dimension of " + shape_str(sizes));
  check_arg(storage_offset >= 0, fn, "storage_offset", storage_offset, "must be >= 0");
  int64_t last = storage_offset;
  for (size_t i = 0; i < sizes.size(); ++i) {
    check_arg(strides[i] >= 0, fn, "strides", shape_str(strides), "strides must be >= 0");
    if (sizes[i] > 0) last += (sizes[i] - 1) * strides[i];
  }
  size_t needed = n == 0 ? 0 : static_cast<size_t>(last + 1) * qjit::element_size(dtype);
  if (dtype == DType::quint4x2) {
    check_arg(storage_offset == 0 && (n == 0 || dense_in(sizes, strides, MemoryFormat::contiguous)), fn, "strides",
              shape_str(strides), "a quint4x2 tensor is packed row-major at offset 0");
    needed = storage_nbytes(sizes, dtype);
  }
  check_arg(needed <= storage->nbytes(), fn, "storage.nbytes()", storage->nbytes(),
            "too small for sizes " + shape_str(sizes) + ", strides " + shape_str(strides) + " at offset " +
                std::to_string(storage_offset) + " (needs " + std::to_string(needed) + " bytes)");
  if (qjit::is_quantized(dtype)) {
    check_arg(quantizer != nullptr, fn, "quantizer", "null", std::string("a ") + dtype_name(dtype) +
                                                                   " tensor needs quantization parameters");
    check_quantizer(fn, sizes, dtype, *quantizer);
  } else {
    check_arg(quantizer == nullptr, fn, "quantizer", qscheme_name(quantizer ? quantizer->scheme : QScheme::none),
              std::string("a ") + dtype_name(dtype) + " tensor takes no quantization parameters");
  }
  Tensor t;
  t.storage_ = std::move(storage);
  t.offset_ = storage_offset;
  t.sizes_ = std::move(sizes);
  t.strides_ = std::move(strides);
  t.dtype_ = dtype;
  t.quantizer_ = std::move(quantizer);
  return t;
}

void Tensor::check_defined(std::string_view fn) const {
  if (!defined()) throw Error(std::string(fn) + ": the tensor is undefined (default-constructed)");
}

int64_t Tensor::dim() const {
  check_defined("Tensor::dim");
  return static_cast<int64_t>(sizes_.size());
}
const std::vector<int64_t>& Tensor::sizes() const {
  check_defined("Tensor::sizes");
  return sizes_;
}
const std::vector<int64_t>& Tensor::strides() const {
  check_defined("Tensor::strides");
  return strides_;
}

static int64_t wrap_dim(std::string_view fn, int64_t d, int64_t dim) {
  check_arg(d >= -dim && d < dim, fn, "dim", d, "must be in [" + std::to_string(-dim) + ", " + std::to_string(dim) +
                                                    ") for a " + std::to_string(dim) + "-D tensor");
  return d < 0 ? d + dim : d;
}

int64_t Tensor::size(int64_t d) const { return sizes()[wrap_dim("Tensor::size", d, dim())]; }
int64_t Tensor::stride(int64_t d) const { return strides()[wrap_dim("Tensor::stride", d, dim())]; }
int64_t Tensor::numel() const { return product(sizes(), 0, sizes_.size()); }
DType Tensor::dtype() const {
  check_defined("Tensor::dtype");
  return dtype_;
}
int64_t Tensor::storage_offset() const {
  check_defined("Tensor::storage_offset");
  return offset_;
}
const std::shared_ptr<Storage>& Tensor::storage() const {
  check_defined("Tensor::storage");
  return storage_;
}

std::byte* Tensor::raw_data() const {
  check_defined("Tensor::data_ptr");
  return storage_->data() + offset_ * static_cast<int64_t>(qjit::element_size(dtype_));
}

void Tensor::throw_data_ptr_mismatch(const char* type_name) const {
  throw_bad_arg("Tensor::data_ptr", "T", type_name, std::string("does not match the tensor's dtype ") +
                                                        dtype_name(dtype_));
}

bool Tensor::is_contiguous(MemoryFormat format) const { return dense_in(sizes(), strides_, format); }

MemoryFormat Tensor::suggest_memory_format() const {
  return strides_like_channels_last(sizes(), strides_) ? MemoryFormat::channels_last : MemoryFormat::contiguous;
}

static Tensor empty_like_layout(const Tensor& t, MemoryFormat format) {
  const auto& s = t.sizes();
  return Tensor::from_storage(std::make_shared<Storage>(storage_nbytes(s, t.dtype())), 0, s, dense_strides(s, format),
                              t.dtype(), t.quantizer_ptr());
}

Tensor Tensor::contiguous(MemoryFormat format) const {
  check_format("Tensor::contiguous", dim(), format);
  check_arg(dtype_ != DType::quint4x2 || format == MemoryFormat::contiguous, "Tensor::contiguous", "memory_format",
            memory_format_name(format), "quint4x2 tensors are packed row-major only");
  if (is_contiguous(format)) return *this;
  Tensor out = empty_like_layout(*this, format);
  copy_elements(*this, out);
  return out;
}

Tensor Tensor::clone() const {
  check_defined("Tensor::clone");
  Tensor out = empty_like_layout(*this, suggest_memory_format());
  copy_elements(*this, out);
  return out;
}

Tensor Tensor::view(std::vector<int64_t> sizes) const {
  constexpr std::string_view fn = "Tensor::view";
  check_arg(is_contiguous(), fn, "self", to_string(), "view needs a contiguous tensor (use reshape)");
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      check_arg(infer < 0, fn, "sizes", shape_str(sizes), "only one size may be -1");
      infer = static_cast<int64_t>(i);
    } else {
      check_arg(sizes[i] >= 0, fn, "sizes", shape_str(sizes), "sizes must be >= 0 (or -1)");
      known *= sizes[i];
    }
  }
  const int64_t n = numel();
  if (infer >= 0) {
    check_arg(known != 0 && n % known == 0, fn, "sizes", shape_str(sizes),
              "cannot infer -1 for " + std::to_string(n) + " elements");
    sizes[infer] = n / known;
    known *= sizes[infer];
  }
  check_arg(known == n, fn, "sizes", shape_str(sizes), "must hold " + std::to_string(n) + " elements like " +
                                                           shape_str(sizes_));
  if (quantizer_ && is_per_channel(quantizer_->scheme)) {
    const size_t keep = static_cast<size_t>(quantizer_->axis) + 1;
    check_arg(sizes.size() >= keep && std::equal(sizes_.begin(), sizes_.begin() + keep, sizes.begin()), fn, "sizes",
              shape_str(sizes), "a per-channel tensor keeps its dimensions up to axis " +
                                    std::to_string(quantizer_->axis) + " of " + shape_str(sizes_));
  }
  if (dtype_ == DType::quint4x2)
    check_arg(!sizes.empty() && !sizes_.empty() && sizes.back() == sizes_.back(), fn, "sizes", shape_str(sizes),
              "a quint4x2 tensor keeps its (packed) last dimension " + std::to_string(sizes_.back()));
  auto strides = dense_strides(sizes);
  return from_storage(storage_, offset_, std::move(sizes), std::move(strides), dtype_, quantizer_);
}

Tensor Tensor::reshape(std::vector<int64_t> sizes) const {
  return is_contiguous() ? view(std::move(sizes)) : contiguous().view(std::move(sizes));
}

Tensor Tensor::permute(std::vector<int64_t> dims) const {
  constexpr std::string_view fn = "Tensor::permute";
  const int64_t n = dim();
  check_arg(static_cast<int64_t>(dims.size()) == n, fn, "dims", shape_str(dims),
            "must list each of the " + std::to_string(n) + " dimensions once");
  std::vector<int64_t> sizes(n), strides(n);
  std::vector<bool> seen(n, false);
  bool identity = true;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = wrap_dim(fn, dims[i], n);
    check_arg(!seen[d], fn, "dims", shape_str(dims), "repeats dimension " + std::to_string(d));
    seen[d] = true;
    dims[i] = d;
    identity = identity && d == i;
    sizes[i] = sizes_[d];
    strides[i] = strides_[d];
  }
  check_arg(dtype_ != DType::quint4x2 || identity, fn, "dims", shape_str(dims),
            "quint4x2 tensors are packed row-major and cannot be permuted");
  auto quantizer = quantizer_;
  if (quantizer_ && is_per_channel(quantizer_->scheme)) {  // the channel axis moves with its dimension
    auto moved = std::make_shared<Quantizer>(*quantizer_);
    moved->axis = std::find(dims.begin(), dims.end(), quantizer_->axis) - dims.begin();
    quantizer = std::move(moved);
  }
  return from_storage(storage_, offset_, std::move(sizes), std::move(strides), dtype_, std::move(quantizer));
}

template <class T>
static constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::float32;
  else if constexpr (std::is_same_v<T, int32_t>) return DType::int32;
  else if constexpr (std::is_same_v<T, int64_t>) return DType::int64;
  else if constexpr (std::is_same_v<T, uint8_t>) return DType::uint8;
  else return DType::int8;
}

// Element conversion between plain dtypes. Float -> integer truncates and must land in range (C++ leaves the rest
// undefined; PyTorch returns garbage); integer -> integer must fit too, so no value changes silently.
template <class S, class D>
static void convert(std::string_view fn, const S* s, D* d, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if constexpr (std::is_integral_v<D>) {
      bool fits;
      if constexpr (std::is_floating_point_v<S>) {
        const double t = std::trunc(static_cast<double>(s[i]));  // NaN fails both comparisons
        fits = t >= static_cast<double>(std::numeric_limits<D>::min()) &&
               t < static_cast<double>(std::numeric_limits<D>::max()) + 1.0;
      } else {
        fits = std::in_range<D>(s[i]);
      }
      if (!fits) throw_bad_arg(fn, "element", s[i], std::string("is not representable in ") + dtype_name(dtype_of<D>()));
    }
    d[i] = static_cast<D>(s[i]);
  }
}

template <class F>
static void visit_plain(DType t, F&& f) {
  switch (t) {
    case DType::float32: f(float{}); return;
    case DType::int32: f(int32_t{}); return;
    case DType::int64: f(int64_t{}); return;
    case DType::uint8: f(uint8_t{}); return;
    case DType::int8: f(int8_t{}); return;
    default: throw_bad_arg("Tensor::to", "dtype", dtype_name(t), "is not a plain dtype");
  }
}

Tensor Tensor::to(DType dtype) const {
  constexpr std::string_view fn = "Tensor::to";
  check_arg(!is_quantized(), fn, "self.dtype", dtype_name(dtype_),
            "quantized tensors convert through dequantize / int_repr");
  check_arg(!qjit::is_quantized(dtype), fn, "dtype", dtype_name(dtype),
            "convert to a quantized dtype with quantize_per_tensor / quantize_per_channel");
  if (dtype == dtype_) return *this;
  const MemoryFormat format = suggest_memory_format();
  Tensor src = contiguous(format);  // same dense layout on both sides: elements correspond linearly
  const size_t n = static_cast<size_t>(numel());
  if (dtype_ == DType::float16) {  // widen first; the kernel is exact
    Tensor wide = empty(sizes_, DType::float32, format);
    f16_to_f32(src.data_ptr<uint16_t>(), wide.data_ptr<float>(), n);
    return wide.to(dtype);
  }
  if (dtype == DType::float16) {
    Tensor f = to(DType::float32);
    Tensor out = empty(sizes_, DType::float16, format);
    f32_to_f16(f.data_ptr<float>(), out.data_ptr<uint16_t>(), n);
    return out;
  }
  Tensor out = empty(sizes_, dtype, format);
  visit_plain(dtype_, [&](auto s) {
    visit_plain(dtype, [&](auto d) {
      using S = decltype(s);
      using D = decltype(d);
      convert(fn, static_cast<const S*>(src.data_ptr()), static_cast<D*>(out.data_ptr()), n);
    });
  });
  return out;
}

std::string Tensor::to_string() const {
  if (!defined()) return "Tensor(undefined)";
  std::string s = std::string("Tensor(") + dtype_name(dtype_) + ", " + shape_str(sizes_);
  if (!is_contiguous()) s += ", strides " + shape_str(strides_);
  if (quantizer_) s += std::string(", ") + qscheme_name(quantizer_->scheme);
  return s + ")";
}

// ---------------------------------------------------------------------------------------------------- factories
static Tensor allocate(std::string_view fn, const std::vector<int64_t>& sizes, DType dtype, MemoryFormat format) {
  checked_numel(fn, sizes);
  check_format(fn, sizes.size(), format);
  return Tensor::from_storage(std::make_shared<Storage>(storage_nbytes(sizes, dtype)), 0, sizes,
                              dense_strides(sizes, format), dtype);
}

static void check_plain(std::string_view fn, DType dtype) {
  check_arg(!is_quantized(dtype), fn, "dtype", dtype_name(dtype),
            "quantized tensors need parameters (empty_quantized, quantize_per_tensor, ...)");
}

Tensor empty(const std::vector<int64_t>& sizes, DType dtype, MemoryFormat format) {
  check_plain("empty", dtype);
  return allocate("empty", sizes, dtype, format);
}

Tensor zeros(const std::vector<int64_t>& sizes, DType dtype, MemoryFormat format) {
  check_plain("zeros", dtype);
  Tensor t = allocate("zeros", sizes, dtype, format);
  std::memset(t.data_ptr(), 0, t.storage()->nbytes());  // all-zero bits are 0 in every plain dtype
  return t;
}

Tensor full(const std::vector<int64_t>& sizes, double value, DType dtype) {
  check_plain("full", dtype);
  Tensor t = empty(sizes, dtype);
  const size_t n = static_cast<size_t>(t.numel());
  if (dtype == DType::float16) {  // rounded once from the float32 value, as to(float16) would
    const float f = static_cast<float>(value);
    uint16_t h;
    f32_to_f16(&f, &h, 1);
    std::fill_n(t.data_ptr<uint16_t>(), n, h);
    return t;
  }
  visit_plain(dtype, [&](auto z) {  // integers take the double itself (truncated, range-checked), not its float
    using D = decltype(z);
    D v;
    convert("full", &value, &v, 1);
    std::fill_n(static_cast<D*>(t.data_ptr()), n, v);
  });
  return t;
}

Tensor from_data(const void* data, const std::vector<int64_t>& sizes, DType dtype) {
  check_plain("from_data", dtype);
  Tensor t = allocate("from_data", sizes, dtype, MemoryFormat::contiguous);
  const size_t n = t.storage()->nbytes();
  if (n) {
    check_not_null("from_data", "data", data);
    std::memcpy(t.data_ptr(), data, n);
  }
  return t;
}

Tensor detail::from_vector_data(const void* data, size_t count, const std::vector<int64_t>& sizes, DType dtype) {
  const int64_t n = checked_numel("from_vector", sizes);
  check_arg(static_cast<int64_t>(count) == n, "from_vector", "v.size()", count,
            "must equal the " + std::to_string(n) + " elements of shape " + shape_str(sizes));
  return from_data(data, sizes, dtype);
}

Tensor from_vector(const std::vector<float>& v) { return from_vector(v, {static_cast<int64_t>(v.size())}); }
Tensor from_vector(const std::vector<float>& v, const std::vector<int64_t>& sizes) {
  return detail::from_vector_data(v.data(), v.size(), sizes, DType::float32);
}

}  // namespace qjit
