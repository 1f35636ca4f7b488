//! The V1 rate limit on the virtual clock: 30 calls per 10-second window per token, the 31st
//! starts a 10-minute block answered 403 (or 429), X-RateLimit-* headers on every answer.
//! Time is sped up or jumped through `/__control/clock`, so the test takes well under 5 s.

use std::time::Duration;

use sandbox::seed::{COMPANY_CIF, SMARTBILL_EMAIL, SMARTBILL_TOKEN};
use serde_json::{json, Value};

const BLOCKED: &str =
    "Ai depasit limita maxima de requesturi admisa. Vei putea executa alte requesturi dupa 10 min.";

struct T {
    sb: sandbox::Sandbox,
    c: reqwest::Client,
}

struct Hit {
    status: u16,
    limit: String,
    remaining: String,
    reset: i64,
    body: Value,
}

impl T {
    async fn new() -> T {
        let sb = sandbox::start(sandbox::Config {
            seed: true,
            ..Default::default()
        })
        .await
        .unwrap();
        T {
            sb,
            c: reqwest::Client::new(),
        }
    }

    async fn call_with(&self, token: &str) -> Hit {
        let r = self
            .c
            .get(format!("{}/series?cif={COMPANY_CIF}", self.sb.smartbill_api()))
            .basic_auth(SMARTBILL_EMAIL, Some(token))
            .send()
            .await
            .unwrap();
        let h = |n: &str| {
            r.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let (limit, remaining) = (h("x-ratelimit-limit"), h("x-ratelimit-remaining"));
        let reset = h("x-ratelimit-reset").parse().unwrap_or(-1);
        let status = r.status().as_u16();
        let body = r.json().await.unwrap_or(Value::Null);
        Hit {
            status,
            limit,
            remaining,
            reset,
            body,
        }
    }

    async fn call(&self) -> Hit {
        self.call_with(SMARTBILL_TOKEN).await
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let r = self
            .c
            .request(method, format!("{}/__control{path}", self.sb.urls.smartbill))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}");
        r.json().await.unwrap()
    }

    async fn clock(&self, body: Value) -> Value {
        self.control(reqwest::Method::POST, "/clock", body).await
    }

    async fn now_secs(&self) -> i64 {
        let v = self.clock(json!({})).await;
        chrono::DateTime::parse_from_rfc3339(v["now"].as_str().unwrap())
            .unwrap()
            .timestamp()
    }

    fn assert_blocked(hit: &Hit, status: u16) {
        assert_eq!(hit.status, status);
        assert_eq!(
            hit.body,
            json!({"errorText": BLOCKED, "message": "", "number": "", "series": "", "url": ""})
        );
        assert_eq!(hit.remaining, "0");
    }
}

#[tokio::test]
async fn thirty_calls_then_a_ten_minute_block_403() {
    let t = T::new().await;
    let start = t.now_secs().await;
    for i in 0..30 {
        let hit = t.call().await;
        assert_eq!(hit.status, 200, "call {}", i + 1);
        assert_eq!(hit.limit, "30");
        assert_eq!(hit.remaining, (29 - i).to_string(), "call {}", i + 1);
        assert!(
            (start + 10..=start + 12).contains(&hit.reset),
            "reset {} vs start {start}",
            hit.reset
        );
    }
    let hit = t.call().await;
    T::assert_blocked(&hit, 403);
    assert!(
        (start + 600..=start + 612).contains(&hit.reset),
        "reset at the end of the block"
    );
    // Every call during the block is refused, even after the 10-second window.
    t.clock(json!({"advanceMs": 60_000})).await;
    T::assert_blocked(&t.call().await, 403);
    // The limit is per token: another (wrong) token is not blocked, it gets its 401.
    let other = t.call_with("0123456789abcdef0123456789abcdef").await;
    assert_eq!((other.status, other.remaining.as_str()), (401, "29"));
    // Sped-up time: at speed 2000 the rest of the block (9 min) lasts 270 ms.
    t.clock(json!({"speed": 2000})).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    t.clock(json!({"speed": 1})).await;
    let hit = t.call().await;
    assert_eq!(
        (hit.status, hit.remaining.as_str()),
        (200, "29"),
        "a fresh window after the block"
    );
    // Windows run on the virtual clock too: jumping 10 s starts a new window.
    assert_eq!(t.call().await.remaining, "28");
    t.clock(json!({"advanceMs": 10_000})).await;
    assert_eq!(t.call().await.remaining, "29");
}

#[tokio::test]
async fn the_429_variant_and_lifting_a_block() {
    let t = T::new().await;
    let cfg = t
        .control(reqwest::Method::POST, "/smartbill/limit", json!({"status": 429}))
        .await;
    assert_eq!(
        cfg,
        json!({"status": 429, "calls": 30, "windowMs": 10000, "blockMs": 600000, "extendBlockOnRetry": false})
    );
    for _ in 0..30 {
        assert_eq!(t.call().await.status, 200);
    }
    T::assert_blocked(&t.call().await, 429);
    T::assert_blocked(&t.call().await, 429);
    t.control(reqwest::Method::DELETE, "/smartbill/limit/block", Value::Null)
        .await;
    let hit = t.call().await;
    assert_eq!((hit.status, hit.remaining.as_str()), (200, "29"));
}

#[tokio::test]
async fn retrying_during_the_block_extends_it_when_configured() {
    let t = T::new().await;
    // Small numbers through the control API: 2 calls per 10 s, a 1-second block.
    t.control(
        reqwest::Method::POST,
        "/smartbill/limit",
        json!({"calls": 2, "blockMs": 1000, "extendBlockOnRetry": false}),
    )
    .await;
    assert_eq!(t.call().await.remaining, "1");
    assert_eq!(t.call().await.remaining, "0");
    T::assert_blocked(&t.call().await, 403);
    t.clock(json!({"advanceMs": 800})).await;
    T::assert_blocked(&t.call().await, 403);
    t.clock(json!({"advanceMs": 300})).await;
    assert_eq!(t.call().await.status, 200, "retries did not extend the block");

    t.control(
        reqwest::Method::POST,
        "/smartbill/limit",
        json!({"extendBlockOnRetry": true}),
    )
    .await;
    t.call().await;
    T::assert_blocked(&t.call().await, 403);
    t.clock(json!({"advanceMs": 800})).await;
    T::assert_blocked(&t.call().await, 403); // extends to +1000 from here
    t.clock(json!({"advanceMs": 800})).await;
    T::assert_blocked(&t.call().await, 403); // would have ended without the extension
    t.clock(json!({"advanceMs": 1100})).await;
    assert_eq!(t.call().await.status, 200);
}
