//! The `/admin` dashboard through a real router, signed in as an agent: the escalation
//! view, the conversations list and the overview's intents and gaps.

use frontline_tests::customer::hand_off;
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::TestServer;
use serde_json::json;

/// Text between `<td>` and `</td>` of every table cell on `page`.
fn cells(page: &str) -> Vec<String> {
    page.split("<td>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</td>").map(|(cell, _)| cell.to_string()))
        .collect()
}

#[tokio::test]
async fn the_escalation_view_lists_each_matched_candidate_by_its_own_title() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let (_, asked) = server
            .ask(json!({"text": "how long does a refund take"}), None)
            .await;
        let token = asked["conversation_token"].as_str().expect("token");
        let (status, handoff) = server
            .post_json(
                "/api/v1/sites/demo/handoff",
                json!({"conversation_id": asked["conversation_id"], "email": "r@example.com"}),
                Some(token),
            )
            .await;
        assert_eq!(status, 201, "{handoff}");
        let id = handoff["escalation_id"].as_str().expect("id");
        let (_, escalation) = server
            .get_json(
                &format!("/api/v1/admin/escalations/{id}"),
                Some(frontline_tests::widget_server::ADMIN_TOKEN),
            )
            .await;
        let titles: Vec<&str> = escalation["context"]["matched"]
            .as_array()
            .expect("matched")
            .iter()
            .filter_map(|m| m["title"].as_str())
            .collect();
        assert!(titles.len() >= 2, "{backend:?}: {escalation}");

        let agent = DashboardSession::sign_in(&server, "Bea").await;
        let page = agent.get(&format!("/admin/escalations/{id}")).await;
        assert_eq!(page.status, 200);
        let cells = cells(&page.body);
        for title in &titles {
            let escaped = title.replace('&', "&amp;").replace('\'', "&#x27;");
            assert!(
                cells.contains(&escaped),
                "{backend:?}: {title:?} in {cells:?}"
            );
        }
        assert!(!cells.contains(&"Escalation".to_string()), "{cells:?}");
        server.stop().await;
    }
}

