//! `/api/auth`: accounts, sessions and keys.
//!
//! | Route | What it does |
//! | --- | --- |
//! | `POST register`, `verify-email`, `resend-verification` | create an account, confirm its address |
//! | `POST login`, `refresh`, `logout`, `logout-all`; `GET/DELETE sessions[/{id}]` | sign in, stay signed in, sign out |
//! | `POST password/change`, `password/forgot`, `password/reset` | passwords |
//! | `GET/PATCH profile`, `GET/PATCH settings`, `DELETE account` | the account itself |
//! | `GET/POST api-keys`, `DELETE api-keys/{id}`; `GET/PUT/DELETE gemini-key` | keys |
//! | `GET operator/reports` | the operator's daily reports (404 to everyone else) |

mod account;
pub(crate) mod common;
mod guesses;
mod keys;
mod operator;
mod pace;
mod password;
pub(crate) mod profile;
#[cfg(test)]
mod props;
mod session;
mod signup;

use http::{Method, StatusCode};
use http_body::Body as HttpBody;
use serde_json::Value;
use uuid::Uuid;

use crate::app::App;
use crate::auth::principal::{self, Principal};
use crate::error::{ApiError, BoxError};
use crate::http::{Body, Cached, Meta, Request, Router, json_response, read_json};

#[derive(Clone, Copy)]
enum Endpoint {
    Register,
    VerifyEmail,
    ResendVerification,
    Login,
    Refresh,
    Logout,
    LogoutAll,
    Sessions,
    EndSession,
    ChangePassword,
    ForgotPassword,
    ResetPassword,
    Profile,
    UpdateProfile,
    Settings,
    UpdateSettings,
    DeleteAccount,
    ApiKeys,
    CreateApiKey,
    RevokeApiKey,
    GeminiKey,
    SetGeminiKey,
    DeleteGeminiKey,
    OperatorReports,
}

impl Endpoint {
    /// What an account may do before it has confirmed its address: sign in and out, see and change
    /// its profile and settings, confirm (verify-email, resend-verification, both public) and
    /// delete itself. Every other route answers 403 `EMAIL_NOT_VERIFIED`; a new endpoint is
    /// gated unless it is added here.
    fn open_to_unverified(self) -> bool {
        matches!(
            self,
            Self::Logout
                | Self::LogoutAll
                | Self::Sessions
                | Self::EndSession
                | Self::Profile
                | Self::UpdateProfile
                | Self::Settings
                | Self::UpdateSettings
                | Self::DeleteAccount
        )
    }
}

static ROUTER: Router<Endpoint> = Router::new(&[
    (Method::POST, "/api/auth/register", Endpoint::Register),
    (Method::POST, "/api/auth/verify-email", Endpoint::VerifyEmail),
    (Method::POST, "/api/auth/resend-verification", Endpoint::ResendVerification),
    (Method::POST, "/api/auth/login", Endpoint::Login),
    (Method::POST, "/api/auth/refresh", Endpoint::Refresh),
    (Method::POST, "/api/auth/logout", Endpoint::Logout),
    (Method::POST, "/api/auth/logout-all", Endpoint::LogoutAll),
    (Method::GET, "/api/auth/sessions", Endpoint::Sessions),
    (Method::DELETE, "/api/auth/sessions/:id", Endpoint::EndSession),
    (Method::POST, "/api/auth/password/change", Endpoint::ChangePassword),
    (Method::POST, "/api/auth/password/forgot", Endpoint::ForgotPassword),
    (Method::POST, "/api/auth/password/reset", Endpoint::ResetPassword),
    (Method::GET, "/api/auth/profile", Endpoint::Profile),
    (Method::PATCH, "/api/auth/profile", Endpoint::UpdateProfile),
    (Method::GET, "/api/auth/settings", Endpoint::Settings),
    (Method::PATCH, "/api/auth/settings", Endpoint::UpdateSettings),
    (Method::DELETE, "/api/auth/account", Endpoint::DeleteAccount),
    (Method::GET, "/api/auth/api-keys", Endpoint::ApiKeys),
    (Method::POST, "/api/auth/api-keys", Endpoint::CreateApiKey),
    (Method::DELETE, "/api/auth/api-keys/:id", Endpoint::RevokeApiKey),
    (Method::GET, "/api/auth/gemini-key", Endpoint::GeminiKey),
    (Method::PUT, "/api/auth/gemini-key", Endpoint::SetGeminiKey),
    (Method::DELETE, "/api/auth/gemini-key", Endpoint::DeleteGeminiKey),
    (Method::GET, "/api/auth/operator/reports", Endpoint::OperatorReports),
]);

/// This function's routes, for the published API description.
pub(super) fn routes() -> Vec<(Method, &'static str)> {
    ROUTER.routes()
}

