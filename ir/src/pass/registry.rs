//! The pass registry: passes and named pipelines by name, and pipeline text resolved into a
//! pass manager tree.

use std::sync::Arc;

use indexmap::IndexMap;

use super::manager::{Anchor, OpPassManager, PassSlot};
use super::options::{entry_spans, OptionSpec, PassOptions};
use super::pipeline::{self, Element, PipelineError};
use super::{nearest, Pass};

/// Builds a pass from its options; the registry is there for passes that run pipelines of
/// their own.
pub type PassFactory = Arc<dyn Fn(&PassOptions, &PassRegistry) -> Result<Box<dyn Pass>, String> + Send + Sync>;

/// A registered pass: its command-line name, the name reports use, its options and
/// statistics, and how to build it.
#[derive(Clone)]
pub struct PassInfo {
    /// Pipeline and flag name (`canonicalize`).
    pub name: &'static str,
    /// Name in reports (`Canonicalizer`).
    pub display: &'static str,
    pub summary: &'static str,
    /// The op the pass is restricted to; `None` runs on any op.
    pub anchor: Option<&'static str>,
    pub options: Vec<OptionSpec>,
    pub statistics: Vec<(&'static str, &'static str)>,
    /// Tool flags (`egraph-stats`) that set an option (`print-stats`) for every instance.
    pub flags: Vec<(&'static str, &'static str)>,
    factory: PassFactory,
}

impl PassInfo {
    pub fn new(
        name: &'static str,
        display: &'static str,
        summary: &'static str,
        factory: impl Fn(&PassOptions, &PassRegistry) -> Result<Box<dyn Pass>, String> + Send + Sync + 'static,
    ) -> Self {
        PassInfo {
            name,
            display,
            summary,
            anchor: None,
            options: Vec::new(),
            statistics: Vec::new(),
            flags: Vec::new(),
            factory: Arc::new(factory),
        }
    }
    /// Restricts the pass to ops named `op` (a pipeline nests it there implicitly when asked).
    pub fn anchor(mut self, op: &'static str) -> Self {
        self.anchor = Some(op);
        self
    }
    pub fn option(mut self, spec: OptionSpec) -> Self {
        self.options.push(spec);
        self
    }
    /// A tool flag `--FLAG[=VALUE]` that sets `option` in every instance of the pass that does
    /// not set it itself (as `--egraph-stats` does for `egraph-opt{print-stats}`).
    pub fn flag(mut self, flag: &'static str, option: &'static str) -> Self {
        self.flags.push((flag, option));
        self
    }
    /// Declares a statistic, so reports list it even when it stays 0.
    pub fn statistic(mut self, name: &'static str, description: &'static str) -> Self {
        self.statistics.push((name, description));
        self
    }
    /// The same pass, with panics in its factory and its runs turned into errors where they
    /// happen (what runtime plugins need: a panic must not unwind across the library edge).
    pub fn catching_panics(mut self) -> Self {
        let factory = self.factory.clone();
        let name = self.name;
        self.factory = Arc::new(move |o, r| {
            let pass = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| factory(o, r)))
                .map_err(|p| format!("crashed while being built: {}", super::report::panic_message(p.as_ref())))??;
            Ok(Box::new(CatchPanics { name, pass }) as Box<dyn Pass>)
        });
        self
    }

    /// Builds the pass with `options`.
    pub fn create(&self, options: &PassOptions, registry: &PassRegistry) -> Result<Box<dyn Pass>, String> {
        (self.factory)(options, registry)
    }
}

/// A pipeline registered under a name, usable wherever a pass name is.
#[derive(Clone, Debug)]
pub struct NamedPipeline {
    pub name: &'static str,
    pub summary: &'static str,
    pub text: String,
}

/// Every pass and named pipeline a tool knows.
#[derive(Clone, Default)]
pub struct PassRegistry {
    passes: IndexMap<&'static str, PassInfo>,
    pipelines: IndexMap<&'static str, NamedPipeline>,
}

