//! Reducer rules RC5431..: terminal operations (exec_command, write_stdin) and terminal sessions.

use super::{Rule, REDUCER};

pub static TERMINAL_INVOCATION_INVALID: Rule = Rule {
    id: "RC5431",
    slug: "terminal-invocation-invalid",
    title: "a write_stdin tool's invocation payload is not a write_stdin dispatch",
    doc: "A `write_stdin` tool with an invocation payload gets its terminal operation from it: \
          the payload must be `{tool_name: \"write_stdin\", payload: {type: \"function\", \
          arguments}}` whose arguments parse as JSON with a `session_id` (a non-empty string or a \
          number). Otherwise upstream stops with `parse terminal invocation payload <p> as \
          dispatch payload`, the cause naming which part failed. A producer breaks this by \
          recording another tool's invocation under the write_stdin kind, or the arguments \
          without a session. Fix: record the dispatch invocation as the handler received it, with \
          its session id.",
    hint: "record the write_stdin dispatch with its session_id",
    ..REDUCER
};

pub static SECOND_TERMINAL_OPERATION: Rule = Rule {
    id: "RC5432",
    slug: "second-terminal-operation",
    title: "a runtime begin for an exec_command or write_stdin tool that already has an operation",
    doc: "An exec_command or write_stdin tool has one terminal operation; upstream stops with \
          `tool runtime start would create a second terminal operation for <id>` when a runtime \
          begin arrives for a tool that already has one. A producer breaks this by emitting a \
          runtime begin for a write_stdin tool whose invocation payload already created the \
          operation, or two begins for one exec. Fix: give a write_stdin tool either an \
          invocation payload or a runtime begin, and each exec one begin.",
    hint: "one operation source per terminal tool",
    ..REDUCER
};

pub static TERMINAL_RUNTIME_START_INVALID: Rule = Rule {
    id: "RC5433",
    slug: "terminal-runtime-start-invalid",
    title: "a terminal tool's runtime begin payload lacks `command` or `cwd`",
    doc: "For exec_command and write_stdin tools the runtime begin payload must hold a `command` \
          array of strings and a `cwd` string (`process_id` and `interaction_input` optional); \
          upstream stops with `parse terminal runtime start payload <p>` otherwise. A producer \
          breaks this by recording the command as one string, or leaving out the working \
          directory. Fix: record the exec begin event as the runtime emitted it.",
    hint: "record command as an array and cwd as a string",
    ..REDUCER
};

pub static EXEC_RESPONSE_INVALID: Rule = Rule {
    id: "RC5434",
    slug: "exec-response-invalid",
    title: "an exec_command end payload is not an exec end",
    doc: "Ending an exec_command operation parses its runtime end payload (or, for a tool with no \
          runtime events, its result) as an exec end: `stdout`, `stderr`, `formatted_output` \
          strings and an integer `exit_code`; upstream stops with `parse exec terminal response \
          <p>` otherwise. A producer breaks this by leaving out `formatted_output`, or writing a \
          null exit code for a killed process. Fix: record every field, with the exit code the \
          process reported.",
    hint: "record stdout, stderr, formatted_output and exit_code",
    ..REDUCER
};

pub static WRITE_STDIN_RESPONSE_INVALID: Rule = Rule {
    id: "RC5435",
    slug: "write-stdin-response-invalid",
    title: "a write_stdin end payload is neither an exec end nor a dispatch result",
    doc: "Ending a write_stdin operation tries its payload as an exec end, then as a dispatch \
          result (`direct_response`, `code_mode_response` or `error`, tagged by `type`); upstream \
          stops with `parse write_stdin terminal response <p> as protocol payload (<e>) or \
          dispatch payload` when neither fits. A producer breaks this by recording a result in its \
          own shape, or an untagged one. Fix: record the exec end or the dispatch result as \
          produced.",
    hint: "record an exec end or a tagged dispatch result",
    ..REDUCER
};

pub static PROCESS_ID_CHANGED: Rule = Rule {
    id: "RC5436",
    slug: "process-id-changed",
    title: "a terminal operation ends with another process id than it began with",
    doc: "When both the begin and the end of a terminal operation report a process (terminal) \
          id, they must agree; upstream stops with `terminal operation <op> changed process id \
          from <a> to <b>`. A producer breaks this by reporting the shell's pid at one end and the \
          PTY session id at the other. Fix: report the same terminal id on both, or leave it out \
          of the end.",
    hint: "report the same process id at begin and end",
    ..REDUCER
};

pub static TERMINAL_SESSION_WRONG_THREAD: Rule = Rule {
    id: "RC5437",
    slug: "terminal-session-wrong-thread",
    title: "a terminal session used by another thread than the one that created it",
    doc: "Terminal sessions are keyed by terminal id across the whole rollout and belong to the \
          thread whose operation created them; upstream stops with `terminal session <id> belongs \
          to thread <a>, not <b>` when an operation of another thread uses the id. A producer \
          breaks this when two agents' sandboxes number their processes independently, or a \
          sub-agent writes to its parent's session. Fix: make terminal ids unique across the \
          rollout and keep each session in its thread.",
    hint: "keep terminal ids unique across threads",
    ..REDUCER
};

pub static TERMINAL_END_UNKNOWN_OPERATION: Rule = Rule {
    id: "RC5438",
    slug: "terminal-end-unknown-operation",
    title: "a terminal operation ended that does not exist",
    doc: "Ending a terminal operation looks it up by the id its tool holds; upstream keeps `terminal \
          end referenced unknown operation <op>` as an internal invariant. No bundle is known to \
          reach it: a tool only holds the id of an operation that was created. Should it fire, a \
          reducer lost an operation; there is no producer fix beyond a well-formed tool.",
    hint: "report the reducer: no bundle should reach this",
    ..REDUCER
};
