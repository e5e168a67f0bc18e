//! Family rules: payload (being written).

use super::Rule;

pub static PAYLOAD_RULES: [&Rule; 0] = [];
