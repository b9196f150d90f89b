//! What a graph costs: estimated seconds per kernel, from a [`CostProvider`].
//!
//! The e-graph asks for the cost of each node as a [`Work`] item (a convolution with its
//! algorithm and layout, a matmul, or a streaming kernel with its bytes and flops). The
//! [`Analytical`] provider answers with a roofline per target; a measuring provider
//! ("Fast-Run", profiling each candidate on the target and caching the result) implements the
//! same trait.
//!
//! ```
//! use strata_passes::egraph::cost::{Analytical, CostProvider, Target, Work};
//! let host = Analytical::new(Target::X86_64);
//! // Streaming 64 MB costs about 64 MB over the memory bandwidth.
//! let t = host.seconds(&Work::Streaming { bytes_read: 32e6, bytes_written: 32e6, flops: 8e6 });
//! assert!(t > 1e-3 && t < 1e-2);
//! ```

use strata_dialects::nn::shape::{Conv2d, ConvAlgorithm, Layout};

/// Where the code will run: fixes the candidate layouts and algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    X86_64,
    Aarch64,
    Gpu,
}

impl Target {
    pub fn parse(s: &str) -> Option<Target> {
        Some(match s {
            "x86-64" | "x86_64" | "host" => Target::X86_64,
            "aarch64" => Target::Aarch64,
            "gpu" | "cuda" => Target::Gpu,
            _ => return None,
        })
    }

    /// The layouts a convolution may take on this target.
    pub fn layouts(self) -> &'static [Layout] {
        match self {
            Target::X86_64 => &[Layout::Nchw, Layout::Nhwc, Layout::Nchw8c],
            Target::Aarch64 => &[Layout::Nchw, Layout::Nchw4c],
            Target::Gpu => &[Layout::Nchw, Layout::Nhwc],
        }
    }

    /// The algorithms this target implements.
    pub fn algorithms(self) -> &'static [ConvAlgorithm] {
        use ConvAlgorithm::*;
        match self {
            Target::X86_64 | Target::Aarch64 => {
                &[Direct, Im2colGemm, Winograd2x3, Winograd4x3, Winograd4x2Stride2, Fft]
            }
            // On an H100 (ResNet-18's 3×3 layers at batch 32, each algorithm alone), F(4×4,3×3)
            // lost to F(2×2,3×3) or to the direct convolution on every layer, by up to 40%:
            // its transforms, a thread per tile, are the slow part. FFT is not lowered for the
            // GPU any better.
            Target::Gpu => &[Direct, ImplicitGemm, Winograd2x3],
        }
    }
}

/// A convolution to cost: its attributes (layout included), algorithm, sizes, and what its
/// epilogue adds.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvProblem {
    pub conv: Conv2d,
    pub algorithm: ConvAlgorithm,
    /// N, C, H, W of the input.
    pub input: [i64; 4],
    /// O, I, KH, KW of the weight.
    pub weight: [i64; 4],
    /// N, O, OH, OW of the output.
    pub output: [i64; 4],
    /// Flops per output element in the epilogue (bias included).
    pub epilogue_flops: f64,
    /// Bytes the epilogue reads besides the convolution's own operands.
    pub extra_bytes: f64,
}

/// One kernel's work.
#[derive(Clone, Debug)]
pub enum Work {
    Conv(ConvProblem),
    Matmul {
        batch: f64,
        m: f64,
        n: f64,
        k: f64,
        epilogue_flops: f64,
        extra_bytes: f64,
        /// Whether the right-hand side is a constant (weights, packed once for every call).
        constant_rhs: bool,
    },
    /// Reads and writes memory once, computing `flops` on the way (elementwise, pooling,
    /// norms, relayouts, copies).
    Streaming {
        bytes_read: f64,
        bytes_written: f64,
        flops: f64,
    },
}

/// What a graph's kernels share, for a measuring provider: how much memory runs between two
/// calls of one kernel.
#[derive(Clone, Copy, Debug, Default)]
pub struct Graph {
    /// Bytes of the graph's constants (its weights), all touched between two calls of one
    /// layer.
    pub constant_bytes: usize,
}

