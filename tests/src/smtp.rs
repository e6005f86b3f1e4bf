//! A real SMTP server on loopback for the mail tests: Debian's `aiosmtpd`
//! (`apt-get install python3-aiosmtpd`, see `.ci/run`) run as a child process with its
//! `Mailbox` handler, which stores every mail it accepts in a Maildir
//! (<https://aiosmtpd.readthedocs.io/en/latest/handlers.html#Mailbox>). Frontline's side
//! is the production `lettre` transport; nothing here shares code with it.
//!
//! [`SmtpServer::mails`] reads the Maildir back and splits each mail into its headers
//! (unfolded, RFC 5322 §2.2.3) and its body.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Debian's interpreter, which has `python3-aiosmtpd` (not a virtualenv's).
const PYTHON: &str = "/usr/bin/python3";

/// A running aiosmtpd and the Maildir it writes.
#[derive(Debug)]
pub struct SmtpServer {
    pub port: u16,
    child: tokio::process::Child,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

/// One mail as the server stored it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub raw: String,
}

impl Mail {
    /// The first header of this name (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body with quoted-printable soft line breaks (`=` at a line's end) removed and
    /// `=3D` read as `=`, so a test can look for a phrase however the parts were encoded.
    pub fn text(&self) -> String {
        self.body
            .replace("=\r\n", "")
            .replace("=\n", "")
            .replace("=3D", "=")
    }

    fn parse(raw: String) -> Mail {
        let normalized = raw.replace("\r\n", "\n");
        let (head, body) = normalized
            .split_once("\n\n")
            .unwrap_or((normalized.as_str(), ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        Mail {
            headers,
            body: body.to_string(),
            raw,
        }
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        Self::start_on(free_port()).await
    }

    /// Starts the server on `port` and waits until it accepts connections.
    pub async fn start_on(port: u16) -> SmtpServer {
        Self::spawn(port, false).await
    }

    /// A server that refuses every mail permanently: its Mailbox handler meets an empty
    /// folder where it expects a Maildir and answers `DATA` with `500`.
    pub async fn start_refusing() -> SmtpServer {
        Self::spawn(free_port(), true).await
    }

    async fn spawn(port: u16, refusing: bool) -> SmtpServer {
        let dir = tempfile::tempdir().expect("temp dir");
        // The Mailbox handler creates the Maildir only where nothing exists yet.
        let maildir = dir.path().join("maildir");
        if refusing {
            std::fs::create_dir(&maildir).expect("an empty folder");
        }
        let child = tokio::process::Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // The refusing server logs a traceback per refused mail: expected, so quiet.
            .stderr(if refusing {
                Stdio::null()
            } else {
                Stdio::inherit()
            })
            .kill_on_drop(true)
            .spawn()
            .expect("start aiosmtpd (apt-get install python3-aiosmtpd)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        SmtpServer {
            port,
            child,
            maildir,
            _dir: dir,
        }
    }

    /// `smtp://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail accepted so far, in the order they arrived.
    pub fn mails(&self) -> Vec<Mail> {
        read_maildir(&self.maildir.join("new"))
    }

    /// Waits until `count` mails arrived (panics after `within`), and returns them all.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Mail> {
        let deadline = Instant::now() + within;
        loop {
            let mails = self.mails();
            if mails.len() >= count {
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} mails arrived within {within:?}",
                mails.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

fn read_maildir(dir: &Path) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| {
            let modified = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (modified, e.path())
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|(_, path)| std::fs::read_to_string(path).ok())
        .map(Mail::parse)
        .collect()
}
