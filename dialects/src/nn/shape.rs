//! Shape functions of the `nn` ops: pure functions on shapes and attributes, shared by the
//! verifiers, type inference and the optimizer. Errors say which operand and which dimension.

use std::fmt;

/// Where a conv or pool keeps channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    Nchw,
    Nhwc,
    /// `NCHW4c` (MegEngine's NCHW44): `[N, C/4, H, W, 4]`.
    Nchw4c,
    /// `NCHW8c` (NCHW88): `[N, C/8, H, W, 8]`.
    Nchw8c,
}

impl Layout {
    pub const ALL: [Layout; 4] = [Layout::Nchw, Layout::Nhwc, Layout::Nchw4c, Layout::Nchw8c];

    pub fn parse(s: &str) -> Option<Layout> {
        Some(match s {
            "NCHW" => Layout::Nchw,
            "NHWC" => Layout::Nhwc,
            "NCHW4c" => Layout::Nchw4c,
            "NCHW8c" => Layout::Nchw8c,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Layout::Nchw => "NCHW",
            Layout::Nhwc => "NHWC",
            Layout::Nchw4c => "NCHW4c",
            Layout::Nchw8c => "NCHW8c",
        }
    }
    /// Channels per block for blocked layouts.
    pub fn block(self) -> Option<i64> {
        match self {
            Layout::Nchw4c => Some(4),
            Layout::Nchw8c => Some(8),
            _ => None,
        }
    }
    pub fn rank(self) -> usize {
        if self.block().is_some() {
            5
        } else {
            4
        }
    }

    /// (N, C, H, W) of a shape in this layout.
    pub fn nchw(self, s: &[i64]) -> (i64, i64, i64, i64) {
        match self {
            Layout::Nchw => (s[0], s[1], s[2], s[3]),
            Layout::Nhwc => (s[0], s[3], s[1], s[2]),
            // Saturating: the verifier rejects shapes whose element count overflows, and a
            // zero-sized tensor (whose count does not) must not wrap here either.
            Layout::Nchw4c | Layout::Nchw8c => (s[0], s[1].saturating_mul(s[4]), s[2], s[3]),
        }
    }

    /// The shape in this layout of an (N, C, H, W) tensor.
    pub fn shape(self, n: i64, c: i64, h: i64, w: i64) -> Vec<i64> {
        match self {
            Layout::Nchw => vec![n, c, h, w],
            Layout::Nhwc => vec![n, h, w, c],
            Layout::Nchw4c | Layout::Nchw8c => {
                let b = self.block().unwrap();
                vec![n, c / b, h, w, b]
            }
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a convolution is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConvAlgorithm {
    Direct,
    Im2colGemm,
    /// Winograd F(2×2, 3×3).
    Winograd2x3,
    /// Winograd F(4×4, 3×3).
    Winograd4x3,
    /// A 3×3 convolution of stride 2 as Winograd F(4×4, 2×2) over the four phases of its input
    /// (even and odd rows by even and odd columns).
    Winograd4x2Stride2,
    Fft,
    ImplicitGemm,
}

impl ConvAlgorithm {
    pub const ALL: [ConvAlgorithm; 7] = [
        ConvAlgorithm::Direct,
        ConvAlgorithm::Im2colGemm,
        ConvAlgorithm::Winograd2x3,
        ConvAlgorithm::Winograd4x3,
        ConvAlgorithm::Winograd4x2Stride2,
        ConvAlgorithm::Fft,
        ConvAlgorithm::ImplicitGemm,
    ];
    pub fn parse(s: &str) -> Option<ConvAlgorithm> {
        ConvAlgorithm::ALL.into_iter().find(|a| a.name() == s)
    }
    /// The Winograd form of a 3×3 convolution this algorithm is, if it is one.
    pub fn winograd(self) -> Option<WinogradForm> {
        match self {
            ConvAlgorithm::Winograd2x3 => Some(WinogradForm { tile: 2, stride: 1 }),
            ConvAlgorithm::Winograd4x3 => Some(WinogradForm { tile: 4, stride: 1 }),
            ConvAlgorithm::Winograd4x2Stride2 => Some(WinogradForm { tile: 4, stride: 2 }),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ConvAlgorithm::Direct => "direct",
            ConvAlgorithm::Im2colGemm => "im2col_gemm",
            ConvAlgorithm::Winograd2x3 => "winograd_f2x3",
            ConvAlgorithm::Winograd4x3 => "winograd_f4x3",
            ConvAlgorithm::Winograd4x2Stride2 => "winograd_f4x2_s2",
            ConvAlgorithm::Fft => "fft",
            ConvAlgorithm::ImplicitGemm => "implicit_gemm",
        }
    }
}

/// A Winograd algorithm for 3×3 kernels: F(tile×tile, taps×taps) over the `stride²` phases
/// of the input (even and odd rows by even and odd columns at stride 2), stacked as channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WinogradForm {
    /// Outputs per tile and direction.
    pub tile: i64,
    pub stride: i64,
}

impl WinogradForm {
    /// Kernel taps per phase and direction: 3 at stride 1; 2 at stride 2 (rows 0 and 2 of the
    /// kernel in the even phase, 1 and a zero in the odd one).
    pub fn taps(self) -> i64 {
        (3 + self.stride - 1) / self.stride
    }

    /// Phases of the input, each a channel block of the GEMMs.
    pub fn phases(self) -> i64 {
        self.stride * self.stride
    }
}

/// A shape error: which operand (by index and name) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeError {
    pub operand: Option<(usize, &'static str)>,
    pub message: String,
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operand {
            Some((i, name)) => write!(f, "operand #{i} ({name}): {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn operand_err<T>(i: usize, name: &'static str, message: impl Into<String>) -> Result<T, ShapeError> {
    Err(ShapeError { operand: Some((i, name)), message: message.into() })
}

fn err<T>(message: impl Into<String>) -> Result<T, ShapeError> {
    Err(ShapeError { operand: None, message: message.into() })
}

/// Numpy broadcasting of two shapes.
///
/// ```
/// use strata_dialects::nn::shape::broadcast;
/// assert_eq!(broadcast(&[8, 1, 6], &[7, 1]).unwrap(), vec![8, 7, 6]);
/// assert!(broadcast(&[3], &[4]).is_err());
/// ```
pub fn broadcast(a: &[i64], b: &[i64]) -> Result<Vec<i64>, ShapeError> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let x = if i + a.len() >= rank { a[i + a.len() - rank] } else { 1 };
        let y = if i + b.len() >= rank { b[i + b.len() - rank] } else { 1 };
        out[i] = match (x, y) {
            _ if x == y => x,
            (1, _) => y,
            (_, 1) => x,
            _ => {
                return err(format!(
                "shapes [{}] and [{}] do not broadcast: dimension {i} of the result is {x} in one and {y} in the other",
                join(a),
                join(b)
            ))
            }
        };
    }
    Ok(out)
}

pub fn join(s: &[i64]) -> String {
    s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x")
}

/// Convolution attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conv2d {
    pub strides: [i64; 2],
    /// top, left, bottom, right
    pub padding: [i64; 4],
    pub dilations: [i64; 2],
    pub groups: i64,
    pub layout: Layout,
}

impl Default for Conv2d {
    fn default() -> Self {
        Conv2d { strides: [1, 1], padding: [0; 4], dilations: [1, 1], groups: 1, layout: Layout::Nchw }
    }
}

/// One spatial output size: `(in + pads - dilation*(k-1) - 1) / stride + 1`, computed in
/// 128 bits (attributes are arbitrary i64s); a size beyond i64 is an error. `stride >= 1`.
fn window_out(size: i64, pads: [i64; 2], k: i64, stride: i64, dilation: i64) -> Result<i64, ShapeError> {
    let [a, b] = pads.map(i128::from);
    let n =
        (i128::from(size) + a + b - i128::from(dilation) * (i128::from(k) - 1) - 1).div_euclid(i128::from(stride)) + 1;
    i64::try_from(n).or_else(|_| err(format!("an output size ({n}) overflows i64")))
}

/// The element count of `shape`, which must fit in i64 (as the verifier requires of every
/// operand); `which` names it in the error.
fn count(shape: &[i64], which: &str) -> Result<i64, ShapeError> {
    match strata_ir::sizes::checked_num_elements(shape) {
        Some(n) => Ok(n as i64),
        None => err(format!("the element count of {which} [{}] overflows i64", join(shape))),
    }
}

impl Conv2d {
    /// Output shape of a convolution of `input` (in `self.layout`) with OIHW `weight` and an
    /// optional bias of `[O]`.
    ///
    /// ```
    /// use strata_dialects::nn::shape::Conv2d;
    /// let c = Conv2d { strides: [2, 2], padding: [3, 3, 3, 3], ..Conv2d::default() };
    /// assert_eq!(c.output(&[1, 3, 224, 224], &[64, 3, 7, 7], None).unwrap(), vec![1, 64, 112, 112]);
    /// ```
    pub fn output(&self, input: &[i64], weight: &[i64], bias: Option<&[i64]>) -> Result<Vec<i64>, ShapeError> {
        let l = self.layout;
        if input.len() != l.rank() {
            return operand_err(
                0,
                "input",
                format!("a {l} input has rank {}, not {} ([{}])", l.rank(), input.len(), join(input)),
            );
        }
        if weight.len() != 4 {
            return operand_err(
                1,
                "weight",
                format!("the weight is OIHW, rank 4, not {} ([{}])", weight.len(), join(weight)),
            );
        }
        if let Some(b) = l.block() {
            if input[4] != b {
                return operand_err(0, "input", format!("the last dimension of a {l} input is {b}, not {}", input[4]));
            }
        }
        if self.groups < 1 {
            return err(format!("groups must be at least 1, not {}", self.groups));
        }
        for (what, v) in [("strides", self.strides), ("dilations", self.dilations)] {
            if v.iter().any(|x| *x < 1) {
                return err(format!("{what} must be positive, not [{}, {}]", v[0], v[1]));
            }
        }
        if self.padding.iter().any(|p| *p < 0) {
            return err("padding must not be negative");
        }
        let (n, c, h, w) = l.nchw(input);
        let (o, i, kh, kw) = (weight[0], weight[1], weight[2], weight[3]);
        if c % self.groups != 0 {
            return operand_err(0, "input", format!("{c} input channels do not divide into {} groups", self.groups));
        }
        if o % self.groups != 0 {
            return operand_err(
                1,
                "weight",
                format!("{o} output channels (dimension 0) do not divide into {} groups", self.groups),
            );
        }
        if i != c / self.groups {
            return operand_err(
                1,
                "weight",
                format!(
                    "dimension 1 is {i}, but the input has {c} channels in {} groups: {} per group",
                    self.groups,
                    c / self.groups
                ),
            );
        }
        if let Some(bias) = bias {
            if bias != [o] {
                return operand_err(
                    2,
                    "bias",
                    format!("the bias has shape [{}], not [{o}] (one per output channel)", join(bias)),
                );
            }
        }
        let oh = window_out(h, [self.padding[0], self.padding[2]], kh, self.strides[0], self.dilations[0])?;
        let ow = window_out(w, [self.padding[1], self.padding[3]], kw, self.strides[1], self.dilations[1])?;
        if oh < 1 || ow < 1 {
            return err(format!("the {kh}x{kw} kernel (dilated) does not fit the padded {h}x{w} input"));
        }
        if let Some(b) = l.block() {
            if o % b != 0 {
                return operand_err(
                    1,
                    "weight",
                    format!("{o} output channels are not a multiple of the {l} block {b}"),
                );
            }
        }
        Ok(l.shape(n, o, oh, ow))
    }
}

/// Transposed convolution attributes (NCHW; the weight `[C_in, C_out / groups, kH, kW]`, as
/// ONNX's ConvTranspose and PyTorch's take it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvTranspose2d {
    pub strides: [i64; 2],
    /// top, left, bottom, right: taken off the full result's edges.
    pub padding: [i64; 4],
    pub dilations: [i64; 2],
    /// Added to the bottom and right of the result (below the stride).
    pub output_padding: [i64; 2],
    pub groups: i64,
}

impl Default for ConvTranspose2d {
    fn default() -> Self {
        ConvTranspose2d { strides: [1, 1], padding: [0; 4], dilations: [1, 1], output_padding: [0, 0], groups: 1 }
    }
}

impl ConvTranspose2d {
    /// Output shape: `H_out = (H_in - 1)·s - pad_top - pad_bottom + d·(kH - 1) + output_padding + 1`
    /// (and so for W); `C_out = weight[1] · groups`.
    ///
    /// ```
    /// use strata_dialects::nn::shape::ConvTranspose2d;
    /// let c = ConvTranspose2d { strides: [2, 2], padding: [1, 1, 1, 1], output_padding: [1, 1], ..Default::default() };
    /// assert_eq!(c.output(&[1, 8, 7, 7], &[8, 4, 3, 3], Some(&[4])).unwrap(), vec![1, 4, 14, 14]);
    /// ```
    pub fn output(&self, input: &[i64], weight: &[i64], bias: Option<&[i64]>) -> Result<Vec<i64>, ShapeError> {
        if input.len() != 4 {
            return operand_err(
                0,
                "input",
                format!("an NCHW input has rank 4, not {} ([{}])", input.len(), join(input)),
            );
        }
        if weight.len() != 4 {
            return operand_err(
                1,
                "weight",
                format!(
                    "the weight is [C_in, C_out/groups, kH, kW], rank 4, not {} ([{}])",
                    weight.len(),
                    join(weight)
                ),
            );
        }
        if self.groups < 1 {
            return err(format!("groups must be at least 1, not {}", self.groups));
        }
        for (what, v) in [("strides", self.strides), ("dilations", self.dilations)] {
            if v.iter().any(|x| *x < 1) {
                return err(format!("{what} must be positive, not [{}, {}]", v[0], v[1]));
            }
        }
        if self.padding.iter().any(|p| *p < 0) {
            return err("padding must not be negative");
        }
        for d in 0..2 {
            let op = self.output_padding[d];
            // onnxruntime's rule (PyTorch also allows up to the dilation).
            if op < 0 || op >= self.strides[d] {
                return err(format!(
                    "output_padding[{d}] is {op}; it must be at least 0 and below the stride ({})",
                    self.strides[d]
                ));
            }
        }
        let (n, c, h, w) = (input[0], input[1], input[2], input[3]);
        let (ci, per_group, kh, kw) = (weight[0], weight[1], weight[2], weight[3]);
        if ci != c {
            return operand_err(1, "weight", format!("dimension 0 is {ci}, but the input has {c} channels"));
        }
        if c % self.groups != 0 {
            return operand_err(0, "input", format!("{c} input channels do not divide into {} groups", self.groups));
        }
        let o = i128::from(per_group) * i128::from(self.groups);
        let o = i64::try_from(o).or_else(|_| err(format!("the output channels ({o}) overflow i64")))?;
        if let Some(bias) = bias {
            if bias != [o] {
                return operand_err(
                    2,
                    "bias",
                    format!("the bias has shape [{}], not [{o}] (one per output channel)", join(bias)),
                );
            }
        }
        let size = |d: usize, input: i64, k: i64| -> Result<i64, ShapeError> {
            let [s, dl, op] = [self.strides[d], self.dilations[d], self.output_padding[d]].map(i128::from);
            let pads = i128::from(self.padding[d]) + i128::from(self.padding[d + 2]);
            let n = (i128::from(input) - 1) * s - pads + dl * (i128::from(k) - 1) + op + 1;
            i64::try_from(n).or_else(|_| err(format!("an output size ({n}) overflows i64")))
        };
        let (oh, ow) = (size(0, h, kh)?, size(1, w, kw)?);
        if oh < 1 || ow < 1 {
            return err(format!("the result would be {oh}x{ow}: the padding takes all of it"));
        }
        Ok(vec![n, o, oh, ow])
    }
}

/// Pooling attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool2d {
    pub kernel: [i64; 2],
    pub strides: [i64; 2],
    pub padding: [i64; 4],
    pub layout: Layout,
}

