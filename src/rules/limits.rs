//! Resource limits for reading a bundle: sizes no real rollout reaches, so that a hostile or
//! broken bundle is refused by rule instead of exhausting memory.

/// Bounds on what one read may hold. `None` switches a bound off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// One line of `trace.jsonl`.
    pub max_line_bytes: Option<u64>,
    /// One payload file.
    pub max_payload_bytes: Option<u64>,
    /// Every file of the bundle together.
    pub max_bundle_bytes: Option<u64>,
    /// Events in `trace.jsonl`.
    pub max_events: Option<usize>,
}

impl Limits {
    /// `check`'s defaults: far beyond real rollouts (a multi-hour session writes a few hundred
    /// thousand events; the largest request payloads are a few MB).
    pub const CHECK: Limits = Limits {
        max_line_bytes: Some(16 << 20),
        max_payload_bytes: Some(256 << 20),
        max_bundle_bytes: Some(16 << 30),
        max_events: Some(10_000_000),
    };

    /// `reduce`'s defaults: per-file bounds only, as the whole-bundle ones are off.
    pub const REDUCE: Limits = Limits { max_bundle_bytes: None, max_events: None, ..Limits::CHECK };
}

impl Limits {
    /// The bounds the bundle reader applies.
    pub fn bounds(&self) -> crate::bundle::LogBounds {
        crate::bundle::LogBounds {
            max_line_bytes: self.max_line_bytes,
            max_events: self.max_events,
            max_payload_bytes: self.max_payload_bytes,
            max_bundle_bytes: self.max_bundle_bytes,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::CHECK
    }
}
