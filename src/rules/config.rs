//! What a `check` run reports and what fails it: severity overrides and `--fail-on`, from the
//! command line and from a `rollout-conformance.toml` beside the bundles.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::catalog::{self, Rule, Severity};
use super::Limits;
use crate::revision::{self, Revision};

/// The config file looked for in each directory given to `check`.
pub const CONFIG_FILE_NAME: &str = "rollout-conformance.toml";

/// The lowest severity that fails the run, or none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Info,
    None,
}

impl FailOn {
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
            FailOn::None => false,
        }
    }
}

/// A rule's severity as configured: reported at some severity, or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Allow,
    Report(Severity),
}

/// Everything that shapes one `check` run.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub fail_on: FailOn,
    /// Rule id → level, for rules whose default was changed.
    pub levels: BTreeMap<&'static str, Level>,
    pub limits: Limits,
    /// Which format revision the bundles are checked against.
    pub revision: &'static Revision,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            fail_on: FailOn::Error,
            levels: BTreeMap::new(),
            limits: Limits::CHECK,
            revision: Revision::default_revision(),
        }
    }
}

/// `rollout-conformance.toml`, and the command line's layer on top of it: the same settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    pub fail_on: Option<FailOn>,
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub warn: Vec<String>,
    #[serde(default)]
    pub deny: Vec<String>,
    pub max_line_bytes: Option<u64>,
    pub max_payload_bytes: Option<u64>,
    pub max_bundle_bytes: Option<u64>,
    pub max_events: Option<usize>,
    /// A revision name, as `--revision` takes it.
    pub revision: Option<String>,
}

impl ConfigFile {
    /// Read `dir/rollout-conformance.toml`, if there is one.
    pub fn read(dir: &Path) -> Result<Option<ConfigFile>, String> {
        let path = dir.join(CONFIG_FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map(Some).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

impl CheckConfig {
    /// Apply a layer of settings: config files first, then the command line, which wins.
    pub fn apply_file(&mut self, file: &ConfigFile) -> Result<(), String> {
        if let Some(fail_on) = file.fail_on {
            self.fail_on = fail_on;
        }
        self.set_levels(&file.allow, Level::Allow)?;
        self.set_levels(&file.warn, Level::Report(Severity::Warning))?;
        self.set_levels(&file.deny, Level::Report(Severity::Error))?;
        let limits = &mut self.limits;
        limits.max_line_bytes = file.max_line_bytes.or(limits.max_line_bytes);
        limits.max_payload_bytes = file.max_payload_bytes.or(limits.max_payload_bytes);
        limits.max_bundle_bytes = file.max_bundle_bytes.or(limits.max_bundle_bytes);
        limits.max_events = file.max_events.or(limits.max_events);
        if let Some(name) = &file.revision {
            self.revision = revision::parse_name(name)?;
        }
        Ok(())
    }

    /// Set the level of each rule named (id or slug); an unknown name is an error.
    pub fn set_levels(&mut self, names: &[String], level: Level) -> Result<(), String> {
        for name in names {
            let rule = catalog::find(name).ok_or_else(|| format!("unknown rule `{name}` (see `rules`)"))?;
            self.levels.insert(rule.id, level);
        }
        Ok(())
    }

    /// The level a rule is reported at in this run.
    pub fn level(&self, rule: &Rule) -> Level {
        if rule.retired {
            return Level::Allow;
        }
        self.levels.get(rule.id).copied().unwrap_or(Level::Report(rule.severity))
    }
}