/// ONNX's pooling options beyond the window (both off by default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolMode {
    /// Output sizes round up: a last window that starts inside the input or its leading
    /// padding but hangs over the end exists (onnxruntime's and PyTorch's rule; one that would
    /// start in the trailing padding does not).
    pub ceil_mode: bool,
    /// An average divides by the window's size clipped to the padded input, padding included,
    /// rather than by the input elements it covers.
    pub count_include_pad: bool,
}

/// The number of windows along one axis: `(in + pads - k) / stride + 1`, rounded down, or up
/// under `ceil_mode` but without a window that starts past the input and its leading padding.
/// In 128 bits; a size beyond i64 is an error. `stride >= 1`.
fn pool_out(size: i64, [begin, end]: [i64; 2], k: i64, stride: i64, ceil_mode: bool) -> Result<i64, ShapeError> {
    let span = i128::from(size) + i128::from(begin) + i128::from(end) - i128::from(k);
    let stride = i128::from(stride);
    let mut n = if ceil_mode { -(-span).div_euclid(stride) } else { span.div_euclid(stride) } + 1;
    if ceil_mode && (n - 1) * stride >= i128::from(size) + i128::from(begin) {
        n -= 1;
    }
    i64::try_from(n).or_else(|_| err(format!("an output size ({n}) overflows i64")))
}

