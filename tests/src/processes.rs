//! The real widget-server binary as a child process (for tests that kill it).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// `target/<profile>/<name>`, next to the running test binary's `deps/` folder.
pub fn sibling_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let path = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace` first",
        path.display()
    );
    path
}

/// Sends SIGTERM to `child` (as systemd or Kubernetes stop a service) and waits up to
/// `within` for it to exit; `None` if it did not (it is then killed).
pub async fn terminate(mut child: std::process::Child, within: Duration) -> Option<ExitStatus> {
    let pid = child.id().to_string();
    let signal = |name: &str| {
        std::process::Command::new("kill")
            .args([name, pid.as_str()])
            .status()
            .is_ok_and(|status| status.success())
    };
    assert!(signal("-TERM"), "kill -TERM {pid}");
    let mut waited = tokio::task::spawn_blocking(move || child.wait());
    match tokio::time::timeout(within, &mut waited).await {
        Ok(joined) => joined.ok().and_then(Result::ok),
        Err(_) => {
            signal("-KILL");
            let _ = waited.await;
            None
        }
    }
}

/// A running `frontline-widget-server` process.
#[derive(Debug)]
pub struct ServerProcess {
    /// `None` once it was handed to [`terminate`].
    child: Option<std::process::Child>,
    pub url: String,
    /// Every line it printed on stdout and stderr so far (stderr is also echoed).
    printed: Arc<Mutex<Vec<String>>>,
    /// The threads draining its stdout and stderr (they end when it exits).
    readers: Vec<JoinHandle<()>>,
}

impl ServerProcess {
    /// Starts the binary with `--config config` and `env`; returns once it prints its URL.
    pub async fn spawn(config: &Path, env: &[(&str, String)]) -> ServerProcess {
        let mut child = std::process::Command::new(sibling_binary("frontline-widget-server"))
            .arg("--config")
            .arg(config)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("FRONTLINE_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("frontline-widget-server starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let printed = Arc::new(Mutex::new(Vec::new()));
        let (found, address) = tokio::sync::oneshot::channel::<String>();
        let keep = Arc::clone(&printed);
        let stdout_reader = std::thread::spawn(move || {
            let mut found = Some(found);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Frontline widget server listening on ") {
                    if let Some(found) = found.take() {
                        let _ = found.send(url.trim().to_string());
                    }
                }
                keep.lock().expect("printed lines").push(line);
            }
        });
        let keep = Arc::clone(&printed);
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                keep.lock().expect("printed lines").push(line);
            }
        });
        let url = match tokio::time::timeout(Duration::from_secs(60), address).await {
            Ok(Ok(url)) => url,
            _ => {
                let _ = child.kill();
                panic!("frontline-widget-server did not print its address within 60 s");
            }
        };
        ServerProcess {
            child: Some(child),
            url,
            printed,
            readers: vec![stdout_reader, stderr_reader],
        }
    }

    /// Waits up to `within` for the process to exit by itself: its exit status (`None`:
    /// still running at `within`, then killed) and every line it printed.
    pub async fn wait_for_exit(mut self, within: Duration) -> (Option<ExitStatus>, String) {
        let mut child = self.child.take().expect("a running process");
        let pid = child.id();
        let mut waited = tokio::task::spawn_blocking(move || child.wait());
        let status = match tokio::time::timeout(within, &mut waited).await {
            Ok(joined) => joined.ok().and_then(Result::ok),
            Err(_) => {
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                let _ = waited.await;
                None
            }
        };
        // Its pipes are closed now: the readers finish with its last lines.
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let printed = self.printed.lock().expect("printed lines").join("\n");
        (status, printed)
    }

    fn child(&mut self) -> &mut std::process::Child {
        self.child.as_mut().expect("a running process")
    }

    /// The process id (to count its open file descriptors, say).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, std::process::Child::id)
    }

    /// `kill -9`: no graceful shutdown.
    pub fn kill9(mut self) {
        self.child().kill().expect("SIGKILL");
        let _ = self.child().wait();
    }

    /// SIGTERM, then its exit status (see [`terminate`]).
    pub async fn terminate(mut self, within: Duration) -> Option<ExitStatus> {
        let child = self.child.take().expect("a running process");
        terminate(child, within).await
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
