//! Delivering one reminder: always to the inbox (once per key, by the database's unique key), and
//! as a WeChat subscribe message when a template is configured for its kind, the user is bound to
//! WeChat and has a one-time consent left — otherwise the inbox is the fallback.
//!
//! The WeChat push is claimed in the database before it is sent, so two workers delivering the same
//! reminder never push it twice; a failed push releases the claim and returns an error, and the
//! queue retries. Safe to call any number of times for the same reminder.

use chrono::{DateTime, Utc};
use domain::reminders::Reminder;

use crate::auth::wechat::SendOutcome;
use crate::state::AppState;
use crate::store::notifications;

/// What a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// The inbox received it now (false: it was there already).
    pub new_in_inbox: bool,
}

/// WeChat's `thing` fields hold at most 20 characters.
fn thing(s: &str) -> String {
    let mut out: String = s.chars().take(20).collect();
    if s.chars().count() > 20 {
        out.pop();
        out.push('…');
    }
    out
}

pub async fn deliver(state: &AppState, r: &Reminder, now: DateTime<Utc>) -> anyhow::Result<Delivered> {
    let new_in_inbox = notifications::deliver(&state.db, r, now).await?;
    if new_in_inbox {
        state.metrics.reminder("inbox");
    }
    let Some(template) = state.wechat.settings().and_then(|s| s.templates.get(r.kind.as_str())).cloned() else {
        return Ok(Delivered { new_in_inbox });
    };
    if !notifications::wechat_claim(&state.db, &r.key).await? {
        // Pushed (or settled) before, or another worker is pushing it now.
        return Ok(Delivered { new_in_inbox });
    }
    let settle = |outcome: &'static str| async move {
        state.metrics.reminder(&format!("wechat_{outcome}"));
        notifications::wechat_settle(&state.db, &r.key, Some(outcome)).await
    };
    let Some(openid) = notifications::openid(&state.db, r.user).await? else {
        settle("unbound").await?;
        return Ok(Delivered { new_in_inbox });
    };
    if !notifications::take_consent(&state.db, r.user, &template).await? {
        settle("no_consent").await?;
        return Ok(Delivered { new_in_inbox });
    }
    let data = serde_json::json!({
        "thing1": { "value": thing(&r.title) },
        "thing2": { "value": thing(&r.body) },
        "date3": { "value": domain::calendar::local_date(now).format("%Y年%-m月%-d日").to_string() },
    });
    match state.wechat.send_subscribe(&openid, &template, data, now).await {
        Ok(SendOutcome::Sent) => settle("sent").await?,
        Ok(SendOutcome::Refused) => {
            // WeChat says no consent is left: believe it over our count.
            notifications::add_consents(&state.db, r.user, &template, None, now).await?;
            settle("refused").await?;
        }
        Err(e) => {
            notifications::add_consents(&state.db, r.user, &template, Some(1), now).await?;
            notifications::wechat_settle(&state.db, &r.key, None).await?;
            return Err(e);
        }
    }
    Ok(Delivered { new_in_inbox })
}

#[cfg(test)]
mod tests {
    use super::thing;

    #[test]
    fn wechat_thing_fields_are_cut_to_twenty_characters() {
        assert_eq!(thing("本月入户走访提醒"), "本月入户走访提醒");
        let long = "您联系的户中还有3户本季度尚未走访，请在11月30日前完成村级入户全覆盖。";
        let cut = thing(long);
        assert_eq!(cut.chars().count(), 20);
        assert!(cut.ends_with('…'));
    }
}
