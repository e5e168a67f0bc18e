//! Family rules: ownership (being written).

use super::Rule;

pub static OWNERSHIP_RULES: [&Rule; 0] = [];
