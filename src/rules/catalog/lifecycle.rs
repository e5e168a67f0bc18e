//! Family rules: lifecycle (being written).

use super::Rule;

pub static LIFECYCLE_RULES: [&Rule; 0] = [];
