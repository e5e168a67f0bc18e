//! Family rules: hazard (being written).

use super::Rule;

pub static HAZARD_RULES: [&Rule; 0] = [];
