//! The state the listeners share: the store, the outputs (JSON lines, trees), the change events
//! of /api/events, and the settle rule that completes traces.

use crate::cli::Options;
use crate::span::{Protocol, flatten, hex};
use crate::store::{Change, Store};
use crate::tree;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use serde_json::json;
use std::io::{IsTerminal as _, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;
use tokio::sync::broadcast;

/// Locks `m`; a panic elsewhere while holding it does not make the data unusable here.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub struct App {
    pub opts: Options,
    pub store: Mutex<Store>,
    json: Option<Mutex<Box<dyn Write + Send>>>,
    /// Trees go to stderr when the JSON lines take stdout.
    tree_to_stderr: bool,
    color: bool,
    /// Server-sent event texts, one per change.
    pub events: broadcast::Sender<String>,
    completed: AtomicU64,
}

impl App {
    pub fn new(opts: Options) -> std::io::Result<App> {
        let tree_to_stderr = opts.json.as_deref() == Some("-");
        let json: Option<Mutex<Box<dyn Write + Send>>> = match opts.json.as_deref() {
            None => None,
            Some("-") => Some(Mutex::new(Box::new(std::io::stdout()))),
            Some(path) => {
                let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
                Some(Mutex::new(Box::new(std::io::BufWriter::new(file))))
            }
        };
        let terminal = if tree_to_stderr { std::io::stderr().is_terminal() } else { std::io::stdout().is_terminal() };
        let color = terminal && std::env::var_os("NO_COLOR").is_none();
        let (events, _) = broadcast::channel(256);
        Ok(App {
            store: Mutex::new(Store::new(opts.max_traces, opts.max_spans_per_trace)),
            opts,
            json,
            tree_to_stderr,
            color,
            events,
            completed: AtomicU64::new(0),
        })
    }

    /// Takes one export request: validates it, writes its JSON lines, stores its spans.
    /// Returns the number of spans, or what is wrong with the request (nothing of it is kept;
    /// the caller answers and counts the rejection).
    pub fn ingest(&self, req: ExportTraceServiceRequest, protocol: Protocol) -> Result<usize, String> {
        let spans = flatten(req, protocol)?;
        let n = spans.len();
        if let Some(out) = &self.json {
            let mut text = String::new();
            for s in &spans {
                text.push_str(&s.to_json().to_string());
                text.push('\n');
            }
            let mut out = lock(out);
            // A closed pipe or a full disk must not stop the receiver.
            let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
        }
        let changes = {
            let mut store = lock(&self.store);
            store.count_request(protocol);
            store.insert(spans, Instant::now())
        };
        self.publish(&changes);
        Ok(n)
    }

    pub fn reject(&self) {
        lock(&self.store).count_rejected();
    }

    fn publish(&self, changes: &[Change]) {
        if self.events.receiver_count() == 0 {
            return;
        }
        for c in changes {
            let data = json!({"trace_id": hex(&c.trace_id), "span_count": c.span_count, "updated_seq": c.updated_seq});
            let _ = self.events.send(format!("event: trace\ndata: {data}\n\n"));
        }
    }

    /// Completes the traces that settled (all pending ones when `force`, rootless ones too):
    /// prints their trees. True once --exit-after-traces is reached.
    pub fn settle(&self, force: bool) -> bool {
        let (settled, rootless) = {
            let mut store = lock(&self.store);
            let settled = store.take_settled(Instant::now(), self.opts.settle, force);
            let rootless = if force { store.take_rootless() } else { Vec::new() };
            (settled, rootless)
        };
        let changes: Vec<Change> = settled.iter().map(|(_, c)| c.clone()).collect();
        self.publish(&changes);
        let mut reached = false;
        let mut text = String::new();
        for (s, _) in &settled {
            if self.opts.tree {
                text.push_str(&tree::render(s, self.color));
                text.push('\n');
            }
            if !s.updated {
                let n = self.completed.fetch_add(1, Ordering::SeqCst) + 1;
                if self.opts.exit_after_traces.is_some_and(|limit| n >= limit) {
                    reached = true;
                    break;
                }
            }
        }
        if self.opts.tree {
            for s in &rootless {
                text.push_str(&tree::render(s, self.color));
                text.push('\n');
            }
        }
        if !text.is_empty() {
            self.print(&text);
        }
        reached
    }

    fn print(&self, text: &str) {
        // Errors (a closed pipe) are ignored: the receiver keeps running.
        if self.tree_to_stderr {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes()).and_then(|_| err.flush());
        } else {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
        }
    }

    pub fn flush_outputs(&self) {
        if let Some(out) = &self.json {
            let _ = lock(out).flush();
        }
        let _ = std::io::stdout().flush();
    }
}
