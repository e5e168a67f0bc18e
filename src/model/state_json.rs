//! `state.json` rendered on every core. Writing a large state took a tenth of a reduce on one
//! core while the read-ahead core sat idle. The entries of the top-level maps are cut into pieces
//! that worker threads render in turn, each with serde_json's pretty formatter set to the depth
//! where the entries sit. The writer puts the pieces out in order. Only the frame around the
//! top-level fields and the maps' entries is written here (braces, separators, indents), and a
//! test holds the bytes to `serde_json::to_writer_pretty`'s.

use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

use super::RolloutTrace;

/// Map entries per piece: enough that a piece is worth a channel message.
pub const ENTRIES_PER_PIECE: usize = 512;
/// Pieces a worker renders ahead of the writer; memory holds about this many per worker.
const AHEAD: usize = 4;
const INDENT: &str = "  ";
/// A top-level map's entries sit two objects deep.
const ENTRY_INDENT: &str = "    ";

/// A part of the output, rendered by appending to a buffer.
type Piece<'t> = Box<dyn Fn(&mut Vec<u8>) -> serde_json::Result<()> + Send + Sync + 't>;

/// The same bytes as `serde_json::to_writer_pretty(out, trace)`. With `workers` above 1 and more
/// than one piece, rendered on that many threads.
pub fn write(trace: &RolloutTrace, out: &mut impl Write, entries_per_piece: usize, workers: usize) -> io::Result<()> {
    let pieces = pieces(trace, entries_per_piece.max(1));
    if workers < 2 || pieces.len() < 2 {
        return write_in_turn(&pieces, out);
    }
    std::thread::scope(|scope| {
        let mut lanes = Vec::with_capacity(workers);
        for first in 0..workers {
            let (rendered, received) = sync_channel(AHEAD);
            let (spent, reused) = sync_channel(AHEAD + 1);
            let pieces = &pieces;
            let spawned = std::thread::Builder::new()
                .name("state.json".to_owned())
                .spawn_scoped(scope, move || render_lane(pieces.iter().skip(first).step_by(workers), rendered, reused));
            if spawned.is_err() {
                // No more threads to be had: the lanes are dropped, so the workers stop at their
                // next send, and this thread renders every piece.
                drop(lanes);
                return write_in_turn(pieces, out);
            }
            lanes.push((received, spent));
        }
        for at in 0..pieces.len() {
            let (received, spent): &(Receiver<serde_json::Result<Vec<u8>>>, SyncSender<Vec<u8>>) = &lanes[at % workers];
            let buffer = received.recv().map_err(|_| io::Error::other("a state.json worker stopped"))??;
            out.write_all(&buffer)?;
            // A worker that has stopped wants no buffer back.
            let _ = spent.send(buffer);
        }
        Ok(())
    })
}

/// Every piece rendered and written on this thread, into one reused buffer.
fn write_in_turn(pieces: &[Piece<'_>], out: &mut impl Write) -> io::Result<()> {
    let mut buffer = Vec::new();
    for piece in pieces {
        buffer.clear();
        piece(&mut buffer)?;
        out.write_all(&buffer)?;
    }
    Ok(())
}

/// One worker: its pieces in order, each into a buffer the writer handed back when it can.
fn render_lane<'p, 't: 'p>(
    pieces: impl Iterator<Item = &'p Piece<'t>>,
    rendered: SyncSender<serde_json::Result<Vec<u8>>>,
    reused: Receiver<Vec<u8>>,
) {
    for piece in pieces {
        let mut buffer = reused.try_recv().unwrap_or_default();
        buffer.clear();
        let result = piece(&mut buffer).map(|()| buffer);
        // A closed channel means the writer stopped: nothing more is wanted.
        if rendered.send(result).is_err() {
            return;
        }
    }
}