/// The conversation ids listed on a `/admin/conversations` page, in order.
fn listed(page: &str) -> Vec<String> {
    page.split("data-conversation=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(id, _)| id.to_string()))
        .collect()
}

/// `href` of the pager link `rel` (`prev` or `next`), unescaped.
fn pager_link(page: &str, rel: &str) -> Option<String> {
    let (_, rest) = page.split_once(&format!("rel=\"{rel}\" href=\""))?;
    let (href, _) = rest.split_once('"')?;
    Some(href.replace("&amp;", "&").replace("&#x3D;", "="))
}

#[tokio::test]
async fn resolved_conversations_are_found_by_words_status_agent_site_period_and_page() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let ask = |text: &'static str| {
            let server = &server;
            async move {
                let (status, asked) = server.ask(json!({ "text": text }), None).await;
                assert_eq!(status, 200, "{asked}");
                asked
            }
        };
        // Answered by the assistant, never handed off.
        let shipping = ask("Do you ship to Norway?").await;
        // Handed off, answered and resolved by Bea.
        let boots = ask("My hiking boots leak after two weeks").await;
        let (status, handoff) = server
            .post_json(
                "/api/v1/sites/demo/handoff",
                json!({"conversation_id": boots["conversation_id"], "email": "lee@example.com",
                       "name": "Lee Park", "message": "The Trailblazer GTX leaks at the toe"}),
                boots["conversation_token"].as_str(),
            )
            .await;
        assert_eq!(status, 201, "{handoff}");
        let resolved = handoff["escalation_id"].as_str().expect("id");
        for (action, body) in [
            ("claim", json!({"agent": "Bea"})),
            (
                "reply",
                json!({"agent": "Bea", "text": "A replacement pair ships today."}),
            ),
            ("resolve", json!({"agent": "Bea"})),
        ] {
            let (status, answer) = server
                .admin_post(
                    &format!("/api/v1/admin/escalations/{resolved}/{action}"),
                    body,
                )
                .await;
            assert!(status == 200 || status == 201, "{action}: {answer}");
        }
        // Handed off and still waiting.
        let waiting = hand_off(
            &server,
            json!({"email": "kim@example.com", "message": "Where is order NW-555?"}),
        )
        .await;
        // Enough self-service conversations for a second page.
        for _ in 0..26 {
            ask("What are your opening hours?").await;
        }
        let id = |v: &serde_json::Value| v["conversation_id"].as_str().expect("id").to_string();
        let (shipping, boots) = (id(&shipping), id(&boots));

        let manager = DashboardSession::sign_in(&server, "Mia").await;
        let find = |query: &str| {
            let manager = &manager;
            let path = format!("/admin/conversations{query}");
            async move {
                let page = manager.get(&path).await;
                assert_eq!(page.status, 200, "{path}: {}", page.body);
                page
            }
        };
        // Words as prefixes, any letter case, from the customer's or the agent's lines.
        for query in [
            "?q=boots",
            "?q=TRAILBLAZER+leak",
            "?q=replacement",
            "?q=boo",
        ] {
            let page = find(query).await;
            assert_eq!(listed(&page.body), [boots.as_str()], "{backend:?} {query}");
            assert!(page.body.contains("Lee Park"), "{query}");
            assert!(
                page.body
                    .contains("<span class=\"badge resolved\">resolved</span> · Bea"),
                "{backend:?} {query}: {}",
                page.body
            );
        }
        let order = find("?q=NW-555").await;
        assert_eq!(
            listed(&order.body),
            [waiting.conversation_id.as_str()],
            "{backend:?}: {}",
            order.body
        );
        assert!(listed(&find("?q=norway+boots").await.body).is_empty());
        // Hostile search text is words, never index syntax.
        for query in [
            "?q=%22",
            "?q=*",
            "?q=NEAR(boots",
            "?q=boots+OR+x",
            "?q=%27%3B--",
        ] {
            assert_eq!(find(query).await.status, 200, "{backend:?} {query}");
        }
        // Status, agent, site and period.
        assert_eq!(
            listed(&find("?status=resolved").await.body),
            [boots.as_str()]
        );
        assert_eq!(
            listed(&find("?status=open").await.body),
            [waiting.conversation_id.as_str()]
        );
        assert_eq!(listed(&find("?agent=bea").await.body), [boots.as_str()]);
        let escalated = listed(&find("?status=escalated").await.body);
        assert_eq!(escalated.len(), 2, "{backend:?}");
        // "Today" as the demo site counts days: in its time zone (Europe/Berlin), which is
        // a day ahead of UTC for an hour each night.
        let today = jiff::Timestamp::now()
            .in_tz("Europe/Berlin")
            .expect("the demo site's time zone")
            .strftime("%Y-%m-%d")
            .to_string();
        let period = format!("?site=demo&from=2020-01-01&to={today}&q=norway");
        assert_eq!(listed(&find(&period).await.body), [shipping.as_str()]);
        assert!(listed(&find("?from=2020-01-01&to=2020-01-31").await.body).is_empty());

        // 27 self-service conversations: 25 on the first page, 2 on the next.
        let first = find("?status=self_service").await;
        let first_ids = listed(&first.body);
        assert_eq!(first_ids.len(), 25, "{backend:?}");
        assert!(pager_link(&first.body, "prev").is_none());
        let next = pager_link(&first.body, "next").expect("a next page");
        let second = manager.get(&next).await;
        let second_ids = listed(&second.body);
        assert_eq!(second_ids.len(), 2, "{backend:?}: {next}");
        assert!(second_ids.iter().all(|id| !first_ids.contains(id)));
        assert!(second_ids.contains(&shipping), "the oldest comes last");
        assert!(pager_link(&second.body, "next").is_none());
        assert!(pager_link(&second.body, "prev").is_some());

        // One conversation's transcript, linked from the list.
        let page = manager.get(&format!("/admin/conversations/{boots}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("My hiking boots leak after two weeks"));
        assert!(page.body.contains("A replacement pair ships today."));
        assert!(page
            .body
            .contains(&format!("/admin/escalations/{resolved}")));

        // Bad filters are a 400 naming the field.
        for (query, field) in [
            ("?status=lost", "status"),
            ("?from=yesterday", "from"),
            ("?page=0", "page"),
            ("?from=2026-02-02&to=2026-02-01", "from"),
        ] {
            let page = manager.get(&format!("/admin/conversations{query}")).await;
            assert_eq!(page.status, 400, "{query}");
            assert!(page.body.contains(field), "{query}: {}", page.body);
        }
        server.stop().await;
    }
}

