//! `trace.jsonl`: its physical lines and the event on each, from bytes held whole or from a stream.
//!
//! Both ways share [`line_event`], the one decision about what a line is (an event, a blank, or
//! where reading stops), so a streamed replay and a held one can never disagree.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{EventRecord, LogBounds, RawTraceEvent};
use crate::error::{Error, ErrorKind};

/// One physical line of `trace.jsonl`, without its `\n` (and a `\r` before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLine<'a> {
    /// 1-based physical line number.
    pub number: usize,
    pub bytes: &'a [u8],
    /// Whether a `\n` ended it; only the last line of a log can lack one.
    pub terminated: bool,
    /// Whether a `\r` stood before that `\n` (dropped from `bytes`, as upstream drops it).
    pub crlf: bool,
}

impl<'a> LogLine<'a> {
    /// The line numbered `number` from its raw bytes, `\n` included when there is one.
    fn split(number: usize, raw: &'a [u8]) -> Self {
        let (raw, terminated) = match raw.strip_suffix(b"\n") {
            Some(raw) => (raw, true),
            None => (raw, false),
        };
        let bytes = raw.strip_suffix(b"\r").unwrap_or(raw);
        LogLine { number, bytes, terminated, crlf: bytes.len() < raw.len() }
    }
}

/// The physical lines of a log, in order.
pub fn log_lines(log: &[u8]) -> impl Iterator<Item = LogLine<'_>> {
    let mut rest = log;
    let mut number = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        number += 1;
        let end = rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |end| end + 1);
        let (raw, tail) = rest.split_at(end);
        rest = tail;
        Some(LogLine::split(number, raw))
    })
}

/// Why one line is not an event.
#[derive(Debug)]
pub enum LineError {
    NotUtf8(std::str::Utf8Error),
    NotEvent(serde_json::Error),
}

/// Parse one line: `None` for a line that is blank after trimming (upstream skips those).
pub fn parse_line(bytes: &[u8]) -> Result<Option<RawTraceEvent>, LineError> {
    let text = std::str::from_utf8(bytes).map_err(LineError::NotUtf8)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(text).map(Some).map_err(LineError::NotEvent)
}

/// What `line` holds, after `held` events: an event, nothing (a blank line), or the error at which
/// reading stops (a line longer than `max_line_bytes`, the event after `max_events`, a line that
/// is not UTF-8 or not an event), located at the line.
pub fn line_event(line: LogLine<'_>, held: usize, bounds: LogBounds) -> Result<Option<EventRecord>, Error> {
    let number = line.number;
    let stop = |kind: ErrorKind, detail: Option<String>| {
        let error = Error::new(kind);
        let error = match detail {
            Some(detail) => error.with_detail(detail),
            None => error,
        };
        Error { line: Some(number), ..error }
    };
    if let Some(max) = bounds.max_line_bytes.filter(|&max| line.bytes.len() as u64 > max) {
        return Err(stop(ErrorKind::LineTooLong { line: number, max }, None));
    }
    match parse_line(line.bytes) {
        Ok(None) => Ok(None),
        Ok(Some(_)) if bounds.max_events.is_some_and(|max| held >= max) => {
            let max = bounds.max_events.unwrap_or_default();
            Err(stop(ErrorKind::TooManyEvents { line: number, max }, None))
        }
        Ok(Some(event)) => Ok(Some(EventRecord { line: number, event })),
        Err(LineError::NotUtf8(e)) => Err(stop(ErrorKind::TraceLineRead(number), Some(e.to_string()))),
        Err(LineError::NotEvent(e)) => Err(stop(ErrorKind::TraceLineParse(number), Some(e.to_string()))),
    }
}

/// Parse `trace.jsonl` up to its first bad line. Blank lines are skipped but still counted.
pub fn parse_event_log(log: &[u8]) -> (Vec<EventRecord>, Option<Error>) {
    parse_event_log_bounded(log, LogBounds::NONE)
}

/// As [`parse_event_log`], also stopping at a line longer than `max_line_bytes` or at the
/// event after `max_events` (each a `read trace event line` error at that line).
pub fn parse_event_log_bounded(log: &[u8], bounds: LogBounds) -> (Vec<EventRecord>, Option<Error>) {
    let mut events = Vec::new();
    for line in log_lines(log) {
        match line_event(line, events.len(), bounds) {
            Ok(Some(record)) => events.push(record),
            Ok(None) => {}
            Err(stop) => return (events, Some(stop)),
        }
    }
    (events, None)
}

/// The events of a log read from a stream, each line parsed as it is read: only one line is ever
/// held. Yields the events in order, then at most one `Err`, where reading stopped.
pub struct EventStream<R> {
    reader: R,
    bounds: LogBounds,
    line: Vec<u8>,
    number: usize,
    events: usize,
    done: bool,
}

impl<R: BufRead> EventStream<R> {
    pub fn new(reader: R, bounds: LogBounds) -> Self {
        EventStream { reader, bounds, line: Vec::new(), number: 0, events: 0, done: false }
    }

    /// The next physical line, read no further than makes it too long: one byte over for a `\r`
    /// the splitter drops, one more to be over the limit, so a huge line is never held.
    fn next_line(&mut self) -> std::io::Result<Option<LogLine<'_>>> {
        self.line.clear();
        let limit = self.bounds.max_line_bytes.map_or(u64::MAX, |max| max.saturating_add(2));
        if (&mut self.reader).take(limit).read_until(b'\n', &mut self.line)? == 0 {
            return Ok(None);
        }
        self.number += 1;
        Ok(Some(LogLine::split(self.number, &self.line)))
    }
}