/// Estimates how long a kernel runs, in seconds.
pub trait CostProvider: Send + Sync {
    fn target(&self) -> Target;
    fn seconds(&self, work: &Work) -> f64;

    /// Called once per graph before extraction with every kernel it may choose, so a measuring
    /// provider can time the candidates it has not timed yet (see [`super::fastrun`]).
    fn prepare(&self, _candidates: &[Work], _graph: &Graph) -> Result<(), String> {
        Ok(())
    }

    /// The analytical model behind a measuring provider, for reporting what measuring changed.
    fn model(&self) -> Option<&dyn CostProvider> {
        None
    }

    /// What the provider did for the last [`CostProvider::prepare`] (candidates measured,
    /// cached, cut; where measurement and model disagree), for `--egraph-stats`.
    fn summary(&self) -> Option<String> {
        None
    }
}

/// Rows of the packed GEMM's micro-tile for vector registers of `vector_bits`
/// (`GemmKernel::new` in `lowering/src/to_loops/gemm.rs`): a GEMM of `m` rows computes them in
/// whole tiles.
pub fn gemm_tile_rows(vector_bits: u32) -> f64 {
    if vector_bits >= 512 {
        8.0
    } else {
        6.0
    }
}

/// How much faster the packed GEMM runs with `vector_bits`-bit registers than with 128: SGEMM
/// 1024³ on one core measured 50 GFLOP/s with the 128-bit kernel and 175 with the 512-bit one
/// (the 512-bit FMA peak, 245, is 4.2 times the 128-bit one but its kernel reaches less of it).
/// 256 bits is taken at half of 512's gain, not measured (no AVX2-only machine here).
fn gemm_speedup(vector_bits: u32) -> f64 {
    match vector_bits {
        512.. => 3.5,
        256..=511 => 1.75,
        _ => 1.0,
    }
}

/// Whether `algorithm` can compute `conv` with a `weight` of OIHW sizes: Winograd only for
/// 3×3, dilation 1, one group, and stride 1 (or 2 for its phase form); FFT for kernels of 5×5
/// and larger at stride 1.
pub fn applicable(algorithm: ConvAlgorithm, conv: &Conv2d, weight: [i64; 4]) -> bool {
    let unit = conv.strides == [1, 1] && conv.dilations == [1, 1];
    if let Some(form) = algorithm.winograd() {
        let stride = form.stride;
        return conv.strides == [stride; 2] && conv.dilations == [1, 1] && conv.groups == 1 && weight[2..] == [3, 3];
    }
    match algorithm {
        ConvAlgorithm::Fft => unit && conv.groups == 1 && weight[2] >= 5 && weight[3] >= 5,
        _ => true,
    }
}

/// A roofline per target: `max(flops / (peak × efficiency), bytes / bandwidth)` plus a fixed
/// cost per kernel launch. Efficiencies say how close each algorithm and layout gets to the
/// vector peak (blocked layouts vectorize over channels; NCHW direct convolution does not).
pub struct Analytical {
    target: Target,
    /// Flops per second, all cores.
    peak: f64,
    /// Bytes per second to memory.
    bandwidth: f64,
    /// Seconds per kernel launched (thread-pool dispatch, GPU launch).
    launch: f64,
    /// Rows of the GEMM's micro-tile.
    tile_rows: f64,
    /// The GEMM's speed against the 128-bit kernel that `peak` and the efficiencies describe.
    gemm_speedup: f64,
}

impl Analytical {
    /// Figures measured on the machines we run on (see `shared/DESIGN.md` and
    /// `benches/RESULTS.md`): two x86-64 cores with a 128-bit FMA peak of about 58 GFLOP/s each
    /// and 25 GB/s; an AArch64 pair of NEON cores; an H100.
    pub fn new(target: Target) -> Self {
        let (peak, bandwidth, launch) = match target {
            Target::X86_64 => (116e9, 25e9, 3e-6),
            Target::Aarch64 => (32e9, 10e9, 3e-6),
            Target::Gpu => (50e12, 2.5e12, 4e-6),
        };
        Analytical { target, peak, bandwidth, launch, tile_rows: gemm_tile_rows(128), gemm_speedup: 1.0 }
    }