/// `value` as serde_json renders it where the pretty formatter is `depth` objects deep.
fn render_at(buffer: &mut Vec<u8>, depth: usize, value: &(impl Serialize + ?Sized)) -> serde_json::Result<()> {
    let mut formatter = PrettyFormatter::new();
    for _ in 0..depth {
        formatter.begin_object(&mut io::sink()).map_err(serde_json::Error::io)?;
    }
    value.serialize(&mut Serializer::with_formatter(buffer, formatter))
}

/// The top-level object's fields, in the model's declaration order.
struct Fields<'t> {
    pieces: Vec<Piece<'t>>,
    entries_per_piece: usize,
}

impl<'t> Fields<'t> {
    fn key(&mut self, name: &'static str) {
        let first = self.pieces.is_empty();
        self.pieces.push(Box::new(move |buffer| {
            buffer.extend_from_slice(if first { b"{\n" } else { b",\n" });
            buffer.extend_from_slice(INDENT.as_bytes());
            serde_json::to_writer(&mut *buffer, name)?;
            buffer.extend_from_slice(b": ");
            Ok(())
        }));
    }

    fn value(&mut self, name: &'static str, value: &'t (impl Serialize + Sync)) -> &mut Self {
        self.key(name);
        self.pieces.push(Box::new(move |buffer| render_at(buffer, 1, value)));
        self
    }

    /// A map's entries one piece per `entries_per_piece`, each entry two objects deep.
    fn map<K: AsRef<str> + Sync, V: Serialize + Sync>(
        &mut self,
        name: &'static str,
        map: &'t std::collections::BTreeMap<K, V>,
    ) -> &mut Self {
        self.key(name);
        if map.is_empty() {
            self.pieces.push(Box::new(|buffer| {
                buffer.extend_from_slice(b"{}");
                Ok(())
            }));
            return self;
        }
        let mut entries = map.iter().peekable();
        let mut first = true;
        while entries.peek().is_some() {
            let chunk: Vec<(&'t K, &'t V)> = entries.by_ref().take(self.entries_per_piece).collect();
            self.pieces.push(Box::new(move |buffer| {
                if first {
                    buffer.push(b'{');
                }
                for (at, (key, value)) in chunk.iter().enumerate() {
                    buffer.extend_from_slice(if first && at == 0 { b"\n" } else { b",\n" });
                    buffer.extend_from_slice(ENTRY_INDENT.as_bytes());
                    serde_json::to_writer(&mut *buffer, key.as_ref())?;
                    buffer.extend_from_slice(b": ");
                    render_at(buffer, 2, *value)?;
                }
                Ok(())
            }));
            first = false;
        }
        self.pieces.push(Box::new(|buffer| {
            buffer.extend_from_slice(b"\n");
            buffer.extend_from_slice(INDENT.as_bytes());
            buffer.push(b'}');
            Ok(())
        }));
        self
    }
}

