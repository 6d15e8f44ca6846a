//! The retry loop of the OTLP specification, shared by every transport.
//!
//! One export = one request body, sent until it is acknowledged, a non-retryable answer
//! arrives, three retries are spent, or the export timeout (OTEL_EXPORTER_OTLP_TIMEOUT) runs
//! out. Retryable answers (HTTP 429/502/503/504, gRPC UNAVAILABLE and friends, connection
//! failures) wait with exponential backoff and jitter; a delay named by the server (HTTP
//! `Retry-After`, gRPC `RetryInfo`) replaces the backoff. A delay that would end past the
//! export timeout ends the export instead. Every failed attempt counts in
//! `stats.export_failures`.

use crate::export::otlp::{ExportError, error_chain};
use crate::export::stats::Stats;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

const MAX_RETRIES: u32 = 3;
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The outcome of one attempt.
pub(crate) enum Attempt {
    /// Acknowledged; the number of spans the receiver says it rejected (partial success).
    Done(u64),
    /// Failed in a way the spec allows retrying, with the server's requested delay if any.
    Retry(Option<Duration>, String),
    /// Failed for good (the data must not be sent again).
    Fail(String),
    /// Failed in a way an immediate retry cannot fix (e.g. the collector's certificate is not
    /// trusted): no retry now, but the data may be sent again later (kept by the processor).
    Stop(String),
}

/// Runs `attempt` (given the time left until the export timeout) until it succeeds, fails for
/// good, or the retries or the time run out.
pub(crate) async fn with_retries<F, Fut>(
    timeout: Duration,
    stats: &Stats,
    mut attempt: F,
) -> std::result::Result<u64, ExportError>
where
    F: FnMut(Duration) -> Fut,
    Fut: Future<Output = Attempt>,
{
    let deadline = Instant::now() + timeout;
    let mut backoff = INITIAL_BACKOFF;
    let mut retries = 0;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let outcome = tokio::time::timeout_at(deadline, attempt(remaining)).await;
        let (delay, why) = match outcome {
            Ok(Attempt::Done(rejected)) => return Ok(rejected),
            Err(_) => {
                stats.export_failure();
                let why = format!("no answer within the export timeout of {timeout:?}");
                return Err(ExportError::new(why, true));
            }
            Ok(Attempt::Fail(why)) => {
                stats.export_failure();
                return Err(ExportError::new(why, false));
            }
            Ok(Attempt::Stop(why)) => {
                stats.export_failure();
                return Err(ExportError::new(why, true));
            }
            Ok(Attempt::Retry(after, why)) => {
                stats.export_failure();
                (after.unwrap_or_else(|| jitter(backoff)), why)
            }
        };
        retries += 1;
        if retries > MAX_RETRIES {
            return Err(ExportError::new(format!("{why} (gave up after {retries} attempts)"), true));
        }
        if Instant::now() + delay >= deadline {
            let why = format!("{why} (the retry delay of {delay:?} would pass the export timeout of {timeout:?})");
            return Err(ExportError::new(why, true));
        }
        tokio::time::sleep(delay).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Up to +25% of random jitter, so many processes do not retry in lockstep.
fn jitter(d: Duration) -> Duration {
    let nanos = crate::util::now_ns();
    let frac = (nanos % 1000) as f64 / 4000.0;
    d.mul_f64(1.0 + frac)
}

/// Parses an HTTP `Retry-After` value: delay-seconds, or an HTTP-date (IMF-fixdate, e.g.
/// `Sun, 06 Nov 1994 08:49:37 GMT`) turned into the delay from `now_unix_secs`.
pub(crate) fn parse_retry_after(value: &str, now_unix_secs: u64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_imf_fixdate(value)?;
    Some(Duration::from_secs(at.saturating_sub(now_unix_secs)))
}

/// Seconds since the Unix epoch of an IMF-fixdate (RFC 9110 section 5.6.7).
fn parse_imf_fixdate(s: &str) -> Option<u64> {
    let mut parts = s.split_ascii_whitespace();
    let _weekday = parts.next().filter(|w| w.ends_with(','))?;
    let day: u64 = parts.next()?.parse().ok()?;
    let month = parts.next()?;
    let year: u64 = parts.next()?.parse().ok()?;
    let time = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let mut hms = time.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() || !(1..=31).contains(&day) || year < 1970 || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm), valid for years >= 1970.
    let (y, mo) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * mo + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    Some(days * 86_400 + h * 3600 + m * 60 + sec)
}

