//! A site's knowledge folder with broken or hostile files: the site starts, keeps serving
//! the other articles through hot reloads, and `/admin` names the broken file and line.

use frontline_matcher::knowledge::Article;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::{ServerOptions, TestServer, ADMIN_TOKEN};
use frontline_widget_server::{demo_dir, DEMO_CONFIG};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// A copy of the demo site (config, `kb/`, intents) in a fresh folder.
pub(crate) fn demo_copy() -> (tempfile::TempDir, ServerOptions) {
    let dir = tempfile::tempdir().expect("dir");
    copy_dir(&demo_dir().join("kb"), &dir.path().join("kb"));
    std::fs::copy(
        demo_dir().join("intents.toml"),
        dir.path().join("intents.toml"),
    )
    .expect("copy intents");
    let defaults = ServerOptions::default();
    let options = ServerOptions {
        config: Some((
            format!("{DEMO_CONFIG}\n{}", defaults.extra_toml),
            dir.path().to_path_buf(),
        )),
        ..defaults
    };
    (dir, options)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// A client that keeps redirects to itself (to see the sign-in cookies).
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Signs in to the dashboard; returns the `Cookie` header to send.
async fn sign_in(server: &TestServer) -> String {
    let response = no_redirects()
        .post(server.at("/admin/login"))
        .form(&[("token", ADMIN_TOKEN), ("agent", "Editor")])
        .send()
        .await
        .expect("login");
    assert_eq!(response.status().as_u16(), 303, "signed in");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

async fn admin_page(server: &TestServer, cookie: &str) -> String {
    let response = server
        .client
        .get(server.at("/admin"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("admin");
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.expect("page")
}

/// The `<section>` that lists knowledge problems, or "" when there is none.
fn problems_section(page: &str) -> &str {
    let Some(start) = page.find("data-knowledge-problems") else {
        return "";
    };
    let end = page[start..]
        .find("</section>")
        .map_or(page.len(), |e| start + e);
    &page[start..end]
}

async fn shipping_answer_url(server: &TestServer, question: &str) -> serde_json::Value {
    let (status, body) = server.ask(json!({ "text": question }), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["decision"], "answer", "{body}");
    body["answer"]["url"].clone()
}

#[tokio::test]
async fn a_site_with_a_broken_article_starts_serves_the_rest_and_admin_names_the_file() {
    let db = TestDatabase::new(backends()[0]).await;
    let (dir, options) = demo_copy();
    // An editor breaks an article an intent links to (an unterminated string on line 3)…
    std::fs::write(
        dir.path().join("kb/shipping-times.md"),
        "+++\nid = \"shipping-times\"\ntitle = \"Shipping times\nurl = \"x\"\n+++\nbody\n",
    )
    .expect("write");
    // …and copies an article without changing its id.
    std::fs::copy(
        dir.path().join("kb/backorders.md"),
        dir.path().join("kb/zz-copy.md"),
    )
    .expect("copy");
    let server = TestServer::start_with(&db.url, &options).await;

    let url = shipping_answer_url(&server, "How much does shipping cost?").await;
    assert_eq!(url, "https://northwind.example/help/shipping-costs");
    let (status, body) = server
        .ask(
            json!({"text": "when will sold out items be back in stock"}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.to_string().contains("backorders"), "{body}");

    let cookie = sign_in(&server).await;
    let page = admin_page(&server, &cookie).await;
    let problems = problems_section(&page);
    assert!(
        problems.contains("<td>shipping-times.md</td><td>3</td>"),
        "{problems}"
    );
    assert!(
        problems.contains("<td>zz-copy.md</td><td>2</td>") && problems.contains("backorders.md"),
        "{problems}"
    );
    assert!(
        problems.contains("shipping_time"),
        "the ignored intent link: {problems}"
    );
    server.stop().await;
}

#[tokio::test]
async fn hot_reload_survives_a_planted_draft_and_a_broken_file() {
    let db = TestDatabase::new(backends()[0]).await;
    let (dir, options) = demo_copy();
    let server = TestServer::start_with(&db.url, &options).await;
    let cookie = sign_in(&server).await;
    assert_eq!(problems_section(&admin_page(&server, &cookie).await), "");

    // A customer's question with a planted front matter, drafted from the dashboard.
    let planted =
        "Where is my refund?\n+++\nid = \"evil\"\ndraft = false\n+++\n<script>alert(1)</script>";
    let draft = no_redirects()
        .post(server.at("/admin/drafts"))
        .header("cookie", &cookie)
        .form(&[("site", "demo"), ("question", planted), ("also", "+++")])
        .send()
        .await
        .expect("draft");
    assert_eq!(draft.status().as_u16(), 303);
    let drafts: Vec<_> = std::fs::read_dir(dir.path().join("kb/drafts"))
        .expect("drafts/")
        .flatten()
        .map(|e| e.path())
        .collect();
    let [path] = drafts.as_slice() else {
        panic!("one draft expected: {drafts:?}");
    };
    let source = std::fs::read_to_string(path).expect("the draft is written");
    let article = Article::parse(path, &source).expect("the draft parses");
    assert_eq!((article.title.as_str(), article.draft), (planted, true));
    assert!(
        article.id.starts_with("where-is-my-refund"),
        "{}",
        article.id
    );
    assert!(!article.html.contains("<script"), "{}", article.html);

    // A broken file and a new article arrive while the site runs.
    std::fs::write(
        dir.path().join("kb/broken.md"),
        "+++\nid = \"broken\"\ntitle = \"Broken\"\ntags = [unquoted]\n+++\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("kb/surfboards.md"),
        "+++\nid = \"surfboards\"\ntitle = \"Do you sell surfboards?\"\nquestions = [\"surfboard rental\", \"buy a surf board\"]\n+++\nNo, we only sell outdoor clothing and camping gear.\n",
    )
    .expect("write");
    // The site reloads every 2 s; wait (bounded) until the new article is served.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = server
            .ask(json!({"text": "do you sell surfboards?"}), None)
            .await;
        assert_eq!(status, 200, "{body}");
        if body.to_string().contains("\"surfboards\"") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the reload never picked up the new article: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The articles that were there keep serving, and /admin names the broken file.
    let url = shipping_answer_url(&server, "How long does shipping take to the UK?").await;
    assert_eq!(url, "https://northwind.example/help/shipping-times");
    let page = admin_page(&server, &cookie).await;
    let problems = problems_section(&page);
    assert!(
        problems.contains("<td>broken.md</td><td>4</td>"),
        "{problems}"
    );
    assert!(!problems.contains("where-is-my-refund"), "{problems}");
    server.stop().await;
}
