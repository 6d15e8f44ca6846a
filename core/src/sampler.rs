//! Samplers (OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG): which spans record and export.

use crate::context::SpanContext;

#[derive(Debug, Clone, PartialEq)]
pub enum Sampler {
    AlwaysOn,
    AlwaysOff,
    /// Keeps a fraction of traces, decided from the trace id alone (so every service keeps
    /// or drops the same traces).
    TraceIdRatio(f64),
    /// A child follows its parent's sampled flag; a root span asks the inner sampler.
    ParentBased(Box<Sampler>),
}

impl Default for Sampler {
    fn default() -> Self {
        Sampler::ParentBased(Box::new(Sampler::AlwaysOn))
    }
}

impl Sampler {
    /// Parses the OpenTelemetry sampler names; `arg` is the ratio for `*traceidratio`
    /// (default 1.0).
    pub fn parse(name: &str, arg: Option<&str>) -> Result<Sampler, String> {
        let ratio = || -> Result<f64, String> {
            match arg.map(str::trim).filter(|a| !a.is_empty()) {
                None => Ok(1.0),
                Some(a) => match a.parse::<f64>() {
                    Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
                    _ => Err(format!("sampler argument `{a}` is not a ratio between 0 and 1")),
                },
            }
        };
        Ok(match name.trim() {
            "always_on" => Sampler::AlwaysOn,
            "always_off" => Sampler::AlwaysOff,
            "traceidratio" => Sampler::TraceIdRatio(ratio()?),
            "parentbased_always_on" => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
            "parentbased_always_off" => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
            "parentbased_traceidratio" => Sampler::ParentBased(Box::new(Sampler::TraceIdRatio(ratio()?))),
            other => {
                return Err(format!(
                    "`{other}` is not a supported sampler (always_on, always_off, traceidratio, \
                     parentbased_always_on, parentbased_always_off, parentbased_traceidratio)"
                ));
            }
        })
    }

    pub fn should_sample(&self, parent: Option<&SpanContext>, trace_id: &[u8; 16]) -> bool {
        match self {
            Sampler::AlwaysOn => true,
            Sampler::AlwaysOff => false,
            Sampler::TraceIdRatio(ratio) => {
                // The lower 8 bytes of a W3C trace id are random; compare them (63 bits) with
                // the ratio scaled to the same range.
                let mut low = [0u8; 8];
                low.copy_from_slice(&trace_id[8..]);
                let x = u64::from_be_bytes(low) >> 1;
                let bound = (ratio * (1u64 << 63) as f64) as u64;
                *ratio >= 1.0 || x < bound
            }
            Sampler::ParentBased(root) => match parent {
                Some(p) => p.is_sampled(),
                None => root.should_sample(None, trace_id),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names() {
        assert_eq!(Sampler::parse("always_off", None).unwrap(), Sampler::AlwaysOff);
        assert_eq!(Sampler::parse("traceidratio", Some("0.25")).unwrap(), Sampler::TraceIdRatio(0.25));
        assert_eq!(
            Sampler::parse("parentbased_traceidratio", None).unwrap(),
            Sampler::ParentBased(Box::new(Sampler::TraceIdRatio(1.0)))
        );
        assert!(Sampler::parse("traceidratio", Some("1.5")).is_err());
        assert!(Sampler::parse("sometimes", None).is_err());
    }

    #[test]
    fn ratio_keeps_about_its_share() {
        let s = Sampler::TraceIdRatio(0.25);
        let mut state = 0x1234_5678_9abc_def0u64;
        let kept = (0..100_000)
            .filter(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let mut id = [0u8; 16];
                id[8..].copy_from_slice(&state.to_be_bytes());
                s.should_sample(None, &id)
            })
            .count();
        assert!((23_500..26_500).contains(&kept), "{kept}");
    }

    #[test]
    fn parent_based_follows_the_parent() {
        let s = Sampler::default();
        let mut p = SpanContext { trace_id: [1; 16], span_id: [1; 8], flags: 0, trace_state: None, is_remote: true };
        assert!(!s.should_sample(Some(&p), &[1; 16]));
        p.flags = 1;
        assert!(s.should_sample(Some(&p), &[1; 16]));
        assert!(s.should_sample(None, &[1; 16]));
    }
}
