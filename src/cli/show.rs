//! `show`: draw one bundle and its reduction as a self-contained HTML timeline.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{print_error, RevisionArg, EXIT_ERROR};
use crate::bundle::Bundle;
use crate::report::html::{show_page, Limits, Options};

/// Draw a bundle as one self-contained HTML page (inline SVG and CSS, no script, nothing
/// fetched): a lane per thread, spans for turns and calls, instants, arrows for edges.
///
/// Size: a lane with more than --max-lane-elements spans and instants, or the fullest lanes when
/// the page would draw more than --max-elements, collapse to density bands of 240 columns, and at
/// most 2000 edges are drawn. With the defaults a page stays under about 12 MB whatever the
/// bundle (roughly 500 bytes per drawn element, plus up to 3000 per-event axis columns); the
/// generated 100,000-event bundle renders to well under 1 MB.
#[derive(Args)]
pub struct ShowArgs {
    /// The bundle directory.
    bundle: PathBuf,
    #[command(flatten)]
    revision: RevisionArg,
    /// Write the page here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Put payload text in tooltips (code, previews, agent messages). It may hold prompts and
    /// code: for local debugging only.
    #[arg(long)]
    show_values: bool,
    /// Most spans and instants drawn one by one on a lane.
    #[arg(long, value_name = "N", default_value_t = Limits::default().lane_elements)]
    max_lane_elements: usize,
    /// Most spans and instants drawn one by one on the page.
    #[arg(long, value_name = "N", default_value_t = Limits::default().total_elements)]
    max_elements: usize,
}

pub fn run(args: ShowArgs) -> ExitCode {
    let bundle = match Bundle::read_dir(&args.bundle) {
        Ok(bundle) => bundle,
        Err(e) => {
            print_error(&e);
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let limits =
        Limits { lane_elements: args.max_lane_elements, total_elements: args.max_elements, ..Limits::default() };
    let options = Options { show_values: args.show_values, limits, revision: args.revision.or_default() };
    let page = show_page(&args.bundle.display().to_string(), &bundle, options);
    let written = match &args.output {
        Some(path) => std::fs::write(path, page),
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match out.write_all(page.as_bytes()).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            }
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: write page: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
