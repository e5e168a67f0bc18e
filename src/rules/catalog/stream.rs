//! Family rules: stream (being written).

use super::Rule;

pub static STREAM_RULES: [&Rule; 0] = [];