/// First-column cells of the overview table (or folded table) marked `marker`.
fn first_cells(page: &str, marker: &str) -> Vec<String> {
    let Some((_, rest)) = page.split_once(marker) else {
        return Vec::new();
    };
    let table = rest.split("</table>").next().unwrap_or_default();
    table
        .split("<tr><td>")
        .skip(1)
        .chain(table.split("<tr>\n    <td>").skip(1))
        .filter_map(|row| {
            row.split_once("</td>")
                .map(|(cell, _)| cell.trim().to_string())
        })
        .collect()
}

#[tokio::test]
async fn the_overview_names_intents_by_title_and_folds_the_rest_of_each_ranking() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    // Training phrases of ten intents: confident matches, asked 10, 9, … 1 times.
    let intents = [
        ("where is my order", "Where is my order?"),
        ("how much is shipping", "How much is shipping?"),
        (
            "how long does delivery take",
            "How long does delivery take?",
        ),
        (
            "do you ship to the united states",
            "Do you ship to my country? Customs and duties",
        ),
        (
            "tracking hasn't moved in a week",
            "My parcel is lost or late",
        ),
        ("I put the wrong address", "Change my delivery address"),
        ("cancel my order", "Cancel or change my order"),
        (
            "an item is missing from my order",
            "Something is missing from my parcel",
        ),
        ("I want to return my jacket", "How do I return something?"),
        (
            "what payment methods do you accept",
            "Which payment methods do you accept?",
        ),
    ];
    for (rank, (question, _)) in intents.iter().enumerate() {
        for _ in 0..(intents.len() - rank) {
            server.ask(json!({ "text": question }), None).await;
        }
    }
    // Questions the knowledge base cannot answer, unlike each other.
    for question in [
        "do you sell kayaks",
        "can I bring my dog to the hamburg shop",
        "are you hiring software engineers",
        "do you sponsor marathon runners",
        "what is the wifi password in your cafe",
        "can I rent a tent for one weekend",
        "who designed your logo",
        "is there parking near the warehouse",
    ] {
        server.ask(json!({ "text": question }), None).await;
    }
    let agent = DashboardSession::sign_in(&server, "Mia").await;
    let page = agent.get("/admin").await;
    assert_eq!(page.status, 200);
    let shown = first_cells(&page.body, "data-list=\"intents\"");
    let folded = first_cells(&page.body, "data-more=\"intents\"");
    let titles: Vec<String> = intents
        .iter()
        .map(|(_, t)| t.replace('\'', "&#x27;"))
        .collect();
    assert_eq!(shown.len(), 5, "{shown:?}");
    assert!(!folded.is_empty(), "more intents folded: {}", page.body);
    for cell in shown.iter().chain(&folded) {
        let raw_id = cell
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        assert!(!raw_id, "{cell:?} is a title, not an id");
    }
    for title in &titles[..5] {
        assert!(shown.contains(title), "{title} among {shown:?}");
    }
    assert_eq!(shown[0], "Where is my order?");
    assert!(page
        .body
        .contains(&format!("Show {} more intents", folded.len())));
    assert!(!page.body.contains("<td>order_status</td>"));

    let gaps = first_cells(&page.body, "data-list=\"gaps\"");
    let more_gaps = first_cells(&page.body, "data-more=\"gaps\"");
    assert_eq!(gaps.len(), 5, "{}", page.body);
    assert!(!more_gaps.is_empty(), "{}", page.body);
    assert!(page
        .body
        .contains(&format!("Show {} more gaps", more_gaps.len())));
    server.stop().await;
}
