//! `license activate|status|refresh|deactivate|import`: the premium licence.

use hyper::Method;
use spectrus_proto::admin::{ActivateLicense, ImportLicense, LicenseStatus};

use crate::cli::LicenseCommand;
use crate::commands::Ctx;
use crate::error::{CtlError, Result};
use crate::output::or_dash;
use crate::table::Table;
use crate::transport::decode;

/// Runs a `license` command.
pub async fn run(cmd: &LicenseCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    let value = match cmd {
        LicenseCommand::Status => ctx.client.get("/license").await?,
        LicenseCommand::Activate { key } => {
            let body = ActivateLicense { key: key.clone() };
            ctx.client
                .call(Method::POST, "/license/activate", Some(&body))
                .await?
        }
        LicenseCommand::Refresh => {
            ctx.client
                .call(Method::POST, "/license/refresh", None::<&()>)
                .await?
        }
        LicenseCommand::Import { file, key } => {
            let path = ctx.absolute(file);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| CtlError::Invalid(format!("cannot read {}: {e}", path.display())))?;
            let body = ImportLicense {
                file: text,
                key: key.clone(),
            };
            ctx.client
                .call(Method::POST, "/license/import", Some(&body))
                .await?
        }
        LicenseCommand::Deactivate => {
            let value = ctx
                .client
                .call(Method::DELETE, "/license", None::<&()>)
                .await?;
            return ctx.out.either(&value, |out| {
                out.line("licence deactivated: premium features are off")
            });
        }
    };
    if ctx.out.is_json() {
        return ctx.out.json(&value);
    }
    let status: LicenseStatus = decode(value)?;
    ctx.out.table(&status_table(&status))
}

/// The licence as a two-column table.
pub fn status_table(s: &LicenseStatus) -> Table {
    let mut t = Table::headless();
    t.row(["state", s.state.as_str()]);
    t.row(["premium", if s.premium { "yes" } else { "no" }]);
    t.row(["plan", &or_dash(s.plan.as_deref())]);
    t.row(["key", &or_dash(s.key.as_deref())]);
    t.row(["source", &or_dash(s.source.as_deref())]);
    t.row(["expires", &or_dash(s.expires_at.as_deref())]);
    t.row(["lapses", &or_dash(s.lapses_at.as_deref())]);
    t.row(["last valid", &or_dash(s.last_valid_at.as_deref())]);
    t.row(["last check", &or_dash(s.last_checked_at.as_deref())]);
    t.row([
        "code",
        &or_dash((!s.code.is_empty()).then_some(s.code.as_str())),
    ]);
    t.row(["", &s.message]);
    t
}

/// One line for `spectrusctl status`: the state, and while premium the plan and when it lapses.
pub fn summary(s: &LicenseStatus) -> String {
    if !s.premium {
        return s.state.as_str().to_owned();
    }
    let mut parts = vec!["premium".to_owned()];
    if let Some(plan) = &s.plan {
        parts.push(format!("plan {plan}"));
    }
    if let Some(at) = &s.lapses_at {
        parts.push(format!("lapses {at}"));
    }
    format!("{} ({})", s.state.as_str(), parts.join(", "))
}
