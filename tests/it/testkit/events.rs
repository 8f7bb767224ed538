//! The rarer events' builders read back, through the parser, as the values they were built
//! from: every typed field, not just the kind.

use wxbot::message::{Event, KfSession, Pictures, ScanCode, SubscribeMsgItem};
use wxbot::testing::Msg;

use super::parsed;

fn event(msg: &Msg) -> Event {
    parsed(msg).event().cloned().expect("an event")
}

fn scan_code(code: &ScanCode) -> (&str, &str, &str) {
    (&code.event_key, &code.scan_type, &code.scan_result)
}

fn pictures(pics: &Pictures) -> (&str, u32, Vec<&str>) {
    let md5s = pics.md5s.iter().map(String::as_str).collect();
    (&pics.event_key, pics.count, md5s)
}

fn kf(session: &KfSession) -> [Option<&str>; 3] {
    [
        session.kf_account.as_deref(),
        session.from_kf_account.as_deref(),
        session.to_kf_account.as_deref(),
    ]
}

/// `(TemplateId, SubscribeStatusString, PopupScene)` of each item, which has no sent fields.
fn choices(items: &[SubscribeMsgItem]) -> Vec<(&str, Option<&str>, Option<&str>)> {
    items.iter().map(choice).collect()
}

fn choice(item: &SubscribeMsgItem) -> (&str, Option<&str>, Option<&str>) {
    assert_eq!(item.msg_id, None);
    assert_eq!((&item.error_code, &item.error_status), (&None, &None));
    let status = item.status.as_deref();
    (
        item.template_id.as_str(),
        status,
        item.popup_scene.as_deref(),
    )
}

#[test]
fn every_menu_event_builder_reads_back_as_built() {
    let push = Msg::scancode_push("SCAN_1", "qrcode", "https://x/?a=1&b=<2>");
    let Event::ScancodePush(code) = event(&push) else {
        panic!("scancode_push: {push}")
    };
    assert_eq!(
        scan_code(&code),
        ("SCAN_1", "qrcode", "https://x/?a=1&b=<2>")
    );
    let Event::ScancodeWaitmsg(code) = event(&Msg::scancode_waitmsg("S2", "barcode", "690")) else {
        panic!("scancode_waitmsg")
    };
    assert_eq!(scan_code(&code), ("S2", "barcode", "690"));

    let Event::PicSysphoto(pics) = event(&Msg::pic_sysphoto("P1", ["aa", "bb"])) else {
        panic!("pic_sysphoto")
    };
    assert_eq!(pictures(&pics), ("P1", 2, vec!["aa", "bb"]));
    let album = Msg::pic_photo_or_album("P2", vec!["cc".to_owned()]);
    let Event::PicPhotoOrAlbum(pics) = event(&album) else {
        panic!("pic_photo_or_album")
    };
    assert_eq!(pictures(&pics), ("P2", 1, vec!["cc"]));
    let Event::PicWeixin(pics) = event(&Msg::pic_weixin("P3", ["dd", "ee", "ff"])) else {
        panic!("pic_weixin")
    };
    assert_eq!(pictures(&pics), ("P3", 3, vec!["dd", "ee", "ff"]));

    let picked = Msg::location_select("LOC", 23.1345, 113.3588, 15, "广州塔");
    let Event::LocationSelect(place) = event(&picked) else {
        panic!("location_select")
    };
    assert_eq!(place.event_key, "LOC");
    assert_eq!(
        (place.x.0.as_str(), place.y.0.as_str()),
        ("23.1345", "113.3588")
    );
    assert_eq!(
        (place.scale.0.as_str(), place.label.as_str()),
        ("15", "广州塔")
    );
    assert_eq!(place.poiname, None, "no point of interest picked");
    let Event::LocationSelect(place) = event(&picked.with("Poiname", "Canton Tower")) else {
        panic!("location_select with Poiname")
    };
    assert_eq!(place.poiname.as_deref(), Some("Canton Tower"));
    assert_eq!(place.label, "广州塔", "the other fields stay");

    let Event::ViewMiniprogram(mini) = event(&Msg::view_miniprogram("pages/index/index")) else {
        panic!("view_miniprogram")
    };
    assert_eq!(
        (mini.page_path.as_str(), mini.menu_id),
        ("pages/index/index", None)
    );
}

