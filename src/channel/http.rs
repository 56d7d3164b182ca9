//! The HTTP client the network adapters share: reqwest with rustls,
//! timeouts, and one mapping from HTTP outcomes to [`ChannelError`].

use super::ChannelError;
use chrono::{DateTime, TimeZone, Utc};
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::time::Duration;

/// Where and how an adapter reaches its network's API.
///
/// The base URL is configurable so that tests (and proxies) can stand in for
/// the network: point it at `http://127.0.0.1:<port>`.
///
/// ```
/// use caredesk::channel::HttpConfig;
/// use std::time::Duration;
/// let config = HttpConfig::new("http://127.0.0.1:8080").with_timeout(Duration::from_secs(5));
/// assert_eq!(config.base_url, "http://127.0.0.1:8080");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// The API's base URL, without a trailing slash (e.g. `https://api.x.com`).
    pub base_url: String,
    /// Longest a whole request may take.
    pub timeout: Duration,
    /// Longest connecting may take.
    pub connect_timeout: Duration,
}

impl HttpConfig {
    /// A configuration for `base_url` with a 10 s request timeout and a 5 s
    /// connect timeout.
    pub fn new(base_url: impl Into<String>) -> Self {
        let base_url: String = base_url.into();
        HttpConfig {
            base_url: base_url.trim_end_matches('/').to_owned(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// Sets the request timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// A client for one API, with its bearer token.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    base: String,
    token: String,
}

/// A network-specific reading of an error response, tried before the
/// generic mapping.
pub(crate) type Classify<'a> = &'a (dyn Fn(u16, &Value) -> Option<ChannelError> + Sync);

impl Http {
    /// Builds the client.
    ///
    /// # Errors
    /// A readable reason when the TLS backend cannot be set up.
    pub(crate) fn new(config: &HttpConfig, token: &str) -> Result<Http, String> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("caredesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Http {
            client,
            base: config.base_url.clone(),
            token: token.to_owned(),
        })
    }

    /// POSTs a JSON body to `base + path` and returns the JSON answer of a
    /// 2xx response; anything else becomes a [`ChannelError`].
    pub(crate) async fn post_json(
        &self,
        path: &str,
        body: &Value,
        classify: Classify<'_>,
    ) -> Result<Value, ChannelError> {
        let url = format!("{}{}", self.base, path);
        let response = self
            .client
            .post(&url)
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(transport_error)?;
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        if (200..300).contains(&status) {
            return json.ok_or_else(|| {
                ChannelError::Unconfirmed(format!(
                    "status {status} with a body that is not JSON: {}",
                    excerpt(&bytes)
                ))
            });
        }
        let json = json.unwrap_or(Value::Null);
        if status == 429 {
            return Err(ChannelError::RateLimited {
                retry_at: reset_time(&headers),
            });
        }
        if let Some(error) = classify(status, &json) {
            return Err(error);
        }
        let reason = if json.is_null() {
            excerpt(&bytes)
        } else {
            excerpt(json.to_string().as_bytes())
        };
        Err(match status {
            401 | 403 => ChannelError::Forbidden(reason),
            408 | 425 => ChannelError::Transient(format!("status {status}: {reason}")),
            // A gateway that gave up waiting: the network behind it may
            // still have posted the message.
            504 => ChannelError::Unconfirmed(format!("status {status}: {reason}")),
            500..=599 => ChannelError::Transient(format!("status {status}: {reason}")),
            _ => ChannelError::Rejected { status, reason },
        })
    }
}

/// A failure below HTTP. Only a failed connection proves the network never
/// saw the request; a timeout or a connection lost later may come after the
/// network took the message, so those are [`ChannelError::Unconfirmed`].
fn transport_error(error: reqwest::Error) -> ChannelError {
    if error.is_connect() || error.is_builder() {
        ChannelError::Transient(format!("could not connect: {error}"))
    } else if error.is_timeout() {
        ChannelError::Unconfirmed(format!("timed out: {error}"))
    } else {
        ChannelError::Unconfirmed(format!("request failed: {error}"))
    }
}

/// The first 300 characters of a body, for error messages.
fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(300).collect()
}

