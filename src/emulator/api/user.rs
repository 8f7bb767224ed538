//! User info, `GET /cgi-bin/user/info?openid=…&lang=…`, and the checks the platform's APIs
//! share: a well-formed openid (40003) and a verified account (48001).

use actix_web::HttpResponse;
use serde_json::json;

use crate::emulator::errcode::{Refusal, Served};
use crate::emulator::request::ApiRequest;
use crate::emulator::script::AccountKind;
use crate::emulator::state::State;

/// `GET /cgi-bin/user/info`: what WeChat tells of a follower (no nickname or avatar since
/// 2021-12-27), or only `subscribe: 0` and the openid for someone who does not follow.
pub(in crate::emulator) fn info(state: &State, request: &ApiRequest<'_>) -> Served {
    verified(state.account_kind())?;
    let openid = openid(request.param("openid"))?;
    let user = state.user(openid);
    if !user.subscribe {
        return Ok(HttpResponse::Ok().json(json!({ "subscribe": 0, "openid": openid })));
    }
    let mut answer = json!({
        "subscribe": 1,
        "openid": openid,
        "language": user.language,
        "subscribe_time": user.subscribe_time,
        "remark": user.remark,
        "groupid": user.groupid,
        "tagid_list": user.tagid_list,
        "subscribe_scene": user.subscribe_scene,
        "qr_scene": user.qr_scene,
        "qr_scene_str": user.qr_scene_str,
    });
    // Only for an account bound to the open platform, as WeChat.
    if let Some(unionid) = user.unionid {
        answer["unionid"] = json!(unionid);
    }
    Ok(HttpResponse::Ok().json(answer))
}

/// An openid as WeChat makes them (1 to 64 letters, digits, `-` or `_`); else 40003.
pub(in crate::emulator) fn openid(openid: Option<&str>) -> Result<&str, Refusal> {
    match openid {
        Some(openid)
            if (1..=64).contains(&openid.len())
                && openid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')) =>
        {
            Ok(openid)
        }
        _ => Err(Refusal::new(40003, "invalid openid")),
    }
}

/// WeChat's 48001 for the APIs only a verified account may call (user info, QR codes with
/// scenes, template messages).
pub(in crate::emulator) fn verified(kind: AccountKind) -> Result<(), Refusal> {
    if kind.is_verified() {
        return Ok(());
    }
    Err(Refusal::new(
        48001,
        "api unauthorized: only verified accounts may call this API \
         (emulator: unverified subscription account)",
    ))
}
