//! The command line (see otlp-view/README.md).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
usage: otlp-view [options]
  --http ADDR              OTLP/HTTP listener (POST /v1/traces), default 127.0.0.1:4318
  --grpc ADDR              OTLP/gRPC listener (TraceService/Export), default 127.0.0.1:4317
  --web [ADDR]             serve the web page and API (alone: 127.0.0.1:16686; off unless given)
  --json PATH|-            write every received span as one JSON line to PATH or stdout
  --no-tree                do not print trace trees
  --max-traces N           traces kept in memory (default 1000; the oldest is evicted)
  --max-spans-per-trace N  spans kept per trace (default 10000; more are dropped)
  --settle-ms N            a trace is complete N ms after its last span once its root arrived (default 500)
  --exit-after-traces N    exit 0 after N completed traces
  --ready-file PATH        write {\"http\":PORT,\"grpc\":PORT,\"web\":PORT|null} once listening
  --max-request-bytes N    largest OTLP/HTTP body, compressed or not (default 20971520)
  --read-timeout-ms N      limit for reading a request's headers and for its body (default 10000)
  -h, --help               this text
Port 0 in an ADDR means any free port. With `--json -` the trees go to stderr.";

#[derive(Debug, Clone)]
pub struct Options {
    pub http: SocketAddr,
    pub grpc: SocketAddr,
    pub web: Option<SocketAddr>,
    pub json: Option<String>,
    pub tree: bool,
    pub max_traces: usize,
    pub max_spans_per_trace: usize,
    pub settle: Duration,
    pub exit_after_traces: Option<u64>,
    pub ready_file: Option<PathBuf>,
    pub max_request_bytes: usize,
    pub read_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            http: SocketAddr::from(([127, 0, 0, 1], 4318)),
            grpc: SocketAddr::from(([127, 0, 0, 1], 4317)),
            web: None,
            json: None,
            tree: true,
            max_traces: 1000,
            max_spans_per_trace: 10_000,
            settle: Duration::from_millis(500),
            exit_after_traces: None,
            ready_file: None,
            max_request_bytes: 20 * 1024 * 1024,
            read_timeout: Duration::from_secs(10),
        }
    }
}

pub const DEFAULT_WEB: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 16686);

/// What the command line asks for: run with options, or print the usage.
#[derive(Debug)]
pub enum Command {
    Run(Box<Options>),
    Help,
}

/// Parses the arguments after the program name. `--flag value` and `--flag=value` both work.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut o = Options::default();
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "--web" {
            let value = match inline {
                Some(v) => Some(v),
                None if args.peek().is_some_and(|next| !next.starts_with("--")) => args.next(),
                None => None,
            };
            o.web = Some(match value {
                Some(v) => addr(&flag, &v)?,
                None => DEFAULT_WEB,
            });
            continue;
        }
        if matches!(flag.as_str(), "-h" | "--help") {
            return Ok(Command::Help);
        }
        if flag == "--no-tree" {
            o.tree = false;
            continue;
        }
        let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--http" => o.http = addr(&flag, &value()?)?,
            "--grpc" => o.grpc = addr(&flag, &value()?)?,
            "--json" => o.json = Some(value()?),
            "--max-traces" => o.max_traces = positive(&flag, &value()?)?,
            "--max-spans-per-trace" => o.max_spans_per_trace = positive(&flag, &value()?)?,
            "--settle-ms" => o.settle = Duration::from_millis(number(&flag, &value()?)?),
            "--exit-after-traces" => o.exit_after_traces = Some(positive(&flag, &value()?)? as u64),
            "--ready-file" => o.ready_file = Some(PathBuf::from(value()?)),
            "--max-request-bytes" => o.max_request_bytes = positive(&flag, &value()?)?,
            "--read-timeout-ms" => o.read_timeout = Duration::from_millis(positive(&flag, &value()?)? as u64),
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    Ok(Command::Run(Box::new(o)))
}

fn addr(flag: &str, v: &str) -> Result<SocketAddr, String> {
    v.parse().map_err(|_| format!("{flag}: `{v}` is not an address like 127.0.0.1:4318 or [::1]:4318"))
}

fn number(flag: &str, v: &str) -> Result<u64, String> {
    v.parse().map_err(|_| format!("{flag}: `{v}` is not a non-negative integer"))
}

fn positive(flag: &str, v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{flag}: `{v}` is not a positive integer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        match parse(args.iter().map(|s| s.to_string()))? {
            Command::Run(o) => Ok(*o),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn defaults_and_flags() -> Result<(), String> {
        let o = run(&[])?;
        assert_eq!((o.http.port(), o.grpc.port(), o.web, o.tree), (4318, 4317, None, true));
        let o = run(&["--web", "--json", "-", "--settle-ms=0", "--http", "127.0.0.1:0", "--no-tree"])?;
        assert_eq!(o.web, Some(DEFAULT_WEB));
        assert_eq!((o.json.as_deref(), o.settle, o.http.port(), o.tree), (Some("-"), Duration::ZERO, 0, false));
        let o = run(&["--web", "127.0.0.1:0", "--max-traces", "5"])?;
        assert_eq!((o.web.map(|a| a.port()), o.max_traces), (Some(0), 5));
        assert!(run(&["--max-traces", "0"]).is_err());
        assert!(run(&["--http", "nope"]).is_err());
        assert!(run(&["--bogus"]).is_err());
        assert!(run(&["--json"]).is_err());
        Ok(())
    }
}
