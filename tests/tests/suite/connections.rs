//! The listener against slow and greedy clients (issue 17, item 3), on the real
//! widget-server binary with short configured timeouts, loopback only.
//!
//! The attackers connect from other loopback addresses (127.0.0.2, 127.0.0.3) than the
//! normal client (127.0.0.1), as they would from other machines.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use frontline_tests::bot::TestBot;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::processes::ServerProcess;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

const HEADER_TIMEOUT: Duration = Duration::from_millis(1_000);
const BODY_TIMEOUT: Duration = Duration::from_millis(1_500);
const IDLE_TIMEOUT: Duration = Duration::from_millis(2_000);
/// How late a close may come after its deadline (a debug binary on a shared machine).
const LATE: Duration = Duration::from_millis(750);
const PER_IP: usize = 40;
const FLOOD: usize = 300;
/// What the normal client gets for 95 % of its requests (the issue's bound)...
const ANSWER_WITHIN: Duration = Duration::from_millis(100);
/// ...and for every one: the suite runs tests side by side on two cores, so one request
/// may wait for a scheduler slice; being held by the flood would take seconds.
const ANSWER_ALWAYS_WITHIN: Duration = Duration::from_millis(1_000);

const LIMITS: &str = r#"
[server.limits]
header_timeout = "1s"
body_timeout = "1500ms"
idle_timeout = "2s"
max_connections_per_ip = 40

[server.rate_limits]
per_ip_per_minute = 100000
per_ip_burst = 100000
"#;

async fn start_server(dir: &std::path::Path) -> (ServerProcess, SocketAddr) {
    let demo = frontline_widget_server::demo_dir();
    let text = frontline_widget_server::DEMO_CONFIG
        .replace(
            "knowledge_dir = \"kb\"",
            &format!("knowledge_dir = {:?}", demo.join("kb")),
        )
        .replace(
            "intents_file = \"intents.toml\"",
            &format!("intents_file = {:?}", demo.join("intents.toml")),
        );
    let config = dir.join("frontline.toml");
    std::fs::write(&config, format!("{text}\n{LIMITS}")).expect("config");
    let env = vec![
        (
            "FRONTLINE_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.join("frontline.db").display()),
        ),
        ("FRONTLINE_LISTEN", "127.0.0.1:0".to_string()),
    ];
    let server = ServerProcess::spawn(&config, &env).await;
    let addr = server
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("host:port");
    (server, addr)
}

async fn connect_from(source: [u8; 4], server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::from((source, 0)))
        .expect("bind a loopback source address");
    socket.connect(server).await.expect("connect")
}

/// Reads until the server closes (EOF or reset); `None` if it is still open at `limit`.
async fn closed_after(
    stream: &mut TcpStream,
    since: Instant,
    limit: Duration,
) -> Option<(Duration, String)> {
    let mut received = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(since + limit, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) => return Some((since.elapsed(), String::from_utf8_lossy(&received).into())),
            Ok(Err(error)) => {
                let mut received = String::from_utf8_lossy(&received).into_owned();
                if error.kind() == std::io::ErrorKind::ConnectionReset {
                    received.push_str(RESET);
                }
                return Some((since.elapsed(), received));
            }
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
}

/// Sends `request`, then waits for the server to close; asserts it does so at
/// `timeout` (not before, not much after). Returns what the server sent.
async fn slow_client(
    name: &str,
    server: SocketAddr,
    request: &str,
    timeout: Duration,
) -> (Duration, String) {
    let mut stream = connect_from([127, 0, 0, 2], server).await;
    stream.write_all(request.as_bytes()).await.expect("write");
    let since = Instant::now();
    let (open, received) = closed_after(&mut stream, since, timeout + LATE + LATE)
        .await
        .unwrap_or_else(|| {
            panic!(
                "{name}: still open {:?} after its last byte",
                timeout + LATE + LATE
            )
        });
    assert!(
        open + Duration::from_millis(100) >= timeout && open <= timeout + LATE,
        "{name}: closed after {open:?}, expected {timeout:?}"
    );
    (open, received)
}

