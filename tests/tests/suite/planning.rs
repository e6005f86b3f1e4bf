//! Planning on a real store (SQLite and PostgreSQL): forecasts fitted on the store's
//! history in the site's time zone, Erlang C staffing from the measured handle time,
//! forecasts stored when made and compared with what happened, and the admin API.
//! Expected values are worked out here from the generated arrivals, not by the code
//! under test.

use frontline_shared::clock::ManualClock;
use frontline_shared::config::{PlanningSettings, RotaEntry, Settings, Weekday};
use frontline_shared::escalation::Priority;
use frontline_shared::planning::{self, Plan};
use frontline_shared::store::conversations::{Conversation, QuestionRecord};
use frontline_shared::store::escalations::NewHandoff;
use frontline_shared::store::forecasts::Channel;
use frontline_shared::store::Store;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::{settings, ServerOptions, TestServer, ADMIN_TOKEN};
use jiff::civil::{date, Date};
use jiff::tz::TimeZone;

const MINUTE: i64 = 60_000;

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("tz")
}

/// The demo site (Europe/Berlin, open Monday to Friday).
fn demo_site() -> frontline_shared::config::SiteSettings {
    let s = settings("sqlite://unused.db", &ServerOptions::default());
    s.sites.into_iter().next().expect("demo site")
}

fn at(day: Date, hour: i8, minute: i8) -> i64 {
    day.at(hour, minute, 0, 0)
        .to_zoned_datetime(berlin())
        .expect("local time")
        .timestamp()
        .as_millisecond()
}

/// A conversation started at `at_ms` (one answered question).
async fn conversation(store: &Store, id: &str, at_ms: i64) -> Conversation {
    let conversation = Conversation {
        id: id.to_string(),
        site_id: frontline_tests::demo_site(),
        page_url: None,
        locale: None,
        customer: serde_json::Map::new(),
        created_at_ms: at_ms,
    };
    let record = QuestionRecord {
        conversation: conversation.clone(),
        question: "where is my order".into(),
        decision: "answer".into(),
        confidence: 0.9,
        label: Some("intent:order_status".into()),
        reason: None,
        reply: None,
        reply_language_note: None,
        at_ms,
    };
    store.record_questions(&[record]).await.expect("question");
    conversation
}

/// A handoff at `at_ms`, claimed a minute later and resolved six minutes after the claim.
async fn handoff(store: &Store, clock: &ManualClock, conversation: Conversation, at_ms: i64) {
    clock.set_ms(at_ms);
    let (escalation, _) = store
        .create_handoff(NewHandoff {
            conversation,
            email: "c@example.com".into(),
            name: None,
            message: None,
            customer: serde_json::Map::new(),
            page_url: None,
            priority: Priority::Normal,
            tags: vec![],
            intent: None,
            matched: vec![],
            question: None,
            outside_hours: false,
            mail: false,
            email_me: false,
        })
        .await
        .expect("handoff");
    clock.set_ms(at_ms + MINUTE);
    store.claim(&escalation.id, "Ana").await.expect("claim");
    clock.set_ms(at_ms + 7 * MINUTE);
    store.resolve(&escalation.id, "Ana").await.expect("resolve");
}

/// Every day: `per_hour` conversations in each hour 09:00–17:59 (at :10 and later);
/// Monday to Friday also one handoff in each hour 10:00–15:59 (at :20).
async fn seed_day(store: &Store, clock: &ManualClock, day: Date, per_hour: i64) {
    for hour in 9..=17 {
        for k in 0..per_hour {
            let minute = 10 + 5 * k as i8;
            let id = format!("{day}-{hour}-{k}");
            let c = conversation(store, &id, at(day, hour, minute)).await;
            let weekday = day.weekday().to_monday_one_offset();
            if k == 0 && (10..=15).contains(&hour) && weekday <= 5 {
                handoff(store, clock, c, at(day, hour, 20)).await;
            }
        }
    }
}

fn hour_of(plan: &Plan, channel: Channel, day: Date, hour: i8) -> &planning::PlanHour {
    plan.channel(channel)
        .expect("channel")
        .hours
        .iter()
        .find(|h| h.day == day.to_string() && h.hour == hour)
        .expect("hour")
}