impl Pool2d {
    pub fn output(&self, input: &[i64]) -> Result<Vec<i64>, ShapeError> {
        self.output_with(input, PoolMode::default())
    }

    /// The output shape under `mode`.
    ///
    /// ```
    /// use strata_dialects::nn::shape::{Layout, Pool2d, PoolMode};
    /// let p = Pool2d { kernel: [2, 2], strides: [2, 2], padding: [0; 4], layout: Layout::Nchw };
    /// let ceil = PoolMode { ceil_mode: true, count_include_pad: false };
    /// assert_eq!(p.output(&[1, 1, 5, 5]).unwrap(), vec![1, 1, 2, 2]);
    /// assert_eq!(p.output_with(&[1, 1, 5, 5], ceil).unwrap(), vec![1, 1, 3, 3]);
    /// // A window of 1 every 3 rows of 6: rows 0 and 3; one at row 6 would start past the end.
    /// let sparse = Pool2d { kernel: [1, 1], strides: [3, 3], padding: [0; 4], layout: Layout::Nchw };
    /// assert_eq!(sparse.output_with(&[1, 1, 6, 6], ceil).unwrap(), vec![1, 1, 2, 2]);
    /// ```
    pub fn output_with(&self, input: &[i64], mode: PoolMode) -> Result<Vec<i64>, ShapeError> {
        let l = self.layout;
        if input.len() != l.rank() {
            return operand_err(0, "input", format!("a {l} input has rank {}, not {}", l.rank(), input.len()));
        }
        if self.kernel.iter().chain(&self.strides).any(|x| *x < 1) {
            return err("kernel and strides must be positive");
        }
        if self.padding.iter().any(|p| *p < 0) {
            return err("padding must not be negative");
        }
        let (n, c, h, w) = l.nchw(input);
        let oh = pool_out(h, [self.padding[0], self.padding[2]], self.kernel[0], self.strides[0], mode.ceil_mode)?;
        let ow = pool_out(w, [self.padding[1], self.padding[3]], self.kernel[1], self.strides[1], mode.ceil_mode)?;
        if oh < 1 || ow < 1 {
            return err(format!(
                "the {}x{} window does not fit the padded {h}x{w} input",
                self.kernel[0], self.kernel[1]
            ));
        }
        Ok(l.shape(n, c, oh, ow))
    }
}

