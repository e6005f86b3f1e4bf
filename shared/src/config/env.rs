//! Environment overrides: each `FRONTLINE_*` variable replaces one key of the file.

use super::ConfigError;

/// The supported overrides: environment variable and the dotted key it replaces.
pub const OVERRIDES: &[(&str, &str)] = &[
    ("FRONTLINE_DATABASE_URL", "database_url"),
    ("FRONTLINE_LISTEN", "server.listen"),
    ("FRONTLINE_PUBLIC_URL", "server.public_url"),
    ("FRONTLINE_BOT_LISTEN", "bot.listen"),
    ("FRONTLINE_ENCODER", "matcher.encoder"),
    ("FRONTLINE_RUN_ENCODER", "matcher.run_encoder"),
    ("FRONTLINE_EMBEDDING_CACHE", "matcher.embedding_cache"),
    ("FRONTLINE_SLACK_API_URL", "bot.slack.api_url"),
    (
        "FRONTLINE_SLACK_DEFAULT_CHANNEL",
        "bot.slack.default_channel",
    ),
    ("FRONTLINE_DISCORD_API_URL", "bot.discord.api_url"),
    (
        "FRONTLINE_DISCORD_DEFAULT_CHANNEL",
        "bot.discord.default_channel",
    ),
    ("FRONTLINE_SMTP_URL", "email.smtp_url"),
];

/// Writes every override present in `lookup` into `table`, creating sections as needed.
pub(crate) fn apply(
    table: &mut toml::Table,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    for (variable, key) in OVERRIDES {
        if let Some(value) = lookup(variable) {
            set(table, key, toml::Value::String(value)).map_err(|message| {
                ConfigError::invalid(*key, format!("{message} (from {variable})"))
            })?;
        }
    }
    Ok(())
}

fn set(table: &mut toml::Table, dotted: &str, value: toml::Value) -> Result<(), String> {
    let mut parts: Vec<&str> = dotted.split('.').collect();
    let last = parts.pop().ok_or("empty key")?;
    let mut current = table;
    for part in parts {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry
            .as_table_mut()
            .ok_or_else(|| format!("`{part}` is not a section"))?;
    }
    current.insert(last.to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_create_missing_sections() {
        let mut table = toml::Table::new();
        let env = |name: &str| (name == "FRONTLINE_SLACK_API_URL").then(|| "http://x".to_string());
        apply(&mut table, &env).expect("applies");
        assert_eq!(table["bot"]["slack"]["api_url"].as_str(), Some("http://x"));
    }
}