    /// The model of `target` when code for it uses `vector_bits`-bit vectors (a backend that
    /// has them, LLVM on AVX-512): matrix products, and so the GEMM-based algorithms, run that
    /// much faster and in that kernel's tiles. 128 is [`Analytical::new`].
    pub fn with_vector_bits(target: Target, vector_bits: u32) -> Result<Self, String> {
        if ![128, 256, 512].contains(&vector_bits) {
            return Err(format!("vector-bits={vector_bits}: 128, 256 or 512"));
        }
        if target == Target::Gpu && vector_bits != 128 {
            return Err("vector-bits applies to CPU targets".into());
        }
        let tile_rows = gemm_tile_rows(vector_bits);
        Ok(Analytical { tile_rows, gemm_speedup: gemm_speedup(vector_bits), ..Analytical::new(target) })
    }

    fn tile_rows(&self, m: f64) -> f64 {
        (m / self.tile_rows).ceil() * self.tile_rows
    }

    fn conv_efficiency(&self, algorithm: ConvAlgorithm, layout: Layout) -> f64 {
        use ConvAlgorithm::*;
        use Layout::*;
        match (self.target, algorithm, layout) {
            // x86-64: fractions of the 128-bit FMA peak, the GEMM-based algorithms measured on
            // ResNet-18's 3×3 layers (`codegen --only conv-algorithms`, benches/RESULTS.md),
            // their flops counted in whole micro-tiles of rows and with the transforms.
            (Target::X86_64, Im2colGemm, Nchw | Nhwc) => 0.8,
            (Target::X86_64, Im2colGemm, _) => 0.7,
            (Target::X86_64, Winograd2x3, Nchw8c) => 0.76,
            (Target::X86_64, Winograd4x3, Nchw8c) => 0.66,
            (Target::X86_64, Winograd4x2Stride2, Nchw8c) => 0.8,
            (Target::X86_64, Winograd2x3 | Winograd4x3 | Winograd4x2Stride2, _) => 0.3,
            (Target::X86_64, Direct, Nchw8c) => 0.46,
            (Target::X86_64, Direct, Nchw4c) => 0.33,
            (Target::X86_64, Direct, Nhwc) => 0.26,
            (Target::X86_64, Direct | ImplicitGemm, _) => 0.13,
            (Target::X86_64, Fft, _) => 0.23,
            // The GPU's direct convolution is an implicit GEMM (the tiled sum of products of
            // `gpu/contract.rs`, K split where the tiles are too few; `implicit_gemm` lowers
            // the same): 18 to 20 TFLOP/s of an H100's 50 on ResNet-18's 3×3 layers at batch
            // 32 in NCHW (NHWC not measured).
            (Target::Gpu, Direct | ImplicitGemm, Nchw | Nhwc) => 0.37,
            (Target::Gpu, Winograd2x3 | Winograd4x3 | Winograd4x2Stride2, _) => 0.5,
            (_, Direct, Nchw4c) => 0.7,
            (_, Direct, Nhwc) => 0.4,
            (_, Direct, _) => 0.2,
            (_, Im2colGemm, Nchw | Nhwc) => 0.8,
            (_, Im2colGemm, _) => 0.7,
            (_, ImplicitGemm, _) => 0.4,
            (Target::Aarch64, Winograd2x3 | Winograd4x3 | Winograd4x2Stride2, Nchw4c) => 0.6,
            (_, Winograd2x3 | Winograd4x3 | Winograd4x2Stride2, _) => 0.45,
            (_, Fft, _) => 0.35,
        }
    }