/// A connection over a cap is answered `503` before it is closed; one held until the
/// header timeout is closed without it. (Telling them apart by how fast they closed
/// miscounts when a loaded machine accepts the flood late.)
/// A reset also counts: the server closed the socket at once with the client's bytes
/// unread (a connection it held was read, so it ends with a plain close).
fn is_refusal(received: &str) -> bool {
    received.starts_with("HTTP/1.1 503") || received == RESET
}

/// What [`closed_after`] appends when the connection ended in a reset.
const RESET: &str = "<reset>";

fn open_fds(pid: u32) -> Option<usize> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()
        .map(|dir| dir.count())
}

/// A normal client asking `/healthz` on a fresh connection every 20 ms until `done`:
/// how long each answer took, and what went wrong.
async fn normal_client(url: String, done: Arc<AtomicBool>) -> (Vec<Duration>, Vec<String>) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .no_proxy()
        .build()
        .expect("client");
    let mut ticks = tokio::time::interval(Duration::from_millis(20));
    let (mut answers, mut failures) = (Vec::new(), Vec::new());
    // Bounded: at most 1,000 requests (20 s) even if `done` never comes.
    for _ in 0..1_000 {
        if done.load(Ordering::Relaxed) {
            break;
        }
        ticks.tick().await;
        let started = Instant::now();
        match tokio::time::timeout(Duration::from_secs(2), client.get(&url).send()).await {
            Ok(Ok(response)) if response.status() == 200 => answers.push(started.elapsed()),
            Ok(Ok(response)) => failures.push(format!("status {}", response.status())),
            Ok(Err(error)) => failures.push(error.to_string()),
            Err(_) => failures.push("no answer within 2 s".into()),
        }
    }
    (answers, failures)
}

#[tokio::test]
async fn slow_and_flooding_clients_are_cut_off_while_a_normal_client_is_served() {
    let dir = tempfile::tempdir().expect("dir");
    let (server, addr) = start_server(dir.path()).await;
    let fds_before = open_fds(server.pid());
    let done = Arc::new(AtomicBool::new(false));
    let normal = tokio::spawn(normal_client(
        format!("http://{addr}/healthz"),
        Arc::clone(&done),
    ));

    let silent = slow_client("silent", addr, "", HEADER_TIMEOUT);
    let headers = slow_client(
        "unfinished headers",
        addr,
        "GET /healthz HTTP/1.1\r\nHost: loris\r\nX-Slow: ",
        HEADER_TIMEOUT,
    );
    let body = slow_client(
        "partial body",
        addr,
        "POST /api/v1/sites/demo/ask HTTP/1.1\r\nHost: loris\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\": \"wh",
        BODY_TIMEOUT,
    );
    let idle = slow_client(
        "idle keep-alive",
        addr,
        "GET /healthz HTTP/1.1\r\nHost: loris\r\n\r\n",
        IDLE_TIMEOUT,
    );
    let flood = async {
        let started = Instant::now();
        let mut streams = Vec::with_capacity(FLOOD);
        for _ in 0..FLOOD {
            let mut stream = connect_from([127, 0, 0, 3], addr).await;
            // Half a request; a refused connection may already be closed.
            let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHo").await;
            streams.push((stream, Instant::now()));
        }
        let opened_in = started.elapsed();
        let waits = streams.into_iter().map(|(mut stream, since)| async move {
            closed_after(&mut stream, since, HEADER_TIMEOUT + LATE + LATE).await
        });
        let fds = async {
            // While the held connections wait for their headers.
            tokio::time::sleep_until(started + opened_in + HEADER_TIMEOUT / 2).await;
            open_fds(server.pid())
        };
        let (closes, fds_during) = tokio::join!(futures_util::future::join_all(waits), fds);
        (opened_in, closes, fds_during)
    };
    let (silent, headers, body, idle, (opened_in, closes, fds_during)) =
        tokio::join!(silent, headers, body, idle, flood);
    done.store(true, Ordering::Relaxed);
    let (mut answers, failures) = normal.await.expect("normal client");
    answers.sort();
    let slowest = answers.last().copied().unwrap_or_default();
    let p95 = answers
        .get(answers.len() * 95 / 100)
        .copied()
        .unwrap_or_default();

    eprintln!(
        "silent closed after {:?}, unfinished headers {:?}, partial body {:?}, idle {:?}",
        silent.0, headers.0, body.0, idle.0
    );
    assert!(
        body.1.is_empty() || body.1.starts_with("HTTP/1.1 4"),
        "a late body gets a 4xx or nothing: {:?}",
        body.1
    );
    assert!(idle.1.starts_with("HTTP/1.1 200"), "{:?}", idle.1);

    let still_open = closes.iter().filter(|c| c.is_none()).count();
    assert_eq!(still_open, 0, "flood connections left open");
    let refused = closes
        .iter()
        .flatten()
        .filter(|(_, received)| is_refusal(received))
        .count();
    let held = FLOOD - refused;
    eprintln!(
        "flood of {FLOOD} half-sent requests opened in {opened_in:?}: {refused} refused at once, {held} held until the header timeout; server fds {fds_before:?} before, {fds_during:?} during"
    );
    assert!(
        held <= PER_IP,
        "{held} flood connections held, cap {PER_IP}"
    );
    assert!(refused >= FLOOD - PER_IP);
    if let (Some(before), Some(during)) = (fds_before, fds_during) {
        assert!(
            during <= before + PER_IP + 10,
            "fds {before} before the flood, {during} during"
        );
    }
    eprintln!(
        "normal client: {} answers, p95 {p95:?}, slowest {slowest:?}, failures {failures:?}",
        answers.len()
    );
    assert!(failures.is_empty(), "normal client failed: {failures:?}");
    assert!(answers.len() >= 50, "only {} answers", answers.len());
    assert!(p95 < ANSWER_WITHIN, "the normal client's p95 was {p95:?}");
    assert!(
        slowest < ANSWER_ALWAYS_WITHIN,
        "the normal client waited {slowest:?}"
    );
}