pub async fn handle<B>(app: &App, req: Request<B>) -> Result<http::Response<Body>, ApiError>
where
    B: HttpBody,
    B::Error: Into<BoxError>,
{
    // The operator's paths are hidden before the router speaks: to anyone else even a wrong method
    // is the 404 of an unknown path, never a 405 that would tell the route is there.
    let operator = match operator::is_operator_path(&req.path) {
        true => Some(operator::admit(app, &req.headers, &req.path).await?),
        false => None,
    };
    let (endpoint, params) = ROUTER.resolve(&req.method, &req.path)?;
    let meta = Meta::new(&req.request_id);
    let headers = &req.headers;
    let ok = |data: Value| Ok(json_response(StatusCode::OK, data, Meta::new(&req.request_id), Cached::Never));
    match endpoint {
        // The three answers that could tell whether an address has an account, by their time.
        Endpoint::Register => {
            let data = pace::at_the_floor(app, async {
                signup::register(app, headers, read_json(headers, req.body).await?).await
            })
            .await?;
            Ok(json_response(StatusCode::ACCEPTED, data, meta, Cached::Never))
        }
        Endpoint::VerifyEmail => {
            // Sent from a signed-in app, the request carries its login, which the first
            // verification keeps while it ends every other one.
            let keep = match headers.contains_key(http::header::AUTHORIZATION) {
                true => Some(principal::authenticate_unverified(app, headers).await?.require_session()?),
                false => None,
            };
            ok(signup::verify_email(app, keep, read_json(headers, req.body).await?).await?)
        }
        Endpoint::ResendVerification => {
            let data = pace::at_the_floor(app, async {
                signup::resend_verification(app, headers, read_json(headers, req.body).await?).await
            })
            .await?;
            Ok(json_response(StatusCode::ACCEPTED, data, meta, Cached::Never))
        }
        Endpoint::Login => session::login(app, headers, read_json(headers, req.body).await?, meta).await,
        Endpoint::Refresh => {
            let body = optional_json(headers, req.body).await?;
            session::refresh(app, headers, body, meta).await
        }
        Endpoint::ForgotPassword => {
            let data = pace::at_the_floor(app, async {
                password::forgot(app, headers, read_json(headers, req.body).await?).await
            })
            .await?;
            Ok(json_response(StatusCode::ACCEPTED, data, meta, Cached::Never))
        }
        Endpoint::ResetPassword => ok(password::reset(app, read_json(headers, req.body).await?).await?),
        Endpoint::OperatorReports => {
            operator.ok_or_else(|| ApiError::internal("an operator route reached without the operator check"))?;
            ok(operator::reports(app).await?)
        }
        signed_in => {
            let who = match signed_in.open_to_unverified() {
                true => principal::authenticate_unverified(app, headers).await?,
                false => principal::authenticate(app, headers).await?,
            };
            let user = who.user_id;
            match signed_in {
                Endpoint::Logout => session::logout(app, user, who.require_session()?, meta).await,
                Endpoint::LogoutAll => {
                    who.require_session()?;
                    session::logout_all(app, user, meta).await
                }
                Endpoint::Sessions => ok(session::list(app, user, who.require_session()?).await?),
                Endpoint::EndSession => {
                    who.require_session()?;
                    ok(session::end_one(app, user, id_param("id", &params[0])?).await?)
                }
                Endpoint::ChangePassword => {
                    let family = who.require_session()?;
                    ok(password::change(app, headers, user, family, read_json(headers, req.body).await?).await?)
                }
                Endpoint::Profile => {
                    let profile = profile::profile(app, user).await?;
                    ok(if who.api_key_id().is_some() { profile::for_api_key(profile) } else { profile })
                }
                Endpoint::UpdateProfile => {
                    who.require_session()?;
                    ok(profile::update_profile(app, user, read_json(headers, req.body).await?).await?)
                }
                Endpoint::Settings => ok(profile::settings(app, user).await?),
                Endpoint::UpdateSettings => {
                    who.require_session()?;
                    ok(profile::update_settings(app, user, read_json(headers, req.body).await?).await?)
                }
                Endpoint::DeleteAccount => {
                    who.require_session()?;
                    ok(account::delete(app, headers, user, read_json(headers, req.body).await?).await?)
                }
                Endpoint::ApiKeys => ok(Value::Array(keys::live_keys(app, session_user(&who)?).await?)),
                Endpoint::CreateApiKey => {
                    let data = keys::create(app, session_user(&who)?, read_json(headers, req.body).await?).await?;
                    Ok(json_response(StatusCode::CREATED, data, meta, Cached::Never))
                }
                Endpoint::RevokeApiKey => {
                    ok(keys::revoke(app, session_user(&who)?, id_param("id", &params[0])?).await?)
                }
                Endpoint::GeminiKey => ok(keys::gemini_key(app, user).await?),
                Endpoint::SetGeminiKey => {
                    ok(keys::set_gemini_key(app, session_user(&who)?, read_json(headers, req.body).await?).await?)
                }
                Endpoint::DeleteGeminiKey => ok(keys::delete_gemini_key(app, session_user(&who)?).await?),
                _ => unreachable!("the public endpoints are answered above"),
            }
        }
    }
}

/// The signed-in person's id; API keys cannot manage keys.
fn session_user(who: &Principal) -> Result<Uuid, ApiError> {
    who.require_session().map(|_| who.user_id)
}

fn id_param(field: &str, raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::validation(field, "must be a UUID"))
}

/// A JSON body that may be absent (the web app refreshes with its cookie and no body).
async fn optional_json<T, B>(headers: &http::HeaderMap, body: B) -> Result<T, ApiError>
where
    T: serde::de::DeserializeOwned + Default,
    B: HttpBody,
    B::Error: Into<BoxError>,
{
    if headers.get(http::header::CONTENT_TYPE).is_none() {
        return Ok(T::default());
    }
    read_json(headers, body).await
}