    fn conv_seconds(&self, p: &ConvProblem) -> f64 {
        let [n, c, h, w] = p.input.map(|x| x as f64);
        let [o, i, kh, kw] = p.weight.map(|x| x as f64);
        let [_, _, oh, ow] = p.output.map(|x| x as f64);
        let out = n * o * oh * ow;
        let direct_flops = 2.0 * out * i * kh * kw;
        let base_bytes = 4.0 * (n * c * h * w + o * i * kh * kw + out) + p.extra_bytes;
        // Flops, those of them in the packed GEMM, bytes of scratch, and bytes streamed while
        // the compute waits.
        let (flops, gemm_flops, scratch, stream) = match p.algorithm {
            ConvAlgorithm::Direct | ConvAlgorithm::ImplicitGemm => (direct_flops, 0.0, 0.0, 0.0),
            ConvAlgorithm::Im2colGemm => {
                // One group channels-last (`pixel_gemm`), the GEMM reads a pointwise
                // convolution's input where it is and finishes each tile straight into the
                // output. Otherwise the column matrix (for a pointwise one, the input made
                // channels-last; with groups, B's panels packed from the padded image) is written
                // once and read once, and the result goes through the padded product and a pass
                // of its own that puts it in the layout.
                let channels_last = p.conv.layout == Layout::Nhwc && p.conv.groups == 1;
                let pointwise = kh == 1.0 && kw == 1.0 && p.conv.strides == [1, 1] && p.conv.padding == [0; 4];
                let columns = if pointwise && channels_last { 0.0 } else { 2.0 * 4.0 * n * oh * ow * c * kh * kw };
                let staged = if channels_last { 0.0 } else { 2.0 * 4.0 * out };
                let flops = direct_flops * self.tile_rows(n * oh * ow) / (n * oh * ow);
                (flops, flops, columns + staged, 0.0)
            }
            ConvAlgorithm::Winograd2x3 | ConvAlgorithm::Winograd4x3 | ConvAlgorithm::Winograd4x2Stride2 => {
                // F(m×m, r×r) over the phases of the input, stacked as channels.
                let form = p.algorithm.winograd().expect("a Winograd algorithm");
                let (m, r) = (form.tile as f64, form.taps() as f64);
                let (t, c) = (m + r - 1.0, c * form.phases() as f64);
                let tiles = n * (oh / m).ceil() * (ow / m).ceil();
                let rows = self.tile_rows(tiles);
                let multiply = 2.0 * rows * t * t * c * o;
                // Input and output transforms; weights are transformed once, at compile time.
                let transforms = tiles * (c * 2.0 * t * t * t + o * 2.0 * t * t * m);
                // Every call reads the transformed weights (t² per channel pair, not kh·kw)
                // from memory: in a whole network they do not stay in cache between calls
                // (ResNet-18 holds 45 MB of weights), and the GEMMs wait on that stream rather
                // than hide it. Measured in ResNet-18 through LLVM, one thread: the 256→256
                // 14×14 layers took 1.5–1.8 ms with F(4,3) (9.4 MB of transformed weights) and
                // 1.2–1.35 ms with F(2,3) (4.2 MB); the 512→512 7×7 ones 3.0–3.5 ms with F(2,3)
                // (16.8 MB) and 2.7–3.0 ms as im2col + GEMM (9.4 MB).
                let weights = 4.0 * t * t * c * o;
                (multiply + transforms, multiply, 2.0 * 4.0 * tiles * t * t * (c + o), weights)
            }
            ConvAlgorithm::Fft => {
                let (hp, wp) = ((h + kh - 1.0).log2().ceil().exp2(), (w + kw - 1.0).log2().ceil().exp2());
                let bins = hp * wp / 2.0 + hp;
                let transforms = 5.0 * n * (c + o) * hp * wp * (hp * wp).log2();
                let multiply = 8.0 * n * c * o * bins;
                (transforms + multiply, 0.0, 2.0 * 8.0 * bins * n * (c + o), 0.0)
            }
        };
        let efficiency = self.conv_efficiency(p.algorithm, p.conv.layout);
        // The GEMM's part of the flops at its speed on this target, the rest as measured.
        let flops = flops - gemm_flops + gemm_flops / self.gemm_speedup;
        let compute = (flops / efficiency + out * p.epilogue_flops) / self.peak;
        // Scratch (columns, transformed tiles) is written and read back in passes of its own.
        // On the GPU the Winograd transforms (a thread per tile and channel, strided reads) ran
        // at about a ninth of the copy bandwidth: ResNet-18's 64-channel 3×3 layer at batch 32
        // took 1.55 ms with F(2,3), of which the products some 0.13 ms.
        let scratch_bandwidth = match (self.target, p.algorithm.winograd()) {
            (Target::Gpu, Some(_)) => self.bandwidth / 9.0,
            _ => self.bandwidth,
        };
        compute.max(base_bytes / self.bandwidth) + scratch / scratch_bandwidth + stream / self.bandwidth + self.launch
    }
}