#[tokio::test]
async fn plan_forecasts_staffs_and_measures_stored_forecasts_against_actual() {
    let first = date(2026, 2, 2); // a Monday
    let today = date(2026, 2, 23); // three weeks later, a Monday
                                   // One agent rostered Monday 10:00–11:59.
    let settings = PlanningSettings {
        rota: vec![RotaEntry {
            days: vec![Weekday::Mon],
            from: "10:00".into(),
            to: "12:00".into(),
            agents: 1,
        }],
        ..PlanningSettings::default()
    };
    let site = demo_site();
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let clock = ManualClock::starting_at(at(first, 0, 0));
        let store = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("store");
        let mut day = first;
        while day < today {
            seed_day(&store, &clock, day, 2).await;
            day = day.tomorrow().expect("date");
        }
        let now = at(today, 8, 0);
        clock.set_ms(now);
        let plan = planning::plan(&store, &settings, &site, 7, now)
            .await
            .expect("plan");
        assert_eq!(plan.from, "2026-02-23");
        assert_eq!(plan.time_zone, "Europe/Berlin");
        // Handle time: every handoff took 6 minutes from claim to resolve; 3 weeks × 5
        // days × 6 handoffs were resolved.
        assert_eq!(plan.inputs.handle_time_source, "measured");
        assert!((plan.inputs.handle_time_seconds - 360.0).abs() < 1e-9);
        assert_eq!(plan.inputs.handle_time_samples, 90);
        assert_eq!(plan.inputs.shrinkage, 0.3);
        // Capped at 5 minutes, every 6-minute handoff counts as 5.
        let capped = PlanningSettings {
            handle_time_cap: jiff::SignedDuration::from_mins(5),
            ..settings.clone()
        };
        let capped = planning::plan(&store, &capped, &site, 1, now)
            .await
            .expect("plan");
        assert!((capped.inputs.handle_time_seconds - 300.0).abs() < 1e-9);

        let conversations = plan.channel(Channel::Conversations).expect("channel");
        assert_eq!(conversations.history_days, 21);
        assert_eq!(conversations.confidence_note, None);
        assert_eq!(conversations.hours.len(), 7 * 24);
        assert_eq!(conversations.hours[0].start, "2026-02-23T00:00:00+01:00");
        // Two conversations in every hour 09–17 of every day; none at night.
        for d in 0..7 {
            let day = today.checked_add(jiff::Span::new().days(d)).expect("date");
            let h = hour_of(&plan, Channel::Conversations, day, 10);
            assert!((h.expected - 2.0).abs() < 1e-6, "{day}: {}", h.expected);
            assert!(
                hour_of(&plan, Channel::Conversations, day, 3)
                    .expected
                    .abs()
                    < 1e-9
            );
        }
        // One handoff an hour, 10–15, Monday to Friday; the weekend is closed.
        let monday_10 = hour_of(&plan, Channel::Handoffs, today, 10);
        assert!(
            (monday_10.expected - 1.0).abs() < 1e-6,
            "{}",
            monday_10.expected
        );
        // Erlang C by hand: load A = 1 × 360 / 3600 = 0.1 Erlang. With N = 1 agent the
        // probability of waiting is C = A = 0.1 and the service level within 120 s is
        // 1 − 0.1 × e^(−(1 − 0.1) × 120 / 360) = 0.926 ≥ 0.8, so one working agent;
        // with 30 % shrinkage ⌈1 / 0.7⌉ = 2 rostered.
        assert_eq!(monday_10.agents, Some(2));
        // The rota has 1 agent then: 0.7 of an agent works, so nobody answers in time.
        assert_eq!(monday_10.rostered, Some(1));
        assert!(monday_10.short);
        assert_eq!(monday_10.predicted_service_level, Some(0.0));
        let monday_13 = hour_of(&plan, Channel::Handoffs, today, 13);
        assert_eq!((monday_13.rostered, monday_13.short), (Some(0), true));
        let saturday = date(2026, 2, 28);
        let closed = hour_of(&plan, Channel::Handoffs, saturday, 10);
        assert_eq!((closed.expected, closed.agents), (0.0, Some(0)));
        assert!(!closed.short);

        // Each forecast day is stored once.
        let stored = store
            .stored_forecasts(
                &frontline_tests::demo_site(),
                Channel::Conversations,
                "2026-02-23",
                "2026-03-01",
            )
            .await
            .expect("stored");
        assert_eq!(stored.len(), 7);
        assert!((stored[0].total - 18.0).abs() < 1e-6);

        // Monday brings 3 conversations an hour instead of 2; on Tuesday the plan
        // compares Monday's stored forecast (18) with what happened (27).
        seed_day(&store, &clock, today, 3).await;
        let tuesday = date(2026, 2, 24);
        let later = at(tuesday, 8, 0);
        clock.set_ms(later);
        let again = planning::plan(&store, &settings, &site, 7, later)
            .await
            .expect("plan");
        let conversations = again.channel(Channel::Conversations).expect("channel");
        let monday = conversations
            .daily
            .iter()
            .find(|d| d.day == "2026-02-23")
            .expect("monday compared");
        assert!((monday.forecast - 18.0).abs() < 1e-6, "{monday:?}");
        assert_eq!(monday.actual, 27.0);
        let week = conversations.accuracy.last().expect("week");
        assert_eq!(week.week_start, "2026-02-17");
        assert_eq!(week.days_forecast, 1);
        // Nine hours each off by one contact, over 27 contacts.
        let wape = week.wape.expect("wape");
        assert!((wape - 9.0 / 27.0).abs() < 1e-6, "{wape}");
        // Tuesday's forecast was made on Monday and is kept, not replaced.
        let kept = store
            .stored_forecasts(
                &frontline_tests::demo_site(),
                Channel::Conversations,
                "2026-02-24",
                "2026-02-24",
            )
            .await
            .expect("stored");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].made_at_ms, now);
    }
}