pub(crate) fn send_failed(url: &reqwest::Url, e: &reqwest::Error) -> Attempt {
    let (why, tls_rejected) = send_error(url, e);
    if tls_rejected { Attempt::Stop(why) } else { Attempt::Retry(None, why) }
}

/// Why a request could not be sent, without reqwest's "error sending request for url (...)"
/// preamble, with a hint for the TLS failures a configuration causes (and whether it is one).
fn send_error(url: &reqwest::Url, e: &reqwest::Error) -> (String, bool) {
    let why = match std::error::Error::source(e) {
        Some(source) => error_chain(source),
        None => e.to_string(),
    };
    let hint = if why.contains("UnknownIssuer") || why.contains("BadSignature") {
        " (the collector's certificate is not signed by a trusted CA: OTEL_EXPORTER_OTLP_CERTIFICATE names the CA to trust)"
    } else if why.contains("NotValidForName") {
        " (the collector's certificate does not name the endpoint's host)"
    } else if why.contains("CertificateRequired") {
        " (the collector requires a client certificate: OTEL_EXPORTER_OTLP_CLIENT_KEY and _CLIENT_CERTIFICATE)"
    } else {
        ""
    };
    (format!("cannot reach {url}: {why}{hint}"), !hint.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_http_date() {
        assert_eq!(parse_retry_after(" 3 ", 0), Some(Duration::from_secs(3)));
        // 1994-11-06T08:49:37Z = 784111777
        assert_eq!(parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_imf_fixdate("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_imf_fixdate("Tue, 29 Feb 2000 12:00:00 GMT"), Some(951_825_600));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:39 GMT", 784_111_777), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:30 GMT", 784_111_777), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", 0), None);
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 PST", 0), None);
        assert_eq!(parse_retry_after("-1", 0), None);
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn retries_until_done_and_counts_each_failure() {
        let stats = Stats::default();
        let mut n = 0;
        let r = with_retries(Duration::from_secs(10), &stats, |_| {
            n += 1;
            let a = if n < 3 { Attempt::Retry(None, "busy".into()) } else { Attempt::Done(2) };
            async move { a }
        })
        .await;
        assert_eq!(r.unwrap(), 2);
        assert_eq!(stats.snapshot().export_failures, 2);
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn fail_is_final_and_a_delay_past_the_deadline_ends_the_export() {
        let stats = Stats::default();
        let e =
            with_retries(Duration::from_secs(10), &stats, |_| async { Attempt::Fail("400".into()) }).await.unwrap_err();
        assert!(!e.retryable);
        let e = with_retries(Duration::from_secs(2), &stats, |_| async {
            Attempt::Retry(Some(Duration::from_secs(5)), "503".into())
        })
        .await
        .unwrap_err();
        assert!(e.retryable && e.message.contains("would pass the export timeout"), "{}", e.message);
        let e = with_retries(Duration::from_secs(60), &stats, |_| async { Attempt::Retry(None, "503".into()) })
            .await
            .unwrap_err();
        assert!(e.message.contains("gave up after 4 attempts"), "{}", e.message);
        let e = with_retries(Duration::from_secs(60), &stats, |_| async { Attempt::Stop("untrusted".into()) })
            .await
            .unwrap_err();
        assert!(e.retryable && e.message == "untrusted", "kept for later, not retried now");
        assert_eq!(stats.snapshot().export_failures, 1 + 1 + 4 + 1);
    }
}