fn pieces(trace: &RolloutTrace, entries_per_piece: usize) -> Vec<Piece<'_>> {
    // Destructured so that a field added to the model cannot be left out here.
    let RolloutTrace {
        schema_version,
        trace_id,
        rollout_id,
        started_at_unix_ms,
        ended_at_unix_ms,
        status,
        root_thread_id,
        threads,
        codex_turns,
        conversation_items,
        inference_calls,
        code_cells,
        tool_calls,
        terminal_sessions,
        terminal_operations,
        compactions,
        compaction_requests,
        interaction_edges,
        raw_payloads,
    } = trace;
    let mut fields = Fields { pieces: Vec::new(), entries_per_piece };
    fields
        .value("schema_version", schema_version)
        .value("trace_id", trace_id)
        .value("rollout_id", rollout_id)
        .value("started_at_unix_ms", started_at_unix_ms)
        .value("ended_at_unix_ms", ended_at_unix_ms)
        .value("status", status)
        .value("root_thread_id", root_thread_id)
        .map("threads", threads)
        .map("codex_turns", codex_turns)
        .map("conversation_items", conversation_items)
        .map("inference_calls", inference_calls)
        .map("code_cells", code_cells)
        .map("tool_calls", tool_calls)
        .map("terminal_sessions", terminal_sessions)
        .map("terminal_operations", terminal_operations)
        .map("compactions", compactions)
        .map("compaction_requests", compaction_requests)
        .map("interaction_edges", interaction_edges)
        .map("raw_payloads", raw_payloads);
    fields.pieces.push(Box::new(|buffer| {
        buffer.extend_from_slice(b"\n}");
        Ok(())
    }));
    fields.pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::emit::emit_as;
    use crate::generate::large::scenario_with_events;
    use crate::model::{AgentOrigin, AgentThread, ExecutionWindow};
    use crate::revision::Revision;

    fn reduced(events: usize) -> RolloutTrace {
        let emitted = emit_as(&scenario_with_events(events, 3), Revision::default_revision());
        crate::reducer::replay(&emitted.bundle(&emitted.causal_order())).unwrap().trace
    }

    fn rendered(trace: &RolloutTrace, entries_per_piece: usize, workers: usize) -> String {
        let mut out = Vec::new();
        write(trace, &mut out, entries_per_piece, workers).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn pieces_on_any_number_of_workers_give_serde_jsons_bytes() {
        let trace = reduced(600);
        assert!(trace.conversation_items.len() > 20 && trace.raw_payloads.len() > 100);
        let expected = serde_json::to_string_pretty(&trace).unwrap();
        for entries_per_piece in [1, 7, ENTRIES_PER_PIECE, usize::MAX] {
            for workers in [1, 2, 3] {
                let got = rendered(&trace, entries_per_piece, workers);
                assert!(got == expected, "{entries_per_piece} entries per piece on {workers} workers");
            }
        }
    }

    #[test]
    fn empty_maps_and_keys_that_need_escapes_render_as_serde_json_does() {
        let mut trace = RolloutTrace::new("t\"1".into(), "r\\1".into(), "root\u{1}".into(), -5);
        let expected = serde_json::to_string_pretty(&trace).unwrap();
        assert_eq!(rendered(&trace, 1, 2), expected);
        let thread = |thread_id: &str| AgentThread {
            thread_id: thread_id.into(),
            agent_path: "/root".into(),
            nickname: None,
            origin: AgentOrigin::Root,
            execution: ExecutionWindow::running(1, 2),
            default_model: None,
            conversation_item_ids: vec!["a\nb".into()],
        };
        for key in ["q\"uote", "tab\t", "é", "\u{7f}", ""] {
            trace.threads.insert(key.into(), thread(key));
        }
        let expected = serde_json::to_string_pretty(&trace).unwrap();
        for workers in [1, 2] {
            assert_eq!(rendered(&trace, 2, workers), expected);
        }
    }

    #[test]
    fn write_state_json_gives_to_state_jsons_bytes_below_and_above_the_pieces() {
        let (small, large) = (reduced(40), reduced(3_000));
        assert!(small.map_entries() <= 4 * ENTRIES_PER_PIECE && large.map_entries() > 4 * ENTRIES_PER_PIECE);
        for trace in [small, large] {
            let mut out = Vec::new();
            trace.write_state_json(&mut out).unwrap();
            assert!(String::from_utf8(out).unwrap() == trace.to_state_json());
        }
    }

    /// Takes `left` bytes, then fails every write.
    struct Failing {
        left: usize,
    }

    impl Write for Failing {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            match self.left {
                0 => Err(io::Error::other("disk full")),
                left => {
                    let taken = left.min(bytes.len());
                    self.left -= taken;
                    Ok(taken)
                }
            }
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failed_write_stops_the_workers_and_is_returned() {
        let trace = reduced(600);
        for left in [0, 10_000] {
            // Returning at all proves the workers, blocked on full channels, were let go.
            let error = write(&trace, &mut Failing { left }, 1, 2).unwrap_err();
            assert_eq!(error.to_string(), "disk full");
        }
    }
}
