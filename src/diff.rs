//! A semantic diff of two JSON documents (reduced states, canonical or literal), by JSON path.

use std::fmt;

use serde_json::Value;

/// One place where two documents disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// A JSON pointer-like path, e.g. `/code_cells/code_cell:call-3/runtime_status`.
    pub path: String,
    pub left: Option<Value>,
    pub right: Option<Value>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or_else(|| "(absent)".to_owned(), Value::to_string);
        write!(f, "{}: {} != {}", self.path, show(&self.left), show(&self.right))
    }
}

/// Every differing leaf (or subtree present on one side only), in document order.
pub fn json_diff(left: &Value, right: &Value) -> Vec<Difference> {
    let mut found = Vec::new();
    walk(left, right, &mut String::new(), &mut found);
    found
}

fn walk(left: &Value, right: &Value, path: &mut String, found: &mut Vec<Difference>) {
    let len = path.len();
    match (left, right) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                path.push('/');
                path.push_str(key);
                match b.get(key) {
                    Some(other) => walk(value, other, path, found),
                    None => found.push(Difference { path: path.clone(), left: Some(value.clone()), right: None }),
                }
                path.truncate(len);
            }
            for (key, value) in b.iter().filter(|(key, _)| !a.contains_key(*key)) {
                found.push(Difference { path: format!("{path}/{key}"), left: None, right: Some(value.clone()) });
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                path.push_str(&format!("/{index}"));
                walk(x, y, path, found);
                path.truncate(len);
            }
        }
        _ if left != right => {
            found.push(Difference { path: path.clone(), left: Some(left.clone()), right: Some(right.clone()) })
        }
        _ => {}
    }
}
