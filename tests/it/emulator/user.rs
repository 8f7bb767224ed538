//! `/cgi-bin/user/info`: a follower's fields (no nickname or avatar), someone who left, a bad
//! openid, an unverified account.

use serde_json::{Value, json};
use wxbot::emulator::{AccountKind, Emulator, Fault, User};

use super::{api_url, emulator, get_json};

async fn info(emu: &Emulator, openid: &str) -> Value {
    let url = api_url(emu, "/cgi-bin/user/info").await;
    get_json(&format!("{url}&openid={openid}&lang=zh_CN")).await
}

#[tokio::test]
async fn a_follower_has_wechats_fields_and_no_nickname_or_avatar() {
    let emu = emulator();
    let alice = info(&emu, "o_alice").await;
    assert_eq!(alice["subscribe"], 1);
    assert_eq!(alice["openid"], "o_alice");
    assert_eq!(alice["language"], "zh_CN");
    assert!(
        alice["subscribe_time"]
            .as_u64()
            .is_some_and(|t| t > 1_600_000_000)
    );
    assert_eq!(alice["remark"], "");
    assert_eq!(alice["groupid"], 0);
    assert_eq!(alice["tagid_list"], json!([]));
    assert_eq!(alice["subscribe_scene"], "ADD_SCENE_OTHERS");
    assert_eq!(alice["qr_scene"], 0);
    assert_eq!(alice["qr_scene_str"], "");
    for gone in ["nickname", "headimgurl", "sex", "city", "unionid"] {
        assert_eq!(alice.get(gone), None, "{gone}: {alice}");
    }
    // Asked twice, the same follower.
    assert_eq!(info(&emu, "o_alice").await, alice);
}

#[tokio::test]
async fn a_user_set_by_the_test_is_told_as_set() {
    let emu = emulator();
    let mut user = User::default();
    user.unionid = Some("u_carol".to_owned());
    user.remark = "VIP".to_owned();
    user.tagid_list = vec![2, 128];
    user.subscribe_scene = "ADD_SCENE_QR_CODE".to_owned();
    user.qr_scene_str = "poster-7".to_owned();
    user.subscribe_time = 1_700_000_000;
    emu.set_user("o_carol", user.clone());
    assert_eq!(emu.user("o_carol"), user);
    let carol = info(&emu, "o_carol").await;
    assert_eq!(carol["unionid"], "u_carol");
    assert_eq!(carol["remark"], "VIP");
    assert_eq!(carol["tagid_list"], json!([2, 128]));
    assert_eq!(carol["subscribe_scene"], "ADD_SCENE_QR_CODE");
    assert_eq!(carol["qr_scene_str"], "poster-7");
    assert_eq!(carol["subscribe_time"], 1_700_000_000);
}

#[tokio::test]
async fn someone_who_does_not_follow_is_only_subscribe_0() {
    let emu = emulator();
    emu.set_following("o_bob", false);
    assert_eq!(
        info(&emu, "o_bob").await,
        json!({ "subscribe": 0, "openid": "o_bob" })
    );
    emu.set_following("o_bob", true);
    let back = info(&emu, "o_bob").await;
    assert_eq!(back["subscribe"], 1);
    assert!(emu.user("o_bob").subscribe);
}

#[tokio::test]
async fn a_bad_openid_is_40003_and_an_unverified_account_48001() {
    let emu = emulator();
    for bad in ["", "o%20bad", &"o".repeat(65)] {
        assert_eq!(info(&emu, bad).await["errcode"], 40003, "{bad:?}");
    }
    let url = api_url(&emu, "/cgi-bin/user/info").await;
    assert_eq!(get_json(&url).await["errcode"], 40003, "no openid");
    emu.set_account_kind(AccountKind::UnverifiedSubscription);
    assert_eq!(info(&emu, "o_alice").await["errcode"], 48001);
}

#[tokio::test]
async fn user_info_checks_the_token_and_plays_scripted_faults() {
    let emu = emulator();
    let base = emu.base_url();
    let no_token = get_json(&format!("{base}/cgi-bin/user/info?openid=o_a")).await;
    assert_eq!(no_token["errcode"], 41001);
    emu.script(
        "/cgi-bin/user/info",
        Fault::Errcode(45009, "api freq out of limit".to_owned()),
    );
    assert_eq!(info(&emu, "o_a").await["errcode"], 45009);
    assert_eq!(info(&emu, "o_a").await["subscribe"], 1);
}
