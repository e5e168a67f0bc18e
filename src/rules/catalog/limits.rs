//! Family rules: limits (being written).

use super::Rule;

pub static LIMIT_RULES: [&Rule; 0] = [];
