//! Multi-thread scaling of the C API: 1, 2 and 4 producer threads on one shared tracer, each
//! running span_cost's span (start + 3 attributes + end) in a tight loop, one provider per
//! thread count exporting OTLP/HTTP to a loopback sink. What is measured is the CPU time of
//! each producer thread per span (CLOCK_THREAD_CPUTIME_ID), not wall time: with more threads
//! than cores wall time measures the scheduler, thread CPU what a span costs its thread,
//! contention (lock hand-offs, futex calls, cache-line traffic) included.
//!
//!   cargo run --release -p otlp-ffi-bench --bin scaling -- [spans_per_thread] [rounds] [--json]
//!
//! Rounds interleave the thread counts; each round's figure is the mean over its threads and
//! the median over rounds is reported, with its ratio to one thread. Queue and batch are the
//! defaults (2048 / 512) unless OTEL_BSP_* say otherwise, so a tight loop drops spans (counted).

#[path = "../shared.rs"]
mod shared;

use shared::{CProvider, arg, c_spans, median, start_sink, thread_cpu_ns};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const THREADS: [usize; 3] = [1, 2, 4];

/// One round with `threads` producers: (mean thread-CPU ns per span, wall ns per span of all
/// the round's spans).
fn round(p: &CProvider, threads: usize, n: usize) -> (f64, f64) {
    let start = Arc::new(Barrier::new(threads + 1));
    let tracer = p.tracer as usize;
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let start = start.clone();
            std::thread::spawn(move || {
                let tracer = tracer as *mut otlp_ffi::otlp_tracer_t;
                c_spans(tracer, 1000); // this thread's first spans, outside the clock
                start.wait();
                let c0 = thread_cpu_ns();
                c_spans(tracer, n);
                (thread_cpu_ns() - c0) as f64 / n as f64
            })
        })
        .collect();
    start.wait();
    let t0 = Instant::now();
    let cpu: Vec<f64> = workers.into_iter().map(|w| w.join().unwrap_or(f64::NAN)).collect();
    let wall = t0.elapsed().as_nanos() as f64 / (n * threads) as f64;
    (cpu.iter().sum::<f64>() / cpu.len() as f64, wall)
}

fn main() {
    let n = arg(0, 200_000);
    let rounds = arg(1, 5);
    let json = std::env::args().any(|a| a == "--json");
    let (url, requests) = start_sink();
    let providers: Vec<CProvider> =
        THREADS.iter().map(|t| CProvider::new(&url, &format!("bench-scaling-{t}"))).collect();
    let mut cpu = vec![Vec::new(); THREADS.len()];
    let mut wall = vec![Vec::new(); THREADS.len()];
    for r in 0..=rounds {
        for (k, &t) in THREADS.iter().enumerate() {
            let (c, w) = round(&providers[k], t, n);
            if r > 0 {
                cpu[k].push(c);
                wall[k].push(w);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let stats: Vec<_> = providers.into_iter().map(CProvider::finish).collect();
    let one = median(cpu[0].clone());
    println!(
        "C API, start + 3 attributes + end, {n} spans per thread x {rounds} rounds (+1 warm-up), cores {}",
        std::thread::available_parallelism().map_or(0, |c| c.get())
    );
    let mut rows = Vec::new();
    for (k, &t) in THREADS.iter().enumerate() {
        let (c, w) = (median(cpu[k].clone()), median(wall[k].clone()));
        let s = &stats[k];
        println!(
            "{t} thread(s): thread CPU {c:6.0} ns/span ({:.2}x one thread), wall {w:6.0} ns/span, \
             ended {} exported {} dropped {}  rounds {:.0?}",
            c / one,
            s.spans_ended,
            s.spans_exported,
            s.spans_dropped,
            cpu[k]
        );
        rows.push(format!(
            "{{\"threads\":{t},\"cpu_ns_per_span\":{c:.1},\"ratio_to_one\":{:.3},\"wall_ns_per_span\":{w:.1},\
             \"ended\":{},\"exported\":{},\"dropped\":{}}}",
            c / one,
            s.spans_ended,
            s.spans_exported,
            s.spans_dropped
        ));
    }
    println!("sink: {} requests", requests.load(std::sync::atomic::Ordering::Relaxed));
    if json {
        println!("{{\"spans_per_thread\":{n},\"rounds\":{rounds},\"rows\":[{}]}}", rows.join(","));
    }
}