/// `[.., M, K] x [.., K, N] -> [.., M, N]`, batch dimensions broadcast.
pub fn matmul(a: &[i64], b: &[i64]) -> Result<Vec<i64>, ShapeError> {
    if a.len() < 2 {
        return operand_err(0, "lhs", format!("matmul needs rank 2 or more, not {}", a.len()));
    }
    if b.len() < 2 {
        return operand_err(1, "rhs", format!("matmul needs rank 2 or more, not {}", b.len()));
    }
    let (m, k) = (a[a.len() - 2], a[a.len() - 1]);
    let (k2, n) = (b[b.len() - 2], b[b.len() - 1]);
    if k != k2 {
        return operand_err(1, "rhs", format!("dimension {} (K) is {k2}, but the lhs has K = {k}", b.len() - 2));
    }
    let mut out = broadcast(&a[..a.len() - 2], &b[..b.len() - 2])?;
    out.extend([m, n]);
    Ok(out)
}

/// Normalizes a possibly negative axis.
pub fn axis(axis: i64, rank: usize) -> Result<usize, ShapeError> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return err(format!("axis {axis} is out of range for rank {rank}"));
    }
    Ok(axis.rem_euclid(r.max(1)) as usize)
}

pub fn transpose(input: &[i64], perm: &[i64]) -> Result<Vec<i64>, ShapeError> {
    let mut seen = vec![false; input.len()];
    if perm.len() != input.len() {
        return err(format!("perm has {} entries for a rank-{} input", perm.len(), input.len()));
    }
    for &p in perm {
        if p < 0 || p as usize >= input.len() || seen[p as usize] {
            return err(format!("perm [{}] is not a permutation of 0..{}", join(perm), input.len()));
        }
        seen[p as usize] = true;
    }
    Ok(perm.iter().map(|p| input[*p as usize]).collect())
}

