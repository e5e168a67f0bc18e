//! The catalog as text: one rule's page (`explain`) and the whole of `docs/rules.md`.

use super::catalog::{Family, Rule};

/// One rule's page, as `explain` prints it and `docs/rules.md` holds it.
pub fn page(rule: &Rule) -> String {
    let retired = if rule.retired { " (retired: never reported)" } else { "" };
    format!(
        "### {id} `{slug}`{retired}\n\n{title}. Default severity: {severity}. Family: {family}.\n\n{doc}\n\nFix: {hint}.\n",
        id = rule.id,
        slug = rule.slug,
        title = rule.title,
        severity = rule.severity,
        family = rule.family.title(),
        doc = rule.doc,
        hint = rule.hint,
    )
}

/// `docs/rules.md`: every family's rules, from the catalog.
pub fn rules_markdown() -> String {
    let mut text = String::from(
        "# Rule catalog\n\nGenerated from `src/rules/catalog/` by `rollout-conformance rules --format markdown > docs/rules.md`; \
         a test fails when this file is stale. Ids are stable and never reused.\n",
    );
    for family in Family::ALL {
        text.push_str(&format!("\n## {}\n\n", family.title()));
        for rule in family.rules() {
            text.push_str(&page(rule));
            text.push('\n');
        }
    }
    text
}