/// When a rate limit resets: `x-rate-limit-reset` (X: Unix seconds), or
/// `retry-after` seconds counted from the response's `date` header. No
/// clock is read: without those headers the time is unknown.
fn reset_time(headers: &HeaderMap) -> Option<DateTime<Utc>> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(reset) = text("x-rate-limit-reset").and_then(|v| v.trim().parse::<i64>().ok()) {
        return Utc.timestamp_opt(reset, 0).single();
    }
    let after = text("retry-after")?.trim().parse::<i64>().ok()?;
    let date = DateTime::parse_from_rfc2822(text("date")?).ok()?;
    Some(date.with_timezone(&Utc) + chrono::Duration::seconds(after.clamp(0, 86_400)))
}

/// Reads a Graph API error (`{"error": {"code", "error_subcode", "message"}}`),
/// shared by the Meta and WhatsApp adapters.
#[cfg(any(feature = "meta", feature = "whatsapp"))]
pub(crate) fn graph_error(_status: u16, body: &Value) -> Option<ChannelError> {
    let error = body.get("error")?;
    let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
    let subcode = error.get("error_subcode").and_then(Value::as_i64);
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let reason = format!("Graph error {code}: {message}");
    // Error codes from the Graph API, Messenger Platform and WhatsApp Cloud
    // API error references.
    Some(match (code, subcode) {
        // Outside the messaging window: Messenger's 2018278 subcode, Instagram
        // messaging's 2534022, WhatsApp's 131047 re-engagement error.
        (_, Some(2_018_278)) | (131_047, _) | (_, Some(2_534_022)) => ChannelError::WindowClosed,
        // Application, account, page or pair rate limits.
        (4 | 17 | 32 | 613 | 130_429 | 131_048 | 131_056, _) | (80_001..=80_014, _) => {
            ChannelError::RateLimited { retry_at: None }
        }
        // Expired or revoked token, missing permission, blocked account.
        (10 | 190 | 200..=299 | 368 | 131_031, _) => ChannelError::Forbidden(reason),
        // Unknown or temporary errors and service unavailable.
        (1 | 2 | 131_000 | 131_016, _) => ChannelError::Transient(reason),
        _ if error.get("is_transient").and_then(Value::as_bool) == Some(true) => {
            ChannelError::Transient(reason)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn reset_time_reads_x_rate_limit_reset_as_unix_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert("x-rate-limit-reset", HeaderValue::from_static("1795000000"));
        assert_eq!(
            reset_time(&headers),
            Utc.timestamp_opt(1_795_000_000, 0).single()
        );
    }

    #[test]
    fn reset_time_counts_retry_after_from_the_date_header() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("120"));
        headers.insert(
            "date",
            HeaderValue::from_static("Mon, 23 Nov 2026 10:00:00 GMT"),
        );
        assert_eq!(
            reset_time(&headers),
            Some("2026-11-23T10:02:00Z".parse().unwrap())
        );
        headers.remove("date");
        assert_eq!(reset_time(&headers), None, "no clock is read");
    }

    #[cfg(any(feature = "meta", feature = "whatsapp"))]
    #[test]
    fn graph_errors_map_to_typed_channel_errors() {
        let error = |code: i64, subcode: Option<i64>| {
            let mut e = serde_json::json!({"error": {"code": code, "message": "m"}});
            if let Some(s) = subcode {
                e["error"]["error_subcode"] = s.into();
            }
            graph_error(400, &e)
        };
        assert_eq!(error(10, Some(2_018_278)), Some(ChannelError::WindowClosed));
        assert_eq!(error(131_047, None), Some(ChannelError::WindowClosed));
        assert_eq!(
            error(613, None),
            Some(ChannelError::RateLimited { retry_at: None })
        );
        assert!(matches!(error(190, None), Some(ChannelError::Forbidden(_))));
        assert!(matches!(error(2, None), Some(ChannelError::Transient(_))));
        assert_eq!(error(100, None), None, "left to the generic mapping");
        assert_eq!(graph_error(400, &Value::Null), None);
    }
}
