//! The command line: one subcommand per source, shared options for how to write.
//! Secrets come only from the environment (`ZENDESK_API_TOKEN`, `INTERCOM_TOKEN`,
//! `HELPSCOUT_API_KEY`, `FRESHDESK_API_KEY`), read through a lookup so tests pass their own.

use crate::error::ImportError;
use crate::fetched::Fetched;
use crate::folder::{self, WriteOptions};
use crate::http::{Api, Auth};
use crate::report::Report;
use crate::sources::{self, read_export};
use clap::{Args, Parser, Subcommand};
use std::collections::HashSet;
use std::path::PathBuf;

/// Imports help-center articles into a Frontline knowledge folder as Markdown.
#[derive(Debug, Parser)]
#[command(name = "frontline-import", version)]
pub struct Cli {
    #[command(subcommand)]
    pub source: Source,
    /// The knowledge folder (the site's `knowledge_dir`); each source writes into its own
    /// subfolder.
    #[arg(long, global = true, default_value = "kb")]
    pub knowledge_dir: PathBuf,
    /// Also import drafts, unpublished and internal articles (as served articles).
    #[arg(long, global = true)]
    pub include_drafts: bool,
    /// Remove articles imported earlier that the source no longer has.
    #[arg(long, global = true)]
    pub prune: bool,
    /// Overwrite (and prune) articles edited since the last import.
    #[arg(long, global = true)]
    pub force: bool,
    /// Prefix for links between imported articles (default: the sibling file `<id>.md`).
    #[arg(long, global = true, default_value = "")]
    pub link_base: String,
    /// The site's intents file, to list imported articles no intent links.
    #[arg(long, global = true)]
    pub intents: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ApiArgs {
    /// Base URL of the API (tests, self-hosted mirrors).
    #[arg(long)]
    pub api_url: Option<String>,
    /// Read a saved export file instead of calling the API.
    #[arg(long)]
    pub from_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Source {
    /// Zendesk Help Center articles (token from `ZENDESK_API_TOKEN`).
    Zendesk {
        #[arg(long)]
        subdomain: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Intercom articles and collections (token from `INTERCOM_TOKEN`).
    Intercom {
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Help Scout Docs articles and categories (key from `HELPSCOUT_API_KEY`).
    Helpscout {
        /// The locale of the Docs site (Help Scout articles carry none).
        #[arg(long, default_value = "en")]
        locale: String,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// Freshdesk solution articles, folders and categories (key from `FRESHDESK_API_KEY`).
    Freshdesk {
        #[arg(long)]
        domain: Option<String>,
        /// The locale of the articles in the portal's primary language (default: the
        /// `primary_language` of its helpdesk settings, else `en`). Translations get their
        /// language codes.
        #[arg(long)]
        locale: Option<String>,
        #[command(flatten)]
        api: ApiArgs,
    },
    /// A CSV file with columns `question, answer, url, tags, locale`.
    Csv {
        file: PathBuf,
        /// The locale of rows without a `locale` cell.
        #[arg(long, default_value = "en")]
        locale: String,
    },
}

impl Source {
    pub fn name(&self) -> &'static str {
        match self {
            Source::Zendesk { .. } => "zendesk",
            Source::Intercom { .. } => "intercom",
            Source::Helpscout { .. } => "helpscout",
            Source::Freshdesk { .. } => "freshdesk",
            Source::Csv { .. } => "csv",
        }
    }
}

/// Runs one import; `env` looks up the secret variables.
pub async fn run(cli: Cli, env: &dyn Fn(&str) -> Option<String>) -> Result<Report, ImportError> {
    let secret = |name: &str| {
        env(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| ImportError::Usage(format!("set {name} (or use --from-file)")))
    };
    let linked_by_intents = match &cli.intents {
        Some(path) => frontline_matcher::intents::IntentSet::load(path)
            .map_err(|e| ImportError::file(path, e))?
            .intents
            .iter()
            .flat_map(|i| i.articles.iter().cloned())
            .collect(),
        None => HashSet::new(),
    };
    let fetched: Fetched = match &cli.source {
        Source::Csv { file, locale } => sources::csv::read(file, locale)?,
        Source::Zendesk {
            subdomain,
            email,
            api,
        } => match &api.from_file {
            Some(path) => sources::zendesk::from_export(&read_export(path)?),
            None => {
                let base = base_url(api, subdomain.as_deref(), "--subdomain", |s| {
                    format!("https://{s}.zendesk.com")
                })?;
                let email = email
                    .clone()
                    .ok_or_else(|| ImportError::Usage("--email is required".into()))?;
                let auth = Auth::Basic {
                    user: format!("{email}/token"),
                    password: secret("ZENDESK_API_TOKEN")?,
                };
                sources::zendesk::fetch(&Api::new(&base, auth)?).await?
            }
        },
        Source::Intercom { api } => match &api.from_file {
            Some(path) => sources::intercom::from_export(&read_export(path)?),
            None => {
                let base = api
                    .api_url
                    .clone()
                    .unwrap_or_else(|| "https://api.intercom.io".into());
                let client = Api::new(&base, Auth::Bearer(secret("INTERCOM_TOKEN")?))?
                    .with_header("Intercom-Version", sources::intercom::API_VERSION);
                sources::intercom::fetch(&client).await?
            }
        },
        Source::Helpscout { locale, api } => match &api.from_file {
            Some(path) => sources::helpscout::from_export(&read_export(path)?, locale),
            None => {
                let base = api
                    .api_url
                    .clone()
                    .unwrap_or_else(|| "https://docsapi.helpscout.net".into());
                let auth = Auth::Basic {
                    user: secret("HELPSCOUT_API_KEY")?,
                    password: "X".into(),
                };
                sources::helpscout::fetch(&Api::new(&base, auth)?, locale).await?
            }
        },
        Source::Freshdesk {
            domain,
            locale,
            api,
        } => {
            let portal = domain.as_deref().map(sources::freshdesk::portal_url);
            match &api.from_file {
                Some(path) => sources::freshdesk::from_export(
                    &read_export(path)?,
                    locale.as_deref().unwrap_or("en"),
                    portal.as_deref(),
                ),
                None => {
                    let base = base_url(
                        api,
                        domain.as_deref(),
                        "--domain",
                        sources::freshdesk::portal_url,
                    )?;
                    let auth = Auth::Basic {
                        user: secret("FRESHDESK_API_KEY")?,
                        password: "X".into(),
                    };
                    let portal = portal.unwrap_or_else(|| base.clone());
                    sources::freshdesk::fetch(&Api::new(&base, auth)?, locale.as_deref(), &portal)
                        .await?
                }
            }
        }
    };
    let options = WriteOptions {
        knowledge_dir: cli.knowledge_dir.clone(),
        include_drafts: cli.include_drafts,
        prune: cli.prune,
        force: cli.force,
        link_base: cli.link_base.clone(),
        linked_by_intents,
    };
    let source = cli.source.name();
    tokio::task::spawn_blocking(move || folder::write(source, fetched, &options))
        .await
        .map_err(|e| ImportError::Usage(format!("the writer stopped: {e}")))?
}

fn base_url(
    api: &ApiArgs,
    name: Option<&str>,
    flag: &str,
    default: impl Fn(&str) -> String,
) -> Result<String, ImportError> {
    match (&api.api_url, name) {
        (Some(url), _) => Ok(url.clone()),
        (None, Some(name)) => Ok(default(name)),
        (None, None) => Err(ImportError::Usage(format!(
            "{flag} (or --api-url, or --from-file) is required"
        ))),
    }
}
