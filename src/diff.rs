//! A semantic diff of two JSON documents (reduced states, canonical or literal), by JSON path.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

/// One place where two documents disagree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// A JSON pointer (RFC 6901), e.g. `/code_cells/code_cell:call-3/runtime_status`.
    pub path: String,
    /// The left document's value there; `None` when only the right one has it.
    pub left: Option<Value>,
    pub right: Option<Value>,
    /// What the enclosing object is: its id and type fields (`thread_id=t-1, kind=exec`), or
    /// empty at the top level or when it has none.
    pub context: String,
}

impl Difference {
    /// Path segments below the root: a missing object (shallower) outranks a field inside it.
    pub fn depth(&self) -> usize {
        self.path.matches('/').count()
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or_else(|| "(absent)".to_owned(), Value::to_string);
        write!(f, "{}: {} != {}", self.path, show(&self.left), show(&self.right))
    }
}

/// Every differing leaf, array element or subtree present on one side only (reported once, not
/// descended into), most significant first: by depth, then in document order.
pub fn json_diff(left: &Value, right: &Value) -> Vec<Difference> {
    // Equal is the common answer (the suite asks it of every case); a walk builds every path.
    if left == right {
        return Vec::new();
    }
    let mut found = Vec::new();
    walk(left, right, &mut String::new(), "", &mut found);
    // A stable sort keeps document order within one depth.
    found.sort_by_key(Difference::depth);
    found
}

fn walk(left: &Value, right: &Value, path: &mut String, context: &str, found: &mut Vec<Difference>) {
    let len = path.len();
    let push = |found: &mut Vec<Difference>, path: &str, left: Option<&Value>, right: Option<&Value>| {
        found.push(Difference {
            path: path.to_owned(),
            left: left.cloned(),
            right: right.cloned(),
            context: context.to_owned(),
        })
    };
    match (left, right) {
        (Value::Object(a), Value::Object(b)) => {
            let inner = describe(a).or_else(|| describe(b)).unwrap_or_default();
            for (key, value) in a {
                push_segment(path, key);
                match b.get(key) {
                    Some(other) => walk(value, other, path, &inner, found),
                    None => found.push(Difference {
                        path: path.clone(),
                        left: Some(value.clone()),
                        right: None,
                        context: inner.clone(),
                    }),
                }
                path.truncate(len);
            }
            for (key, value) in b.iter().filter(|(key, _)| !a.contains_key(*key)) {
                push_segment(path, key);
                found.push(Difference {
                    path: path.clone(),
                    left: None,
                    right: Some(value.clone()),
                    context: inner.clone(),
                });
                path.truncate(len);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for index in 0..a.len().max(b.len()) {
                push_segment(path, &index.to_string());
                match (a.get(index), b.get(index)) {
                    (Some(x), Some(y)) => walk(x, y, path, context, found),
                    (x, y) => push(found, path, x, y),
                }
                path.truncate(len);
            }
        }
        _ if left != right => push(found, path, Some(left), Some(right)),
        _ => {}
    }
}

/// RFC 6901 escaping, so a key holding `/` cannot be mistaken for two segments.
fn push_segment(path: &mut String, key: &str) {
    path.push('/');
    path.push_str(&key.replace('~', "~0").replace('/', "~1"));
}

/// The object's identifying fields: string or number values of `*_id`, `id`, `type` and `kind`.
fn describe(object: &Map<String, Value>) -> Option<String> {
    let fields: Vec<String> = object
        .iter()
        .filter(|(key, _)| key.ends_with("_id") || ["id", "type", "kind"].contains(&key.as_str()))
        .filter_map(|(key, value)| match value {
            Value::String(text) => Some(format!("{key}={text}")),
            Value::Number(number) => Some(format!("{key}={number}")),
            _ => None,
        })
        .take(3)
        .collect();
    (!fields.is_empty()).then(|| fields.join(", "))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn one_nested_field_is_one_difference_with_its_context() {
        let left = json!({"threads": {"t": {"thread_id": "t", "status": "running", "n": [1, 2]}}});
        let right = json!({"threads": {"t": {"thread_id": "t", "status": "done", "n": [1, 2]}}});
        let found = json_diff(&left, &right);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "/threads/t/status");
        assert_eq!(found[0].context, "thread_id=t");
    }

    #[test]
    fn a_missing_object_comes_before_a_deeper_field_and_is_not_descended() {
        let left = json!({"a": {"b": {"c": 1}}, "z": {"only": {"deep": 1}}});
        let right = json!({"a": {"b": {"c": 2}}});
        let paths: Vec<String> = json_diff(&left, &right).into_iter().map(|d| d.path).collect();
        assert_eq!(paths, ["/z", "/a/b/c"]);
    }

    #[test]
    fn arrays_compare_element_by_element_and_keys_are_escaped() {
        let left = json!({"x/y": [1, 2, 3]});
        let right = json!({"x/y": [1, 5]});
        let paths: Vec<String> = json_diff(&left, &right).into_iter().map(|d| d.path).collect();
        assert_eq!(paths, ["/x~1y/1", "/x~1y/2"]);
    }
}
