//! A profile as a Chrome trace (the JSON trace-event format that `chrome://tracing` and
//! Perfetto's UI open): one complete event (`"ph": "X"`, times in microseconds) per call of
//! the entry (`cat` `entry`), per call of a kernel (`kernel`, on the calling thread) and per
//! chunk of a kernel's parallel loops (`chunk`, on the thread that ran it, with its iterations),
//! and metadata events naming the process and threads.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use strata_lowering::codegen::profile::record::{Event, Span};
use strata_lowering::codegen::profile::Kernel;

fn micros(ns: u64) -> f64 {
    ns as f64 / 1e3
}

/// The trace of `events` of `kernels`; `process` names the run (file and entry).
pub fn trace(process: &str, entry: &str, kernels: &[Kernel], events: &[Event]) -> Value {
    let pid = std::process::id();
    let mut out = vec![json!({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": process}})];
    let threads: BTreeSet<u32> = events.iter().map(|e| e.thread).collect();
    for t in threads {
        out.push(
            json!({"name": "thread_name", "ph": "M", "pid": pid, "tid": t, "args": {"name": format!("thread {t}")}}),
        );
    }
    let mut run = 0;
    for e in events {
        let (name, cat, args) = match e.span {
            Span::Entry => {
                run += 1;
                (format!("@{entry}"), "entry", json!({"run": run}))
            }
            Span::Kernel(id) => {
                let k = &kernels[id as usize];
                let args = json!({
                    "id": id,
                    "op": k.op,
                    "location": k.location,
                    "result": k.result,
                    "flops": k.work.flops,
                    "bytes": k.work.bytes,
                });
                (k.name(), "kernel", args)
            }
            Span::Chunk { kernel, lo, hi } => {
                (kernels[kernel as usize].name(), "chunk", json!({"id": kernel, "iterations": [lo, hi]}))
            }
        };
        out.push(json!({
            "name": name,
            "cat": cat,
            "ph": "X",
            "ts": micros(e.start_ns),
            "dur": micros(e.dur_ns),
            "pid": pid,
            "tid": e.thread,
            "args": args,
        }));
    }
    json!({"traceEvents": out, "displayTimeUnit": "ms"})
}
