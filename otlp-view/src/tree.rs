//! A completed trace as text: a header line, then one line per span nested under its parent
//! with box-drawing connectors, and the spans whose parent is not in the trace as orphans.
//!
//! ```text
//! trace 4bf92f3577b34da6a3ce929d0e0e4736 · 3 spans · 2 services · 12.40 ms
//! └─ shop GET /checkout          server   ██████████████████████████████    12.40 ms  http.method=GET
//!    └─ db SELECT orders         client   ·······██████████·············     4.10 ms  ✗ ERROR: timeout
//! ```

use crate::span::{FlatSpan, any_text, hex};
use crate::store::Settled;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

/// Columns of the duration bar.
pub const BAR_WIDTH: usize = 30;
/// The widest tree + name column; longer names are cut with "…".
const MAX_LABEL: usize = 60;
/// The widest attributes + events tail.
const MAX_TAIL: usize = 140;
/// Deeper levels are drawn at this indentation (a chain of thousands of spans stays printable).
const MAX_INDENT: usize = 24;
/// Attribute keys shown on a span's line: these prefixes.
const KEY_PREFIXES: [&str; 7] = ["http.", "url.", "rpc.", "error", "exception.", "demo.", "baggage."];

const RED: &str = "31";
const PALETTE: [&str; 8] = ["36", "32", "33", "34", "35", "96", "92", "94"];

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on && !text.is_empty() { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
}

/// A service's colour: the same name gets the same colour in every trace.
fn service_color(name: &str) -> &'static str {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    PALETTE[(hash % PALETTE.len() as u64) as usize]
}

