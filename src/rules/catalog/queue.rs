//! Family rules: queue (being written).

use super::Rule;

pub static QUEUE_RULES: [&Rule; 0] = [];
