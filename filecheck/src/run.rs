//! Matching directives against the input, as LLVM's `FileCheck::checkInput`: labels cut the
//! input into regions; in each, every check string matches its `-DAG`s (non-overlapping, any
//! order), then itself (`-COUNT` times), then verifies `-NEXT`/`-SAME`/`-EMPTY` placement and
//! that no `-NOT` occurs in the skipped text.

use crate::checkfile::{CheckString, Directive, Kind};
use crate::options::Options;
use crate::pattern::{Found, MatchError, Vars};
use crate::report::Report;

pub struct Matcher<'a> {
    pub input: &'a str,
    pub opts: &'a Options,
    pub vars: Vars,
    pub report: Report<'a>,
}

fn newlines(s: &str) -> usize {
    // "\r\n" and "\n\r" count once; inputs are normalized to "\n" already.
    s.matches('\n').count()
}

impl<'a> Matcher<'a> {
    /// The first match of `d` in `[start, end)`; `Err` when the pattern cannot be tried
    /// (an undefined variable, a value its format cannot show), which fails the run.
    fn find(&mut self, d: &Directive, start: usize, end: usize) -> Result<Option<Found>, ()> {
        let text = &self.input[start..end];
        match d.pattern.find(text, &self.vars, self.opts.ignore_case, self.opts.strict_whitespace) {
            Ok(Some(mut f)) => {
                f.start += start;
                f.end += start;
                Ok(Some(f))
            }
            Ok(None) => Ok(None),
            Err(MatchError::Undefined(names)) => {
                self.report.undefined(d, start, &names);
                Err(())
            }
            Err(MatchError::Overflow) => {
                self.report.error_at(d, "unable to substitute variable or numeric expression: overflow error".into());
                Err(())
            }
        }
    }

    fn define(&mut self, f: &Found) {
        for (n, v) in &f.strings {
            self.vars.strings.insert(n.clone(), v.clone());
        }
        for (n, v, fmt) in &f.numbers {
            self.vars.numbers.insert(n.clone(), (*v, *fmt));
        }
    }

    /// `-NOT`s must not match in `[start, end)`; true when one does (a failure).
    fn check_not(&mut self, nots: &[&Directive], start: usize, end: usize) -> bool {
        for d in nots {
            match self.find(d, start, end) {
                Ok(Some(f)) => {
                    self.report.excluded_found(d, f.start, f.end);
                    return true;
                }
                Ok(None) => {}
                Err(()) => return true,
            }
        }
        false
    }

    /// Matches the `-DAG`s (with `-NOT`s between groups); returns where the check after them
    /// starts searching, and the `-NOT`s still to verify.
    fn check_dag<'d>(&mut self, cs: &'d CheckString, start: usize, end: usize) -> Option<(usize, Vec<&'d Directive>)> {
        let mut nots: Vec<&Directive> = Vec::new();
        let mut group_start = start;
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for (k, d) in cs.dag_not.iter().enumerate() {
            if d.kind == Kind::Not {
                nots.push(d);
                continue;
            }
            let mut from = group_start;
            loop {
                let Some(f) = self.find(d, from, end).ok()? else {
                    self.report.not_found(d, from, end);
                    return None;
                };
                let (s, e) = (f.start, f.end);
                // The first earlier match it overlaps, if any.
                let mut overlap = None;
                let mut insert_at = ranges.len();
                for (i, r) in ranges.iter().enumerate() {
                    if s < r.1 {
                        if r.0 < e {
                            overlap = Some(*r);
                        }
                        insert_at = i;
                        break;
                    }
                }
                match overlap {
                    None => {
                        self.define(&f);
                        ranges.insert(insert_at, (s, e));
                        self.report.matched(d, s, e);
                        break;
                    }
                    Some(r) => from = r.1,
                }
            }
            let group_ends = cs.dag_not.get(k + 1).is_none_or(|n| n.kind == Kind::Not);
            if group_ends {
                if !nots.is_empty() {
                    let first = ranges.first().map_or(group_start, |r| r.0);
                    if self.check_not(&nots, group_start, first) {
                        return None;
                    }
                    nots.clear();
                }
                group_start = ranges.last().map_or(group_start, |r| r.1);
                ranges.clear();
            }
        }
        Some((group_start, nots))
    }

    /// Checks one check string in `[start, end)`; returns (match start, match end).
    fn check(&mut self, cs: &CheckString, start: usize, end: usize, label_scan: bool) -> Option<(usize, usize)> {
        let (from, nots) = if label_scan { (start, Vec::new()) } else { self.check_dag(cs, start, end)? };
        let d = &cs.check;
        if d.kind == Kind::Eof {
            if self.check_not(&nots, from, end) {
                return None;
            }
            return Some((end, end));
        }
        let count = if let Kind::Count(n) = d.kind { n } else { 1 };
        let mut at = from;
        let mut first = None;
        for _ in 0..count {
            let Some(f) = self.find(d, at, end).ok()? else {
                self.report.not_found(d, at, end);
                return None;
            };
            self.define(&f);
            self.report.matched(d, f.start, f.end);
            first.get_or_insert(f.start);
            at = f.end;
        }
        let first = first.unwrap_or(at);
        if !label_scan {
            let skipped = &self.input[from..first];
            match d.kind {
                Kind::Next | Kind::Empty => {
                    let n = newlines(skipped);
                    if n == 0 {
                        self.report.placement(d, first, "is on the same line as previous match");
                        return None;
                    }
                    if n != 1 {
                        self.report.placement(d, first, "is not on the line after the previous match");
                        return None;
                    }
                }
                Kind::Same if newlines(skipped) != 0 => {
                    self.report.placement(d, first, "is not on the same line as the previous match");
                    return None;
                }
                _ => {}
            }
            if self.check_not(&nots, from, first) {
                return None;
            }
        }
        Some((first, at))
    }

    /// Runs every check string; true when all hold.
    pub fn run(&mut self, strings: &[CheckString]) -> bool {
        let mut buffer = 0usize;
        let end = self.input.len();
        let (mut i, mut j) = (0usize, 0usize);
        loop {
            let region_end;
            if j == strings.len() {
                region_end = end;
            } else {
                if strings[j].check.kind != Kind::Label {
                    j += 1;
                    continue;
                }
                let Some((_, e)) = self.check(&strings[j], buffer, end, true) else { return false };
                region_end = e;
                j += 1;
            }
            if self.opts.enable_var_scope && i != 0 {
                self.vars.clear_local();
            }
            let mut region_start = buffer;
            while i < j {
                match self.check(&strings[i], region_start, region_end, false) {
                    Some((_, e)) => region_start = e,
                    None => return false,
                }
                i += 1;
            }
            buffer = region_end;
            if j == strings.len() {
                return true;
            }
        }
    }
}
