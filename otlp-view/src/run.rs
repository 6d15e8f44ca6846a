//! Binds the listeners, announces them (stderr line, --ready-file), serves until a signal or
//! --exit-after-traces, completing traces as they settle.

use crate::app::App;
use crate::cli::Options;
use crate::{grpc, otlp_http, serve, web};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

async fn bind(addr: SocketAddr, flag: &str) -> Result<(TcpListener, SocketAddr), String> {
    let listener = TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr} ({flag}): {e}"))?;
    let local = listener.local_addr().map_err(|e| format!("{flag}: {e}"))?;
    Ok((listener, local))
}

/// Writes `text` to `path` through `path.tmp` and a rename, so a reader never sees half of it.
fn write_ready(path: &Path, text: &str) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, text).map_err(|e| format!("--ready-file: {e}"))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("--ready-file: {e}"))
}

pub async fn run(opts: Options) -> Result<(), String> {
    let (http, http_addr) = bind(opts.http, "--http").await?;
    let (grpc, grpc_addr) = bind(opts.grpc, "--grpc").await?;
    let web = match opts.web {
        Some(addr) => Some(bind(addr, "--web").await?),
        None => None,
    };
    let mut sigint = signal(SignalKind::interrupt()).map_err(|e| format!("SIGINT: {e}"))?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(|e| format!("SIGTERM: {e}"))?;
    let app =
        Arc::new(App::new(opts.clone()).map_err(|e| format!("--json {}: {e}", opts.json.as_deref().unwrap_or("")))?);

    let web_addr = web.as_ref().map(|(_, a)| *a);
    let web_text = web_addr.map(|a| format!(", web page on http://{a}/")).unwrap_or_default();
    eprintln!("otlp-view: OTLP/HTTP on http://{http_addr}/v1/traces, OTLP/gRPC on {grpc_addr}{web_text}");

    let read_timeout = opts.read_timeout;
    let a = app.clone();
    tokio::spawn(serve::serve(http, read_timeout, move |req| otlp_http::handle(a.clone(), req)));
    if let Some((listener, _)) = web {
        let a = app.clone();
        tokio::spawn(serve::serve(listener, read_timeout, move |req| web::handle(a.clone(), req)));
    }
    let (stop_grpc, grpc_stopped) = tokio::sync::oneshot::channel::<()>();
    let grpc_task = tokio::spawn(grpc::serve(app.clone(), grpc, async move {
        let _ = grpc_stopped.await;
    }));

    if let Some(path) = &opts.ready_file {
        let web_port = web_addr.map_or("null".to_string(), |a| a.port().to_string());
        let text = format!("{{\"http\":{},\"grpc\":{},\"web\":{web_port}}}\n", http_addr.port(), grpc_addr.port());
        write_ready(path, &text)?;
    }

    let period = (opts.settle / 4).clamp(Duration::from_millis(10), Duration::from_millis(100));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => if app.settle(false) { break },
            _ = sigint.recv() => { app.settle(true); break }
            _ = sigterm.recv() => { app.settle(true); break }
        }
    }
    app.flush_outputs();
    let _ = stop_grpc.send(());
    let _ = tokio::time::timeout(Duration::from_millis(500), grpc_task).await;
    Ok(())
}
