//! A logical rollout: what happens, not yet in which order it is written.
//!
//! `emit` turns a scenario into events; anything the plan asks for that the conversation cannot
//! support at that point (an incremental request with no prior response, a write_stdin with no open
//! session, a followup with no live child) is emitted as the nearest valid thing instead.

use proptest::prelude::*;

use crate::bundle::{CodeCellRuntimeStatus, ExecutionStatus, RolloutStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// A forked thread starts with the source's history in its first full request.
    pub forked_history: Option<ForkedHistory>,
    /// The root's first request starts with context items of shapes producers rarely write
    /// (null, string or empty content, other part types, non-JSON arguments, array outputs, ...).
    pub context_items: bool,
    pub turns: Vec<TurnPlan>,
    /// `None` leaves the rollout running (no thread or rollout end); so does a stop step.
    pub end: Option<RolloutStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkedHistory {
    /// Earlier exchanges of the source thread (user, assistant pairs).
    pub exchanges: usize,
    /// The source was mid-turn: the history ends with the interrupted-turn marker.
    pub interrupted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnPlan {
    pub steps: Vec<Step>,
    /// `None` leaves the turn running.
    pub end: Option<ExecutionStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Exchange(Exchange),
    /// A compaction, always followed by the full request built from its replacement history.
    Compaction {
        v2: bool,
        then: Exchange,
    },
    /// The rollout stops here with work still open (the process is killed, the user quits):
    /// nothing after it is written, no turn, thread or rollout end. Only ever the last step.
    Stop(OpenWork),
}

/// What is still open when the rollout stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenWork {
    /// The code-mode runtime started a cell (and perhaps sent its initial response and end)
    /// while the response whose `exec` item asks for it still streamed: that response, so the
    /// cell's `custom_tool_call` item, is never recorded.
    UnrecordedCell {
        initial: Option<CodeCellRuntimeStatus>,
        /// Only after an initial response.
        end: Option<CodeCellRuntimeStatus>,
    },
    /// A followup_task (assign_agent_task) or close_agent whose runtime begin is the last of
    /// it recorded: no runtime end, no tool end.
    AgentTool { close: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub incremental: bool,
    pub user_message: bool,
    pub reasoning: bool,
    pub assistant_message: bool,
    pub calls: Vec<Call>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    /// Failed or cancelled, with or without a partial response (which never holds calls).
    Failed {
        partial: bool,
    },
    Cancelled {
        partial: bool,
    },
    /// The rollout stops while the response streams: no terminal event is ever written. Only a
    /// stop step asks for it.
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// exec_command with runtime begin/end; `keep_open` leaves a session for write_stdin.
    ExecCommand {
        keep_open: bool,
        process_id_at_begin: bool,
    },
    /// write_stdin into the latest open session (from its dispatch invocation, no runtime events).
    WriteStdin,
    /// A tool routed through MCP, correlated by `mcp_tool_call_correlation_assigned`.
    Mcp,
    /// Any other direct tool.
    Other,
    CodeCell(CodeCellPlan),
    Spawn(ChildPlan),
    /// followup_task (assign_agent_task) or send_message to the latest live child.
    Message {
        followup: bool,
        via_activity: bool,
    },
    /// close_agent on the latest live child.
    Close {
        via_activity: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeCellPlan {
    pub final_status: CellFinal,
    /// Yield first; the end comes later (with a `wait` call when `wait` is set).
    pub yields: bool,
    pub wait: bool,
    /// A yielded cell whose end arrives after its turn ended.
    pub outlives_turn: bool,
    pub nested_tools: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellFinal {
    Completed,
    /// A result with error text.
    Failed,
    Terminated,
    /// No end event: a failed or interrupted turn ends it.
    EndedByTurn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildPlan {
    pub fate: ChildFate,
    /// The spawn edge comes from a sub-agent activity payload instead of a collab spawn end.
    pub via_activity: bool,
    pub assistant_reply: bool,
    /// Calls the child's first response asks for; a second request carries their outputs and
    /// the results of any grandchildren it spawned. Grandchildren run tools only.
    pub calls: Vec<Call>,
    pub result: ResultPlan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildFate {
    /// The child's first request carries its task as an `agent_message`.
    ReceivesTask,
    /// The child starts but never sees the task (the edge falls back to the thread).
    NeverMessaged,
    /// The spawn names a child thread that never starts.
    NeverStarts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultPlan {
    None,
    /// The parent's next request shows the notification.
    Delivered,
    /// The parent never shows the notification.
    NotShown,
}

/// Bounds on a scenario's size; `tiny` shrinks well, `large` gives hundreds of events.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub turns: usize,
    pub steps: usize,
    pub calls: usize,
}

impl Size {
    pub const TINY: Size = Size { turns: 2, steps: 2, calls: 2 };
    pub const MEDIUM: Size = Size { turns: 4, steps: 3, calls: 3 };
    pub const LARGE: Size = Size { turns: 10, steps: 4, calls: 4 };
}

fn cell_plan() -> impl Strategy<Value = CodeCellPlan> {
    (
        prop_oneof![
            4 => Just(CellFinal::Completed),
            1 => Just(CellFinal::Failed),
            1 => Just(CellFinal::Terminated),
            1 => Just(CellFinal::EndedByTurn)
        ],
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0..=2usize,
    )
        .prop_map(|(final_status, yields, wait, outlives_turn, nested_tools)| CodeCellPlan {
            final_status,
            yields,
            wait: yields && wait,
            outlives_turn: yields && outlives_turn,
            nested_tools,
        })
}

fn child_plan(calls: BoxedStrategy<Call>) -> impl Strategy<Value = ChildPlan> {
    (
        prop_oneof![3 => Just(ChildFate::ReceivesTask), 1 => Just(ChildFate::NeverMessaged), 1 => Just(ChildFate::NeverStarts)],
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(calls, 0..=2),
        prop_oneof![1 => Just(ResultPlan::None), 2 => Just(ResultPlan::Delivered), 1 => Just(ResultPlan::NotShown)],
    )
        .prop_map(|(fate, via_activity, assistant_reply, calls, result)| ChildPlan {
            fate,
            via_activity,
            assistant_reply,
            calls,
            result,
        })
}

/// Tools and code cells: the calls any thread can make.
fn runtime_call() -> impl Strategy<Value = Call> {
    prop_oneof![
        3 => (any::<bool>(), any::<bool>()).prop_map(|(keep_open, process_id_at_begin)| Call::ExecCommand { keep_open, process_id_at_begin }),
        2 => Just(Call::WriteStdin),
        1 => Just(Call::Mcp),
        1 => Just(Call::Other),
        3 => cell_plan().prop_map(Call::CodeCell),
    ]
}

/// The calls of a thread whose spawned children make `child_calls`.
fn call_with_children(child_calls: BoxedStrategy<Call>) -> BoxedStrategy<Call> {
    prop_oneof![
        10 => runtime_call(),
        2 => child_plan(child_calls).prop_map(Call::Spawn),
        2 => (any::<bool>(), any::<bool>()).prop_map(|(followup, via_activity)| Call::Message { followup, via_activity }),
        1 => any::<bool>().prop_map(|via_activity| Call::Close { via_activity }),
    ]
    .boxed()
}

/// The root's calls: its children may spawn grandchildren, which run tools only.
fn call() -> BoxedStrategy<Call> {
    call_with_children(call_with_children(runtime_call().boxed()))
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        8 => Just(Outcome::Completed),
        1 => any::<bool>().prop_map(|partial| Outcome::Failed { partial }),
        1 => any::<bool>().prop_map(|partial| Outcome::Cancelled { partial }),
    ]
}

fn exchange(size: Size) -> impl Strategy<Value = Exchange> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(call(), 0..=size.calls),
        outcome(),
    )
        .prop_map(|(incremental, user_message, reasoning, assistant_message, calls, outcome)| Exchange {
            incremental,
            user_message,
            reasoning,
            assistant_message,
            calls,
            outcome,
        })
}

fn step(size: Size) -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => exchange(size).prop_map(Step::Exchange),
        1 => (any::<bool>(), exchange(size)).prop_map(|(v2, then)| Step::Compaction { v2, then }),
    ]
}

fn turn_end() -> impl Strategy<Value = Option<ExecutionStatus>> {
    prop_oneof![
        8 => Just(Some(ExecutionStatus::Completed)),
        1 => Just(Some(ExecutionStatus::Failed)),
        1 => Just(Some(ExecutionStatus::Cancelled)),
        1 => Just(Some(ExecutionStatus::Aborted)),
        // Upstream accepts a turn end whose status is still `running`.
        1 => Just(Some(ExecutionStatus::Running)),
        1 => Just(None),
    ]
}

fn turn(size: Size) -> impl Strategy<Value = TurnPlan> {
    (prop::collection::vec(step(size), 1..=size.steps), turn_end()).prop_map(|(steps, end)| TurnPlan { steps, end })
}

fn open_work() -> impl Strategy<Value = OpenWork> {
    use CodeCellRuntimeStatus as Status;
    let initial = prop_oneof![
        1 => Just(None),
        2 => Just(Some(Status::Yielded)),
        1 => Just(Some(Status::Completed)),
        1 => Just(Some(Status::Failed)),
    ];
    let end = prop_oneof![
        2 => Just(None),
        1 => Just(Some(Status::Completed)),
        1 => Just(Some(Status::Failed)),
        1 => Just(Some(Status::Terminated)),
    ];
    prop_oneof![
        (initial, end).prop_map(|(initial, end)| OpenWork::UnrecordedCell { initial, end: initial.and(end) }),
        any::<bool>().prop_map(|close| OpenWork::AgentTool { close }),
    ]
}

/// A logical rollout of at most `size`.
pub fn scenario(size: Size) -> impl Strategy<Value = Scenario> {
    let forked = prop_oneof![
        4 => Just(None),
        1 => (1..=3usize, any::<bool>()).prop_map(|(exchanges, interrupted)| Some(ForkedHistory { exchanges, interrupted })),
    ];
    let end = prop_oneof![
        4 => Just(Some(RolloutStatus::Completed)),
        1 => Just(Some(RolloutStatus::Failed)),
        1 => Just(Some(RolloutStatus::Aborted)),
        1 => Just(Some(RolloutStatus::Running)),
        1 => Just(None),
    ];
    let context = prop_oneof![3 => Just(false), 1 => Just(true)];
    let stop = prop_oneof![3 => Just(None), 1 => open_work().prop_map(Some)];
    // Drawn last, so the other draws of a seed stay as they were before they existed.
    (forked, prop::collection::vec(turn(size), 1..=size.turns), end, context, stop).prop_map(
        |(forked_history, mut turns, end, context_items, stop)| {
            if let (Some(work), Some(last)) = (stop, turns.last_mut()) {
                last.steps.push(Step::Stop(work));
            }
            Scenario { forked_history, context_items, turns, end }
        },
    )
}