pub fn reshape(input: &[i64], shape: &[i64]) -> Result<Vec<i64>, ShapeError> {
    let total = count(input, "the input")?;
    let inferred = shape.iter().filter(|d| **d == -1).count();
    if inferred > 1 || shape.iter().any(|d| *d < -1 || *d == 0) {
        return err(format!("shape [{}] may hold positive sizes and at most one -1", join(shape)));
    }
    let known: Vec<i64> = shape.iter().copied().filter(|d| *d != -1).collect();
    let known = count(&known, "shape")?;
    let out: Vec<i64> = if inferred == 1 {
        if known == 0 || total % known != 0 {
            return err(format!("cannot reshape {total} elements into [{}]", join(shape)));
        }
        shape.iter().map(|d| if *d == -1 { total / known } else { *d }).collect()
    } else {
        shape.to_vec()
    };
    if count(&out, "shape")? != total {
        return err(format!("cannot reshape [{}] ({total} elements) into [{}]", join(input), join(&out)));
    }
    Ok(out)
}

pub fn concat(inputs: &[&[i64]], axis_attr: i64) -> Result<Vec<i64>, ShapeError> {
    let Some(first) = inputs.first() else { return err("concat needs at least one input") };
    let a = axis(axis_attr, first.len())?;
    let mut out = first.to_vec();
    for (i, s) in inputs.iter().enumerate().skip(1) {
        if s.len() != first.len() {
            return operand_err(
                i,
                "inputs",
                format!("rank {} differs from the first input's {}", s.len(), first.len()),
            );
        }
        for d in 0..s.len() {
            if d != a && s[d] != first[d] {
                return operand_err(
                    i,
                    "inputs",
                    format!("dimension {d} is {}, but the first input's is {}", s[d], first[d]),
                );
            }
        }
        out[a] = match out[a].checked_add(s[a]) {
            Some(d) => d,
            None => return err(format!("dimension {a} of the result overflows i64")),
        };
    }
    Ok(out)
}

pub fn split(input: &[i64], axis_attr: i64, sizes: &[i64]) -> Result<Vec<Vec<i64>>, ShapeError> {
    let a = axis(axis_attr, input.len())?;
    if sizes.iter().map(|s| i128::from(*s)).sum::<i128>() != i128::from(input[a]) || sizes.iter().any(|s| *s < 1) {
        return err(format!("sizes [{}] do not add up to dimension {a} ({})", join(sizes), input[a]));
    }
    Ok(sizes
        .iter()
        .map(|s| {
            let mut o = input.to_vec();
            o[a] = *s;
            o
        })
        .collect())
}

/// What `nn.pad` puts in the padding (ONNX Pad's modes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PadMode {
    /// The `value` attribute.
    #[default]
    Constant,
    /// The input mirrored at its edges, the edge not repeated (`[1, 2, 3]` padded by 2 on
    /// each side: `[3, 2, 1, 2, 3, 2, 1]`).
    Reflect,
    /// The edge element repeated.
    Edge,
}

impl PadMode {
    pub const ALL: [PadMode; 3] = [PadMode::Constant, PadMode::Reflect, PadMode::Edge];

    pub fn parse(s: &str) -> Option<PadMode> {
        PadMode::ALL.into_iter().find(|m| m.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            PadMode::Constant => "constant",
            PadMode::Reflect => "reflect",
            PadMode::Edge => "edge",
        }
    }

