//! `diff`: where two reduced states differ, by JSON path, most significant first.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::Value;

use super::{LimitArgs, EXIT_ERROR};
use crate::bundle::{read_regular, Bundle, LogBounds};
use crate::canon::canonical_form;
use crate::diff::{json_diff, Difference};
use crate::model::RolloutTrace;
use crate::reducer::replay;
use crate::rules::{catalog, Limits};

/// Compare two reduced states: state files, or bundle directories (reduced with the reference
/// reducer first). A bundle is read within the limits `check` has; a state file within the
/// bundle limit.
///
/// Exit status: 0 when they are equal, 1 when they differ, 2 on an error.
#[derive(Args)]
pub struct DiffArgs {
    /// The first (expected) state file or bundle.
    left: PathBuf,
    /// The second state file or bundle.
    right: PathBuf,
    /// Compare canonical forms (item and operation ids renamed, seq and times masked); a state
    /// file must then be a reduced graph.
    #[arg(long)]
    canonical: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: DiffFormat,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Human,
    Json,
}

/// A value longer than this is cut in human output (JSON output keeps it whole).
const SHOWN_CHARS: usize = 160;

pub fn run(args: DiffArgs) -> ExitCode {
    let bounds = args.limits.over(Limits::CHECK).bounds();
    let load = |path: &Path| load(path, args.canonical, bounds);
    let sides = load(&args.left).and_then(|left| Ok((left, load(&args.right)?)));
    let (left, right) = match sides {
        Ok(sides) => sides,
        Err(lines) => {
            eprintln!("error: {}", lines.join("\n  "));
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let differences = json_diff(&left, &right);
    let text = match args.format {
        DiffFormat::Human => human(&differences),
        DiffFormat::Json => {
            let json = serde_json::json!({ "equal": differences.is_empty(), "differences": differences });
            serde_json::to_string_pretty(&json).expect("a diff always serializes") + "\n"
        }
    };
    print!("{text}");
    ExitCode::from(u8::from(!differences.is_empty()))
}

/// A side as JSON; `Err` is the error's lines: the message, then (for a bundle the reference
/// rejects) its context and rule, as `reduce` prints them.
fn load(path: &Path, canonical: bool, bounds: LogBounds) -> Result<Value, Vec<String>> {
    let at = |e: &dyn std::fmt::Display| vec![format!("{}: {e}", path.display())];
    if path.is_dir() {
        let trace = match Bundle::read_dir_bounded(path, bounds).and_then(|bundle| replay(&bundle)) {
            Ok(replayed) => replayed.trace,
            Err(error) => {
                let rule = catalog::rule_for(&error.kind);
                let mut lines = at(&format!("the reference reducer rejects this bundle: {}", error.message()));
                lines.extend(error.context_lines());
                lines.push(format!("rule: {} {}", rule.id, rule.slug));
                return Err(lines);
            }
        };
        return match canonical {
            true => Ok(canonical_form(&trace)),
            false => serde_json::to_value(&trace).map_err(|e| at(&e)),
        };
    }
    // A state file is held whole, so the bundle limit bounds it; a FIFO or device is never opened.
    let bytes = read_regular(path, bounds.max_bundle_bytes).map_err(|e| at(&e))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| at(&format!("not JSON: {e}")))?;
    if !canonical {
        return Ok(value);
    }
    let trace: RolloutTrace =
        serde_json::from_value(value).map_err(|e| at(&format!("not a reduced graph (needed for --canonical): {e}")))?;
    Ok(canonical_form(&trace))
}

fn human(differences: &[Difference]) -> String {
    let mut text = String::new();
    for difference in differences {
        let show = |value: &Option<Value>| match value {
            None => "(absent)".to_owned(),
            Some(value) => cut(&value.to_string()),
        };
        text.push_str(&format!("{}: {} != {}\n", difference.path, show(&difference.left), show(&difference.right)));
        if !difference.context.is_empty() {
            text.push_str(&format!("    in {}\n", difference.context));
        }
    }
    match differences.len() {
        0 => text.push_str("equal\n"),
        1 => text.push_str("1 difference\n"),
        n => text.push_str(&format!("{n} differences\n")),
    }
    text
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
