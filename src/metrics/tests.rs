use super::Metrics;

#[test]
fn each_metric_renders_with_the_wxbot_prefix() {
    let metrics = Metrics::new(true);
    metrics.callback("text", "", 200);
    metrics.reply("text");
    metrics.customer_service_send(Some(45015));
    metrics.media_cache(true);
    metrics.redis_up(true);
    let text = metrics.render();
    for line in [
        "wxbot_callbacks_total{msg_type=\"text\",event=\"\",status=\"200\"} 1",
        "wxbot_replies_total{kind=\"text\"} 1",
        "wxbot_customer_service_sends_total{errcode=\"45015\"} 1",
        "wxbot_media_cache_total{result=\"hit\"} 1",
        "wxbot_redis_up 1",
        "wxbot_deadline_fallbacks_total 0",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
}