    /// The input index (of a dimension of size `n`) that padded position `j` (the output
    /// index less the leading pad) reads; `None` for the constant.
    ///
    /// ```
    /// use strata_dialects::nn::shape::PadMode;
    /// let read: Vec<_> = (-2..5).map(|j| PadMode::Reflect.source(j, 3)).collect();
    /// assert_eq!(read, [2, 1, 0, 1, 2, 1, 0].map(Some));
    /// assert_eq!(PadMode::Edge.source(-2, 3), Some(0));
    /// assert_eq!(PadMode::Constant.source(3, 3), None);
    /// ```
    pub fn source(self, j: i64, n: i64) -> Option<i64> {
        match self {
            _ if (0..n).contains(&j) => Some(j),
            PadMode::Constant => None,
            PadMode::Reflect if j < 0 => Some(-j),
            PadMode::Reflect => Some(2 * (n - 1) - j),
            PadMode::Edge => Some(j.clamp(0, n - 1)),
        }
    }
}

/// `pad` in `mode`: reflection needs every pad below its dimension (it mirrors without the
/// edge); the edge mode needs a non-empty dimension to repeat.
pub fn pad_with(input: &[i64], pads: &[i64], mode: PadMode) -> Result<Vec<i64>, ShapeError> {
    let out = pad(input, pads)?;
    let r = input.len();
    for d in 0..r {
        for p in [pads[d], pads[r + d]] {
            let fits = match mode {
                PadMode::Constant => true,
                PadMode::Reflect => p < input[d],
                PadMode::Edge => p <= 0 || input[d] > 0,
            };
            if !fits {
                return err(format!(
                    "a pad of {p} in {} mode does not fit dimension {d} of size {}{}",
                    mode.name(),
                    input[d],
                    if mode == PadMode::Reflect { " (it mirrors at most the size less one)" } else { "" }
                ));
            }
        }
    }
    Ok(out)
}

pub fn pad(input: &[i64], pads: &[i64]) -> Result<Vec<i64>, ShapeError> {
    if pads.len() != 2 * input.len() {
        return err(format!(
            "pads has {} entries; a rank-{} input needs {} (all befores, then all afters)",
            pads.len(),
            input.len(),
            2 * input.len()
        ));
    }
    let r = input.len();
    let wide: Vec<i128> =
        (0..r).map(|i| i128::from(input[i]) + i128::from(pads[i]) + i128::from(pads[r + i])).collect();
    if wide.iter().any(|d| *d < 1) {
        return err("padding removes a whole dimension");
    }
    wide.iter().map(|d| i64::try_from(*d).or_else(|_| err(format!("a padded dimension ({d}) overflows i64")))).collect()
}

/// The dimensions a reduction's `axes` name, in increasing order: at least one, each in
/// `[-rank, rank)` (negatives count from the end), none named twice.
///
/// ```
/// use strata_dialects::nn::shape::reduce_axes;
/// assert_eq!(reduce_axes(3, &[-1, 0]).unwrap(), vec![0, 2]);
/// assert!(reduce_axes(3, &[1, -2]).is_err());
/// ```
pub fn reduce_axes(rank: usize, axes: &[i64]) -> Result<Vec<usize>, ShapeError> {
    if axes.is_empty() {
        return err("axes must name at least one dimension");
    }
    let mut seen = vec![false; rank];
    for &a in axes {
        let d = axis(a, rank).map_err(|e| ShapeError { operand: None, message: format!("axes: {}", e.message) })?;
        if seen[d] {
            return err(format!("axes [{}] name dimension {d} twice", list(axes)));
        }
        seen[d] = true;
    }
    Ok((0..rank).filter(|d| seen[*d]).collect())
}