impl<R: BufRead> Iterator for EventStream<R> {
    type Item = Result<EventRecord, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let held = self.events;
            let bounds = self.bounds;
            let found = match self.next_line() {
                Ok(Some(line)) => line_event(line, held, bounds),
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                // Upstream reads the log line by line: a failed read is that line's read error.
                Err(e) => {
                    let number = self.number + 1;
                    let error = Error::new(ErrorKind::TraceLineRead(number)).with_detail(e);
                    Err(Error { line: Some(number), ..error })
                }
            };
            match found {
                Ok(None) => {}
                Ok(Some(record)) => {
                    self.events += 1;
                    return Some(Ok(record));
                }
                Err(stop) => {
                    self.done = true;
                    return Some(Err(stop));
                }
            }
        }
        None
    }
}

/// `trace.jsonl` opened once, when the bundle was opened, and read from its start by each replay
/// at its own offset (`pread`): clones of a bundle and repeated replays never share a position.
#[derive(Debug, Clone)]
pub(super) struct LogFile {
    file: Arc<File>,
    /// As errors name it: the bundle directory as given, joined with `trace.jsonl`.
    path: PathBuf,
    bounds: LogBounds,
}

impl LogFile {
    pub(super) fn new(file: File, path: PathBuf, bounds: LogBounds) -> Self {
        LogFile { file: Arc::new(file), path, bounds }
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// The log's events from its first line, as [`EventStream`] reads them.
    pub(super) fn events(&self) -> EventStream<BufReader<At<'_>>> {
        let at = At { file: &self.file, offset: 0, max: self.bounds.max_bundle_bytes };
        EventStream::new(BufReader::with_capacity(1 << 16, at), self.bounds)
    }
}

/// A reader of a shared file at its own offset, refusing to read past `max` bytes.
pub(super) struct At<'f> {
    file: &'f File,
    offset: u64,
    max: Option<u64>,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let read = std::os::unix::fs::FileExt::read_at(self.file, buf, self.offset)?;
        #[cfg(windows)]
        let read = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.offset)?;
        #[cfg(not(any(unix, windows)))]
        let read = Err(std::io::Error::from(std::io::ErrorKind::Unsupported))?;
        self.offset += read as u64;
        // Checked on the metadata when opened; this catches a log that grew since.
        if self.max.is_some_and(|max| self.offset > max) {
            return Err(std::io::Error::other("trace.jsonl grew past the bundle size limit while being read"));
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"schema_version":1,"seq":1,"wall_time_unix_ms":0,"rollout_id":"r","payload":{"type":"rollout_ended","status":"completed"}}"#;

    fn streamed(log: &[u8], bounds: LogBounds) -> (Vec<EventRecord>, Option<Error>) {
        // A tiny buffer, so lines cross buffer ends.
        let mut stream = EventStream::new(std::io::BufReader::with_capacity(7, log), bounds);
        let mut events = Vec::new();
        for item in stream.by_ref() {
            match item {
                Ok(record) => events.push(record),
                Err(stop) => return (events, Some(stop)),
            }
        }
        (events, None)
    }

    fn logs() -> Vec<Vec<u8>> {
        let line = EVENT;
        vec![
            format!("{line}\n{line}\n").into_bytes(),
            format!("{line}\r\n\n  \n{line}").into_bytes(),
            format!("{line}\n{{not json\n{line}\n").into_bytes(),
            [format!("{line}\n").as_bytes(), b"\xff\xfe\n", line.as_bytes()].concat(),
            format!("{line}\n{line}{line}\n{line}\n").into_bytes(),
            format!("{line}\n{}\n{line}\n", " ".repeat(4000)).into_bytes(),
            Vec::new(),
            b"\n\n".to_vec(),
        ]
    }

    #[test]
    fn the_stream_reads_every_log_as_the_held_bytes_do() {
        let len = EVENT.len() as u64;
        let bounds = [
            LogBounds::NONE,
            LogBounds { max_events: Some(1), ..LogBounds::NONE },
            LogBounds { max_line_bytes: Some(len), ..LogBounds::NONE },
            LogBounds { max_line_bytes: Some(len - 1), ..LogBounds::NONE },
        ];
        for log in logs() {
            for bounds in bounds {
                let (held, stream) = (parse_event_log_bounded(&log, bounds), streamed(&log, bounds));
                assert_eq!(held, stream, "{:?} under {bounds:?}", String::from_utf8_lossy(&log));
            }
        }
    }

    #[test]
    fn a_stream_stops_at_the_first_bad_line() {
        let log = format!("{EVENT}\n\n{{not json\n{EVENT}\n");
        let (events, stop) = streamed(log.as_bytes(), LogBounds::NONE);
        assert_eq!(events.iter().map(|r| r.line).collect::<Vec<_>>(), [1]);
        let stop = stop.expect("a stop");
        assert_eq!((*stop.kind, stop.line), (ErrorKind::TraceLineParse(3), Some(3)));
    }

    #[test]
    fn a_line_too_long_is_never_held_whole() {
        let log = [&vec![b' '; 1 << 20][..], b"\n", EVENT.as_bytes()].concat();
        let mut stream = EventStream::new(&log[..], LogBounds { max_line_bytes: Some(100), ..LogBounds::NONE });
        let stop = stream.next().and_then(Result::err).expect("the first line is over the bound");
        assert_eq!(*stop.kind, ErrorKind::LineTooLong { line: 1, max: 100 });
        assert!(stream.line.capacity() < 1 << 10, "held {} bytes of the line", stream.line.capacity());
    }
}