/// The bot's listener takes the same `[server.limits]`: a silent connection is cut at the
/// header timeout, connections over the per-IP cap are refused at once, and a normal
/// request is still answered.
#[tokio::test]
async fn the_bot_listener_has_the_same_timeouts_and_caps() {
    let db = TestDatabase::new(backends()[0]).await;
    let limits = "[server.limits]\nheader_timeout = \"500ms\"\nmax_connections_per_ip = 5\n";
    let bot = TestBot::start(frontline_tests::bot::settings(&db.url, None, None, limits)).await;
    let addr: SocketAddr = bot
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("host:port");
    let header_timeout = Duration::from_millis(500);

    let mut silent = connect_from([127, 0, 0, 2], addr).await;
    let since = Instant::now();
    let (open, _) = closed_after(&mut silent, since, header_timeout + LATE + LATE)
        .await
        .expect("the bot closes a silent connection");
    assert!(
        open + Duration::from_millis(100) >= header_timeout && open <= header_timeout + LATE,
        "{open:?}"
    );

    let mut flood = Vec::new();
    for _ in 0..10 {
        let stream = connect_from([127, 0, 0, 3], addr).await;
        flood.push((stream, Instant::now()));
    }
    let closes =
        futures_util::future::join_all(flood.into_iter().map(|(mut stream, since)| async move {
            closed_after(&mut stream, since, header_timeout + LATE + LATE).await
        }))
        .await;
    let closes: Vec<String> = closes
        .into_iter()
        .map(|c| c.expect("closed by the header timeout at the latest").1)
        .collect();
    let refused = closes
        .iter()
        .filter(|received| is_refusal(received))
        .count();
    assert_eq!(refused, 5, "connections over the per-IP cap of 5");
    let status = bot
        .client
        .get(format!("{}/healthz", bot.url))
        .send()
        .await
        .expect("healthz")
        .status();
    assert_eq!(status, 200);
    bot.stop().await;
}