#[test]
fn every_report_builder_reads_back_as_built() {
    let template = parsed(&Msg::template_send_job_finish(
        200_163_836,
        "failed:user block",
    ));
    assert_eq!(
        template.header.msg_id.as_ref().map(|id| id.as_str()),
        Some("200163836"),
        "MsgID is the report's id"
    );
    let Some(Event::TemplateSendJobFinish(job)) = template.event() else {
        panic!("TEMPLATESENDJOBFINISH")
    };
    assert_eq!(job.msg_id.as_ref().map(|id| id.as_str()), Some("200163836"));
    assert_eq!(job.status, "failed:user block");

    let mass = Msg::mass_send_job_finish(1_000_001_625, "send success", 100, 80, 75, 5);
    let Event::MassSendJobFinish(job) = event(&mass) else {
        panic!("MASSSENDJOBFINISH")
    };
    assert_eq!(
        job.msg_id.as_ref().map(|id| id.as_str()),
        Some("1000001625")
    );
    assert_eq!(job.status, "send success");
    let counts = (
        job.total_count,
        job.filter_count,
        job.sent_count,
        job.error_count,
    );
    assert_eq!(counts, (100, 80, 75, 5));

    let urls = [
        "https://mp.weixin.qq.com/s/a",
        "https://mp.weixin.qq.com/s/b",
    ];
    let Event::PublishJobFinish(job) = event(&Msg::publish_job_finish("2247503051", "ART", urls))
    else {
        panic!("PUBLISHJOBFINISH")
    };
    assert_eq!(
        (job.publish_id.as_str(), job.status.as_str()),
        ("2247503051", "0")
    );
    assert_eq!(
        (job.article_id.as_deref(), job.article_urls.as_slice()),
        (Some("ART"), &urls.map(String::from)[..])
    );
    assert!(job.fail_idx.is_empty());
    let Event::PublishJobFinish(job) = event(&Msg::publish_job_failed("7", 2, [1, 3])) else {
        panic!("PUBLISHJOBFINISH, failed")
    };
    assert_eq!((job.publish_id.as_str(), job.status.as_str()), ("7", "2"));
    assert_eq!((job.article_id, job.article_urls.len()), (None, 0));
    assert_eq!(job.fail_idx, ["1", "3"]);
}

#[test]
fn every_subscription_and_session_builder_reads_back_as_built() {
    let popup = Msg::subscribe_msg_popup([("TPL_1", "accept"), ("TPL_2", "reject")], 2);
    let Event::SubscribeMsgPopup(popup) = event(&popup) else {
        panic!("subscribe_msg_popup_event")
    };
    assert_eq!(
        choices(&popup.items),
        [
            ("TPL_1", Some("accept"), Some("2")),
            ("TPL_2", Some("reject"), Some("2"))
        ]
    );
    let Event::SubscribeMsgChange(change) =
        event(&Msg::subscribe_msg_change([("TPL_3", "reject")]))
    else {
        panic!("subscribe_msg_change_event")
    };
    assert_eq!(choices(&change.items), [("TPL_3", Some("reject"), None)]);
    let sent = parsed(&Msg::subscribe_msg_sent(
        "TPL_4",
        1_700_827_132_819_554_304,
        0,
        "success",
    ));
    assert_eq!(sent.header.msg_id, None, "the MsgID is the item's");
    let Some(Event::SubscribeMsgSent(sent)) = sent.event() else {
        panic!("subscribe_msg_sent_event")
    };
    let [item] = sent.items.as_slice() else {
        panic!("one item: {:?}", sent.items)
    };
    assert_eq!(item.template_id, "TPL_4");
    assert_eq!(
        item.msg_id.as_ref().map(|id| id.as_str()),
        Some("1700827132819554304")
    );
    assert_eq!(
        (item.error_code.as_deref(), item.error_status.as_deref()),
        (Some("0"), Some("success"))
    );
    assert_eq!(
        (item.status.as_deref(), item.popup_scene.as_deref()),
        (None, None)
    );
    let refused =
        Msg::subscribe_msg_sent("TPL_5", 9, 43101, "failed:user refuse to accept the msg");
    let Event::SubscribeMsgSent(refused) = event(&refused) else {
        panic!("subscribe_msg_sent_event, refused")
    };
    assert_eq!(refused.items[0].error_code.as_deref(), Some("43101"));

    let Event::KfCreateSession(session) = event(&Msg::kf_create_session("kf1@gh")) else {
        panic!("kf_create_session")
    };
    assert_eq!(kf(&session), [Some("kf1@gh"), None, None]);
    let Event::KfCloseSession(session) = event(&Msg::kf_close_session("kf1@gh")) else {
        panic!("kf_close_session")
    };
    assert_eq!(kf(&session), [Some("kf1@gh"), None, None]);
    let Event::KfSwitchSession(session) = event(&Msg::kf_switch_session("kf1@gh", "kf2@gh")) else {
        panic!("kf_switch_session")
    };
    assert_eq!(kf(&session), [None, Some("kf1@gh"), Some("kf2@gh")]);
}

#[test]
fn each_rarer_event_is_a_new_one() {
    let twice = |build: &dyn Fn() -> Msg| {
        let (a, b) = (parsed(&build()), parsed(&build()));
        assert_ne!(
            a.header.create_time,
            b.header.create_time,
            "{:?}",
            a.event()
        );
    };
    twice(&|| Msg::scancode_push("K", "qrcode", "x"));
    twice(&|| Msg::pic_weixin("K", ["m"]));
    twice(&|| Msg::location_select("K", 1.0, 2.0, 3, "L"));
    twice(&|| Msg::view_miniprogram("p"));
    twice(&|| Msg::publish_job_failed("1", 3, []));
    twice(&|| Msg::subscribe_msg_change([("T", "accept")]));
    twice(&|| Msg::kf_close_session("kf"));
}