impl PassRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// The pass and option a tool flag sets (see [`PassInfo::flag`]).
    pub fn flag(&self, flag: &str) -> Option<(&'static str, &'static str)> {
        self.passes.values().find_map(|p| p.flags.iter().find(|(f, _)| *f == flag).map(|(_, o)| (p.name, *o)))
    }

    /// Changes the default of `option` of `pass` (what instances that do not set it get).
    pub fn set_option_default(&mut self, pass: &str, option: &str, text: Option<&str>) -> Result<(), String> {
        let info = self.passes.get_mut(pass).ok_or_else(|| format!("unknown pass '{pass}'"))?;
        let mut values = crate::pass::PassOptions::defaults(&info.options);
        values.set(&info.options, option, text)?;
        let value = values.get(option).cloned().ok_or_else(|| format!("unknown option '{option}'"))?;
        if let Some(spec) = info.options.iter_mut().find(|s| s.name == option) {
            spec.default = value;
        }
        Ok(())
    }

    /// Adds a pass; a name already taken is an error.
    pub fn register(&mut self, info: PassInfo) -> Result<(), String> {
        if self.passes.contains_key(info.name) || self.pipelines.contains_key(info.name) {
            return Err(format!("pass or pipeline '{}' is already registered", info.name));
        }
        self.passes.insert(info.name, info);
        Ok(())
    }

    /// Adds a named pipeline (`text` is pipeline syntax without an anchor, e.g. `cse,canonicalize`).
    pub fn register_pipeline(&mut self, name: &'static str, summary: &'static str, text: &str) -> Result<(), String> {
        if self.passes.contains_key(name) || self.pipelines.contains_key(name) {
            return Err(format!("pass or pipeline '{name}' is already registered"));
        }
        pipeline::parse(text).map_err(|e| format!("pipeline '{name}': {}", e.message))?;
        self.pipelines.insert(name, NamedPipeline { name, summary, text: text.to_string() });
        Ok(())
    }

    pub fn pass(&self, name: &str) -> Option<&PassInfo> {
        self.passes.get(name)
    }
    pub fn passes(&self) -> impl Iterator<Item = &PassInfo> {
        self.passes.values()
    }
    pub fn pipeline(&self, name: &str) -> Option<&NamedPipeline> {
        self.pipelines.get(name)
    }
    pub fn pipelines(&self) -> impl Iterator<Item = &NamedPipeline> {
        self.pipelines.values()
    }
    /// Whether `name` is a pass or a named pipeline.
    pub fn contains(&self, name: &str) -> bool {
        self.passes.contains_key(name) || self.pipelines.contains_key(name)
    }

    /// Resolves pipeline text. A single anchored element (`builtin.module(...)`) becomes the
    /// root manager; a bare list runs on whatever op the manager is given.
    ///
    /// ```
    /// # use strata_ir::pass::*;
    /// let registry = PassRegistry::new();
    /// let err = registry.parse_pipeline("builtin.module(frobnicate)").err().unwrap();
    /// assert_eq!(err.offset, 15);
    /// assert!(err.message.contains("unknown pass or pipeline 'frobnicate'"));
    /// ```
    pub fn parse_pipeline(&self, text: &str) -> Result<OpPassManager, PipelineError> {
        let elements = pipeline::parse(text)?;
        match elements.as_slice() {
            [Element::Nested { anchor, elements, .. }] => {
                let mut pm = OpPassManager::new(Anchor::parse(anchor));
                self.resolve_into(&mut pm, elements, false, 0)?;
                Ok(pm)
            }
            _ => {
                let mut pm = OpPassManager::new(Anchor::Any);
                self.resolve_into(&mut pm, &elements, false, 0)?;
                Ok(pm)
            }
        }
    }

    /// Adds the passes of `text` to `pm`; with `implicit_nesting`, a pass restricted to
    /// another op is nested under that op, as mlir-opt does for pass flags.
    pub fn add_to(&self, pm: &mut OpPassManager, text: &str, implicit_nesting: bool) -> Result<(), PipelineError> {
        let elements = pipeline::parse(text)?;
        self.resolve_into(pm, &elements, implicit_nesting, 0)
    }

    fn resolve_into(
        &self,
        pm: &mut OpPassManager,
        elements: &[Element<'_>],
        implicit: bool,
        depth: usize,
    ) -> Result<(), PipelineError> {
        for e in elements {
            match e {
                Element::Nested { anchor, elements, .. } => {
                    let nested = pm.nest_new(Anchor::parse(anchor));
                    self.resolve_into(nested, elements, implicit, depth)?;
                }
                Element::Pass { name, offset, options } => {
                    if let Some(p) = self.pipelines.get(name) {
                        if options.is_some() {
                            return Err(PipelineError::new(*offset, format!("pipeline '{name}' takes no options")));
                        }
                        if depth > 16 {
                            return Err(PipelineError::new(*offset, format!("pipeline '{name}' refers to itself")));
                        }
                        let inner = pipeline::parse(&p.text)
                            .map_err(|err| PipelineError::new(*offset, format!("in pipeline '{name}': {err}")))?;
                        self.resolve_into(pm, &inner, implicit, depth + 1)
                            .map_err(|err| PipelineError::new(*offset, format!("in pipeline '{name}': {err}")))?;
                        continue;
                    }
                    let slot = self.instantiate(name, *offset, *options)?;
                    pm.add_slot(slot, implicit).map_err(|m| PipelineError::new(*offset, m))?;
                }
            }
        }
        Ok(())
    }

    fn instantiate(
        &self,
        name: &str,
        offset: usize,
        options: Option<(usize, &str)>,
    ) -> Result<PassSlot, PipelineError> {
        let Some(info) = self.passes.get(name) else {
            let names: Vec<&str> = self.passes.keys().chain(self.pipelines.keys()).copied().collect();
            let hint = match nearest(name, &names) {
                Some(n) => format!("; did you mean '{n}'?"),
                None => "; --list-passes shows them all".to_string(),
            };
            return Err(PipelineError::new(offset, format!("unknown pass or pipeline '{name}'{hint}")));
        };
        let mut values = PassOptions::defaults(&info.options);
        if let Some((body_offset, body)) = options {
            let entries = entry_spans(body).map_err(|m| PipelineError::new(body_offset, m))?;
            for (at, key, value) in entries {
                values
                    .set(&info.options, key, value)
                    .map_err(|m| PipelineError::new(body_offset + at, format!("{m} (pass '{name}')")))?;
            }
        }
        let pass = info.create(&values, self).map_err(|m| PipelineError::new(offset, format!("pass '{name}': {m}")))?;
        Ok(PassSlot::new(info.clone(), values, pass))
    }
}

struct CatchPanics {
    name: &'static str,
    pass: Box<dyn Pass>,
}

impl Pass for CatchPanics {
    fn run(&self, cx: &mut super::PassContext<'_>) -> Result<(), crate::Diagnostic> {
        let loc = cx.ir.op(cx.op).loc();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.pass.run(cx))).unwrap_or_else(|p| {
            let message = super::report::panic_message(p.as_ref());
            Err(crate::Diagnostic::error(loc, format!("pass '{}' crashed: {message}", self.name)))
        })
    }
}