impl CostProvider for Analytical {
    fn target(&self) -> Target {
        self.target
    }

    fn seconds(&self, work: &Work) -> f64 {
        match work {
            Work::Conv(p) => self.conv_seconds(p),
            Work::Matmul { batch, m, n, k, epilogue_flops, extra_bytes, .. } => {
                let efficiency = if self.target == Target::Gpu { 0.7 } else { 0.8 };
                let flops = 2.0 * batch * m * n * k / self.gemm_speedup;
                let compute = (flops / efficiency + batch * m * n * epilogue_flops) / self.peak;
                let bytes = 4.0 * batch * (m * k + k * n + m * n) + extra_bytes;
                compute.max(bytes / self.bandwidth) + self.launch
            }
            // Scalar code in a streaming kernel runs at about a quarter of the FMA peak.
            Work::Streaming { bytes_read, bytes_written, flops } => {
                (flops * 4.0 / self.peak).max((bytes_read + bytes_written) / self.bandwidth) + self.launch
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The x86-64 estimate for a 3×3 convolution (padding 1) of `c` to `o` channels over an
    /// h × h image at `stride`.
    fn conv_3x3(algorithm: ConvAlgorithm, layout: Layout, sizes: [i64; 3], stride: i64) -> f64 {
        conv_3x3_by(&Analytical::new(Target::X86_64), algorithm, layout, sizes, stride)
    }

    /// [`conv_3x3`] priced by `model`.
    fn conv_3x3_by(
        model: &Analytical,
        algorithm: ConvAlgorithm,
        layout: Layout,
        [c, o, h]: [i64; 3],
        stride: i64,
    ) -> f64 {
        let conv = Conv2d { strides: [stride; 2], padding: [1; 4], layout, ..Conv2d::default() };
        let p = ConvProblem {
            conv,
            algorithm,
            input: [1, c, h, h],
            weight: [o, c, 3, 3],
            output: [1, o, h / stride, h / stride],
            epilogue_flops: 0.0,
            extra_bytes: 0.0,
        };
        model.seconds(&Work::Conv(p))
    }

    /// With 512-bit vectors, matrix products (compute-bound ones by the measured 3.5) and the
    /// GEMM-based convolutions get cheaper and direct ones do not, so the choice of algorithm
    /// sees the faster GEMM; widths without a kernel are errors.
    #[test]
    fn wide_vectors_speed_up_the_gemm_only() {
        let narrow = Analytical::new(Target::X86_64);
        let wide = Analytical::with_vector_bits(Target::X86_64, 512).unwrap();
        let mm = Work::Matmul {
            batch: 1.0,
            m: 1024.0,
            n: 1024.0,
            k: 1024.0,
            epilogue_flops: 0.0,
            extra_bytes: 0.0,
            constant_rhs: true,
        };
        let ratio = narrow.seconds(&mm) / wide.seconds(&mm);
        assert!((3.4..3.6).contains(&ratio), "{ratio}");
        let at = |model, algorithm, layout| conv_3x3_by(model, algorithm, layout, [128, 128, 28], 1);
        use ConvAlgorithm::*;
        assert_eq!(at(&narrow, Direct, Layout::Nchw8c), at(&wide, Direct, Layout::Nchw8c));
        for algorithm in [Im2colGemm, Winograd2x3, Winograd4x3] {
            assert!(at(&wide, algorithm, Layout::Nchw8c) < 0.8 * at(&narrow, algorithm, Layout::Nchw8c));
        }
        assert!(Analytical::with_vector_bits(Target::X86_64, 64).is_err());
        assert!(Analytical::with_vector_bits(Target::Gpu, 512).is_err());
    }

    fn resnet_conv(algorithm: ConvAlgorithm, layout: Layout) -> f64 {
        conv_3x3(algorithm, layout, [64, 64, 56], 1)
    }

    #[test]
    fn winograd_beats_direct_on_3x3_and_blocked_beats_nchw() {
        let direct = resnet_conv(ConvAlgorithm::Direct, Layout::Nchw);
        assert!(resnet_conv(ConvAlgorithm::Winograd2x3, Layout::Nchw) < direct);
        assert!(resnet_conv(ConvAlgorithm::Direct, Layout::Nchw8c) < direct);
        assert!(
            resnet_conv(ConvAlgorithm::Winograd4x3, Layout::Nchw8c)
                < resnet_conv(ConvAlgorithm::Winograd2x3, Layout::Nchw8c)
        );
    }

    /// As measured: Winograd over the phases wins on ResNet-18's first stride-2 layer (49
    /// tiles) and loses on the deeper ones, whose few tiles leave the transformed weights to
    /// stream for little work.
    #[test]
    fn winograd_over_phases_only_where_tiles_are_many() {
        let winograd = |sizes| conv_3x3(ConvAlgorithm::Winograd4x2Stride2, Layout::Nchw8c, sizes, 2);
        let im2col = |sizes| conv_3x3(ConvAlgorithm::Im2colGemm, Layout::Nchw, sizes, 2);
        assert!(winograd([64, 128, 56]) < im2col([64, 128, 56]));
        assert!(winograd([128, 256, 28]) > im2col([128, 256, 28]));
        assert!(winograd([256, 512, 14]) > im2col([256, 512, 14]));
    }

    /// As measured (benches/RESULTS.md): F(4×4, 3×3) wins where tiles are many, F(2×2, 3×3) on
    /// ResNet-18's last 3×3 layer, whose 4 tiles of F(4,3) fill a micro-tile of 6 rows by
    /// two thirds and leave its 36 transformed weight matrices (38 MB) to stream.
    #[test]
    fn winograd_tiles_shrink_with_the_image() {
        let at = |algorithm, [c, h]: [i64; 2]| conv_3x3(algorithm, Layout::Nchw8c, [c, c, h], 1);
        assert!(at(ConvAlgorithm::Winograd4x3, [64, 56]) < at(ConvAlgorithm::Winograd2x3, [64, 56]));
        assert!(at(ConvAlgorithm::Winograd4x3, [128, 28]) < at(ConvAlgorithm::Winograd2x3, [128, 28]));
        assert!(at(ConvAlgorithm::Winograd2x3, [512, 7]) < at(ConvAlgorithm::Winograd4x3, [512, 7]));
    }

    #[test]
    fn algorithm_rules() {
        let c = Conv2d::default();
        assert!(applicable(ConvAlgorithm::Winograd2x3, &c, [8, 8, 3, 3]));
        assert!(!applicable(ConvAlgorithm::Winograd2x3, &Conv2d { strides: [2, 2], ..c.clone() }, [8, 8, 3, 3]));
        assert!(applicable(ConvAlgorithm::Winograd4x2Stride2, &Conv2d { strides: [2, 2], ..c.clone() }, [8, 8, 3, 3]));
        assert!(!applicable(ConvAlgorithm::Winograd4x2Stride2, &c, [8, 8, 3, 3]));
        assert!(!applicable(ConvAlgorithm::Winograd4x2Stride2, &Conv2d { strides: [2, 1], ..c.clone() }, [8, 8, 3, 3]));
        assert!(!applicable(ConvAlgorithm::Fft, &c, [8, 8, 3, 3]));
        assert!(applicable(ConvAlgorithm::Fft, &c, [8, 8, 7, 7]));
    }
}
