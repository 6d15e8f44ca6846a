//! Allocations per span on the calling thread: a counting global allocator counts only on the
//! thread that has set its thread-local flag, so the export thread's (and the sink's)
//! allocations are not in the figure. The span is span_cost's (start + 3 attributes + end
//! through the C API), default queue and batch, exporting to a loopback sink.
//!
//!   cargo run --release -p otlp-ffi-bench --bin alloc_count -- [spans] [warm_up_spans] [--json]
//!
//! Two figures, each over `spans` spans after `warm_up_spans` uncounted ones:
//! - paced (the gate's figure, deterministic): the spans in bursts of 256 (half a batch), each
//!   burst followed by an uncounted force_flush, so the exporter keeps up and no span is
//!   dropped; whatever the export thread's timing, the caller's allocations are those of the
//!   span path itself. bench/gates.sh fails the tests when it crosses bench/gates.toml.
//! - tight loop: the spans back to back at default settings, the queue mostly full and spans
//!   dropped; how often the caller finds no recycled record depends on the export thread's
//!   timing, so this figure is reported, not gated.
//!
//! Allocations are alloc, alloc_zeroed and realloc calls; bytes are the sizes requested.

#[path = "../shared.rs"]
mod shared;

use shared::{CProvider, arg, c_spans, start_sink};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    // const-initialised, no destructor: reading it never allocates and never fails
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note(size: usize) {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BURST: usize = 256;

/// Allocations and bytes on this thread while `f` runs.
fn counted(f: impl FnOnce()) -> (u64, u64) {
    let (a0, b0) = (ALLOCS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    (ALLOCS.load(Ordering::Relaxed) - a0, BYTES.load(Ordering::Relaxed) - b0)
}

fn main() {
    let n = arg(0, 200_000);
    let warm = arg(1, 100_000);
    let json = std::env::args().any(|a| a == "--json");
    let (url, _requests) = start_sink();
    let mut out = Vec::new();

    // paced: bursts of BURST spans, an uncounted flush after each
    let p = CProvider::new(&url, "bench-alloc-paced");
    c_spans(p.tracer, warm);
    p.flush();
    let (mut allocs, mut bytes, mut done) = (0, 0, 0);
    while done < n {
        let k = BURST.min(n - done);
        let (a, b) = counted(|| c_spans(p.tracer, k));
        allocs += a;
        bytes += b;
        done += k;
        p.flush();
    }
    out.push(("paced", allocs, bytes, p.finish()));

    // tight loop: back to back, drops included
    let p = CProvider::new(&url, "bench-alloc-tight");
    c_spans(p.tracer, warm);
    let (allocs, bytes) = counted(|| c_spans(p.tracer, n));
    out.push(("tight", allocs, bytes, p.finish()));

    let mut fields = vec![format!("\"spans\":{n},\"warm_up\":{warm},\"burst\":{BURST}")];
    for (name, allocs, bytes, stats) in &out {
        let per_span = *allocs as f64 / n as f64;
        println!(
            "C API, start + 3 attributes + end, {name}: {allocs} allocations ({bytes} bytes) on the calling \
             thread over {n} spans after {warm} warm-up spans: {per_span:.6} allocations/span, {:.3} bytes/span; \
             ended {} exported {} dropped {}",
            *bytes as f64 / n as f64,
            stats.spans_ended,
            stats.spans_exported,
            stats.spans_dropped
        );
        fields.push(format!(
            "\"{name}\":{{\"allocs\":{allocs},\"bytes\":{bytes},\"allocs_per_span\":{per_span:.6},\
             \"bytes_per_span\":{:.3},\"ended\":{},\"exported\":{},\"dropped\":{}}}",
            *bytes as f64 / n as f64,
            stats.spans_ended,
            stats.spans_exported,
            stats.spans_dropped
        ));
    }
    if json {
        println!("{{{}}}", fields.join(","));
    }
}
