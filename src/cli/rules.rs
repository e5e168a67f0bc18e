//! `rules` and `explain`: the catalog, as a list or one rule's page.

use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::EXIT_ERROR;
use crate::rules::catalog::{self, Family, Rule};
use crate::rules::docs::{page, rules_markdown};

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
    /// The page `docs/rules.md` holds.
    Markdown,
}

/// List every rule of the catalog: id, slug, default severity, title.
#[derive(Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value = "text")]
    format: ListFormat,
}

/// Print one rule's page: what it checks, why a producer breaks it, how to fix it.
#[derive(Args)]
pub struct ExplainArgs {
    /// A rule id (RC2003) or slug (seq-gap).
    rule: String,
}

pub fn list(args: RulesArgs) -> ExitCode {
    match args.format {
        ListFormat::Text => {
            for family in Family::ALL {
                println!("{}", family.title());
                for rule in family.rules() {
                    let retired = if rule.retired { " (retired)" } else { "" };
                    println!("  {:<7} {:<9} {:<44} {}{retired}", rule.id, rule.severity, rule.slug, rule.title);
                }
            }
        }
        ListFormat::Json => {
            let rules: Vec<serde_json::Value> = catalog::all().map(rule_json).collect();
            println!("{}", serde_json::to_string_pretty(&rules).expect("rules serialize"));
        }
        ListFormat::Markdown => print!("{}", rules_markdown()),
    }
    ExitCode::SUCCESS
}

fn rule_json(rule: &'static Rule) -> serde_json::Value {
    let mut value = serde_json::to_value(rule).expect("a rule serializes");
    value["family"] = rule.family_slug().into();
    value
}

pub fn explain(args: ExplainArgs) -> ExitCode {
    let Some(rule) = catalog::find(&args.rule) else {
        eprintln!("error: no rule `{}`; `rollout-conformance rules` lists them", args.rule);
        return ExitCode::from(EXIT_ERROR);
    };
    print!("{}", page(rule));
    ExitCode::SUCCESS
}
