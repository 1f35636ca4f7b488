//! The command API as the extension's pages and content scripts use it, against the sandbox.

mod common;

use common::{content, env, page, Env, EXT};
use minicrm_smartbill::api::Sender;
use serde_json::json;

async fn smartbill_calls(e: &Env) -> usize {
    e.requests("smartbill").await.len()
}

#[tokio::test]
async fn test_connection_lists_series_and_vat_rates() {
    let e = env().await;
    let reply = e
        .run(json!({"cmd": "testSmartBill", "settings": e.form()}), &page())
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["seriesFound"], true);
    assert!(reply["series"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "FCT" && s["nextNumber"] == 124));
    assert!(reply["taxes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "Redusa" && t["percentage"] == 11));
}

#[tokio::test]
async fn a_bad_cui_is_caught_before_any_call() {
    let e = env().await;
    let mut form = e.form();
    form["smartbill"]["cif"] = json!("RO18547291");
    let reply = e
        .run(json!({"cmd": "testSmartBill", "settings": form}), &page())
        .await;
    assert_eq!(reply["ok"], false);
    assert_eq!(reply["error"]["code"], "setting.smartbillCif");
    assert_eq!(reply["error"]["field"], "smartbillCif");
    assert!(reply["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cifra de control"));
    assert_eq!(smartbill_calls(&e).await, 0, "no call reached SmartBill");
}

#[tokio::test]
async fn a_wrong_token_shows_smartbills_message() {
    let e = env().await;
    let mut form = e.form();
    form["smartbill"]["token"] = json!("ffffffffffffffffffffffffffffffff");
    let reply = e
        .run(json!({"cmd": "testSmartBill", "settings": form}), &page())
        .await;
    assert_eq!(reply["error"]["code"], "smartbill.auth");
    assert_eq!(
        reply["error"]["vendorText"],
        "Autentificare esuata. Va rugam verificati datele si incercati din nou."
    );
}

#[tokio::test]
async fn minicrm_test_finds_the_module() {
    let e = env().await;
    let reply = e
        .run(json!({"cmd": "testMiniCrm", "settings": e.form()}), &page())
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["module"]["id"], 21);
    let mut form = e.form();
    form["minicrm"]["module"] = json!("orders");
    let reply = e
        .run(json!({"cmd": "testMiniCrm", "settings": form}), &page())
        .await;
    assert_eq!(reply["module"]["id"], 22);
}

#[tokio::test]
async fn settings_are_saved_and_secrets_never_come_back() {
    let e = env().await;
    let reply = e
        .run(json!({"cmd": "saveSettings", "settings": e.form()}), &page())
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
    let reply = e.run(json!({"cmd": "getSettings"}), &page()).await;
    let text = reply.to_string();
    assert!(!text.contains(e.info["smartbill"]["token"].as_str().unwrap()));
    assert!(!text.contains(e.info["minicrm"]["apiKey"].as_str().unwrap()));
    assert_eq!(reply["settings"]["smartbill"]["tokenSet"], true);
    assert_eq!(reply["apiBaseEditable"], true);
}

#[tokio::test]
async fn content_scripts_cannot_read_or_change_settings() {
    let e = env().await;
    let card = format!(
        "{}/53832/#Project-21/1001",
        e.info["minicrm"]["base"].as_str().unwrap()
    );
    for cmd in [
        json!({"cmd": "getSettings"}),
        json!({"cmd": "saveSettings", "settings": e.form()}),
        json!({"cmd": "testSmartBill", "settings": e.form()}),
    ] {
        let reply = e.run(cmd, &content(&card)).await;
        assert_eq!(reply["error"]["code"], "forbidden", "{reply}");
    }
    let stranger = Sender {
        extension_id: EXT.into(),
        sender_id: "another-extension".into(),
        url: card.clone(),
        lang: "ro".into(),
        ..Sender::default()
    };
    let reply = e.run(json!({"cmd": "panelState", "url": card}), &stranger).await;
    assert_eq!(reply["error"]["code"], "forbidden");
}

#[tokio::test]
async fn the_panel_shows_on_cards_only() {
    let e = env().await;
    let base = e.info["minicrm"]["base"].as_str().unwrap().to_string();
    let card = format!("{base}/53832/#Project-21/1001");
    let reply = e
        .run(json!({"cmd": "panelState", "url": card}), &content(&card))
        .await;
    assert_eq!(
        (reply["show"].clone(), reply["configured"].clone()),
        (json!(true), json!(false)),
        "{reply}"
    );
    assert!(reply["hint"].as_str().unwrap().contains("Configurează"));
    for url in [
        format!("{base}/53832/"),
        format!("{base}/53832/#Project-21"),
        "https://example.com/#Project-21/1".to_string(),
    ] {
        let reply = e
            .run(json!({"cmd": "panelState", "url": url}), &content(&url))
            .await;
        assert_eq!(reply["show"], false, "{url}");
    }
    // Configured for offers: an offer card shows the panel, a sales card does not.
    e.run(json!({"cmd": "testMiniCrm", "settings": e.form()}), &page())
        .await;
    let mut form = e.form();
    form["minicrm"]["categoryId"] = json!(21);
    let saved = e
        .run(json!({"cmd": "saveSettings", "settings": form}), &page())
        .await;
    assert_eq!(saved["problems"], json!([]), "{saved}");
    let reply = e
        .run(json!({"cmd": "panelState", "url": card}), &content(&card))
        .await;
    assert_eq!(reply["configured"], true, "{reply}");
    let sales = format!("{base}/53832/#Project-3/1000");
    let reply = e
        .run(json!({"cmd": "panelState", "url": sales}), &content(&sales))
        .await;
    assert_eq!(reply["show"], false);
}
