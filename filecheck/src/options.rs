//! FileCheck's options, as LLVM's command line names them.

/// How the matcher behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// `--check-prefix` / `--check-prefixes` (default `CHECK`).
    pub check_prefixes: Vec<String>,
    /// `--comment-prefixes` (default `COM,RUN`).
    pub comment_prefixes: Vec<String>,
    pub allow_unused_prefixes: bool,
    /// `--implicit-check-not` patterns (fixed strings).
    pub implicit_check_not: Vec<String>,
    pub match_full_lines: bool,
    pub strict_whitespace: bool,
    pub ignore_case: bool,
    /// `-D NAME=VALUE` string variables.
    pub defines: Vec<(String, String)>,
    /// `-D#[%fmt,]NAME=VALUE` numeric variables, as written.
    pub numeric_defines: Vec<String>,
    pub allow_empty: bool,
    pub enable_var_scope: bool,
    pub dump_input: DumpInput,
    /// Print a unified diff of expected against found on failure.
    pub diff: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            check_prefixes: Vec::new(),
            comment_prefixes: Vec::new(),
            allow_unused_prefixes: false,
            implicit_check_not: Vec::new(),
            match_full_lines: false,
            strict_whitespace: false,
            ignore_case: false,
            defines: Vec::new(),
            numeric_defines: Vec::new(),
            allow_empty: false,
            enable_var_scope: false,
            dump_input: DumpInput::Fail,
            diff: false,
        }
    }
}

impl Options {
    pub(crate) fn prefixes(&self) -> Vec<String> {
        if self.check_prefixes.is_empty() {
            vec!["CHECK".to_string()]
        } else {
            self.check_prefixes.clone()
        }
    }
    pub(crate) fn comments(&self) -> Vec<String> {
        if self.comment_prefixes.is_empty() {
            vec!["COM".to_string(), "RUN".to_string()]
        } else {
            self.comment_prefixes.clone()
        }
    }
}

/// `--dump-input`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpInput {
    Fail,
    Always,
    Never,
}