#[tokio::test]
async fn contacts_that_came_by_email_are_forecast_as_a_channel_of_their_own() {
    let first = date(2026, 2, 2); // a Monday
    let today = date(2026, 2, 23); // three weeks later, a Monday
    let site = demo_site();
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let clock = ManualClock::starting_at(at(first, 0, 0));
        let store = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("store");
        // Every day two mails open escalations (ids as `inbound_mail::unmapped` gives
        // them) at 10:20 and 10:40, Berlin time, and the widget hands off one at 14:20.
        let mut day = first;
        while day < today {
            for (k, minute) in [20, 40].into_iter().enumerate() {
                let id = format!("conv_mail_{day}-{k}");
                let c = conversation(&store, &id, at(day, 10, minute)).await;
                handoff(&store, &clock, c, at(day, 10, minute)).await;
            }
            let c = conversation(&store, &format!("{day}-widget"), at(day, 14, 20)).await;
            handoff(&store, &clock, c, at(day, 14, 20)).await;
            day = day.tomorrow().expect("date");
        }
        let now = at(today, 8, 0);
        clock.set_ms(now);
        let plan = planning::plan(&store, &PlanningSettings::default(), &site, 7, now)
            .await
            .expect("plan");
        let channels: Vec<&str> = plan.channels.iter().map(|c| c.channel.as_str()).collect();
        assert_eq!(
            channels,
            ["conversations", "handoffs", "email"],
            "{backend:?}"
        );
        // The demo's team works Monday to Friday: weekdays two mails, both in the 10:00
        // hour; the weekend is closed (handoffs and mail are the team's channels).
        for d in 0..7 {
            let day = today.checked_add(jiff::Span::new().days(d)).expect("date");
            let weekend = day.weekday().to_monday_one_offset() > 5;
            let email = plan.channel(Channel::Email).expect("email");
            let total: f64 = email
                .hours
                .iter()
                .filter(|h| h.day == day.to_string())
                .map(|h| h.expected)
                .sum();
            let (mails, handoffs) = if weekend { (0.0, 0.0) } else { (2.0, 3.0) };
            assert!((total - mails).abs() < 1e-6, "{backend:?} {day}: {total}");
            let at_ten = hour_of(&plan, Channel::Email, day, 10).expected;
            assert!((at_ten - mails).abs() < 1e-6, "{backend:?} {day}: {at_ten}");
            // Handoffs, which staffing uses, include the mails.
            let all: f64 = plan
                .channel(Channel::Handoffs)
                .expect("handoffs")
                .hours
                .iter()
                .filter(|h| h.day == day.to_string())
                .map(|h| h.expected)
                .sum();
            assert!((all - handoffs).abs() < 1e-6, "{backend:?} {day}: {all}");
        }
        store.close().await;
    }
}

