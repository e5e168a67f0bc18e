//! Deliberate bugs, switched on only by the suite-sensitivity tests to prove that the property
//! suite notices each kind of mistake a reimplementation makes. The reference never sets them.

/// Which mistakes to make. `Default` makes none.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlantedBugs {
    /// Materialize a code cell at its start instead of queueing it for its `exec` item.
    pub eager_code_cells: bool,
    /// Drop pending spawn edges at the end instead of falling back to the child thread.
    pub no_spawn_fallback: bool,
    /// Let full requests ignore (and never consume) a compaction's replacement.
    pub ignore_compaction_replacement: bool,
    /// Let an initial response end the cell's `execution`.
    pub initial_response_ends_execution: bool,
    /// Let a re-sighting of reasoning replace the stored body (last wins).
    pub last_reasoning_wins: bool,
    /// Keep JSON summaries whole instead of cutting them at 240 bytes.
    pub no_summary_cut: bool,
    /// Key runtime cells by their runtime id alone, as if ids could not repeat across threads.
    pub runtime_cells_ignore_thread: bool,
}
