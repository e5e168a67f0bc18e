//! `reduce`: write state.json as upstream does.

mod atomic;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use self::atomic::write_replacing;

use super::{print_error, LimitArgs, RevisionArg, EXIT_ERROR};
use crate::bundle::{Bundle, REDUCED_STATE_FILE_NAME};
use crate::reducer::{replay_with, ReplayOptions};
use crate::rules::{catalog, Limits};

#[derive(Args)]
pub struct ReduceArgs {
    /// The bundle directory (holding manifest.json, trace.jsonl and payloads/).
    bundle: PathBuf,
    /// Write the reduced state here instead of BUNDLE/state.json.
    #[arg(short, long, conflicts_with = "stdout")]
    output: Option<PathBuf>,
    /// Print the reduced state (followed by a newline) instead of writing a file.
    #[arg(long)]
    stdout: bool,
    #[command(flatten)]
    revision: RevisionArg,
    #[command(flatten)]
    limits: LimitArgs,
}

pub fn run(args: ReduceArgs) -> ExitCode {
    let options = ReplayOptions::revision(args.revision.or_default());
    let replayed = match Bundle::open_dir_bounded(&args.bundle, args.limits.over(Limits::REDUCE).bounds())
        .and_then(|b| replay_with(&b, &options))
    {
        Ok(replayed) => replayed,
        Err(error) => {
            print_error(&error);
            // The rule last: upstream's message stays the first line.
            let rule = catalog::rule_for(&error.kind);
            eprintln!("  rule: {} {}", rule.id, rule.slug);
            return ExitCode::from(EXIT_ERROR);
        }
    };
    // The process ends right after the write: freeing millions of strings and maps one by one
    // took a tenth of a large reduce, and the OS takes the memory back at once.
    let trace = &*Box::leak(Box::new(replayed.trace));
    std::mem::forget(replayed.leftovers);
    let write_state = |out: &mut dyn Write| -> std::io::Result<()> {
        let mut out = BufWriter::with_capacity(1 << 16, out);
        trace.write_state_json(&mut out)?;
        out.flush()
    };
    if args.stdout {
        let mut out = std::io::stdout().lock();
        return match write_state(&mut out).and_then(|()| writeln!(out)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: write to stdout: {e}");
                ExitCode::from(EXIT_ERROR)
            }
        };
    }
    let path = args.output.unwrap_or_else(|| args.bundle.join(REDUCED_STATE_FILE_NAME));
    if let Err(e) = write_replacing(&path, write_state) {
        eprintln!("error: write {}: {e}", path.display());
        return ExitCode::from(EXIT_ERROR);
    }
    println!("{}", path.display());
    ExitCode::SUCCESS
}