#[tokio::test]
async fn short_history_is_low_confidence() {
    let site = demo_site();
    let db = TestDatabase::new(backends()[0]).await;
    let first = date(2026, 3, 2);
    let clock = ManualClock::starting_at(at(first, 0, 0));
    let store = Store::connect_with_clock(&db.url, clock.clone())
        .await
        .expect("store");
    let mut day = first;
    for _ in 0..9 {
        seed_day(&store, &clock, day, 1).await;
        day = day.tomorrow().expect("date");
    }
    let now = at(day, 9, 0);
    let plan = planning::plan(&store, &PlanningSettings::default(), &site, 1, now)
        .await
        .expect("plan");
    let conversations = plan.channel(Channel::Conversations).expect("channel");
    assert_eq!(
        conversations.confidence_note.as_deref(),
        Some("low confidence: 9 days of history")
    );
}

#[tokio::test]
async fn forecast_api_answers_the_admin_and_refuses_bad_input() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        {
            // Two days ago, a few conversations (the server runs on the system clock).
            let store = Store::connect(&db.url).await.expect("store");
            let now = store.now_ms();
            for i in 0..5 {
                conversation(&store, &format!("c{i}"), now - 2 * 86_400_000 + i * MINUTE).await;
            }
        }
        let server = TestServer::start(&db.url).await;
        let (status, body) = server
            .get_json("/api/v1/admin/forecast?site=demo&days=3", Some(ADMIN_TOKEN))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["site"], "demo");
        let hours = body["channels"][0]["hours"].as_array().expect("hours");
        // Three local days in Berlin: 72 hours, 71 or 73 across a DST change.
        assert!((71..=73).contains(&hours.len()), "{}", hours.len());
        assert!(hours[0]["start"]
            .as_str()
            .is_some_and(|s| s.contains("T00:00:00+0")));
        let note = body["channels"][0]["confidence_note"]
            .as_str()
            .expect("note");
        assert!(note.starts_with("low confidence: "), "{note}");
        assert!(body["inputs"]["service_level"].as_f64() == Some(0.8));

        let (status, body) = server
            .get_json("/api/v1/admin/forecast?site=demo&days=0", Some(ADMIN_TOKEN))
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(body.to_string().contains("days"), "{body}");
        let (status, _) = server
            .get_json("/api/v1/admin/forecast?site=nowhere", Some(ADMIN_TOKEN))
            .await;
        assert_eq!(status, 404);
        let (status, _) = server
            .get_json("/api/v1/admin/forecast?site=demo", None)
            .await;
        assert!(status == 401 || status == 403, "{status}");
        server.stop().await;
    }
}

#[test]
fn planning_settings_load_from_the_file() {
    let options = ServerOptions {
        extra_toml:
            "[planning]\nhandle_time = \"6m\"\nconcurrency = 2\nclosed_dates = [\"2026-12-25\"]\n"
                .into(),
        ..ServerOptions::default()
    };
    let s: Settings = settings("sqlite://unused.db", &options);
    assert_eq!(s.planning.concurrency, 2.0);
    assert_eq!(s.planning.closed_dates, vec![date(2026, 12, 25)]);
}

/// Three weeks at two conversations an hour, Monday 2026-02-23 at three; the rota has one
/// agent on Mondays 10:00–11:59 only.
const PLANNING_TOML: &str = r#"
[planning]
handle_time = "auto"