/// `text` with control characters escaped (no terminal control sequences from the wire, one line).
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` cut to `max` characters, the last one "…" when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n >= width { text.to_string() } else { format!("{text}{}", " ".repeat(width - n)) }
}

fn kind_short(kind: i32) -> &'static str {
    match kind {
        1 => "internal",
        2 => "server",
        3 => "client",
        4 => "producer",
        5 => "consumer",
        _ => "-",
    }
}

/// Milliseconds: "12.40 ms", under one millisecond "0.042 ms".
pub fn format_ms(ns: u64) -> String {
    let ms = ns as f64 / 1e6;
    if ns < 1_000_000 { format!("{ms:.3} ms") } else { format!("{ms:.2} ms") }
}

/// The bar of a span from `start` to `end` on the axis `t0..t1`: `····████····`.
pub fn bar(start: u64, end: u64, t0: u64, t1: u64) -> String {
    let total = u128::from(t1.saturating_sub(t0));
    let w = BAR_WIDTH as u128;
    let (from, to) = match u128::from(start.saturating_sub(t0)).checked_mul(w).and_then(|x| x.checked_div(total)) {
        None => (0, BAR_WIDTH),
        Some(from) => {
            let from = from.min(w - 1) as usize;
            let to = (u128::from(end.saturating_sub(t0)) * w).div_ceil(total).min(w) as usize;
            (from, to.max(from + 1))
        }
    };
    (0..BAR_WIDTH).map(|i| if (from..to).contains(&i) { '█' } else { '·' }).collect()
}

fn key_attributes(s: &FlatSpan) -> String {
    let mut parts = Vec::new();
    for kv in &s.span.attributes {
        if KEY_PREFIXES.iter().any(|p| kv.key.starts_with(p)) {
            parts.push(format!("{}={}", kv.key, any_text(kv.value.as_ref())));
        }
    }
    parts.join(" ")
}

fn events_text(s: &FlatSpan) -> String {
    let events = &s.span.events;
    if events.is_empty() {
        return String::new();
    }
    if events.len() > 3 {
        return format!("· {} events", events.len());
    }
    let one = |e: &opentelemetry_proto::tonic::trace::v1::span::Event| {
        let message = e.attributes.iter().find(|kv| kv.key == "exception.message");
        match message {
            Some(kv) if e.name == "exception" => format!("· exception: {}", any_text(kv.value.as_ref())),
            _ => format!("· {}", e.name),
        }
    };
    events.iter().map(one).collect::<Vec<_>>().join(" ")
}

/// The spans in drawing order, each with its tree prefix; `visited` collects the drawn ones.
fn walk(
    tops: &[usize],
    spans: &[Arc<FlatSpan>],
    children: &HashMap<&[u8], Vec<usize>>,
    visited: &mut HashSet<usize>,
) -> Vec<(usize, String)> {
    let mut rows = Vec::new();
    let mut stack: Vec<(usize, String, bool, usize)> =
        tops.iter().rev().enumerate().map(|(k, &i)| (i, String::new(), k == 0, 0)).collect();
    while let Some((i, indent, last, depth)) = stack.pop() {
        if !visited.insert(i) {
            continue;
        }
        rows.push((i, format!("{indent}{}", if last { "└─ " } else { "├─ " })));
        let child_indent =
            if depth >= MAX_INDENT { indent } else { format!("{indent}{}", if last { "   " } else { "│  " }) };
        let kids: Vec<usize> = children
            .get(spans[i].span.span_id.as_slice())
            .map(|k| k.iter().copied().filter(|c| !visited.contains(c)).collect())
            .unwrap_or_default();
        for (k, &c) in kids.iter().rev().enumerate() {
            stack.push((c, child_indent.clone(), k == 0, depth + 1));
        }
    }
    rows
}

/// The tree of a settled trace, lines ending in '\n'; ANSI colours when `color`.
pub fn render(t: &Settled, color: bool) -> String {
    let paint = Paint { on: color };
    let spans = &t.spans;
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| (spans[i].start(), i));
    let ids: HashSet<&[u8]> = spans.iter().map(|s| s.span.span_id.as_slice()).collect();
    let mut children: HashMap<&[u8], Vec<usize>> = HashMap::new();
    let (mut roots, mut orphans) = (Vec::new(), Vec::new());
    for &i in &order {
        let parent = spans[i].span.parent_span_id.as_slice();
        if parent.is_empty() {
            roots.push(i);
        } else if ids.contains(parent) {
            children.entry(parent).or_default().push(i);
        } else {
            orphans.push(i);
        }
    }
    let mut visited = HashSet::new();
    let tree_rows = walk(&roots, spans, &children, &mut visited);
    let mut orphan_rows = walk(&orphans, spans, &children, &mut visited);
    // Spans in a parent cycle are reachable from neither: drawn with the orphans.
    for &i in &order {
        if !visited.contains(&i) {
            orphan_rows.extend(walk(&[i], spans, &children, &mut visited));
        }
    }

    let t0 = spans.iter().map(|s| s.start()).min().unwrap_or(0);
    let t1 = spans.iter().map(|s| s.end()).max().unwrap_or(0);
    let mut services: Vec<&str> = Vec::new();
    for &i in &order {
        if !services.contains(&spans[i].service()) {
            services.push(spans[i].service());
        }
    }
    let errors = spans.iter().filter(|s| s.is_error()).count();

    let mut out = String::new();
    let mut header = format!(
        "trace {} · {} span{} · {} service{} · {}",
        hex(&t.trace_id),
        spans.len(),
        if spans.len() == 1 { "" } else { "s" },
        services.len(),
        if services.len() == 1 { "" } else { "s" },
        format_ms(t1.saturating_sub(t0))
    );
    if errors > 0 {
        header.push_str(&format!(" · {errors} error{}", if errors == 1 { "" } else { "s" }));
    }
    if t.dropped > 0 {
        header.push_str(&format!(" · {} spans dropped", t.dropped));
    }
    if t.updated {
        header.push_str(" (updated)");
    }
    let _ = writeln!(out, "{}", paint.wrap("1", &header));

    let label = |i: usize| clean(&format!("{} {}", spans[i].service(), spans[i].span.name));
    let width = tree_rows
        .iter()
        .chain(orphan_rows.iter())
        .map(|(i, prefix)| prefix.chars().count() + label(*i).chars().count())
        .max()
        .unwrap_or(0)
        .min(MAX_LABEL);

    let line = |out: &mut String, i: usize, prefix: &str, marker: Option<String>| {
        let s = &spans[i];
        let service = clean(s.service());
        let name = clean(&s.span.name);
        let room = width.saturating_sub(prefix.chars().count());
        let text = cut(&format!("{service} {name}"), room.max(8));
        let padding = " ".repeat(room.saturating_sub(text.chars().count()));
        let (svc_part, name_part) = match text.split_at_checked(service.len()) {
            Some((a, b)) if a == service => (a.to_string(), b.to_string()),
            _ => (String::new(), text.clone()),
        };
        let colour = service_color(s.service());
        let bar_colour = if s.is_error() { RED } else { colour };
        let mut row = format!(
            "{prefix}{}{}{padding}  {} {} {:>11}",
            paint.wrap(colour, &svc_part),
            name_part,
            pad(kind_short(s.span.kind), 8),
            paint.wrap(bar_colour, &bar(s.start(), s.end(), t0, t1)),
            format_ms(s.end() - s.start()),
        );
        if s.is_error() {
            let message = s.span.status.as_ref().map(|st| clean(&st.message)).unwrap_or_default();
            let status =
                if message.is_empty() { "✗ ERROR".to_string() } else { format!("✗ ERROR: {}", cut(&message, 80)) };
            row.push_str("  ");
            row.push_str(&paint.wrap("1;31", &status));
        }
        let mut tail = String::new();
        if let Some(marker) = marker {
            tail.push_str(&marker);
            tail.push(' ');
        }
        tail.push_str(&key_attributes(s));
        let events = events_text(s);
        if !events.is_empty() {
            if !tail.is_empty() && !tail.ends_with(' ') {
                tail.push(' ');
            }
            tail.push_str(&events);
        }
        let tail = cut(clean(tail.trim_end()).as_str(), MAX_TAIL);
        if !tail.is_empty() {
            row.push_str("  ");
            row.push_str(&tail);
        }
        let _ = writeln!(out, "{}", row.trim_end());
    };
    for (i, prefix) in &tree_rows {
        line(&mut out, *i, prefix, None);
    }
    if !orphan_rows.is_empty() {
        let _ = writeln!(out, "{}", paint.wrap("33", "⚠ orphans (parent not in this trace):"));
        for (i, prefix) in &orphan_rows {
            let parent = spans[*i].span.parent_span_id.as_slice();
            let top = prefix.chars().count() == 3;
            let marker = if !ids.contains(parent) {
                Some(format!("⚠ orphan (parent {} not in trace)", hex(parent)))
            } else if top {
                Some("⚠ parent cycle".to_string())
            } else {
                None
            };
            line(&mut out, *i, prefix, marker);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{Origin, Protocol};
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
    use opentelemetry_proto::tonic::trace::v1::{Span, Status};

    fn span(service: &str, name: &str, id: u8, parent: u8, start: u64, end: u64) -> Arc<FlatSpan> {
        let origin = Arc::new(Origin { service_name: Some(service.into()), ..Default::default() });
        Arc::new(FlatSpan {
            origin,
            span: Span {
                trace_id: vec![1; 16],
                span_id: vec![id; 8],
                parent_span_id: if parent == 0 { vec![] } else { vec![parent; 8] },
                name: name.into(),
                kind: 2,
                start_time_unix_nano: start,
                end_time_unix_nano: end,
                ..Default::default()
            },
            protocol: Protocol::Grpc,
        })
    }

    #[test]
    fn bars_share_the_trace_axis() {
        assert_eq!(bar(0, 100, 0, 100), "█".repeat(30));
        assert_eq!(bar(0, 50, 0, 100), format!("{}{}", "█".repeat(15), "·".repeat(15)));
        assert_eq!(bar(50, 50, 0, 100), format!("{}█{}", "·".repeat(15), "·".repeat(14)));
        assert_eq!(bar(5, 5, 5, 5), "█".repeat(30));
    }

    #[test]
    fn tree_with_error_orphan_and_cycle() {
        let mut child = span("db", "SELECT\n1", 2, 1, 10_000_000, 20_000_000);
        if let Some(c) = Arc::get_mut(&mut child) {
            c.span.status = Some(Status { code: 2, message: "timeout".into() });
            c.span.attributes.push(KeyValue {
                key: "http.method".into(),
                value: Some(AnyValue { value: Some(any_value::Value::StringValue("GET".into())) }),
                ..Default::default()
            });
            c.span.attributes.push(KeyValue { key: "other".into(), value: None, ..Default::default() });
        }
        let spans = vec![
            span("shop", "GET /", 1, 0, 0, 40_000_000),
            child,
            span("shop", "late", 3, 9, 30_000_000, 40_000_000),
            span("x", "a", 4, 5, 0, 1),
            span("x", "b", 5, 4, 0, 1),
        ];
        let text = render(&Settled { trace_id: [1; 16], spans, dropped: 0, updated: true }, false);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("trace 01010101010101010101010101010101 · 5 spans · 3 services · 40.00 ms"),
            "{text}"
        );
        assert!(lines[0].ends_with("(updated)"), "{text}");
        assert!(lines[1].starts_with("└─ shop GET /"), "{text}");
        assert!(lines[2].starts_with("   └─ db SELECT\\n1"), "{text}");
        assert!(lines[2].contains("✗ ERROR: timeout") && lines[2].contains("http.method=GET"), "{text}");
        assert!(!lines[2].contains("other"), "{text}");
        assert!(lines[2].contains("client") || lines[2].contains("server"), "{text}");
        assert!(lines[3].starts_with("⚠ orphans"), "{text}");
        assert!(
            text.contains("shop late") && text.contains("⚠ orphan (parent 0909090909090909 not in trace)"),
            "{text}"
        );
        assert!(text.contains("x a") && text.contains("x b"), "{text}");
        assert!(!text.contains('\x1b'));
        let coloured = render(
            &Settled { trace_id: [1; 16], spans: vec![span("a", "b", 1, 0, 0, 1)], dropped: 0, updated: false },
            true,
        );
        assert!(coloured.contains('\x1b'));
    }

    #[test]
    fn a_deep_chain_stays_bounded() {
        let spans: Vec<Arc<FlatSpan>> = (1..=200u8).map(|i| span("s", "n", i, i - 1, 0, 1)).collect();
        let text = render(&Settled { trace_id: [1; 16], spans, dropped: 0, updated: false }, false);
        assert_eq!(text.lines().count(), 201);
        assert!(text.lines().all(|l| l.chars().count() < 200));
    }
}
