//! What is measured: a kernel's core work (a convolution with its algorithm and layout, or a
//! matrix product) without its epilogue, named by an exact signature that keys the cache.
//!
//! The epilogue (bias, activation, residual) costs about the same whatever the algorithm, so
//! it is priced by the model and added to the measured core: one measurement serves every
//! epilogue the e-graph tries on the same convolution.

use strata_dialects::nn::shape::{ConvAlgorithm, Layout};

use super::super::cost::{ConvProblem, Work};

/// A kernel that can be measured on its own.
#[derive(Clone, Debug, PartialEq)]
pub enum Candidate {
    Conv(ConvProblem),
    Matmul { batch: i64, m: i64, n: i64, k: i64, constant_rhs: bool },
}

impl Candidate {
    /// The measurable core of `work`: `None` for streaming kernels (priced by the model).
    pub fn of(work: &Work) -> Option<Candidate> {
        match work {
            Work::Conv(p) => Some(Candidate::Conv(ConvProblem { epilogue_flops: 0.0, extra_bytes: 0.0, ..p.clone() })),
            Work::Matmul { batch, m, n, k, constant_rhs, .. } => Some(Candidate::Matmul {
                batch: *batch as i64,
                m: *m as i64,
                n: *n as i64,
                k: *k as i64,
                constant_rhs: *constant_rhs,
            }),
            Work::Streaming { .. } => None,
        }
    }

    /// The core as work, for the model.
    pub fn work(&self) -> Work {
        match self {
            Candidate::Conv(p) => Work::Conv(p.clone()),
            Candidate::Matmul { batch, m, n, k, constant_rhs } => Work::Matmul {
                batch: *batch as f64,
                m: *m as f64,
                n: *n as f64,
                k: *k as f64,
                epilogue_flops: 0.0,
                extra_bytes: 0.0,
                constant_rhs: *constant_rhs,
            },
        }
    }

    /// The exact signature: every attribute and size that changes the generated code.
    ///
    /// ```
    /// use strata_dialects::nn::shape::{Conv2d, ConvAlgorithm, Layout};
    /// use strata_passes::egraph::cost::ConvProblem;
    /// use strata_passes::egraph::fastrun::Candidate;
    /// let conv = Conv2d { padding: [1; 4], layout: Layout::Nhwc, ..Conv2d::default() };
    /// let p = ConvProblem {
    ///     conv,
    ///     algorithm: ConvAlgorithm::Winograd4x3,
    ///     input: [1, 64, 56, 56],
    ///     weight: [64, 64, 3, 3],
    ///     output: [1, 64, 56, 56],
    ///     epilogue_flops: 0.0,
    ///     extra_bytes: 0.0,
    /// };
    /// assert_eq!(
    ///     Candidate::Conv(p).signature(),
    ///     "conv2d input=1x64x56x56 weight=64x64x3x3 output=1x64x56x56 strides=1,1 padding=1,1,1,1 dilations=1,1 groups=1 layout=NHWC algorithm=winograd_f4x3"
    /// );
    /// ```
    pub fn signature(&self) -> String {
        match self {
            Candidate::Conv(p) => {
                format!("{} layout={} algorithm={}", self.problem(), p.conv.layout, p.algorithm.name())
            }
            Candidate::Matmul { .. } => self.problem(),
        }
    }

    /// The signature of the problem the candidate solves, the same for every algorithm and
    /// layout of one convolution: candidates of one problem are measured together, fastest
    /// (by the model) first, and compared.
    pub fn problem(&self) -> String {
        let join = |v: &[i64], sep: &str| v.iter().map(i64::to_string).collect::<Vec<_>>().join(sep);
        match self {
            Candidate::Conv(p) => format!(
                "conv2d input={} weight={} output={} strides={} padding={} dilations={} groups={}",
                join(&p.input, "x"),
                join(&p.weight, "x"),
                join(&p.output, "x"),
                join(&p.conv.strides, ","),
                join(&p.conv.padding, ","),
                join(&p.conv.dilations, ","),
                p.conv.groups
            ),
            Candidate::Matmul { batch, m, n, k, constant_rhs } => format!(
                "matmul batch={batch} m={m} n={n} k={k} rhs={}",
                if *constant_rhs { "constant" } else { "argument" }
            ),
        }
    }

    /// The layout and algorithm, for reports (`NHWC im2col_gemm`).
    pub fn choice(&self) -> String {
        match self {
            Candidate::Conv(p) => format!("{} {}", p.conv.layout, p.algorithm.name()),
            Candidate::Matmul { .. } => "matmul".into(),
        }
    }

    pub fn layout(&self) -> Option<Layout> {
        match self {
            Candidate::Conv(p) => Some(p.conv.layout),
            Candidate::Matmul { .. } => None,
        }
    }

    pub fn algorithm(&self) -> Option<ConvAlgorithm> {
        match self {
            Candidate::Conv(p) => Some(p.algorithm),
            Candidate::Matmul { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_dialects::nn::shape::Conv2d;

    fn conv(layout: Layout, algorithm: ConvAlgorithm, epilogue_flops: f64) -> Work {
        Work::Conv(ConvProblem {
            conv: Conv2d { padding: [1; 4], layout, ..Conv2d::default() },
            algorithm,
            input: [1, 8, 9, 9],
            weight: [16, 8, 3, 3],
            output: [1, 16, 9, 9],
            epilogue_flops,
            extra_bytes: 4.0 * epilogue_flops,
        })
    }

    #[test]
    fn epilogues_share_a_candidate_and_choices_share_a_problem() {
        let a = Candidate::of(&conv(Layout::Nchw, ConvAlgorithm::Direct, 0.0)).unwrap();
        let b = Candidate::of(&conv(Layout::Nchw, ConvAlgorithm::Direct, 3.0)).unwrap();
        let c = Candidate::of(&conv(Layout::Nchw8c, ConvAlgorithm::Winograd2x3, 3.0)).unwrap();
        assert_eq!(a.signature(), b.signature());
        assert_ne!(a.signature(), c.signature());
        assert_eq!(a.problem(), c.problem());
        assert_eq!(c.choice(), "NCHW8c winograd_f2x3");
        let streaming = Work::Streaming { bytes_read: 1.0, bytes_written: 1.0, flops: 0.0 };
        assert!(Candidate::of(&streaming).is_none());
        let mm = |constant_rhs| Work::Matmul {
            batch: 2.0,
            m: 3.0,
            n: 4.0,
            k: 5.0,
            epilogue_flops: 1.0,
            extra_bytes: 0.0,
            constant_rhs,
        };
        let (x, y) = (Candidate::of(&mm(true)).unwrap(), Candidate::of(&mm(false)).unwrap());
        assert_eq!(x.signature(), "matmul batch=2 m=3 n=4 k=5 rhs=constant");
        assert_ne!(x.signature(), y.signature());
    }
}