[[planning.rota]]
days = ["mon"]
from = "10:00"
to = "12:00"
agents = 1

[bot.delivery]
lease = "60s"
poll = "20ms"

[[bot.digests]]
platform = "slack"
channel = "C0MANAGERS"
time = "08:00"
time_zone = "Europe/Berlin"
sites = ["demo"]
"#;

async fn deliver_all(bot: &frontline_tests::bot::TestBot) {
    for _ in 0..50 {
        if bot.worker().try_deliver_once().await.expect("deliver")
            == frontline_bot::delivery::Outcome::Idle
        {
            return;
        }
    }
    panic!("the outbox never drained");
}

fn digest_text(slack: &frontline_tests::slack_standin::SlackStandIn, day: &str) -> String {
    let id = format!("digest:slack:C0MANAGERS:{day}");
    let posts = slack.with(|s| {
        s.posts_for(&id, "digest")
            .into_iter()
            .map(|p| p.text.clone())
            .collect::<Vec<_>>()
    });
    assert_eq!(posts.len(), 1, "one digest for {day}");
    posts[0].clone()
}

#[tokio::test]
async fn digest_planning_lines_match_an_independent_count() {
    use frontline_tests::rig::{Platforms, Rig};
    let first = date(2026, 2, 2);
    let monday = date(2026, 2, 23);
    let tuesday = date(2026, 2, 24);
    for backend in backends() {
        let clock = ManualClock::starting_at(at(first, 0, 0));
        let options = frontline_bot::BotOptions {
            clock: clock.clone(),
            run_workers: false,
        };
        let rig = Rig::start_with(backend, Platforms::Slack, PLANNING_TOML, options).await;
        let store = Store::connect_with_clock(&rig.db.url, clock.clone())
            .await
            .expect("store");
        let mut day = first;
        while day < monday {
            seed_day(&store, &clock, day, 2).await;
            day = day.tomorrow().expect("date");
        }
        // Monday 08:00: Sunday's digest. Tomorrow (Tuesday) looks like every weekday:
        // 2 conversations in each hour 09–17 = 18, all hours equal so the first, 09:00,
        // is the peak; one handoff an hour needs 2 agents (worked out in
        // `plan_forecasts_staffs_and_measures_stored_forecasts_against_actual`), and
        // Tuesday has no rota at all: 6 short hours (10–15).
        clock.set_ms(at(monday, 8, 0));
        assert_eq!(rig.bot.digests().check_once().await.expect("check"), 1);
        deliver_all(&rig.bot).await;
        let sunday = digest_text(rig.slack(), "2026-02-22");
        for line in [
            ":crystal_ball: *Planning · Northwind Outfitters:* Tomorrow: ~18 contacts, peak 09:00 (~2 agents needed at peak)",
            ":warning: Rota falls short tomorrow in 6 hours: 10:00 (need 2, rostered 0), 11:00 (need 2, rostered 0)",
        ] {
            assert!(sunday.contains(line), "{backend:?}: missing {line:?} in\n{sunday}");
        }
        // No forecast was stored for Sunday before it happened.
        assert!(!sunday.contains("Yesterday: forecast"), "{sunday}");

        // Monday brings 27 conversations (3 an hour) against the 18 forecast on Monday
        // morning: error |18 − 27| / 27 = 33 %.
        seed_day(&store, &clock, monday, 3).await;
        clock.set_ms(at(tuesday, 8, 0));
        assert_eq!(rig.bot.digests().check_once().await.expect("check"), 1);
        deliver_all(&rig.bot).await;
        let text = digest_text(rig.slack(), "2026-02-23");
        assert!(
            text.contains("• Yesterday: forecast 18, actual 27 (error 33 %)"),
            "{backend:?}: {text}"
        );
        assert!(text.contains("Tomorrow: ~"), "{text}");
        assert!(
            text.contains("Rota falls short tomorrow in 6 hours"),
            "{text}"
        );
        // The chart carries the forecast line next to the actual volume.
        let files = rig.slack().with(|s| s.files.len());
        assert_eq!(files, 2, "{backend:?}");
        store.close().await;
        rig.stop().await;
    }
}