/// The result of reducing `input` over `axes`: those dimensions dropped, or kept as 1.
pub fn reduce(input: &[i64], axes: &[i64], keepdims: bool) -> Result<Vec<i64>, ShapeError> {
    let reduced = reduce_axes(input.len(), axes)?;
    Ok((0..input.len())
        .filter_map(|d| match (reduced.contains(&d), keepdims) {
            (false, _) => Some(input[d]),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect())
}

fn list(v: &[i64]) -> String {
    v.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
}

/// A strided slice: `sizes[d]` elements of dimension `d` from `starts[d]`, `steps[d]` apart
/// (negative steps walk backwards). Every index it reads must be inside `input`.
///
/// ```
/// use strata_dialects::nn::shape::slice;
/// assert_eq!(slice(&[5, 4], &[4, 0], &[3, 2], &[-2, 3]).unwrap(), vec![3, 2]);
/// assert!(slice(&[5], &[4], &[3], &[1]).is_err());
/// ```
pub fn slice(input: &[i64], starts: &[i64], sizes: &[i64], steps: &[i64]) -> Result<Vec<i64>, ShapeError> {
    let r = input.len();
    for (name, v) in [("starts", starts), ("sizes", sizes), ("steps", steps)] {
        if v.len() != r {
            return err(format!("{name} has {} entries; the input has rank {r}", v.len()));
        }
    }
    for d in 0..r {
        let (n, start, size, step) = (input[d], starts[d], sizes[d], steps[d]);
        if step == 0 {
            return err(format!("steps[{d}] is 0"));
        }
        if size < 0 {
            return err(format!("sizes[{d}] is negative ({size})"));
        }
        if size == 0 {
            continue;
        }
        // In 128 bits: attributes are arbitrary i64s.
        let last = i128::from(start) + (i128::from(size) - 1) * i128::from(step);
        for (what, i) in [("the first index", i128::from(start)), ("the last index", last)] {
            if i < 0 || i >= i128::from(n) {
                return operand_err(
                    0,
                    "input",
                    format!(
                        "dimension {d} has size {n}, but {what} the slice reads there is {i} (start {start}, size {size}, step {step})"
                    ),
                );
            }
        }
    }
    Ok(sizes.to_vec())
}

/// ONNX Gather's result: `data.shape[..axis] ++ indices.shape ++ data.shape[axis + 1..]`.
///
/// ```
/// use strata_dialects::nn::shape::gather;
/// assert_eq!(gather(&[5, 4, 3], &[2, 6], 1).unwrap(), vec![5, 2, 6, 3]);
/// assert_eq!(gather(&[5, 4], &[], 0).unwrap(), vec![4]);
/// ```
pub fn gather(data: &[i64], indices: &[i64], axis_attr: i64) -> Result<Vec<i64>, ShapeError> {
    if data.is_empty() {
        return operand_err(0, "data", "gathering needs data of rank 1 or more");
    }
    let a = axis(axis_attr, data.len())?;
    let mut out = data[..a].to_vec();
    out.extend_from_slice(indices);
    out.extend_from_slice(&data[a + 1..]);
    count(&out, "the result")?;
    Ok(out)
}

/// Numpy broadcasting of `input` to exactly `shape`.
///
/// ```
/// use strata_dialects::nn::shape::broadcast_to;
/// assert_eq!(broadcast_to(&[3, 1], &[2, 3, 4]).unwrap(), vec![2, 3, 4]);
/// assert!(broadcast_to(&[3, 2], &[3, 1]).is_err());
/// ```
pub fn broadcast_to(input: &[i64], shape: &[i64]) -> Result<Vec<i64>, ShapeError> {
    if shape.iter().any(|d| *d < 0) {
        return err(format!("shape [{}] has a negative size", list(shape)));
    }
    count(shape, "shape")?;
    if input.len() > shape.len() {
        return operand_err(
            0,
            "input",
            format!("rank {} is above the rank {} of shape [{}]", input.len(), shape.len(), list(shape)),
        );
    }
    let lead = shape.len() - input.len();
    for (d, &n) in input.iter().enumerate() {
        if n != 1 && n != shape[lead + d] {
            return operand_err(
                0,
                "input",
                format!(
                    "dimension {d} is {n}, which does not broadcast to {} (dimension {} of shape [{}])",
                    shape[lead + d],
                    lead + d,
                    list(shape)
                ),
            );
        }
    }
    Ok(shape.to_vec())
}

/// `relayout` of an NCHW-family tensor between layouts.
pub fn relayout(input: &[i64], from: Layout, to: Layout) -> Result<Vec<i64>, ShapeError> {
    if input.len() != from.rank() {
        return operand_err(0, "input", format!("a {from} tensor has rank {}, not {}", from.rank(), input.len()));
    }
    let (n, c, h, w) = from.nchw(input);
    if let Some(b) = to.block() {
        if c % b != 0 {
            return err(format!("{c} channels are not a multiple of the {to} block {b}"));
        }
    }
    Ok(to.shape(n, c, h, w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conv_shapes() {
        let c = Conv2d::default();
        assert_eq!(c.output(&[1, 8, 5, 5], &[4, 8, 3, 3], Some(&[4])).unwrap(), vec![1, 4, 3, 3]);
        let dw = Conv2d { groups: 8, padding: [1; 4], ..Conv2d::default() };
        assert_eq!(dw.output(&[2, 8, 5, 5], &[8, 1, 3, 3], None).unwrap(), vec![2, 8, 5, 5]);
        let e = c.output(&[1, 8, 5, 5], &[4, 3, 3, 3], None).unwrap_err();
        assert_eq!(e.operand, Some((1, "weight")));
        let nhwc = Conv2d { layout: Layout::Nhwc, dilations: [2, 2], ..Conv2d::default() };
        assert_eq!(nhwc.output(&[1, 9, 9, 3], &[6, 3, 3, 3], None).unwrap(), vec![1, 5, 5, 6]);
        let blocked = Conv2d { layout: Layout::Nchw4c, ..Conv2d::default() };
        assert_eq!(blocked.output(&[1, 2, 6, 6, 4], &[8, 8, 3, 3], None).unwrap(), vec![1, 2, 4, 4, 4]);
    }

    #[test]
    fn other_shapes() {
        assert_eq!(matmul(&[2, 1, 3, 4], &[5, 4, 6]).unwrap(), vec![2, 5, 3, 6]);
        assert!(matmul(&[3, 4], &[5, 6]).is_err());
        assert_eq!(reshape(&[2, 3, 4], &[6, -1]).unwrap(), vec![6, 4]);
        assert_eq!(transpose(&[2, 3, 4], &[2, 0, 1]).unwrap(), vec![4, 2, 3]);
        assert_eq!(concat(&[&[1, 2], &[1, 3]], -1).unwrap(), vec![1, 5]);
        assert_eq!(split(&[4, 6], 1, &[2, 4]).unwrap(), vec![vec![4, 2], vec![4, 4]]);
        assert_eq!(relayout(&[1, 8, 2, 2], Layout::Nchw, Layout::Nchw8c).unwrap(), vec![1, 1, 2, 2, 8]);
        let p = Pool2d { kernel: [3, 3], strides: [2, 2], padding: [1; 4], layout: Layout::Nchw };
        assert_eq!(p.output(&[1, 64, 112, 112]).unwrap(), vec![1, 64, 56, 56]);
    }

    /// Attributes and shapes near i64's limits give errors, never a panic or a wrapped size.
    #[test]
    fn shape_arithmetic_near_i64_limits_is_checked() {
        let big = i64::MAX;
        assert!(reshape(&[big, 2], &[-1]).unwrap_err().message.contains("overflows i64"));
        assert!(reshape(&[4], &[big, big, -1]).unwrap_err().message.contains("overflows i64"));
        assert!(concat(&[&[big], &[1]], 0).unwrap_err().message.contains("overflows i64"));
        assert!(pad(&[big], &[1, 1]).unwrap_err().message.contains("overflows i64"));
        assert!(split(&[4], 0, &[big, big, 2]).is_err());
        let wide = Conv2d { padding: [big; 4], ..Conv2d::default() };
        assert!(wide.output(&[1, 1, 8, 8], &[1, 1, 3, 3], None).unwrap_err().message.contains("overflows i64"));
        let dilated = Conv2d { dilations: [big, big], ..Conv2d::default() };
        assert!(dilated.output(&[1, 1, 8, 8], &[1, 1, 3, 3], None).is_err());
        let p = Pool2d { kernel: [1, 1], strides: [1, 1], padding: [big; 4], layout: Layout::Nchw };
        assert!(p.output(&[1, 1, 2, 2]).is_err());
        assert_eq!(Layout::Nchw4c.nchw(&[0, big, 1, 1, 4]).1, big);
        assert!(slice(&[4], &[big], &[2], &[big]).is_err());
        assert!(slice(&[4], &[3], &[big], &[-big]).is_err());
        assert!(broadcast_to(&[1], &[big, big]).unwrap_err().message.contains("overflows i64"));
        assert!(gather(&[big, 1], &[big, 2], 1).unwrap_err().message.contains("overflows i64"));
        let wide = ConvTranspose2d { strides: [big, big], ..ConvTranspose2d::default() };
        assert!(wide.output(&[1, 1, 8, 8], &[1, 1, 3, 3], None).unwrap_err().message.contains("overflows i64"));
        let ceil = PoolMode { ceil_mode: true, count_include_pad: false };
        assert!(p.output_with(&[1, 1, 2, 2], ceil).is_err());
        assert!(pad_with(&[big], &[1, 1], PadMode::Edge).is_err());
    }

    #[test]
    fn reductions_pads_and_windows() {
        assert_eq!(reduce(&[2, 3, 4], &[-1, 0], false).unwrap(), vec![3]);
        assert_eq!(reduce(&[2, 3, 4], &[1], true).unwrap(), vec![2, 1, 4]);
        assert!(reduce(&[2, 3], &[0, -2], false).is_err());
        assert_eq!(pad_with(&[3, 4], &[2, -1, 2, 3], PadMode::Reflect).unwrap(), vec![7, 6]);
        assert!(pad_with(&[3, 4], &[0, 4, 0, 0], PadMode::Reflect).is_err());
        assert_eq!(pad_with(&[3, 4], &[0, 9, 0, 9], PadMode::Edge).unwrap(), vec![3, 22]);
        // ceil_mode keeps a last window hanging over the end, not one starting in the padding.
        let p = Pool2d { kernel: [3, 3], strides: [2, 2], padding: [1, 1, 1, 1], layout: Layout::Nchw };
        let ceil = PoolMode { ceil_mode: true, count_include_pad: false };
        assert_eq!(p.output(&[1, 1, 6, 6]).unwrap(), vec![1, 1, 3, 3]);
        assert_eq!(p.output_with(&[1, 1, 6, 6], ceil).unwrap(), vec![1, 1, 4, 4]);
        let c = ConvTranspose2d { output_padding: [1, 0], ..ConvTranspose2d::default() };
        assert!(c.output(&[1, 2, 4, 4], &[2, 3, 3, 3], None).unwrap_err().message.contains("below the stride (1)"));
    }
}
