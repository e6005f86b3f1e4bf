//! What a customer reads outside the widget speaks their language, like the widget's
//! strings (English and German): a German site's receipt names the opening time in German,
//! and the rating page speaks the conversation's language (the widget's locale, else the
//! site's).

use std::time::Duration;

use frontline_bot::BotOptions;
use frontline_shared::clock::ManualClock;
use frontline_tests::databases::backends;
use frontline_tests::mail::{email_toml, plain_text, rating_token};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::smtp::{Mail, SmtpServer};
use serde_json::json;

/// A German shop open Monday to Friday, 09:00 to 17:00 in Berlin.
const GERMAN_SITE: &str = "[[sites]]\nid = \"nordwind\"\nname = \"Nordwind Outfitters\"\nlocale = \"de\"\nknowledge_dir = \"kb\"\nintents_file = \"intents.toml\"\n[sites.business_hours]\ntime_zone = \"Europe/Berlin\"\ndays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\nopen = \"09:00\"\nclose = \"17:00\"\n";

/// Sunday 2030-12-01, 13:00 in Berlin: the team is away until Monday 09:00. (Later than
/// any row the widget server stamps with the wall clock, so the bot delivers them all.)
const SUNDAY_NOON_UTC: &str = "2030-12-01T12:00:00Z";

async fn start(backend: frontline_tests::databases::TestBackend, smtp: &SmtpServer) -> Rig {
    let sunday: jiff::Timestamp = SUNDAY_NOON_UTC.parse().expect("timestamp");
    let options = BotOptions {
        clock: ManualClock::starting_at(sunday.as_millisecond()),
        run_workers: true,
    };
    let shared = format!("{}{GERMAN_SITE}", email_toml(smtp.port));
    Rig::start_shared(backend, Platforms::Slack, &shared, "", options).await
}

/// The rating page of `rating` and the page its form answers with.
async fn rating_pages(rig: &Rig, resolved: &Mail, rating: u8) -> (String, String) {
    let token = rating_token(resolved);
    let client = &rig.server.client;
    let page = client
        .get(rig.server.at(&format!("/csat/{token}?rating={rating}")))
        .send()
        .await
        .expect("rating page");
    assert_eq!(page.status().as_u16(), 200);
    let posted = client
        .post(rig.server.at(&format!("/csat/{token}")))
        .form(&[("rating", rating.to_string())])
        .send()
        .await
        .expect("rating form");
    assert_eq!(posted.status().as_u16(), 200);
    (
        page.text().await.expect("page"),
        posted.text().await.expect("answer"),
    )
}

fn assert_german(page: &str, thanks: &str, rating: u8) {
    for shown in [
        "<html lang=\"de\">",
        "<title>Wie waren wir?</title>",
        &format!("Vielen Dank! Sie bewerten unsere Hilfe mit <strong>{rating} von 5</strong>."),
        "Möchten Sie uns noch etwas sagen? (optional)",
        "<button type=\"submit\">Bewertung senden</button>",
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    assert!(!page.contains("out of 5"), "{page}");
    let recorded = format!(
        "Danke für Ihre Bewertung mit {rating} von 5. Sie hilft uns, Ihnen besser zu helfen."
    );
    assert!(thanks.contains(&recorded), "{thanks}");
    assert!(thanks.contains("<html lang=\"de\">"), "{thanks}");
}

#[tokio::test]
async fn a_german_sites_receipt_and_rating_page_speak_german() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let rig = start(backend, &smtp).await;
        let (status, handoff) = rig
            .server
            .post_json(
                "/api/v1/sites/nordwind/handoff",
                json!({"email": "eva@kunde.test", "name": "Eva", "message": "Wo ist mein Paket NW-4411?"}),
                None,
            )
            .await;
        assert_eq!(status, 201, "{handoff}");
        let receipt = smtp.wait_for(1, Duration::from_secs(15)).await.remove(0);
        assert_eq!(
            receipt.header("Subject"),
            Some("Nordwind Outfitters: wir haben Ihre Frage")
        );
        let text = plain_text(&receipt);
        assert!(
            text.contains(
                "Unser Team ist gerade nicht da und wieder erreichbar: Montag, 09:00 Uhr (Europe/Berlin)."
            ),
            "{backend:?}: {text}"
        );
        assert!(!text.contains("Monday"), "{text}");

        let escalation_id = handoff["escalation_id"].as_str().expect("escalation");
        rig.store
            .resolve(escalation_id, "Ana")
            .await
            .expect("resolve");
        let resolved = smtp.wait_for(2, Duration::from_secs(15)).await.remove(1);
        let (page, thanks) = rating_pages(&rig, &resolved, 4).await;
        assert_german(&page, &thanks, 4);
        rig.stop().await;
        smtp.stop().await;
    }
}

#[tokio::test]
async fn the_rating_page_speaks_the_language_the_widget_spoke() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let rig = start(backend, &smtp).await;
        // A German shopper on the English demo site: the widget sent `locale: "de"`.
        let (status, asked) = rig
            .server
            .ask(json!({"text": "Wo ist mein Paket?", "locale": "de"}), None)
            .await;
        assert_eq!(status, 200, "{asked}");
        let token = asked["conversation_token"].as_str().expect("token");
        let (status, handoff) = rig
            .server
            .post_json(
                "/api/v1/sites/demo/handoff",
                json!({"conversation_id": asked["conversation_id"], "email": "eva@kunde.test", "message": "Bitte um Hilfe."}),
                Some(token),
            )
            .await;
        assert_eq!(status, 201, "{handoff}");
        smtp.wait_for(1, Duration::from_secs(15)).await;
        let escalation_id = handoff["escalation_id"].as_str().expect("escalation");
        rig.store
            .resolve(escalation_id, "Ana")
            .await
            .expect("resolve");
        let resolved = smtp.wait_for(2, Duration::from_secs(15)).await.remove(1);
        let (page, thanks) = rating_pages(&rig, &resolved, 2).await;
        assert_german(&page, &thanks, 2);

        // An unknown link cannot know the language: English.
        let unknown = rig
            .server
            .client
            .get(rig.server.at(&format!("/csat/{}?rating=2", "0".repeat(52))))
            .send()
            .await
            .expect("page");
        assert_eq!(unknown.status().as_u16(), 404);
        let html = unknown.text().await.expect("page");
        assert!(
            html.contains("This rating link is not valid.") && html.contains("lang=\"en\""),
            "{html}"
        );
        rig.stop().await;
        smtp.stop().await;
    }
}
